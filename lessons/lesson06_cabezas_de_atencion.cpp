// Lección 06 · Cabezas de atención
//
// Un bloque de Transformador completo (atención, suma y norma, red feed-forward, suma y norma)
// como modelo de lenguaje de juguete sobre las nueve oraciones del curso, y la atención de
// varias cabezas: las cabezas "de ancho completo" del cuaderno del curso y las cabezas
// "partidas" estándar, con el mismo código. Usamos logits + entropía cruzada (el cuaderno aplica
// softmax dos veces: veremos qué le hace al aprendizaje) y, como aún no hay máscara, veremos a
// las cabezas mirar la palabra siguiente: la fuga que motiva la lección 07.
//
// Se lee de arriba abajo. Las cuentas que comprueba tests/test_lesson06.cpp están en funciones
// que devuelven resultados y no imprimen nada.
//
//   make lesson06                      ejecuta la lección
//   make lesson06 ARGS="--step"        espera Enter tras cada paso
//   make lesson06 ARGS="--lang en"     in English
#include <algorithm>
#include <cmath>
#include <map>

#include "autograd/ops_basic.h"
#include "autograd/ops_loss.h"
#include "autograd/ops_shape.h"
#include "autograd/ops_softmax.h"
#include "data/corpus.h"
#include "data/word_tokenizer.h"
#include "lessons/common/narrator.h"
#include "nn/attention/multi_head.h"
#include "nn/embedding.h"
#include "nn/feed_forward.h"
#include "nn/linear.h"
#include "nn/norm.h"
#include "nn/positional.h"
#include "optim/adam.h"
#include "tensor/rng.h"
#include "tensor/softmax.h"
#include "viz/svg.h"

