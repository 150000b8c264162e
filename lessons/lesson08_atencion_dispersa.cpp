// Lección 08 · Atención dispersa
//
// La auto-atención densa compara cada token con todos los demás: n² puntajes. Child et al. (2019,
// "Generating Long Sequences with Sparse Transformers") dejan que cada token mire solo a un
// conjunto pequeño N(i). Esta lección dibuja la ventana local del curso,
// N(i) = {j : max(0, i−k+1) ≤ j ≤ i} (k cuenta al propio token), y los patrones «strided» y
// «fixed» del artículo; mide el costo de la atención local (n·k puntajes) frente a la densa (n²)
// al crecer n, en tiempo y en memoria (medida en el asignador de tensores); muestra que la
// información sí viaja más allá de la ventana al apilar capas: el campo receptivo de L capas con
// ventana k es L(k−1) + 1, calculado con productos booleanos de las máscaras y visto con un
// gradiente; y entrena un modelo cuya cabeza h tiene ventana h + 1.
//
//   make lesson08                      ejecuta la lección
//   make lesson08 ARGS="--step"        espera Enter tras cada paso
//   make lesson08 ARGS="--lang en"     in English
#include <algorithm>
#include <chrono>
#include <cmath>

#include "autograd/ops_basic.h"
#include "autograd/ops_loss.h"
#include "autograd/ops_shape.h"
#include "data/corpus.h"
#include "lessons/common/narrator.h"
#include "models/toy_attention_lm.h"
#include "nn/attention/local_attention.h"
#include "nn/attention/masks.h"
#include "nn/attention/sdpa.h"
#include "optim/adam.h"
#include "tensor/memory_counter.h"
#include "tensor/rng.h"
#include "viz/svg.h"

namespace lesson08 {

using namespace atn;

std::string si_no(Narrator& n, bool v) { return v ? n.tr("sí", "yes") : n.tr("no", "no"); }

int64_t unos(const Tensor& m) {
  int64_t c = 0;
  for (int64_t i = 0; i < m.numel(); ++i) c += m[i] != 0;
  return c;
}

// ---------------------------------------------------------------------------------------------
// Paso 1: la ventana local, a mano. Fila i = el conjunto N(i) de la pregunta i.
Tensor ventana_a_mano(int64_t n, int64_t k) {
  Tensor m = Tensor::zeros({n, n});
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = std::max<int64_t>(0, i - k + 1); j <= i; ++j) m.at({i, j}) = 1;
  return m;
}

void dibujar_mascara(Narrator& n, const Tensor& m, const std::string& archivo, const std::string& titulo_es,
                     const std::string& titulo_en) {
  n.heatmap(m, {.decimals = 0, .values = false, .vmin = 0, .vmax = 1});
  svg::heatmap(n.path(archivo), {.title = n.tr(titulo_es, titulo_en),
                                 .x_label = n.tr("token j (clave)", "token j (key)"),
                                 .y_label = n.tr("token i (pregunta)", "token i (query)"),
                                 .values = m,
                                 .vmin = 0,
                                 .vmax = 1});
  n.figure(n.path(archivo), titulo_es, titulo_en);
}

constexpr int64_t kN = 12, kK = 3, kPaso = 4;

