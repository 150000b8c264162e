// Lección 05 · Suma y normalización
//
// Los dos "Add & Norm" del Transformador: la conexión residual (sumar la entrada a la salida de
// cada subcapa) y la normalización. Veremos por qué la suma deja pasar el gradiente por muchas
// capas, qué eje normalizan BatchNorm, LayerNorm y RMSNorm, en qué se distingue la LayerNorm del
// cuaderno del curso de la estándar, dónde va la normalización (post-norm o pre-norm) y el bloque
// paralelo de PaLM.
//
// Se lee de arriba abajo. Las cuentas que comprueba tests/test_lesson05.cpp están en funciones
// que devuelven resultados y no imprimen nada.
//
//   make lesson05                      ejecuta la lección
//   make lesson05 ARGS="--step"        espera Enter tras cada paso
//   make lesson05 ARGS="--lang en"     in English
#include <cmath>
#include <memory>

#include "autograd/ops_basic.h"
#include "autograd/ops_math.h"
#include "autograd/ops_shape.h"
#include "lessons/common/narrator.h"
#include "nn/attention/multi_head.h"
#include "nn/batch_norm.h"
#include "nn/feed_forward.h"
#include "nn/linear.h"
#include "nn/norm.h"
#include "tensor/elementwise.h"
#include "tensor/matmul.h"
#include "tensor/rng.h"
#include "tensor/shape_ops.h"
#include "viz/svg.h"

