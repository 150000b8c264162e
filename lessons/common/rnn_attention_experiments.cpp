// Lección 01, pasos 1, 4, 5 y 6: la recurrencia, Bahdanau, el entrenamiento que invierte secuencias
// y el mapa de alineación (ver rnn_attention_experiments.h).
#include "lessons/common/rnn_attention_experiments.h"

#include <algorithm>
#include <cmath>

#include "autograd/tape.h"
#include "nn/attention/scores.h"
#include "nn/gru.h"
#include "nn/rnn.h"
#include "optim/adam.h"
#include "tensor/elementwise.h"
#include "tensor/matmul.h"
#include "tensor/rng.h"
#include "tensor/shape_ops.h"

namespace lesson01 {

Recurrencia recurrencia(uint64_t semilla) {
  Rng rng(semilla);
  RNNCell celda(2, 3, rng);                     // x_t de dimensión 2, h_t de dimensión 3
  const Tensor x = Tensor::randn({4, 2}, rng);  // una secuencia de T = 4 vectores
  // En la celda (como en PyTorch): W' = weight_ih [3, 2], W = weight_hh [3, 3], b = bias_ih + bias_hh.
  const Tensor w = celda.weight_hh.value(), w_prima = celda.weight_ih.value();
  const Tensor b = celda.bias_ih.value() + celda.bias_hh.value();
  Recurrencia r;
  NoGrad sin_cinta;
  Tensor h = Tensor::zeros({1, 3});  // h_0 = 0
  Var hc = constant(h);
  for (int64_t t = 0; t < 4; ++t) {
    const Tensor xt = narrow(x, 0, t, 1);                                        // [1, 2]
    h = tanh(matmul(h, w, false, true) + matmul(xt, w_prima, false, true) + b);  // fila: h Wᵀ + x W'ᵀ + b
    hc = celda(constant(xt), hc);
    r.a_mano.push_back(h), r.con_celda.push_back(hc.value());
    r.diferencia = std::max(r.diferencia, double(max_abs_diff(h, hc.value())));
  }
  return r;
}

std::vector<double> softmax_de(const std::vector<double>& e) {
  const double m = *std::max_element(e.begin(), e.end());
  std::vector<double> a;
  double total = 0;
  for (double v : e) a.push_back(std::exp(v - m)), total += a.back();
  for (double& v : a) v /= total;
  return a;
}

Bahdanau cuatro_pasos(uint64_t semilla) {
  Rng rng(semilla);
  const int64_t S = 5, H = 4;
  Bahdanau r;
  NoGrad sin_cinta;
  // Paso (1): un GRU sin entrenar lee 5 vectores; sus estados son las h_j.
  GRU codificador(3, H, rng);
  r.estados = codificador(constant(Tensor::randn({1, S, 3}, rng))).output.value().reshape({S, H});
  r.s = Tensor::randn({H}, rng);
  DotScore punto;
  GeneralScore bilineal(H, H, rng);
  AdditiveScore mlp(H, H, 6, rng);
  const Tensor w = bilineal.w.weight.value();  // [H, H]
  const Tensor wq = mlp.wq.weight.value(), wk = mlp.wk.weight.value(),
               v = mlp.v.weight.value();  // [6, H], [6, H], [1, 6]
  auto h = [&](int64_t j, int64_t c) { return double(r.estados.at({j, c})); };
  r.nombres = {"s·h_j", "sᵀ W h_j", "vᵀ tanh(W_q s + W_k h_j)"};
  r.puntajes.assign(3, {});
  for (int64_t j = 0; j < S; ++j) {
    double dot = 0, bil = 0, ad = 0;
    for (int64_t a = 0; a < H; ++a) {
      dot += r.s[a] * h(j, a);
      for (int64_t b = 0; b < H; ++b) bil += r.s[a] * w.at({a, b}) * h(j, b);
    }
    for (int64_t m = 0; m < 6; ++m) {
      double z = 0;
      for (int64_t a = 0; a < H; ++a) z += wq.at({m, a}) * r.s[a] + wk.at({m, a}) * h(j, a);
      ad += v.at({0, m}) * std::tanh(z);
    }
    r.puntajes[0].push_back(dot), r.puntajes[1].push_back(bil), r.puntajes[2].push_back(ad);
  }
  const Var q = constant(r.s.reshape({1, H})), k = constant(r.estados.reshape({1, S, H}));
  ScoreFunction* funciones[3] = {&punto, &bilineal, &mlp};
  for (int f = 0; f < 3; ++f) {
    r.pesos.push_back(softmax_de(r.puntajes[size_t(f)]));  // paso (3)
    std::vector<double> c(size_t(H), 0.0);
    for (int64_t j = 0; j < S; ++j)  // paso (4)
      for (int64_t a = 0; a < H; ++a) c[size_t(a)] += r.pesos.back()[size_t(j)] * h(j, a);
    r.contextos.push_back(c);
    const Tensor lib = funciones[f]->scores(q, k).value();
    const AttentionResult res = funciones[f]->forward(q, k, k);
    for (int64_t j = 0; j < S; ++j)
      r.dif_puntajes = std::max(r.dif_puntajes, std::fabs(lib[j] - r.puntajes[size_t(f)][size_t(j)]));
    for (int64_t a = 0; a < H; ++a)
      r.dif_contexto = std::max(r.dif_contexto, std::fabs(res.context.value()[a] - c[size_t(a)]));
  }
  return r;
}

ConfigReversa config_reversa(const LessonOptions& o) {
  return {.pasos = o.mode == RunMode::quick ? 60 : o.mode == RunMode::full ? 2000 : 400, .semilla = o.seed};
}

SeqTask tarea(const ConfigReversa& cfg) {
  return reverse_task({.n_symbols = cfg.simbolos,
                       .min_length = cfg.largo_minimo,
                       .max_length = cfg.largo_maximo,
                       .n_train = cfg.entrenamiento,
                       .n_test = cfg.prueba,
                       .seed = cfg.semilla});
}

Evaluacion evaluar(Seq2SeqRNN& modelo, const SeqTask& t, const ConfigReversa& cfg) {
  const Seq2SeqBatch b = task_batch(t, t.test);
  Evaluacion e;
  e.salida = modelo.greedy_decode(b.src.ids, b.src.mask, t.bos, t.eos, cfg.largo_maximo + 1);
  const size_t largos = size_t(cfg.largo_maximo - cfg.largo_minimo + 1);
  std::vector<double> bien(largos, 0), total(largos, 0);
  double tokens = 0, tokens_bien = 0, pasos = 0, pasos_espejo = 0;
  for (size_t i = 0; i < t.test.size(); ++i) {
    const std::vector<int64_t>& esperado = t.test[i].tgt;
    const std::vector<int64_t>& obtenido = e.salida.tokens[i];
    const bool exacta = obtenido == esperado;
    e.exactas += exacta;
    const size_t l = esperado.size() - size_t(cfg.largo_minimo);
    bien[l] += exacta, total[l] += 1;
    for (size_t j = 0; j < esperado.size(); ++j)
      tokens += 1, tokens_bien += j < obtenido.size() && obtenido[j] == esperado[j];
    const Tensor& a = e.salida.alignments[i];
    if (!a.defined()) continue;
    const int64_t S = int64_t(esperado.size());
    for (int64_t paso = 0; paso < std::min<int64_t>(a.size(0), S); ++paso) {
      int64_t mejor = 0;
      for (int64_t j = 1; j < a.size(1); ++j)
        if (a.at({paso, j}) > a.at({paso, mejor})) mejor = j;
      pasos += 1, pasos_espejo += mejor == S - 1 - paso;
    }
  }
  e.exactas /= double(t.test.size());
  e.por_token = tokens_bien / tokens;
  e.espejo = pasos > 0 ? pasos_espejo / pasos : 0;
  for (size_t l = 0; l < largos; ++l) e.exactas_por_largo.push_back(total[l] > 0 ? bien[l] / total[l] : 0);
  return e;
}

Entrenado entrenar(const ConfigReversa& cfg, const SeqTask& t, bool con_atencion) {
  Rng rng(cfg.semilla);
  Entrenado r;
  r.modelo =
      std::make_shared<Seq2SeqRNN>(Seq2SeqRNNConfig{.src_vocab = t.src_vocab,
                                                    .tgt_vocab = t.tgt_vocab,
                                                    .embed_dim = cfg.embedding,
                                                    .hidden = cfg.oculta,
                                                    .cell = RnnCellKind::GRU,
                                                    .attention = con_atencion ? cfg.atencion : Seq2SeqAttention::None,
                                                    .pad = t.pad},
                                   rng);
  Adam opt(r.modelo->parameters(), {.lr = cfg.lr});
  Rng datos(cfg.semilla + 1000);  // los dos modelos ven los mismos lotes en el mismo orden
  for (int paso = 0; paso < cfg.pasos; ++paso) {
    const Seq2SeqBatch b = sample_batch(t, cfg.lote, datos);
    Var perdida = r.modelo->loss(b.src.ids, b.src.mask, b.tgt_in.ids, b.tgt_out.ids);
    r.perdidas.push_back(perdida.item());
    backward(perdida);
    opt.step();
    opt.zero_grad();
  }
  r.prueba = evaluar(*r.modelo, t, cfg);
  return r;
}

Comparacion comparar(const ConfigReversa& cfg) {
  Comparacion c{cfg, tarea(cfg), {}, {}};
  c.sin_atencion = entrenar(cfg, c.tarea, false);
  c.con_atencion = entrenar(cfg, c.tarea, true);
  return c;
}

double perdida_final(const std::vector<real>& p, size_t k) {
  k = std::min(k, p.size());
  double s = 0;
  for (size_t i = p.size() - k; i < p.size(); ++i) s += p[i];
  return k > 0 ? s / double(k) : 0;
}

Alineacion alineacion_de_ejemplo(const Comparacion& c) {
  size_t elegido = 0;
  for (size_t i = 0; i < c.tarea.test.size(); ++i)
    if (c.tarea.test[i].src.size() > c.tarea.test[elegido].src.size()) elegido = i;
  const Evaluacion& e = c.con_atencion.prueba;
  Alineacion a;
  const int64_t largo = int64_t(c.tarea.test[elegido].src.size());
  a.pesos = e.salida.alignments[elegido];
  if (a.pesos.defined()) a.pesos = narrow(a.pesos, 1, 0, largo);  // sin las columnas de relleno
  a.entrada = token_strings(c.tarea.src_tokens, c.tarea.test[elegido].src);
  a.salida = token_strings(c.tarea.tgt_tokens, e.salida.tokens[elegido]);
  return a;
}

}  // namespace lesson01
