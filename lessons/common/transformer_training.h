// Lección 11, paso 2 y lo que usan los pasos 3 a 5: el Transformador de models/transformer.h, su
// entrenamiento con forzamiento del maestro (el objetivo desplazado a la derecha) y cómo se mide:
// decodificación voraz y el mapa de atención cruzada. Todo lo que entrena la lección pasa por aquí;
// la lección (lessons/lesson11_transformador.cpp) narra e imprime los resultados.
#pragma once
#include <cstdint>
#include <memory>
#include <vector>

#include "data/seq_tasks.h"
#include "models/transformer.h"
#include "tensor/rng.h"
#include "tensor/tensor.h"

namespace lesson11 {

using namespace atn;

struct ConfigModelo {
  int64_t d = 32, cabezas = 4, d_ff = 64, capas = 2;
  real dropout = 0;
};

struct ConfigEntrenamiento {
  int64_t pasos = 700, lote = 30;
  int64_t calentamiento = 400;  // Noam: lr = factor · d^(−1/2) · min(t^(−1/2), t · calentamiento^(−3/2))
  real factor = 1;
  uint64_t semilla = 1;
};

struct Entrenado {
  std::unique_ptr<Rng> rng;  // el modelo guarda una referencia a su Rng (dropout): vive con él
  std::unique_ptr<Transformer> modelo;
  std::vector<real> perdidas;  // una por paso
};

// Pre-norm, como el Annotated Transformer; el vocabulario y el relleno salen de la tarea.
TransformerConfig config_transformador(const SeqTask& tarea, const ConfigModelo& m);

// Adam(β 0.9/0.98, ε 1e-9) con la tasa de Noam, como el Annotated Transformer. Cada paso: un lote
// al azar, la pérdida, backward, la tasa del paso, un paso de Adam. `desplazar` = false es el
// error del cuaderno del curso (paso 5): el decodificador lee el objetivo mismo.
Entrenado entrenar(const SeqTask& tarea, const ConfigModelo& m, const ConfigEntrenamiento& e, bool desplazar = true);

// Cuántos parámetros tiene cada parte del Transformador (por el nombre: src_embed, encoder, ...).
struct Partes {
  int64_t embeddings = 0, codificador = 0, decodificador = 0, cruzada = 0, salida = 0, total = 0;
};

Partes contar_parametros(const Transformer& m);

// Decodificación voraz de pares de prueba: cuántos salen exactamente iguales al objetivo.
struct Evaluacion {
  std::vector<std::vector<int64_t>> salidas;
  int64_t exactas = 0, total = 0;
  double porcentaje() const { return total ? 100.0 * double(exactas) / double(total) : 0; }
};

Evaluacion evaluar(Transformer& m, const SeqTask& tarea, const std::vector<SeqPair>& pares, int64_t max_largo);

// La atención cruzada de la última capa del decodificador, promedio de las cabezas [T, S]: fila t
// = la posición t del decodificador (la que predice el token t de la salida), columna j = el
// token j de la fuente.
Tensor mapa_cruzado(Transformer& m, const std::vector<int64_t>& fuente, const std::vector<int64_t>& entrada);

// El índice del mayor peso de la fila t.
int64_t columna_mayor(const Tensor& mapa, int64_t t);

// La media de las últimas k pérdidas hasta el paso `hasta` (sin incluirlo).
double media_final(const std::vector<real>& perdidas, size_t hasta, size_t k = 20);

}  // namespace lesson11
