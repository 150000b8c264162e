// Lección 11, paso 1: la atención cruzada a mano (ver cross_attention_by_hand.h).
#include "lessons/common/cross_attention_by_hand.h"

#include <algorithm>
#include <cmath>

#include "autograd/tape.h"
#include "nn/attention/multi_head.h"
#include "tensor/elementwise.h"
#include "tensor/matmul.h"
#include "tensor/reduce.h"
#include "tensor/rng.h"
#include "tensor/shape_ops.h"
#include "tensor/softmax.h"

namespace lesson11 {

CruzadaAMano cruzada_a_mano(uint64_t semilla, int64_t t, int64_t s, int64_t d) {
  Rng rng(semilla);
  MultiHeadAttention atencion({.d_model = d, .n_heads = 1}, rng);
  CruzadaAMano c;
  c.decodificador = Tensor::randn({t, d}, rng);
  c.memoria = Tensor::randn({s, d}, rng);
  const auto a_mano = [&](const Tensor& x, Tensor& pesos) {
    const Tensor q = matmul(x, atencion.wq.weight.value(), false, true) + atencion.wq.bias.value();
    const Tensor k = matmul(c.memoria, atencion.wk.weight.value(), false, true) + atencion.wk.bias.value();
    const Tensor v = matmul(c.memoria, atencion.wv.weight.value(), false, true) + atencion.wv.bias.value();
    pesos = softmax(matmul(q, k, false, true) * real(1 / std::sqrt(double(d))));
    return matmul(matmul(pesos, v), atencion.wo.weight.value(), false, true) + atencion.wo.bias.value();
  };
  c.salida = a_mano(c.decodificador, c.pesos);
  {
    NoGrad sin_cinta;
    const AttentionOutput lib = atencion.forward(constant(c.decodificador.reshape({1, t, d})),
                                                 constant(c.memoria.reshape({1, s, d})), Tensor(), true);
    c.dif_pesos = max_abs_diff(lib.weights.value().reshape({t, s}), c.pesos);
    c.dif_salida = max_abs_diff(lib.output.value().reshape({t, d}), c.salida);
  }
  const Tensor sumas = sum(c.pesos, 1);
  for (int64_t i = 0; i < t; ++i) c.peor_suma = std::max(c.peor_suma, std::fabs(double(sumas[i]) - 1));
  // Otra pregunta en la fila 2: la atención cruzada no mezcla las filas del decodificador entre sí.
  Tensor otra = c.decodificador.clone(), pesos_otra;
  for (int64_t j = 0; j < d; ++j) otra.at({2, j}) += 1;
  const Tensor salida_otra = a_mano(otra, pesos_otra);
  c.cambio_otras = max_abs_diff(narrow(salida_otra, 0, 0, 2), narrow(c.salida, 0, 0, 2));
  c.cambio_propia = max_abs_diff(narrow(salida_otra, 0, 2, 1), narrow(c.salida, 0, 2, 1));
  return c;
}

}  // namespace lesson11
