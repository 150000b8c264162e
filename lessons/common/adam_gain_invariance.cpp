// Lección 13, paso 5: las trayectorias de AdamW con y sin ganancia (ver adam_gain_invariance.h).
#include "lessons/common/adam_gain_invariance.h"

#include <algorithm>
#include <cmath>
#include <memory>
#include <string>
#include <utility>

#include "autograd/tape.h"
#include "data/char_tokenizer.h"
#include "data/corpus.h"
#include "data/text_loader.h"
#include "models/natural_gpt.h"
#include "optim/adam.h"
#include "optim/attention_informed.h"

namespace lesson13 {

namespace {

using Pesos = std::vector<std::pair<std::string, Var>>;

Diferencia max_dif(const Pesos& a, const Pesos& b) {
  Diferencia d;
  for (size_t i = 0; i < a.size(); ++i) {
    double& m = a[i].first.ends_with("attn.wk.bias") ? d.sesgo_k : d.resto;
    for (int64_t k = 0; k < a[i].second.numel(); ++k)
      m = std::max(m, double(std::fabs(a[i].second.value()[k] - b[i].second.value()[k])));
  }
  return d;
}

// Cómo se entrena cada copia: AdamW con la ganancia c, o el optimizador informado por atención.
enum class Regla { adamw, informada_gradiente, informada_paso };

Pesos trayectoria(Regla regla, real c, real eps, uint64_t semilla, Invariancia* registro = nullptr,
                  int64_t pasos = kPasosInvariancia) {
  static const CharTokenizer tok(spanish_corpus());
  static const std::vector<int64_t> ids = tok.encode(spanish_corpus().substr(0, 20000));
  Rng rng(semilla);
  NaturalGPT modelo({.vocab = tok.vocab_size(), .block = 16, .n_layer = 2, .n_head = 2, .d_model = 32}, rng);
  std::unique_ptr<Optimizer> opt;
  if (regla == Regla::adamw)
    opt = std::make_unique<AdamW>(modelo.parameters(), AdamWConfig{.eps = eps});
  else
    opt = std::make_unique<AttentionInformedAdamW>(
        modelo.energy_groups(), modelo.ungrouped_parameters(),
        AttentionInformedConfig{
            .eps = eps,
            .mode = regla == Regla::informada_gradiente ? EnergyGainMode::ScaleGradient : EnergyGainMode::ScaleUpdate});
  Rng lotes(semilla + 1);
  for (int64_t paso = 0; paso < pasos; ++paso) {
    const TokenBatch b = sample_windows(ids, 4, 16, lotes);
    backward(modelo.loss(b.x, b.y));
    for (Var p : opt->params())
      if (p.has_grad())
        for (real& g : p.grad()) g *= c;  // la ganancia constante (c = 1: nada)
    opt->step();
    opt->zero_grad();
    if (registro && regla == Regla::informada_gradiente)
      for (real gan : static_cast<AttentionInformedAdamW&>(*opt).last_gains()) {
        registro->ganancia_min = std::min(registro->ganancia_min, gan);
        registro->ganancia_max = std::max(registro->ganancia_max, gan);
      }
  }
  return modelo.named_parameters();  // los Var sobreviven al modelo: son manijas compartidas
}

}  // namespace

Invariancia medir_invariancia(uint64_t semilla) {
  Invariancia r;
  r.cs = {2, 10, 1000, 1e-6f};
  for (real eps : {kEps, kEpsCasiCero}) {
    const Pesos base = trayectoria(Regla::adamw, 1, eps, semilla);
    if (eps == kEps) {
      const Diferencia m = max_dif(base, trayectoria(Regla::adamw, 1, eps, semilla, nullptr, 0));
      r.movimiento = std::max(m.resto, m.sesgo_k);
      r.dif_gradiente = max_dif(trayectoria(Regla::informada_gradiente, 1, eps, semilla, &r), base);
      r.dif_paso = max_dif(trayectoria(Regla::informada_paso, 1, eps, semilla), base);
    }
    for (real c : r.cs)
      (eps == kEps ? r.con_eps : r.sin_eps).push_back(max_dif(trayectoria(Regla::adamw, c, eps, semilla), base));
  }
  return r;
}

double mayor_resto(const std::vector<Diferencia>& difs) {
  double m = 0;
  for (size_t i = 0; i + 1 < difs.size(); ++i) m = std::max(m, difs[i].resto);
  return m;
}

}  // namespace lesson13
