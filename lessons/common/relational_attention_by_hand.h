// Lección 15, pasos 1 y 2: la atención relacional a mano contra RelationalAttention de la
// biblioteca, y las propiedades de los tres modos de elegir símbolos. Aquí viven las cuentas; la
// lección (lessons/lesson15_atencion_relacional.cpp) narra e imprime los resultados.
#pragma once
#include <cstdint>

#include "tensor/tensor.h"

namespace lesson15 {

using namespace atn;

// Paso 1: atención relacional a mano, con lazos, contra RelationalAttention de la biblioteca.
// n = 4 tokens de d = 8, 2 cabezas relacionales (d_h = 4), 2 relaciones (d_r = 4).
constexpr int64_t kN = 4, kD = 8, kCabezasRA = 2, kRelaciones = 2;

struct AMano {
  Tensor x, simbolos;                                // [n, d] y [n, d]
  Tensor alfa, relaciones;                           // α de la cabeza 0 [n, n] y R de la relación 0 [n, n], a mano
  double dif_salida = 0, dif_alfa = 0, dif_rel = 0;  // max |a mano − biblioteca|
  bool simetrica_es_simetrica = false;               // con symmetric_relations, R_ij = R_ji
};

AMano relacional_a_mano(uint64_t semilla);

// Paso 2: los símbolos. Tres modos de elegir s_j (simbólica, posicional, relativa).
struct Simbolos {
  Tensor pesos;                              // recuperación de la atención simbólica [n, N_s]
  bool filas_suman_1 = false;                // los pesos de cada token suman 1
  bool iguales_mismo_simbolo = false;        // simbólica: dos tokens iguales, el mismo símbolo
  bool posicional_ignora_contenido = false;  // posicional: otros x, los mismos símbolos
  bool relativa_recortada = false;           // relativa: los desfases más allá de ±m comparten fila
  Shape forma_relativa;
};

Simbolos simbolos(uint64_t semilla);

}  // namespace lesson15
