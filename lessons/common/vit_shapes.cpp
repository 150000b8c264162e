// Lección 12, paso 6: entrenar y medir el ViT (ver vit_shapes.h).
#include "lessons/common/vit_shapes.h"

#include "autograd/tape.h"
#include "models/vit.h"
#include "optim/adam.h"
#include "tensor/index_ops.h"
#include "tensor/shape_ops.h"

namespace lesson12 {

ConfigViT config_vit(const LessonOptions& o) {
  return {.pasos = o.mode == RunMode::quick ? 60 : o.mode == RunMode::full ? 2000 : 600, .semilla = o.seed};
}

ImageDataset imagenes(const ConfigViT& c) {
  return shape_images({.size = kLado,
                       .min_extent = 5,
                       .max_extent = 10,
                       .n_train = c.n_train,
                       .n_test = c.n_prueba,
                       .noise_std = 0.1f,
                       .seed = c.semilla});
}

ResultadoViT entrenar_vit(const ConfigViT& c, const ImageDataset& datos) {
  ResultadoViT r;
  Rng rng(c.semilla * 11 + 3);
  ViT vit({.image_size = kLado,
           .patch = kParche,
           .channels = 1,
           .n_classes = datos.n_classes,
           .d_model = c.d,
           .n_layer = c.capas,
           .n_head = c.cabezas},
          rng);
  r.parches = vit.num_patches(), r.azar = 1.0 / double(datos.n_classes);
  // El parche 4 (centro de la rejilla 3 × 3) de la imagen 0, cortado a mano: filas 4…7, columnas 4…7.
  const Tensor p = patchify(narrow(datos.train.images, 0, 0, 1).clone(), kParche);
  r.parches_iguales = true;
  for (int64_t y = 0; y < kParche; ++y)
    for (int64_t x = 0; x < kParche; ++x)
      r.parches_iguales =
          r.parches_iguales && p.at({0, 4, y * kParche + x}) == datos.train.images.at({0, 0, 4 + y, 4 + x});
  AdamW opt(vit.parameters(), {.lr = c.lr, .weight_decay = 0});
  const int64_t n = datos.train.labels.numel();
  for (int64_t paso = 0; paso < c.pasos; ++paso) {
    Tensor idx({c.lote});
    for (int64_t i = 0; i < c.lote; ++i) idx[i] = real(rng.below(uint64_t(n)));
    const Var l = vit.loss(index_select(datos.train.images, 0, idx), index_select(datos.train.labels, 0, idx));
    backward(l);
    opt.step();
    opt.zero_grad();
    r.perdidas.push_back(l.item());
  }
  NoGrad sin_cinta;
  vit.eval();
  const Tensor z = vit.forward(datos.test.images).value();
  std::vector<int64_t> bien(size_t(datos.n_classes)), total(size_t(datos.n_classes));
  for (int64_t i = 0; i < z.size(0); ++i) {
    int64_t mejor = 0;
    for (int64_t k = 1; k < z.size(1); ++k) mejor = z.at({i, k}) > z.at({i, mejor}) ? k : mejor;
    const size_t y = size_t(datos.test.labels[i]);
    ++total[y], bien[y] += mejor == int64_t(y);
  }
  int64_t suma = 0;
  for (size_t k = 0; k < bien.size(); ++k) r.por_clase.push_back(double(bien[k]) / double(total[k])), suma += bien[k];
  r.exactitud = double(suma) / double(z.size(0));
  return r;
}

}  // namespace lesson12
