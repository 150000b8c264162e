// Lección 13, pasos 2–4: entrenar las cuatro recetas y medir la fuga (ver natural_comparison.h).
#include "lessons/common/natural_comparison.h"

#include <algorithm>
#include <cmath>

#include "autograd/ops_loss.h"
#include "autograd/tape.h"
#include "data/corpus.h"
#include "models/gpt.h"
#include "models/natural_gpt.h"
#include "optim/attention_informed.h"
#include "optim/clip.h"

namespace lesson13 {

Tamanos tamanos_de(RunMode modo) {
  if (modo == RunMode::full) return {};
  if (modo == RunMode::quick) return {.d = 32, .bloque = 8, .fragmentos = 100, .epocas = 4, .lr = 3e-3f};
  return {.epocas = 5};
}

Fragmentos fragmentos(const Tamanos& t) {
  const std::string texto = spanish_corpus();
  CharTokenizer tok(texto);
  const TextSplit partes = split_train_val(tok.encode(texto), 0.1);
  auto cortar = [&](const std::vector<int64_t>& ids, int64_t cuantos) {
    std::vector<std::vector<int64_t>> f;
    for (int64_t i = 0; i < cuantos; ++i)
      f.emplace_back(ids.begin() + i * (t.bloque + 1), ids.begin() + (i + 1) * (t.bloque + 1));
    return f;
  };
  Fragmentos f{std::move(tok), {}, {}};
  f.entrenamiento = cortar(partes.train, t.fragmentos);
  f.validacion = cortar(partes.val, std::max<int64_t>(32, 1024 / t.bloque));  // unas 1000 predicciones
  return f;
}

TokenBatch lote_doble(const std::vector<std::vector<int64_t>>& fr, const std::vector<size_t>& cuales, int64_t T) {
  const int64_t B = int64_t(cuales.size());
  TokenBatch b{Tensor({B, T}), Tensor({B, T})};
  for (int64_t r = 0; r < B; ++r)
    for (int64_t t = 0; t < T; ++t) {
      b.x[r * T + t] = real(fr[cuales[size_t(r)]][size_t(t)]);
      b.y[r * T + t] = t + 2 <= T ? real(fr[cuales[size_t(r)]][size_t(t + 2)]) : real(-100);
    }
  return b;
}

std::unique_ptr<LanguageModel> construir(const Receta& r, const Tamanos& t, int64_t V, uint64_t semilla) {
  Rng rng(semilla);
  if (r.natural)
    return std::make_unique<NaturalGPT>(NaturalGPTConfig{.vocab = V,
                                                         .block = t.bloque,
                                                         .n_layer = t.capas,
                                                         .n_head = t.cabezas,
                                                         .d_model = t.d,
                                                         .leaky = r.fuga,
                                                         .gpt2_init = r.init_gpt2},
                                        rng);
  return std::make_unique<GPT>(
      GPTConfig{
          .vocab = V, .block = t.bloque, .n_layer = t.capas, .n_head = t.cabezas, .d_model = t.d, .dropout = r.dropout},
      rng);
}

Corrida entrenar(const Receta& receta, const Fragmentos& f, const Tamanos& t, uint64_t semilla) {
  std::unique_ptr<LanguageModel> modelo = construir(receta, t, f.tok.vocab_size(), semilla);
  auto* natural = dynamic_cast<NaturalGPT*>(modelo.get());
  std::unique_ptr<Optimizer> opt;  // como el original: AdamW con decaimiento 0.01 y ε = 1e-8
  if (natural)
    opt = std::make_unique<AttentionInformedAdamW>(natural->energy_groups(), natural->ungrouped_parameters(),
                                                   AttentionInformedConfig{.lr = t.lr});
  else
    opt = std::make_unique<AdamW>(modelo->parameters(), AdamWConfig{.lr = t.lr});
  Corrida c{.nombre = receta.nombre};
  Rng orden(semilla + 100);  // el mismo orden de lotes para todos los modelos de una semilla
  std::vector<size_t> indices(f.entrenamiento.size());
  for (size_t i = 0; i < indices.size(); ++i) indices[i] = i;
  for (int64_t epoca = 0; epoca < t.epocas; ++epoca) {
    for (size_t i = indices.size(); i > 1; --i) std::swap(indices[i - 1], indices[size_t(orden.below(i))]);
    for (size_t inicio = 0; inicio < indices.size(); inicio += size_t(t.lote)) {
      const std::vector<size_t> cuales(indices.begin() + long(inicio),
                                       indices.begin() + long(std::min(indices.size(), inicio + size_t(t.lote))));
      const TokenBatch b = lote_doble(f.entrenamiento, cuales, t.bloque);
      Var perdida = cross_entropy(modelo->forward(b.x), b.y);
      c.perdidas.push_back(perdida.item());
      backward(perdida);
      clip_grad_norm(opt->params(), 1.0f);  // el original recorta antes del paso (y de la ganancia)
      opt->step();
      opt->zero_grad();
      if (natural) c.ganancias.push_back(static_cast<AttentionInformedAdamW&>(*opt).last_gains()[0]);
    }
  }
  // Validación, en modo evaluación (sin dropout) y sin cinta, en lotes de 32 fragmentos.
  NoGrad sin_cinta;
  EvalScope evaluar(*modelo);
  const int64_t T = t.bloque, V = f.tok.vocab_size();
  const size_t nv = f.validacion.size();
  c.por_posicion.assign(size_t(T - 1), 0);
  for (size_t inicio = 0; inicio < nv; inicio += 32) {
    std::vector<size_t> cuales;
    for (size_t i = inicio; i < std::min(nv, inicio + 32); ++i) cuales.push_back(i);
    const TokenBatch b = lote_doble(f.validacion, cuales, T);
    const Tensor l = cross_entropy(modelo->forward(b.x), b.y, {.reduction = Reduction::none}).value();
    for (size_t r = 0; r < cuales.size(); ++r)
      for (int64_t p = 0; p + 1 < T; ++p) c.por_posicion[size_t(p)] += l[int64_t(r) * T + p] / real(nv);
  }
  double total = 0;
  for (real v : c.por_posicion) total += v;
  c.perdida_val = real(total / double(T - 1));
  // ¿La salida en t < T/2 cambia si cambia el token T/2? (Un modelo causal: nunca.)
  const TokenBatch b = lote_doble(f.validacion, {0}, T);
  Tensor otro = b.x.clone();
  otro[T / 2] = real((int64_t(otro[T / 2]) + 1) % V);
  const Tensor l0 = modelo->forward(b.x).value(), l1 = modelo->forward(otro).value();
  for (int64_t k = 0; k < T / 2 * V; ++k) c.cambio_pasado = std::max(c.cambio_pasado, std::fabs(l0[k] - l1[k]));
  // La cabeza que más mira a j = i + 2 (promedio sobre 16 fragmentos y las filas i con i + 2 < T).
  if (natural) {
    std::vector<size_t> cuales;
    for (size_t i = 0; i < std::min<size_t>(16, nv); ++i) cuales.push_back(i);
    std::vector<Tensor> pesos;  // por capa [B, H, T, T]
    natural->forward(lote_doble(f.validacion, cuales, T).x, &pesos);
    const int64_t B = int64_t(cuales.size()), H = t.cabezas;
    for (size_t capa = 0; capa < pesos.size(); ++capa)
      for (int64_t h = 0; h < H; ++h) {
        double a = 0;
        for (int64_t r = 0; r < B; ++r)
          for (int64_t i = 0; i + 2 < T; ++i) a += pesos[capa][((r * H + h) * T + i) * T + i + 2];
        a /= double(B * (T - 2));
        if (a <= c.a_dos) continue;
        c.a_dos = real(a), c.capa = int64_t(capa), c.cabeza = h;
        c.atencion = pesos[capa].reshape({B * H, T, T}).narrow0(h, 1).reshape({T, T}).clone();  // fragmento 0
      }
  }
  return c;
}

Comparacion comparar(const Tamanos& t, uint64_t semilla) {
  const Fragmentos f = fragmentos(t);
  return {entrenar(kNaturalOriginal, f, t, semilla), entrenar(kEstandarOriginal, f, t, semilla),
          entrenar(kNaturalJusto, f, t, semilla), entrenar(kEstandarJusto, f, t, semilla)};
}

bool brecha_desaparece(const Comparacion& c) {
  return std::fabs(c.brecha_justa()) < kFraccionBrecha * std::fabs(c.brecha_original());
}

Fuga medir_fuga(const Corrida& c) {
  Fuga f;
  const size_t P = c.por_posicion.size();  // T − 1
  for (size_t p = 0; p + 1 < P; ++p) f.visibles += c.por_posicion[p] / double(P - 1);
  f.ultima = c.por_posicion[P - 1];
  return f;
}

}  // namespace lesson13
