// Lección 14 · Span de atención adaptativo
//
// Sukhbaatar, Grave, Bojanowski y Joulin ("Adaptive Attention Span in Transformers", ACL 2019)
// dejan que cada cabeza aprenda hasta dónde mira hacia atrás. La cabeza h tiene un número
// c_h ∈ [0, 1]; su span es z_h = c_h·S (S = span máximo) y una máscara suave sobre la distancia x
// a la clave, m_z(x) = clamp((R + z − x)/R, 0, 1), apaga las claves lejanas después del softmax.
// Una pérdida L1 sobre los spans (λ·S·promedio de c) empuja a mirar cerca, y las claves más allá
// de z + R nunca se leen: el cómputo baja. Esta lección entrena un GPT de caracteres con span
// adaptativo sobre el corpus del curso, imprime el span que aprendió cada cabeza, lo compara con
// un modelo de span fijo (claves leídas y pérdida) y muestra qué hacía mal una re-implementación
// de estudiante (posiciones absolutas en vez de distancias, sin pérdida de span).
//
//   make lesson14                      ejecuta la lección
//   make lesson14 ARGS="--step"        espera Enter tras cada paso
//   make lesson14 ARGS="--lang en"     in English
#include <algorithm>
#include <cmath>

#include "autograd/ops_basic.h"
#include "autograd/tape.h"
#include "data/char_tokenizer.h"
#include "data/corpus.h"
#include "data/text_loader.h"
#include "lessons/common/narrator.h"
#include "models/adaptive_span_gpt.h"
#include "optim/clip.h"
#include "train/param_groups.h"
#include "viz/plot_grid.h"
#include "viz/svg.h"