void paso1_ventana(Narrator& n) {
  n.step(1, "La ventana local y los patrones de Child et al.", "The local window and the patterns of Child et al.");
  const Tensor m = ventana_a_mano(kN, kK);
  n.say(
      "La ventana del curso: N(i) = {j : max(0, i−k+1) ≤ j ≤ i}. k cuenta al propio token: con k = {} el token "
      "i mira a i−k+1, …, i−1 e i. Máscara para n = {} (1 = puede mirar):",
      "The course's window: N(i) = {j : max(0, i−k+1) ≤ j ≤ i}. k counts the token itself: with k = {} token i "
      "looks at i−k+1, …, i−1 and i. Mask for n = {} (1 = may look):",
      kK, kN);
  dibujar_mascara(n, m, "ventana_local.svg", "Ventana local, k = " + std::to_string(kK),
                  "Local window, k = " + std::to_string(kK));
  n.say("¿Igual a local_window_mask de la biblioteca? {}. Puntajes: {} en lugar de los {} de la máscara causal.",
        "Equal to the library's local_window_mask? {}. Scores: {} instead of the {} of the causal mask.",
        si_no(n, max_abs_diff(m, local_window_mask(kN, kK)) == 0), unos(m), unos(causal_mask(kN)));
  const Tensor s = strided_mask(kN, kPaso), f = fixed_mask(kN, kPaso, 1);
  n.say(
      "Patrón «strided» de Child et al. con paso l = {}: los l tokens anteriores más uno de cada l hacia atrás "
      "(bueno para datos con periodo, como imágenes):",
      "Child et al.'s strided pattern with stride l = {}: the l previous tokens plus one every l back (good for "
      "periodic data such as images):",
      kPaso);
  dibujar_mascara(n, s, "patron_strided.svg", "Patrón strided, l = 4", "Strided pattern, l = 4");
  n.say(
      "Patrón «fixed» con l = {} y c = 1: mi propio bloque más la última celda de cada bloque anterior (las "
      "celdas «resumen»):",
      "Fixed pattern with l = {} and c = 1: my own block plus the last cell of every earlier block (the "
      "\"summary\" cells):",
      kPaso);
  dibujar_mascara(n, f, "patron_fixed.svg", "Patrón fixed, l = 4, c = 1", "Fixed pattern, l = 4, c = 1");
  n.say("Puntajes: ventana {}, strided {}, fixed {}, causal completa {}.",
        "Scores: window {}, strided {}, fixed {}, full causal {}.", unos(m), unos(s), unos(f), unos(causal_mask(kN)));
}

// ---------------------------------------------------------------------------------------------
// Paso 2: el costo. Local: n·k puntajes (la banda [n, k]); densa: n² (la matriz [n, n]).
struct Medicion {
  int64_t n = 0;
  int64_t puntajes_local = 0, puntajes_densa = 0;  // elementos de la matriz de pesos
  double ms_local = 0, ms_densa = 0;
  int64_t bytes_local = 0, bytes_densa = 0;  // lo más que tuvo reservado a la vez, medido en el asignador
  double diferencia = 0;  // max |local − densa con la máscara de ventana|
};

constexpr int64_t kD = 16, kVentana = 16;

// Mide el mejor de `repeticiones` tiempos (el mínimo es el menos afectado por otros procesos).
Medicion medir(int64_t n, uint64_t semilla, int repeticiones) {
  NoGrad sin_cinta;
  Rng rng(semilla);
  const Var q = constant(Tensor::randn({1, 1, n, kD}, rng)), k = constant(Tensor::randn({1, 1, n, kD}, rng)),
            v = constant(Tensor::randn({1, 1, n, kD}, rng));
  Medicion m;
  m.n = n;
  using reloj = std::chrono::steady_clock;
  Tensor banda;
  Var local, densa;
  m.ms_local = m.ms_densa = 1e30;
  for (int r = 0; r < repeticiones; ++r) {
    const auto t0 = reloj::now();
    local = local_attention(q, k, v, kVentana, &banda);
    const auto t1 = reloj::now();
    densa = sdpa_composed(q, k, v, local_window_mask(n, kVentana));
    const auto t2 = reloj::now();
    m.ms_local = std::min(m.ms_local, std::chrono::duration<double, std::milli>(t1 - t0).count());
    m.ms_densa = std::min(m.ms_densa, std::chrono::duration<double, std::milli>(t2 - t1).count());
  }
  m.puntajes_local = banda.numel();
  m.puntajes_densa = n * n;
  m.diferencia = max_abs_diff(local.value(), densa.value());
  // La memoria, medida: los bytes de tensores vivos en el pico de cada llamada, menos los de antes
  // (tensor/memory_counter.h cuenta cada bloque que el asignador entrega y devuelve).
  local = densa = Var();
  banda = Tensor();
  const int64_t antes = live_tensor_bytes();
  reset_peak_tensor_bytes();
  local = local_attention(q, k, v, kVentana);
  m.bytes_local = peak_tensor_bytes() - antes;
  local = Var();
  reset_peak_tensor_bytes();
  densa = sdpa_composed(q, k, v, local_window_mask(n, kVentana));
  m.bytes_densa = peak_tensor_bytes() - antes;
  return m;
}

