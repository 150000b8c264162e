// Lección 15, pasos 3 a 5: los experimentos con entrenamiento. Las curvas de aprendizaje del DAT y
// de un Transformer del mismo tamaño en la tarea igual/diferente, los tres recuperadores de
// símbolos, y un DAT de visión contra un ViT. Aquí viven las tareas, los modelos y el
// entrenamiento; la lección (lessons/lesson15_atencion_relacional.cpp) narra e imprime los
// resultados.
#pragma once
#include <cstdint>
#include <utility>
#include <vector>

#include "data/relational_tasks.h"
#include "data/synthetic_images.h"
#include "lessons/common/narrator.h"
#include "models/dat_vision.h"
#include "models/vit.h"
#include "tensor/tensor.h"

namespace lesson15 {

using namespace atn;

// Entrenar un clasificador de imágenes (DATVision, o el ViT de la biblioteca) con AdamW y medir su
// exactitud de prueba.
struct Entrenamiento {
  int64_t pasos = 300, lote = 32;
  real lr = 1e-2f;
};

double entrenar_y_medir(DATVision& modelo, const Tensor& imagenes, const Tensor& etiquetas, const Tensor& img_prueba,
                        const Tensor& etq_prueba, const Entrenamiento& e, uint64_t semilla);
double entrenar_y_medir(ViT& modelo, const Tensor& imagenes, const Tensor& etiquetas, const Tensor& img_prueba,
                        const Tensor& etq_prueba, const Entrenamiento& e, uint64_t semilla);

// Paso 3: la tarea relacional y las curvas de aprendizaje.
// Igual/diferente (de los "relational games"): dos sprites binarios de 4 × 4 lado a lado; ¿son el
// mismo? Los sprites de prueba nunca aparecen en el entrenamiento, así que memorizar no sirve:
// hay que comparar. Con parches de 4 × 4 cada objeto es un token.
constexpr int64_t kSprite = 4, kObjetos = 2;

struct ConfigRelacional {
  std::vector<int64_t> tamanos;  // ejemplos de entrenamiento de cada punto de la curva
  int64_t semillas = 3, n_prueba = 200;
  Entrenamiento e;
};

ConfigRelacional config_relacional(RunMode modo);

RelationalTask tarea(int64_t n_train, int64_t n_prueba, uint64_t semilla);

// El DAT (2 cabezas SA + 2 RA) y el Transformer (4 cabezas SA, n_ra = 0) comparten todo lo demás:
// parches, [CLS], posiciones, bloques, promedio final. El ancho del Transformer se elige para que
// tenga al menos tantos parámetros como el DAT.
constexpr int64_t kAnchoDAT = 16, kCapas = 1;

DATVisionConfig config_dat(DATSymbols simbolos = DATSymbols::positional, int64_t cabezas_ra = 2,
                           int64_t ancho = kAnchoDAT);

int64_t parametros(const DATVisionConfig& c);

// El menor ancho (múltiplo de 4 cabezas) con que el Transformer iguala o pasa los parámetros del DAT.
int64_t ancho_transformer();

struct Curvas {
  std::vector<int64_t> tamanos;
  std::vector<double> dat, transformer;  // exactitud de prueba media sobre las semillas
  int64_t param_dat = 0, param_transformer = 0, ancho_transformer = 0;
  int64_t semillas = 0;
  double azar = 0.5;
};

Curvas curvas(const ConfigRelacional& c, uint64_t semilla);

// La exactitud que cuenta como «aprendido» en el paso 3.
constexpr double kMeta = 0.8;

// En cuántos tamaños de la curva el DAT tiene más exactitud que el Transformer.
int64_t victorias(const Curvas& r);
// Los ejemplos que un modelo necesita para llegar a `meta` de exactitud (−1 si no llega).
int64_t ejemplos_para(const std::vector<int64_t>& tamanos, const std::vector<double>& exactitud, double meta);

// Paso 4: los tres recuperadores de símbolos, con el mismo DAT y los mismos datos.
struct Recuperadores {
  int64_t ejemplos = 0;
  std::vector<DATSymbols> modos{DATSymbols::symbolic, DATSymbols::positional, DATSymbols::relative};
  std::vector<double> exactitud;
  std::vector<int64_t> parametros;
};

// Los mismos datos y semillas que el punto del medio de las curvas; la fila posicional es el DAT
// de las curvas (mismo modelo, mismos datos), así que solo se entrenan los otros dos.
Recuperadores recuperadores(const ConfigRelacional& c, const Curvas& curvas, uint64_t semilla);

// Paso 5: un DAT de visión contra un ViT. Imágenes de 16 × 16 con dos sprites binarios de 8 × 8
// lado a lado en una franja a una altura al azar; ¿son el mismo? Ahora el parche (4 × 4) es más
// chico que el objeto: cada sprite ocupa 4 parches, y comparar es comparar grupos de parches.
// Como en el paso 3, los sprites de prueba nunca se ven al entrenar.
constexpr int64_t kLado = 16, kParche = 4, kSpriteGrande = 8;

// Las imágenes de 16 × 16 con la franja de dos sprites de 8 × 8 a una altura al azar.
ImageSplit a_cuadradas(const RelationalSplit& s, uint64_t semilla);
std::pair<ImageSplit, ImageSplit> imagenes_vision(int64_t n_train, int64_t n_prueba, uint64_t semilla);

struct Vision {
  double dat = 0, vit = 0;
  int64_t param_dat = 0, param_vit = 0, ejemplos = 0;
};

Vision vision(RunMode modo, uint64_t semilla);

// Los tres experimentos con entrenamiento (pasos 3–5), para narrarlos después.
struct Resultados {
  ConfigRelacional config;
  Curvas curvas;
  Recuperadores recuperadores;
  Vision vision;
};

Resultados experimentos(const LessonOptions& o);

}  // namespace lesson15