namespace lesson05 {

using namespace atn;

// La norma euclidiana de un tensor: √(Σ x²).
double norma(const Tensor& t) {
  double s = 0;
  for (int64_t i = 0; i < t.numel(); ++i) s += double(t[i]) * double(t[i]);
  return std::sqrt(s);
}

// ---------------------------------------------------------------------------------------------
// Paso 1: la conexión residual. Apilamos capas x_{l+1} = tanh(W_l x_l + b_l) (sin residual) o
// x_{l+1} = x_l + tanh(W_l x_l + b_l) (con residual) y medimos ‖∂L/∂x_l‖ en cada capa.
// La regla de la cadena multiplica una jacobiana por capa: sin residual cada factor es
// tanh'·W, de norma menor que 1 con la inicialización de PyTorch, y el producto se desvanece;
// con residual cada factor es I + tanh'·W, y la identidad deja pasar el gradiente entero.
enum class Activacion { tanh, relu };

struct ConfigProfundidad {
  int capas = 20;
  Activacion activacion = Activacion::tanh;
  int64_t ancho = 32;  // d: cada capa es Linear(d, d)
  int64_t lote = 16;   // ejemplos
  uint64_t semilla = 1;
};

ConfigProfundidad config_profundidad(const LessonOptions& o) {
  return {.capas = o.mode == RunMode::full ? 50 : 20, .semilla = o.seed};
}

struct Gradientes {
  std::vector<real> sin_residual, con_residual;  // [l] = ‖∂L/∂x_l‖, l = 0 … capas
};

// ‖∂L/∂x_l‖ para l = 0 … capas, con L = Σ x_capas ⊙ r (r fijo y aleatorio): las dos redes reciben
// el mismo gradiente arriba, ∂L/∂x_capas = r, y usan los mismos pesos.
std::vector<real> normas_por_capa(const ConfigProfundidad& cfg, bool residual) {
  Rng rng(cfg.semilla);
  std::vector<std::unique_ptr<Linear>> capas;
  for (int l = 0; l < cfg.capas; ++l) capas.push_back(std::make_unique<Linear>(cfg.ancho, cfg.ancho, rng));
  const Tensor entrada = Tensor::randn({cfg.lote, cfg.ancho}, rng);
  const Tensor r = Tensor::randn({cfg.lote, cfg.ancho}, rng);
  std::vector<Var> x{param(entrada.clone(), "x0")};
  for (int l = 0; l < cfg.capas; ++l) {
    const Var z = (*capas[size_t(l)])(x.back());
    const Var f = cfg.activacion == Activacion::tanh ? tanh(z) : relu(z);
    x.push_back(residual ? x.back() + f : f);
  }
  backward(sum(x.back() * constant(r)));
  std::vector<real> normas;
  for (const Var& xl : x) normas.push_back(real(xl.has_grad() ? norma(xl.grad()) : 0.0));
  return normas;
}

Gradientes medir_gradientes(const ConfigProfundidad& cfg) {
  return {normas_por_capa(cfg, false), normas_por_capa(cfg, true)};
}

void paso1_residual(Narrator& n, const ConfigProfundidad& cfg) {
  n.step(1, "La suma: el gradiente a través de " + std::to_string(cfg.capas) + " capas",
         "The add: the gradient through " + std::to_string(cfg.capas) + " layers");
  n.say(
      "Dos pilas de {} capas Linear({}, {}) con tanh y los mismos pesos: sin residual x_(l+1) = tanh(W x_l + b); "
      "con residual x_(l+1) = x_l + tanh(W x_l + b). Medimos ‖∂L/∂x_l‖ en cada capa, con el mismo gradiente arriba.",
      "Two stacks of {} Linear({}, {}) layers with tanh and the same weights: without residual x_(l+1) = tanh(W x_l + "
      "b); with residual x_(l+1) = x_l + tanh(W x_l + b). We measure ‖∂L/∂x_l‖ at each layer, with the same gradient "
      "on top.",
      cfg.capas, cfg.ancho, cfg.ancho);
  const Gradientes g = medir_gradientes(cfg);
  std::string tabla = n.tr("capa l    sin residual    con residual\n", "layer l   no residual     residual\n");
  const int paso = cfg.capas >= 40 ? 10 : 5;
  for (int l = cfg.capas; l >= 0; l -= paso)
    tabla += fixed(l, 0, 7) + "    " + sci(g.sin_residual[size_t(l)]) + "        " + sci(g.con_residual[size_t(l)]) +
             "\n";
  if (cfg.capas % paso != 0)
    tabla += fixed(0, 0, 7) + "    " + sci(g.sin_residual[0]) + "        " + sci(g.con_residual[0]) + "\n";
  n.show(tabla);
  const size_t arriba = size_t(cfg.capas);
  const double caida_sin = g.sin_residual[0] / g.sin_residual[arriba];
  const double caida_con = g.con_residual[0] / g.con_residual[arriba];
  n.say(
      "De la capa {} a la capa 0 el gradiente se multiplica por {} sin residual y por {} con residual. "
      "Sin la suma, las primeras capas casi no reciben señal: {}.",
      "From layer {} down to layer 0 the gradient is multiplied by {} without residual and by {} with residual. "
      "Without the add, the first layers get almost no signal: {}.",
      cfg.capas, sci(caida_sin), sci(caida_con),
      caida_sin < 1e-3 && caida_con > 0.5 ? n.tr("sí se desvanece", "it does vanish")
                                          : n.tr("esta vez no se desvanece", "this time it does not vanish"));
  n.say(
      "La razón: ∂x_(l+1)/∂x_l = I + tanh'·W con residual. La I es un camino directo del gradiente hasta la "
      "entrada; sin ella solo queda tanh'·W, que aquí encoge el vector en cada capa.",
      "The reason: ∂x_(l+1)/∂x_l = I + tanh'·W with a residual. The I is a direct path for the gradient down to the "
      "input; without it only tanh'·W remains, which here shrinks the vector at every layer.");
  std::vector<real> capas;
  for (int l = 0; l <= cfg.capas; ++l) capas.push_back(real(l));
  svg::plot(n.path("gradiente_por_capa.svg"),
            {.title = n.tr("Norma del gradiente en cada capa", "Gradient norm at each layer"),
             .x_label = n.tr("capa l", "layer l"),
             .y_label = n.tr("‖∂L/∂x_l‖ (escala log)", "‖∂L/∂x_l‖ (log scale)"),
             .series = {{.name = n.tr("sin residual", "no residual"), .x = capas, .y = g.sin_residual},
                        {.name = n.tr("con residual", "residual"), .x = capas, .y = g.con_residual}},
             .log_y = true});
  n.figure(n.path("gradiente_por_capa.svg"), "gradiente por capa, con y sin suma",
           "gradient per layer, with and without add");
}

// ---------------------------------------------------------------------------------------------
// Paso 2: qué eje normaliza cada una. Un lote X [N, C]: N ejemplos (filas), C rasgos (columnas).
//   BatchNorm: cada COLUMNA (rasgo) con la media y la varianza sobre los N ejemplos del lote.
//   LayerNorm: cada FILA (ejemplo o token) con la media y la varianza de sus C rasgos.
//   RMSNorm:   cada FILA dividida entre su raíz cuadrática media √(mean(x²) + ε); no resta la media.
struct Normalizaciones {
  Tensor entrada, batch, layer, rms;  // [N, C] cada una
  // El ejemplo 0 normalizado otra vez con el resto del lote cambiado: ¿cuánto cambia su salida?
  real cambio_batch = 0, cambio_layer = 0;
};

// Media y desviación estándar (sesgada, entre n) de cada fila (eje 1) o de cada columna (eje 0).
struct Momentos {
  std::vector<real> media, desviacion, rms;
};

Momentos momentos(const Tensor& x, int eje) {
  const int64_t filas = x.size(0), columnas = x.size(1);
  const int64_t grupos = eje == 0 ? columnas : filas, cuantos = eje == 0 ? filas : columnas;
  Momentos m;
  for (int64_t g = 0; g < grupos; ++g) {
    double s = 0, s2 = 0;
    for (int64_t k = 0; k < cuantos; ++k) {
      const double v = eje == 0 ? x.at({k, g}) : x.at({g, k});
      s += v, s2 += v * v;
    }
    const double media = s / double(cuantos);
    m.media.push_back(real(media));
    m.desviacion.push_back(real(std::sqrt(std::max(0.0, s2 / double(cuantos) - media * media))));
    m.rms.push_back(real(std::sqrt(s2 / double(cuantos))));
  }
  return m;
}

Tensor lote_de_ejemplo(uint64_t semilla) {
  // Cada rasgo con su propio nivel (columna c: 2c − 5) y cada ejemplo con su propia escala (fila n:
  // 0.5·2ⁿ), como pasa con datos reales: así se ve qué desigualdad quita cada normalización.
  Rng rng(semilla);
  const int64_t filas = 4, columnas = 6;
  Tensor x({filas, columnas});
  for (int64_t i = 0; i < filas; ++i)
    for (int64_t c = 0; c < columnas; ++c)
      x.at({i, c}) = real(2 * c - 5) + real(0.5 * std::pow(2.0, double(i))) * Tensor::randn({1}, rng)[0];
  return x;
}

Normalizaciones normalizar(uint64_t semilla) {
  Normalizaciones r;
  r.entrada = lote_de_ejemplo(semilla);
  const int64_t c = r.entrada.size(1);
  BatchNorm1d bn(c, {.affine = false});
  LayerNorm ln(c, {.affine = false});
  RMSNorm rms(c);
  NoGrad sin_cinta;
  r.batch = bn(constant(r.entrada)).value();
  r.layer = ln(constant(r.entrada)).value();
  r.rms = rms(constant(r.entrada)).value();
  // Cambiamos los ejemplos 1 … N−1 y volvemos a normalizar: el ejemplo 0 es el mismo.
  Tensor otro = lote_de_ejemplo(semilla + 1000);
  for (int64_t j = 0; j < c; ++j) otro.at({0, j}) = r.entrada.at({0, j});
  const Tensor batch2 = bn(constant(otro)).value(), layer2 = ln(constant(otro)).value();
  for (int64_t j = 0; j < c; ++j) {
    r.cambio_batch = std::max(r.cambio_batch, std::fabs(batch2.at({0, j}) - r.batch.at({0, j})));
    r.cambio_layer = std::max(r.cambio_layer, std::fabs(layer2.at({0, j}) - r.layer.at({0, j})));
  }
  return r;
}

// La mayor |media| y la mayor |desviación − 1| (o |rms − 1|) de una lista de momentos.
real mayor_abs(const std::vector<real>& v, real centro = 0) {
  real m = 0;
  for (real x : v) m = std::max(m, std::fabs(x - centro));
  return m;
}

std::string lista(const std::vector<real>& v, int decimales) {
  std::string s;
  for (real x : v) s += fixed(x + 0.0, decimales, 7);
  return s;
}

void paso2_ejes(Narrator& n) {
  n.step(2, "BatchNorm, LayerNorm y RMSNorm sobre el mismo lote", "BatchNorm, LayerNorm and RMSNorm on the same batch");
  const Normalizaciones r = normalizar(n.options().seed);
  n.say(
      "Un lote X de {} ejemplos (filas) × {} rasgos (columnas). Cada columna tiene su propio nivel y cada fila su "
      "propia escala:",
      "A batch X of {} examples (rows) × {} features (columns). Each column has its own level and each row its own "
      "scale:",
      r.entrada.size(0), r.entrada.size(1));
  std::vector<std::string> filas, columnas;
  for (int64_t i = 0; i < r.entrada.size(0); ++i) filas.push_back(n.tr("ejemplo ", "example ") + std::to_string(i));
  for (int64_t c = 0; c < r.entrada.size(1); ++c) columnas.push_back(n.tr("rasgo ", "feat. ") + std::to_string(c));
  n.heatmap(r.entrada, {.row_labels = filas, .col_labels = columnas});
  const Momentos bcol = momentos(r.batch, 0), lfila = momentos(r.layer, 1), rfila = momentos(r.rms, 1);
  n.say("BatchNorm (media y varianza de cada COLUMNA sobre el lote). Medias por columna:{}; desviaciones:{}",
        "BatchNorm (mean and variance of each COLUMN over the batch). Column means:{}; standard deviations:{}",
        lista(bcol.media, 2), lista(bcol.desviacion, 2));
  n.heatmap(r.batch, {.row_labels = filas, .col_labels = columnas});
  n.say("LayerNorm (media y varianza de cada FILA sobre sus rasgos). Medias por fila:{}; desviaciones:{}",
        "LayerNorm (mean and variance of each ROW over its features). Row means:{}; standard deviations:{}",
        lista(lfila.media, 2), lista(lfila.desviacion, 2));
  n.heatmap(r.layer, {.row_labels = filas, .col_labels = columnas});
  n.say("RMSNorm (cada FILA entre su raíz cuadrática media, sin restar la media). RMS por fila:{}; medias:{}",
        "RMSNorm (each ROW divided by its root mean square, without subtracting the mean). Row RMS:{}; means:{}",
        lista(rfila.rms, 2), lista(rfila.media, 2));
  n.heatmap(r.rms, {.row_labels = filas, .col_labels = columnas});
  const bool rms_centra = mayor_abs(rfila.media) < 0.05f;
  n.say(
      "BatchNorm deja cada columna con media 0 y desviación 1; LayerNorm, cada fila. RMSNorm deja cada fila con "
      "RMS 1 pero {}: la mayor |media| de fila es {}.",
      "BatchNorm leaves each column with mean 0 and standard deviation 1; LayerNorm, each row. RMSNorm leaves each "
      "row with RMS 1 but {}: the largest |row mean| is {}.",
      rms_centra ? n.tr("aquí las medias ya eran casi 0", "here the means were already almost 0")
                 : n.tr("no las centra", "does not center them"),
      fixed(mayor_abs(rfila.media), 2));
  n.say(
      "Cambiemos los otros {} ejemplos del lote y normalicemos otra vez el ejemplo 0: su salida cambia hasta {} con "
      "BatchNorm y {} con LayerNorm. BatchNorm mezcla los ejemplos del lote (por eso en evaluación usa medias "
      "guardadas); LayerNorm mira un token a la vez, y por eso es la del Transformador.",
      "Let us change the other {} examples of the batch and normalize example 0 again: its output changes by up to "
      "{} with BatchNorm and {} with LayerNorm. BatchNorm mixes the examples of a batch (that is why it uses stored "
      "means at evaluation); LayerNorm looks at one token at a time, which is why the Transformer uses it.",
      r.entrada.size(0) - 1, fixed(r.cambio_batch, 3), fixed(r.cambio_layer, 3));
  const std::vector<std::pair<std::string, std::pair<Text, Tensor>>> figuras = {
      {"lote.svg", {{"Lote de entrada X", "Input batch X"}, r.entrada}},
      {"batchnorm.svg", {{"BatchNorm: cada columna normalizada", "BatchNorm: each column normalized"}, r.batch}},
      {"layernorm.svg", {{"LayerNorm: cada fila normalizada", "LayerNorm: each row normalized"}, r.layer}},
      {"rmsnorm.svg", {{"RMSNorm: cada fila entre su RMS", "RMSNorm: each row divided by its RMS"}, r.rms}}};
  for (const auto& [archivo, figura] : figuras) {
    svg::heatmap(n.path(archivo), {.title = n.tr(figura.first),
                                   .x_label = n.tr("rasgo", "feature"),
                                   .y_label = n.tr("ejemplo", "example"),
                                   .values = figura.second,
                                   .row_labels = filas,
                                   .col_labels = columnas});
    n.figure(n.path(archivo), figura.first.es, figura.first.en);
  }
}

// ---------------------------------------------------------------------------------------------
// Paso 3: la LayerNorm del cuaderno del curso frente a la estándar.
//   estándar (PyTorch):  (x − μ) / √(σ²_sesgada + ε),   σ²_sesgada = Σ(x − μ)² / C
//   curso:               (x − μ) / (σ_insesgada + ε),   σ²_insesgada = Σ(x − μ)² / (C − 1)
// Con ε despreciable, curso = estándar · √((C − 1)/C): una diferencia pequeña que se achica con C
// (y que los pesos γ aprendidos absorben). Donde de verdad difieren es cuando σ es del tamaño de
// √ε: la fila casi constante.
struct ComparacionLayerNorm {
  int64_t rasgos = 0;
  real diferencia = 0;  // max |curso − estándar| sobre un lote normal
  real razon = 0;       // ‖curso‖ / ‖estándar‖
  real prediccion = 0;  // √((C − 1)/C)
};

constexpr real kEpsilon = 1e-5f;  // el mismo ε en las dos, el de PyTorch

ComparacionLayerNorm comparar_layernorm(int64_t rasgos, uint64_t semilla, real epsilon = kEpsilon) {
  Rng rng(semilla);
  const Tensor x = Tensor::randn({8, rasgos}, rng, 1, 2);
  LayerNorm estandar(rasgos, {.eps = epsilon, .affine = false});
  LayerNorm curso(rasgos, {.eps = epsilon, .affine = false, .variant = LayerNormVariant::Course});
  NoGrad sin_cinta;
  const Tensor a = estandar(constant(x)).value(), b = curso(constant(x)).value();
  return {rasgos, max_abs_diff(a, b), real(norma(b) / norma(a)),
          real(std::sqrt(double(rasgos - 1) / double(rasgos)))};
}

// Una fila casi constante: x = 1 + escala·z. Devuelve la desviación estándar de la salida de
// cada variante (1 sería "normalizada del todo").
struct FilaCasiConstante {
  real escala = 0, desviacion_estandar = 0, desviacion_curso = 0;
};

FilaCasiConstante fila_casi_constante(real escala, uint64_t semilla) {
  Rng rng(semilla);
  const int64_t c = 16;
  const Tensor x = map(Tensor::randn({1, c}, rng), [escala](real z) { return 1 + escala * z; });
  LayerNorm estandar(c, {.eps = kEpsilon, .affine = false});
  LayerNorm curso(c, {.eps = kEpsilon, .affine = false, .variant = LayerNormVariant::Course});
  NoGrad sin_cinta;
  return {escala, momentos(estandar(constant(x)).value(), 1).desviacion[0],
          momentos(curso(constant(x)).value(), 1).desviacion[0]};
}

const std::vector<int64_t> kRasgos = {4, 16, 64, 512};

void paso3_variantes(Narrator& n) {
  n.step(3, "La LayerNorm del curso frente a la estándar", "The course's LayerNorm versus the standard one");
  n.say(
      "Estándar (PyTorch): (x − μ)/√(σ² + ε) con la varianza sesgada (entre C). Curso: (x − μ)/(σ + ε) con la "
      "desviación estándar insesgada (entre C − 1, como torch.std) y ε sumado a σ. Mismo lote, ε = {} en ambas:",
      "Standard (PyTorch): (x − μ)/√(σ² + ε) with the biased variance (divided by C). Course: (x − μ)/(σ + ε) with "
      "the unbiased standard deviation (divided by C − 1, as torch.std) and ε added to σ. Same batch, ε = {} in both:",
      sci(kEpsilon, 0));
  std::string tabla = n.tr("    C   max|curso − estándar|   ‖curso‖/‖estándar‖   √((C−1)/C)\n",
                           "    C   max|course − standard|  ‖course‖/‖standard‖  √((C−1)/C)\n");
  bool coincide = true;
  for (int64_t c : kRasgos) {
    const ComparacionLayerNorm r = comparar_layernorm(c, n.options().seed);
    tabla += fixed(double(c), 0, 5) + "   " + fixed(r.diferencia, 5, 21) + "   " + fixed(r.razon, 5, 18) + "   " +
             fixed(r.prediccion, 5, 10) + "\n";
    coincide = coincide && std::fabs(r.razon - r.prediccion) < 1e-4f;
  }
  n.show(tabla);
  n.say(
      "La razón {} √((C − 1)/C) en todas las filas: la variante del curso es la estándar multiplicada por una "
      "constante cercana a 1, tanto más cercana cuanto más rasgos. Con γ aprendido da igual: γ absorbe el factor.",
      "The ratio {} √((C − 1)/C) on every row: the course's variant is the standard one times a constant close "
      "to 1, the closer the more features. With a learned γ it does not matter: γ absorbs the factor.",
      coincide ? n.tr("coincide con", "matches") : n.tr("no coincide con", "does not match"));
  n.say(
      "Donde sí importa es en una fila casi constante, x = 1 + s·z con C = 16: si σ es del tamaño de √ε, ε deja de "
      "ser despreciable, y pesa distinto dentro de la raíz que sumado a σ. Desviación estándar de la salida:",
      "Where it does matter is on an almost constant row, x = 1 + s·z with C = 16: when σ is about √ε, ε is no "
      "longer negligible, and it weighs differently inside the root than added to σ. Standard deviation of the "
      "output:");
  std::string casi = n.tr("      s    estándar    curso\n", "      s    standard    course\n");
  for (real s : {1.0f, 1e-2f, 1e-3f, 1e-4f}) {
    const FilaCasiConstante f = fila_casi_constante(s, n.options().seed);
    casi += "  " + sci(s, 0) + fixed(f.desviacion_estandar, 3, 11) + fixed(f.desviacion_curso, 3, 9) + "\n";
  }
  n.show(casi);
  const FilaCasiConstante f = fila_casi_constante(1e-3f, n.options().seed);
  const bool distintas = f.desviacion_estandar < 0.6f && f.desviacion_curso > 0.9f;
  n.say(
      "Con s = 1 ambas dan casi 1 (la del curso, √(15/16) ≈ 0.968). Con s = 1e-3, σ² ≈ 1e-6 se compara con ε = {} "
      "dentro de la raíz, y la estándar deja el ruido en {}; en la del curso ε = {} se suma a σ ≈ 1e-3 "
      "y lo lleva a {}. ¿Muy distintas? {}. Es una diferencia de diseño, no un error: ε evita dividir "
      "entre 0.",
      "With s = 1 both give almost 1 (the course's, √(15/16) ≈ 0.968). With s = 1e-3, σ² ≈ 1e-6 is compared with ε = {} "
      "inside the root, and the standard one leaves the noise at {}; in the course's, ε = {} is added to "
      "σ ≈ 1e-3 and it brings the noise to {}. Very different? {}. It is a design difference, not a bug: ε "
      "avoids dividing by 0.",
      sci(kEpsilon, 0), fixed(f.desviacion_estandar, 3), sci(kEpsilon, 0), fixed(f.desviacion_curso, 3), distintas ? n.tr("sí", "yes") : n.tr("no", "no"));
}

// ---------------------------------------------------------------------------------------------
// Paso 4: ¿dónde va la norma? Un bloque del Transformador con sus dos subcapas F (atención y
// red feed-forward), en tres órdenes:
//   post-norm (Vaswani 2017, el curso):  x ← LN(x + F(x))
//   pre-norm  (GPT-2; Xiong et al. 2020): x ← x + F(LN(x)),  y una LN final a la salida
//   paralelo  (PaLM, Chowdhery et al. 2022, §2): x ← x + Atención(LN(x)) + FFN(LN(x)), una sola LN
enum class Orden { post, pre, paralelo };

const char* nombre(Orden o) { return o == Orden::post ? "post-norm" : o == Orden::pre ? "pre-norm" : "paralelo"; }

class Bloque : public Module {
 public:
  Bloque(int64_t d, int64_t cabezas, Orden orden_, Rng& rng)
      : orden(orden_),
        ln1(d),
        atencion({.d_model = d, .n_heads = cabezas}, rng),
        ffn(d, 4 * d, rng),
        ln2(orden_ == Orden::paralelo ? nullptr : std::make_unique<LayerNorm>(d)) {
    register_module("ln1", ln1);
    register_module("atencion", atencion);
    register_module("ffn", ffn);
    if (ln2) register_module("ln2", *ln2);  // el bloque paralelo no la tiene
  }