std::vector<int64_t> largos(RunMode modo) {
  if (modo == RunMode::quick) return {128, 256, 512};
  if (modo == RunMode::full) return {256, 512, 1024, 2048, 4096};
  return {256, 512, 1024, 2048};
}

std::vector<Medicion> medir_todo(const LessonOptions& o) {
  std::vector<Medicion> r;
  for (int64_t n : largos(o.mode)) r.push_back(medir(n, o.seed, o.mode == RunMode::quick ? 1 : 3));
  return r;
}

void paso2_costo(Narrator& n) {
  n.step(2, "Costo: n·k frente a n²", "Cost: n·k versus n²");
  n.say(
      "local_attention calcula solo la banda de pesos [n, k] (k = {}); la atención densa con la misma "
      "ventana como máscara (sdpa_composed) calcula la matriz [n, n] entera y luego tapa casi todo. Mismo "
      "resultado, distinto costo (d = {}, el mejor de varios tiempos):",
      "local_attention computes only the band of weights [n, k] (k = {}); dense attention with the same window "
      "as a mask (sdpa_composed) computes the whole [n, n] matrix and then masks almost all of it. Same result, "
      "different cost (d = {}, best of several timings):",
      kVentana, kD);
  const std::vector<Medicion> ms = medir_todo(n.options());
  std::string tabla = n.tr("     n puntajes local puntajes densa  ms local  ms densa  KB local  KB densa\n",
                           "     n   local scores   dense scores  ms local  ms dense  KB local  KB dense\n");
  bool iguales = true;
  double peor = 0;
  for (const Medicion& m : ms) {
    tabla += fixed(double(m.n), 0, 6) + fixed(double(m.puntajes_local), 0, 15) + fixed(double(m.puntajes_densa), 0, 15) +
             fixed(m.ms_local, 2, 10) + fixed(m.ms_densa, 2, 10) + fixed(double(m.bytes_local) / 1024, 0, 10) +
             fixed(double(m.bytes_densa) / 1024, 0, 10) + "\n";
    iguales = iguales && m.diferencia < 1e-5;
    peor = std::max(peor, m.diferencia);
  }
  n.show(tabla);
  const Medicion &a = ms.front(), &b = ms.back();
  const double x = double(b.n) / double(a.n);
  n.say(
      "El mayor |local − densa| es {}: ¿mismo resultado en todas las n (max |Δ| < 1e-5)? {}. De n = {} a n = {} (×{}): los puntajes locales "
      "crecen ×{} y los densos ×{}. Los tiempos medidos crecen ×{} (local) y ×{} (densa); los tiempos dependen "
      "de la máquina, los puntajes no.",
      "The largest |local − dense| is {}: same result at every n (max |Δ| < 1e-5)? {}. From n = {} to n = {} (×{}): the local scores grow ×{} and "
      "the dense ones ×{}. The measured times grow ×{} (local) and ×{} (dense); times depend on the machine, "
      "the scores do not.",
      sci(peor), si_no(n, iguales), a.n, b.n, fixed(x, 0), fixed(double(b.puntajes_local) / double(a.puntajes_local), 1),
      fixed(double(b.puntajes_densa) / double(a.puntajes_densa), 1), fixed(b.ms_local / a.ms_local, 1),
      fixed(b.ms_densa / a.ms_densa, 1));
  const double bl = double(b.bytes_local) / double(a.bytes_local), bd = double(b.bytes_densa) / double(a.bytes_densa);
  n.say(
      "La memoria se mide en el asignador de tensores (tensor/memory_counter.h: lo más que estuvo reservado a la "
      "vez durante la llamada), no se calcula con una fórmula. De n = {} a n = {} la local crece ×{} y la densa "
      "×{}. ¿La local crece como n (menos de ×{}) y la densa como n² (más de ×{})? {}.",
      "Memory is measured in the tensor allocator (tensor/memory_counter.h: the most that was reserved at once "
      "during the call), not computed from a formula. From n = {} to n = {} the local one grows ×{} and the "
      "dense one ×{}. Does the local one grow like n (less than ×{}) and the dense one like n² (more than ×{})? {}.",
      a.n, b.n, fixed(bl, 1), fixed(bd, 1), fixed(1.5 * x, 0), fixed(0.5 * x * x, 0),
      si_no(n, bl < 1.5 * x && bd > 0.5 * x * x));
  std::vector<real> nx, yl, yd, ml, md;
  for (const Medicion& m : ms)
    nx.push_back(real(m.n)), yl.push_back(real(m.ms_local)), yd.push_back(real(m.ms_densa)),
        ml.push_back(real(double(m.bytes_local) / 1024)), md.push_back(real(double(m.bytes_densa) / 1024));
  svg::plot(n.path("costo.svg"),
            {.title = n.tr("Tiempo de atención local frente a densa (log–log)", "Time of local versus dense attention (log–log)"),
             .x_label = n.tr("n (longitud, escala log)", "n (length, log scale)"),
             .y_label = n.tr("tiempo en ms (escala log)", "time in ms (log scale)"),
             .series = {{.name = n.tr("local, k = 16", "local, k = 16"), .x = nx, .y = yl},
                        {.name = n.tr("densa con máscara", "dense with a mask"), .x = nx, .y = yd}},
             .log_y = true,
             .log_x = true});
  n.figure(n.path("costo.svg"), "tiempo contra n en log–log: pendiente 1 (local) y 2 (densa)",
           "time against n in log–log: slope 1 (local) and 2 (dense)");
  svg::plot(n.path("memoria.svg"),
            {.title = n.tr("Memoria de atención local frente a densa (log–log)", "Memory of local versus dense attention (log–log)"),
             .x_label = n.tr("n (longitud, escala log)", "n (length, log scale)"),
             .y_label = n.tr("memoria pico en KB (escala log)", "peak memory in KB (log scale)"),
             .series = {{.name = n.tr("local, k = 16", "local, k = 16"), .x = nx, .y = ml},
                        {.name = n.tr("densa con máscara", "dense with a mask"), .x = nx, .y = md}},
             .log_y = true,
             .log_x = true});
  n.figure(n.path("memoria.svg"), "memoria medida contra n en log–log", "measured memory against n in log–log");
}