namespace lesson14 {

using namespace atn;

std::string si_no(Narrator& n, bool v) { return v ? n.tr("sí", "yes") : n.tr("no", "no"); }

// ---------------------------------------------------------------------------------------------
// Paso 1: la máscara suave, a mano. x = distancia a la clave (0 = el propio token).
double mascara(double z, double R, double x) { return std::clamp((R + z - x) / R, 0.0, 1.0); }

constexpr int64_t kS = 16, kR = 4;  // span máximo y rampa de los ejemplos de los pasos 1 y 2

// max |m a mano − adaptive_span_mask| para varios c, en x = 0 .. S − 1.
double diferencia_con_la_biblioteca() {
  const std::vector<real> cs = {0, 0.25f, 0.6f, 1};
  NoGrad sin_cinta;
  const Tensor lib = adaptive_span_mask(constant(Tensor::from(cs)), Tensor::arange(kS), kS, kR).value();  // [4, S]
  double peor = 0;
  for (size_t h = 0; h < cs.size(); ++h)
    for (int64_t x = 0; x < kS; ++x)
      peor = std::max(peor, std::fabs(mascara(double(cs[h]) * kS, kR, double(x)) - double(lib[int64_t(h) * kS + x])));
  return peor;
}

void paso1_mascara(Narrator& n) {
  n.step(1, "La máscara suave m_z(x)", "The soft mask m_z(x)");
  n.say(
      "Cada cabeza tiene un número c ∈ [0, 1] y su span es z = c·S tokens (S = {} aquí). La máscara depende "
      "solo de la distancia x = i − j entre la pregunta i y la clave j: m_z(x) = clamp((R + z − x)/R, 0, 1), "
      "con rampa R = {}. Vale 1 hasta la distancia z y baja en línea recta hasta 0 en z + R:",
      "Every head has a number c ∈ [0, 1] and its span is z = c·S tokens (S = {} here). The mask depends only "
      "on the distance x = i − j between query i and key j: m_z(x) = clamp((R + z − x)/R, 0, 1), with ramp "
      "R = {}. It is 1 up to distance z and falls in a straight line to 0 at z + R:",
      kS, kR);
  std::string tabla = "   x   ";
  for (int64_t x = 0; x < 12; ++x) tabla += fixed(double(x), 0, 5);
  tabla += "\n";
  std::vector<svg::Series> curvas;
  for (double z : {0.0, 2.5, 6.0}) {
    tabla += " z = " + fixed(z, 1) + " ";
    svg::Series s{.name = "z = " + fixed(z, 1)};
    for (int64_t x = 0; x < 12; ++x) tabla += fixed(mascara(z, kR, double(x)), 2, 5);
    for (int64_t x = 0; x < kS; ++x) s.x.push_back(real(x)), s.y.push_back(real(mascara(z, kR, double(x))));
    tabla += "\n";
    curvas.push_back(s);
  }
  n.show(tabla);
  n.say(
      "¿Igual a adaptive_span_mask de la biblioteca (max |Δ| = {})? {}. El gradiente llega a c solo por la "
      "rampa: ahí ∂m/∂c = S/R; donde m vale 1 o 0 no dice nada sobre c.",
      "Equal to the library's adaptive_span_mask (max |Δ| = {})? {}. The gradient reaches c only through the "
      "ramp: there ∂m/∂c = S/R; where m is 1 or 0 it says nothing about c.",
      sci(diferencia_con_la_biblioteca()), si_no(n, diferencia_con_la_biblioteca() < 1e-6));
  svg::plot(n.path("mascara_suave.svg"), {.title = n.tr("Máscara suave m_z(x), R = 4", "Soft mask m_z(x), R = 4"),
                                          .x_label = n.tr("distancia x a la clave", "distance x to the key"),
                                          .y_label = "m_z(x)",
                                          .series = curvas});
  n.figure(n.path("mascara_suave.svg"), "1 hasta z, rampa de ancho R, 0 después",
           "1 up to z, a ramp of width R, 0 after");
}

// ---------------------------------------------------------------------------------------------
// Paso 2: la máscara sobre los pesos, y las claves que se leen.
void paso2_pesos(Narrator& n) {
  n.step(2, "Después del softmax: multiplicar y renormalizar", "After the softmax: multiply and renormalize");
  // Una capa de atención con span adaptativo; dos cabezas con spans z = 1 y z = 4.
  Rng rng(n.options().seed);
  AdaptiveSpanAttention capa({.d_model = 8, .n_heads = 2, .max_span = kS, .ramp = kR}, rng);
  capa.span_ratio.value().copy_from(Tensor::from({1.0f / kS, 4.0f / kS}));
  const int64_t T = 12;
  Tensor pesos;
  {
    NoGrad sin_cinta;
    capa.forward(constant(Tensor::randn({1, T, 8}, rng)), &pesos);
  }
  n.say(
      "a'_ij = m(i − j)·a_ij / (Σ_k m(i − k)·a_ik + 1e-8): el softmax de siempre, multiplicado por la máscara "
      "y vuelto a normalizar. Pesos de la cabeza con z = 4 (R = {}) en una secuencia de {} tokens; fuera de la "
      "banda son exactamente 0:",
      "a'_ij = m(i − j)·a_ij / (Σ_k m(i − k)·a_ik + 1e-8): the usual softmax, multiplied by the mask and "
      "normalized again. Weights of the head with z = 4 (R = {}) on a sequence of {} tokens; outside the band "
      "they are exactly 0:",
      kR, T);
  const Tensor cabeza2 = pesos.reshape({2, T, T}).narrow0(1, 1).reshape({T, T});
  n.heatmap(cabeza2, {.decimals = 2, .values = false, .vmin = 0, .vmax = 1});
  // Cuenta de claves con peso > 0 por fila: min(i + 1, ⌈z + R⌉) (la clave en x = z + R tiene m = 0).
  bool banda = true;
  for (int64_t i = 0; i < T; ++i) {
    int64_t leidas = 0;
    for (int64_t j = 0; j < T; ++j) leidas += cabeza2[i * T + j] != 0;
    banda = banda && leidas == std::min<int64_t>(i + 1, 4 + kR);
  }
  n.say(
      "¿Cada fila tiene min(i + 1, z + R) = min(i + 1, 8) pesos distintos de 0? {}. La capa calcula solo la "
      "banda de W = ⌊max z⌋ + R + 1 = {} claves por pregunta, no las {} de la matriz causal: las claves más "
      "lejanas nunca se leen.",
      "Does every row have min(i + 1, z + R) = min(i + 1, 8) nonzero weights? {}. The layer computes only the "
      "band of W = ⌊max z⌋ + R + 1 = {} keys per query, not the {} of the causal matrix: the farther keys are "
      "never read.",
      si_no(n, banda), capa.window(T), T);
}

// ---------------------------------------------------------------------------------------------
// Paso 3: entrenar un GPT de caracteres con span adaptativo (y los modelos con que se compara).
constexpr int64_t kBloque = 32, kRampa = 4, kCapas = 2, kCabezas = 4, kAncho = 32;
constexpr real kLambda = 1e-3f;  // peso de la pérdida de span (λ)

struct Corrida {
  std::string nombre{};
  std::vector<std::vector<real>> spans{};  // por registro: L·H spans z (capa mayor, cabeza menor)
  std::vector<int64_t> pasos{};            // el paso de cada registro
  std::vector<real> perdidas{};            // pérdida de entrenamiento por paso
  real perdida_val = 0;                    // entropía cruzada media en validación al final
  int64_t claves = 0;                      // pares pregunta–clave calculados por secuencia de kBloque
  std::vector<Tensor> curvas{};            // m_h(x) por capa [H, S] al final
  std::vector<Tensor> spans_finales{};     // z por capa [H] al final
};

int64_t pasos_de(RunMode modo) { return modo == RunMode::quick ? 20 : modo == RunMode::full ? 3000 : 400; }
int64_t lote_de(RunMode modo) { return modo == RunMode::quick ? 4 : 8; }

struct Datos {
  CharTokenizer tok;
  TextSplit partes{};
};

Datos datos() {
  const std::string texto = spanish_corpus();
  CharTokenizer tok(texto);
  TextSplit partes = split_train_val(tok.encode(texto), 0.1);
  return {std::move(tok), std::move(partes)};
}

// span_inicial = 1 y λ = 0 dan el modelo de span fijo: con c = 1 todas las claves x < S tienen
// m = 1 y c no recibe gradiente, así que se queda en 1. Mismos pesos iniciales y mismos lotes.
Corrida entrenar(const Datos& d, const std::string& nombre, real span_inicial, real lambda, const LessonOptions& o) {
  Rng rng(o.seed);
  AdaptiveSpanGPT modelo({.vocab = d.tok.vocab_size(),
                          .block = kBloque,
                          .n_layer = kCapas,
                          .n_head = kCabezas,
                          .d_model = kAncho,
                          .ramp = kRampa,
                          .span_init = span_inicial,
                          .span_loss = lambda},
                         rng);
  auto opt = make_adamw_decay_matrices(modelo.named_parameters(), {.lr = 1e-2f, .weight_decay = 0.1f});
  Corrida c{.nombre = nombre};
  auto registrar = [&](int64_t paso) {
    c.pasos.push_back(paso);
    std::vector<real> fila;
    for (const Tensor& z : modelo.spans()) fila.insert(fila.end(), z.begin(), z.end());
    c.spans.push_back(fila);
  };
  const int64_t pasos = pasos_de(o.mode);
  registrar(0);
  for (int64_t paso = 1; paso <= pasos; ++paso) {
    const TokenBatch b = sample_windows(d.partes.train, lote_de(o.mode), kBloque, rng);
    // Se minimiza la entropía cruzada más la pérdida de span λ·S·promedio(c) de cada capa
    // (training_loss); la curva guarda solo la entropía cruzada, comparable entre modelos.
    Var entropia = modelo.loss(b.x, b.y);
    c.perdidas.push_back(entropia.item());
    backward(lambda > 0 ? entropia + modelo.span_loss() : entropia);
    clip_grad_norm(opt->params(), 1.0f);
    opt->step();
    modelo.after_update();  // c ← clamp(c, 0, 1)
    opt->zero_grad();
    if (paso % std::max<int64_t>(1, pasos / 20) == 0 || paso == pasos) registrar(paso);
  }
  NoGrad sin_cinta;
  Rng rng_val(o.seed + 1000);
  double total = 0;
  const int lotes_val = o.mode == RunMode::quick ? 4 : 16;
  for (int i = 0; i < lotes_val; ++i) {
    const TokenBatch b = sample_windows(d.partes.val, lote_de(o.mode), kBloque, rng_val);
    total += modelo.loss(b.x, b.y).item();
  }
  c.perdida_val = real(total / lotes_val);
  c.claves = modelo.keys_read(kBloque);
  for (int64_t l = 0; l < kCapas; ++l) c.curvas.push_back(modelo.block(l).attn.mask_curve(kBloque));
  c.spans_finales = modelo.spans();
  return c;
}

struct Experimento {
  Corrida adaptativo{}, fijo{}, sin_perdida{};
  int64_t claves_causal = 0;  // L·T(T+1)/2
};

Experimento experimento(const LessonOptions& o) {
  const Datos d = datos();
  Experimento e;
  e.adaptativo = entrenar(d, "adaptativo", 0, kLambda, o);
  e.fijo = entrenar(d, "fijo", 1, 0, o);
  e.sin_perdida = entrenar(d, "sin pérdida de span", 0, 0, o);
  e.claves_causal = kCapas * kBloque * (kBloque + 1) / 2;
  return e;
}

double span_medio(const Corrida& c) {
  double s = 0;
  for (real z : c.spans.back()) s += z;
  return s / double(c.spans.back().size());
}

// La cuadrícula capas × cabezas («small multiples»): por cada capa, una fila de paneles con la
// curva m(x) de cada cabeza al final y, debajo, otra con su span z durante el entrenamiento. Los
// paneles de una fila comparten la escala (m en [0, 1], z en [0, S]): se comparan de un vistazo.
svg::PlotGrid cuadricula(Narrator& n, const Corrida& c) {
  svg::PlotGrid g{.title = n.tr("Máscara m(x) al final y span z durante el entrenamiento, por capa y cabeza",
                                "Mask m(x) at the end and span z during training, per layer and head"),
                  .columns = kCabezas};
  auto nombre = [&](int64_t l, int64_t h) {
    return n.tr("capa ", "layer ") + std::to_string(l + 1) + n.tr(" · cab. ", " · head ") + std::to_string(h + 1);
  };
  for (int64_t l = 0; l < kCapas; ++l) {
    for (int64_t h = 0; h < kCabezas; ++h) {
      svg::Series m;
      for (int64_t x = 0; x < kBloque; ++x) m.x.push_back(real(x)), m.y.push_back(c.curvas[size_t(l)][h * kBloque + x]);
      g.panels.push_back({.title = nombre(l, h) + ": m(x)",
                          .x_label = n.tr("distancia x", "distance x"),
                          .y_label = "m(x)",
                          .series = {m},
                          .y_min = 0,
                          .y_max = 1});
    }
    for (int64_t h = 0; h < kCabezas; ++h) {
      svg::Series z;
      for (size_t r = 0; r < c.pasos.size(); ++r)
        z.x.push_back(real(c.pasos[r])), z.y.push_back(c.spans[r][size_t(l * kCabezas + h)]);
      g.panels.push_back({.title = nombre(l, h) + ": z = " + fixed(c.spans_finales[size_t(l)][h], 1),
                          .x_label = n.tr("paso", "step"),
                          .y_label = n.tr("span z (tokens)", "span z (tokens)"),
                          .series = {z},
                          .y_min = 0,
                          .y_max = real(kBloque)});
    }
  }
  return g;
}

void paso3_entrenar(Narrator& n, const Experimento& e) {
  n.step(3, "Un GPT de caracteres que aprende sus spans", "A character GPT that learns its spans");
  n.say(
      "AdaptiveSpanGPT: {} capas × {} cabezas, d = {}, bloque = span máximo S = {}, rampa R = {}, sobre el "
      "corpus del curso, carácter por carácter. Todos los c empiezan en 0 (span 0: solo mira las R claves de la "
      "rampa). Se minimiza entropía cruzada + λ·S·promedio(c) con λ = {}; después de cada paso de AdamW, "
      "c ← clamp(c, 0, 1). {} pasos. Spans aprendidos z = c·S (en tokens), capa por fila:",
      "AdaptiveSpanGPT: {} layers × {} heads, d = {}, block = maximum span S = {}, ramp R = {}, on the course "
      "corpus, character by character. Every c starts at 0 (span 0: it only looks at the R keys of the ramp). "
      "It minimizes cross-entropy + λ·S·mean(c) with λ = {}; after every AdamW step, c ← clamp(c, 0, 1). {} "
      "steps. Learned spans z = c·S (in tokens), one layer per row:",
      kCapas, kCabezas, kAncho, kBloque, kRampa, kLambda, e.adaptativo.pasos.back());
  Tensor tabla({kCapas, kCabezas});
  for (int64_t i = 0; i < tabla.numel(); ++i) tabla[i] = e.adaptativo.spans.back()[size_t(i)];
  std::vector<std::string> filas, columnas;
  for (int64_t l = 0; l < kCapas; ++l) filas.push_back(n.tr("capa ", "layer ") + std::to_string(l + 1));
  for (int64_t h = 0; h < kCabezas; ++h) columnas.push_back(n.tr("cab. ", "head ") + std::to_string(h + 1));
  n.heatmap(tabla, {.row_labels = filas, .col_labels = columnas, .decimals = 1, .vmin = 0, .vmax = real(kBloque)});
  real mas_largo = 0, mas_corto = real(kBloque);
  for (real z : e.adaptativo.spans.back()) mas_largo = std::max(mas_largo, z), mas_corto = std::min(mas_corto, z);
  n.say("El span más largo es {} tokens y el más corto {}; cada cabeza lee hasta z + R hacia atrás.",
        "The longest span is {} tokens and the shortest {}; every head reads back to z + R.", fixed(mas_largo, 1),
        fixed(mas_corto, 1));

  svg::plot_grid(n.path("mascaras_cuadricula.svg"), cuadricula(n, e.adaptativo));
  n.figure(n.path("mascaras_cuadricula.svg"), "capas × cabezas: m(x) al final y, debajo, z paso a paso",
           "layers × heads: m(x) at the end and, below it, z step by step");
}

// ---------------------------------------------------------------------------------------------
// Paso 4: contra un modelo de span fijo: claves leídas y pérdida.
void paso4_comparar(Narrator& n, const Experimento& e) {
  n.step(4, "Contra un modelo de span fijo", "Against a fixed-span model");
  const double fraccion = double(e.adaptativo.claves) / double(e.fijo.claves);
  n.say(
      "El modelo de span fijo es el mismo con c = 1 en todas las cabezas (mira las S = {} claves) y λ = 0; "
      "mismos pesos iniciales y mismos lotes. Pares pregunta–clave calculados por secuencia de {} tokens (las "
      "{} capas): adaptativo {}, fijo {} (la matriz causal: {}). El adaptativo calcula el {}% de los pares del "
      "fijo. ¿Menos? {}.",
      "The fixed-span model is the same with c = 1 in every head (it looks at the S = {} keys) and λ = 0; same "
      "initial weights and same batches. Query–key pairs computed per sequence of {} tokens (the {} layers): "
      "adaptive {}, fixed {} (the causal matrix: {}). The adaptive one computes {}% of the fixed one's pairs. "
      "Fewer? {}.",
      kBloque, kBloque, kCapas, e.adaptativo.claves, e.fijo.claves, e.claves_causal, fixed(100 * fraccion, 0),
      si_no(n, e.adaptativo.claves < e.fijo.claves));
  const double dif = double(e.adaptativo.perdida_val) - double(e.fijo.perdida_val);
  n.say(
      "Pérdida de validación (entropía cruzada, nats por carácter): adaptativo {}, fijo {}: el adaptativo "
      "queda {} nats {} del fijo: el precio (o la ganancia) de calcular menos.",
      "Validation loss (cross-entropy, nats per character): adaptive {}, fixed {}: the adaptive one is {} nats "
      "{} the fixed one: the price (or the gain) of computing less.",
      fixed(e.adaptativo.perdida_val, 3), fixed(e.fijo.perdida_val, 3), fixed(std::fabs(dif), 3),
      dif > 0 ? n.tr("por encima", "above") : n.tr("por debajo", "below"));
  auto suavizar = [](const std::vector<real>& y) {
    std::vector<real> s;
    double m = y.empty() ? 0 : y[0];
    for (real v : y) s.push_back(real(m = 0.95 * m + 0.05 * v));
    return s;
  };
  svg::plot(n.path("perdidas.svg"),
            {.title = n.tr("Pérdida de entrenamiento (promedio móvil)", "Training loss (moving average)"),
             .x_label = n.tr("paso", "step"),
             .y_label = n.tr("entropía cruzada", "cross-entropy"),
             .series = {{.name = n.tr("span adaptativo", "adaptive span"), .y = suavizar(e.adaptativo.perdidas)},
                        {.name = n.tr("span fijo", "fixed span"), .y = suavizar(e.fijo.perdidas)}}});
  n.figure(n.path("perdidas.svg"), "adaptativo contra fijo", "adaptive against fixed");
}

// ---------------------------------------------------------------------------------------------
// Paso 5: lo que hacía mal la re-implementación del estudiante.
// (a) Su máscara dependía de la posición absoluta j de la clave en la ventana, no de la distancia
//     i − j, con R igual al bloque T: m(j) = clamp((T + z − (T − 1 − j))/T, 0, 1), la misma en todas
//     las filas.
Tensor mascara_del_estudiante(double z, int64_t T) {
  Tensor m = Tensor::zeros({T, T});
  for (int64_t i = 0; i < T; ++i)
    for (int64_t j = 0; j <= i; ++j) m[i * T + j] = real(mascara(z, double(T), double(T - 1 - j)));
  return m;
}

// ¿Hay dos pares (i, j) e (i − 1, j − 1), con la misma distancia, y distinta máscara?
bool depende_de_la_posicion(const Tensor& m) {
  const int64_t T = m.size(0);
  for (int64_t i = 1; i < T; ++i)
    for (int64_t j = 1; j <= i; ++j)
      if (m[i * T + j] != m[(i - 1) * T + (j - 1)]) return true;
  return false;
}

// (b) Su figura promediaba la matriz de atención sobre las filas. Con una atención que no aprendió
//     nada (uniforme causal, a_ij = 1/(i + 1)) el promedio de la columna j ya cae con j.
std::vector<real> promedio_por_columna_uniforme(int64_t T) {
  std::vector<real> col(size_t(T), 0);
  for (int64_t i = 0; i < T; ++i)
    for (int64_t j = 0; j <= i; ++j) col[size_t(j)] += real(1.0 / double(i + 1) / double(T));
  return col;
}

bool estrictamente_decreciente(const std::vector<real>& v) {
  for (size_t k = 1; k < v.size(); ++k)
    if (!(v[k] < v[k - 1])) return false;
  return true;
}

void paso5_estudiante(Narrator& n, const Experimento& e) {
  n.step(5, "Lo que hizo mal la re-implementación del estudiante", "What the student re-implementation got wrong");
  const int64_t T = 12;
  const Tensor m = mascara_del_estudiante(4, T);
  n.say(
      "(a) Posiciones absolutas. Su máscara usaba la posición j de la clave en la ventana (como si toda "
      "pregunta estuviera al final) y R = T. Para z = 4, T = {}, filas = pregunta i, columnas = clave j:",
      "(a) Absolute positions. Its mask used the position j of the key in the window (as if every query sat at "
      "the end) and R = T. For z = 4, T = {}, rows = query i, columns = key j:",
      T);
  n.heatmap(m, {.decimals = 2, .values = false, .vmin = 0, .vmax = 1});
  real propia = 1;
  for (int64_t i = 0; i < T; ++i) propia = std::min(propia, m[i * T + i]);
  n.say(
      "¿Depende de algo más que la distancia i − j? {}. Una pregunta temprana pesa su propio token con {} en "
      "vez de 1. Y con R = T la rampa cubre toda la ventana: ninguna clave queda fuera, no se ahorra nada, y "
      "«z» ya no es un span en tokens.",
      "Does it depend on more than the distance i − j? {}. An early query weighs its own token by {} instead of "
      "1. And with R = T the ramp covers the whole window: no key is left out, nothing is saved, and \"z\" is "
      "no longer a span in tokens.",
      si_no(n, depende_de_la_posicion(m)), fixed(propia, 2));
  const std::vector<real> col = promedio_por_columna_uniforme(kBloque);
  n.say(
      "(b) Sus curvas «que caen» promediaban la matriz de atención sobre las filas. Pero en una matriz causal "
      "la columna j solo tiene filas i ≥ j: aun una atención uniforme, que no aprendió nada, da un promedio que "
      "cae con j. ¿Estrictamente decreciente? {}. Nuestras curvas son m(x) mismas, sobre la distancia.",
      "(b) Its \"falling\" curves averaged the attention matrix over the rows. But in a causal matrix column j "
      "only has rows i ≥ j: even a uniform attention, which learned nothing, gives an average that falls with "
      "j. Strictly decreasing? {}. Our curves are m(x) itself, over the distance.",
      si_no(n, estrictamente_decreciente(col)));
  svg::plot(n.path("promedio_del_estudiante.svg"),
            {.title = n.tr("Promedio sobre filas de una atención causal uniforme",
                           "Row average of a uniform causal attention"),
             .x_label = n.tr("posición j de la clave", "key position j"),
             .y_label = n.tr("peso medio", "mean weight"),
             .series = {{.name = n.tr("sin aprender nada", "nothing learned"), .y = col}}});
  n.figure(n.path("promedio_del_estudiante.svg"), "la curva cae sin que nada se haya aprendido",
           "the curve falls with nothing learned");
  const double con = span_medio(e.adaptativo), sin = span_medio(e.sin_perdida);
  n.say(
      "(c) Sin pérdida de span. Mismo modelo con λ = 0: span medio {} tokens, contra {} con λ = {}; pares "
      "calculados {} contra {} (más largo sin la pérdida: {}). Sin ella nada empuja a mirar cerca: un span "
      "solo deja de crecer cuando mirar más lejos ya no baja la pérdida, y el ahorro no está garantizado. {}",
      "(c) No span loss. The same model with λ = 0: mean span {} tokens, against {} with λ = {}; pairs "
      "computed {} against {} (longer without the loss: {}). Without it nothing pushes to look nearby: a span "
      "only stops growing when looking further no longer lowers the loss, and the saving is not guaranteed. {}",
      fixed(sin, 1), fixed(con, 1), kLambda, e.sin_perdida.claves, e.adaptativo.claves, si_no(n, sin > con),
      sin > con ? n.tr("Aquí se ve: sin la pérdida los spans quedaron más largos.",
                       "Here it shows: without the loss the spans ended longer.")
                : n.tr("En esta corrida corta no se ve: los spans apenas se movieron y el azar de los lotes pesó "
                       "más que λ.",
                       "This short run does not show it: the spans barely moved and the randomness of the "
                       "batches weighed more than λ."));
}

// ---------------------------------------------------------------------------------------------
void run(Narrator& n) {
  paso1_mascara(n);
  paso2_pesos(n);
  const Experimento e = experimento(n.options());
  paso3_entrenar(n, e);
  paso4_comparar(n, e);
  paso5_estudiante(n, e);
  n.summary({
      {"Cada cabeza aprende un span z = c·S; la máscara m_z(x) = clamp((R + z − x)/R, 0, 1) depende de la "
       "distancia y se aplica después del softmax, renormalizando.",
       "Every head learns a span z = c·S; the mask m_z(x) = clamp((R + z − x)/R, 0, 1) depends on the distance "
       "and is applied after the softmax, renormalizing."},
      {"La pérdida λ·S·promedio(c) empuja los spans hacia 0; solo crecen donde mirar lejos baja la pérdida, y las "
       "claves más allá de z + R no se calculan.",
       "The loss λ·S·mean(c) pushes spans toward 0; they only grow where looking far lowers the loss, and the keys "
       "beyond z + R are not computed."},
      {"Con posiciones absolutas, R = T y sin pérdida de span, los «spans» no significan nada y no ahorran nada.",
       "With absolute positions, R = T and no span loss, the \"spans\" mean nothing and save nothing."},
  });
  n.exercises({
      {"Sube kLambda a 4e-2: los spans del paso 3 quedan por debajo de un token y los pares calculados del paso 4 "
       "bajan a los de "
       "la sola rampa, W = R + 1 claves por pregunta.",
       "Raise kLambda to 4e-2: the spans of step 3 stay below one token and the pairs computed in step 4 drop to those "
       "of "
       "the ramp alone, W = R + 1 keys per query."},
      {"Cambia kRampa = 4 por 16: cada pregunta lee más claves (W = ⌊max z⌋ + R + 1) aunque los spans sean "
       "cortos.",
       "Change kRampa = 4 to 16: every query reads more keys (W = ⌊max z⌋ + R + 1) even when the spans are "
       "short."},
      {"Ejecuta con --full: 3000 pasos; mira en las filas «z» de mascaras_cuadricula.svg qué cabezas siguen "
       "creciendo.",
       "Run with --full: 3000 steps; look in the \"z\" rows of mascaras_cuadricula.svg at which heads keep "
       "growing."},
      {"En mascara_del_estudiante cambia `T - 1 - j` por `i - j` y `double(T)` por 4.0: ya no depende de la "
       "posición (la respuesta de (a) pasa a «no»).",
       "In mascara_del_estudiante change `T - 1 - j` to `i - j` and `double(T)` to 4.0: it no longer depends "
       "on the position (the answer of (a) becomes \"no\")."},
  });
}

}  // namespace lesson14

#ifndef ATN_LESSON_NO_MAIN
int main(int argc, char** argv) {
  return atn::run_lesson(argc, argv, "14", {"Span de atención adaptativo", "Adaptive attention span"}, lesson14::run);
}
#endif
