// Lección 11, pasos 3 a 5: las tres corridas que entrena la lección. La tarea de copia del
// Annotated Transformer, los números escritos con palabras → cifras, y el error del cuaderno del
// curso (el objetivo sin desplazar). Aquí viven las tareas, los entrenamientos y las medidas; la
// lección (lessons/lesson11_transformador.cpp) narra e imprime los resultados.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "data/seq_tasks.h"
#include "lessons/common/narrator.h"
#include "lessons/common/transformer_training.h"
#include "tensor/tensor.h"

namespace lesson11 {

using namespace atn;

// El modelo de la tarea de copia (y de la tabla del paso 2): el de ConfigModelo, o con --full el
// del cuaderno (d = 512, 8 cabezas, d_ff = 2048, dropout 0.1).
ConfigModelo modelo_copia(const LessonOptions& o);

// Paso 3: la tarea de copia del Annotated Transformer (Rush 2018, data_gen): vocabulario de 11
// (0 = relleno, 1 = símbolo de inicio), fuentes [1, x_1 … x_9] con x_i al azar en 1…10, y la
// salida copia la fuente. 2 capas, Adam(0.9, 0.98, 1e-9), Noam con factor 1 y calentamiento 400,
// lotes de 30. El cuaderno usa d = 512, 8 cabezas, d_ff = 2048 y 200 lotes (--full hace eso);
// para caber en segundos usamos d = 32, 4 cabezas, d_ff = 64 y más lotes.
ConfigEntrenamiento entrenamiento_copia(const LessonOptions& o);

struct Copia {
  SeqTask tarea;
  Entrenado e;
  std::vector<int64_t> ejemplo;  // el del cuaderno: 1 2 … 10
  std::vector<int64_t> salida;   // lo que escribe la decodificación voraz
  bool exacta = false;
  Evaluacion prueba;              // secuencias al azar que no se usaron para entrenar
  Tensor mapa;                    // atención cruzada del ejemplo [9, 10]
  int64_t filas_en_su_token = 0;  // filas t cuyo mayor peso cae en la columna t + 1, el token que copian
};

Copia tarea_de_copia(const LessonOptions& o);

// Paso 4: una tarea tipo traducción, números escritos en español → cifras (data/number_words.h
// escribe los números como la RAE). Usamos de 0 a 999 para que el entrenamiento quepa en unos
// segundos: 100 números se apartan para la prueba y los otros 900 son el entrenamiento.
struct ConfigNumeros {
  int64_t maximo = 999;
  int64_t prueba = 100;
  bool palabras_a_cifras = true;  // false: cifras → palabras
  int64_t pasos_sin_desplazar = 200;
};

ConfigNumeros config_numeros(const LessonOptions& o);
ConfigEntrenamiento entrenamiento_numeros(const LessonOptions& o);
SeqTask tarea_numeros(const ConfigNumeros& c, uint64_t semilla);

// El largo del objetivo más largo, más uno para el [eos].
int64_t largo_maximo(const SeqTask& t);

struct Numeros {
  SeqTask tarea;
  Entrenado e;
  Evaluacion prueba;
  size_t elegido = 0;  // el par de prueba del mapa: el primero con al menos 3 palabras y 3 cifras
  Tensor mapa;
  std::vector<std::string> filas, columnas;
};

// Filas: los tokens que escribe el decodificador y el [eos] final; columnas: la fuente.
void mapa_de(Numeros& r, const std::vector<int64_t>& salida);

Numeros numeros_a_cifras(const LessonOptions& o, const ConfigNumeros& c);

// Paso 5: el error del cuaderno del curso. Si el decodificador lee el objetivo SIN desplazar
// (y + [eos] en vez de [bos] + y), la posición t ve el token t, justo el que debe predecir: la
// máscara causal deja pasar la diagonal. Aprende a copiar su entrada, la pérdida se va a casi 0, y
// al generar, donde no hay objetivo que leer, no sirve.
struct SinDesplazar {
  Entrenado e;
  Evaluacion prueba;
  int64_t pasos = 0;
  double perdida_mala = 0, perdida_buena = 0;  // medias de los últimos 20 lotes hasta `pasos`
  std::vector<int64_t> salida_elegido;         // lo que escribe para el número del mapa
};

// Entrena el modelo de los números con el objetivo sin desplazar y lo compara con `bueno` (el del paso 4).
SinDesplazar sin_desplazar(const LessonOptions& o, const ConfigNumeros& c, const Numeros& bueno);

}  // namespace lesson11