// ---------------------------------------------------------------------------------------------
// Paso 3: el campo receptivo. Con L capas, el token i recibe información de j si hay un camino
// i → … → j de L saltos dentro de ventanas: eso es el producto booleano M^L de la máscara.
Tensor producto_booleano(const Tensor& a, const Tensor& b) {
  const int64_t n = a.size(0);
  Tensor r = Tensor::zeros({n, n});
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = 0; j < n; ++j)
      for (int64_t t = 0; t < n && r.at({i, j}) == 0; ++t)
        if (a.at({i, t}) != 0 && b.at({t, j}) != 0) r.at({i, j}) = 1;
  return r;
}

// Alcance de L capas (L ≥ 1): M^L.
Tensor alcance(int64_t n, int64_t k, int64_t capas) {
  const Tensor m = local_window_mask(n, k);
  Tensor r = m;
  for (int64_t l = 1; l < capas; ++l) r = producto_booleano(r, m);
  return r;
}

// ∂ salida_i / ∂ entrada_j para L capas de atención local apiladas (q = k = v = la capa anterior):
// el resultado [n, n] tiene en (i, j) la norma del gradiente de la fila i de la salida respecto de
// la fila j de la entrada.
Tensor gradientes(int64_t n, int64_t k, int64_t capas, uint64_t semilla) {
  Rng rng(semilla);
  const Tensor x0 = Tensor::randn({1, 1, n, 4}, rng);
  Tensor g = Tensor::zeros({n, n});
  for (int64_t i = 0; i < n; ++i) {
    const Var x = param(x0.clone());
    Var h = x;
    for (int64_t l = 0; l < capas; ++l) h = local_attention(h, h, h, k);
    backward(sum(narrow(h, 2, i, 1)));
    const Tensor& gx = x.grad();
    for (int64_t j = 0; j < n; ++j) {
      double s = 0;
      for (int64_t c = 0; c < 4; ++c) s += double(gx.at({0, 0, j, c})) * gx.at({0, 0, j, c});
      g.at({i, j}) = real(std::sqrt(s));
    }
  }
  return g;
}

