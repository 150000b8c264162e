// Lección 11 · Transformador
//
// El Transformador de Vaswani et al. (2017) completo: un codificador lee la fuente entera y un
// decodificador escribe la salida token por token. La pieza nueva es la atención cruzada
// (encoder–decoder attention): las preguntas salen del decodificador y las claves y los valores
// de la salida del codificador (la «memoria»). Esta lección la escribe a mano y la compara con el
// módulo de la biblioteca; arma el Transformador de models/transformer.h; resuelve la tarea de
// copia de «The Annotated Transformer» con decodificación voraz; traduce números escritos con
// palabras a cifras («setecientos treinta y cuatro» → 7 3 4) y dibuja su atención cruzada; y
// muestra el error del cuaderno del curso: darle al decodificador el objetivo SIN desplazar, de
// modo que cada posición ve el token que debe predecir.
//
//   make lesson11                      ejecuta la lección
//   make lesson11 ARGS="--step"        espera Enter tras cada paso
//   make lesson11 ARGS="--lang en"     in English
#include <algorithm>
#include <string>

#include "data/number_words.h"
#include "lessons/common/cross_attention_by_hand.h"
#include "lessons/common/narrator.h"
#include "lessons/common/transformer_tasks.h"
#include "lessons/common/transformer_training.h"
#include "viz/svg.h"