namespace lesson06 {

using namespace atn;

// ---------------------------------------------------------------------------------------------
// Paso 1: los datos del curso. Nueve oraciones, un vocabulario de 15 palabras con [bos] = 0 y
// [eos] = 1; la entrada es [bos] + oración y el objetivo es oración + [eos]: en cada posición,
// la palabra siguiente.
struct Datos {
  WordTokenizer tok = WordTokenizer::from_words(course_vocabulary());
  std::vector<std::string> oraciones = nine_sentences();
  int64_t largo = 0;  // la entrada más larga, en tokens
  // [9, largo] cada uno. Las oraciones cortas se rellenan: la entrada con [eos] (que la máscara
  // de relleno esconde) y el objetivo con kIgnorar (la entropía cruzada lo salta).
  Tensor entradas, objetivos;
  Tensor relleno;  // [9, 1, 1, largo]: 1 = token de verdad, 0 = relleno; ninguna consulta lo mira
};

constexpr int64_t kIgnorar = -100;

Datos preparar_datos() {
  Datos d;
  std::vector<std::vector<int64_t>> ids;
  for (const std::string& o : d.oraciones) {
    ids.push_back(d.tok.encode(o));
    d.largo = std::max(d.largo, int64_t(ids.back().size()) + 1);
  }
  const int64_t n = int64_t(ids.size());
  d.entradas = Tensor::full({n, d.largo}, real(d.tok.eos_id()));
  d.objetivos = Tensor::full({n, d.largo}, real(kIgnorar));
  d.relleno = Tensor::zeros({n, 1, 1, d.largo});
  for (int64_t i = 0; i < n; ++i) {
    const std::vector<int64_t>& s = ids[size_t(i)];
    const int64_t t = int64_t(s.size());
    d.entradas.at({i, 0}) = real(d.tok.bos_id());
    for (int64_t j = 0; j < t; ++j) d.entradas.at({i, j + 1}) = real(s[size_t(j)]);
    for (int64_t j = 0; j < t; ++j) d.objetivos.at({i, j}) = real(s[size_t(j)]);
    d.objetivos.at({i, t}) = real(d.tok.eos_id());
    for (int64_t j = 0; j <= t; ++j) d.relleno.at({i, 0, 0, j}) = 1;
  }
  return d;
}

// La pérdida más baja que puede lograr un modelo honesto, que solo ve el prefijo: en cada prefijo
// la mejor predicción es la frecuencia de cada palabra siguiente en los datos, y la pérdida es el
// promedio de −log de esa frecuencia sobre todos los tokens objetivo.
double perdida_minima_honesta(const Datos& d) {
  std::map<std::vector<int64_t>, std::map<int64_t, int>> cuentas;
  std::vector<std::pair<std::vector<int64_t>, int64_t>> casos;
  for (int64_t i = 0; i < d.entradas.size(0); ++i) {
    std::vector<int64_t> prefijo;
    for (int64_t j = 0; j < d.largo && d.objetivos.at({i, j}) != kIgnorar; ++j) {
      prefijo.push_back(int64_t(d.entradas.at({i, j})));
      const int64_t siguiente = int64_t(d.objetivos.at({i, j}));
      cuentas[prefijo][siguiente]++;
      casos.push_back({prefijo, siguiente});
    }
  }
  double total = 0;
  for (const auto& [prefijo, siguiente] : casos) {
    int todos = 0;
    for (const auto& [palabra, c] : cuentas[prefijo]) todos += c;
    total -= std::log(double(cuentas[prefijo][siguiente]) / todos);
  }
  return total / double(casos.size());
}

void paso1_datos(Narrator& n, const Datos& d) {
  n.step(1, "Las nueve oraciones del curso", "The course's nine sentences");
  std::string tabla;
  for (const std::string& o : d.oraciones) tabla += o + "\n";
  std::string x = "x =", y = "y =";  // la primera oración, como entrada y objetivo
  for (int64_t j = 0; j < d.largo && d.objetivos.at({0, j}) != kIgnorar; ++j) {
    x += " " + d.tok.word(int64_t(d.entradas.at({0, j})));
    y += " " + d.tok.word(int64_t(d.objetivos.at({0, j})));
  }
  n.show(tabla + "\n" + x + "\n" + y);
  n.say(
      "{} palabras en el vocabulario ([bos] = 0, [eos] = 1). En cada posición el objetivo es la palabra "
      "siguiente. Tras «[bos]» vienen «el» o «un»; tras «el perro come» puede venir «un», «[eos]»... Ni el mejor "
      "modelo honesto, que solo ve lo anterior, baja de una entropía cruzada de {}: el promedio de −log de la "
      "frecuencia de cada palabra siguiente tras su prefijo.",
      "{} words in the vocabulary ([bos] = 0, [eos] = 1). At each position the target is the next word. After "
      "\"[bos]\" comes \"el\" or \"un\"; after \"el perro come\" may come \"un\", \"[eos]\"... Not even the best "
      "honest model, which sees only what came before, goes below a cross-entropy of {}: the mean of −log of the "
      "frequency of each next word after its prefix.",
      d.tok.vocab_size(), fixed(perdida_minima_honesta(d), 3));
}

// ---------------------------------------------------------------------------------------------
// Paso 2: el modelo. Un bloque post-norm, como el del curso y el artículo original:
//   x = embedding(ids)·√d + PE             (posiciones sinusoidales, lección 04)
//   h = LN₁(x + Atención(x))               atención de H cabezas, sin máscara causal
//   z = LN₂(h + FFN(h))
//   logits = z W_salidaᵀ + b               [B, T, V]: un número por palabra del vocabulario
// La atención es MultiHeadAttention con head_style = FullWidth (el curso) o Split (estándar):
// el mismo código, solo cambia el ancho de cada cabeza.
struct ConfigModelo {
  int64_t d = 16;
  int64_t cabezas = 4;
  HeadStyle estilo = HeadStyle::FullWidth;  // las cabezas del curso
  bool doble_softmax = false;               // el error del cuaderno (paso 6)
  bool mascara_causal = false;              // la lección 07 (ejercicio 3)
  int pasos = 300;
  real lr = 0.01f;
  uint64_t semilla = 1;
};

ConfigModelo config_modelo(const LessonOptions& o) {
  return {.pasos = o.mode == RunMode::quick ? 150 : o.mode == RunMode::full ? 1000 : 300, .semilla = o.seed};
}

class ModeloDeJuguete : public Module {
 public:
  ModeloDeJuguete(const ConfigModelo& cfg, int64_t vocabulario, Rng& rng)
      : d(cfg.d),
        embedding(vocabulario, cfg.d, rng),
        posiciones(cfg.d, 64),
        atencion({.d_model = cfg.d, .n_heads = cfg.cabezas, .head_style = cfg.estilo, .qkv_bias = false,
                   .causal = cfg.mascara_causal},
                  rng),
        ln1(cfg.d),
        ffn(cfg.d, 4 * cfg.d, rng),
        ln2(cfg.d),
        salida(cfg.d, vocabulario, rng) {
    register_module("embedding", embedding);
    register_module("atencion", atencion);
    register_module("ln1", ln1);
    register_module("ffn", ffn);
    register_module("ln2", ln2);
    register_module("salida", salida);
  }

  struct Resultado {
    Var logits;  // [B, T, V]
    Var pesos;   // [B, H, T, T]: fila i de la cabeza h = cuánto mira el token i a cada token j
  };

  // ids [B, T]; mascara (opcional) [B, 1, 1, T] para el relleno. Sin máscara causal: la consulta
  // i ve todas las posiciones, también las que vienen después.
  Resultado forward(const Tensor& ids, const Tensor& mascara = Tensor()) {
    const Var x = posiciones(embedding(ids) * std::sqrt(real(d)));
    const AttentionOutput a = atencion.forward(x, mascara, true);
    const Var h = ln1(x + a.output);
    const Var z = ln2(h + ffn(h));
    return {salida(z), a.weights};
  }