  Var operator()(const Var& x) {
    switch (orden) {
      case Orden::post: {
        const Var h = ln1(x + atencion.forward(x).output);
        return (*ln2)(h + ffn(h));
      }
      case Orden::pre: {
        const Var h = x + atencion.forward(ln1(x)).output;
        return h + ffn((*ln2)(h));
      }
      case Orden::paralelo: {
        const Var normada = ln1(x);  // una sola LN, leída por las dos ramas a la vez
        return x + atencion.forward(normada).output + ffn(normada);
      }
    }
    return x;
  }

  Orden orden;
  LayerNorm ln1;
  MultiHeadAttention atencion;
  FeedForward ffn;
  std::unique_ptr<LayerNorm> ln2;
};

struct ConfigPila {
  int capas = 12;
  int64_t d = 32, cabezas = 4, tokens = 8, lote = 4;
  uint64_t semilla = 1;
};

ConfigPila config_pila(const LessonOptions& o) {
  return {.capas = o.mode == RunMode::quick ? 8 : o.mode == RunMode::full ? 24 : 12, .semilla = o.seed};
}

struct Pila {
  std::vector<real> gradiente;  // [l] = ‖∂L/∂x_l‖ en el flujo residual, l = 0 … capas (x_capas = la salida)
  std::vector<real> rms;        // [l] = RMS del flujo residual x_l
};

// Una pila de bloques recién inicializados (los mismos pesos para cualquier orden: misma semilla),
// L = Σ y ⊙ r con r fijo. Pre-norm lleva la LN final de GPT-2 para que su salida esté normalizada
// como la de post-norm.
Pila medir_pila(const ConfigPila& cfg, Orden orden) {
  Rng rng(cfg.semilla);
  std::vector<std::unique_ptr<Bloque>> bloques;
  for (int l = 0; l < cfg.capas; ++l) bloques.push_back(std::make_unique<Bloque>(cfg.d, cfg.cabezas, orden, rng));
  LayerNorm final(cfg.d);
  const Tensor entrada = Tensor::randn({cfg.lote, cfg.tokens, cfg.d}, rng);
  const Tensor r = Tensor::randn({cfg.lote, cfg.tokens, cfg.d}, rng);
  Pila p;
  std::vector<Var> x{param(entrada, "x0")};
  for (auto& b : bloques) x.push_back((*b)(x.back()));
  const Var y = orden == Orden::post ? x.back() : final(x.back());
  backward(sum(y * constant(r)));
  for (const Var& xl : x) {
    p.gradiente.push_back(real(xl.has_grad() ? norma(xl.grad()) : 0.0));
    p.rms.push_back(real(norma(xl.value()) / std::sqrt(double(xl.value().numel()))));
  }
  return p;
}

void paso4_pre_post(Narrator& n, const ConfigPila& cfg) {
  n.step(4, "Pre-norm frente a post-norm", "Pre-norm versus post-norm");
  n.say(
      "Post-norm (el artículo original y el curso): x ← LN(x + F(x)). Pre-norm (GPT-2 y casi todos los modelos "
      "de hoy): x ← x + F(LN(x)), con una LN al final. Apilamos {} bloques (atención de {} cabezas y red "
      "feed-forward, d = {}) recién inicializados, con los mismos pesos, y medimos en el flujo residual x_l (la "
      "entrada del bloque l) la norma del gradiente ‖∂L/∂x_l‖ y el RMS.",
      "Post-norm (the original paper and the course): x ← LN(x + F(x)). Pre-norm (GPT-2 and almost every model "
      "today): x ← x + F(LN(x)), with a final LN. We stack {} freshly initialized blocks ({}-head attention and a "
      "feed-forward network, d = {}) with the same weights, and measure on the residual stream x_l (the input "
      "of block l) the gradient norm ‖∂L/∂x_l‖ and the RMS.",
      cfg.capas, cfg.cabezas, cfg.d);
  const Pila post = medir_pila(cfg, Orden::post), pre = medir_pila(cfg, Orden::pre);
  std::string tabla = n.tr("  x_l   ‖∂L/∂x_l‖ post  ‖∂L/∂x_l‖ pre   RMS post   RMS pre\n",
                           "  x_l   ‖∂L/∂x_l‖ post  ‖∂L/∂x_l‖ pre   RMS post   RMS pre\n");
  for (size_t l = 0; l < post.gradiente.size(); ++l)
    tabla += fixed(double(l), 0, 6) + fixed(post.gradiente[l], 4, 15) + fixed(pre.gradiente[l], 4, 14) +
             fixed(post.rms[l], 2, 11) + fixed(pre.rms[l], 2, 10) + "\n";
  n.show(tabla);
  const size_t ultimo = post.gradiente.size() - 1;
  const double razon_post = post.gradiente[0] / post.gradiente[ultimo];
  const double razon_pre = pre.gradiente[0] / pre.gradiente[ultimo];
  const bool pre_llega_mas = razon_pre > razon_post;
  n.say(
      "‖∂L/∂x_0‖ entre ‖∂L/∂x_{}‖: {} en post-norm y {} en pre-norm. En post-norm cada LN está en el camino "
      "residual y el gradiente tiene que atravesarlas todas: cada una lo reescala y le quita su componente a lo "
      "largo de la media y de x̂. En pre-norm el camino residual es la identidad, como en el paso 1: el gradiente "
      "baja entero y cada rama le suma lo suyo. ¿Llega más gradiente abajo con pre-norm? {}. Con muchos bloques "
      "la diferencia crece; Xiong et al. (2020) la relacionan con que post-norm necesite un calentamiento (warmup) "
      "del lr que pre-norm no necesita.",
      "‖∂L/∂x_0‖ over ‖∂L/∂x_{}‖: {} with post-norm and {} with pre-norm. In post-norm every LN sits on the "
      "residual path and the gradient has to go through all of them: each one rescales it and removes its "
      "component along the mean and along x̂. In pre-norm the residual path is the identity, as in step 1: the "
      "gradient comes down whole and every branch adds its share. Does more gradient reach the bottom with "
      "pre-norm? {}. With many blocks the gap grows; Xiong et al. (2020) relate it to post-norm needing a "
      "learning-rate warmup that pre-norm does not.",
      cfg.capas, fixed(razon_post, 2), fixed(razon_pre, 2), pre_llega_mas ? n.tr("sí", "yes") : n.tr("no", "no"));
  n.say(
      "El precio de pre-norm: nada normaliza el flujo residual, y su RMS crece con la profundidad (de {} a {}); "
      "en post-norm cada bloque lo deja en 1.",
      "The price of pre-norm: nothing normalizes the residual stream, and its RMS grows with depth (from {} to "
      "{}); in post-norm every block brings it back to 1.",
      fixed(pre.rms.front(), 2), fixed(pre.rms.back(), 2));
  std::vector<real> eje;
  for (size_t l = 0; l < post.gradiente.size(); ++l) eje.push_back(real(l));
  svg::plot(n.path("pre_post_gradiente.svg"),
            {.title = n.tr("Gradiente en el flujo residual: post-norm y pre-norm",
                           "Gradient on the residual stream: post-norm and pre-norm"),
             .x_label = n.tr("entrada del bloque l", "input of block l"),
             .y_label = "‖∂L/∂x_l‖",
             .series = {{.name = "post-norm", .x = eje, .y = post.gradiente},
                        {.name = "pre-norm", .x = eje, .y = pre.gradiente}}});
  n.figure(n.path("pre_post_gradiente.svg"), "gradiente, post-norm y pre-norm", "gradient, post-norm and pre-norm");
}

// ---------------------------------------------------------------------------------------------
// Paso 5: el bloque paralelo de PaLM. Las dos ramas leen la misma LN(x), así que sus
// multiplicaciones de entrada (W_q, W_k, W_v de la atención y la primera capa de la FFN) se
// pueden juntar en UNA sola matriz [3d + 4d, d]: una multiplicación en lugar de dos seguidas.
// PaLM (Chowdhery et al. 2022, §2) reporta un entrenamiento ≈15 % más rápido a gran escala, sin
// pérdida de calidad en sus modelos grandes (y una pequeña en los de 8B).
struct Paralelo {
  int64_t parametros_pre = 0, parametros_paralelo = 0, d = 0;
  real diferencia_fusionada = 0;  // max |una matmul juntada − las cuatro por separado|
};

Paralelo bloque_paralelo(uint64_t semilla) {
  Rng rng(semilla);
  const int64_t d = 32;
  Bloque pre(d, 4, Orden::pre, rng), par(d, 4, Orden::paralelo, rng);
  Paralelo r{pre.num_parameters(), par.num_parameters(), d, 0};
  NoGrad sin_cinta;
  const Var normada = par.ln1(constant(Tensor::randn({2, 5, d}, rng)));
  Linear& fc1 = *par.ffn.fc1;
  const MultiHeadAttention& a = par.atencion;
  // Las cuatro matrices una sobre otra: [d + d + d + 4d, d], y sus sesgos uno tras otro.
  const Tensor w = concat({a.wq.weight.value(), a.wk.weight.value(), a.wv.weight.value(), fc1.weight.value()}, 0);
  const Tensor b = concat({a.wq.bias.value(), a.wk.bias.value(), a.wv.bias.value(), fc1.bias.value()}, 0);
  const Tensor juntas = matmul(normada.value(), w, false, true) + b;
  const Tensor separadas = concat({par.atencion.wq(normada).value(), par.atencion.wk(normada).value(),
                                   par.atencion.wv(normada).value(), fc1(normada).value()},
                                  -1);
  r.diferencia_fusionada = max_abs_diff(juntas, separadas);
  return r;
}

void paso5_paralelo(Narrator& n) {
  n.step(5, "El bloque paralelo de PaLM", "PaLM's parallel block");
  n.say(
      "En serie (pre-norm): h = x + Atención(LN₁(x)), y = h + FFN(LN₂(h)): la FFN espera a la atención. En "
      "paralelo (PaLM): y = x + Atención(LN(x)) + FFN(LN(x)): las dos ramas leen la misma entrada normalizada.",
      "Serial (pre-norm): h = x + Attention(LN₁(x)), y = h + FFN(LN₂(h)): the FFN waits for the attention. "
      "Parallel (PaLM): y = x + Attention(LN(x)) + FFN(LN(x)): both branches read the same normalized input.");
  const Paralelo r = bloque_paralelo(n.options().seed);
  n.say(
      "Por eso W_q, W_k, W_v y la primera capa de la FFN se juntan en una matriz [{}, {}] y se aplican con una "
      "sola multiplicación: diferencia máxima con las cuatro por separado = {} (a lo más, redondeo de float32). "
      "Parámetros: {} en serie, {} en paralelo (una LN menos: 2·d = {}).",
      "That is why W_q, W_k, W_v and the FFN's first layer are stacked into one [{}, {}] matrix and applied with a "
      "single multiplication: largest difference with the four separate ones = {} (at most float32 rounding). "
      "Parameters: {} serial, {} parallel (one LN fewer: 2·d = {}).",
      7 * r.d, r.d, sci(r.diferencia_fusionada), r.parametros_pre, r.parametros_paralelo, 2 * r.d);
  n.say(
      "No es la misma función que el bloque en serie: la FFN ya no ve lo que la atención acaba de escribir en ese "
      "bloque (lo verá en el siguiente). PaLM encontró que a gran escala esto apenas cambia la calidad y ahorra "
      "tiempo.",
      "It is not the same function as the serial block: the FFN no longer sees what the attention just wrote in "
      "that block (it will in the next one). PaLM found that at large scale this barely changes the quality and "
      "saves time.");
}

// ---------------------------------------------------------------------------------------------
void run(Narrator& n) {
  const ConfigProfundidad profundidad = config_profundidad(n.options());
  paso1_residual(n, profundidad);
  paso2_ejes(n);
  paso3_variantes(n);
  paso4_pre_post(n, config_pila(n.options()));
  paso5_paralelo(n);
  n.summary({
      {"La suma x + F(x) le da al gradiente un camino directo: a través de 20 capas no se desvanece.",
       "The add x + F(x) gives the gradient a direct path: through 20 layers it does not vanish."},
      {"BatchNorm normaliza cada rasgo sobre el lote; LayerNorm y RMSNorm, cada token sobre sus rasgos (RMSNorm "
       "sin restar la media).",
       "BatchNorm normalizes each feature over the batch; LayerNorm and RMSNorm, each token over its features "
       "(RMSNorm without subtracting the mean)."},
      {"La LayerNorm del curso es la estándar por √((C − 1)/C), salvo en filas casi constantes, donde ε pesa "
       "distinto.",
       "The course's LayerNorm is the standard one times √((C − 1)/C), except on almost constant rows, where ε "
       "weighs differently."},
      {"Post-norm pone la LN en el camino residual y llega menos gradiente a los bloques de abajo; pre-norm la "
       "saca de él, a cambio de un flujo residual que crece con la profundidad.",
       "Post-norm puts the LN on the residual path and less gradient reaches the bottom blocks; pre-norm takes it "
       "off, at the price of a residual stream that grows with depth."},
      {"El bloque paralelo de PaLM suma atención y FFN de la misma LN(x): una multiplicación de entrada y una LN "
       "menos.",
       "PaLM's parallel block adds attention and FFN of the same LN(x): one input multiplication and one LN "
       "fewer."},
  });
  n.exercises({
      {"En ConfigProfundidad cambia Activacion::tanh por Activacion::relu: sin residual el gradiente se sigue "
       "desvaneciendo; con residual crece capa a capa hacia abajo (más que con tanh).",
       "In ConfigProfundidad change Activacion::tanh to Activacion::relu: without residual the gradient still "
       "vanishes; with residual it grows layer by layer going down (more than with tanh)."},
      {"Ejecuta con --full (50 capas en el paso 1): sin residual el gradiente de la capa 0 cae por debajo de "
       "1e-10; con residual no.",
       "Run with --full (50 layers in step 1): without residual the gradient of layer 0 drops below 1e-10; with "
       "residual it does not."},
      {"En kRasgos añade C = 2: la razón √((C − 1)/C) = 0.707 ya no es una diferencia pequeña.",
       "In kRasgos add C = 2: the ratio √((C − 1)/C) = 0.707 is no longer a small difference."},
      {"Cambia kEpsilon a 0.1f: la razón del paso 3 deja de coincidir con √((C − 1)/C), porque ε ya no es "
       "despreciable y pesa distinto en cada fórmula.",
       "Change kEpsilon to 0.1f: the ratio of step 3 no longer matches √((C − 1)/C), because ε is no longer "
       "negligible and weighs differently in each formula."},
  });
}

}  // namespace lesson05

#ifndef ATN_LESSON_NO_MAIN
int main(int argc, char** argv) {
  return atn::run_lesson(argc, argv, "05", {"Suma y normalización", "Add and normalize"}, lesson05::run);
}
#endif
