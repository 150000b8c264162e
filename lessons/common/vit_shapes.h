// Lección 12, paso 6: ViT. Imágenes de 12 × 12 con una figura (cuadrado, círculo, triángulo o
// cruz) en cualquier lugar; parches de 4 × 4 → 9 tokens de 16 píxeles, más el token [CLS]
// aprendido. Aquí vive la maquinaria que entrena y mide; la lección
// (lessons/lesson12_gpt_bert_vit.cpp) narra e imprime los resultados.
#pragma once
#include <cstdint>
#include <vector>

#include "data/synthetic_images.h"
#include "lessons/common/narrator.h"

namespace lesson12 {

using namespace atn;

struct ConfigViT {
  int64_t pasos = 600, lote = 32, n_train = 560, n_prueba = 200, d = 32, capas = 1, cabezas = 4;
  real lr = 3e-3f;
  uint64_t semilla = 1;
};

ConfigViT config_vit(const LessonOptions& o);

constexpr int64_t kLado = 12, kParche = 4;

// Las imágenes de entrenamiento y de prueba, con ruido, sorteadas con c.semilla.
ImageDataset imagenes(const ConfigViT& c);

struct ResultadoViT {
  std::vector<real> perdidas;
  double exactitud = 0, azar = 0;
  std::vector<double> por_clase;
  int64_t parches = 0;
  bool parches_iguales = false;  // patchify frente a cortar los píxeles a mano
};

// Entrena el ViT c.pasos pasos y mide su exactitud, por clase, en las imágenes de prueba.
ResultadoViT entrenar_vit(const ConfigViT& c, const ImageDataset& datos);

}  // namespace lesson12
