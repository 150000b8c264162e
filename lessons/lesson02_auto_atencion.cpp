// Lección 02 · Auto-atención
//
// En la auto-atención cada elemento de una secuencia mira a todos los demás (y a sí mismo) de la
// misma secuencia: α(x_i, x_j) = softmax_j(q_i·k_j / √d_k) y h_i = Σ_j α_ij v_j. Esta lección la
// calcula a mano para un token, la escribe como forma bilineal, comprueba que cada salida es una
// combinación convexa de los valores (filas que suman 1, salidas dentro de la envolvente convexa),
// la escribe en forma matricial softmax(QKᵀ/√d_k)V, mide por qué se divide entre √d_k y termina con
// el módulo SelfAttention(d), que devuelve (H, A).
//
//   make lesson02                      ejecuta la lección
//   make lesson02 ARGS="--step"        espera Enter tras cada paso
//   make lesson02 ARGS="--lang en"     in English
#include <algorithm>
#include <array>
#include <cmath>
#include <memory>

#include "autograd/ops_basic.h"
#include "autograd/ops_shape.h"
#include "autograd/ops_softmax.h"
#include "lessons/common/narrator.h"
#include "nn/attention/self_attention.h"
#include "tensor/elementwise.h"
#include "tensor/matmul.h"
#include "tensor/rng.h"
#include "tensor/shape_ops.h"
#include "tensor/softmax.h"
#include "viz/svg.h"

