// Lección 15, pasos 1 y 2: la atención relacional a mano y los símbolos (ver
// relational_attention_by_hand.h).
#include "lessons/common/relational_attention_by_hand.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "autograd/tape.h"
#include "nn/attention/relational_attention.h"
#include "nn/attention/symbol_retrieval.h"
#include "tensor/rng.h"

namespace lesson15 {

// Índice plano de una matriz [filas, cols] guardada por filas.
inline real en(const Tensor& t, int64_t fila, int64_t col) { return t[fila * t.size(-1) + col]; }

AMano relacional_a_mano(uint64_t semilla) {
  Rng rng(semilla);
  RelationalAttention ra({.d_model = kD, .n_heads = kCabezasRA, .n_relations = kRelaciones}, rng);
  // Pesos más grandes que los iniciales, para que los números se vean.
  for (Var& p : ra.parameters()) p.value().copy_from(Tensor::randn(p.shape(), rng, 0, 0.5f));
  AMano r;
  r.x = Tensor::randn({kN, kD}, rng), r.simbolos = Tensor::randn({kN, kD}, rng);
  NoGrad sin_cinta;
  RelationalAttentionWeights w;
  const Tensor lib = ra.forward(constant(r.x.reshape({1, kN, kD})), constant(r.simbolos), Tensor(), &w).value();
  const int64_t dh = ra.head_dim, dr = ra.rel_dim;
  const Tensor &Wq = ra.wq_attn.weight.value(), &Wk = ra.wk_attn.weight.value();
  // Con relaciones simétricas no hay W_k^rel: es W_q^rel.
  const Tensor &Wqr = ra.wq_rel.weight.value(), &Wkr = ra.wk_rel ? ra.wk_rel->weight.value() : Wqr;
  const Tensor &Wv = ra.wv.weight.value(), &Wr = ra.wr.value(), &Wo = ra.wo.weight.value();
  // φ(x_i): la fila `fila0 + c` de W por x_i, para c = 0 .. ancho − 1.
  auto proyecta = [&](const Tensor& W, const Tensor& v, int64_t i, int64_t fila0, int64_t ancho) {
    std::vector<double> out(size_t(ancho), 0);
    for (int64_t c = 0; c < ancho; ++c)
      for (int64_t e = 0; e < kD; ++e) out[size_t(c)] += double(en(W, fila0 + c, e)) * en(v, i, e);
    return out;
  };
  auto punto = [](const std::vector<double>& a, const std::vector<double>& b) {
    double s = 0;
    for (size_t c = 0; c < a.size(); ++c) s += a[c] * b[c];
    return s;
  };
  // 1. Relaciones R_ijℓ = ⟨W_q,ℓ x_i, W_k,ℓ x_j⟩ / √d_r: no se reparten por cabeza.
  std::vector<double> R(size_t(kRelaciones * kN * kN));
  for (int64_t l = 0; l < kRelaciones; ++l)
    for (int64_t i = 0; i < kN; ++i)
      for (int64_t j = 0; j < kN; ++j)
        R[size_t((l * kN + i) * kN + j)] =
            punto(proyecta(Wqr, r.x, i, l * dr, dr), proyecta(Wkr, r.x, j, l * dr, dr)) / std::sqrt(double(dr));
  // 2. Por cabeza: α = softmax_j(q_i·k_j/√d_h); el mensaje Σ_j α_ij (W_r R_ij· + W_v s_j).
  std::vector<double> mensaje(size_t(kN * kCabezasRA * dh), 0);
  r.alfa = Tensor({kN, kN}), r.relaciones = Tensor({kN, kN});
  for (int64_t h = 0; h < kCabezasRA; ++h)
    for (int64_t i = 0; i < kN; ++i) {
      std::vector<double> a(static_cast<size_t>(kN));
      double maximo = -1e300, suma = 0;
      for (int64_t j = 0; j < kN; ++j) {
        a[size_t(j)] =
            punto(proyecta(Wq, r.x, i, h * dh, dh), proyecta(Wk, r.x, j, h * dh, dh)) / std::sqrt(double(dh));
        maximo = std::max(maximo, a[size_t(j)]);
      }
      for (double& v : a) suma += (v = std::exp(v - maximo));
      for (int64_t j = 0; j < kN; ++j) {
        const double alfa = a[size_t(j)] / suma;
        if (h == 0) r.alfa[i * kN + j] = real(alfa);
        const std::vector<double> s_j = proyecta(Wv, r.simbolos, j, h * dh, dh);  // ŝ_j = W_v s_j
        for (int64_t c = 0; c < dh; ++c) {
          double rel = 0;  // (W_r^h R_ij·)_c
          for (int64_t l = 0; l < kRelaciones; ++l)
            rel += double(Wr[(h * dh + c) * kRelaciones + l]) * R[size_t((l * kN + i) * kN + j)];
          mensaje[size_t((i * kCabezasRA + h) * dh + c)] += alfa * (rel + s_j[size_t(c)]);
        }
      }
    }
  // 3. Concatenar las cabezas y W_o.
  const int64_t ancho = kCabezasRA * dh;
  for (int64_t i = 0; i < kN; ++i)
    for (int64_t o = 0; o < ancho; ++o) {
      double s = 0;
      for (int64_t m = 0; m < ancho; ++m) s += double(en(Wo, o, m)) * mensaje[size_t(i * ancho + m)];
      r.dif_salida = std::max(r.dif_salida, std::fabs(s - double(lib[i * ancho + o])));
    }
  for (int64_t i = 0; i < kN; ++i)
    for (int64_t j = 0; j < kN; ++j) {
      r.relaciones[i * kN + j] = real(R[size_t(i * kN + j)]);
      r.dif_alfa =
          std::max(r.dif_alfa, std::fabs(double(r.alfa[i * kN + j]) - double(w.attention.value()[i * kN + j])));
      for (int64_t l = 0; l < kRelaciones; ++l)
        r.dif_rel = std::max(r.dif_rel, std::fabs(R[size_t((l * kN + i) * kN + j)] -
                                                  double(w.relations.value()[(l * kN + i) * kN + j])));
    }
  // Con relaciones simétricas (W_k^rel = W_q^rel), R es simétrica.
  RelationalAttention sim(
      {.d_model = kD, .n_heads = kCabezasRA, .n_relations = kRelaciones, .symmetric_relations = true}, rng);
  RelationalAttentionWeights ws;
  sim.forward(constant(r.x.reshape({1, kN, kD})), constant(r.simbolos), Tensor(), &ws);
  r.simetrica_es_simetrica = true;
  const Tensor& Rs = ws.relations.value();
  for (int64_t l = 0; l < kRelaciones; ++l)
    for (int64_t i = 0; i < kN; ++i)
      for (int64_t j = 0; j < kN; ++j)
        r.simetrica_es_simetrica = r.simetrica_es_simetrica && Rs[(l * kN + i) * kN + j] == Rs[(l * kN + j) * kN + i];
  return r;
}

Simbolos simbolos(uint64_t semilla) {
  Rng rng(semilla);
  NoGrad sin_cinta;
  Tensor x = Tensor::randn({1, kN, kD}, rng);
  for (int64_t e = 0; e < kD; ++e) x[2 * kD + e] = x[e];  // el token 2 es una copia del token 0
  Simbolos r;
  SymbolicAttention simbolica({.d_model = kD, .n_heads = 1, .n_symbols = 3}, rng);
  Var w;
  const Tensor s = simbolica.forward(constant(x), &w).value();  // [1, n, d]
  r.pesos = w.value().reshape({kN, 3});
  r.filas_suman_1 = true;
  for (int64_t i = 0; i < kN; ++i)
    r.filas_suman_1 = r.filas_suman_1 && std::fabs(r.pesos[i * 3] + r.pesos[i * 3 + 1] + r.pesos[i * 3 + 2] - 1) < 1e-5;
  r.iguales_mismo_simbolo = true;
  for (int64_t e = 0; e < kD; ++e) r.iguales_mismo_simbolo = r.iguales_mismo_simbolo && s[e] == s[2 * kD + e];
  PositionalSymbols posicional(8, kD, rng);
  const Tensor a = posicional.forward(constant(x)).value(),
               b = posicional.forward(constant(Tensor::randn({1, kN, kD}, rng))).value();
  r.posicional_ignora_contenido = true;
  for (int64_t k = 0; k < a.numel(); ++k) r.posicional_ignora_contenido = r.posicional_ignora_contenido && a[k] == b[k];
  PositionRelativeSymbols relativa(1, kD, rng);            // m = 1: desfases recortados a [−1, 1]
  const Tensor t = relativa.forward(constant(x)).value();  // [2n − 1, d], fila o + n − 1
  r.forma_relativa = t.shape();
  r.relativa_recortada = true;
  for (int64_t e = 0; e < kD; ++e)  // desfases −3 y −2 (filas 0 y 1) son los dos "−1"
    r.relativa_recortada = r.relativa_recortada && t[e] == t[kD + e] && t[kD + e] == t[2 * kD + e];
  return r;
}

}  // namespace lesson15
