// Lección 07 · Auto-atención enmascarada
//
// Un modelo de lenguaje predice la palabra i + 1 con las palabras 0…i. Si la auto-atención deja
// que el token i mire a los tokens j > i, el modelo copia la respuesta del futuro (la fuga de la
// lección 06). La máscara causal lo impide: se suma −∞ a los puntajes de arriba de la diagonal
// ANTES de softmax (la diagonal se queda: cada token se ve a sí mismo). Esta lección la construye
// a mano, muestra dos maneras equivocadas, entrena un modelo multicabeza enmascarado con las nueve
// oraciones del curso, comprueba que la salida i no cambia cuando cambian los tokens después de i,
// y compara el objetivo autorregresivo (tipo GPT) con el autocodificador (tipo BERT, con [mask]).
//
//   make lesson07                      ejecuta la lección
//   make lesson07 ARGS="--step"        espera Enter tras cada paso
//   make lesson07 ARGS="--lang en"     in English
#include <algorithm>
#include <cmath>
#include <limits>

#include "autograd/ops_basic.h"
#include "autograd/ops_loss.h"
#include "autograd/ops_shape.h"
#include "autograd/ops_softmax.h"
#include "data/corpus.h"
#include "lessons/common/narrator.h"
#include "models/toy_attention_lm.h"
#include "nn/attention/masks.h"
#include "optim/adam.h"
#include "tensor/elementwise.h"
#include "tensor/rng.h"
#include "tensor/shape_ops.h"
#include "tensor/softmax.h"
#include "viz/svg.h"

