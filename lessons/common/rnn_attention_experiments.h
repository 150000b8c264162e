// Lección 01, pasos 1, 4, 5 y 6: la recurrencia de una RNN a mano, los cuatro pasos de Bahdanau
// con tres puntajes, y dos codificadores–decodificadores GRU (con y sin atención) entrenados para
// invertir secuencias. Aquí vive la maquinaria que calcula y entrena; la lección
// (lessons/lesson01_atencion_en_rnn.cpp) narra e imprime los resultados.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "data/seq_tasks.h"
#include "lessons/common/narrator.h"
#include "models/seq2seq_rnn.h"
#include "tensor/tensor.h"

namespace lesson01 {

using namespace atn;

// Paso 1: la recurrencia h_t = tanh(W h_{t−1} + W' x_t + b), a mano y con RNNCell.
struct Recurrencia {
  std::vector<Tensor> a_mano, con_celda;  // h_1 … h_T, cada uno [1, H]
  double diferencia = 0;
};

Recurrencia recurrencia(uint64_t semilla);

// Paso 4: los cuatro pasos de Bahdanau. (1) estados del codificador h_1 … h_S; (2) puntajes
// e_j = score(s, h_j) entre el estado s del decodificador y cada h_j; (3) pesos α = softmax(e);
// (4) contexto c = Σ_j α_j h_j. Tres funciones de puntaje:
//   producto punto   s·h_j                         (Luong «dot»)
//   bilineal         sᵀ W h_j                      (Luong «general»)
//   MLP              vᵀ tanh(W_q s + W_k h_j)      (Bahdanau, «concat» en Luong)
struct Bahdanau {
  Tensor estados, s;                           // [S, H] y [H]
  std::vector<std::string> nombres;            // las tres funciones
  std::vector<std::vector<double>> puntajes;   // a mano
  std::vector<std::vector<double>> pesos;      // a mano
  std::vector<std::vector<double>> contextos;  // a mano
  double dif_puntajes = 0, dif_contexto = 0;   // contra DotScore, GeneralScore, AdditiveScore
};

// softmax en double, a mano (el paso (3)).
std::vector<double> softmax_de(const std::vector<double>& e);

Bahdanau cuatro_pasos(uint64_t semilla);

// Paso 5: entrenar dos codificadores–decodificadores GRU que invierten secuencias de dígitos
// («3 1 4 1 5» → «5 1 4 1 3»), uno con atención aditiva y otro sin atención. Invertir es una tarea
// en la que la alineación se ve: la salida t corresponde a la entrada S − 1 − t.
struct ConfigReversa {
  int64_t simbolos = 8;  // dígitos 0 … 7
  int64_t largo_minimo = 3, largo_maximo = 8;
  int64_t entrenamiento = 3000, prueba = 200;
  int64_t embedding = 16, oculta = 32;
  int64_t lote = 16;
  int pasos = 400;
  real lr = 1e-2f;
  Seq2SeqAttention atencion = Seq2SeqAttention::Additive;  // la del modelo «con atención»
  uint64_t semilla = 1;
};

ConfigReversa config_reversa(const LessonOptions& o);

SeqTask tarea(const ConfigReversa& cfg);

struct Evaluacion {
  double exactas = 0;                     // secuencias completas correctas
  double por_token = 0;                   // tokens correctos en su posición
  std::vector<double> exactas_por_largo;  // índice: largo − largo_minimo
  double espejo = 0;  // con atención: fracción de pasos t cuyo peso mayor está en la entrada S − 1 − t
  Seq2SeqDecoded salida;
};

struct Entrenado {
  std::shared_ptr<Seq2SeqRNN> modelo;
  std::vector<real> perdidas;  // una por paso
  Evaluacion prueba;
};

// Decodifica (greedy) las secuencias de prueba y cuenta aciertos y alineaciones en espejo.
Evaluacion evaluar(Seq2SeqRNN& modelo, const SeqTask& t, const ConfigReversa& cfg);

// cfg.pasos pasos de Adam; los dos modelos ven los mismos lotes en el mismo orden.
Entrenado entrenar(const ConfigReversa& cfg, const SeqTask& t, bool con_atencion);

struct Comparacion {
  ConfigReversa cfg;
  SeqTask tarea;
  Entrenado sin_atencion, con_atencion;
};

Comparacion comparar(const ConfigReversa& cfg);

// La media de las últimas `k` pérdidas (una sola pérdida de un lote de 16 salta mucho).
double perdida_final(const std::vector<real>& p, size_t k = 20);

// Paso 6: el mapa de alineación. Para una secuencia de prueba del largo máximo, la fila t es α del
// paso t del decodificador: a qué entradas miró para escribir la salida t.
struct Alineacion {
  Tensor pesos;                              // [salida, entrada]
  std::vector<std::string> entrada, salida;  // etiquetas
};

Alineacion alineacion_de_ejemplo(const Comparacion& c);

}  // namespace lesson01