struct Campo {
  int64_t capas = 0;
  int64_t ancho = 0;            // lo que mide la última fila de M^L
  int64_t formula = 0;          // L(k−1) + 1
  bool gradiente_igual = false; // el gradiente es distinto de 0 exactamente donde M^L es 1
};

std::vector<Campo> campos(int64_t n, int64_t k, int64_t max_capas, uint64_t semilla) {
  std::vector<Campo> r;
  for (int64_t l = 1; l <= max_capas; ++l) {
    const Tensor a = alcance(n, k, l), g = gradientes(n, k, l, semilla);
    Campo c{.capas = l, .formula = std::min(n, l * (k - 1) + 1)};
    for (int64_t j = 0; j < n; ++j) c.ancho += a.at({n - 1, j}) != 0;
    c.gradiente_igual = true;
    for (int64_t i = 0; i < n; ++i)
      for (int64_t j = 0; j < n; ++j) c.gradiente_igual = c.gradiente_igual && ((g.at({i, j}) != 0) == (a.at({i, j}) != 0));
    r.push_back(c);
  }
  return r;
}

void paso3_campo(Narrator& n) {
  n.step(3, "La información viaja más allá de la ventana, capa por capa",
         "Information travels beyond the window, layer by layer");
  n.say(
      "Con una capa, el token i solo ve su ventana de k = {}. Pero en la segunda capa mira a i−1 e i−2, que "
      "ya miraron a su vez hacia atrás. El alcance de L capas es el producto booleano M^L de la máscara, y su "
      "ancho debe ser L(k−1) + 1. Lo comprobamos también con el gradiente ∂ salida_i / ∂ entrada_j de L capas "
      "de local_attention apiladas: no es 0 exactamente dentro del campo receptivo.",
      "With one layer, token i only sees its window of k = {}. But in the second layer it looks at i−1 and i−2, "
      "which already looked further back. The reach of L layers is the boolean product M^L of the mask, and its "
      "width must be L(k−1) + 1. We also check it with the gradient ∂ output_i / ∂ input_j of L stacked "
      "local_attention layers: it is nonzero exactly inside the receptive field.",
      kK);
  const std::vector<Campo> cs = campos(kN, kK, 4, n.options().seed);
  std::string tabla = n.tr("  capas L   ancho de M^L   L(k−1)+1   ¿gradiente ≠ 0 justo ahí?\n",
                           "  layers L   width of M^L   L(k−1)+1   gradient ≠ 0 exactly there?\n");
  bool todo = true;
  for (const Campo& c : cs) {
    tabla += fixed(double(c.capas), 0, 9) + fixed(double(c.ancho), 0, 15) + fixed(double(c.formula), 0, 11) +
             "   " + si_no(n, c.gradiente_igual) + "\n";
    todo = todo && c.ancho == c.formula && c.gradiente_igual;
  }
  n.show(tabla);
  n.say("¿En todas las filas el ancho es L(k−1) + 1 y el gradiente coincide con M^L? {}.",
        "In every row is the width L(k−1) + 1 and does the gradient match M^L? {}.", si_no(n, todo));
  const Tensor g = gradientes(kN, kK, 3, n.options().seed);
  // En la terminal, solo dónde es distinto de 0 (las normas varían demasiado para una escala).
  Tensor no_cero = Tensor::zeros({kN, kN});
  for (int64_t i = 0; i < no_cero.numel(); ++i) no_cero[i] = g[i] != 0;
  n.say("¿Dónde ∂ salida_i / ∂ entrada_j ≠ 0 con 3 capas (k = {})? Una banda de ancho {} (la figura "
        "SVG muestra las normas):",
        "Where is ∂ output_i / ∂ input_j ≠ 0 with 3 layers (k = {})? A band of width {} (the SVG figure "
        "shows the norms):",
        kK, 3 * (kK - 1) + 1);
  n.heatmap(no_cero, {.decimals = 0, .values = false, .vmin = 0, .vmax = 1});
  svg::heatmap(n.path("campo_receptivo.svg"),
               {.title = n.tr("‖∂ salida_i / ∂ entrada_j‖, 3 capas", "‖∂ output_i / ∂ input_j‖, 3 layers"),
                .x_label = n.tr("entrada j", "input j"),
                .y_label = n.tr("salida i", "output i"),
                .values = g});
  n.figure(n.path("campo_receptivo.svg"), "gradiente distinto de 0 solo en el campo receptivo",
           "gradient nonzero only in the receptive field");
}

