// Lección 13, paso 5: Adam no ve una ganancia constante. m̂ escala por c y √v̂ también, así que el
// paso m̂/(√v̂ + ε) es el mismo salvo por ε. Se mide: copias idénticas de un GPT natural, los
// mismos lotes, y en una el gradiente se multiplica por c antes de cada paso. La lección
// (lessons/lesson13_atencion_natural.cpp) narra e imprime los resultados.
#pragma once
#include <cstdint>
#include <vector>

#include "tensor/tensor.h"

namespace lesson13 {

using namespace atn;

constexpr int64_t kPasosInvariancia = 30;
constexpr real kEps = 1e-8f, kEpsCasiCero = 1e-30f;  // el ε de Adam, y uno que nunca pesa

// max |θ_a − θ_b| sobre los sesgos de las claves (attn.wk.bias) y sobre todos los demás parámetros.
struct Diferencia {
  double resto = 0, sesgo_k = 0;
};

struct Invariancia {
  std::vector<real> cs{};
  std::vector<Diferencia> con_eps{}, sin_eps{};  // θ_c contra θ_1 al final, para cada c: ε = 1e-8 y ε ≈ 0
  double movimiento = 0;                         // max |θ_1 − θ_inicial|: cuánto se movieron los pesos
  Diferencia dif_gradiente{}, dif_paso{};        // AdamW informado (ScaleGradient, ScaleUpdate) contra AdamW
  real ganancia_min = 2, ganancia_max = 0;       // las de ScaleGradient, sobre bloques y pasos
};

// Entrena copias del mismo GPT natural, kPasosInvariancia pasos cada una: AdamW con el gradiente ×c
// para cada c de r.cs, con ε = kEps y con ε = kEpsCasiCero, y el AdamW informado por atención en
// sus dos modos; compara los pesos finales con los de AdamW sin ganancia.
Invariancia medir_invariancia(uint64_t semilla);

// La mayor diferencia fuera de b_k, para c de 2 a 1000 (la última c, 1e-6, es la que choca con ε).
double mayor_resto(const std::vector<Diferencia>& difs);

}  // namespace lesson13
