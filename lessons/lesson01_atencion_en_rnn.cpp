// Lección 01 · Atención en redes recurrentes
//
// Una red recurrente lee una secuencia paso a paso y guarda lo leído en un estado h_t. Un
// codificador–decodificador pasa al decodificador un solo vector, el último estado: un cuello de
// botella. La atención deja que el decodificador mire todos los estados del codificador y elija
// cuáles le sirven en cada paso. Empezamos con la atención más antigua (la regresión de
// Nadaraya–Watson), seguimos con los cuatro pasos de Bahdanau y sus tres funciones de puntaje, y
// terminamos entrenando dos redes GRU, con y sin atención, que invierten secuencias.
//
//   make lesson01                      ejecuta la lección
//   make lesson01 ARGS="--step"        espera Enter tras cada paso
//   make lesson01 ARGS="--lang en"     in English
#include <algorithm>
#include <string>

#include "lessons/common/nadaraya_experiments.h"
#include "lessons/common/narrator.h"
#include "lessons/common/rnn_attention_experiments.h"
#include "viz/svg.h"

namespace lesson01 {

using namespace atn;

std::string porciento(double p) { return fixed(100 * p, 1) + " %"; }

// ---------------------------------------------------------------------------------------------
// Paso 1: la recurrencia h_t = tanh(W h_{t−1} + W' x_t + b), a mano y con RNNCell.
// (La cuenta: recurrencia() en lessons/common/rnn_attention_experiments.cpp.)
void paso1_recurrencia(Narrator& n) {
  n.step(1, "Secuencias y la recurrencia de una RNN", "Sequences and the recurrence of an RNN");
  n.say(
      "Una red recurrente lee x_1, x_2, …, x_T en orden y resume lo leído en un estado: "
      "h_t = tanh(W h_{t−1} + W' x_t + b), con h_0 = 0. Aquí x_t tiene dimensión 2 y h_t dimensión 3:",
      "A recurrent network reads x_1, x_2, …, x_T in order and summarizes what it read in a state: "
      "h_t = tanh(W h_{t−1} + W' x_t + b), with h_0 = 0. Here x_t has dimension 2 and h_t dimension 3:");
  const Recurrencia r = recurrencia(n.options().seed);
  std::string tabla;
  for (size_t t = 0; t < r.a_mano.size(); ++t) {
    tabla += "h_" + std::to_string(t + 1) + " =";
    for (int64_t c = 0; c < 3; ++c) tabla += fixed(r.a_mano[t].at({0, c}), 4, 9);
    tabla += "\n";
  }
  n.show(tabla);
  n.say("RNNCell de la biblioteca da los mismos estados (max |Δ| = {}: {}).",
        "The library's RNNCell gives the same states (max |Δ| = {}: {}).", sci(r.diferencia),
        r.diferencia < 1e-6 ? n.tr("iguales", "equal") : n.tr("NO iguales", "NOT equal"));
  n.say(
      "Un codificador–decodificador usa dos redes así: el codificador lee la entrada y el decodificador escribe "
      "la salida empezando desde el último estado del codificador, h_T. Todo lo que el decodificador sabe de "
      "la entrada cabe en ese único vector: es el cuello de botella que la atención quita.",
      "An encoder–decoder uses two such networks: the encoder reads the input and the decoder writes the output "
      "starting from the encoder's last state, h_T. Everything the decoder knows about the input fits in that "
      "single vector: that is the bottleneck attention removes.");
}

// ---------------------------------------------------------------------------------------------
// Paso 2: Nadaraya–Watson (1964): atención sin nada que aprender (salvo, quizá, el ancho h).
// (Los núcleos y la regresión: lessons/common/nadaraya_experiments.cpp.)
std::string nombre_nucleo(Narrator& n, Kernel k) {
  switch (k) {
    case Kernel::gaussian:
      return n.tr("gaussiano", "Gaussian");
    case Kernel::boxcar:
      return n.tr("caja", "boxcar");
    case Kernel::epanechnikov:
      return "Epanechnikov";
    default:
      return kernel_name(k);
  }
}

std::vector<real> vec(const Tensor& t) { return t.to_vector(); }

void paso2_nadaraya(Narrator& n) {
  n.step(2, "Antes de la atención: Nadaraya–Watson", "Before attention: Nadaraya–Watson");
  const ConfigNadaraya cfg{.semilla = n.options().seed};
  const Nadaraya r = nadaraya_watson(cfg);
  n.say(
      "40 puntos y = 2 sen(x) + x + ruido con 0 ≤ x < 5. Para predecir en x: f(x) = Σ_i α(x, x_i) y_i con "
      "α(x, x_i) = K((x − x_i)/h) / Σ_j K((x − x_j)/h). En palabras de atención: x es la pregunta, las x_i "
      "son las claves y las y_i los valores. Tres núcleos K con ancho h = {}: gaussiano exp(−u²/2), caja "
      "(1 si |u| ≤ 1) y Epanechnikov max(0, 1 − u²).",
      "40 points y = 2 sin(x) + x + noise with 0 ≤ x < 5. To predict at x: f(x) = Σ_i α(x, x_i) y_i with "
      "α(x, x_i) = K((x − x_i)/h) / Σ_j K((x − x_j)/h). In attention's words: x is the query, the x_i are the "
      "keys and the y_i the values. Three kernels K with width h = {}: Gaussian exp(−u²/2), boxcar "
      "(1 if |u| ≤ 1) and Epanechnikov max(0, 1 − u²).",
      cfg.ancho);
  std::string tabla = n.tr("núcleo          error cuadrático medio (contra la curva sin ruido)\n",
                           "kernel          mean squared error (against the noiseless curve)\n");
  for (const Regresion& g : r.regresiones) {
    const std::string nombre = nombre_nucleo(n, g.nucleo);
    tabla += nombre + std::string(16 - std::min<size_t>(15, nombre.size()), ' ') + fixed(g.error, 4) + "\n";
  }
  n.show(tabla);
  n.say(
      "Cada fila de la matriz de pesos es una pregunta x y suma 1; como los x_i están ordenados, el peso se "
      "concentra cerca de la diagonal: cada x mira a sus vecinos. Una fila de cada 5 y una columna de cada 5, "
      "con el núcleo gaussiano:",
      "Each row of the weight matrix is a query x and sums to 1; since the x_i are sorted, the weight gathers "
      "near the diagonal: each x looks at its neighbours. One row in 5 and one column in 5, with the Gaussian "
      "kernel:");
  const Tensor& pesos = r.regresiones[0].pesos;
  Tensor muestra({10, 8});  // 8 columnas: cabe en una terminal de 80
  std::vector<std::string> filas, columnas;
  for (int64_t i = 0; i < 10; ++i) filas.push_back("x=" + fixed(r.datos.x_test[i * 5], 1));
  for (int64_t j = 0; j < 8; ++j) columnas.push_back(fixed(r.datos.x_train[j * 5], 1));
  for (int64_t i = 0; i < 10; ++i)
    for (int64_t j = 0; j < 8; ++j) muestra.at({i, j}) = pesos.at({i * 5, j * 5});
  n.heatmap(muestra, {.row_labels = filas, .col_labels = columnas, .decimals = 2});

  std::vector<std::string> etiquetas_x, etiquetas_c;
  for (int64_t i = 0; i < r.datos.x_test.numel(); ++i) etiquetas_x.push_back(fixed(r.datos.x_test[i], 1));
  for (int64_t i = 0; i < r.datos.x_train.numel(); ++i) etiquetas_c.push_back(fixed(r.datos.x_train[i], 2));
  svg::heatmap(n.path("nadaraya_pesos.svg"),
               {.title = n.tr("Pesos de atención de Nadaraya–Watson (núcleo gaussiano)",
                              "Nadaraya–Watson attention weights (Gaussian kernel)"),
                .x_label = n.tr("clave x_i (datos de entrenamiento)", "key x_i (training data)"),
                .y_label = n.tr("pregunta x", "query x"),
                .values = pesos,
                .row_labels = etiquetas_x,
                .col_labels = etiquetas_c,
                .show_values = false});
  n.figure(n.path("nadaraya_pesos.svg"), "matriz de pesos de Nadaraya–Watson", "Nadaraya–Watson weight matrix");
  std::vector<svg::Series> series = {
      {.name = n.tr("datos", "data"), .x = vec(r.datos.x_train), .y = vec(r.datos.y_train), .mark = svg::Mark::points},
      {.name = "2 " + n.tr("sen", "sin") + "(x) + x", .x = vec(r.datos.x_test), .y = vec(r.datos.y_test)}};
  for (const Regresion& g : r.regresiones)
    series.push_back({.name = nombre_nucleo(n, g.nucleo), .x = vec(r.datos.x_test), .y = vec(g.prediccion)});
  svg::plot(
      n.path("nadaraya.svg"),
      {.title = n.tr("Regresión de Nadaraya–Watson, h = ", "Nadaraya–Watson regression, h = ") + fixed(cfg.ancho, 2),
       .x_label = "x",
       .y_label = "y",
       .series = series});
  n.figure(n.path("nadaraya.svg"), "datos y predicción de cada núcleo", "data and each kernel's prediction");
}

// ---------------------------------------------------------------------------------------------
// Paso 3: aprender el ancho h por descenso por gradiente, dejando fuera al propio punto (α_ii = 0).
// (El descenso: aprender_ancho() en lessons/common/nadaraya_experiments.cpp.)
void paso3_aprender_ancho(Narrator& n) {
  n.step(3, "Aprender el ancho h con descenso por gradiente", "Learning the width h by gradient descent");
  const ConfigAncho cfg = config_ancho(n.options());
  n.say(
      "El ancho es un parámetro: guardamos log h (así h = exp(log h) siempre es positivo) y lo movemos con "
      "Adam para bajar el error de predecir cada y_i con los demás puntos (α_ii = 0: dejamos fuera al propio "
      "punto). Empezamos en h = {}, {} pasos.",
      "The width is a parameter: we store log h (so h = exp(log h) is always positive) and move it with Adam "
      "to lower the error of predicting each y_i from the other points (α_ii = 0: we leave the point itself "
      "out). We start at h = {}, {} steps.",
      cfg.ancho_inicial, cfg.pasos);
  const Ancho r = aprender_ancho(cfg);
  std::string tabla = n.tr(" paso       h    pérdida\n", " step       h       loss\n");
  for (size_t p = 0; p < r.anchos.size(); p += size_t(cfg.pasos / 5))
    tabla += fixed(double(p), 0, 5) + fixed(r.anchos[p], 3, 8) + fixed(r.perdidas[p], 4, 11) + "\n";
  n.show(tabla);
  const bool mejor = r.error_final < r.error_inicial;
  n.say("Contra la curva sin ruido, el error pasó de {} (h = {}) a {} (h = {}): {}.",
        "Against the noiseless curve, the error went from {} (h = {}) to {} (h = {}): {}.", fixed(r.error_inicial, 4),
        fixed(r.anchos.front(), 2), fixed(r.error_final, 4), fixed(r.anchos.back(), 3),
        mejor ? n.tr("mejoró", "it improved") : n.tr("NO mejoró", "it did NOT improve"));
  ConfigAncho sin_mascara = cfg;
  sin_mascara.dejar_uno_fuera = false;
  const Ancho m = aprender_ancho(sin_mascara);
  n.say(
      "Al revés: si cada punto puede mirarse a sí mismo, h baja a {} tras los mismos {} pasos, la pérdida de "
      "entrenamiento baja a {} porque cada punto se copia, y el error contra la curva es {} ({} que con la "
      "máscara).",
      "The wrong way: if each point may look at itself, h falls to {} after the same {} steps, the training loss "
      "falls to {} because each point copies itself, and the error against the curve is {} ({} than with the "
      "mask).",
      fixed(m.anchos.back(), 3), cfg.pasos, fixed(m.perdidas.back(), 4), fixed(m.error_final, 4),
      m.error_final > r.error_final ? n.tr("peor", "worse") : n.tr("NO peor", "NOT worse"));
  svg::plot(
      n.path("ancho_aprendido.svg"),
      {.title = n.tr("Ancho h del núcleo gaussiano durante el descenso", "Gaussian kernel width h during descent"),
       .x_label = n.tr("paso", "step"),
       .y_label = "h",
       .series = {{.name = n.tr("dejando fuera al propio punto", "leaving the point itself out"), .y = r.anchos},
                  {.name = n.tr("cada punto se ve a sí mismo", "each point sees itself"), .y = m.anchos}}});
  n.figure(n.path("ancho_aprendido.svg"), "h durante el descenso, con y sin máscara",
           "h during descent, with and without mask");
}

// ---------------------------------------------------------------------------------------------
// Paso 4: los cuatro pasos de Bahdanau (estados, puntajes, softmax, contexto) y tres puntajes.
// (Las cuentas a mano: cuatro_pasos() en lessons/common/rnn_attention_experiments.cpp.)
void paso4_bahdanau(Narrator& n) {
  n.step(4, "Los cuatro pasos de Bahdanau y tres puntajes", "Bahdanau's four steps and three scores");
  const Bahdanau r = cuatro_pasos(n.options().seed);
  n.say(
      "(1) Un GRU sin entrenar lee 5 vectores: sus estados h_1 … h_5 (dimensión 4) son las claves y los "
      "valores. (2) Con el estado s del decodificador se calcula un puntaje por cada h_j. (3) softmax convierte "
      "los puntajes en pesos α_j. (4) El contexto es c = Σ_j α_j h_j. Los tres puntajes, a mano:",
      "(1) An untrained GRU reads 5 vectors: its states h_1 … h_5 (dimension 4) are the keys and the values. "
      "(2) With the decoder state s one score is computed for each h_j. (3) softmax turns the scores into "
      "weights α_j. (4) The context is c = Σ_j α_j h_j. The three scores, by hand:");
  std::string tabla = n.tr("                               j=1     j=2     j=3     j=4     j=5\n",
                           "                               j=1     j=2     j=3     j=4     j=5\n");
  for (size_t f = 0; f < 3; ++f) {
    const std::string& nombre = r.nombres[f];
    size_t ancho = 0;
    for (unsigned char ch : nombre) ancho += (ch & 0xC0) != 0x80;
    tabla += nombre + std::string(27 - ancho, ' ') + " e ";
    for (double e : r.puntajes[f]) tabla += fixed(e, 3, 8);
    tabla += "\n" + std::string(27, ' ') + " α ";
    for (double a : r.pesos[f]) tabla += fixed(a, 3, 8);
    tabla += "\n";
  }
  n.show(tabla);
  n.say(
      "Con DotScore, GeneralScore y AdditiveScore (nn/attention/scores.h) los puntajes difieren en {} y los "
      "contextos en {} como máximo: {}.",
      "With DotScore, GeneralScore and AdditiveScore (nn/attention/scores.h) the scores differ by at most {} "
      "and the contexts by at most {}: {}.",
      sci(r.dif_puntajes), sci(r.dif_contexto),
      std::max(r.dif_puntajes, r.dif_contexto) < 1e-5 ? n.tr("coinciden", "they agree")
                                                      : n.tr("NO coinciden", "they do NOT agree"));
  n.say(
      "Dos detalles del cuaderno del curso. Escribe el MLP como vᵀ tanh(W[s; h_j + b]): el sesgo va fuera de "
      "la concatenación, vᵀ tanh(W[s; h_j] + b), y W[s; h_j] es lo mismo que W_q s + W_k h_j partiendo W en "
      "dos bloques (Bahdanau no usa sesgo). Y usa el estado anterior s_{t−1}, como Bahdanau; Luong usa el "
      "actual s_t, que es lo que hace el modelo del paso 5.",
      "Two details of the course notebook. It writes the MLP as vᵀ tanh(W[s; h_j + b]): the bias goes outside "
      "the concatenation, vᵀ tanh(W[s; h_j] + b), and W[s; h_j] is the same as W_q s + W_k h_j by splitting W "
      "into two blocks (Bahdanau uses no bias). And it uses the previous state s_{t−1}, as Bahdanau does; Luong "
      "uses the current s_t, which is what the model of step 5 does.");
}

// ---------------------------------------------------------------------------------------------
// Paso 5: entrenar dos codificadores–decodificadores GRU que invierten secuencias, con y sin
// atención. (La tarea, el entrenamiento y la evaluación: lessons/common/rnn_attention_experiments.cpp.)

// Las primeras `cuantas` secuencias de prueba del largo máximo: entrada, esperado y lo que escribe
// cada modelo, con «bien» o «mal».
std::string ejemplos(Narrator& n, const Comparacion& c, size_t cuantas) {
  const std::vector<std::string>& voc = c.tarea.tgt_tokens;
  std::string t;
  for (size_t i = 0; i < c.tarea.test.size() && cuantas > 0; ++i) {
    const SeqPair& par = c.tarea.test[i];
    if (int64_t(par.src.size()) != c.cfg.largo_maximo) continue;
    --cuantas;
    auto linea = [&](const std::string& quien, const std::vector<int64_t>& salida) {
      return quien + join_tokens(voc, salida) + "   " +
             (salida == par.tgt ? n.tr("(bien)", "(right)") : n.tr("(mal)", "(wrong)")) + "\n";
    };
    t += n.tr("entrada        ", "input          ") + join_tokens(c.tarea.src_tokens, par.src) + "\n";
    t += n.tr("esperado       ", "expected       ") + join_tokens(voc, par.tgt) + "\n";
    t += linea(n.tr("sin atención   ", "no attention   "), c.sin_atencion.prueba.salida.tokens[i]);
    t += linea(n.tr("con atención   ", "attention      "), c.con_atencion.prueba.salida.tokens[i]);
  }
  return t;
}

void paso5_entrenar(Narrator& n, const Comparacion& c) {
  n.step(5, "Entrenar con y sin atención: invertir secuencias", "Training with and without attention: reversing");
  const ConfigReversa& cfg = c.cfg;
  n.say(
      "La tarea: invertir secuencias de {} a {} dígitos (0 a {}), «3 1 4 1 5» → «5 1 4 1 3». Dos redes GRU "
      "iguales (embedding {}, estado {}), entrenadas con Adam (lr = {}) {} pasos con lotes de {} ejemplos de "
      "{}: una sin atención (el decodificador solo recibe h_S) y otra con atención aditiva. Se evalúan en {} "
      "secuencias que no vieron, decodificando con su propia salida (greedy).",
      "The task: reversing sequences of {} to {} digits (0 to {}), \"3 1 4 1 5\" → \"5 1 4 1 3\". Two identical "
      "GRU networks (embedding {}, state {}), trained with Adam (lr = {}) for {} steps on batches of {} examples "
      "out of {}: one without attention (the decoder only gets h_S) and one with additive attention. They are "
      "evaluated on {} sequences they never saw, decoding from their own output (greedy).",
      cfg.largo_minimo, cfg.largo_maximo, cfg.simbolos - 1, cfg.embedding, cfg.oculta, cfg.lr, cfg.pasos, cfg.lote,
      cfg.entrenamiento, cfg.prueba);
  const Evaluacion &sin = c.sin_atencion.prueba, &con = c.con_atencion.prueba;
  std::string tabla = n.tr("                pérdida   secuencias exactas   tokens correctos\n",
                           "                   loss      exact sequences     correct tokens\n");
  tabla += n.tr("sin atención", "no attention") + std::string(n.english() ? 3 : 3, ' ') +
           fixed(perdida_final(c.sin_atencion.perdidas), 3, 8) + fixed(100 * sin.exactas, 1, 19) + " %" +
           fixed(100 * sin.por_token, 1, 17) + " %\n";
  tabla += n.tr("con atención", "attention   ") + std::string(3, ' ') +
           fixed(perdida_final(c.con_atencion.perdidas), 3, 8) + fixed(100 * con.exactas, 1, 19) + " %" +
           fixed(100 * con.por_token, 1, 17) + " %\n";
  n.show(tabla);
  const double margen = con.por_token - sin.por_token;
  n.say(
      "(pérdida: media de los últimos 20 lotes). La atención {} por {} puntos en tokens correctos y por {} en "
      "secuencias exactas.",
      "(loss: mean of the last 20 batches). Attention {} by {} points on correct tokens and by {} on exact "
      "sequences.",
      margen > 0 ? n.tr("gana", "wins") : n.tr("NO gana", "does NOT win"), fixed(100 * margen, 1),
      fixed(100 * (con.exactas - sin.exactas), 1));
  std::string largos = n.tr("largo     sin atención   con atención\n", "length    no attention      attention\n");
  std::vector<real> eje, curva_sin, curva_con;
  for (size_t l = 0; l < sin.exactas_por_largo.size(); ++l) {
    const int64_t largo = cfg.largo_minimo + int64_t(l);
    largos += fixed(double(largo), 0, 5) + fixed(100 * sin.exactas_por_largo[l], 1, 14) + " %" +
              fixed(100 * con.exactas_por_largo[l], 1, 13) + " %\n";
    eje.push_back(real(largo)), curva_sin.push_back(real(sin.exactas_por_largo[l]));
    curva_con.push_back(real(con.exactas_por_largo[l]));
  }
  n.say("Las tres primeras secuencias de prueba de {} dígitos, invertidas por cada modelo:",
        "The first three test sequences of {} digits, reversed by each model:", cfg.largo_maximo);
  n.show(ejemplos(n, c, 3));
  n.say("Secuencias exactas según el largo de la entrada:", "Exact sequences by input length:");
  n.show(largos);
  const bool cae = sin.exactas_por_largo.back() < sin.exactas_por_largo.front();
  n.say(
      "Sin atención, el acierto con las más largas ({} %) es {} que con las más cortas ({} %): todo tiene que "
      "pasar por un vector de {} números. Con atención, el decodificador vuelve a leer la entrada en cada paso.",
      "Without attention, accuracy on the longest ({} %) is {} than on the shortest ({} %): everything has to go "
      "through one vector of {} numbers. With attention, the decoder reads the input again at every step.",
      fixed(100 * sin.exactas_por_largo.back(), 1), cae ? n.tr("menor", "lower") : n.tr("NO menor", "NOT lower"),
      fixed(100 * sin.exactas_por_largo.front(), 1), cfg.oculta);
  svg::plot(
      n.path("exactas_por_largo.svg"),
      {.title = n.tr("Secuencias invertidas sin error, según el largo", "Sequences reversed without error, by length"),
       .x_label = n.tr("largo de la entrada", "input length"),
       .y_label = n.tr("fracción exacta", "exact fraction"),
       .series = {{.name = n.tr("sin atención", "no attention"), .x = eje, .y = curva_sin},
                  {.name = n.tr("con atención", "attention"), .x = eje, .y = curva_con}}});
  n.figure(n.path("exactas_por_largo.svg"), "acierto según el largo, con y sin atención",
           "accuracy by length, with and without attention");
  svg::plot(n.path("perdidas.svg"),
            {.title = n.tr("Pérdida de entrenamiento", "Training loss"),
             .x_label = n.tr("paso", "step"),
             .y_label = n.tr("entropía cruzada (escala log)", "cross-entropy (log scale)"),
             .series = {{.name = n.tr("sin atención", "no attention"), .y = c.sin_atencion.perdidas},
                        {.name = n.tr("con atención", "attention"), .y = c.con_atencion.perdidas}},
             .log_y = true});
  n.figure(n.path("perdidas.svg"), "curvas de pérdida de los dos modelos", "loss curves of both models");
}

// ---------------------------------------------------------------------------------------------
// Paso 6: el mapa de alineación: la fila t es α del paso t del decodificador, a qué entradas miró
// para escribir la salida t. (alineacion_de_ejemplo() en lessons/common/rnn_attention_experiments.cpp.)
void paso6_alineacion(Narrator& n, const Comparacion& c) {
  n.step(6, "El mapa de alineación", "The alignment map");
  const Alineacion a = alineacion_de_ejemplo(c);
  std::string entrada, salida;
  for (const std::string& s : a.entrada) entrada += s + " ";
  for (const std::string& s : a.salida) salida += s + " ";
  n.say(
      "Entrada «{}», salida del modelo con atención «{}». Fila = paso del decodificador (la salida que "
      "escribe), columna = entrada:",
      "Input \"{}\", output of the model with attention \"{}\". Row = decoder step (the output it writes), "
      "column = input:",
      entrada.substr(0, entrada.size() - 1), salida.substr(0, salida.size() - 1));
  if (a.pesos.defined() && a.pesos.numel() > 0) {
    std::vector<std::string> filas;
    for (size_t t = 0; t < a.salida.size(); ++t) filas.push_back(std::to_string(t + 1) + ": " + a.salida[t]);
    std::vector<std::string> columnas;
    for (size_t j = 0; j < a.entrada.size(); ++j) columnas.push_back(a.entrada[j]);
    n.heatmap(a.pesos, {.row_labels = filas, .col_labels = columnas, .vmin = 0, .vmax = 1});
    svg::heatmap(
        n.path("alineacion.svg"),
        {.title = n.tr("Alineación del modelo con atención (invertir)", "Alignment of the attention model (reversal)"),
         .x_label = n.tr("entrada (lo que lee el codificador)", "input (what the encoder reads)"),
         .y_label = n.tr("salida (paso del decodificador)", "output (decoder step)"),
         .values = a.pesos,
         .row_labels = filas,
         .col_labels = columnas,
         .vmin = 0,
         .vmax = 1});
    n.figure(n.path("alineacion.svg"), "mapa de alineación salida × entrada", "alignment map output × input");
  }
  const double espejo = c.con_atencion.prueba.espejo;
  n.say(
      "Para invertir, el paso t debe mirar la entrada S − 1 − t: la antidiagonal. En todas las secuencias de "
      "prueba, el peso mayor cae en esa posición en el {} de los pasos: {} de la mitad.",
      "To reverse, step t must look at input S − 1 − t: the anti-diagonal. Over all test sequences, the largest "
      "weight falls on that position in {} of the steps: {} than half.",
      porciento(espejo), espejo > 0.5 ? n.tr("más", "more") : n.tr("menos", "less"));
  n.say(
      "El peso de un paso puede repartirse entre dos columnas vecinas: el codificador lee de izquierda a "
      "derecha, así que h_{j+1} todavía recuerda la entrada j y también sirve para copiarla.",
      "The weight of a step may be shared by two neighbouring columns: the encoder reads from left to right, "
      "so h_{j+1} still remembers input j and is useful for copying it too.");
}

// ---------------------------------------------------------------------------------------------
// La lección con los dos modelos ya entrenados (las pruebas entrenan una vez y narran en los dos
// idiomas).
void leccion(Narrator& n, const Comparacion& c) {
  paso1_recurrencia(n);
  paso2_nadaraya(n);
  paso3_aprender_ancho(n);
  paso4_bahdanau(n);
  paso5_entrenar(n, c);
  paso6_alineacion(n, c);
  n.summary({
      {"Una RNN resume la secuencia en h_t; sin atención, el decodificador solo recibe el último estado.",
       "An RNN summarizes the sequence in h_t; without attention, the decoder only gets the last state."},
      {"Nadaraya–Watson ya es atención: pregunta x, claves x_i, valores y_i, pesos que suman 1; su ancho h se "
       "puede aprender si cada punto no se ve a sí mismo.",
       "Nadaraya–Watson already is attention: query x, keys x_i, values y_i, weights that sum to 1; its width h "
       "can be learned if no point sees itself."},
      {"Bahdanau: estados, puntajes (punto, bilineal o MLP), softmax y contexto c = Σ α_j h_j.",
       "Bahdanau: states, scores (dot, bilinear or MLP), softmax and context c = Σ α_j h_j."},
      {"Con atención la red GRU invierte secuencias mejor que sin ella; el mapa de alineación muestra a qué "
       "entrada mira cada paso de la salida.",
       "With attention the GRU network reverses sequences better than without; the alignment map shows which "
       "input each output step looks at."},
  });
  // ConfigReversa está en lessons/common/rnn_attention_experiments.h y ConfigNadaraya en
  // lessons/common/nadaraya_experiments.h.
  n.exercises({
      {"Ejecuta con --full (2000 pasos): el modelo con atención invierte casi todas las secuencias de prueba "
       "(más del 95 %) y el peso mayor cae en la antidiagonal en más pasos que con 400; el modelo sin atención "
       "se queda atrás (menos del 80 %).",
       "Run with --full (2000 steps): the attention model reverses almost every test sequence (more than 95 %) "
       "and the largest weight falls on the anti-diagonal in more steps than with 400; the model without "
       "attention stays behind (less than 80 %)."},
      {"En struct ConfigReversa cambia `largo_maximo = 8` por 12: con 10 dígitos o más el modelo sin atención "
       "casi no acierta ninguna secuencia (menos del 10 %), mientras que el que tiene atención todavía acierta "
       "varias.",
       "In struct ConfigReversa change `largo_maximo = 8` to 12: with 10 digits or more the model without "
       "attention gets almost no sequence right (less than 10 %), while the one with attention still gets "
       "several."},
      {"En ConfigReversa cambia `Seq2SeqAttention::Additive` por `Seq2SeqAttention::Dot` o `General`: los otros "
       "dos puntajes del paso 4 también aprenden a invertir y también dan una antidiagonal.",
       "In ConfigReversa change `Seq2SeqAttention::Additive` to `Seq2SeqAttention::Dot` or `General`: the other "
       "two scores of step 4 also learn to reverse and also give an anti-diagonal."},
      {"En struct ConfigNadaraya prueba `ancho = 0.1f` y `ancho = 2.0f` y mira nadaraya.svg: con 0.1 la "
       "predicción sigue el ruido (sube y baja mucho más) y con 2.0 aplana la curva (el error se multiplica).",
       "In struct ConfigNadaraya try `ancho = 0.1f` and `ancho = 2.0f` and look at nadaraya.svg: with 0.1 the "
       "prediction follows the noise (it goes up and down much more) and with 2.0 it flattens the curve (the "
       "error multiplies)."},
  });
}

void run(Narrator& n) { leccion(n, comparar(config_reversa(n.options()))); }

}  // namespace lesson01

#ifndef ATN_LESSON_NO_MAIN
int main(int argc, char** argv) {
  return atn::run_lesson(argc, argv, "01", {"Atención en redes recurrentes", "Attention in recurrent networks"},
                         lesson01::run);
}
#endif