namespace lesson07 {

using namespace atn;

std::string si_no(Narrator& n, bool v) { return v ? n.tr("sí", "yes") : n.tr("no", "no"); }

// ---------------------------------------------------------------------------------------------
// El vocabulario del curso (15 palabras, [bos] = 0, [eos] = 1) más [mask] = 15, que solo usa el
// modelo tipo BERT del paso 4.
std::vector<std::string> vocabulario() {
  std::vector<std::string> v = course_vocabulary();
  v.push_back("[mask]");
  return v;
}
constexpr int64_t kBos = 0, kEos = 1, kMask = 15, kV = 16, kT = 7;  // T: [bos] + 6 palabras como máximo

int64_t id_de(const std::string& palabra) {
  const std::vector<std::string> v = vocabulario();
  const auto it = std::find(v.begin(), v.end(), palabra);
  if (it == v.end()) throw Error("lesson07::id_de: \"" + palabra + "\" is not in the course vocabulary");
  return int64_t(it - v.begin());
}

std::vector<int64_t> ids_de(const std::string& texto) {
  std::vector<int64_t> ids;
  std::istringstream palabras(texto);
  for (std::string p; palabras >> p;) ids.push_back(id_de(p));
  return ids;
}

std::vector<std::string> palabras_de(const std::vector<int64_t>& ids) {
  const std::vector<std::string> v = vocabulario();
  std::vector<std::string> r;
  for (int64_t i : ids) r.push_back(v[size_t(i)]);
  return r;
}

// Una fila [1, T] de ids como tensor.
Tensor fila(const std::vector<int64_t>& ids) {
  Tensor t({1, int64_t(ids.size())});
  for (size_t i = 0; i < ids.size(); ++i) t[int64_t(i)] = real(ids[i]);
  return t;
}

// ---------------------------------------------------------------------------------------------
// Paso 1: la máscara a mano. M_ij = 0 si j ≤ i y −∞ si j > i; A = softmax(S + M). Como
// exp(−∞) = 0, los pesos de arriba de la diagonal salen exactamente 0 y cada fila suma 1.
struct MascaraAMano {
  Tensor puntajes, pesos;            // S [T, T] y softmax(S + M)
  double dif_biblioteca = 0;         // contra apply_mask(causal_mask(T)) + softmax
  double max_arriba = 0;             // el mayor peso de arriba de la diagonal
  double peor_suma = 0;              // max_i |Σ_j α_ij − 1|
  std::vector<double> sumas_despues; // mal: softmax primero y luego poner 0: lo que suma cada fila
  double arriba_con_cero = 0;        // mal: multiplicar los puntajes por 0 en vez de sumar −∞
  double fila0_sin_diagonal = 0;     // mal: tapar también la diagonal: lo que suma la fila 0
};

MascaraAMano mascara_a_mano(uint64_t semilla, int64_t t = 4) {
  Rng rng(semilla);
  MascaraAMano m;
  m.puntajes = Tensor::randn({t, t}, rng, 0, 1.5);
  const real inf = std::numeric_limits<real>::infinity();
  Tensor con_m = m.puntajes.clone(), por_cero = m.puntajes.clone();  // copias: Tensor comparte memoria
  for (int64_t i = 0; i < t; ++i)
    for (int64_t j = i + 1; j < t; ++j) con_m.at({i, j}) = -inf, por_cero.at({i, j}) = 0;
  m.pesos = softmax(con_m);
  {
    NoGrad sin_cinta;
    const Tensor lib = softmax(apply_mask(constant(m.puntajes), causal_mask(t), "lesson07")).value();
    m.dif_biblioteca = max_abs_diff(lib, m.pesos);
  }
  const Tensor despues = softmax(m.puntajes), con_cero = softmax(por_cero);
  for (int64_t i = 0; i < t; ++i) {
    double s = 0, s_despues = 0;
    for (int64_t j = 0; j < t; ++j) {
      s += m.pesos.at({i, j});
      if (j > i) {
        m.max_arriba = std::max(m.max_arriba, double(m.pesos.at({i, j})));
        m.arriba_con_cero = std::max(m.arriba_con_cero, double(con_cero.at({i, j})));
      } else {
        s_despues += despues.at({i, j});
      }
    }
    m.peor_suma = std::max(m.peor_suma, std::fabs(s - 1));
    m.sumas_despues.push_back(s_despues);
  }
  // Sin la diagonal, el token 0 no tiene a quién mirar: su fila entera es −∞ y sus pesos son 0.
  {
    NoGrad sin_cinta;
    Tensor estricta = causal_mask(t);
    for (int64_t i = 0; i < t; ++i) estricta.at({i, i}) = 0;
    const Tensor a = softmax(apply_mask(constant(m.puntajes), estricta, "lesson07")).value();
    for (int64_t j = 0; j < t; ++j) m.fila0_sin_diagonal += a.at({0, j});
  }
  return m;
}

void paso1_mascara(Narrator& n) {
  n.step(1, "La máscara causal, a mano", "The causal mask, by hand");
  const MascaraAMano m = mascara_a_mano(n.options().seed);
  n.say(
      "Un modelo de lenguaje lee de izquierda a derecha: al predecir la palabra i + 1 solo puede usar las "
      "palabras 0…i. Sumamos a los puntajes S una matriz M con M_ij = 0 si j ≤ i y M_ij = −∞ si j > i, y "
      "luego A = softmax(S + M). Como exp(−∞) = 0, lo de arriba de la diagonal pesa exactamente 0; la "
      "diagonal se queda (cada token se mira a sí mismo). Puntajes S al azar:",
      "A language model reads left to right: to predict word i + 1 it may only use words 0…i. We add to the "
      "scores S a matrix M with M_ij = 0 if j ≤ i and M_ij = −∞ if j > i, and then A = softmax(S + M). Since "
      "exp(−∞) = 0, everything above the diagonal weighs exactly 0; the diagonal stays (each token looks at "
      "itself). Random scores S:");
  n.show(m.puntajes.str(2));
  n.say("A = softmax(S + M):", "A = softmax(S + M):");
  n.heatmap(m.pesos, {.vmin = 0, .vmax = 1});
  n.say(
      "El mayor peso arriba de la diagonal es {} (¿exactamente 0? {}); la peor fila se aleja de sumar 1 en {}. "
      "La biblioteca (causal_mask y apply_mask) da lo mismo: max |Δ| = {}.",
      "The largest weight above the diagonal is {} (exactly 0? {}); the worst row is {} away from summing to 1. "
      "The library (causal_mask and apply_mask) gives the same: max |Δ| = {}.",
      m.max_arriba, si_no(n, m.max_arriba == 0), sci(m.peor_suma), sci(m.dif_biblioteca));
  std::string sumas;
  for (double s : m.sumas_despues) sumas += (sumas.empty() ? "" : ", ") + fixed(s, 3);
  n.say(
      "Tres maneras equivocadas. (1) Softmax primero y luego poner en 0 lo de arriba: las filas ya no suman 1 "
      "(suman {}; solo la última fila no pierde nada). (2) Multiplicar los puntajes por 0 en vez de sumar −∞: "
      "un puntaje 0 todavía pesa exp(0) > 0, y el futuro se cuela con peso hasta {}. (3) Tapar también la "
      "diagonal: el token 0 se queda sin nadie a quien mirar y su fila suma {}.",
      "Three wrong ways. (1) Softmax first and then zero what is above the diagonal: the rows no longer sum to "
      "1 (they sum to {}; only the last row loses nothing). (2) Multiplying the scores by 0 instead of adding "
      "−∞: a score of 0 still weighs exp(0) > 0, and the future leaks in with weight up to {}. (3) Masking the "
      "diagonal too: token 0 is left with nobody to look at and its row sums to {}.",
      sumas, fixed(m.arriba_con_cero, 3), fixed(m.fila0_sin_diagonal, 1));
  svg::heatmap(n.path("mascara_causal.svg"),
               {.title = n.tr("softmax(S + M): pesos con máscara causal", "softmax(S + M): weights with a causal mask"),
                .x_label = n.tr("token j (clave)", "token j (key)"),
                .y_label = n.tr("token i (pregunta)", "token i (query)"),
                .values = m.pesos,
                .vmin = 0,
                .vmax = 1});
  n.figure(n.path("mascara_causal.svg"), "pesos con máscara causal: triangular inferior",
           "weights with a causal mask: lower triangular");
}

// ---------------------------------------------------------------------------------------------
// Paso 2: el modelo. Embedding + posición aprendida + atención multicabeza (2 cabezas) con
// conexión residual + una capa lineal a los 16 logits. El mismo modelo sirve para los dos
// objetivos del paso 4: con máscara causal (tipo GPT) o sin ella (tipo BERT). Vive en la
// biblioteca (models/toy_attention_lm.h: ToyAttentionLM y nine_sentence_batch) porque las
// lecciones 08 y 10 lo usan también; léelo ahí: son unas 20 líneas.
//   logits = salida(x + atención(x, máscara)),  x = embedding(ids) + posición
using Modelo = ToyAttentionLM;

ToyAttentionLMConfig config_modelo(bool causal) {
  return {.vocab = kV, .max_len = kT, .d_model = 16, .n_heads = 2, .causal = causal};
}

// Las nueve oraciones: x = [bos] + oración, y = oración + [eos]; se rellena hasta T = 7 con
// [eos] en x y con −100 (ignorado por cross_entropy) en y.
struct Datos {
  Tensor x, y;  // [9, T]
  std::vector<int64_t> largos;
};

Datos datos() {
  const SentenceBatch b = nine_sentence_batch(kT);  // los ids del curso son los mismos aquí (0…14)
  return {b.x, b.y, b.lengths};
}

// Objetivo tipo BERT: en cada oración se elige al azar una palabra (nunca [bos]) y se cambia por
// [mask]; solo esa posición cuenta en la pérdida, y su objetivo es la palabra original.
Datos enmascarar(const Datos& d, Rng& rng) {
  Datos m{d.x.clone(), Tensor::full(d.y.shape(), -100), d.largos};  // clone: no tocar d.x
  for (int64_t s = 0; s < d.x.size(0); ++s) {
    const int64_t i = 1 + int64_t(rng.below(uint64_t(d.largos[size_t(s)] - 1)));
    m.y.at({s, i}) = d.x.at({s, i});
    m.x.at({s, i}) = real(kMask);
  }
  return m;
}

struct ConfigEntrenamiento {
  int64_t epocas = 300;
  real lr = 0.02f;
  uint64_t semilla = 1;
};

ConfigEntrenamiento config_entrenamiento(const LessonOptions& o) {
  return {.epocas = o.mode == RunMode::quick ? 200 : o.mode == RunMode::full ? 1000 : 400, .semilla = o.seed};
}

struct Entrenado {
  std::unique_ptr<Modelo> modelo;
  std::vector<real> perdidas;  // una por época
};

// causal = true: tipo GPT (siguiente palabra en cada posición). causal = false: tipo BERT
// (la palabra tapada con [mask], viendo ambos lados). tapar = false con causal = false es el
// error del ejercicio 2: la palabra siguiente sin máscara.
Entrenado entrenar(const ConfigEntrenamiento& cfg, bool causal, bool tapar) {
  Rng rng(cfg.semilla * 2 + (causal ? 0 : 1));
  Entrenado e{std::make_unique<Modelo>(config_modelo(causal), rng), {}};
  const Datos d = datos();
  Adam opt(e.modelo->parameters(), {.lr = cfg.lr});
  for (int64_t ep = 0; ep < cfg.epocas; ++ep) {
    const Datos lote = tapar ? enmascarar(d, rng) : d;
    const Var perdida = cross_entropy(e.modelo->forward(lote.x), lote.y);
    backward(perdida);
    opt.step();
    opt.zero_grad();
    e.perdidas.push_back(perdida.value()[0]);
  }
  return e;
}

// La distribución de la palabra siguiente en la última posición de `texto`.
std::vector<real> siguiente(Modelo& m, const std::string& texto) {
  NoGrad sin_cinta;
  const std::vector<int64_t> ids = ids_de(texto);
  const Tensor logits = m.forward(fila(ids)).value();
  const int64_t t = int64_t(ids.size()) - 1;
  const Tensor p = softmax(narrow(logits, 1, t, 1).reshape({kV}));
  std::vector<real> r;
  for (int64_t v = 0; v < kV; ++v) r.push_back(p[v]);
  return r;
}

int64_t mas_probable(const std::vector<real>& p) { return int64_t(std::max_element(p.begin(), p.end()) - p.begin()); }

// Los pesos de cada cabeza para una frase: [H][T, T].
std::vector<Tensor> pesos_por_cabeza(Modelo& m, const std::string& texto) {
  NoGrad sin_cinta;
  Tensor w;
  const int64_t t = int64_t(ids_de(texto).size());
  m.forward(fila(ids_de(texto)), &w);
  std::vector<Tensor> r;
  for (int64_t h = 0; h < w.size(1); ++h) r.push_back(narrow(w, 1, h, 1).reshape({t, t}));
  return r;
}

// Lo que el texto afirma de un mapa de pesos: cero exacto arriba de la diagonal, filas que suman 1.
struct Triangular {
  double max_arriba = 0, peor_suma = 0;
  int64_t no_ceros_arriba = 0;
};

Triangular revisar(const Tensor& a) {
  Triangular r;
  for (int64_t i = 0; i < a.size(0); ++i) {
    double s = 0;
    for (int64_t j = 0; j < a.size(1); ++j) {
      s += a.at({i, j});
      if (j > i) r.max_arriba = std::max(r.max_arriba, double(a.at({i, j}))), r.no_ceros_arriba += a.at({i, j}) != 0;
    }
    r.peor_suma = std::max(r.peor_suma, std::fabs(s - 1));
  }
  return r;
}

const std::string kSonda = "[bos] un gato come";  // la frase de la sonda estándar del curso

void dibujar_cabezas(Narrator& n, const std::vector<Tensor>& cabezas, const std::string& prefijo,
                     const std::string& titulo_es, const std::string& titulo_en) {
  const std::vector<std::string> tokens = palabras_de(ids_de(kSonda));
  for (size_t h = 0; h < cabezas.size(); ++h) {
    n.say("{}, cabeza {}:", "{}, head {}:", n.tr(titulo_es, titulo_en), h + 1);
    n.heatmap(cabezas[h], {.row_labels = tokens, .col_labels = tokens, .vmin = 0, .vmax = 1});
    const std::string archivo = prefijo + "_cabeza_" + std::to_string(h + 1) + ".svg";
    svg::heatmap(n.path(archivo), {.title = n.tr(titulo_es, titulo_en) + n.tr(", cabeza ", ", head ") +
                                            std::to_string(h + 1),
                                   .x_label = n.tr("token j (clave)", "token j (key)"),
                                   .y_label = n.tr("token i (pregunta)", "token i (query)"),
                                   .values = cabezas[h],
                                   .row_labels = tokens,
                                   .col_labels = tokens,
                                   .vmin = 0,
                                   .vmax = 1});
    n.figure(n.path(archivo), titulo_es + ", cabeza " + std::to_string(h + 1),
             titulo_en + ", head " + std::to_string(h + 1));
  }
}

void paso2_modelo(Narrator& n, Entrenado& gpt) {
  n.step(2, "Un modelo multicabeza enmascarado con las nueve oraciones",
         "A masked multi-head model on the nine sentences");
  const ConfigEntrenamiento cfg = config_entrenamiento(n.options());
  n.say(
      "El modelo: embedding de d = {} más una posición aprendida, atención con {} cabezas y máscara causal, "
      "una conexión residual y una capa lineal a los {} logits (el vocabulario del curso más [mask], que este "
      "modelo nunca ve). Entrada x = [bos] + oración, objetivo y = oración + [eos]; cross_entropy sobre logits "
      "(sin un softmax de más); Adam con lr = {} durante {} épocas. Pérdida: {} al inicio, {} al final.",
      "The model: an embedding of d = {} plus a learned position, attention with {} heads and a causal mask, "
      "a residual connection and a linear layer to the {} logits (the course vocabulary plus [mask], which this "
      "model never sees). Input x = [bos] + sentence, target y = sentence + [eos]; cross_entropy on logits (no "
      "extra softmax); Adam with lr = {} for {} epochs. Loss: {} at the start, {} at the end.",
      gpt.modelo->config.d_model, gpt.modelo->config.n_heads, kV, cfg.lr, cfg.epocas, fixed(gpt.perdidas.front(), 3),
      fixed(gpt.perdidas.back(), 3));
  const std::vector<real> p = siguiente(*gpt.modelo, "[bos]");
  const std::vector<std::string> v = vocabulario();
  const int64_t top = mas_probable(p);
  n.say("Palabra siguiente con mayor prob. después de «[bos]»: «{}» ({}). ¿Es «el» o «un», como en las nueve "
        "oraciones? {}.",
        "Most probable next word after \"[bos]\": \"{}\" ({}). Is it \"el\" or \"un\", as in the nine "
        "sentences? {}.",
        v[size_t(top)], fixed(p[size_t(top)], 3), si_no(n, top == id_de("el") || top == id_de("un")));
  std::vector<size_t> orden(v.size());
  for (size_t i = 0; i < orden.size(); ++i) orden[i] = i;
  std::stable_sort(orden.begin(), orden.end(), [&](size_t a, size_t b) { return p[a] > p[b]; });
  std::vector<std::string> etiquetas;
  std::vector<real> valores;
  for (size_t i : orden) etiquetas.push_back(v[i]), valores.push_back(p[i]);
  svg::bar_chart(n.path("siguiente_palabra.svg"),
                 {.title = n.tr("Palabra siguiente después de [bos]", "Next word after [bos]"),
                  .y_label = n.tr("probabilidad", "probability"),
                  .labels = etiquetas,
                  .values = valores});
  n.figure(n.path("siguiente_palabra.svg"), "distribución de la palabra siguiente, ordenada",
           "next-word distribution, sorted");

  const std::vector<Tensor> cabezas = pesos_por_cabeza(*gpt.modelo, kSonda);
  dibujar_cabezas(n, cabezas, "gpt", "Pesos con máscara para «[bos] un gato come»",
                  "Masked weights for \"[bos] un gato come\"");
  bool ceros = true;
  double peor = 0;
  for (const Tensor& c : cabezas) {
    const Triangular r = revisar(c);
    ceros = ceros && r.max_arriba == 0;
    peor = std::max(peor, r.peor_suma);
  }
  n.say("En las {} cabezas, ¿todo lo de arriba de la diagonal es exactamente 0? {}. La peor fila se aleja de "
        "sumar 1 en {}.",
        "In the {} heads, is everything above the diagonal exactly 0? {}. The worst row is {} away from summing "
        "to 1.",
        cabezas.size(), si_no(n, ceros), sci(peor));
}

// ---------------------------------------------------------------------------------------------
// Paso 3: causalidad. Para cada posición i cambiamos todos los tokens después de i por otras
// palabras y medimos cuánto cambian los logits de las posiciones 0…i. Con la máscara: nada.
struct Causalidad {
  std::vector<double> cambio;  // por i: max |Δ logits[0…i]|
  double maximo = 0;
};

Causalidad causalidad(Modelo& m, const std::string& texto) {
  NoGrad sin_cinta;
  const std::vector<int64_t> ids = ids_de(texto);
  const Tensor base = m.forward(fila(ids)).value();
  Causalidad c;
  const int64_t t = int64_t(ids.size());
  for (int64_t i = 0; i < t; ++i) {
    std::vector<int64_t> otro = ids;
    for (int64_t j = i + 1; j < t; ++j) otro[size_t(j)] = 2 + (otro[size_t(j)] + 5) % 13;  // otra palabra
    const Tensor nuevo = m.forward(fila(otro)).value();
    const double d = max_abs_diff(narrow(base, 1, 0, i + 1), narrow(nuevo, 1, 0, i + 1));
    c.cambio.push_back(d);
    c.maximo = std::max(c.maximo, d);
  }
  return c;
}

const std::string kFrase = "[bos] el perro come un hueso";

void paso3_causalidad(Narrator& n, Entrenado& gpt, Entrenado& bert) {
  n.step(3, "La salida i no depende de los tokens después de i", "Output i does not depend on the tokens after i");
  n.say(
      "Frase «{}». Para cada i cambiamos todos los tokens después de i por otras palabras y medimos el mayor "
      "cambio de los logits de las posiciones 0…i. Lo mismo con el modelo sin máscara del paso 4 (tipo BERT).",
      "Sentence \"{}\". For each i we replace all the tokens after i by other words and measure the largest "
      "change of the logits at positions 0…i. The same with the unmasked model of step 4 (BERT-like).",
      kFrase);
  const Causalidad con = causalidad(*gpt.modelo, kFrase), sin = causalidad(*bert.modelo, kFrase);
  const std::vector<std::string> tokens = palabras_de(ids_de(kFrase));
  std::string tabla = n.tr("  i  token      con máscara   sin máscara\n", "  i  token      masked        unmasked\n");
  for (size_t i = 0; i < tokens.size(); ++i)
    tabla += fixed(double(i), 0, 3) + "  " + tokens[i] + std::string(11 - tokens[i].size(), ' ') +
             sci(con.cambio[i]) + "      " + sci(sin.cambio[i]) + "\n";
  n.show(tabla);
  int cambian = 0;
  for (size_t i = 0; i + 1 < sin.cambio.size(); ++i) cambian += sin.cambio[i] > 1e-4;
  n.say(
      "Con máscara el mayor cambio es {}: ¿la salida i es la misma? {}. Sin máscara, {} de las {} posiciones "
      "con tokens después cambian: ese modelo ve el futuro. (La última fila no cambia nada en ninguno de los "
      "dos: no hay tokens después.)",
      "With the mask the largest change is {}: is output i the same? {}. Without the mask, {} of the {} "
      "positions that have tokens after them change: that model sees the future. (The last row changes "
      "nothing in either: there are no tokens after it.)",
      sci(con.maximo), si_no(n, con.maximo == 0), cambian, sin.cambio.size() - 1);
}

// ---------------------------------------------------------------------------------------------
// Paso 4: dos objetivos con el mismo modelo. Autorregresivo (GPT): máscara causal, predice la
// palabra siguiente en TODAS las posiciones, y puede generar texto palabra por palabra.
// Autocodificador (BERT): sin máscara, una palabra tapada con [mask] por oración, se predice
// esa palabra viendo los dos lados; no genera, pero entiende el contexto completo.
struct Comparacion {
  std::vector<std::string> generada;  // GPT, voraz desde [bos]
  bool es_del_corpus = false;
  std::string relleno;                // BERT: la palabra para [mask] en kRelleno
  real prob_relleno = 0;
  Triangular bert_pesos;              // los pesos del modelo sin máscara
};

const std::string kRelleno = "[bos] el perro [mask] un hueso";

std::vector<std::string> generar(Modelo& m, int64_t maximo = kT - 1) {
  std::vector<int64_t> ids = {kBos};
  std::vector<std::string> r;
  while (int64_t(r.size()) < maximo) {
    std::string texto;
    for (const std::string& p : palabras_de(ids)) texto += (texto.empty() ? "" : " ") + p;
    const int64_t sig = mas_probable(siguiente(m, texto));
    if (sig == kEos) break;
    ids.push_back(sig);
    r.push_back(vocabulario()[size_t(sig)]);
  }
  return r;
}

Comparacion comparar(Entrenado& gpt, Entrenado& bert) {
  Comparacion c;
  c.generada = generar(*gpt.modelo);
  std::string texto;
  for (const std::string& p : c.generada) texto += (texto.empty() ? "" : " ") + p;
  for (const std::string& o : nine_sentences()) c.es_del_corpus = c.es_del_corpus || o == texto;
  {
    NoGrad sin_cinta;
    const std::vector<int64_t> ids = ids_de(kRelleno);
    const Tensor logits = bert.modelo->forward(fila(ids)).value();
    const Tensor p = softmax(narrow(logits, 1, 3, 1).reshape({kV}));  // la posición de [mask]
    int64_t mejor = 0;
    for (int64_t v = 1; v < kV; ++v) mejor = p[v] > p[mejor] ? v : mejor;
    c.relleno = vocabulario()[size_t(mejor)], c.prob_relleno = p[mejor];
  }
  for (const Tensor& a : pesos_por_cabeza(*bert.modelo, kSonda)) {
    const Triangular r = revisar(a);
    c.bert_pesos.max_arriba = std::max(c.bert_pesos.max_arriba, r.max_arriba);
    c.bert_pesos.no_ceros_arriba += r.no_ceros_arriba;
  }
  return c;
}

void paso4_gpt_y_bert(Narrator& n, Entrenado& gpt, Entrenado& bert) {
  n.step(4, "Autorregresivo (tipo GPT) frente a autocodificador (tipo BERT)",
         "Autoregressive (GPT-like) versus autoencoding (BERT-like)");
  n.say(
      "El mismo modelo, dos objetivos. GPT: máscara causal y la palabra siguiente en cada posición (cada "
      "oración da hasta 7 ejemplos). BERT: sin máscara; en cada época se tapa al azar una palabra de cada "
      "oración con [mask] y solo esa cuenta en la pérdida (1 ejemplo por oración): ve los dos lados de la "
      "palabra, pero no sirve para generar de izquierda a derecha.",
      "The same model, two objectives. GPT: causal mask and the next word at every position (each sentence "
      "gives up to 7 examples). BERT: no mask; each epoch one random word of each sentence is covered with "
      "[mask] and only that one counts in the loss (1 example per sentence): it sees both sides of the word, "
      "but it cannot generate left to right.");
  const Comparacion c = comparar(gpt, bert);
  std::string texto;
  for (const std::string& p : c.generada) texto += (texto.empty() ? "" : " ") + p;
  n.say("GPT, eligiendo siempre la palabra más probable desde [bos]: «{}». ¿Es una de las nueve oraciones? {}.",
        "GPT, always picking the most probable word from [bos]: \"{}\". Is it one of the nine sentences? {}.",
        texto, si_no(n, c.es_del_corpus));
  n.say("BERT rellena «{}» con «{}» (probabilidad {}). ¿Es «come»? {}.",
        "BERT fills \"{}\" with \"{}\" (probability {}). Is it \"come\"? {}.", kRelleno, c.relleno,
        fixed(c.prob_relleno, 3), si_no(n, c.relleno == "come"));
  n.say("Los pesos de BERT no son triangulares: {} pesos arriba de la diagonal no son 0 (el mayor, {}).",
        "BERT's weights are not triangular: {} weights above the diagonal are not 0 (the largest, {}).",
        c.bert_pesos.no_ceros_arriba, fixed(c.bert_pesos.max_arriba, 3));
  dibujar_cabezas(n, pesos_por_cabeza(*bert.modelo, kSonda), "bert", "Pesos sin máscara (BERT)",
                  "Unmasked weights (BERT)");
  svg::plot(n.path("perdidas.svg"),
            {.title = n.tr("Pérdida de entrenamiento: GPT frente a BERT", "Training loss: GPT versus BERT"),
             .x_label = n.tr("época", "epoch"),
             .y_label = n.tr("entropía cruzada (escala log)", "cross-entropy (log scale)"),
             .series = {{.name = n.tr("GPT (palabra siguiente)", "GPT (next word)"), .y = gpt.perdidas},
                        {.name = n.tr("BERT (palabra tapada)", "BERT (masked word)"), .y = bert.perdidas}},
             .log_y = true});
  n.figure(n.path("perdidas.svg"), "curvas de pérdida de los dos objetivos", "loss curves of the two objectives");
  n.say(
      "Las pérdidas no se comparan una a una: miden tareas distintas. GPT termina en {} y BERT en {} "
      "(BERT cambia de palabra tapada en cada época, por eso su curva es ruidosa).",
      "The losses are not comparable one to one: they measure different tasks. GPT ends at {} and BERT at {} "
      "(BERT changes the covered word every epoch, which is why its curve is noisy).",
      fixed(gpt.perdidas.back(), 3), fixed(bert.perdidas.back(), 3));
}

// ---------------------------------------------------------------------------------------------
void run(Narrator& n) {
  paso1_mascara(n);
  const ConfigEntrenamiento cfg = config_entrenamiento(n.options());
  Entrenado gpt = entrenar(cfg, true, false), bert = entrenar(cfg, false, true);
  paso2_modelo(n, gpt);
  paso3_causalidad(n, gpt, bert);
  paso4_gpt_y_bert(n, gpt, bert);
  n.summary({
      {"La máscara causal suma −∞ arriba de la diagonal antes de softmax: esos pesos son exactamente 0 y cada "
       "fila sigue sumando 1.",
       "The causal mask adds −∞ above the diagonal before the softmax: those weights are exactly 0 and every "
       "row still sums to 1."},
      {"Poner ceros después de softmax, multiplicar por 0 o tapar la diagonal son errores: filas que no suman 1, "
       "futuro que se cuela, o un token sin nada que mirar.",
       "Zeroing after the softmax, multiplying by 0 or masking the diagonal are mistakes: rows that do not sum "
       "to 1, a leaking future, or a token with nothing to look at."},
      {"Con la máscara, la salida i no cambia cuando cambian los tokens después de i: el modelo puede aprender "
       "la palabra siguiente sin copiarla.",
       "With the mask, output i does not change when the tokens after i change: the model can learn the next "
       "word without copying it."},
      {"GPT (causal) aprende la palabra siguiente en todas las posiciones y genera; BERT (sin máscara, [mask]) "
       "ve los dos lados y rellena huecos.",
       "GPT (causal) learns the next word at every position and generates; BERT (no mask, [mask]) sees both "
       "sides and fills gaps."},
  });
  n.exercises({
      {"Ejecuta con --seed 2, 3, …: los pesos cambian, pero lo de arriba de la diagonal sigue siendo exactamente "
       "0 y la salida i sigue sin cambiar (0 en la columna «con máscara»).",
       "Run with --seed 2, 3, …: the weights change, but everything above the diagonal is still exactly 0 and "
       "output i still does not change (0 in the \"masked\" column)."},
      {"En entrenar cambia `config_modelo(causal)` por `config_modelo(false)` (sin máscara): la pérdida de GPT "
       "baja mucho más, pero los pesos dejan de ser triangulares y la columna «con máscara» del paso 3 deja de "
       "ser 0: el modelo copia la palabra siguiente.",
       "In entrenar replace `config_modelo(causal)` by `config_modelo(false)` (no mask): GPT's loss drops much "
       "further, but the weights are no longer triangular and the \"masked\" column of step 3 is no longer 0: "
       "the model copies the next word."},
      {"En mascara_a_mano cambia `for (int64_t j = i + 1; …)` por `j = i` (tapa también la diagonal): la fila "
       "0 de A queda en ceros y su suma es 0 en lugar de 1.",
       "In mascara_a_mano change `for (int64_t j = i + 1; …)` to `j = i` (mask the diagonal too): row 0 of A "
       "becomes zeros and sums to 0 instead of 1."},
      {"Cambia kFrase por \"[bos] un muchacho jugaba con la cuerda\" (u otra frase del vocabulario): la columna "
       "«con máscara» del paso 3 sigue siendo 0 en todas las filas y la de «sin máscara» no (salvo la última fila).",
       "Change kFrase to \"[bos] un muchacho jugaba con la cuerda\" (or another sentence of the vocabulary): the "
       "\"masked\" column of step 3 is still 0 on every row and the \"unmasked\" one is not (except the last row)."},
  });
}

}  // namespace lesson07

#ifndef ATN_LESSON_NO_MAIN
int main(int argc, char** argv) {
  return atn::run_lesson(argc, argv, "07", {"Auto-atención enmascarada", "Masked self-attention"}, lesson07::run);
}
#endif
