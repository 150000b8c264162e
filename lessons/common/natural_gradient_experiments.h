// Lección 13, pasos 6 y 7: un gradiente natural de verdad. La dirección de la Fisher exacta, de
// K-FAC y de la Fisher diagonal contra la regla informada por atención en un GPT mínimo, y un
// entrenamiento con K-FAC contra AdamW. Aquí vive la maquinaria que calcula; la lección
// (lessons/lesson13_atencion_natural.cpp) narra e imprime los resultados.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "data/text_loader.h"
#include "lessons/common/narrator.h"
#include "nn/attention/natural_attention.h"
#include "nn/linear.h"
#include "nn/module.h"
#include "optim/kfac.h"

namespace lesson13 {

using namespace atn;

// Un GPT mínimo de una capa, sin LayerNorm, con TODOS sus parámetros en capas lineales (los
// embeddings como one-hot × W: lección 04), para que K-FAC los cubra todos. Sus capas pasan por
// kfac->track cuando hay K-FAC; la atención es la del paso 1.
struct MiniGPT : Module {
  int64_t V, T, d, H;
  Rng rng;
  Linear wte, wpe;
  NaturalAttention attn;  // aquí solo sus cuatro Linear: el forward se escribe en atencion()
  Linear fc, proj, head;
  Kfac* kfac = nullptr;
  Tensor energias;  // E de la última pasada [B, H, T, T]
  MiniGPT(int64_t vocab, int64_t bloque, int64_t ancho, int64_t cabezas, uint64_t semilla);
  Var lin(Linear& l, const Var& x) { return kfac ? kfac->track(l, x) : l(x); }
  // La atención natural del paso 1 con operaciones de la cinta: x [B, L, d] → [B, L, d].
  Var atencion(const Var& x);
  Var forward(const Tensor& idx);  // idx [B, L] → logits [B, L, V]
  // El «bloque» de la regla informada por atención: la atención y el MLP (no wte, wpe, head).
  std::vector<bool> en_el_bloque();
};

// Las nueve oraciones del curso como una sola secuencia [bos] … [eos] [bos] …, y B ventanas de T.
TokenBatch ventanas_del_curso(int64_t B, int64_t T);

// Paso 6: seis direcciones sobre el mismo lote, comparadas por coseno con el gradiente natural
// exacto y con el gradiente.
struct Direcciones {
  int64_t P = 0;
  double lambda = 0;
  std::vector<std::string> nombres{};
  std::vector<double> vs_natural{}, vs_gradiente{};
  real ganancia = 1;
};

constexpr double kLambda = 1e-3;  // amortiguamiento de Tikhonov de F + λI

Direcciones comparar_direcciones(uint64_t semilla);

// Paso 7: entrenar con K-FAC contra AdamW: el mismo GPT mínimo, ahora sobre el corpus por caracteres.
struct KfacContraAdamW {
  std::vector<real> kfac{}, adamw{};  // pérdida de entrenamiento por paso
  real val_kfac = 0, val_adamw = 0;
  double ms_kfac = 0, ms_adamw = 0;  // milisegundos por paso (medidos: cambian de una corrida a otra)
};

inline int64_t pasos_kfac(RunMode modo) { return modo == RunMode::quick ? 40 : modo == RunMode::full ? 1500 : 300; }
// Las tasas de aprendizaje: la mejor de {0.003, 0.01, 0.03} para cada uno, probadas con la semilla 1
// en el modo normal (K-FAC con 0.03 diverge). K-FAC aquí no tiene momento ni lr adaptativo.
constexpr real kLrAdamW = 0.01f, kLrKfac = 0.01f, kAmortiguamiento = 1e-2f;

KfacContraAdamW kfac_contra_adamw(RunMode modo, uint64_t semilla, real lr_kfac = kLrKfac, real lr_adamw = kLrAdamW,
                                  real amortiguamiento = kAmortiguamiento);

}  // namespace lesson13