// ---------------------------------------------------------------------------------------------
// Paso 4: un modelo cuya cabeza h tiene ventana k = h + 1. Es el modelo enmascarado de la lección
// 07 (models/toy_attention_lm.h) con una máscara por cabeza [H, T, T] en lugar de la causal.
constexpr int64_t kCabezas = 3;

Tensor mascaras_por_cabeza(int64_t t) {
  Tensor m({kCabezas, t, t});
  for (int64_t h = 0; h < kCabezas; ++h) {
    const Tensor w = local_window_mask(t, h + 1);  // cabeza h: ventana de h + 1 tokens
    for (int64_t e = 0; e < t * t; ++e) m[h * t * t + e] = w[e];
  }
  return m;
}

struct Ventanas {
  std::vector<real> perdidas;
  std::vector<Tensor> pesos;       // [H][T, T] para kFraseVentanas
  std::vector<int64_t> fuera;      // por cabeza: pesos ≠ 0 fuera de su ventana
  std::vector<int64_t> ancho;      // por cabeza: el mayor número de pesos ≠ 0 en una fila
  std::string despues_de_bos;      // la palabra más probable después de [bos]
};

const std::string kFraseVentanas = "[bos] el muchacho jugaba con la cuerda";

Ventanas entrenar_ventanas(const LessonOptions& o) {
  Rng rng(o.seed);
  ToyAttentionLM modelo({.d_model = 12, .n_heads = kCabezas}, rng);
  const SentenceBatch lote = nine_sentence_batch();
  const Tensor mascara = mascaras_por_cabeza(lote.x.size(1));
  Adam opt(modelo.parameters(), {.lr = 0.02f});
  Ventanas r;
  const int pasos = o.mode == RunMode::quick ? 100 : o.mode == RunMode::full ? 600 : 300;
  for (int t = 0; t < pasos; ++t) {
    const Var perdida = cross_entropy(modelo.forward(lote.x, mascara), lote.y);
    backward(perdida);
    opt.step();
    opt.zero_grad();
    r.perdidas.push_back(perdida.value()[0]);
  }
  NoGrad sin_cinta;
  const std::vector<int64_t> ids = course_ids(kFraseVentanas);
  const int64_t t = int64_t(ids.size());
  Tensor fila({1, t}), w;
  for (int64_t i = 0; i < t; ++i) fila[i] = real(ids[size_t(i)]);
  modelo.forward(fila, mascaras_por_cabeza(t), &w);
  for (int64_t h = 0; h < kCabezas; ++h) {
    const Tensor a = narrow(w, 1, h, 1).reshape({t, t}).clone();
    int64_t fuera = 0, ancho = 0;
    for (int64_t i = 0; i < t; ++i) {
      int64_t en_fila = 0;
      for (int64_t j = 0; j < t; ++j) {
        en_fila += a.at({i, j}) != 0;
        fuera += a.at({i, j}) != 0 && (j > i || j < i - h);
      }
      ancho = std::max(ancho, en_fila);
    }
    r.pesos.push_back(a), r.fuera.push_back(fuera), r.ancho.push_back(ancho);
  }
  const Tensor logits = modelo.forward(Tensor::zeros({1, 1}), mascaras_por_cabeza(1)).value();
  int64_t mejor = 0;
  for (int64_t v = 1; v < logits.numel(); ++v) mejor = logits[v] > logits[mejor] ? v : mejor;
  r.despues_de_bos = course_vocabulary()[size_t(mejor)];
  return r;
}

