// Lección 15, pasos 3 a 5: curvas de aprendizaje, recuperadores y visión (ver dat_experiments.h).
#include "lessons/common/dat_experiments.h"

#include <algorithm>

#include "autograd/tape.h"
#include "optim/adam.h"
#include "tensor/index_ops.h"
#include "tensor/rng.h"

namespace lesson15 {

namespace {

template <class Modelo>
double entrenar_y_medir(Modelo& modelo, const Tensor& imagenes, const Tensor& etiquetas, const Tensor& img_prueba,
                        const Tensor& etq_prueba, const Entrenamiento& e, uint64_t semilla) {
  Rng rng(semilla);
  AdamW opt(modelo.parameters(), {.lr = e.lr, .weight_decay = 0});
  const int64_t n = imagenes.size(0), lote = std::min(e.lote, n);
  for (int64_t paso = 0; paso < e.pasos; ++paso) {
    Tensor idx({lote});
    for (int64_t i = 0; i < lote; ++i) idx[i] = real(rng.below(uint64_t(n)));
    backward(modelo.loss(index_select(imagenes, 0, idx), index_select(etiquetas, 0, idx)));
    opt.step();
    opt.zero_grad();
  }
  NoGrad sin_cinta;
  const Tensor z = modelo.forward(img_prueba).value();
  int64_t bien = 0;
  for (int64_t i = 0; i < z.size(0); ++i) {
    int64_t mejor = 0;
    for (int64_t k = 1; k < z.size(1); ++k) mejor = z[i * z.size(1) + k] > z[i * z.size(1) + mejor] ? k : mejor;
    bien += mejor == int64_t(etq_prueba[i]);
  }
  return double(bien) / double(z.size(0));
}

}  // namespace

double entrenar_y_medir(DATVision& modelo, const Tensor& imagenes, const Tensor& etiquetas, const Tensor& img_prueba,
                        const Tensor& etq_prueba, const Entrenamiento& e, uint64_t semilla) {
  return entrenar_y_medir<DATVision>(modelo, imagenes, etiquetas, img_prueba, etq_prueba, e, semilla);
}

double entrenar_y_medir(ViT& modelo, const Tensor& imagenes, const Tensor& etiquetas, const Tensor& img_prueba,
                        const Tensor& etq_prueba, const Entrenamiento& e, uint64_t semilla) {
  return entrenar_y_medir<ViT>(modelo, imagenes, etiquetas, img_prueba, etq_prueba, e, semilla);
}

ConfigRelacional config_relacional(RunMode modo) {
  if (modo == RunMode::quick)
    return {.tamanos = {32, 128, 512}, .semillas = 3, .n_prueba = 200, .e = {.pasos = 150, .lote = 16}};
  if (modo == RunMode::full)
    return {.tamanos = {16, 32, 64, 128, 256, 512, 1024, 2048}, .semillas = 5, .n_prueba = 500, .e = {.pasos = 600}};
  return {.tamanos = {32, 64, 128, 256, 512, 1024}, .semillas = 3, .n_prueba = 400, .e = {.pasos = 300}};
}

RelationalTask tarea(int64_t n_train, int64_t n_prueba, uint64_t semilla) {
  return same_different_task({.n_sprites = 40,
                              .sprite_size = kSprite,
                              .heldout_sprites = 10,
                              .n_objects = kObjetos,
                              .n_train = n_train,
                              .n_test = n_prueba,
                              .seed = semilla});
}

DATVisionConfig config_dat(DATSymbols simbolos, int64_t cabezas_ra, int64_t ancho) {
  return {.image_height = kSprite,
          .image_width = kObjetos * kSprite,
          .patch = kSprite,
          .channels = 1,
          .n_classes = 2,
          .n_layer = kCapas,
          .pool = DATPool::mean,
          .block = {.d_model = ancho, .n_heads_sa = 4 - cabezas_ra, .n_heads_ra = cabezas_ra, .symbols = simbolos}};
}

int64_t parametros(const DATVisionConfig& c) {
  Rng rng(0);
  return DATVision(c, rng).num_parameters();
}

int64_t ancho_transformer() {
  const int64_t meta = parametros(config_dat());
  int64_t d = kAnchoDAT;
  while (parametros(config_dat(DATSymbols::positional, 0, d)) < meta) d += 4;
  return d;
}

Curvas curvas(const ConfigRelacional& c, uint64_t semilla) {
  Curvas r;
  r.tamanos = c.tamanos, r.semillas = c.semillas;
  r.ancho_transformer = ancho_transformer();
  const DATVisionConfig cd = config_dat(), ct = config_dat(DATSymbols::positional, 0, r.ancho_transformer);
  r.param_dat = parametros(cd), r.param_transformer = parametros(ct);
  const int64_t maximo = *std::max_element(c.tamanos.begin(), c.tamanos.end());
  for (int64_t tam : c.tamanos) {
    double a = 0, b = 0;
    for (int64_t k = 0; k < c.semillas; ++k) {
      const uint64_t s = semilla * 100 + uint64_t(k);
      const RelationalTask t = tarea(maximo, c.n_prueba, s);  // los primeros `tam` ejemplos
      const Tensor x = t.train.images.narrow0(0, tam), y = t.train.y.narrow0(0, tam);
      Rng rng_d(s), rng_t(s);
      DATVision dat(cd, rng_d), trans(ct, rng_t);
      a += entrenar_y_medir(dat, x, y, t.test.images, t.test.y, c.e, s);
      b += entrenar_y_medir(trans, x, y, t.test.images, t.test.y, c.e, s);
    }
    r.dat.push_back(a / double(c.semillas)), r.transformer.push_back(b / double(c.semillas));
  }
  return r;
}

int64_t victorias(const Curvas& r) {
  int64_t k = 0;
  for (size_t i = 0; i < r.tamanos.size(); ++i) k += r.dat[i] > r.transformer[i];
  return k;
}
int64_t ejemplos_para(const std::vector<int64_t>& tamanos, const std::vector<double>& exactitud, double meta) {
  for (size_t k = 0; k < tamanos.size(); ++k)
    if (exactitud[k] >= meta) return tamanos[k];
  return -1;
}

Recuperadores recuperadores(const ConfigRelacional& c, const Curvas& curvas, uint64_t semilla) {
  Recuperadores r;
  const size_t medio = c.tamanos.size() / 2;
  r.ejemplos = c.tamanos[medio];
  const int64_t maximo = *std::max_element(c.tamanos.begin(), c.tamanos.end());
  for (DATSymbols modo : r.modos) {
    const DATVisionConfig cfg = config_dat(modo);
    r.parametros.push_back(parametros(cfg));
    if (modo == DATSymbols::positional) {
      r.exactitud.push_back(curvas.dat[medio]);
      continue;
    }
    double a = 0;
    for (int64_t k = 0; k < c.semillas; ++k) {
      const uint64_t s = semilla * 100 + uint64_t(k);
      const RelationalTask t = tarea(maximo, c.n_prueba, s);
      Rng rng(s);
      DATVision dat(cfg, rng);
      a += entrenar_y_medir(dat, t.train.images.narrow0(0, r.ejemplos), t.train.y.narrow0(0, r.ejemplos), t.test.images,
                            t.test.y, c.e, s);
    }
    r.exactitud.push_back(a / double(c.semillas));
  }
  return r;
}

ImageSplit a_cuadradas(const RelationalSplit& s, uint64_t semilla) {
  Rng rng(semilla);
  const int64_t n = s.images.size(0);
  ImageSplit r{Tensor::zeros({n, 1, kLado, kLado}), s.y.clone()};
  for (int64_t k = 0; k < n; ++k) {
    const int64_t fila = int64_t(rng.below(uint64_t(kLado - kSpriteGrande + 1)));
    for (int64_t y = 0; y < kSpriteGrande; ++y)
      for (int64_t x = 0; x < kLado; ++x)
        r.images[(k * kLado + fila + y) * kLado + x] = s.images[(k * kSpriteGrande + y) * kLado + x];
  }
  return r;
}

std::pair<ImageSplit, ImageSplit> imagenes_vision(int64_t n_train, int64_t n_prueba, uint64_t semilla) {
  const RelationalTask t = same_different_task({.n_sprites = 40,
                                                .sprite_size = kSpriteGrande,
                                                .heldout_sprites = 10,
                                                .n_objects = 2,
                                                .n_train = n_train,
                                                .n_test = n_prueba,
                                                .seed = semilla});
  return {a_cuadradas(t.train, semilla + 1), a_cuadradas(t.test, semilla + 2)};
}

Vision vision(RunMode modo, uint64_t semilla) {
  const bool rapido = modo == RunMode::quick;
  const int64_t n_train = rapido ? 128 : 1600;
  const Entrenamiento e{.pasos = rapido ? 30 : modo == RunMode::full ? 1500 : 400, .lote = rapido ? 16 : 32};
  const auto [train, prueba] = imagenes_vision(n_train, rapido ? 100 : 400, semilla * 7 + 1);
  Vision r{.ejemplos = n_train};
  Rng rng_d(semilla), rng_v(semilla);
  DATVision dat({.image_height = kLado,
                 .image_width = kLado,
                 .patch = kParche,
                 .channels = 1,
                 .n_classes = 2,
                 .n_layer = 2,
                 .pool = DATPool::cls,
                 .block = {.d_model = 32, .n_heads_sa = 2, .n_heads_ra = 2, .symbols = DATSymbols::positional}},
                rng_d);
  ViT vit(
      {.image_size = kLado, .patch = kParche, .channels = 1, .n_classes = 2, .d_model = 32, .n_layer = 2, .n_head = 4},
      rng_v);
  r.param_dat = dat.num_parameters(), r.param_vit = vit.num_parameters();
  r.dat = entrenar_y_medir(dat, train.images, train.labels, prueba.images, prueba.labels, e, semilla);
  r.vit = entrenar_y_medir(vit, train.images, train.labels, prueba.images, prueba.labels, e, semilla);
  return r;
}

Resultados experimentos(const LessonOptions& o) {
  Resultados r;
  r.config = config_relacional(o.mode);
  r.curvas = curvas(r.config, o.seed);
  r.recuperadores = recuperadores(r.config, r.curvas, o.seed);
  r.vision = vision(o.mode, o.seed);
  return r;
}

}  // namespace lesson15
