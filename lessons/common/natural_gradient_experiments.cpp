// Lección 13, pasos 6 y 7: el GPT mínimo, las direcciones y K-FAC contra AdamW (ver
// natural_gradient_experiments.h).
#include "lessons/common/natural_gradient_experiments.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>
#include <memory>

#include "autograd/ops_basic.h"
#include "autograd/ops_loss.h"
#include "autograd/ops_math.h"
#include "autograd/ops_shape.h"
#include "autograd/ops_softmax.h"
#include "autograd/tape.h"
#include "data/char_tokenizer.h"
#include "data/corpus.h"
#include "data/word_tokenizer.h"
#include "optim/adam.h"
#include "optim/attention_informed.h"
#include "optim/exact_fisher.h"

namespace lesson13 {

MiniGPT::MiniGPT(int64_t vocab, int64_t bloque, int64_t ancho, int64_t cabezas, uint64_t semilla)
    : V(vocab),
      T(bloque),
      d(ancho),
      H(cabezas),
      rng(semilla),
      wte(V, d, rng, false),
      wpe(T, d, rng, false),
      attn({.d_model = d, .n_heads = H}, rng),
      fc(d, 2 * d, rng),
      proj(2 * d, d, rng),
      head(d, V, rng) {
  register_module("wte", wte);
  register_module("wpe", wpe);
  register_module("attn", attn);
  register_module("fc", fc);
  register_module("proj", proj);
  register_module("head", head);
}

Var MiniGPT::atencion(const Var& x) {
  const int64_t B = x.size(0), L = x.size(1), dh = d / H;
  auto cabezas = [&](const Var& t) { return permute(reshape(t, {B, L, H, dh}), {0, 2, 1, 3}); };
  Var q = cabezas(lin(attn.wq, x)), k = cabezas(lin(attn.wk, x)), v = cabezas(lin(attn.wv, x));
  Tensor futuro({L, L});
  for (int64_t i = 0; i < L; ++i)
    for (int64_t j = i + 1; j < L; ++j) futuro[i * L + j] = 1;
  Var e = masked_fill(matmul(q, k, false, true) * real(1 / std::sqrt(double(dh))), futuro,
                      -std::numeric_limits<real>::infinity());
  energias = e.value().clone();
  Var contexto = reshape(permute(matmul(softmax(e), v), {0, 2, 1, 3}), {B, L, d});
  return lin(attn.wo, contexto);
}

Var MiniGPT::forward(const Tensor& idx) {
  const int64_t B = idx.size(0), L = idx.size(1);
  Tensor uno_tok({B, L, V}), uno_pos({B, L, T});  // one-hot de tokens y posiciones
  for (int64_t i = 0; i < B * L; ++i) uno_tok[i * V + int64_t(idx[i])] = 1, uno_pos[i * T + i % L] = 1;
  Var x = lin(wte, constant(uno_tok)) + lin(wpe, constant(uno_pos));
  x = x + atencion(x);
  x = x + lin(proj, gelu(lin(fc, x)));
  return lin(head, x);
}

std::vector<bool> MiniGPT::en_el_bloque() {
  std::vector<bool> r;
  for (const auto& [nombre, p] : named_parameters())
    for (int64_t k = 0; k < p.numel(); ++k)
      r.push_back(!nombre.starts_with("wte") && !nombre.starts_with("wpe") && !nombre.starts_with("head"));
  return r;
}

TokenBatch ventanas_del_curso(int64_t B, int64_t T) {
  const WordTokenizer tok = WordTokenizer::from_words(course_vocabulary());
  std::vector<int64_t> ids;
  for (const std::string& s : nine_sentences()) {
    ids.push_back(0);
    for (int64_t id : tok.encode(s)) ids.push_back(id);
    ids.push_back(1);
  }
  TokenBatch b{Tensor({B, T}), Tensor({B, T})};
  const int64_t paso = (int64_t(ids.size()) - T - 1) / std::max<int64_t>(1, B - 1);
  for (int64_t r = 0; r < B; ++r)
    for (int64_t t = 0; t < T; ++t) {
      b.x[r * T + t] = real(ids[size_t(r * paso + t)]);
      b.y[r * T + t] = real(ids[size_t(r * paso + t + 1)]);
    }
  return b;
}

Direcciones comparar_direcciones(uint64_t semilla) {
  MiniGPT m(15, 6, 8, 2, semilla);
  const TokenBatch b = ventanas_del_curso(8, 6);
  const std::vector<Var> ps = m.parameters();
  Direcciones r{.P = flat_size(ps), .lambda = kLambda};
  // Fisher exacta y gradiente sobre el mismo lote.
  Var logits = m.forward(b.x);
  const DMatrix F = exact_fisher(logits, ps, Likelihood::Categorical);
  backward(cross_entropy(logits, b.y));
  const std::vector<double> g = flat_grad(ps);
  m.zero_grad();
  const std::vector<double> natural = natural_gradient(F, g, kLambda);
  const std::vector<double> diagonal = diagonal_natural_gradient(F, g, kLambda);
  // K-FAC con la misma λ (amortiguamiento factorizado) y la esperanza exacta de G; lr = 0: solo la dirección.
  Kfac kfac(m, {.lr = 0, .damping = real(kLambda), .inverse_every = 1, .fisher = KfacFisher::Exact});
  m.kfac = &kfac;
  Var logits2 = m.forward(b.x);
  kfac.fisher_pass(logits2);
  backward(cross_entropy(logits2, b.y));
  kfac.step();
  m.kfac = nullptr;
  const std::vector<double> kf = kfac.last_direction_flat();
  // La regla informada por atención: g·(1 + tanh(0.1·ē)) en el bloque, g fuera de él.
  r.ganancia = real(1 + std::tanh(0.1 * mean_abs_finite(m.energias)));
  const std::vector<bool> bloque = m.en_el_bloque();
  std::vector<double> informada = g, adam(g.size());
  for (size_t i = 0; i < g.size(); ++i) {
    if (bloque[i]) informada[i] *= r.ganancia;
    adam[i] = g[i] / (std::fabs(g[i]) + 1e-8);  // el primer paso de Adam: m̂/√v̂ = g/|g|
  }
  r.nombres = {"gradiente",       "natural exacto F⁻¹g",    "K-FAC",
               "Fisher diagonal", "informada por atención", "Adam, 1er paso"};
  const std::vector<const std::vector<double>*> todas = {&g, &natural, &kf, &diagonal, &informada, &adam};
  for (const std::vector<double>* dir : todas) {
    r.vs_natural.push_back(cosine(*dir, natural));
    r.vs_gradiente.push_back(cosine(*dir, g));
  }
  return r;
}

KfacContraAdamW kfac_contra_adamw(RunMode modo, uint64_t semilla, real lr_kfac, real lr_adamw, real amortiguamiento) {
  static const std::string texto = spanish_corpus();
  static const CharTokenizer tok(texto);
  static const TextSplit partes = split_train_val(tok.encode(texto), 0.1);
  KfacContraAdamW r;
  for (bool con_kfac : {true, false}) {
    MiniGPT m(tok.vocab_size(), 32, 32, 2, semilla);
    std::unique_ptr<Optimizer> opt;
    if (con_kfac) {
      auto k = std::make_unique<Kfac>(m, KfacConfig{.lr = lr_kfac,
                                                    .damping = amortiguamiento,
                                                    .inverse_every = 10,
                                                    .fisher = KfacFisher::Sampled,
                                                    .seed = semilla});
      m.kfac = k.get();
      opt = std::move(k);
    } else {
      opt = std::make_unique<AdamW>(m.parameters(), AdamWConfig{.lr = lr_adamw, .weight_decay = 0});
    }
    Rng lotes(semilla + 5);
    std::vector<real>& curva = con_kfac ? r.kfac : r.adamw;
    const auto inicio = std::chrono::steady_clock::now();
    for (int64_t paso = 0; paso < pasos_kfac(modo); ++paso) {
      const TokenBatch b = sample_windows(partes.train, 8, 32, lotes);
      Var logits = m.forward(b.x);
      if (con_kfac) m.kfac->fisher_pass(logits);  // G con ŷ muestreado del modelo: la Fisher verdadera
      Var perdida = cross_entropy(logits, b.y);
      curva.push_back(perdida.item());
      backward(perdida);
      opt->step();
      opt->zero_grad();
    }
    const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - inicio).count();
    (con_kfac ? r.ms_kfac : r.ms_adamw) = ms / double(pasos_kfac(modo));
    NoGrad sin_cinta;
    Rng val(semilla + 6);
    double total = 0;
    for (int i = 0; i < 8; ++i) {
      const TokenBatch b = sample_windows(partes.val, 8, 32, val);
      total += cross_entropy(m.forward(b.x), b.y).item() / 8;
    }
    (con_kfac ? r.val_kfac : r.val_adamw) = real(total);
    m.kfac = nullptr;
  }
  return r;
}

}  // namespace lesson13
