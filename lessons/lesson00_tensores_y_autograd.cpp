// Lección 00 · Tensores y autograd con cinta
//
// Antes de la atención, el motor que la calcula. Esta lección recorre las piezas que usan todas
// las demás: tensores (tablas de números con forma), broadcasting, la cinta que graba cada
// operación, el gradiente hacia atrás (a mano y automático), la comprobación con diferencias
// finitas, y dos entrenamientos pequeños con descenso por gradiente escrito a mano.
//
// Se lee de arriba abajo. Cada paso es una función corta; las cuentas que una prueba comprueba
// (tests/test_lesson00.cpp) están en funciones que devuelven resultados y no imprimen nada.
//
//   make lesson00                      ejecuta la lección
//   make lesson00 ARGS="--step"        espera Enter tras cada paso
//   make lesson00 ARGS="--lang en"     in English
#include <cmath>

#include "autograd/gradcheck.h"
#include "autograd/ops_basic.h"
#include "autograd/ops_math.h"
#include "lessons/common/narrator.h"
#include "tensor/elementwise.h"
#include "tensor/rng.h"
#include "viz/svg.h"

namespace lesson00 {

using namespace atn;

// ---------------------------------------------------------------------------------------------
// Paso 1: tensores. Un tensor es una tabla de números float32 con una forma (shape). Se guarda
// en memoria fila tras fila; la forma solo dice cómo leer esa lista.
void paso1_tensores(Narrator& n) {
  n.step(1, "Tensores: valores, forma y vistas", "Tensors: values, shape and views");
  n.say("Un tensor es una lista de números guardada fila tras fila, más una forma que dice cómo leerla.",
        "A tensor is a list of numbers stored row after row, plus a shape that says how to read it.");

  Tensor a = Tensor::from({1, 2, 3, 4, 5, 6}, {2, 3});
  n.show("a = Tensor::from({1, 2, 3, 4, 5, 6}, {2, 3})\n" + a.str(1));
  n.say("a.shape() = {}: {} filas, {} columnas, {} elementos (a.numel()).",
        "a.shape() = {}: {} rows, {} columns, {} elements (a.numel()).", to_string(a.shape()), a.size(0), a.size(1),
        a.numel());

  // reshape no copia: devuelve una vista que comparte la memoria con a.
  Tensor b = a.reshape({3, 2});
  n.show("b = a.reshape({3, 2})\n" + b.str(1));
  b.at({0, 0}) = 100;  // escribimos en b... y miramos a:
  n.show("b.at({0, 0}) = 100;   // a:\n" + a.str(1));
  n.say(
      "Cambiar b cambió a: reshape no copia los números, solo los lee con otra forma (una vista). "
      "Un -1 en la forma se deduce: a.reshape({-1}) tiene forma {}.",
      "Changing b changed a: reshape copies no numbers, it reads them with another shape (a view). "
      "A -1 in the shape is inferred: a.reshape({-1}) has shape {}.",
      to_string(a.reshape({-1}).shape()));

  // Números aleatorios con semilla: la misma semilla da los mismos números en cualquier máquina.
  Rng rng(n.options().seed);
  Tensor r = Tensor::randn({2, 3}, rng);
  n.show("Tensor::randn({2, 3}, rng)\n" + r.str(3));
}

// ---------------------------------------------------------------------------------------------
// Paso 2: broadcasting. Para operar tensores de formas distintas se alinean las formas por la
// derecha; en cada eje los tamaños deben ser iguales o uno de ellos 1, y el 1 se repite.
void paso2_broadcasting(Narrator& n) {
  n.step(2, "Broadcasting", "Broadcasting");
  Tensor columna = Tensor::from({0, 10, 20}, {3, 1});
  Tensor fila = Tensor::from({1, 2, 3, 4}, {4});
  Tensor suma = columna + fila;  // [3, 1] + [4] → [3, 4]
  n.show("[3, 1] + [4] =\n" + suma.str(0));
  n.say(
      "Las formas se alinean por la derecha: [3, 1] y [_, 4]. En cada eje los tamaños son iguales o uno "
      "es 1, y el 1 se repite: la columna se copia en 4 columnas y la fila en 3 filas. Resultado: {}.",
      "Shapes are aligned on the right: [3, 1] and [_, 4]. On each axis the sizes are equal or one is 1, "
      "and the 1 is repeated: the column is copied into 4 columns and the row into 3 rows. Result: {}.",
      to_string(suma.shape()));
  n.say("La misma matriz como mapa de calor en la terminal (así veremos las matrices de atención):",
        "The same matrix as a terminal heatmap (this is how we will look at attention matrices):");
  n.heatmap(suma, {.decimals = 0});

  // Formas incompatibles: la biblioteca lanza atn::Error con el nombre de la operación y las formas.
  try {
    Tensor mala = Tensor::from({1, 2, 3}) + Tensor::from({1, 2, 3, 4});
    n.show(mala.str());  // no se llega aquí
  } catch (const Error& e) {
    n.show(std::string("[3] + [4]  →  atn::Error: ") + e.what());
  }
  n.say("[3] y [4] no encajan: ningún tamaño es 1. El error nombra la operación y las dos formas.",
        "[3] and [4] do not fit: neither size is 1. The error names the operation and both shapes.");
}

// ---------------------------------------------------------------------------------------------
// Paso 3: una expresión grabada en la cinta. Cada operación sobre Vars calcula su valor y, si
// alguna entrada necesita gradiente, añade a la cinta una entrada: (operación, entradas, salida,
// cómo propagar el gradiente hacia atrás).
//
//   f = (a·b + c) · tanh(a),  en pasos:  d = a·b,  e = d + c,  t = tanh(a),  f = e·t
struct Expresion {
  Var a, b, c, d, e, t, f;
};

Expresion construir_expresion(const Var& a, const Var& b, const Var& c) {
  Expresion x{a, b, c, {}, {}, {}, {}};
  x.d = a * b;
  x.e = x.d + c;
  x.t = tanh(a);
  x.f = x.e * x.t;
  // Los nombres solo sirven para que Tape::dump() se lea como las ecuaciones.
  x.d.set_name("d"), x.e.set_name("e"), x.t.set_name("t"), x.f.set_name("f");
  return x;
}

// Los valores de ejemplo de los pasos 3 y 4.
constexpr real kA = 0.8f, kB = -1.5f, kC = 2.0f;

Expresion expresion_de_ejemplo() {
  return construir_expresion(param(Tensor::scalar(kA), "a"), param(Tensor::scalar(kB), "b"),
                             param(Tensor::scalar(kC), "c"));
}

void paso3_cinta(Narrator& n) {
  n.step(3, "Una expresión grabada en la cinta", "An expression recorded on the tape");
  n.say("f = (a·b + c)·tanh(a) con a = {}, b = {}, c = {}. En pasos: d = a·b, e = d + c, t = tanh(a), f = e·t.",
        "f = (a·b + c)·tanh(a) with a = {}, b = {}, c = {}. In steps: d = a·b, e = d + c, t = tanh(a), f = e·t.", kA,
        kB, kC);
  Tape::current().clear();
  Expresion x = expresion_de_ejemplo();
  n.show("d = " + fixed(x.d.item(), 4) + "   e = " + fixed(x.e.item(), 4) + "   t = " + fixed(x.t.item(), 4) +
         "   f = " + fixed(x.f.item(), 4));
  n.say("Tape::dump() lista lo grabado, en orden (forma [] = escalar):",
        "Tape::dump() lists what was recorded, in order (shape [] = scalar):");
  n.show(Tape::dump());
  n.say(
      "Cada línea guarda también una función que, dado el gradiente de su salida, suma su parte al de sus "
      "entradas. backward() recorre la cinta desde el final y la vacía.",
      "Each line also stores a function that, given the gradient of its output, adds its share to the "
      "gradient of its inputs. backward() walks the tape from the end and empties it.");
  Tape::current().clear();
}

// ---------------------------------------------------------------------------------------------
// Paso 4: el gradiente a mano. La regla de la cadena en orden inverso: empezamos con df/df = 1 y
// cada línea multiplica el gradiente que llega por la derivada local de una operación.
struct Gradientes {
  double a, b, c, d, e, t;
};

Gradientes gradiente_a_mano(double a, double b, double c) {
  // Hacia adelante (lo mismo que grabó la cinta).
  const double d = a * b, e = d + c, t = std::tanh(a);
  // Hacia atrás, de f a las entradas.
  const double df = 1;
  const double de = df * t;  // f = e·t     →  ∂f/∂e = t
  const double dt = df * e;  //                ∂f/∂t = e
  const double dd = de * 1;  // e = d + c   →  ∂e/∂d = 1
  const double dc = de * 1;  //                ∂e/∂c = 1
  const double db = dd * a;  // d = a·b     →  ∂d/∂b = a
  double da = dd * b;        //                ∂d/∂a = b
  da += dt * (1 - t * t);    // t = tanh(a) →  ∂t/∂a = 1 − t²; a aparece dos veces: se suman
  return {da, db, dc, dd, de, dt};
}

Gradientes gradiente_con_cinta() {
  Tape::current().clear();
  Expresion x = expresion_de_ejemplo();
  backward(x.f);  // recorre la cinta hacia atrás; cada Var guarda su gradiente en grad()
  return {x.a.grad().item(), x.b.grad().item(), x.c.grad().item(),
          x.d.grad().item(), x.e.grad().item(), x.t.grad().item()};
}

// Cuánto pueden diferir: el redondeo de float32 en valores de orden 1 es ~1e-7.
constexpr double kToleranciaAMano = 1e-5;

// La mayor diferencia entre los dos cálculos.
double diferencia(const Gradientes& p, const Gradientes& q) {
  double m = 0;
  for (auto [u, v] : {std::pair{p.a, q.a}, {p.b, q.b}, {p.c, q.c}, {p.d, q.d}, {p.e, q.e}, {p.t, q.t}})
    m = std::max(m, std::fabs(u - v));
  return m;
}

void paso4_a_mano(Narrator& n) {
  n.step(4, "Hacia atrás a mano y con backward()", "Backward by hand and with backward()");
  n.say(
      "Regla de la cadena en orden inverso: df/de = t, df/dt = e, df/dd = df/de, df/dc = df/de, "
      "df/db = df/dd·a, y df/da = df/dd·b + df/dt·(1 − t²): a se usa dos veces y sus dos caminos se suman.",
      "Chain rule in reverse order: df/de = t, df/dt = e, df/dd = df/de, df/dc = df/de, df/db = df/dd·a, "
      "and df/da = df/dd·b + df/dt·(1 − t²): a is used twice and its two paths add up.");
  const Gradientes mano = gradiente_a_mano(kA, kB, kC), cinta = gradiente_con_cinta();
  std::string tabla = n.tr("           a mano   backward()\n", "          by hand   backward()\n");
  for (auto [nombre, u, v] : {std::tuple{"df/da", mano.a, cinta.a},
                              {"df/db", mano.b, cinta.b},
                              {"df/dc", mano.c, cinta.c},
                              {"df/dd", mano.d, cinta.d},
                              {"df/de", mano.e, cinta.e},
                              {"df/dt", mano.t, cinta.t}})
    tabla += std::string(nombre) + fixed(u, 6, 11) + fixed(v, 6, 13) + "\n";
  n.show(tabla);
  const double d = diferencia(mano, cinta);
  n.say(
      "{}: la mayor diferencia es {}, {} que la tolerancia {} (la cinta calcula en float32, la mano en double).",
      "{}: the largest difference is {}, {} than the tolerance {} (the tape computes in float32, the hand in double).",
      d < kToleranciaAMano ? n.tr("Coinciden", "They agree") : n.tr("NO coinciden", "They do NOT agree"), sci(d),
      d < kToleranciaAMano ? n.tr("menor", "smaller") : n.tr("mayor", "larger"), sci(kToleranciaAMano, 0));
}

// ---------------------------------------------------------------------------------------------
// Paso 5: gradcheck. La derivada es el límite de (f(x+ε) − f(x−ε)) / 2ε; con ε pequeño esa
// diferencia central aproxima el gradiente sin saber nada de la cinta, y sirve para comprobarla.
double derivada_numerica_en_a(double eps) {
  auto f = [](double a, double b, double c) { return (a * b + c) * std::tanh(a); };
  return (f(kA + eps, kB, kC) - f(kA - eps, kB, kC)) / (2 * eps);
}

// gradcheck sobre la misma expresión, con vectores aleatorios de 6 elementos en vez de escalares.
GradcheckResult comprobar_expresion(uint64_t semilla) {
  Rng rng(semilla);
  std::vector<Var> entradas = {param(Tensor::randn({6}, rng)), param(Tensor::randn({6}, rng)),
                               param(Tensor::randn({6}, rng))};
  return gradcheck([](const std::vector<Var>& v) { return construir_expresion(v[0], v[1], v[2]).f; }, entradas);
}

// Y sobre un producto de matrices [3, 4] × [4, 2].
GradcheckResult comprobar_matmul(uint64_t semilla) {
  Rng rng(semilla);
  std::vector<Var> entradas = {param(Tensor::randn({3, 4}, rng)), param(Tensor::randn({4, 2}, rng))};
  return gradcheck([](const std::vector<Var>& v) { return matmul(v[0], v[1]); }, entradas);
}

void paso5_gradcheck(Narrator& n) {
  n.step(5, "gradcheck: diferencias finitas", "gradcheck: finite differences");
  const double numerica = derivada_numerica_en_a(1e-4);
  n.say("Diferencia central en a con ε = 1e-4: (f(a+ε) − f(a−ε)) / 2ε = {}; a mano: {}.",
        "Central difference at a with ε = 1e-4: (f(a+ε) − f(a−ε)) / 2ε = {}; by hand: {}.", fixed(numerica, 6),
        fixed(gradiente_a_mano(kA, kB, kC).a, 6));
  n.say("gradcheck() hace esto con cada elemento de cada entrada y lo compara con la cinta:",
        "gradcheck() does this for every element of every input and compares it with the tape:");
  const GradcheckResult r1 = comprobar_expresion(n.options().seed), r2 = comprobar_matmul(n.options().seed);
  const std::string ok = n.tr("bien", "ok"), mal = n.tr("FALLA", "FAILS");
  const std::string error_maximo = n.tr(", error máximo ", ", max error ");
  const GradcheckOptions tolerancia;  // las de omisión, las que usó gradcheck
  n.show(fmt(n.tr("«bien» si en cada componente |cinta − numérica| ≤ {} + {}·|numérica|\n",
                  "\"ok\" if on every component |tape − numeric| ≤ {} + {}·|numeric|\n"),
             sci(tolerancia.atol, 0), sci(tolerancia.rtol, 0)) +
         n.tr("expresión con vectores [6]: ", "expression on vectors [6]: ") + (r1.ok ? ok : mal) + error_maximo +
         sci(r1.max_error) + "\n" + "matmul [3, 4] × [4, 2]:     " + (r2.ok ? ok : mal) + error_maximo +
         sci(r2.max_error));
  n.say(
      "El error no es cero: en float32 la diferencia central tiene un error del orden de ε² y del redondeo "
      "dividido entre ε. Por eso se compara con una tolerancia.",
      "The error is not zero: in float32 a central difference has an error of order ε² plus rounding "
      "divided by ε. That is why it is compared with a tolerance.");
}

// ---------------------------------------------------------------------------------------------
// El descenso por gradiente, escrito a mano: p ← p − lr·∂L/∂p para cada parámetro.
void paso_de_sgd(const std::vector<Var>& parametros, real lr) {
  // Actualizar no es parte del modelo: no debe grabarse en la cinta. Aquí tocamos los tensores
  // directamente, así que nada se graba de todos modos; NoGrad lo deja explícito.
  NoGrad sin_cinta;
  for (Var p : parametros) {
    for (int64_t i = 0; i < p.numel(); ++i) p.value()[i] -= lr * p.grad()[i];
    p.zero_grad();  // backward() suma en grad; sin esto, el siguiente paso sumaría los gradientes viejos
  }
}

// ---------------------------------------------------------------------------------------------
// Paso 6: ajustar una recta y = w·x + b a datos y = 2x + 1 + ruido, minimizando el error
// cuadrático medio L = mean((w·x + b − y)²).
struct ConfigRecta {
  int puntos = 64;
  real ruido = 0.1f;
  real lr = 0.1f;
  int epocas = 60;
  uint64_t semilla = 1;
};

ConfigRecta config_recta(const LessonOptions& o) {
  return {.epocas = o.mode == RunMode::quick ? 40 : o.mode == RunMode::full ? 200 : 60, .semilla = o.seed};
}

struct AjusteRecta {
  Tensor x, y;
  real w = 0, b = 0;
  std::vector<real> perdidas;         // perdidas[e]: la pérdida tras e épocas, e = 0 … epocas
  double w_exacto = 0, b_exacto = 0;  // la solución de mínimos cuadrados, para comparar
};

// "Llegó" a la solución de mínimos cuadrados si w y b están a menos de esto de ella.
constexpr double kToleranciaRecta = 1e-3;
bool llego_a_minimos_cuadrados(const AjusteRecta& r) {
  return std::fabs(r.w - r.w_exacto) < kToleranciaRecta && std::fabs(r.b - r.b_exacto) < kToleranciaRecta;
}

AjusteRecta ajustar_recta(const ConfigRecta& cfg) {
  AjusteRecta r;
  Rng rng(cfg.semilla);
  r.x = Tensor::rand({cfg.puntos}, rng, -2, 2);
  r.y = r.x * 2 + 1 + Tensor::randn({cfg.puntos}, rng) * cfg.ruido;
  const Var x = constant(r.x), y = constant(r.y);
  Var w = param(Tensor::scalar(0), "w"), b = param(Tensor::scalar(0), "b");
  auto perdida_de = [&] { return mean(square(x * w + b - y)); };  // [64]·[] + [] → [64], por broadcasting
  for (int epoca = 0; epoca < cfg.epocas; ++epoca) {
    Var perdida = perdida_de();
    backward(perdida);
    r.perdidas.push_back(perdida.item());  // la pérdida antes de esta época
    paso_de_sgd({w, b}, cfg.lr);
  }
  {
    NoGrad sin_cinta;
    r.perdidas.push_back(perdida_de().item());  // y tras la última
  }
  r.w = w.item(), r.b = b.item();
  // Mínimos cuadrados en forma cerrada: w = cov(x, y) / var(x), b = media(y) − w·media(x).
  double mx = 0, my = 0, sxy = 0, sxx = 0;
  for (int64_t i = 0; i < r.x.numel(); ++i) mx += r.x[i], my += r.y[i];
  mx /= double(r.x.numel()), my /= double(r.x.numel());
  for (int64_t i = 0; i < r.x.numel(); ++i) sxy += (r.x[i] - mx) * (r.y[i] - my), sxx += (r.x[i] - mx) * (r.x[i] - mx);
  r.w_exacto = sxy / sxx, r.b_exacto = my - r.w_exacto * mx;
  return r;
}

// Cada cuántas épocas mostrar la pérdida: un número redondo (1, 2 o 5 por una potencia de 10) que
// da unas `filas` filas para `epocas` épocas: 4000 épocas en 6 filas → cada 1000.
size_t paso_redondo(size_t epocas, int filas) {
  for (size_t potencia = 1;; potencia *= 10)
    for (size_t m : {1, 2, 5})
      if (m * potencia * size_t(filas) >= epocas) return m * potencia;
}

// La pérdida en las épocas 0, cada, 2·cada, … y en la última, en una tabla.
std::string tabla_de_perdidas(Narrator& n, const std::vector<real>& perdidas, int filas) {
  if (perdidas.empty()) return "";
  const size_t ultima = perdidas.size() - 1, cada = paso_redondo(ultima, filas);
  const int ancho = std::max(5, int(std::to_string(ultima).size()));  // «época» y «epoch» ocupan 5 columnas
  auto linea = [&](size_t e) {
    const double p = perdidas[e];  // una pérdida enorme (el descenso diverge) va en notación científica
    return fixed(double(e), 0, ancho) + (std::fabs(p) < 1e4 ? fixed(p, 5, 12) : "    " + sci(p)) + "\n";
  };
  std::string t = std::string(size_t(ancho - 5), ' ') + n.tr("época     pérdida\n", "epoch        loss\n");
  for (size_t e = 0; e <= ultima; e += cada) t += linea(e);
  if (ultima % cada != 0) t += linea(ultima);
  return t;
}

void paso6_recta(Narrator& n) {
  n.step(6, "Ajustar una recta con descenso por gradiente", "Fitting a line with gradient descent");
  const ConfigRecta cfg = config_recta(n.options());
  n.say(
      "{} puntos y = 2x + 1 + ruido (desviación estándar {}). Modelo y = w·x + b con w = b = 0 al principio; "
      "pérdida L = media((w·x + b − y)²); en cada época backward(L) y luego w ← w − lr·∂L/∂w (lr = {}).",
      "{} points y = 2x + 1 + noise (std {}). Model y = w·x + b with w = b = 0 at the start; "
      "loss L = mean((w·x + b − y)²); each epoch backward(L), then w ← w − lr·∂L/∂w (lr = {}).",
      cfg.puntos, cfg.ruido, cfg.lr);
  const AjusteRecta r = ajustar_recta(cfg);
  n.show(tabla_de_perdidas(n, r.perdidas, 6));
  const bool llego = llego_a_minimos_cuadrados(r);
  n.say(
      "Recuperamos w = {} y b = {} (los verdaderos: 2 y 1). Con ruido, lo mejor posible es la solución de "
      "mínimos cuadrados, w* = {} y b* = {}: el descenso {} (|w − w*| y |b − b*| {} {}).",
      "We recover w = {} and b = {} (the true ones: 2 and 1). With noise, the best possible is the "
      "least-squares solution, w* = {} and b* = {}: gradient descent {} (|w − w*| and |b − b*| {} {}).",
      fixed(r.w, 4), fixed(r.b, 4), fixed(r.w_exacto, 4), fixed(r.b_exacto, 4),
      llego ? n.tr("llegó a ella", "reached it") : n.tr("NO llegó a ella", "did NOT reach it"), llego ? "<" : "≥",
      kToleranciaRecta);

  const real x0 = -2, x1 = 2;
  svg::plot(n.path("recta.svg"),
            {.title = n.tr("Ajuste de una recta", "Fitting a line"),
             .x_label = "x",
             .y_label = "y",
             .series = {
                 {.name = n.tr("datos", "data"), .x = r.x.to_vector(), .y = r.y.to_vector(), .mark = svg::Mark::points},
                 {.name = "w·x + b", .x = {x0, x1}, .y = {r.w * x0 + r.b, r.w * x1 + r.b}}}});
  n.figure(n.path("recta.svg"), "datos y recta ajustada", "data and fitted line");
  svg::plot(n.path("recta_perdida.svg"), {.title = n.tr("Pérdida de la recta", "Line fit loss"),
                                          .x_label = n.tr("época", "epoch"),
                                          .y_label = n.tr("pérdida (escala log)", "loss (log scale)"),
                                          .series = {{.name = "L", .y = r.perdidas}},
                                          .log_y = true});
  n.figure(n.path("recta_perdida.svg"), "curva de pérdida de la recta", "loss curve of the line fit");
}

// ---------------------------------------------------------------------------------------------
// Paso 7: un perceptrón multicapa pequeño, 1 → H → 1, que aprende sen(x) en [−3, 3]:
//   h = act(x·W1 + b1),   ŷ = h·W2 + b2,   con act = tanh (o relu, en el ejercicio 3)
enum class Activacion { tanh, relu };
const char* nombre(Activacion a) { return a == Activacion::tanh ? "tanh" : "relu"; }

struct ConfigMlp {
  int ocultas = 16;  // H
  Activacion activacion = Activacion::tanh;
  int puntos = 64;
  // Con lr = 0.1 la pérdida da saltos de vez en cuando (ejercicio 6: el descenso está al borde de
  // la estabilidad); con 0.05 no, para ninguna semilla de 1 a 10 (tests/test_lesson00.cpp).
  real lr = 0.05f;
  int epocas = 4000;
  uint64_t semilla = 1;
};

ConfigMlp config_mlp(const LessonOptions& o) {
  return {.epocas = o.mode == RunMode::quick ? 600 : o.mode == RunMode::full ? 20000 : 4000, .semilla = o.seed};
}

// "1 → 16 → 1 con tanh": lo que dicen los títulos, siempre la red que se entrena.
std::string describir(Narrator& n, const ConfigMlp& cfg) {
  return fmt(n.tr("1 → {} → 1 con {}", "1 → {} → 1 with {}"), cfg.ocultas, nombre(cfg.activacion));
}

struct Mlp {
  Var w1, b1, w2, b2;
  Activacion activacion = Activacion::tanh;
  Var ocultas(const Var& x) const {  // [N, 1] → [N, H]
    const Var z = matmul(x, w1) + b1;
    return activacion == Activacion::tanh ? tanh(z) : relu(z);
  }
  Var operator()(const Var& x) const { return matmul(ocultas(x), w2) + b2; }  // [N, H] → [N, 1]
};

struct AjusteMlp {
  Tensor x, y, prediccion;     // [N, 1] cada uno
  std::vector<real> perdidas;  // perdidas[e]: la pérdida tras e épocas, e = 0 … epocas
  Mlp red;
};

AjusteMlp entrenar_mlp(const ConfigMlp& cfg) {
  AjusteMlp r;
  Rng rng(cfg.semilla);
  const int64_t h = cfg.ocultas;
  // Pesos iniciales aleatorios (si todos empezaran iguales, todas las neuronas aprenderían lo mismo).
  r.red = {param(Tensor::randn({1, h}, rng), "W1"), param(Tensor::randn({h}, rng), "b1"),
           param(Tensor::randn({h, 1}, rng, 0, 1 / std::sqrt(real(h))), "W2"), param(Tensor::zeros({1}), "b2"),
           cfg.activacion};
  const real n = real(cfg.puntos - 1);
  r.x = map(Tensor::arange(cfg.puntos), [n](real i) { return -3 + 6 * i / n; }).reshape({-1, 1});  // −3 … 3
  r.y = map(r.x, [](real v) { return std::sin(v); });
  const Var x = constant(r.x), y = constant(r.y);
  for (int epoca = 0; epoca < cfg.epocas; ++epoca) {
    Var perdida = mean(square(r.red(x) - y));
    backward(perdida);
    r.perdidas.push_back(perdida.item());
    paso_de_sgd({r.red.w1, r.red.b1, r.red.w2, r.red.b2}, cfg.lr);
  }
  NoGrad sin_cinta;  // evaluar no necesita gradientes
  r.prediccion = r.red(x).value();
  r.perdidas.push_back(mean(square(constant(r.prediccion) - y)).item());
  return r;
}

// Qué hace cada neurona oculta j: act(w·x + b), con w = W1[0, j] y b = b1[j], cambia de forma en
// x = −b/w: ahí tanh pasa por 0 (el centro de su escalón) y relu tiene el codo.
struct Neuronas {
  Tensor valores;             // [H, 7]: una fila por neurona, en x = −3, −2, …, 3
  std::vector<real> centros;  // −b/w de cada neurona (infinito si w = 0)
  int dentro = 0;             // cuántas tienen el centro dentro de (−3, 3)
  int nulas = 0;              // cuántas valen 0 en las 7 muestras (relu apagada en todo el intervalo)
};

Neuronas mirar_neuronas(const Mlp& red) {
  const Tensor muestras = Tensor::from({-3, -2, -1, 0, 1, 2, 3}, {7, 1});
  Tensor h;
  {
    NoGrad sin_cinta;
    h = red.ocultas(constant(muestras)).value();  // [7, H]
  }
  const int64_t ocultas = h.size(1);
  Neuronas r;
  r.valores = Tensor({ocultas, 7});  // traspuesta, para que quepa en la terminal
  for (int64_t j = 0; j < ocultas; ++j) {
    bool nula = true;
    for (int64_t i = 0; i < 7; ++i) r.valores.at({j, i}) = h.at({i, j}), nula = nula && h.at({i, j}) == 0;
    const real w = red.w1.value()[j], b = red.b1.value()[j];
    r.centros.push_back(w != 0 ? -b / w : INFINITY);
    r.dentro += std::fabs(r.centros.back()) < 3;
    r.nulas += nula;
  }
  return r;
}

// El verbo en singular o en plural según cuántas neuronas: verbo(n, 1, "tiene", "has") == "tiene",
// verbo(n, 3, "tiene", "has") == "tienen" (en inglés "have"; "is" → "are", "does" → "do").
std::string verbo(Narrator& n, int cuantas, const std::string& es, const std::string& en) {
  if (cuantas == 1) return n.tr(es, en);
  if (!n.english()) return es + "n";
  return en == "is" ? "are" : en == "does" ? "do" : en == "has" ? "have" : en.substr(0, en.size() - 1);
}

void paso7_mlp(Narrator& n, const ConfigMlp& cfg) {
  const std::string red = describir(n, cfg), act = nombre(cfg.activacion);
  n.step(7, "Una red pequeña: " + red, "A tiny network: " + red);
  n.say(
      "h = {}(x·W1 + b1), ŷ = h·W2 + b2, con W1 [1, {}], W2 [{}, 1]: aprende sen(x) en {} puntos de [−3, 3] "
      "con el mismo descenso por gradiente ({} épocas, lr = {}).",
      "h = {}(x·W1 + b1), ŷ = h·W2 + b2, with W1 [1, {}], W2 [{}, 1]: it learns sin(x) on {} points of [−3, 3] "
      "with the same gradient descent ({} epochs, lr = {}).",
      act, cfg.ocultas, cfg.ocultas, cfg.puntos, cfg.epocas, cfg.lr);
  const AjusteMlp r = entrenar_mlp(cfg);
  n.show(tabla_de_perdidas(n, r.perdidas, 6));
  const bool bajo = r.perdidas.back() < r.perdidas.front();
  n.say("La pérdida {} de {} a {}.", "The loss went {} from {} to {}.",
        bajo ? n.tr("bajó", "down") : n.tr("subió", "up"), fixed(r.perdidas.front(), 4), fixed(r.perdidas.back(), 4));

  const Neuronas v = mirar_neuronas(r.red);
  const int ocultas = int(v.centros.size());
  std::vector<std::string> filas, columnas;
  for (int j = 0; j < ocultas; ++j) {
    const real c = v.centros[size_t(j)];
    const double c1 = std::round(c * 10) / 10 + 0.0;  // + 0.0: −0.0 se escribe 0.0
    filas.push_back("h" + std::to_string(j) + " (" +
                    (std::fabs(c) < 100 ? fixed(c1, 1)
                     : c > 0            ? ">99"
                                        : "<-99") +
                    ")");
  }
  for (int x = -3; x <= 3; ++x) columnas.push_back("x=" + std::to_string(x));
  const int fuera = ocultas - v.dentro;
  if (cfg.activacion == Activacion::tanh) {
    n.say(
        "Las {} neuronas ocultas en x = −3…3, una por fila; entre paréntesis, su centro −b/w. Cada fila es "
        "tanh(w·x + b): un escalón suave y monótono que pasa por 0 en x = −b/w.",
        "The {} hidden neurons at x = −3…3, one per row; in parentheses, each one's center −b/w. Each row is "
        "tanh(w·x + b): a soft, monotonic step that crosses 0 at x = −b/w.",
        ocultas);
    if (fuera == 0)
      n.say("Las {} tienen el centro dentro de [−3, 3] y cambian de signo ahí.",
            "All {} have their center inside [−3, 3] and change sign there.", ocultas);
    else
      n.say("{} de las {} {} el centro dentro de [−3, 3] y {} de signo ahí; {} no {} de signo en este intervalo.",
            "{} of the {} {} their center inside [−3, 3] and {} sign there; {} {} not change sign on this interval.",
            v.dentro, ocultas, verbo(n, v.dentro, "tiene", "has"), verbo(n, v.dentro, "cambia", "changes"), fuera,
            verbo(n, fuera, "cambia", "does"));
  } else {
    n.say(
        "Las {} neuronas ocultas en x = −3…3, una por fila; entre paréntesis, su codo −b/w. Cada fila es "
        "relu(w·x + b): 0 a un lado de x = −b/w y una recta al otro. {} de las {} {} el codo dentro de [−3, 3]; "
        "{} {} 0 en todo el intervalo y {} {} una recta en todo él.",
        "The {} hidden neurons at x = −3…3, one per row; in parentheses, each one's kink −b/w. Each row is "
        "relu(w·x + b): 0 on one side of x = −b/w and a straight line on the other. {} of the {} {} their kink "
        "inside [−3, 3]; {} {} 0 on the whole interval and {} {} a line on all of it.",
        ocultas, v.dentro, ocultas, verbo(n, v.dentro, "tiene", "has"), v.nulas, verbo(n, v.nulas, "vale", "is"),
        fuera - v.nulas, verbo(n, fuera - v.nulas, "es", "is"));
  }
  n.say("La salida las suma con los pesos W2.", "The output adds them up with the weights W2.");
  // La misma escala para todas las filas: tanh va de −1 a 1 y relu empieza en 0.
  TerminalHeatmap mapa{.row_labels = filas, .col_labels = columnas};
  mapa.vmin = cfg.activacion == Activacion::tanh ? -1 : 0;
  if (cfg.activacion == Activacion::tanh) mapa.vmax = 1;
  n.heatmap(v.valores, mapa);

  const std::string seno = n.tr("sen(x)", "sin(x)");
  svg::plot(n.path("mlp.svg"),
            {.title = n.tr("Red ", "Network ") + red + n.tr(" aprendiendo sen(x)", " learning sin(x)"),
             .x_label = "x",
             .y_label = "y",
             .series = {{.name = seno, .x = r.x.to_vector(), .y = r.y.to_vector(), .mark = svg::Mark::points},
                        {.name = n.tr("red", "network"), .x = r.x.to_vector(), .y = r.prediccion.to_vector()}}});
  n.figure(n.path("mlp.svg"), "sen(x) y la predicción de la red", "sin(x) and the network's prediction");
  svg::plot(n.path("mlp_perdida.svg"), {.title = n.tr("Pérdida de la red ", "Loss of the network ") + red,
                                        .x_label = n.tr("época", "epoch"),
                                        .y_label = n.tr("pérdida (escala log)", "loss (log scale)"),
                                        .series = {{.name = "L", .y = r.perdidas}},
                                        .log_y = true});
  n.figure(n.path("mlp_perdida.svg"), "curva de pérdida de la red", "loss curve of the network");
}

// ---------------------------------------------------------------------------------------------
void run(Narrator& n) {
  paso1_tensores(n);
  paso2_broadcasting(n);
  paso3_cinta(n);
  paso4_a_mano(n);
  paso5_gradcheck(n);
  paso6_recta(n);
  paso7_mlp(n, config_mlp(n.options()));
  const ConfigMlp mlp = config_mlp(n.options());
  const std::string capas = fmt("1 → {} → 1", mlp.ocultas), act = nombre(mlp.activacion);
  n.summary({
      {"Un tensor es una lista de números y una forma; reshape da una vista que comparte la memoria.",
       "A tensor is a list of numbers and a shape; reshape gives a view that shares the memory."},
      {"Broadcasting alinea las formas por la derecha y repite los ejes de tamaño 1; si no encajan, atn::Error.",
       "Broadcasting aligns shapes on the right and repeats axes of size 1; if they do not fit, atn::Error."},
      {"Cada operación sobre Vars se graba en la cinta; backward() la recorre al revés aplicando la regla de la "
       "cadena, y da lo mismo que el cálculo a mano.",
       "Every operation on Vars is recorded on the tape; backward() walks it in reverse applying the chain "
       "rule, and gives the same as the calculation by hand."},
      {"gradcheck compara la cinta con diferencias finitas centrales.",
       "gradcheck compares the tape with central finite differences."},
      {"Con p ← p − lr·∂L/∂p recuperamos w ≈ 2, b ≈ 1 de una recta con ruido, y una red " + capas + " con " + act +
           " aprende sen(x).",
       "With p ← p − lr·∂L/∂p we recover w ≈ 2, b ≈ 1 from a noisy line, and a " + capas + " network with " + act +
           " learns sin(x)."},
  });
  n.exercises({
      {"En struct ConfigRecta cambia `real lr = 0.1f;` por 0.8f: ¿qué le pasa a la pérdida? Con x en [−2, 2] "
       "el descenso diverge si lr pasa de ≈ 0.75; ¿por qué existe un lr máximo?",
       "In struct ConfigRecta change `real lr = 0.1f;` to 0.8f: what happens to the loss? With x in [−2, 2] "
       "descent diverges once lr passes ≈ 0.75; why is there a maximum lr?"},
      {"Borra la línea p.zero_grad() de paso_de_sgd y vuelve a ejecutar: los gradientes se acumulan entre épocas.",
       "Delete the line p.zero_grad() in paso_de_sgd and rerun: gradients pile up across epochs."},
      {"En ConfigMlp cambia Activacion::tanh por Activacion::relu, y prueba ocultas = 4 y 64. Compara la pérdida "
       "final y el mapa de las neuronas ocultas.",
       "In ConfigMlp change Activacion::tanh to Activacion::relu, and try ocultas = 4 and 64. Compare the final loss "
       "and the map of the hidden neurons."},
      {"Añade un término a construir_expresion, p. ej. f = e·t + exp(b), su derivada local en gradiente_a_mano, y "
       "comprueba que la tabla del paso 4 sigue coincidiendo.",
       "Add a term to construir_expresion, e.g. f = e·t + exp(b), its local derivative in gradiente_a_mano, and "
       "check that the table of step 4 still agrees."},
      {"Ejecuta con --seed 7 y con --full: ¿llega la red siempre a la misma pérdida?",
       "Run with --seed 7 and with --full: does the network always reach the same loss?"},
      // El borde de la estabilidad: Cohen, Kaur, Li, Kolter y Talwalkar (2021), "Gradient Descent on
      // Neural Networks Typically Occurs at the Edge of Stability".
      {"En ConfigMlp sube lr a 0.1f y ejecuta con --seed 7: la pérdida da saltos de más del doble y luego se "
       "recupera (mírala en mlp_perdida.svg). Es el borde de la estabilidad: un paso lr solo es estable donde la "
       "curvatura de la pérdida (el mayor autovalor de la hessiana) es menor que 2/lr, como la recta del "
       "ejercicio 1; la curvatura crece al entrenar, un paso se pasa del valle y la red cae en una zona más plana. "
       "Por eso lr = 0.05.",
       "In ConfigMlp raise lr to 0.1f and run with --seed 7: the loss jumps to more than double and then recovers "
       "(see mlp_perdida.svg). This is the edge of stability: a step lr is only stable where the curvature of the "
       "loss (the largest eigenvalue of the Hessian) is below 2/lr, as for the line of exercise 1; the curvature "
       "grows during training, a step overshoots the valley and the network lands somewhere flatter. "
       "That is why lr = 0.05."},
  });
}

}  // namespace lesson00

#ifndef ATN_LESSON_NO_MAIN
int main(int argc, char** argv) {
  return atn::run_lesson(argc, argv, "00", {"Tensores y autograd con cinta", "Tensors and tape autograd"},
                         lesson00::run);
}
#endif
