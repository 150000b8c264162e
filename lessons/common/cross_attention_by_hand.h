// Lección 11, paso 1: la atención cruzada a mano, comparada con MultiHeadAttention de la
// biblioteca. Aquí vive la cuenta; la lección (lessons/lesson11_transformador.cpp) narra e imprime
// los resultados.
//
// X [T, d] son los estados del decodificador (T tokens de la salida) y M [S, d] la memoria (la
// salida del codificador, S tokens de la fuente):
//   Q = X W_qᵀ + b_q,   K = M W_kᵀ + b_k,   V = M W_vᵀ + b_v
//   A = softmax(Q Kᵀ / √d)  [T, S]          salida = A V W_oᵀ + b_o  [T, d]
// Es la misma cuenta de la auto-atención; solo cambia de dónde salen K y V.
#pragma once
#include <cstdint>

#include "tensor/tensor.h"

namespace lesson11 {

using namespace atn;

struct CruzadaAMano {
  Tensor decodificador, memoria;         // X [T, d] y M [S, d]
  Tensor pesos, salida;                  // A [T, S] y la salida [T, d]
  double dif_pesos = 0, dif_salida = 0;  // contra MultiHeadAttention::forward(x, memoria)
  double peor_suma = 0;                  // max_t |Σ_j A_tj − 1|
  double cambio_otras = 0;               // al cambiar la fila 2 de X: cuánto cambian las filas 0 y 1
  double cambio_propia = 0;              // ... y cuánto cambia la fila 2
};

CruzadaAMano cruzada_a_mano(uint64_t semilla, int64_t t = 3, int64_t s = 5, int64_t d = 4);

}  // namespace lesson11
