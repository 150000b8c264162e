// Lección 12, paso 1: entrenar un GPT de caracteres. Cada carácter (código Unicode: "ñ" y "¿"
// son uno) es un token; el modelo ve ventanas de `kBloque` caracteres y aprende el siguiente en
// cada posición. Aquí vive la maquinaria que entrena y mide; la lección
// (lessons/lesson12_gpt_bert_vit.cpp) narra e imprime los resultados.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "data/char_tokenizer.h"
#include "lessons/common/narrator.h"
#include "models/gpt.h"

namespace lesson12 {

using namespace atn;

constexpr int64_t kBloque = 64;
inline const std::string kInicio = "Esa mañana ";  // el comienzo de las muestras (si el texto tiene esas letras)

struct ConfigGPT {
  int64_t pasos = 250, lote = 6, d = 48, capas = 2, cabezas = 4;
  real lr = 4e-3f;
  uint64_t semilla = 1;
};

ConfigGPT config_gpt(const LessonOptions& o);

struct GPTEntrenado {
  CharTokenizer tok;
  std::string inicio;  // el comienzo de las muestras: kInicio, o el del texto si no cabe en V
  std::unique_ptr<GPT> gpt;
  std::vector<real> perdidas;  // entrenamiento, una por paso
  real val_inicial = 0, val_final = 0;
  double unigrama = 0;  // entropía cruzada de val si solo se cuentan los caracteres
};

// Pérdida media en 8 ventanas fijas de validación (siempre las mismas: semilla fija).
real perdida_val(GPT& gpt, const std::vector<int64_t>& val);

// La línea base: predecir cada carácter con su frecuencia en el texto de entrenamiento (sin
// contexto). Un modelo que no la supera no aprendió nada de las letras anteriores.
double entropia_unigrama(const std::vector<int64_t>& train, const std::vector<int64_t>& val, int64_t v);

// Entrena c.pasos pasos de AdamW sobre el 90 % de `texto` y mide la pérdida en el 10 % restante
// antes y después.
GPTEntrenado entrenar_gpt(const ConfigGPT& c, const std::string& texto);

}  // namespace lesson12