void paso4_ventana_por_cabeza(Narrator& n) {
  n.step(4, "Un modelo cuya cabeza h ve h + 1 tokens", "A model whose head h sees h + 1 tokens");
  const Ventanas r = entrenar_ventanas(n.options());
  n.say(
      "El modelo enmascarado de la lección 07 (ToyAttentionLM) con {} cabezas, pero cada una con su ventana: "
      "la cabeza h (contando desde 0) tiene k = h + 1 (una máscara [H, T, T]). Entrenado {} pasos con las nueve "
      "oraciones: la pérdida va de {} a {}. Después de «[bos]» predice «{}»: ¿es «el» o «un»? {}.",
      "The masked model of lesson 07 (ToyAttentionLM) with {} heads, but each with its own window: head h "
      "(counting from 0) has k = h + 1 (a mask [H, T, T]). Trained {} steps on the nine sentences: the loss goes "
      "from {} to {}. After \"[bos]\" it predicts \"{}\": is it \"el\" or \"un\"? {}.",
      kCabezas, r.perdidas.size(), fixed(r.perdidas.front(), 3), fixed(r.perdidas.back(), 3), r.despues_de_bos,
      si_no(n, r.despues_de_bos == "el" || r.despues_de_bos == "un"));
  const std::vector<int64_t> ids = course_ids(kFraseVentanas);
  std::vector<std::string> tokens;
  for (int64_t id : ids) tokens.push_back(course_vocabulary()[size_t(id)]);
  bool bandas = true;
  for (int64_t h = 0; h < kCabezas; ++h) {
    n.say("Cabeza {} (k = {}), pesos para «{}»:", "Head {} (k = {}), weights for \"{}\":", h, h + 1, kFraseVentanas);
    n.heatmap(r.pesos[size_t(h)], {.row_labels = tokens, .col_labels = tokens, .decimals = 2, .vmin = 0, .vmax = 1});
    const std::string archivo = "ventana_cabeza_" + std::to_string(h) + ".svg";
    svg::heatmap(n.path(archivo),
                 {.title = n.tr("Cabeza ", "Head ") + std::to_string(h) + n.tr(": ventana k = ", ": window k = ") +
                           std::to_string(h + 1),
                  .x_label = n.tr("token j (clave)", "token j (key)"),
                  .y_label = n.tr("token i (pregunta)", "token i (query)"),
                  .values = r.pesos[size_t(h)],
                  .row_labels = tokens,
                  .col_labels = tokens,
                  .vmin = 0,
                  .vmax = 1});
    n.figure(n.path(archivo), "pesos de la cabeza " + std::to_string(h) + ": una banda de ancho " + std::to_string(h + 1),
             "weights of head " + std::to_string(h) + ": a band of width " + std::to_string(h + 1));
    bandas = bandas && r.fuera[size_t(h)] == 0 && r.ancho[size_t(h)] == h + 1;
  }
  n.say(
      "¿Cada cabeza h pone pesos distintos de 0 solo en su banda, y alguna fila usa los h + 1 tokens? {}. La "
      "cabeza 0 solo se mira a sí misma (su diagonal vale 1); las otras reparten el peso entre el token y sus "
      "vecinos de la izquierda.",
      "Does every head h put nonzero weights only in its band, with some row using all h + 1 tokens? {}. Head 0 "
      "only looks at itself (its diagonal is 1); the others share the weight between the token and its left "
      "neighbours.",
      si_no(n, bandas));
}

