// Lección 01, pasos 2 y 3: la regresión de Nadaraya–Watson (1964) con tres núcleos, y su ancho h
// aprendido por descenso por gradiente. Aquí vive la maquinaria que calcula; la lección
// (lessons/lesson01_atencion_en_rnn.cpp) narra e imprime los resultados.
//
// Para predecir y en un punto x se promedian las y_i de los datos con pesos
// α(x, x_i) = K((x − x_i)/h) / Σ_j K((x − x_j)/h): x es la pregunta, las x_i las claves y las y_i
// los valores. Es atención sin nada que aprender (salvo, quizá, el ancho h).
#pragma once
#include <cstdint>
#include <vector>

#include "data/regression_toy.h"
#include "lessons/common/narrator.h"
#include "nn/attention/kernel_regression.h"
#include "tensor/tensor.h"

namespace lesson01 {

using namespace atn;

// Paso 2: los tres núcleos con un ancho fijo.
struct ConfigNadaraya {
  real ancho = 0.5f;  // h, el mismo para los tres núcleos
  uint64_t semilla = 1;
};

struct Regresion {
  Kernel nucleo = Kernel::gaussian;
  Tensor prediccion, pesos;  // [50] y [50, 40]
  double error = 0;          // error cuadrático medio contra la curva sin ruido
};

struct Nadaraya {
  RegressionToy datos;
  std::vector<Regresion> regresiones;  // gaussiano, caja, Epanechnikov
};

// El error cuadrático medio entre dos tensores del mismo tamaño.
double ecm(const Tensor& a, const Tensor& b);

Nadaraya nadaraya_watson(const ConfigNadaraya& cfg);

// Paso 3: aprender el ancho h por descenso por gradiente. Si cada punto se usa para predecirse a sí
// mismo, la pérdida más baja es h → 0 (cada punto se copia: memoriza el ruido). Por eso la pérdida
// deja fuera al propio punto: α_ii = 0 (una máscara en la diagonal, como las de la atención).
struct ConfigAncho {
  real ancho_inicial = 2.0f;
  int pasos = 150;
  real lr = 0.05f;
  bool dejar_uno_fuera = true;
  uint64_t semilla = 1;
};

ConfigAncho config_ancho(const LessonOptions& o);

struct Ancho {
  std::vector<real> anchos, perdidas;         // h y la pérdida antes de cada paso (y tras el último)
  double error_inicial = 0, error_final = 0;  // contra la curva sin ruido, con h inicial y final
};

// cfg.pasos pasos de Adam sobre log h del núcleo gaussiano.
Ancho aprender_ancho(const ConfigAncho& cfg);

}  // namespace lesson01