  int64_t d;
  Embedding embedding;
  SinusoidalPositionalEncoding posiciones;
  MultiHeadAttention atencion;
  LayerNorm ln1;
  FeedForward ffn;
  LayerNorm ln2;
  Linear salida;
};

// Entropía cruzada sobre los tokens de verdad: logits [B, T, V] → [B·T, V].
Var entropia_cruzada(const Var& logits, const Tensor& objetivos) {
  const int64_t v = logits.shape().back();
  return cross_entropy(reshape(logits, {-1, v}), objetivos.reshape({-1}), {.ignore_index = kIgnorar});
}

struct Entrenamiento {
  // [paso] = la entropía cruzada de las probabilidades del modelo, softmax(logits), antes de
  // cada paso y al final: la medida honesta para los dos modelos, con o sin doble softmax.
  std::vector<real> perdidas;
  // [paso] = lo que minimiza el modelo con doble softmax: CE(softmax(logits)); vacío si no.
  std::vector<real> objetivo_doble;
};

Entrenamiento entrenar(ModeloDeJuguete& modelo, const Datos& datos, const ConfigModelo& cfg) {
  Adam opt(modelo.parameters(), {.lr = cfg.lr});
  Entrenamiento r;
  for (int paso = 0; paso <= cfg.pasos; ++paso) {
    const Var logits = modelo.forward(datos.entradas, datos.relleno).logits;
    const Var perdida = entropia_cruzada(logits, datos.objetivos);
    r.perdidas.push_back(perdida.item());
    if (paso == cfg.pasos) break;
    if (cfg.doble_softmax) {
      // El error del cuaderno: el modelo ya devuelve softmax(logits) y CrossEntropyLoss le vuelve a
      // aplicar log_softmax. La pérdida que se optimiza es −log softmax(p)_y con p ya en [0, 1].
      const Var doble = entropia_cruzada(softmax(logits, -1), datos.objetivos);
      r.objetivo_doble.push_back(doble.item());
      backward(doble);
    } else {
      backward(perdida);
    }
    opt.step();
    opt.zero_grad();
  }
  Tape::current().clear();  // la última pasada no hizo backward: soltamos su cinta
  return r;
}

// La doble softmax no puede bajar de este piso: aun con p_y = 1 y las demás p = 0, la segunda
// softmax da e/(e + V − 1) a la palabra correcta, y −log de eso es log(1 + (V − 1)/e).
double piso_doble_softmax(int64_t vocabulario) { return std::log(1 + double(vocabulario - 1) / std::exp(1.0)); }

void paso2_modelo(Narrator& n, const ModeloDeJuguete& m, const ConfigModelo& cfg) {
  n.step(2, "Un bloque de Transformador como modelo de lenguaje", "One Transformer block as a language model");
  n.say(
      "x = embedding·√d + PE; h = LN(x + Atención(x)); z = LN(h + FFN(h)); logits = z·Wᵀ + b. d = {}, {} cabezas "
      "{} (cada una d → {}), FFN {} → {} → {}, y una capa de salida con un logit por palabra. {} Parámetros:",
      "x = embedding·√d + PE; h = LN(x + Attention(x)); z = LN(h + FFN(h)); logits = z·Wᵀ + b. d = {}, {} {} heads "
      "(each d → {}), FFN {} → {} → {}, and an output layer with one logit per word. {} Parameters:",
      cfg.d, cfg.cabezas,
      cfg.estilo == HeadStyle::FullWidth ? n.tr("del curso", "course") : n.tr("partidas", "split"),
      m.atencion.d_head, cfg.d, 4 * cfg.d, cfg.d,
      cfg.mascara_causal ? n.tr("Con máscara causal.", "With a causal mask.")
                         : n.tr("Sin máscara causal: cada token ve toda la oración.",
                                "No causal mask: each token sees the whole sentence."));
  n.show(m.summary());
}

// ---------------------------------------------------------------------------------------------
// Paso 3: la sonda estándar del curso: la palabra siguiente más probable tras "[bos]", la
// distribución ordenada y el mapa de atención de cada cabeza para "[bos] un gato come".
struct Sonda {
  std::vector<std::pair<std::string, real>> distribucion;  // tras "[bos]", de mayor a menor
  std::string mas_probable;
  std::vector<std::string> tokens;  // "[bos] un gato come"
  Tensor pesos;                     // [H, T, T]
  Tensor logits;                    // [T, V] para esa frase
};

Sonda sondear(ModeloDeJuguete& m, const WordTokenizer& tok, const std::string& frase = "[bos] un gato come") {
  NoGrad sin_cinta;
  Sonda s;
  const Tensor bos = Tensor::from({real(tok.bos_id())}, {1, 1});
  const Tensor p = softmax(m.forward(bos).logits.value().reshape({-1}));
  for (int64_t w = 0; w < p.numel(); ++w) s.distribucion.push_back({tok.word(w), p[w]});
  std::stable_sort(s.distribucion.begin(), s.distribucion.end(),
                   [](const auto& a, const auto& b) { return a.second > b.second; });
  s.mas_probable = s.distribucion[0].first;
  std::vector<real> ids;
  for (int64_t id : tok.encode(frase)) ids.push_back(real(id)), s.tokens.push_back(tok.word(id));
  const int64_t t = int64_t(ids.size());
  const ModeloDeJuguete::Resultado r = m.forward(Tensor::from(ids, {1, t}));
  s.pesos = r.pesos.value().reshape({-1, t, t});
  s.logits = r.logits.value().reshape({t, -1});
  return s;
}

bool es_inicial(const std::string& palabra) { return palabra == "el" || palabra == "un"; }

void paso3_sonda(Narrator& n, const Sonda& s, const Entrenamiento& e, const ConfigModelo& cfg) {
  n.step(3, "Entrenar y sondear el modelo", "Train and probe the model");
  n.say("Adam (lr = {}) sobre las nueve oraciones a la vez, {} pasos. Entropía cruzada: {} al empezar, {} al final.",
        "Adam (lr = {}) on the nine sentences at once, {} steps. Cross-entropy: {} at the start, {} at the end.",
        cfg.lr, cfg.pasos, fixed(e.perdidas.front(), 3), fixed(e.perdidas.back(), 3));
  n.say("Palabra siguiente con mayor prob: {} ({}). ¿Es una palabra con la que empiezan las oraciones (el/un)? {}.",
        "Most probable next word: {} ({}). Is it a word sentences start with (el/un)? {}.", s.mas_probable,
        fixed(s.distribucion[0].second, 3), es_inicial(s.mas_probable) ? n.tr("sí", "yes") : n.tr("no", "no"));
  std::string tabla;
  for (size_t i = 0; i < 5; ++i)
    tabla += s.distribucion[i].first + std::string(12 - std::min<size_t>(11, s.distribucion[i].first.size()), ' ') +
             fixed(s.distribucion[i].second, 3) + "\n";
  n.show(tabla);
  std::vector<std::string> palabras;
  std::vector<real> probs;
  for (const auto& [w, p] : s.distribucion) palabras.push_back(w), probs.push_back(p);
  svg::bar_chart(n.path("siguiente_tras_bos.svg"),
                 {.title = n.tr("Palabra siguiente tras «[bos]»", "Next word after \"[bos]\""),
                  .y_label = n.tr("probabilidad", "probability"),
                  .labels = palabras,
                  .values = probs});
  n.figure(n.path("siguiente_tras_bos.svg"), "distribución ordenada de la palabra siguiente tras [bos]",
           "sorted next-word distribution after [bos]");
  const int64_t cabezas = s.pesos.size(0), t = s.pesos.size(1);
  n.say("La atención de cada cabeza para «[bos] un gato come» (fila = el token que mira, columna = el token mirado):",
        "The attention of each head for \"[bos] un gato come\" (row = the token looking, column = the token looked "
        "at):");
  for (int64_t h = 0; h < cabezas; ++h) {
    Tensor a({t, t});
    for (int64_t i = 0; i < t * t; ++i) a[i] = s.pesos[h * t * t + i];
    n.show(n.tr("cabeza ", "head ") + std::to_string(h));
    n.heatmap(a, {.row_labels = s.tokens, .col_labels = s.tokens, .vmin = 0, .vmax = 1});
    const std::string archivo = "cabeza_" + std::to_string(h) + ".svg";
    svg::heatmap(n.path(archivo), {.title = n.tr("Cabeza ", "Head ") + std::to_string(h) +
                                            n.tr(": atención en «[bos] un gato come»",
                                                 ": attention on \"[bos] un gato come\""),
                                   .x_label = n.tr("token mirado (clave)", "token looked at (key)"),
                                   .y_label = n.tr("token que mira (consulta)", "token looking (query)"),
                                   .values = a,
                                   .row_labels = s.tokens,
                                   .col_labels = s.tokens,
                                   .vmin = 0,
                                   .vmax = 1});
    n.figure(n.path(archivo), "mapa de atención de la cabeza " + std::to_string(h),
             "attention heatmap of head " + std::to_string(h));
  }
}

// ---------------------------------------------------------------------------------------------
// Paso 4: la fuga. Sin máscara, la consulta de la posición i ve la palabra i + 1, que es
// justamente su objetivo: el modelo puede copiarla en vez de predecirla.
struct Fuga {
  int64_t cabeza = 0;         // la cabeza que más mira la palabra siguiente
  real peso_siguiente = 0;    // su peso promedio (filas i < T − 1) en la columna i + 1
  real peso_uniforme = 0;     // lo que daría mirar a todas por igual: 1/T
  std::string con_gato, con_perro;  // predicción en la posición de "un" con "gato" o "perro" después
  real perdida_final = 0, minima_honesta = 0;
  // En los datos, las posiciones cuyo prefijo admite más de una palabra siguiente ("[bos]" → el/un):
  // cuántas hay, cuántas acierta el modelo (su palabra más probable) y cuántas acertaría a lo más
  // un modelo honesto (en cada prefijo, la palabra siguiente más frecuente).
  int ambiguas = 0, aciertos = 0, tope_honesto = 0;
};

Fuga medir_fuga(ModeloDeJuguete& m, const Datos& d, const Entrenamiento& e) {
  Fuga f;
  const Sonda gato = sondear(m, d.tok, "[bos] un gato come"), perro = sondear(m, d.tok, "[bos] un perro come");
  const int64_t cabezas = gato.pesos.size(0), t = gato.pesos.size(1);
  for (int64_t h = 0; h < cabezas; ++h) {
    double s = 0;
    for (int64_t i = 0; i + 1 < t; ++i) s += gato.pesos.at({h, i, i + 1});
    if (h == 0 || real(s / double(t - 1)) > f.peso_siguiente) f.cabeza = h, f.peso_siguiente = real(s / double(t - 1));
  }
  f.peso_uniforme = 1.0f / real(t);
  auto prediccion = [&d](const Tensor& logits, int64_t i) {
    int64_t mejor = 0;
    for (int64_t w = 1; w < logits.size(1); ++w)
      if (logits.at({i, w}) > logits.at({i, mejor})) mejor = w;
    return d.tok.word(mejor);
  };
  f.con_gato = prediccion(gato.logits, 1);
  f.con_perro = prediccion(perro.logits, 1);
  f.perdida_final = e.perdidas.back();
  f.minima_honesta = real(perdida_minima_honesta(d));
  Tensor logits;
  {
    NoGrad sin_cinta;
    logits = m.forward(d.entradas, d.relleno).logits.value();  // [9, T, V]
  }
  const int64_t v = logits.size(2);
  std::map<std::vector<int64_t>, std::map<int64_t, int>> cuentas;
  for (int pasada = 0; pasada < 2; ++pasada)  // primero contar, luego evaluar
    for (int64_t i = 0; i < d.entradas.size(0); ++i) {
      std::vector<int64_t> prefijo;
      for (int64_t j = 0; j < d.largo && d.objetivos.at({i, j}) != kIgnorar; ++j) {
        prefijo.push_back(int64_t(d.entradas.at({i, j})));
        const int64_t objetivo = int64_t(d.objetivos.at({i, j}));
        if (pasada == 0) {
          cuentas[prefijo][objetivo]++;
          continue;
        }
        if (cuentas[prefijo].size() < 2) continue;
        int64_t mejor = 0;
        for (int64_t w = 1; w < v; ++w)
          if (logits.at({i, j, w}) > logits.at({i, j, mejor})) mejor = w;
        f.ambiguas++;
        f.aciertos += mejor == objetivo;
      }
    }
  for (const auto& [prefijo, siguientes] : cuentas) {
    if (siguientes.size() < 2) continue;
    int mayor = 0;
    for (const auto& [w, c] : siguientes) mayor = std::max(mayor, c);
    f.tope_honesto += mayor;
  }
  return f;
}

void paso4_fuga(Narrator& n, const Fuga& f) {
  n.step(4, "Sin máscara, las cabezas miran la palabra siguiente", "Without a mask, the heads look at the next word");
  n.say(
      "En la posición de «un» el objetivo es la palabra que sigue. Pero sin máscara la atención también ve esa "
      "palabra. La cabeza que más mira la columna siguiente es la {}: pone ahí, en promedio por fila, {} de su "
      "peso ({} que mirar a todas por igual, {}).",
      "At the position of \"un\" the target is the word that follows. But without a mask the attention also sees "
      "that word. The head that looks most at the next column is head {}: it puts there, on average per row, {} "
      "of its weight ({} than looking at all of them equally, {}).",
      f.cabeza, fixed(f.peso_siguiente, 2),
      f.peso_siguiente > f.peso_uniforme ? n.tr("más", "more") : n.tr("menos", "less"), fixed(f.peso_uniforme, 2));
  n.say(
      "Prueba: tras «[bos] un gato come» el modelo predice «{}» en la posición de «un»; tras «[bos] un perro come», "
      "«{}». ¿Copia la palabra de después? {}.",
      "Test: after \"[bos] un gato come\" the model predicts \"{}\" at the position of \"un\"; after \"[bos] un "
      "perro come\", \"{}\". Does it copy the word after it? {}.",
      f.con_gato, f.con_perro, f.con_gato == "gato" && f.con_perro == "perro" ? n.tr("sí", "yes") : n.tr("no", "no"));
  n.say(
      "En los datos hay {} posiciones donde el prefijo no decide la palabra siguiente (tras «[bos]», el o un; tras "
      "«el perro come», un o [eos]...). Un modelo honesto acierta a lo más {} (la más frecuente de cada prefijo); "
      "este acierta {}. ¿Más que cualquier modelo honesto? {}.",
      "In the data there are {} positions where the prefix does not decide the next word (after \"[bos]\", el or "
      "un; after \"el perro come\", un or [eos]...). An honest model gets at most {} right (the most frequent after "
      "each prefix); this one gets {}. More than any honest model? {}.",
      f.ambiguas, f.tope_honesto, f.aciertos, f.aciertos > f.tope_honesto ? n.tr("sí", "yes") : n.tr("no", "no"));
  n.say(
      "Y la pérdida de entrenamiento, {}, {} la de cualquier modelo honesto ({}): solo se llega ahí viendo el "
      "futuro. Al generar texto la palabra siguiente no existe todavía, así que esto no sirve para escribir. La "
      "lección 07 pone la máscara causal que lo impide.",
      "And the training loss, {}, is {} that of any honest model ({}): it can only get there by seeing the "
      "future. When generating text the next word does not exist yet, so this is useless for writing. Lesson 07 "
      "adds the causal mask that prevents it.",
      fixed(f.perdida_final, 3),
      f.perdida_final < f.minima_honesta ? n.tr("queda por debajo de", "below") : n.tr("no baja de", "not below"),
      fixed(f.minima_honesta, 3));
}

// ---------------------------------------------------------------------------------------------
// Paso 5: cabezas de ancho completo (curso) y partidas (estándar), el mismo MultiHeadAttention.
//   FullWidth: cada cabeza d → d; concat H·d → d.    Q, K, V: H·3·d²; salida: H·d² + d.
//   Split:     cada cabeza d → d/H; concat d → d.     Q, K, V: 3·d²;   salida: d² + d.
struct Comparacion {
  int64_t parametros_completa = 0, parametros_partida = 0;  // solo la atención
  int64_t formula_completa = 0, formula_partida = 0;
  int64_t d_cabeza_completa = 0, d_cabeza_partida = 0;
  real perdida_completa = 0, perdida_partida = 0;
};

Comparacion comparar_cabezas(const Datos& d, ConfigModelo cfg, real perdida_completa) {
  Comparacion c;
  const int64_t dd = cfg.d, h = cfg.cabezas;
  c.formula_completa = h * 3 * dd * dd + h * dd * dd + dd;
  c.formula_partida = 3 * dd * dd + dd * dd + dd;
  {
    Rng rng(cfg.semilla);
    cfg.estilo = HeadStyle::FullWidth;
    ModeloDeJuguete m(cfg, d.tok.vocab_size(), rng);
    c.parametros_completa = m.atencion.num_parameters();
    c.d_cabeza_completa = m.atencion.d_head;
  }
  Rng rng(cfg.semilla);
  cfg.estilo = HeadStyle::Split;
  ModeloDeJuguete m(cfg, d.tok.vocab_size(), rng);
  c.parametros_partida = m.atencion.num_parameters();
  c.d_cabeza_partida = m.atencion.d_head;
  c.perdida_partida = entrenar(m, d, cfg).perdidas.back();
  c.perdida_completa = perdida_completa;
  return c;
}

void paso5_cabezas(Narrator& n, const Comparacion& c, const ConfigModelo& cfg) {
  n.step(5, "Cabezas de ancho completo y cabezas partidas", "Full-width heads and split heads");
  n.say(
      "El cuaderno del curso da a cada una de las {} cabezas el ancho completo: W_q, W_k, W_v de d → d (d_cabeza = "
      "{}) y una salida H·d → d. La forma estándar (Vaswani et al. 2017) parte d entre las cabezas: d_cabeza = "
      "d/H = {}. Es la misma clase MultiHeadAttention; solo cambia head_style.",
      "The course notebook gives each of the {} heads the full width: W_q, W_k, W_v from d → d (d_head = {}) and an "
      "output H·d → d. The standard way (Vaswani et al. 2017) splits d among the heads: d_head = d/H = {}. It is "
      "the same MultiHeadAttention class; only head_style changes.",
      cfg.cabezas, c.d_cabeza_completa, c.d_cabeza_partida);
  n.show(fmt(n.tr("                    parámetros de la atención   fórmula          pérdida final\n"
                  "ancho completo      {}                      H·4·d² + d = {}   {}\n"
                  "partidas            {}                      4·d² + d = {}     {}\n",
                  "                    attention parameters        formula          final loss\n"
                  "full width          {}                      H·4·d² + d = {}   {}\n"
                  "split               {}                      4·d² + d = {}     {}\n"),
             fixed(double(c.parametros_completa), 0, 6), c.formula_completa, fixed(c.perdida_completa, 3),
             fixed(double(c.parametros_partida), 0, 6), c.formula_partida, fixed(c.perdida_partida, 3)));
  n.say(
      "Las cabezas del curso cuestan {} veces más parámetros. Las partidas cuestan lo mismo que una sola cabeza "
      "de ancho d: por eso se usan. (Cordonnier et al. 2020 van más lejos: las cabezas comparten W_q y W_k y cada "
      "una solo aprende cómo mezclarlas; está en nn/attention/collaborative.h.)",
      "The course's heads cost {} times more parameters. Split heads cost the same as a single head of width d: "
      "that is why they are used. (Cordonnier et al. 2020 go further: the heads share W_q and W_k and each one "
      "only learns how to mix them; it is in nn/attention/collaborative.h.)",
      fixed(double(c.parametros_completa) / double(c.parametros_partida), 1));
}

// ---------------------------------------------------------------------------------------------
// Paso 6: logits + entropía cruzada frente a la doble softmax del cuaderno. La entropía cruzada
// ya aplica log_softmax a lo que recibe; si el modelo le entrega probabilidades en vez de
// logits, la softmax se aplica dos veces. Las probabilidades están en [0, 1], así que la segunda
// softmax casi no distingue a la palabra correcta de las demás: la pérdida tiene un piso alto y
// su gradiente es chico.
struct Dobles {
  Entrenamiento bien, doble;
  double piso = 0;
};

Dobles comparar_doble_softmax(const Datos& d, ConfigModelo cfg, const Entrenamiento& bien) {
  Dobles r;
  r.bien = bien;
  cfg.doble_softmax = true;
  Rng rng(cfg.semilla);
  ModeloDeJuguete m(cfg, d.tok.vocab_size(), rng);
  r.doble = entrenar(m, d, cfg);
  r.piso = piso_doble_softmax(d.tok.vocab_size());
  return r;
}

double media(const std::vector<real>& v) {
  double suma = 0;
  for (real x : v) suma += x;
  return v.empty() ? 0 : suma / double(v.size());
}

// ¿La doble softmax aprende más despacio? Su pérdida media supera a la de logits + CE por más de 0.1.
bool mas_lenta(const Dobles& r) { return media(r.doble.perdidas) > media(r.bien.perdidas) + 0.1; }

void paso6_doble_softmax(Narrator& n, const Dobles& r, const ConfigModelo& cfg) {
  n.step(6, "Logits y entropía cruzada, no softmax dos veces", "Logits and cross-entropy, not softmax twice");
  n.say(
      "El cuaderno termina el modelo con softmax y luego usa CrossEntropyLoss, que aplica log_softmax otra vez. "
      "Entrenamos el mismo modelo (misma semilla) así y medimos en los dos la entropía cruzada de sus "
      "probabilidades softmax(logits):",
      "The notebook ends the model with a softmax and then uses CrossEntropyLoss, which applies log_softmax again. "
      "We train the same model (same seed) that way and measure, for both, the cross-entropy of their "
      "probabilities softmax(logits):");
  std::string tabla = n.tr(" paso    logits + CE    doble softmax\n", " step    logits + CE    double softmax\n");
  for (int p = 0; p <= cfg.pasos; p += cfg.pasos / 5)
    tabla += fixed(p, 0, 5) + fixed(r.bien.perdidas[size_t(p)], 3, 15) + fixed(r.doble.perdidas[size_t(p)], 3, 17) +
             "\n";
  n.show(tabla);
  // "Más despacio" se mide con la pérdida media de todo el entrenamiento (el área bajo la curva): al
  // final la doble softmax a veces alcanza a logits + CE, pero siempre llega más tarde.
  const double media_bien = media(r.bien.perdidas), media_doble = media(r.doble.perdidas);
  const bool mas_lento = mas_lenta(r);
  n.say("Entropía cruzada media durante el entrenamiento: {} con logits + CE, {} con doble softmax.",
        "Mean cross-entropy over the training run: {} with logits + CE, {} with a double softmax.",
        fixed(media_bien, 3), fixed(media_doble, 3));
  n.say(
      "¿Aprende más despacio con doble softmax? {}. Lo que minimiza −log softmax(p)_y con p en [0, 1] no puede "
      "bajar de log(1 + (V − 1)/e) = {} (V = 15) ni con la predicción perfecta, y la segunda softmax, casi "
      "plana, achica el gradiente que llega a los logits. Sus valores: {} al final.",
      "Does it learn more slowly with a double softmax? {}. What it minimizes, −log softmax(p)_y with p in "
      "[0, 1], cannot go below log(1 + (V − 1)/e) = {} (V = 15) even with a perfect prediction, and the second, "
      "almost flat softmax shrinks the gradient that reaches the logits. Its values: {} at the end.",
      mas_lento ? n.tr("sí", "yes") : n.tr("no", "no"), fixed(r.piso, 3), fixed(r.doble.objetivo_doble.back(), 3));
  svg::plot(n.path("doble_softmax.svg"),
            {.title = n.tr("Entropía cruzada: logits + CE y doble softmax", "Cross-entropy: logits + CE and double "
                                                                          "softmax"),
             .x_label = n.tr("paso", "step"),
             .y_label = n.tr("entropía cruzada (escala log)", "cross-entropy (log scale)"),
             .series = {{.name = "logits + CE", .y = r.bien.perdidas},
                        {.name = n.tr("doble softmax", "double softmax"), .y = r.doble.perdidas},
                        {.name = n.tr("lo que minimiza la doble softmax", "what the double softmax minimizes"),
                         .y = r.doble.objetivo_doble}},
             .log_y = true});
  n.figure(n.path("doble_softmax.svg"), "curvas de pérdida con logits + CE y con doble softmax",
           "loss curves with logits + CE and with a double softmax");
}

// ---------------------------------------------------------------------------------------------
// Todo lo que la lección calcula, en un solo lugar (la prueba lo usa igual).
struct Leccion {
  Datos datos;
  ConfigModelo cfg;
  Entrenamiento entrenamiento;
  Sonda sonda;
  Fuga fuga;
  Comparacion cabezas;
  Dobles dobles;
  int64_t parametros = 0;
  std::string resumen_modelo;
};

Leccion calcular(const ConfigModelo& cfg) {
  Leccion l;
  l.datos = preparar_datos();
  l.cfg = cfg;
  Rng rng(cfg.semilla);
  ModeloDeJuguete m(cfg, l.datos.tok.vocab_size(), rng);
  l.parametros = m.num_parameters();
  l.entrenamiento = entrenar(m, l.datos, cfg);
  l.sonda = sondear(m, l.datos.tok);
  l.fuga = medir_fuga(m, l.datos, l.entrenamiento);
  l.cabezas = comparar_cabezas(l.datos, cfg, l.entrenamiento.perdidas.back());
  l.dobles = comparar_doble_softmax(l.datos, cfg, l.entrenamiento);
  return l;
}

void run(Narrator& n) {
  const ConfigModelo cfg = config_modelo(n.options());
  const Leccion l = calcular(cfg);
  paso1_datos(n, l.datos);
  {
    Rng rng(cfg.semilla);
    const ModeloDeJuguete m(cfg, l.datos.tok.vocab_size(), rng);
    paso2_modelo(n, m, cfg);
  }
  paso3_sonda(n, l.sonda, l.entrenamiento, cfg);
  paso4_fuga(n, l.fuga);
  paso5_cabezas(n, l.cabezas, cfg);
  paso6_doble_softmax(n, l.dobles, cfg);
  n.summary({
      {"Un bloque (atención, suma y norma, FFN, suma y norma) y una capa de salida ya son un modelo de lenguaje.",
       "One block (attention, add & norm, FFN, add & norm) and an output layer already make a language model."},
      {"Tras «[bos]» el modelo predice una palabra con la que empiezan las oraciones.",
       "After \"[bos]\" the model predicts a word that sentences start with."},
      {"Sin máscara, la atención ve la palabra que debe predecir y la copia: la lección 07 lo arregla.",
       "Without a mask, the attention sees the word it must predict and copies it: lesson 07 fixes that."},
      {"Cabezas partidas (d/H cada una) cuestan lo que una cabeza; las de ancho completo del curso, H veces más.",
       "Split heads (d/H each) cost as much as one head; the course's full-width heads, H times more."},
      {"El modelo devuelve logits y la entropía cruzada aplica la softmax una sola vez.",
       "The model returns logits and the cross-entropy applies the softmax only once."},
  });
  n.exercises({
      {"En ConfigModelo cambia `HeadStyle estilo = HeadStyle::FullWidth` por HeadStyle::Split: el total del paso 2 "
       "baja de 6799 a 3727 parámetros. Mira la sonda del paso 3 con varias --seed: como el modelo copia la "
       "palabra siguiente, nada lo obliga a aprender qué va tras «[bos]» solo, y a veces ya no es el/un.",
       "In ConfigModelo change `HeadStyle estilo = HeadStyle::FullWidth` to HeadStyle::Split: the total of step 2 "
       "drops from 6799 to 3727 parameters. Look at the probe of step 3 with several --seed: since the model "
       "copies the next word, nothing forces it to learn what follows \"[bos]\" alone, and sometimes it is no "
       "longer el/un."},
      {"En ConfigModelo pon `int64_t cabezas = 1;`: un solo mapa de atención; la pérdida final sigue bajando de la "
       "mínima honesta (la fuga no necesita varias cabezas).",
       "In ConfigModelo set `int64_t cabezas = 1;`: a single attention map; the final loss still goes below the "
       "honest minimum (the leak does not need several heads)."},
      {"En ConfigModelo pon `bool mascara_causal = true;` (la atención usa entonces .causal = true): la pérdida ya "
       "no baja de la mínima honesta, la copia desaparece y tras [bos] el/un se reparten la probabilidad. Es la "
       "lección 07.",
       "In ConfigModelo set `bool mascara_causal = true;` (the attention then uses .causal = true): the loss no "
       "longer goes below the honest minimum, the copying is gone and el/un share the probability after [bos]. "
       "That is lesson 07."},
      {"Ejecuta con --full (1000 pasos): la pérdida media de la doble softmax sigue más alta que la de logits + "
       "CE, aunque al final a veces la alcanza (llega, pero tarde); su objetivo se acerca al piso "
       "log(1 + 14/e) sin cruzarlo.",
       "Run with --full (1000 steps): the mean loss of the double softmax stays above that of logits + CE, "
       "though at the end it sometimes catches up (it gets there, but late); its objective approaches the floor "
       "log(1 + 14/e) without crossing it."},
  });
}

}  // namespace lesson06

#ifndef ATN_LESSON_NO_MAIN
int main(int argc, char** argv) {
  return atn::run_lesson(argc, argv, "06", {"Cabezas de atención", "Attention heads"}, lesson06::run);
}
#endif
