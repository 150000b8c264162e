// Lección 11, pasos 3 a 5: copia, números en palabras → cifras y el objetivo sin desplazar (ver
// transformer_tasks.h).
#include "lessons/common/transformer_tasks.h"

#include <algorithm>

#include "data/number_words.h"

namespace lesson11 {

ConfigModelo modelo_copia(const LessonOptions& o) {
  if (o.mode == RunMode::full) return {.d = 512, .cabezas = 8, .d_ff = 2048, .dropout = 0.1f};  // el del cuaderno
  return {};
}

ConfigEntrenamiento entrenamiento_copia(const LessonOptions& o) {
  const int64_t pasos = o.mode == RunMode::quick ? 300 : o.mode == RunMode::full ? 200 : 700;
  return {.pasos = pasos, .lote = 30, .calentamiento = 400, .factor = 1, .semilla = o.seed};
}

Copia tarea_de_copia(const LessonOptions& o) {
  Copia c;
  c.tarea = copy_task({.n_train = 6000, .n_test = 200, .seed = o.seed});
  c.e = entrenar(c.tarea, modelo_copia(o), entrenamiento_copia(o));
  for (int64_t k = 1; k <= 10; ++k) c.ejemplo.push_back(k);
  const std::vector<int64_t> copia(c.ejemplo.begin() + 1, c.ejemplo.end());  // sin el símbolo de inicio
  c.salida = c.e.modelo->greedy_decode(ids_tensor(c.ejemplo), Tensor(), c.tarea.bos, c.tarea.eos, 9).tokens[0];
  c.exacta = c.salida == copia;
  c.prueba = evaluar(*c.e.modelo, c.tarea, c.tarea.test, 9);
  c.mapa = mapa_cruzado(*c.e.modelo, c.ejemplo, decoder_input(c.salida, c.tarea.bos, c.tarea.eos));
  for (int64_t t = 0; t < c.mapa.size(0); ++t) c.filas_en_su_token += columna_mayor(c.mapa, t) == t + 1;
  return c;
}

ConfigNumeros config_numeros(const LessonOptions& o) {
  return {.pasos_sin_desplazar = o.mode == RunMode::quick ? 150 : 200};
}

ConfigEntrenamiento entrenamiento_numeros(const LessonOptions& o) {
  const int64_t pasos = o.mode == RunMode::quick ? 800 : o.mode == RunMode::full ? 1500 : 1000;
  return {.pasos = pasos, .lote = 32, .calentamiento = 100, .factor = 0.5f, .semilla = o.seed};
}

SeqTask tarea_numeros(const ConfigNumeros& c, uint64_t semilla) {
  return number_words_task({.min_number = 0,
                            .max_number = c.maximo,
                            .n_train = std::min<int64_t>(c.maximo + 1 - c.prueba, 20000),
                            .n_test = c.prueba,
                            .words_to_digits = c.palabras_a_cifras,
                            .seed = semilla});
}

int64_t largo_maximo(const SeqTask& t) {
  size_t m = 0;
  for (const auto* pares : {&t.train, &t.test})
    for (const SeqPair& p : *pares) m = std::max(m, p.tgt.size());
  return int64_t(m) + 1;
}

void mapa_de(Numeros& r, const std::vector<int64_t>& salida) {
  const SeqPair& par = r.tarea.test[r.elegido];
  r.mapa = mapa_cruzado(*r.e.modelo, par.src, decoder_input(salida, r.tarea.bos, r.tarea.eos));
  r.filas = token_strings(r.tarea.tgt_tokens, decoder_target(salida, r.tarea.eos));
  r.columnas = token_strings(r.tarea.src_tokens, par.src);
}

Numeros numeros_a_cifras(const LessonOptions& o, const ConfigNumeros& c) {
  Numeros r;
  r.tarea = tarea_numeros(c, o.seed);
  r.e = entrenar(r.tarea, ConfigModelo{}, entrenamiento_numeros(o));
  r.prueba = evaluar(*r.e.modelo, r.tarea, r.tarea.test, largo_maximo(r.tarea));
  for (size_t i = 0; i < r.tarea.test.size(); ++i)
    if (r.tarea.test[i].src.size() >= 3 && r.tarea.test[i].tgt.size() >= 3) {
      r.elegido = i;
      break;
    }
  mapa_de(r, r.prueba.salidas[r.elegido]);
  return r;
}

SinDesplazar sin_desplazar(const LessonOptions& o, const ConfigNumeros& c, const Numeros& bueno) {
  SinDesplazar r;
  ConfigEntrenamiento e = entrenamiento_numeros(o);
  e.pasos = r.pasos = c.pasos_sin_desplazar;
  r.e = entrenar(bueno.tarea, ConfigModelo{}, e, /*desplazar=*/false);
  r.prueba = evaluar(*r.e.modelo, bueno.tarea, bueno.tarea.test, largo_maximo(bueno.tarea));
  r.perdida_mala = media_final(r.e.perdidas, size_t(r.pasos));
  r.perdida_buena = media_final(bueno.e.perdidas, size_t(r.pasos));
  r.salida_elegido = r.prueba.salidas[bueno.elegido];
  return r;
}

}  // namespace lesson11