namespace lesson02 {

using namespace atn;

// Una oración del curso; cada palabra será un vector x_i de dimensión d (aleatorio: aquí no hay
// nada entrenado, solo la mecánica de la atención).
const std::vector<std::string> kOracion = {"el", "perro", "come", "un", "hueso"};
constexpr int64_t kD = 4;  // d: dimensión de cada x_i (pequeña para poder imprimir las matrices)

// Los datos de los pasos 1 a 4: X [5, d] y una auto-atención con d_k = d y d_v = 2 (valores en el
// plano, para poder dibujar la envolvente convexa).
struct Ejemplo {
  Tensor x;                                 // [T, d]
  std::shared_ptr<SelfAttention> atencion;  // W_q, W_k [d_k, d], W_v [d_v, d], sin sesgo
};

Ejemplo ejemplo(uint64_t semilla) {
  Rng rng(semilla);
  auto atencion = std::make_shared<SelfAttention>(kD, rng, kD, 2);
  // Entradas con desviación estándar 2: con pesos iniciales pequeños, unas entradas de tamaño 1
  // darían puntajes casi iguales y pesos casi uniformes; así se ve mejor quién mira a quién.
  Tensor x = Tensor::randn({int64_t(kOracion.size()), kD}, rng, 0, 2);
  return {x, atencion};
}

// Q = X W_qᵀ, K = X W_kᵀ, V = X W_vᵀ como tensores (sin cinta).
struct Proyecciones {
  Tensor q, k, v;
};
Proyecciones proyectar(const Ejemplo& e) {
  return {matmul(e.x, e.atencion->wq.weight.value(), false, true),
          matmul(e.x, e.atencion->wk.weight.value(), false, true),
          matmul(e.x, e.atencion->wv.weight.value(), false, true)};
}

// ---------------------------------------------------------------------------------------------
// Paso 1: los pesos de un token, a mano. Para el token i: q_i = W_q x_i, k_j = W_k x_j; el puntaje
// e_ij = q_i·k_j / √d_k; y α_ij = exp(e_ij) / Σ_j' exp(e_ij').
struct FilaAMano {
  std::vector<double> puntajes, pesos;
};

FilaAMano fila_a_mano(const Ejemplo& e, int64_t i) {
  const Proyecciones p = proyectar(e);
  const int64_t t = p.q.size(0), dk = p.q.size(1);
  FilaAMano f;
  for (int64_t j = 0; j < t; ++j) {
    double punto = 0;
    for (int64_t c = 0; c < dk; ++c) punto += double(p.q.at({i, c})) * p.k.at({j, c});
    f.puntajes.push_back(punto / std::sqrt(double(dk)));
  }
  // Se resta el máximo antes de exp: el resultado es el mismo y exp nunca se desborda.
  const double m = *std::max_element(f.puntajes.begin(), f.puntajes.end());
  double total = 0;
  for (double s : f.puntajes) total += std::exp(s - m);
  for (double s : f.puntajes) f.pesos.push_back(std::exp(s - m) / total);
  return f;
}

// La matriz A del módulo SelfAttention, para comparar.
Tensor pesos_del_modulo(const Ejemplo& e) {
  NoGrad sin_cinta;
  return e.atencion->forward(constant(e.x)).weights.value();
}

double diferencia_fila(const FilaAMano& f, const Tensor& a, int64_t i) {
  double m = 0;
  for (size_t j = 0; j < f.pesos.size(); ++j) m = std::max(m, std::fabs(f.pesos[j] - a.at({i, int64_t(j)})));
  return m;
}

std::string si_no(Narrator& n, bool v) { return v ? n.tr("sí", "yes") : n.tr("no", "no"); }

void paso1_un_token(Narrator& n, const Ejemplo& e) {
  n.step(1, "Los pesos de un token, a mano", "The weights of one token, by hand");
  n.say(
      "Oración: «el perro come un hueso»; cada palabra es un vector x_i de dimensión d = {} (aleatorio). "
      "Para el token i, q_i = W_q x_i es lo que busca y k_j = W_k x_j lo que ofrece cada token j. El puntaje es "
      "e_ij = q_i·k_j / √d_k y el peso α_ij = softmax_j(e_ij): todos los j del token i compiten entre sí.",
      "Sentence: \"el perro come un hueso\" (the dog eats a bone); each word is a vector x_i of dimension "
      "d = {} (random). For token i, q_i = W_q x_i is what it looks for and k_j = W_k x_j what each token j "
      "offers. The score is e_ij = q_i·k_j / √d_k and the weight α_ij = softmax_j(e_ij): all the j of token i "
      "compete with each other.",
      kD);
  const int64_t i = 1;  // «perro»
  const FilaAMano f = fila_a_mano(e, i);
  std::string tabla = n.tr("token j    e_ij    α_ij\n", "token j    e_ij    α_ij\n");
  double suma = 0;
  for (size_t j = 0; j < f.pesos.size(); ++j) {
    tabla += kOracion[j] + std::string(8 - kOracion[j].size(), ' ') + fixed(f.puntajes[j], 3, 7) +
             fixed(f.pesos[j], 3, 8) + "\n";
    suma += f.pesos[j];
  }
  tabla += n.tr("suma            ", "sum             ") + fixed(suma, 3, 8);
  n.say("Fila del token i = «{}»:", "Row of token i = \"{}\":", kOracion[size_t(i)]);
  n.show(tabla);
  const double d = diferencia_fila(f, pesos_del_modulo(e), i);
  n.say("La misma fila de la matriz A del módulo SelfAttention difiere de esta en {} como máximo: {}.",
        "The same row of the SelfAttention module's matrix A differs from this one by at most {}: {}.", sci(d),
        d < 1e-5 ? n.tr("coinciden", "they agree") : n.tr("NO coinciden", "they do NOT agree"));
}

// ---------------------------------------------------------------------------------------------
// Paso 2: la forma bilineal. q_i·k_j = (W_q x_i)·(W_k x_j) = x_iᵀ W_qᵀ W_k x_j = x_iᵀ W x_j con
// W = W_qᵀ W_k, una matriz d×d: la atención compara x_i y x_j con un producto punto «torcido» por W.
// El cuaderno del curso escribe ψ_k(x_i)ᵀψ_q(x_j) y W = W_kᵀ W_q: eso es k_i·q_j, la traspuesta de
// QKᵀ; como el softmax normaliza por filas, da otros pesos (salvo que W sea simétrica).
struct Bilineal {
  Tensor w;                   // W = W_qᵀ W_k [d, d]
  double dif_bilineal = 0;    // max |X W Xᵀ − Q Kᵀ|
  double dif_traspuesta = 0;  // max |softmax(QKᵀ/√d_k) − softmax(KQᵀ/√d_k)|: el orden del cuaderno
  double asimetria = 0;       // max |W − Wᵀ|
};

Bilineal forma_bilineal(const Ejemplo& e) {
  const Proyecciones p = proyectar(e);
  Bilineal b;
  b.w = matmul(e.atencion->wq.weight.value(), e.atencion->wk.weight.value(), true, false);
  const Tensor qk = matmul(p.q, p.k, false, true);
  const Tensor xwx = matmul(matmul(e.x, b.w), e.x, false, true);
  b.dif_bilineal = max_abs_diff(xwx, qk);
  const real escala = 1 / std::sqrt(real(p.q.size(1)));
  b.dif_traspuesta = max_abs_diff(softmax(qk * escala), softmax(transpose(qk) * escala));
  b.asimetria = max_abs_diff(b.w, transpose(b.w));
  return b;
}

void paso2_bilineal(Narrator& n, const Ejemplo& e) {
  n.step(2, "La forma bilineal W = W_qᵀ W_k", "The bilinear form W = W_qᵀ W_k");
  const Bilineal b = forma_bilineal(e);
  n.say(
      "q_i·k_j = (W_q x_i)·(W_k x_j) = x_iᵀ (W_qᵀ W_k) x_j = x_iᵀ W x_j: un producto punto entre x_i y x_j "
      "deformado por una matriz W de {}×{} que se aprende. Aquí W = W_qᵀ W_k:",
      "q_i·k_j = (W_q x_i)·(W_k x_j) = x_iᵀ (W_qᵀ W_k) x_j = x_iᵀ W x_j: a dot product between x_i and x_j "
      "bent by a learned {}×{} matrix W. Here W = W_qᵀ W_k:",
      kD, kD);
  n.show(b.w.str(3));
  n.say("max |X W Xᵀ − Q Kᵀ| = {}: {}.", "max |X W Xᵀ − Q Kᵀ| = {}: {}.", sci(b.dif_bilineal),
        b.dif_bilineal < 1e-4 ? n.tr("son la misma matriz de puntajes", "they are the same score matrix")
                              : n.tr("NO son iguales", "they are NOT equal"));
  n.say(
      "Cuidado con el orden. El cuaderno del curso escribe el peso como ψ_k(x_i)ᵀψ_q(x_j), con W = W_kᵀ W_q: "
      "eso es k_i·q_j, la traspuesta de QKᵀ. La fila i debe comparar la pregunta q_i del token i con las "
      "claves de todos; con la traspuesta, softmax normaliza otra cosa. Las dos versiones coinciden solo si W "
      "es simétrica (aquí max |W − Wᵀ| = {}); sus pesos difieren hasta en {}.",
      "Mind the order. The course notebook writes the weight as ψ_k(x_i)ᵀψ_q(x_j), with W = W_kᵀ W_q: that is "
      "k_i·q_j, the transpose of QKᵀ. Row i must compare token i's query q_i with everybody's keys; with the "
      "transpose, softmax normalizes something else. The two versions agree only if W is symmetric (here "
      "max |W − Wᵀ| = {}); their weights differ by up to {}.",
      fixed(b.asimetria, 3), fixed(b.dif_traspuesta, 3));
}

// ---------------------------------------------------------------------------------------------
// Paso 3: cada salida es una combinación convexa de los valores. Los pesos de una fila son
// positivos y suman 1, así que h_i = Σ_j α_ij v_j queda dentro de la envolvente convexa de los v_j:
// el polígono más pequeño que contiene a todos los valores.
using Punto = std::array<double, 2>;

// (b − a) × (c − a): positivo si a → b → c gira a la izquierda.
double giro(const Punto& a, const Punto& b, const Punto& c) {
  return (b[0] - a[0]) * (c[1] - a[1]) - (b[1] - a[1]) * (c[0] - a[0]);
}

// La envolvente convexa en sentido antihorario (cadena monótona de Andrew, 1979).
std::vector<Punto> envolvente_convexa(std::vector<Punto> p) {
  std::sort(p.begin(), p.end());
  if (p.size() < 3) return p;
  std::vector<Punto> h(2 * p.size());
  size_t k = 0;
  for (size_t i = 0; i < p.size(); ++i) {  // la parte de abajo, de izquierda a derecha
    while (k >= 2 && giro(h[k - 2], h[k - 1], p[i]) <= 0) --k;
    h[k++] = p[i];
  }
  for (size_t i = p.size() - 1, t = k + 1; i > 0; --i) {  // la de arriba, de derecha a izquierda
    while (k >= t && giro(h[k - 2], h[k - 1], p[i - 1]) <= 0) --k;
    h[k++] = p[i - 1];
  }
  h.resize(k - 1);  // el último punto repite el primero
  return h;
}

// Dentro (o en el borde, con una tolerancia de redondeo) si queda a la izquierda de cada lado.
bool dentro_de(const std::vector<Punto>& poligono, const Punto& x) {
  for (size_t i = 0; i < poligono.size(); ++i)
    if (giro(poligono[i], poligono[(i + 1) % poligono.size()], x) < -1e-6) return false;
  return true;
}

struct Convexa {
  Tensor a, h, v;                 // A [T, T], H = A V [T, 2], V [T, 2]
  std::vector<double> sumas;      // Σ_j α_ij por fila
  double peso_minimo = 0;         // el menor α_ij
  std::vector<Punto> envolvente;  // de los valores v_j
  std::vector<bool> dentro;       // h_i dentro de la envolvente
  Tensor h_sin_softmax;           // los puntajes usados directamente como pesos: E V
  int fuera_sin_softmax = 0;      // cuántas de esas salidas quedan fuera
  int puntajes_negativos = 0;     // cuántos e_ij < 0
  int filas_que_no_suman_1 = 0;   // cuántas filas de puntajes no suman 1 (±0.001)
};

std::vector<Punto> puntos(const Tensor& m) {
  std::vector<Punto> p;
  for (int64_t i = 0; i < m.size(0); ++i) p.push_back({m.at({i, 0}), m.at({i, 1})});
  return p;
}

Convexa combinacion_convexa(const Ejemplo& e) {
  Convexa c;
  {
    NoGrad sin_cinta;
    auto [h, a] = e.atencion->forward(constant(e.x));
    c.h = h.value(), c.a = a.value();
  }
  const Proyecciones p = proyectar(e);
  c.v = p.v;
  c.peso_minimo = 1;
  for (int64_t i = 0; i < c.a.size(0); ++i) {
    double s = 0;
    for (int64_t j = 0; j < c.a.size(1); ++j)
      s += c.a.at({i, j}), c.peso_minimo = std::min(c.peso_minimo, double(c.a.at({i, j})));
    c.sumas.push_back(s);
  }
  c.envolvente = envolvente_convexa(puntos(c.v));
  for (const Punto& x : puntos(c.h)) c.dentro.push_back(dentro_de(c.envolvente, x));
  // Lo que pasa sin softmax: los puntajes no son positivos ni suman 1.
  const Tensor puntajes = matmul(p.q, p.k, false, true) * (1 / std::sqrt(real(p.q.size(1))));
  c.h_sin_softmax = matmul(puntajes, p.v);
  for (int64_t i = 0; i < puntajes.size(0); ++i) {
    double s = 0;
    for (int64_t j = 0; j < puntajes.size(1); ++j)
      s += puntajes.at({i, j}), c.puntajes_negativos += puntajes.at({i, j}) < 0;
    c.filas_que_no_suman_1 += std::fabs(s - 1) > 1e-3;
  }
  for (const Punto& x : puntos(c.h_sin_softmax)) c.fuera_sin_softmax += !dentro_de(c.envolvente, x);
  return c;
}

bool todas_dentro(const Convexa& c) {
  return std::all_of(c.dentro.begin(), c.dentro.end(), [](bool b) { return b; });
}

void paso3_convexa(Narrator& n, const Ejemplo& e) {
  n.step(3, "Salidas como combinaciones convexas", "Outputs as convex combinations");
  const Convexa c = combinacion_convexa(e);
  n.say(
      "Con d_v = 2 cada valor v_j = W_v x_j es un punto del plano y podemos dibujarlo. Cada fila de A suma 1 y "
      "sus pesos son positivos, así que h_i = Σ_j α_ij v_j es un promedio ponderado: cae dentro de la "
      "envolvente convexa de los valores.",
      "With d_v = 2 each value v_j = W_v x_j is a point in the plane and we can draw it. Each row of A sums to 1 "
      "and its weights are positive, so h_i = Σ_j α_ij v_j is a weighted average: it falls inside the convex "
      "hull of the values.");
  std::string tabla =
      n.tr("token     Σ_j α_ij   h_i                 ¿dentro?\n", "token     Σ_j α_ij   h_i                 inside?\n");
  for (size_t i = 0; i < kOracion.size(); ++i) {
    const int64_t r = int64_t(i);
    tabla += kOracion[i] + std::string(10 - kOracion[i].size(), ' ') + fixed(c.sumas[i], 6) + "   (" +
             fixed(c.h.at({r, 0}), 3, 6) + ", " + fixed(c.h.at({r, 1}), 3, 6) + ")    " + si_no(n, c.dentro[i]) + "\n";
  }
  n.show(tabla);
  n.say("El menor peso de A es {} ({} que 0); la envolvente de los 5 valores tiene {} vértices; {}.",
        "The smallest weight of A is {} ({} than 0); the hull of the 5 values has {} vertices; {}.", sci(c.peso_minimo),
        c.peso_minimo > 0 ? n.tr("mayor", "greater") : n.tr("NO mayor", "NOT greater"), c.envolvente.size(),
        todas_dentro(c) ? n.tr("las 5 salidas están dentro", "all 5 outputs are inside")
                        : n.tr("alguna salida quedó FUERA", "some output is OUTSIDE"));
  n.say(
      "Al revés: si usamos los puntajes e_ij directamente como pesos (sin softmax), {} de los 25 son negativos, "
      "{} de las 5 filas no suman 1, y {} de las 5 salidas quedan fuera de la envolvente.",
      "The wrong way: if we use the scores e_ij directly as weights (no softmax), {} of the 25 are negative, "
      "{} of the 5 rows do not sum to 1, and {} of the 5 outputs fall outside the hull.",
      c.puntajes_negativos, c.filas_que_no_suman_1, c.fuera_sin_softmax);

  svg::Series borde{.name = n.tr("envolvente convexa de los v_j", "convex hull of the v_j")};
  for (size_t i = 0; i <= c.envolvente.size(); ++i) {
    const Punto& q = c.envolvente[i % c.envolvente.size()];
    borde.x.push_back(real(q[0])), borde.y.push_back(real(q[1]));
  }
  svg::Series valores{.name = n.tr("valores v_j", "values v_j"), .mark = svg::Mark::points};
  svg::Series salidas{.name = n.tr("salidas h_i (con softmax)", "outputs h_i (with softmax)"),
                      .mark = svg::Mark::points};
  svg::Series sin{.name = n.tr("sin softmax", "without softmax"), .mark = svg::Mark::points};
  for (int64_t i = 0; i < c.v.size(0); ++i) {
    valores.x.push_back(c.v.at({i, 0})), valores.y.push_back(c.v.at({i, 1}));
    salidas.x.push_back(c.h.at({i, 0})), salidas.y.push_back(c.h.at({i, 1}));
    sin.x.push_back(c.h_sin_softmax.at({i, 0})), sin.y.push_back(c.h_sin_softmax.at({i, 1}));
  }
  svg::plot(n.path("envolvente_convexa.svg"),
            {.title = n.tr("Las salidas quedan dentro de la envolvente de los valores",
                           "The outputs stay inside the hull of the values"),
             .x_label = n.tr("coordenada 1", "coordinate 1"),
             .y_label = n.tr("coordenada 2", "coordinate 2"),
             .series = {borde, valores, salidas, sin}});
  n.figure(n.path("envolvente_convexa.svg"), "valores, salidas y envolvente convexa",
           "values, outputs and convex hull");
}

// ---------------------------------------------------------------------------------------------
// Paso 4: la forma matricial, H = softmax(Q Kᵀ / √d_k) V, con operaciones de la cinta; debe dar lo
// mismo que el módulo.
struct Matricial {
  Tensor h, a;                  // a mano
  double dif_h = 0, dif_a = 0;  // contra SelfAttention
};

Matricial forma_matricial(const Ejemplo& e) {
  NoGrad sin_cinta;
  const Var x = constant(e.x);
  const Var q = matmul(x, e.atencion->wq.weight, false, true);  // X W_qᵀ
  const Var k = matmul(x, e.atencion->wk.weight, false, true);
  const Var v = matmul(x, e.atencion->wv.weight, false, true);
  const Var a = softmax(matmul(q, k, false, true) / std::sqrt(real(e.atencion->d_k)));  // [T, T]
  const Var h = matmul(a, v);
  auto [h_modulo, a_modulo] = e.atencion->forward(x);
  return {h.value(), a.value(), max_abs_diff(h.value(), h_modulo.value()), max_abs_diff(a.value(), a_modulo.value())};
}

void paso4_matricial(Narrator& n, const Ejemplo& e) {
  n.step(4, "Forma matricial: softmax(QKᵀ/√d_k)V", "Matrix form: softmax(QKᵀ/√d_k)V");
  n.show(
      "Var q = matmul(x, wq.weight, false, true);   // Q = X W_qᵀ  [5, d_k]\n"
      "Var k = matmul(x, wk.weight, false, true);   // K = X W_kᵀ  [5, d_k]\n"
      "Var v = matmul(x, wv.weight, false, true);   // V = X W_vᵀ  [5, d_v]\n"
      "Var a = softmax(matmul(q, k, false, true) / std::sqrt(real(d_k))); // A [5, 5]\n"
      "Var h = matmul(a, v);                        // H = A V     [5, d_v]");
  const Matricial m = forma_matricial(e);
  n.say("Todas las filas a la vez. Comparado con el módulo SelfAttention: max |ΔH| = {}, max |ΔA| = {}: {}.",
        "Every row at once. Compared with the SelfAttention module: max |ΔH| = {}, max |ΔA| = {}: {}.", sci(m.dif_h),
        sci(m.dif_a), std::max(m.dif_h, m.dif_a) < 1e-5 ? n.tr("iguales", "equal") : n.tr("NO iguales", "NOT equal"));
  n.say("A, una fila por token (quién mira) y una columna por token (a quién mira):",
        "A, one row per token (who looks) and one column per token (whom it looks at):");
  n.heatmap(m.a, {.row_labels = kOracion, .col_labels = kOracion, .vmin = 0, .vmax = 1});
  svg::heatmap(n.path("pesos_de_atencion.svg"),
               {.title = n.tr("Pesos de auto-atención A (sin entrenar)", "Self-attention weights A (untrained)"),
                .x_label = n.tr("token j (clave)", "token j (key)"),
                .y_label = n.tr("token i (pregunta)", "token i (query)"),
                .values = m.a,
                .row_labels = kOracion,
                .col_labels = kOracion,
                .vmin = 0,
                .vmax = 1});
  n.figure(n.path("pesos_de_atencion.svg"), "la matriz A con las palabras en los ejes",
           "the matrix A with the words on the axes");
}

// ---------------------------------------------------------------------------------------------
// Paso 5: ¿por qué √d_k? Si las entradas de q y k son independientes con media 0 y varianza 1,
// q·k = Σ_c q_c k_c es una suma de d_k términos de varianza 1: su varianza es d_k. Puntajes de
// desviación estándar √d_k hacen que softmax se sature (un peso cerca de 1, los demás cerca de 0) y
// que su gradiente se apague. Dividir entre √d_k devuelve la varianza a 1. Aquí lo medimos.
struct ConfigRaiz {
  std::vector<int64_t> dimensiones = {1, 2, 4, 8, 16, 32, 64, 128, 256, 512};
  int64_t claves = 8;            // T: cuántas claves compiten en cada softmax
  int64_t muestras = 400;        // cuántas preguntas por dimensión
  bool dividir_entre_d = false;  // ejercicio 2: escalar con 1/d_k en vez de 1/√d_k
  uint64_t semilla = 1;
};

ConfigRaiz config_raiz(const LessonOptions& o) {
  return {.muestras = o.mode == RunMode::quick ? 200 : o.mode == RunMode::full ? 2000 : 400, .semilla = o.seed};
}

struct MedidaRaiz {
  int64_t d = 0;
  double var_sin = 0, var_con = 0;              // varianza de q·k y de q·k·escala
  double max_sin = 0, max_con = 0;              // peso máximo medio de softmax en cada caso
  double gradiente_sin = 0, gradiente_con = 0;  // norma de Frobenius media del jacobiano de softmax
};

// ‖diag(α) − ααᵀ‖_F, el tamaño del jacobiano de softmax: 0 cuando un peso vale 1 (saturado).
double norma_jacobiano(const std::vector<double>& a) {
  double s = 0;
  for (size_t i = 0; i < a.size(); ++i)
    for (size_t j = 0; j < a.size(); ++j) {
      const double jij = (i == j ? a[i] : 0) - a[i] * a[j];
      s += jij * jij;
    }
  return std::sqrt(s);
}

std::vector<double> softmax_de(const std::vector<double>& s) {
  const double m = *std::max_element(s.begin(), s.end());
  std::vector<double> a;
  double total = 0;
  for (double v : s) a.push_back(std::exp(v - m)), total += a.back();
  for (double& v : a) v /= total;
  return a;
}

std::vector<MedidaRaiz> medir_raiz(const ConfigRaiz& cfg) {
  Rng rng(cfg.semilla);
  std::vector<MedidaRaiz> r;
  for (int64_t d : cfg.dimensiones) {
    MedidaRaiz m{.d = d};
    const double escala = cfg.dividir_entre_d ? 1.0 / double(d) : 1.0 / std::sqrt(double(d));
    double s1 = 0, s2 = 0;  // suma y suma de cuadrados de q·k
    for (int64_t n = 0; n < cfg.muestras; ++n) {
      const Tensor q = Tensor::randn({d}, rng), k = Tensor::randn({cfg.claves, d}, rng);
      std::vector<double> sin, con;
      for (int64_t j = 0; j < cfg.claves; ++j) {
        double punto = 0;
        for (int64_t c = 0; c < d; ++c) punto += double(q[c]) * k.at({j, c});
        sin.push_back(punto), con.push_back(punto * escala);
        s1 += punto, s2 += punto * punto;
      }
      const std::vector<double> a_sin = softmax_de(sin), a_con = softmax_de(con);
      m.max_sin += *std::max_element(a_sin.begin(), a_sin.end());
      m.max_con += *std::max_element(a_con.begin(), a_con.end());
      m.gradiente_sin += norma_jacobiano(a_sin), m.gradiente_con += norma_jacobiano(a_con);
    }
    const double total = double(cfg.muestras * cfg.claves), media = s1 / total;
    m.var_sin = s2 / total - media * media;
    m.var_con = m.var_sin * escala * escala;
    for (double* v : {&m.max_sin, &m.max_con, &m.gradiente_sin, &m.gradiente_con}) *v /= double(cfg.muestras);
    r.push_back(m);
  }
  return r;
}

// Lo que el texto afirma de la tabla: sin escala, var/d entre 0.8 y 1.2 y la softmax saturada en
// la d más grande (peso máximo > 0.9); con escala, varianza entre 0.8 y 1.2 y peso máximo < 0.6.
struct ConclusionRaiz {
  bool varianza_crece_como_d = true, varianza_escalada_cerca_de_1 = true;
  bool satura_sin_escala = false, no_satura_con_escala = true;
};

ConclusionRaiz concluir(const std::vector<MedidaRaiz>& r) {
  ConclusionRaiz c;
  for (const MedidaRaiz& m : r) {
    c.varianza_crece_como_d = c.varianza_crece_como_d && std::fabs(m.var_sin / double(m.d) - 1) < 0.2;
    c.varianza_escalada_cerca_de_1 = c.varianza_escalada_cerca_de_1 && std::fabs(m.var_con - 1) < 0.2;
    c.no_satura_con_escala = c.no_satura_con_escala && m.max_con < 0.6;
  }
  c.satura_sin_escala = !r.empty() && r.back().max_sin > 0.9;
  return c;
}

void paso5_raiz_de_d(Narrator& n) {
  n.step(5, "¿Por qué dividir entre √d_k?", "Why divide by √d_k?");
  const ConfigRaiz cfg = config_raiz(n.options());
  n.say(
      "Si q y k tienen entradas independientes de media 0 y varianza 1, q·k es una suma de d_k productos de "
      "varianza 1: su varianza es d_k. Lo medimos con {} preguntas q y {} claves k por dimensión; «peso máx.» "
      "es el mayor peso de softmax sobre las {} claves (en promedio) y «‖J‖» el tamaño del jacobiano de softmax, "
      "diag(α) − ααᵀ, por el que pasa todo el gradiente.",
      "If q and k have independent entries of mean 0 and variance 1, q·k is a sum of d_k products of variance 1: "
      "its variance is d_k. We measure it with {} queries q and {} keys k per dimension; \"max w.\" is the "
      "largest softmax weight over the {} keys (on average) and \"‖J‖\" the size of softmax's Jacobian, "
      "diag(α) − ααᵀ, which every gradient goes through.",
      cfg.muestras, cfg.claves, cfg.claves);
  const std::vector<MedidaRaiz> r = medir_raiz(cfg);
  const std::string escala = cfg.dividir_entre_d ? "d_k" : "√d_k";  // el ejercicio 2 la cambia
  std::string tabla = std::string("          ---------- q·k ---------   --------- q·k/") + escala +
                      (cfg.dividir_entre_d ? " ---------\n" : " --------\n") +
                      n.tr("  d_k     var    peso máx.    ‖J‖     var    peso máx.    ‖J‖\n",
                           "  d_k     var     max w.      ‖J‖     var     max w.      ‖J‖\n");
  for (const MedidaRaiz& m : r)
    tabla += fixed(double(m.d), 0, 5) + fixed(m.var_sin, 1, 8) + fixed(m.max_sin, 3, 9) +
             fixed(m.gradiente_sin, 3, 10) + fixed(m.var_con, 2, 8) + fixed(m.max_con, 3, 9) +
             fixed(m.gradiente_con, 3, 10) + "\n";
  n.show(tabla);
  const ConclusionRaiz c = concluir(r);
  n.say(
      "Sin escala, la varianza crece como d_k (var/d_k entre 0.8 y 1.2 en cada fila: {}) y con d_k = {} softmax "
      "se satura (peso máximo {} > 0.9: {}); entonces ‖J‖ se encoge ({} contra {} con escala) y llega poco "
      "gradiente a W_q y a W_k. "
      "Dividiendo entre √d_k la varianza queda cerca de 1 (entre 0.8 y 1.2: {}) y el peso máximo se queda igual "
      "para toda d_k (< 0.6: {}).",
      "Without scaling the variance grows like d_k (var/d_k between 0.8 and 1.2 on every row: {}) and with "
      "d_k = {} softmax saturates (max weight {} > 0.9: {}); then ‖J‖ shrinks ({} against {} with scaling) "
      "and little gradient reaches W_q and W_k. Dividing by {} keeps the variance near 1 (between 0.8 and 1.2: {}) and "
      "the max weight stays "
      "the same for every d_k (< 0.6: {}).",
      si_no(n, c.varianza_crece_como_d), r.back().d, fixed(r.back().max_sin, 3), si_no(n, c.satura_sin_escala),
      fixed(r.back().gradiente_sin, 3), fixed(r.back().gradiente_con, 3), escala,
      si_no(n, c.varianza_escalada_cerca_de_1), si_no(n, c.no_satura_con_escala));

  std::vector<real> ds, v_sin, v_con, m_sin, m_con, g_sin, g_con;
  for (const MedidaRaiz& m : r) {
    ds.push_back(real(m.d));
    v_sin.push_back(real(m.var_sin)), v_con.push_back(real(m.var_con));
    m_sin.push_back(real(m.max_sin)), m_con.push_back(real(m.max_con));
    g_sin.push_back(real(m.gradiente_sin)), g_con.push_back(real(m.gradiente_con));
  }
  // El eje x en log2(d_k): las dimensiones se duplican.
  std::vector<real> log_d;
  for (real d : ds) log_d.push_back(std::log2(d));
  svg::plot(n.path("varianza_de_qk.svg"), {.title = n.tr("Varianza de q·k según d_k", "Variance of q·k versus d_k"),
                                           .x_label = "log₂ d_k",
                                           .y_label = n.tr("varianza (escala log)", "variance (log scale)"),
                                           .series = {{.name = "q·k", .x = log_d, .y = v_sin},
                                                      {.name = "q·k/" + escala, .x = log_d, .y = v_con},
                                                      {.name = "d_k", .x = log_d, .y = ds, .mark = svg::Mark::points}},
                                           .log_y = true});
  n.figure(n.path("varianza_de_qk.svg"), "la varianza de q·k crece como d_k", "the variance of q·k grows like d_k");
  svg::plot(n.path("saturacion_softmax.svg"),
            {.title = n.tr("Saturación de softmax según d_k", "Softmax saturation versus d_k"),
             .x_label = "log₂ d_k",
             .y_label = n.tr("peso máximo / ‖J‖", "max weight / ‖J‖"),
             .series = {{.name = n.tr("peso máx., q·k", "max weight, q·k"), .x = log_d, .y = m_sin},
                        {.name = n.tr("peso máx., q·k/", "max weight, q·k/") + escala, .x = log_d, .y = m_con},
                        {.name = "‖J‖, q·k", .x = log_d, .y = g_sin},
                        {.name = "‖J‖, q·k/" + escala, .x = log_d, .y = g_con}}});
  n.figure(n.path("saturacion_softmax.svg"), "peso máximo y tamaño del jacobiano de softmax",
           "max weight and size of softmax's Jacobian");
}

// ---------------------------------------------------------------------------------------------
// Paso 6: el módulo SelfAttention(d) de la biblioteca (nn/attention/self_attention.h): tres Linear
// sin sesgo, W_q, W_k, W_v, y forward(x) devuelve (H, A). Funciona con una oración [T, d] o con un
// lote [B, T, d].
struct Modulo {
  int64_t parametros = 0;
  std::vector<std::string> nombres;
  Shape forma_h, forma_a;  // con un lote [2, 5, d]
  double dif_lote = 0;     // el lote, frente a cada oración por separado
};

Modulo usar_modulo(uint64_t semilla) {
  Rng rng(semilla);
  SelfAttention atencion(kD, rng);
  Modulo m;
  m.parametros = atencion.num_parameters();
  for (const auto& [nombre, _] : atencion.named_parameters()) m.nombres.push_back(nombre);
  NoGrad sin_cinta;
  const Tensor lote = Tensor::randn({2, 5, kD}, rng);
  auto [h, a] = atencion(constant(lote));
  m.forma_h = h.shape(), m.forma_a = a.shape();
  for (int64_t b = 0; b < 2; ++b) {
    auto [h1, a1] = atencion(constant(narrow(lote, 0, b, 1).reshape({5, kD})));
    m.dif_lote = std::max(m.dif_lote, double(max_abs_diff(narrow(h.value(), 0, b, 1).reshape({5, kD}), h1.value())));
    m.dif_lote = std::max(m.dif_lote, double(max_abs_diff(narrow(a.value(), 0, b, 1).reshape({5, 5}), a1.value())));
  }
  return m;
}

void paso6_modulo(Narrator& n) {
  n.step(6, "El módulo SelfAttention(d): devuelve (H, A)", "The SelfAttention(d) module: it returns (H, A)");
  n.show(
      n.tr("SelfAttention atencion(d, rng);   // W_q, W_k, W_v: Linear(d, d) sin sesgo\n"
           "auto [H, A] = atencion(X);        // X [T, d] → H [T, d], A [T, T]",
           "SelfAttention atencion(d, rng);   // W_q, W_k, W_v: Linear(d, d) without bias\n"
           "auto [H, A] = atencion(X);        // X [T, d] → H [T, d], A [T, T]"));
  const Modulo m = usar_modulo(n.options().seed);
  std::string nombres;
  for (const std::string& s : m.nombres) nombres += (nombres.empty() ? "" : ", ") + s;
  n.say("Con d = {} tiene {} parámetros, 3·d² = {} (sin sesgos): {}.",
        "With d = {} it has {} parameters, 3·d² = {} (no biases): {}.", kD, m.parametros, 3 * kD * kD, nombres);
  n.say(
      "Con un lote X [2, 5, {}] devuelve H {} y A {}; cada oración del lote da lo mismo que sola "
      "(max |Δ| = {}). Para eso Kᵀ debe trasponer solo los dos últimos ejes: el cuaderno usa key.T, que en un "
      "tensor de 3 ejes los invierte todos, y .reshape(x.shape) al final, que esconde una forma equivocada en "
      "vez de señalarla.",
      "With a batch X [2, 5, {}] it returns H {} and A {}; each sentence of the batch gives the same as alone "
      "(max |Δ| = {}). For that Kᵀ must transpose only the last two axes: the notebook uses key.T, which on a "
      "3-axis tensor reverses them all, and .reshape(x.shape) at the end, which hides a wrong shape instead of "
      "reporting it.",
      kD, to_string(m.forma_h), to_string(m.forma_a), sci(m.dif_lote));
}

// ---------------------------------------------------------------------------------------------
void run(Narrator& n) {
  const Ejemplo e = ejemplo(n.options().seed);
  paso1_un_token(n, e);
  paso2_bilineal(n, e);
  paso3_convexa(n, e);
  paso4_matricial(n, e);
  paso5_raiz_de_d(n);
  paso6_modulo(n);
  n.summary({
      {"α(x_i, x_j) = softmax_j(q_i·k_j/√d_k): cada token reparte un peso total de 1 entre todos los tokens.",
       "α(x_i, x_j) = softmax_j(q_i·k_j/√d_k): each token spreads a total weight of 1 over all the tokens."},
      {"q_i·k_j = x_iᵀ W x_j con W = W_qᵀ W_k; el orden importa: W_kᵀ W_q da la traspuesta y otros pesos.",
       "q_i·k_j = x_iᵀ W x_j with W = W_qᵀ W_k; the order matters: W_kᵀ W_q gives the transpose and other weights."},
      {"Cada salida h_i es una combinación convexa de los valores: queda dentro de su envolvente convexa.",
       "Each output h_i is a convex combination of the values: it stays inside their convex hull."},
      {"La varianza de q·k crece como d_k; sin dividir entre √d_k, softmax se satura y el gradiente se apaga.",
       "The variance of q·k grows like d_k; without dividing by √d_k, softmax saturates and the gradient dies."},
      {"SelfAttention(d) hace todo esto en una llamada y devuelve (H, A), para una oración o un lote.",
       "SelfAttention(d) does all of this in one call and returns (H, A), for one sentence or a batch."},
  });
  n.exercises({
      {"Ejecuta con --seed 2, 3, …: cambian X, los pesos y la figura, pero cada fila de A sigue sumando 1 y las "
       "5 salidas siguen dentro de la envolvente.",
       "Run with --seed 2, 3, …: X, the weights and the figure change, but each row of A still sums to 1 and the "
       "5 outputs stay inside the hull."},
      {"En struct ConfigRaiz pon `bool dividir_entre_d = true;` (escala 1/d_k en lugar de 1/√d_k): la varianza "
       "escalada baja como 1/d_k y, al revés que sin escala, softmax se vuelve uniforme: el peso máximo baja "
       "hacia 1/8 = 0.125 con d_k = 512.",
       "In struct ConfigRaiz set `bool dividir_entre_d = true;` (scale 1/d_k instead of 1/√d_k): the scaled "
       "variance falls like 1/d_k and, the opposite of no scaling, softmax becomes uniform: the max weight falls "
       "towards 1/8 = 0.125 at d_k = 512."},
      {"En ConfigRaiz cambia `claves = 8` por 64: con más claves que compiten, el peso máximo con escala baja "
       "(≈ 0.1) pero sigue sin depender de d_k, y sin escala sigue saturándose con d_k grande.",
       "In ConfigRaiz change `claves = 8` to 64: with more keys competing, the scaled max weight drops (≈ 0.1) "
       "but still does not depend on d_k, and without scaling it still saturates for large d_k."},
      {"En forma_bilineal usa la W del cuaderno, W_kᵀ W_q (intercambia wq y wk en el primer matmul): "
       "max |X W Xᵀ − Q Kᵀ| deja de ser ≈ 0, porque ahora X W Xᵀ es K Qᵀ, la traspuesta.",
       "In forma_bilineal use the notebook's W, W_kᵀ W_q (swap wq and wk in the first matmul): "
       "max |X W Xᵀ − Q Kᵀ| is no longer ≈ 0, because now X W Xᵀ is K Qᵀ, the transpose."},
  });
}

}  // namespace lesson02

#ifndef ATN_LESSON_NO_MAIN
int main(int argc, char** argv) {
  return atn::run_lesson(argc, argv, "02", {"Auto-atención", "Self-attention"}, lesson02::run);
}
#endif