namespace lesson11 {

using namespace atn;

std::string si_no(Narrator& n, bool v) { return v ? n.tr("sí", "yes") : n.tr("no", "no"); }

std::string unir(const std::vector<std::string>& tokens) {
  std::string s;
  for (const std::string& t : tokens) s += (s.empty() ? "" : " ") + t;
  return s;
}

// ---------------------------------------------------------------------------------------------
// Paso 1: la atención cruzada a mano. X [T, d] son los estados del decodificador (T tokens de la
// salida) y M [S, d] la memoria (la salida del codificador, S tokens de la fuente):
//   Q = X W_qᵀ + b_q,   K = M W_kᵀ + b_k,   V = M W_vᵀ + b_v
//   A = softmax(Q Kᵀ / √d)  [T, S]          salida = A V W_oᵀ + b_o  [T, d]
// Es la misma cuenta de la auto-atención; solo cambia de dónde salen K y V.
// (La cuenta a mano y la comparación: lessons/common/cross_attention_by_hand.cpp.)
void paso1_atencion_cruzada(Narrator& n) {
  n.step(1, "Atención cruzada: Q del decodificador, K y V del codificador",
         "Cross-attention: Q from the decoder, K and V from the encoder");
  const CruzadaAMano c = cruzada_a_mano(n.options().seed);
  n.say(
      "En la auto-atención Q, K y V salen de la misma secuencia. En la atención cruzada Q = X W_qᵀ sale de los "
      "T = 3 estados del decodificador y K = M W_kᵀ, V = M W_vᵀ de la memoria M: los S = 5 estados que dejó el "
      "codificador. A = softmax(Q Kᵀ/√d) tiene T filas y S columnas (no es cuadrada): la fila t dice qué tokens "
      "de la fuente lee el token t de la salida. Estados del decodificador X y memoria M, al azar:",
      "In self-attention Q, K and V come from the same sequence. In cross-attention Q = X W_qᵀ comes from the "
      "T = 3 decoder states and K = M W_kᵀ, V = M W_vᵀ from the memory M: the S = 5 states left by the encoder. "
      "A = softmax(Q Kᵀ/√d) has T rows and S columns (it is not square): row t says which source tokens output "
      "token t reads. Random decoder states X and memory M:");
  n.show("X =\n" + c.decodificador.str(2) + "\nM =\n" + c.memoria.str(2));
  const std::vector<std::string> filas = {"dec 0", "dec 1", "dec 2"};
  const std::vector<std::string> columnas = {"cod 0", "cod 1", "cod 2", "cod 3", "cod 4"};
  const std::vector<std::string> columnas_en = {"enc 0", "enc 1", "enc 2", "enc 3", "enc 4"};
  n.say("A = softmax(Q Kᵀ/√d), calculada a mano con matmul y softmax:",
        "A = softmax(Q Kᵀ/√d), computed by hand with matmul and softmax:");
  n.heatmap(c.pesos, {.row_labels = filas, .col_labels = n.english() ? columnas_en : columnas, .vmin = 0, .vmax = 1});
  n.say(
      "Forma de A: {} × {}. La peor fila se aleja de sumar 1 en {}. MultiHeadAttention::forward(x, memoria) de "
      "la biblioteca da lo mismo: max |Δ| = {} en los pesos y {} en la salida (¿iguales? {}).",
      "Shape of A: {} × {}. The worst row is {} away from summing to 1. The library's "
      "MultiHeadAttention::forward(x, memory) gives the same: max |Δ| = {} in the weights and {} in the output "
      "(equal? {}).",
      c.pesos.size(0), c.pesos.size(1), sci(c.peor_suma), sci(c.dif_pesos), sci(c.dif_salida),
      si_no(n, c.dif_pesos < 1e-5 && c.dif_salida < 1e-5));
  n.say(
      "Si cambiamos solo la fila 2 de X, la fila 2 de la salida cambia en {} y las filas 0 y 1 en {} "
      "(¿nada? {}): la atención cruzada no mezcla los tokens del decodificador entre sí. Eso lo hace la "
      "auto-atención causal del decodificador, que va antes en cada capa.",
      "If we change only row 2 of X, row 2 of the output changes by {} and rows 0 and 1 by {} (nothing? {}): "
      "cross-attention does not mix the decoder's tokens with each other. The decoder's causal self-attention, "
      "which comes first in every layer, does that.",
      fixed(c.cambio_propia, 3), sci(c.cambio_otras), si_no(n, c.cambio_otras == 0));
  svg::heatmap(
      n.path("atencion_cruzada.svg"),
      {.title = n.tr("Atención cruzada a mano: A = softmax(Q Kᵀ/√d)", "Cross-attention by hand: A = softmax(Q Kᵀ/√d)"),
       .x_label = n.tr("token j del codificador (clave)", "encoder token j (key)"),
       .y_label = n.tr("token t del decodificador (pregunta)", "decoder token t (query)"),
       .values = c.pesos,
       .row_labels = filas,
       .col_labels = n.english() ? columnas_en : columnas,
       .vmin = 0,
       .vmax = 1});
  n.figure(n.path("atencion_cruzada.svg"), "atención cruzada a mano (3 × 5)", "cross-attention by hand (3 × 5)");
}

// ---------------------------------------------------------------------------------------------
// Paso 2: el Transformador entero (models/transformer.h) y cómo se entrena: forzamiento del
// maestro con el objetivo desplazado a la derecha. Todo lo que entrena esta lección pasa por
// entrenar() (el modelo, el entrenamiento y el conteo de parámetros: lessons/common/transformer_training.cpp).
void paso2_transformador(Narrator& n) {
  n.step(2, "El Transformador completo y la entrada desplazada a la derecha",
         "The full Transformer and the input shifted right");
  const SeqTask copia = copy_task({.n_train = 1, .n_test = 1, .seed = n.options().seed});
  const ConfigModelo m = modelo_copia(n.options());
  Rng rng(n.options().seed);
  const Transformer modelo(config_transformador(copia, m), rng);
  const Partes p = contar_parametros(modelo);
  n.say(
      "models/transformer.h: el codificador ({} capas) pasa la fuente por auto-atención sin máscara y una red "
      "feed-forward; cada capa del decodificador hace auto-atención causal sobre lo ya escrito, luego atención "
      "cruzada sobre la memoria del codificador, luego feed-forward; cada subcapa con su residual y su "
      "LayerNorm. Al final una capa lineal da los logits del siguiente token. Con d = {}, {} cabezas y d_ff = {} "
      "(vocabulario {}):",
      "models/transformer.h: the encoder ({} layers) passes the source through unmasked self-attention and a "
      "feed-forward network; each decoder layer does causal self-attention over what is already written, then "
      "cross-attention over the encoder's memory, then feed-forward; each sublayer with its residual and its "
      "LayerNorm. At the end a linear layer gives the logits of the next token. With d = {}, {} heads and "
      "d_ff = {} (vocabulary {}):",
      m.capas, m.d, m.cabezas, m.d_ff, copia.src_vocab);
  std::string tabla =
      n.tr("  parte                          parámetros\n", "  part                           parameters\n");
  const auto fila = [&](const std::string& es, const std::string& en, int64_t k) {
    const std::string nombre = n.tr(es, en);
    size_t ancho = 0;
    for (unsigned char ch : nombre) ancho += (ch & 0xC0) != 0x80;
    tabla += "  " + nombre + std::string(ancho < 31 ? 31 - ancho : 1, ' ') + fixed(double(k), 0, 10) + "\n";
  };
  fila("embeddings (fuente y objetivo)", "embeddings (source and target)", p.embeddings);
  fila("codificador", "encoder", p.codificador);
  fila("decodificador", "decoder", p.decodificador);
  fila("  de ellos, atención cruzada", "  of which cross-attention", p.cruzada);
  fila("capa de salida", "output layer", p.salida);
  fila("total", "total", p.total);
  n.show(tabla);
  const bool cruzada_4d2 = p.cruzada == m.capas * (4 * m.d * m.d + 4 * m.d);
  n.say(
      "La atención cruzada de cada capa son 4 matrices d × d (W_q, W_k, W_v, W_o) con sus sesgos: {} · (4d² + 4d) "
      "= {}. ¿Cuadra con la tabla? {}.",
      "Each layer's cross-attention is 4 d × d matrices (W_q, W_k, W_v, W_o) with their biases: {} · (4d² + 4d) "
      "= {}. Does it match the table? {}.",
      m.capas, m.capas * (4 * m.d * m.d + 4 * m.d), si_no(n, cruzada_4d2));

  // Forzamiento del maestro: el decodificador lee [bos] + y sin su último token y predice y.
  const SeqTask numeros = number_words_task({.max_number = 999, .n_train = 1, .n_test = 0, .seed = 1});
  const int64_t numero = 734;
  const std::vector<int64_t> y = digit_ids(numero);
  const std::vector<int64_t> entrada = decoder_input(y, numeros.bos, numeros.eos);
  const std::vector<int64_t> objetivo = decoder_target(y, numeros.eos);
  n.say(
      "Entrenamiento con forzamiento del maestro: el decodificador lee el objetivo DESPLAZADO a la derecha "
      "(empieza con [bos]) y en cada posición t predice el token t del objetivo. Con la máscara causal, la "
      "posición t solo ve [bos] y los tokens anteriores a t. Para «{}» → {}:",
      "Training with teacher forcing: the decoder reads the target SHIFTED right (it starts with [bos]) and at "
      "each position t predicts token t of the target. With the causal mask, position t only sees [bos] and the "
      "tokens before t. For \"{}\" → {}:",
      number_to_spanish(numero), unir(token_strings(numeros.tgt_tokens, y)));
  std::string t2 =
      n.tr("  t   el decodificador ve        debe predecir\n", "  t   the decoder sees           must predict\n");
  for (size_t t = 0; t < entrada.size(); ++t) {
    const std::string ve = unir(token_strings(numeros.tgt_tokens, {entrada.begin(), entrada.begin() + long(t) + 1}));
    t2 += "  " + std::to_string(t) + "   " + ve + std::string(ve.size() < 27 ? 27 - ve.size() : 1, ' ') +
          numeros.tgt_tokens[size_t(objetivo[t])] + "\n";
  }
  n.show(t2);
  n.say(
      "Ninguna posición ve el token que debe predecir: tiene que sacarlo de la fuente, a través de la atención "
      "cruzada. Al generar no hay objetivo: la decodificación voraz empieza con [bos], toma el token más "
      "probable, lo agrega a la entrada y repite (Transformer::greedy_decode). Los pasos 3 a 5 entrenan tres "
      "modelos: esto tarda unos segundos.",
      "No position sees the token it must predict: it has to get it from the source, through cross-attention. "
      "When generating there is no target: greedy decoding starts with [bos], takes the most probable token, "
      "appends it to the input and repeats (Transformer::greedy_decode). Steps 3 to 5 train three models: this "
      "takes a few seconds.");
}

// ---------------------------------------------------------------------------------------------
// Un mapa de atención cruzada en la terminal y en SVG. (Las medidas, evaluar() con decodificación voraz
// y mapa_cruzado(), están en lessons/common/transformer_training.cpp.)
void dibujar_mapa(Narrator& n, const Tensor& mapa, const std::vector<std::string>& filas,
                  const std::vector<std::string>& columnas, const std::string& archivo, const Text& titulo,
                  int decimales = 2) {
  n.heatmap(mapa, {.row_labels = filas, .col_labels = columnas, .decimals = decimales, .vmin = 0, .vmax = 1});
  svg::heatmap(n.path(archivo), {.title = n.tr(titulo),
                                 .x_label = n.tr("token de la fuente (codificador)", "source token (encoder)"),
                                 .y_label = n.tr("token que escribe el decodificador", "token the decoder writes"),
                                 .values = mapa,
                                 .row_labels = filas,
                                 .col_labels = columnas,
                                 .vmin = 0,
                                 .vmax = 1});
  n.figure(n.path(archivo), titulo.es, titulo.en);
}

// ---------------------------------------------------------------------------------------------
// Paso 3: la tarea de copia del Annotated Transformer (Rush 2018, data_gen): vocabulario de 11
// (0 = relleno, 1 = símbolo de inicio), fuentes [1, x_1 … x_9] con x_i al azar en 1…10, y la
// salida copia la fuente. 2 capas, Adam(0.9, 0.98, 1e-9), Noam con factor 1 y calentamiento 400,
// lotes de 30. El cuaderno usa d = 512, 8 cabezas, d_ff = 2048 y 200 lotes (--full hace eso);
// para caber en segundos usamos d = 32, 4 cabezas, d_ff = 64 y más lotes.
// (La tarea, el entrenamiento y las medidas: tarea_de_copia() en lessons/common/transformer_tasks.cpp.)
void paso3_copia(Narrator& n, const Copia& c, const LessonOptions& o) {
  n.step(3, "La tarea de copia del Annotated Transformer", "The Annotated Transformer's copy task");
  const ConfigModelo m = modelo_copia(o);
  const ConfigEntrenamiento e = entrenamiento_copia(o);
  n.say(
      "«The Annotated Transformer» entrena con fuentes de 10 tokens: el símbolo de inicio 1 y nueve números al "
      "azar de 1 a 10 (vocabulario V = 11 con el relleno 0), y la salida debe copiarlos. Su receta: 2 capas, "
      "Adam(0.9, 0.98, 1e-9) con la tasa de Noam (factor 1, calentamiento 400), lotes de 30, d = 512, 8 cabezas, "
      "d_ff = 2048 y 200 lotes. Aquí: d = {}, {} cabezas, d_ff = {}, dropout {} y {} lotes de {} (--full usa la "
      "receta del cuaderno). Pérdida: {} al inicio, {} al final (media de los últimos 20 lotes).",
      "\"The Annotated Transformer\" trains on sources of 10 tokens: the start symbol 1 and nine random numbers "
      "from 1 to 10 (vocabulary V = 11 with the padding 0), and the output must copy them. Its recipe: 2 layers, "
      "Adam(0.9, 0.98, 1e-9) with the Noam rate (factor 1, warmup 400), batches of 30, d = 512, 8 heads, "
      "d_ff = 2048 and 200 batches. Here: d = {}, {} heads, d_ff = {}, dropout {} and {} batches of {} (--full "
      "uses the notebook's recipe). Loss: {} at the start, {} at the end (mean of the last 20 batches).",
      m.d, m.cabezas, m.d_ff, m.dropout, e.pasos, e.lote, fixed(c.e.perdidas.front(), 3),
      fixed(media_final(c.e.perdidas, c.e.perdidas.size()), 4));
  n.say("Decodificación voraz del ejemplo del cuaderno: fuente «{}» → salida «{}». ¿Copia exacta? {}.",
        "Greedy decoding of the notebook's example: source \"{}\" → output \"{}\". Exact copy? {}.",
        unir(token_strings(c.tarea.src_tokens, c.ejemplo)), unir(token_strings(c.tarea.tgt_tokens, c.salida)),
        si_no(n, c.exacta));
  n.say(
      "En {} secuencias al azar que el modelo nunca vio, {} salen exactas ({} %). ¿Todas? {}. (Una secuencia "
      "cuenta solo si sus 9 tokens están bien.)",
      "On {} random sequences the model never saw, {} come out exact ({} %). All of them? {}. (A sequence counts "
      "only if all 9 of its tokens are right.)",
      c.prueba.total, c.prueba.exactas, fixed(c.prueba.porcentaje(), 1), si_no(n, c.prueba.exactas == c.prueba.total));
  std::vector<std::string> filas, columnas = token_strings(c.tarea.src_tokens, c.ejemplo);
  for (int64_t t : c.salida) filas.push_back(c.tarea.tgt_tokens[size_t(t)]);
  n.say("Atención cruzada de la última capa (promedio de las cabezas) al copiar el ejemplo; fila = token que escribe:",
        "Cross-attention of the last layer (mean over the heads) while copying the example; row = token it writes:");
  dibujar_mapa(n, c.mapa, filas, columnas, "copia_atencion_cruzada.svg",
               {"Copia: atención cruzada de la última capa", "Copy: cross-attention of the last layer"}, 1);
  n.say(
      "En {} de las {} filas el mayor peso cae justo en el token de la fuente que se está copiando: la diagonal "
      "corrida una columna, porque la fuente empieza con el 1 de inicio.",
      "In {} of the {} rows the largest weight falls exactly on the source token being copied: the diagonal "
      "shifted by one column, because the source starts with the start symbol 1.",
      c.filas_en_su_token, c.mapa.size(0));
  svg::plot(n.path("copia_perdida.svg"),
            {.title = n.tr("Tarea de copia: pérdida de entrenamiento", "Copy task: training loss"),
             .x_label = n.tr("lote", "batch"),
             .y_label = n.tr("entropía cruzada (escala log)", "cross-entropy (log scale)"),
             .series = {{.name = n.tr("copia", "copy"), .y = c.e.perdidas}},
             .log_y = true});
  n.figure(n.path("copia_perdida.svg"), "pérdida de la tarea de copia", "loss of the copy task");
}

// ---------------------------------------------------------------------------------------------
// Paso 4: una tarea tipo traducción, números escritos en español → cifras (data/number_words.h
// escribe los números como la RAE). Usamos de 0 a 999 para que el entrenamiento quepa en unos
// segundos: 100 números se apartan para la prueba y los otros 900 son el entrenamiento.
// (La tarea y el entrenamiento: numeros_a_cifras() en lessons/common/transformer_tasks.cpp.)
void paso4_numeros(Narrator& n, const Numeros& r, const LessonOptions& o) {
  n.step(4, "Traducir números escritos con palabras a cifras", "Translating numbers written in words into digits");
  const ConfigEntrenamiento e = entrenamiento_numeros(o);
  const ConfigModelo m{};
  n.say(
      "Fuente: un número escrito en español («doscientos treinta y cuatro»); objetivo: sus cifras (2 3 4) y "
      "[eos]. Como en una traducción, la fuente y la salida tienen vocabularios y largos distintos, y el orden "
      "no es uno a uno («treinta y cuatro» son 3 palabras para 2 cifras). Números de 0 a 999 (para que quepa "
      "en unos segundos): {} para entrenar, {} apartados para la prueba. El mismo Transformador (d = {}, {} "
      "cabezas, 2 capas), {} lotes de {}, Noam con factor {} y calentamiento {}. Pérdida: {} al inicio, {} al "
      "final.",
      "Source: a number written in Spanish (\"doscientos treinta y cuatro\"); target: its digits (2 3 4) and "
      "[eos]. As in a translation, source and output have different vocabularies and lengths, and the order is "
      "not one to one (\"treinta y cuatro\" is 3 words for 2 digits). Numbers from 0 to 999 (so that it fits in "
      "a few seconds): {} for training, {} held out for the test. The same Transformer (d = {}, {} heads, 2 "
      "layers), {} batches of {}, Noam with factor {} and warmup {}. Loss: {} at the start, {} at the end.",
      r.tarea.train.size(), r.tarea.test.size(), m.d, m.cabezas, e.pasos, e.lote, e.factor, e.calentamiento,
      fixed(r.e.perdidas.front(), 3), fixed(media_final(r.e.perdidas, r.e.perdidas.size()), 4));
  std::string tabla;
  for (size_t i = 0; i < 6 && i < r.tarea.test.size(); ++i) {
    const SeqPair& p = r.tarea.test[i];
    const std::string fuente = join_tokens(r.tarea.src_tokens, p.src);
    size_t ancho = 0;
    for (unsigned char ch : fuente) ancho += (ch & 0xC0) != 0x80;
    tabla += "  " + fuente + std::string(ancho < 40 ? 40 - ancho : 1, ' ') + "→ " +
             join_tokens(r.tarea.tgt_tokens, r.prueba.salidas[i]) + (r.prueba.salidas[i] == p.tgt ? "   ✓" : "   ✗") +
             "\n";
  }
  n.say("Decodificación voraz de los primeros números de prueba (nunca vistos al entrenar):",
        "Greedy decoding of the first test numbers (never seen in training):");
  n.show(tabla);
  n.say("Exactos: {} de {} ({} %). ¿Al menos 95 %? {}.", "Exact: {} of {} ({} %). At least 95 %? {}.", r.prueba.exactas,
        r.prueba.total, fixed(r.prueba.porcentaje(), 1), si_no(n, r.prueba.porcentaje() >= 95));
  const SeqPair& par = r.tarea.test[r.elegido];
  n.say("Atención cruzada (última capa, promedio de las cabezas) al escribir «{}» → «{}»:",
        "Cross-attention (last layer, mean over the heads) while writing \"{}\" → \"{}\":",
        join_tokens(r.tarea.src_tokens, par.src), join_tokens(r.tarea.tgt_tokens, r.prueba.salidas[r.elegido]));
  dibujar_mapa(n, r.mapa, r.filas, r.columnas, "numeros_atencion_cruzada.svg",
               {"Palabras → cifras: atención cruzada", "Words → digits: cross-attention"});
  std::string mira;
  for (int64_t t = 0; t < r.mapa.size(0); ++t)
    mira += (mira.empty() ? "" : ", ") + r.filas[size_t(t)] + " ← " + r.columnas[size_t(columna_mayor(r.mapa, t))];
  n.say(
      "La palabra que más pesa para cada token escrito: {}. Nadie le dijo al modelo qué palabra va con qué "
      "cifra: esos pesos salen solo del entrenamiento.",
      "The word that weighs most for each token written: {}. Nobody told the model which word goes with which "
      "digit: these weights come from training alone.",
      mira);
}

// ---------------------------------------------------------------------------------------------
// Paso 5: el error del cuaderno del curso. Si el decodificador lee el objetivo SIN desplazar
// (y + [eos] en vez de [bos] + y), la posición t ve el token t, justo el que debe predecir: la
// máscara causal deja pasar la diagonal. Aprende a copiar su entrada, la pérdida se va a casi 0, y
// al generar, donde no hay objetivo que leer, no sirve.
// (El entrenamiento: sin_desplazar() en lessons/common/transformer_tasks.cpp.)
void paso5_sin_desplazar(Narrator& n, const Numeros& bueno, const SinDesplazar& malo) {
  n.step(5, "El error del cuaderno: el objetivo sin desplazar", "The notebook's mistake: the unshifted target");
  const std::vector<int64_t>& y = bueno.tarea.test[bueno.elegido].tgt;
  const std::vector<int64_t> objetivo = decoder_target(y, bueno.tarea.eos);
  n.say(
      "El cuaderno del curso le da al decodificador el objetivo mismo, sin desplazarlo. Entonces la posición t "
      "lee los tokens 0…t del objetivo, y el token t es justo el que debe predecir (la máscara causal deja ver "
      "la diagonal). Para {}:",
      "The course notebook gives the decoder the target itself, without shifting it. Then position t reads "
      "tokens 0…t of the target, and token t is exactly the one it must predict (the causal mask lets the "
      "diagonal through). For {}:",
      join_tokens(bueno.tarea.tgt_tokens, y));
  std::string tabla =
      n.tr("  t   el decodificador ve        debe predecir\n", "  t   the decoder sees           must predict\n");
  for (size_t t = 0; t < objetivo.size(); ++t) {
    const std::string ve =
        unir(token_strings(bueno.tarea.tgt_tokens, {objetivo.begin(), objetivo.begin() + long(t) + 1}));
    tabla += "  " + std::to_string(t) + "   " + ve + std::string(ve.size() < 27 ? 27 - ve.size() : 1, ' ') +
             bueno.tarea.tgt_tokens[size_t(objetivo[t])] + "\n";
  }
  n.show(tabla);
  n.say(
      "Entrenamos el mismo modelo así durante {} lotes. Pérdida media de los lotes {} a {}: sin desplazar {}, "
      "desplazada (paso 4, los mismos lotes) {}. ¿La pérdida sin desplazar es menor? {}. Parece mejor, pero "
      "solo aprendió a copiar su entrada.",
      "We train the same model this way for {} batches. Mean loss of batches {} to {}: unshifted {}, shifted "
      "(step 4, the same batches) {}. Is the unshifted loss lower? {}. It looks better, but it only learned to "
      "copy its input.",
      malo.pasos, malo.pasos - 20, malo.pasos, fixed(malo.perdida_mala, 4), fixed(malo.perdida_buena, 4),
      si_no(n, malo.perdida_mala < malo.perdida_buena));
  n.say(
      "Al generar no hay objetivo: la entrada empieza con [bos] y crece con lo que el modelo mismo escribe. "
      "«{}» → «{}» (la respuesta es «{}»). Exactos en la prueba: {} de {} ({} %), contra {} de {} del modelo "
      "desplazado. ¿Decodifica peor? {}.",
      "When generating there is no target: the input starts with [bos] and grows with what the model itself "
      "writes. \"{}\" → \"{}\" (the answer is \"{}\"). Exact on the test: {} of {} ({} %), against {} of {} for "
      "the shifted model. Does it decode worse? {}.",
      join_tokens(bueno.tarea.src_tokens, bueno.tarea.test[bueno.elegido].src),
      join_tokens(bueno.tarea.tgt_tokens, malo.salida_elegido), join_tokens(bueno.tarea.tgt_tokens, y),
      malo.prueba.exactas, malo.prueba.total, fixed(malo.prueba.porcentaje(), 1), bueno.prueba.exactas,
      bueno.prueba.total, si_no(n, malo.prueba.exactas < bueno.prueba.exactas));
  const size_t k = std::min(bueno.e.perdidas.size(), size_t(malo.pasos));
  svg::plot(
      n.path("desplazada_vs_sin_desplazar.svg"),
      {.title = n.tr("Pérdida: objetivo desplazado frente a sin desplazar", "Loss: shifted versus unshifted target"),
       .x_label = n.tr("lote", "batch"),
       .y_label = n.tr("entropía cruzada (escala log)", "cross-entropy (log scale)"),
       .series = {{.name = n.tr("desplazada: [bos] + y", "shifted: [bos] + y"),
                   .y = {bueno.e.perdidas.begin(), bueno.e.perdidas.begin() + long(k)}},
                  {.name = n.tr("sin desplazar: y + [eos] (el error)", "unshifted: y + [eos] (the mistake)"),
                   .y = malo.e.perdidas}},
       .log_y = true});
  n.figure(n.path("desplazada_vs_sin_desplazar.svg"), "pérdida con y sin desplazar el objetivo",
           "loss with and without shifting the target");
}

// ---------------------------------------------------------------------------------------------
void pasos_entrenados(Narrator& n, const Copia& copia, const Numeros& numeros, const SinDesplazar& malo) {
  const LessonOptions& o = n.options();
  paso3_copia(n, copia, o);
  paso4_numeros(n, numeros, o);
  paso5_sin_desplazar(n, numeros, malo);
  n.summary({
      {"En la atención cruzada las preguntas salen del decodificador y las claves y valores de la memoria del "
       "codificador: A tiene una fila por token de la salida y una columna por token de la fuente.",
       "In cross-attention the queries come from the decoder and the keys and values from the encoder's memory: "
       "A has one row per output token and one column per source token."},
      {"El Transformador: codificador (auto-atención + feed-forward) y decodificador (auto-atención causal + "
       "atención cruzada + feed-forward), con residuales y LayerNorm; se entrena con el objetivo desplazado a "
       "la derecha y genera con decodificación voraz.",
       "The Transformer: encoder (self-attention + feed-forward) and decoder (causal self-attention + "
       "cross-attention + feed-forward), with residuals and LayerNorm; it trains on the target shifted right and "
       "generates with greedy decoding."},
      {"La tarea de copia del Annotated Transformer y los números en palabras → cifras se aprenden en segundos; "
       "la atención cruzada muestra qué parte de la fuente lee cada token de la salida.",
       "The Annotated Transformer's copy task and number words → digits are learned in seconds; cross-attention "
       "shows which part of the source each output token reads."},
      {"Sin desplazar el objetivo, cada posición ve la respuesta: la pérdida de entrenamiento engaña (casi 0) y "
       "el modelo no sabe generar.",
       "Without shifting the target, each position sees the answer: the training loss deceives (almost 0) and the "
       "model cannot generate."},
  });
  // entrenamiento_copia y config_numeros están en lessons/common/transformer_tasks.cpp.
  n.exercises({
      {"Ejecuta con --seed 2 y --seed 3: los números cambian, pero la copia del ejemplo sigue exacta, los números "
       "en palabras siguen arriba de 95 % y el modelo sin desplazar sigue con menor pérdida y peor decodificación.",
       "Run with --seed 2 and --seed 3: the numbers change, but the example's copy is still exact, number words "
       "stay above 95 % and the unshifted model still has a lower loss and decodes worse."},
      {"En entrenamiento_copia cambia 700 por 200 (los 200 lotes del cuaderno) y corre sin --quick: con d = 32 "
       "salen exactas muchas menos secuencias de prueba (con --seed 1, 2 y 3, menos de 3 de cada 4; con 700 lotes, "
       "más de 95 %).",
       "In entrenamiento_copia change 700 to 200 (the notebook's 200 batches) and run without --quick: with "
       "d = 32 far fewer test sequences come out exact (with --seed 1, 2 and 3, fewer than 3 in 4; with 700 "
       "batches, more than 95 %)."},
      {"En config_numeros pon .palabras_a_cifras = false (cifras → palabras, la dirección contraria; el texto del "
       "paso 4 sigue hablando de la otra): también se aprende, con más de 95 % exactos, y el mapa de atención "
       "cruzada queda con una fila por palabra escrita.",
       "In config_numeros set .palabras_a_cifras = false (digits → words, the other direction; the text of step 4 "
       "still talks about the first one): it is learned too, with more than 95 % exact, and the cross-attention "
       "map gets one row per word written."},
  });
}

void run(Narrator& n) {
  paso1_atencion_cruzada(n);
  paso2_transformador(n);
  const ConfigNumeros c = config_numeros(n.options());
  const Copia copia = tarea_de_copia(n.options());
  const Numeros numeros = numeros_a_cifras(n.options(), c);
  const SinDesplazar malo = sin_desplazar(n.options(), c, numeros);
  pasos_entrenados(n, copia, numeros, malo);
}

}  // namespace lesson11

#ifndef ATN_LESSON_NO_MAIN
int main(int argc, char** argv) {
  return atn::run_lesson(argc, argv, "11", {"Transformador", "The Transformer"}, lesson11::run);
}
#endif
