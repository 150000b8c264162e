// Lección 12, pasos 4 y 5: el texto de BERT por palabras, y el experimento de preentrenar con
// palabras tapadas y afinar un clasificador [CLS]. La tarea: ¿la concordancia de género del
// artículo está rota? A la mitad de los ejemplos se le cambia un artículo por el del otro género
// (el↔la, los↔las, un↔una, unos↔unas): "la plaza" → "el plaza". Para adivinar un artículo tapado
// hay que saber el género del sustantivo, así que el preentrenamiento debería ayudar; lo medimos
// contra el mismo modelo entrenado desde cero. Aquí vive la maquinaria que entrena y mide; la
// lección (lessons/lesson12_gpt_bert_vit.cpp) narra e imprime los resultados.
#pragma once
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "data/text_loader.h"
#include "data/word_tokenizer.h"
#include "lessons/common/narrator.h"
#include "tensor/rng.h"
#include "tensor/tensor.h"

namespace lesson12 {

using namespace atn;

// Texto por palabras (minúsculas, la puntuación aparte); cada ejemplo es [bos] + 8 palabras
// seguidas. Nuestro tokenizador no tiene [CLS]: [bos] hace su papel (va en la posición 0 y su
// vector final es el que se clasifica).
constexpr int64_t kPalabras = 8, kT = kPalabras + 1;

struct TextoBert {
  WordTokenizer tok;
  TextSplit partes;  // ids de palabras: 90 % entrenamiento, 10 % prueba
};

TextoBert texto_bert();

// `b` ventanas al azar de `ids`, con [bos] al frente: [b, kT].
Tensor ventanas(const TextoBert& tb, const std::vector<int64_t>& ids, int64_t b, Rng& rng);

struct ConfigBert {
  int64_t pasos_mlm = 200, lote_mlm = 64, pasos_afinar = 100, lote_afinar = 32, n_afinar = 256, n_prueba = 400;
  int64_t d = 32, capas = 2, cabezas = 2;
  real lr = 5e-3f;
  uint64_t semilla = 1;
};

ConfigBert config_bert(const LessonOptions& o);

// Cada artículo y el del otro género.
const std::map<std::string, std::string>& otro_genero();

struct Ejemplos {
  Tensor x, y;  // [N, kT] y [N]: 1 = concordancia rota
};

// n ejemplos alternando etiquetas 0, 1, 0, …: una ventana de 8 palabras con un artículo entre
// las primeras 6 (así su sustantivo queda dentro); con etiqueta 1 ese artículo cambia de género.
Ejemplos ejemplos_concordancia(const TextoBert& tb, const std::vector<int64_t>& ids, int64_t n, Rng& rng);

struct ResultadoBert {
  std::vector<real> perdidas_mlm;
  double acierto_articulo = 0, base_articulo = 0;  // artículo tapado: el modelo y "siempre el más frecuente"
  double exactitud_pre = 0, exactitud_cero = 0;    // clasificador: preentrenado y desde cero
  std::vector<real> afinar_pre, afinar_cero;       // sus pérdidas al afinar
};

// Preentrena (c.pasos_mlm pasos de palabras tapadas), mide el artículo tapado, y afina el
// clasificador partiendo del preentrenado y, con los mismos lotes, desde cero.
ResultadoBert bert_completo(const TextoBert& tb, const ConfigBert& c);

// La pérdida de preentrenamiento al final: la media de los últimos 10 pasos (un paso solo es ruidoso).
double final_mlm(const ResultadoBert& r);

}  // namespace lesson12
