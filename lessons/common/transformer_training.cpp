// Lección 11: el Transformador, su entrenamiento y sus medidas (ver transformer_training.h).
#include "lessons/common/transformer_training.h"

#include <algorithm>
#include <string>

#include "autograd/tape.h"
#include "optim/adam.h"
#include "optim/schedule.h"
#include "tensor/reduce.h"

namespace lesson11 {

TransformerConfig config_transformador(const SeqTask& tarea, const ConfigModelo& m) {
  return {.src_vocab = tarea.src_vocab,
          .tgt_vocab = tarea.tgt_vocab,
          .d_model = m.d,
          .n_heads = m.cabezas,
          .d_ff = m.d_ff,
          .n_layers = m.capas,
          .dropout = m.dropout,
          .norm = NormPosition::Pre,
          .pad = tarea.pad};
}

Entrenado entrenar(const SeqTask& tarea, const ConfigModelo& m, const ConfigEntrenamiento& e, bool desplazar) {
  Entrenado r;
  r.rng = std::make_unique<Rng>(e.semilla * 1000 + 7);
  r.modelo = std::make_unique<Transformer>(config_transformador(tarea, m), *r.rng);
  Adam opt(r.modelo->parameters(), {.lr = 0, .betas = {0.9f, 0.98f}, .eps = 1e-9f});
  const Noam noam(m.d, e.calentamiento, e.factor);
  Rng datos(e.semilla * 1000 + 11);
  for (int64_t paso = 0; paso < e.pasos; ++paso) {
    const Seq2SeqBatch b = sample_batch(tarea, e.lote, datos);
    const Tensor& entrada = desplazar ? b.tgt_in.ids : b.tgt_out.ids;  // [bos] + y  frente a  y + [eos]
    const Var perdida = r.modelo->loss(b.src.ids, b.src.mask, entrada, b.tgt_out.ids);
    r.perdidas.push_back(perdida.item());
    backward(perdida);
    noam.apply(opt);
    opt.step();
    opt.zero_grad();
  }
  return r;
}

Partes contar_parametros(const Transformer& m) {
  Partes p;
  for (const auto& [nombre, v] : m.named_parameters()) {
    const int64_t k = v.value().numel();
    p.total += k;
    if (nombre.starts_with("src_embed") || nombre.starts_with("tgt_embed")) p.embeddings += k;
    if (nombre.starts_with("encoder.")) p.codificador += k;
    if (nombre.starts_with("decoder.")) p.decodificador += k;
    if (nombre.find(".cross_attn.") != std::string::npos) p.cruzada += k;
    if (nombre.starts_with("generator")) p.salida += k;
  }
  return p;
}

Evaluacion evaluar(Transformer& m, const SeqTask& tarea, const std::vector<SeqPair>& pares, int64_t max_largo) {
  const Seq2SeqBatch b = task_batch(tarea, pares);
  Evaluacion ev;
  ev.salidas = m.greedy_decode(b.src.ids, b.src.mask, tarea.bos, tarea.eos, max_largo).tokens;
  ev.total = int64_t(pares.size());
  for (size_t i = 0; i < pares.size(); ++i) ev.exactas += ev.salidas[i] == pares[i].tgt;
  return ev;
}

Tensor mapa_cruzado(Transformer& m, const std::vector<int64_t>& fuente, const std::vector<int64_t>& entrada) {
  NoGrad sin_cinta;
  const bool entrenando = m.training();
  m.eval();  // sin dropout
  const TransformerOutput o = m.forward(ids_tensor(fuente), Tensor(), ids_tensor(entrada), true);
  m.train(entrenando);
  const Tensor w = o.cross_weights.back().value();  // [1, H, T, S]
  return mean(w, 1).reshape({w.size(2), w.size(3)});
}

int64_t columna_mayor(const Tensor& mapa, int64_t t) {
  int64_t mejor = 0;
  for (int64_t j = 1; j < mapa.size(1); ++j) mejor = mapa.at({t, j}) > mapa.at({t, mejor}) ? j : mejor;
  return mejor;
}

double media_final(const std::vector<real>& perdidas, size_t hasta, size_t k) {
  hasta = std::min(hasta, perdidas.size());
  const size_t desde = hasta > k ? hasta - k : 0;
  double s = 0;
  for (size_t i = desde; i < hasta; ++i) s += perdidas[i];
  return hasta > desde ? s / double(hasta - desde) : 0;
}

}  // namespace lesson11