// ---------------------------------------------------------------------------------------------
void run(Narrator& n) {
  paso1_ventana(n);
  paso2_costo(n);
  paso3_campo(n);
  paso4_ventana_por_cabeza(n);
  n.summary({
      {"La ventana local N(i) = {j : max(0, i−k+1) ≤ j ≤ i} deja k puntajes por token (k cuenta al propio "
       "token); strided y fixed son dos maneras de Child et al. de cubrir más lejos con pocos puntajes.",
       "The local window N(i) = {j : max(0, i−k+1) ≤ j ≤ i} leaves k scores per token (k counts the token "
       "itself); strided and fixed are two ways of Child et al. to reach further with few scores."},
      {"Calcular solo la banda cuesta n·k; calcular la matriz densa y taparla da lo mismo pero cuesta n².",
       "Computing only the band costs n·k; computing the dense matrix and masking it gives the same but costs n²."},
      {"Con L capas la información llega a L(k−1) + 1 tokens: el producto booleano de las máscaras y el "
       "gradiente dicen lo mismo.",
       "With L layers information reaches L(k−1) + 1 tokens: the boolean product of the masks and the gradient "
       "say the same."},
      {"La memoria medida en el asignador crece como n con la ventana y como n² con la matriz densa; cada cabeza "
       "puede tener su propia ventana (una máscara [H, T, T]).",
       "The memory measured in the allocator grows like n with the window and like n² with the dense matrix; each "
       "head can have its own window (a mask [H, T, T])."},
  });
  n.exercises({
      {"Cambia la constante kK = 3 por 5: cada fila de la máscara tiene 5 unos (menos al inicio) y en el paso "
       "3 la columna L(k−1)+1 pasa a 5, 9, 12, 12 (n = 12 la corta), y el ancho de M^L la sigue.",
       "Change the constant kK = 3 to 5: every mask row has 5 ones (fewer at the start) and in step 3 the "
       "L(k−1)+1 column becomes 5, 9, 12, 12 (n = 12 cuts it), and the width of M^L follows it."},
      {"Ejecuta con --full: las n llegan a 4096; los puntajes densos crecen ×256 y los locales ×16.",
       "Run with --full: n goes up to 4096; the dense scores grow ×256 and the local ones ×16."},
      {"En ventana_a_mano cambia `i - k + 1` por `i - k`: ya no es igual a local_window_mask (la respuesta del "
       "paso 1 pasa a «no»): esa ventana tiene k + 1 tokens.",
       "In ventana_a_mano change `i - k + 1` to `i - k`: it is no longer equal to local_window_mask (the answer "
       "of step 1 becomes \"no\"): that window has k + 1 tokens."},
      {"En mascaras_por_cabeza cambia `local_window_mask(t, h + 1)` por `local_window_mask(t, 2 * h + 1)`: las "
       "bandas de las figuras ventana_cabeza_*.svg pasan a anchos 1, 3 y 5, y la respuesta del paso 4 a «no» (ya "
       "no son h + 1).",
       "In mascaras_por_cabeza change `local_window_mask(t, h + 1)` to `local_window_mask(t, 2 * h + 1)`: the "
       "bands of the figures ventana_cabeza_*.svg become widths 1, 3 and 5, and the answer of step 4 becomes "
       "\"no\" (they are no longer h + 1)."},
  });
}

}  // namespace lesson08

#ifndef ATN_LESSON_NO_MAIN
int main(int argc, char** argv) {
  return atn::run_lesson(argc, argv, "08", {"Atención dispersa", "Sparse attention"}, lesson08::run);
}
#endif
