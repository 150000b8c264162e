// Lección 13, pasos 2–4: la comparación del proyecto «natural attention» (su GPT natural contra
// GPT-2) y la misma comparación en condiciones justas. Aquí vive la maquinaria que entrena y mide;
// la lección (lessons/lesson13_atencion_natural.cpp) narra e imprime los resultados.
//
// Un GPT diminuto sobre fragmentos del corpus, con el objetivo del original: entradas c[0..T−1],
// etiquetas c[1..T], y el modelo desplaza otra vez, así que la posición t predice c[t + 2] (la
// última posición no tiene etiqueta).
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "data/char_tokenizer.h"
#include "data/text_loader.h"
#include "lessons/common/narrator.h"
#include "models/language_model.h"
#include "tensor/tensor.h"

namespace lesson13 {

using namespace atn;

struct Tamanos {
  int64_t d = 64, capas = 2, cabezas = 2, bloque = 32, lote = 4, fragmentos = 181, epocas = 10;
  real lr = 1e-3f;
};

// --full: los del experimento original (181 fragmentos, 46 lotes por época, 10 épocas).
Tamanos tamanos_de(RunMode modo);

struct Fragmentos {
  CharTokenizer tok;
  std::vector<std::vector<int64_t>> entrenamiento, validacion;  // de bloque + 1 ids cada uno
};

Fragmentos fragmentos(const Tamanos& t);

// x = c[0..T−1] y los objetivos del doble desplazamiento: c[t + 2], −100 (se ignora) en t = T − 1.
TokenBatch lote_doble(const std::vector<std::vector<int64_t>>& fr, const std::vector<size_t>& cuales, int64_t T);

// Las cuatro recetas: lo que distingue a cada modelo.
struct Receta {
  std::string nombre{};
  bool natural = false;   // NaturalGPT + AdamW informado por atención; si no, GPT + AdamW
  bool fuga = false;      // sin máscara causal (el error del original)
  bool init_gpt2 = true;  // N(0, 0.02) en los bloques; si no, la inicialización por omisión de PyTorch
  real dropout = 0;
};

struct Corrida {
  std::string nombre{};
  std::vector<real> perdidas{};      // entrenamiento, por paso
  real perdida_val = 0;              // entropía cruzada media en validación
  std::vector<real> por_posicion{};  // validación, por posición t = 0 .. T − 2
  std::vector<real> ganancias{};     // natural: la ganancia del bloque 1 en cada paso
  real cambio_pasado = 0;            // max |Δ logits| en t < T/2 al cambiar el token T/2
  // Natural: la cabeza (capa, cabeza) con más peso medio a_dos en j = i + 2, y sus pesos en el
  // primer fragmento de validación [T, T].
  real a_dos = 0;
  int64_t capa = 0, cabeza = 0;
  Tensor atencion{};
};

std::unique_ptr<LanguageModel> construir(const Receta& r, const Tamanos& t, int64_t V, uint64_t semilla);
// Entrena una receta con AdamW (o el AdamW informado por atención) como el original, y mide en
// validación: pérdida por posición, si el pasado ve el futuro, y la cabeza que mira a i + 2.
Corrida entrenar(const Receta& receta, const Fragmentos& f, const Tamanos& t, uint64_t semilla);

struct Comparacion {
  Corrida natural_original{}, estandar_original{}, natural_justo{}, estandar_justo{};
  real brecha_original() const { return estandar_original.perdida_val - natural_original.perdida_val; }
  real brecha_justa() const { return estandar_justo.perdida_val - natural_justo.perdida_val; }
};

inline const Receta kNaturalOriginal{.nombre = "natural", .natural = true, .fuga = true, .init_gpt2 = false};
inline const Receta kEstandarOriginal{.nombre = "GPT-2", .dropout = 0.1f};
inline const Receta kNaturalJusto{.nombre = "natural", .natural = true};
inline const Receta kEstandarJusto{.nombre = "GPT-2"};

// Las cuatro corridas, con la misma semilla (mismos lotes).
Comparacion comparar(const Tamanos& t, uint64_t semilla);

// La brecha «desaparece» si la justa es menor que esta fracción de la original (y lo es en valor
// absoluto: el natural justo tampoco pierde por mucho). Ver las pruebas: varias semillas.
constexpr double kFraccionBrecha = 0.15;
bool brecha_desaparece(const Comparacion& c);

// Paso 3: la fuga. Sin máscara la posición t ve toda la entrada, y su objetivo c[t + 2] está en la
// entrada si t + 2 ≤ T − 1: en T − 2 de las T − 1 posiciones con etiqueta.
struct Fuga {
  double visibles = 0, ultima = 0;  // pérdida media del natural original: t ≤ T − 3, y t = T − 2
};

Fuga medir_fuga(const Corrida& c);

}  // namespace lesson13
