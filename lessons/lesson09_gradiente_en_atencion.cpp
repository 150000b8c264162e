// Lección 09 · Sobre el gradiente en capas de atención
//
// Una capa de atención es un grafo de cómputo: q, k, v → ε_ij = q_i·k_j/√d → α = softmax(ε) → h.
// Esta lección lo recorre hacia atrás a mano: la jacobiana de softmax α_ij(δ_jl − α_il), y las
// derivadas ∂h/∂W_v, ∂h/∂W_k y ∂h/∂W_q escritas con sus índices y calculadas con ciclos simples.
// Las compara con la cinta (backward) y con diferencias finitas, muestra qué pasa si se confunde
// un índice, y mide cómo el gradiente se apaga cuando la temperatura de softmax baja (softmax
// saturada: casi one-hot, y su jacobiana casi 0).
//
//   make lesson09                      ejecuta la lección
//   make lesson09 ARGS="--step"        espera Enter tras cada paso
//   make lesson09 ARGS="--lang en"     in English
#include <algorithm>
#include <cmath>

#include "autograd/ops_basic.h"
#include "autograd/ops_shape.h"
#include "autograd/ops_softmax.h"
#include "autograd/tape.h"
#include "lessons/common/narrator.h"
#include "tensor/rng.h"
#include "viz/svg.h"

namespace lesson09 {

using namespace atn;

std::string si_no(Narrator& n, bool v) { return v ? n.tr("sí", "yes") : n.tr("no", "no"); }

// ---------------------------------------------------------------------------------------------
// El problema de toda la lección: T = 4 tokens x_i de dimensión d = 3, y tres matrices d×d.
//   q_i = W_q x_i,  k_j = W_k x_j,  v_j = W_v x_j       (q_ia = Σ_b (W_q)_ab x_ib, igual k y v)
//   ε_ij = q_i·k_j / (τ√d)                              (τ = 1: la atención de siempre)
//   α_ij = exp(ε_ij) / Σ_l exp(ε_il)
//   h_ic = Σ_j α_ij v_jc
constexpr int64_t kT = 4, kD = 3;

struct Problema {
  Tensor x, wq, wk, wv;  // x [T, d]; W [d, d]
};

Problema problema(uint64_t semilla) {
  Rng rng(semilla);
  Problema p;
  p.x = Tensor::randn({kT, kD}, rng);
  p.wq = Tensor::randn({kD, kD}, rng, 0, 0.8);
  p.wk = Tensor::randn({kD, kD}, rng, 0, 0.8);
  p.wv = Tensor::randn({kD, kD}, rng, 0, 0.8);
  return p;
}

// La capa con operaciones de la cinta (matmul, softmax, ...): lo que hace la biblioteca.
struct Grafo {
  Var x, wq, wk, wv, q, k, v, eps, alfa, h;
};

Grafo adelante_con_cinta(const Problema& p, double tau = 1) {
  Grafo g;
  g.x = constant(p.x);
  g.wq = param(p.wq.clone(), "W_q"), g.wk = param(p.wk.clone(), "W_k"), g.wv = param(p.wv.clone(), "W_v");
  g.q = matmul(g.x, g.wq, false, true);  // Q = X W_qᵀ: la fila i es q_i = W_q x_i
  g.k = matmul(g.x, g.wk, false, true);
  g.v = matmul(g.x, g.wv, false, true);
  g.eps = mul(matmul(g.q, g.k, false, true), real(1 / (tau * std::sqrt(double(kD)))));
  g.alfa = softmax(g.eps);
  g.h = matmul(g.alfa, g.v);
  return g;
}

// La misma capa a mano, en double y con ciclos: la usamos para las derivadas y las diferencias.
using Mat = std::vector<std::vector<double>>;

Mat mat(const Tensor& t) {
  Mat m(size_t(t.size(0)), std::vector<double>(size_t(t.size(1))));
  for (int64_t i = 0; i < t.size(0); ++i)
    for (int64_t j = 0; j < t.size(1); ++j) m[size_t(i)][size_t(j)] = t.at({i, j});
  return m;
}

struct AMano {
  Mat x, q, k, v, alfa, h;
};

// W·x_i para cada fila i de x.
Mat proyectar(const Mat& w, const Mat& x) {
  Mat r(x.size(), std::vector<double>(w.size(), 0.0));
  for (size_t i = 0; i < x.size(); ++i)
    for (size_t a = 0; a < w.size(); ++a)
      for (size_t b = 0; b < x[i].size(); ++b) r[i][a] += w[a][b] * x[i][b];
  return r;
}

AMano adelante_a_mano(const Mat& x, const Mat& wq, const Mat& wk, const Mat& wv, double tau = 1) {
  AMano m{x, proyectar(wq, x), proyectar(wk, x), proyectar(wv, x), {}, {}};
  const size_t t = x.size(), d = wq.size();
  m.alfa.assign(t, std::vector<double>(t, 0.0));
  m.h.assign(t, std::vector<double>(d, 0.0));
  for (size_t i = 0; i < t; ++i) {
    std::vector<double> e(t, 0.0);
    double mayor = -1e300, z = 0;
    for (size_t j = 0; j < t; ++j) {
      for (size_t a = 0; a < d; ++a) e[j] += m.q[i][a] * m.k[j][a];
      e[j] /= tau * std::sqrt(double(d));
      mayor = std::max(mayor, e[j]);
    }
    for (size_t j = 0; j < t; ++j) z += std::exp(e[j] - mayor);  // restar el mayor: sin overflow
    for (size_t j = 0; j < t; ++j) m.alfa[i][j] = std::exp(e[j] - mayor) / z;
    for (size_t c = 0; c < d; ++c)
      for (size_t j = 0; j < t; ++j) m.h[i][c] += m.alfa[i][j] * m.v[j][c];
  }
  return m;
}

// ---------------------------------------------------------------------------------------------
// Paso 2: la jacobiana de softmax de la fila i: J_jl = ∂α_ij/∂ε_il = α_ij (δ_jl − α_il).
Mat jacobiana_softmax(const std::vector<double>& alfa) {
  Mat j(alfa.size(), std::vector<double>(alfa.size()));
  for (size_t a = 0; a < alfa.size(); ++a)
    for (size_t l = 0; l < alfa.size(); ++l) j[a][l] = alfa[a] * ((a == l ? 1.0 : 0.0) - alfa[l]);
  return j;
}

// La misma jacobiana con la cinta: un backward por cada α_0j, sembrando un 1 en esa posición.
Tensor jacobiana_softmax_cinta(const Problema& p) {
  Tensor j({kT, kT});
  for (int64_t a = 0; a < kT; ++a) {
    Grafo g = adelante_con_cinta(p);
    Tensor semilla = Tensor::zeros({kT, kT});
    semilla.at({0, a}) = 1;
    backward(g.alfa, semilla);
    for (int64_t l = 0; l < kT; ++l) j.at({a, l}) = g.eps.grad().at({0, l});
  }
  return j;
}

struct JacobianaSoftmax {
  Mat a_mano;
  Tensor cinta;
  double dif = 0;            // max |a mano − cinta|
  double peor_suma_fila = 0; // max_j |Σ_l J_jl|: sumar la misma constante a todos los ε no cambia α
  double asimetria = 0;      // max |J_jl − J_lj|
};

JacobianaSoftmax comparar_jacobiana(const Problema& p) {
  JacobianaSoftmax r;
  const AMano m = adelante_a_mano(mat(p.x), mat(p.wq), mat(p.wk), mat(p.wv));
  r.a_mano = jacobiana_softmax(m.alfa[0]);
  r.cinta = jacobiana_softmax_cinta(p);
  for (size_t a = 0; a < size_t(kT); ++a) {
    double s = 0;
    for (size_t l = 0; l < size_t(kT); ++l) {
      r.dif = std::max(r.dif, std::fabs(r.a_mano[a][l] - r.cinta.at({int64_t(a), int64_t(l)})));
      r.asimetria = std::max(r.asimetria, std::fabs(r.a_mano[a][l] - r.a_mano[l][a]));
      s += r.a_mano[a][l];
    }
    r.peor_suma_fila = std::max(r.peor_suma_fila, std::fabs(s));
  }
  return r;
}

// ---------------------------------------------------------------------------------------------
// Paso 3: las jacobianas completas ∂h_ic/∂W_ab, con filas (i, c) y columnas (a, b): [T·d, d·d].
//   ∂h_ic/∂(W_v)_ab = δ_ca Σ_j α_ij x_jb
//   ∂h_ic/∂(W_q)_ab = (1/√d) Σ_j Σ_l v_jc · α_ij(δ_jl − α_il) · k_la · x_ib
//   ∂h_ic/∂(W_k)_ab = (1/√d) Σ_j Σ_l v_jc · α_ij(δ_jl − α_il) · q_ia · x_lb
// (W_q mira al token i, la pregunta; W_k al token l, la clave: ese es el índice que se confunde.)
enum class Cual { q, k, v };

Mat jacobiana_a_mano(const AMano& m, Cual cual, bool indice_equivocado = false) {
  const size_t t = m.x.size(), d = m.q[0].size();
  const double s = 1 / std::sqrt(double(d));
  Mat jac(t * d, std::vector<double>(d * d, 0.0));
  for (size_t i = 0; i < t; ++i) {
    const Mat J = jacobiana_softmax(m.alfa[i]);
    for (size_t c = 0; c < d; ++c)
      for (size_t a = 0; a < d; ++a)
        for (size_t b = 0; b < d; ++b) {
          double suma = 0;
          if (cual == Cual::v) {
            if (c == a)
              for (size_t j = 0; j < t; ++j) suma += m.alfa[i][j] * m.x[j][b];
          } else {
            for (size_t j = 0; j < t; ++j)
              for (size_t l = 0; l < t; ++l) {
                const double x_b = cual == Cual::q || indice_equivocado ? m.x[i][b] : m.x[l][b];
                const double factor = cual == Cual::q ? m.k[l][a] : m.q[i][a];
                suma += m.v[j][c] * J[j][l] * factor * x_b * s;
              }
          }
          jac[i * d + c][a * d + b] = suma;
        }
  }
  return jac;
}

// Con la cinta: un backward por cada h_ic (semilla = 1 en (i, c)); la fila (i, c) es W.grad().
Mat jacobiana_cinta(const Problema& p, Cual cual) {
  Mat jac(size_t(kT * kD), std::vector<double>(size_t(kD * kD)));
  for (int64_t i = 0; i < kT; ++i)
    for (int64_t c = 0; c < kD; ++c) {
      Grafo g = adelante_con_cinta(p);
      Tensor semilla = Tensor::zeros({kT, kD});
      semilla.at({i, c}) = 1;
      backward(g.h, semilla);
      const Var& w = cual == Cual::q ? g.wq : cual == Cual::k ? g.wk : g.wv;
      for (int64_t e = 0; e < kD * kD; ++e) jac[size_t(i * kD + c)][size_t(e)] = w.grad()[e];
    }
  return jac;
}

// Con diferencias finitas centrales, sobre la capa a mano en double: (h(W + δ) − h(W − δ)) / 2δ.
Mat jacobiana_diferencias(const Problema& p, Cual cual, double delta = 1e-5) {
  Mat jac(size_t(kT * kD), std::vector<double>(size_t(kD * kD)));
  const Mat x = mat(p.x);
  for (size_t a = 0; a < size_t(kD); ++a)
    for (size_t b = 0; b < size_t(kD); ++b) {
      Mat mas[3] = {mat(p.wq), mat(p.wk), mat(p.wv)}, menos[3] = {mas[0], mas[1], mas[2]};
      mas[int(cual)][a][b] += delta, menos[int(cual)][a][b] -= delta;
      const AMano hm = adelante_a_mano(x, mas[0], mas[1], mas[2]), hn = adelante_a_mano(x, menos[0], menos[1], menos[2]);
      for (size_t i = 0; i < size_t(kT); ++i)
        for (size_t c = 0; c < size_t(kD); ++c) jac[i * kD + c][a * kD + b] = (hm.h[i][c] - hn.h[i][c]) / (2 * delta);
    }
  return jac;
}

// max |a − b| / max |b|: el error relativo a la escala de la jacobiana.
double error_relativo(const Mat& a, const Mat& b) {
  double dif = 0, escala = 0;
  for (size_t i = 0; i < a.size(); ++i)
    for (size_t j = 0; j < a[i].size(); ++j)
      dif = std::max(dif, std::fabs(a[i][j] - b[i][j])), escala = std::max(escala, std::fabs(b[i][j]));
  return dif / std::max(escala, 1e-300);
}

struct Errores {
  double mano_cinta = 0, mano_diferencias = 0, cinta_diferencias = 0;
};

struct Comparacion {
  Errores por_matriz[3];         // W_q, W_k, W_v
  double peor_mano_cinta = 0;
  double indice_equivocado = 0;  // ∂h/∂W_k con x_i en lugar de x_l, contra la cinta
  Mat jac_q;                     // ∂h/∂W_q a mano, para dibujarla
};

Comparacion comparar_derivadas(const Problema& p) {
  Comparacion r;
  const AMano m = adelante_a_mano(mat(p.x), mat(p.wq), mat(p.wk), mat(p.wv));
  for (Cual cual : {Cual::q, Cual::k, Cual::v}) {
    const Mat mano = jacobiana_a_mano(m, cual), cinta = jacobiana_cinta(p, cual), dif = jacobiana_diferencias(p, cual);
    Errores& e = r.por_matriz[int(cual)];
    e.mano_cinta = error_relativo(mano, cinta);
    e.mano_diferencias = error_relativo(mano, dif);
    e.cinta_diferencias = error_relativo(cinta, dif);
    r.peor_mano_cinta = std::max(r.peor_mano_cinta, e.mano_cinta);
    if (cual == Cual::q) r.jac_q = mano;
  }
  r.indice_equivocado = error_relativo(jacobiana_a_mano(m, Cual::k, true), jacobiana_cinta(p, Cual::k));
  return r;
}

Tensor tensor_de(const Mat& m) {
  Tensor t({int64_t(m.size()), int64_t(m[0].size())});
  for (size_t i = 0; i < m.size(); ++i)
    for (size_t j = 0; j < m[i].size(); ++j) t.at({int64_t(i), int64_t(j)}) = real(m[i][j]);
  return t;
}

// ---------------------------------------------------------------------------------------------
// Paso 4: la temperatura. ε_ij = q_i·k_j/(τ√d). Con τ chica softmax se satura (casi one-hot) y
// α(δ − α) ≈ 0: el gradiente que cruza softmax (hacia W_q y W_k) se apaga; el de W_v no.
struct PuntoTemperatura {
  double tau = 1;
  double alfa_max = 0;  // promedio sobre las filas del mayor peso
  double norma_q = 0, norma_k = 0, norma_v = 0;
};

std::vector<double> temperaturas(RunMode modo) {
  const int por_decada = modo == RunMode::quick ? 2 : modo == RunMode::full ? 8 : 4;
  std::vector<double> r;
  for (int e = -4 * por_decada; e <= por_decada; ++e) r.push_back(std::pow(10.0, double(e) / por_decada));
  return r;
}

// L = Σ_ic G_ic h_ic con G fija al azar (el gradiente que llega desde arriba), para cada τ.
std::vector<PuntoTemperatura> barrer_temperatura(const Problema& p, const std::vector<double>& taus, uint64_t semilla) {
  Rng rng(semilla + 1000);
  const Tensor arriba = Tensor::randn({kT, kD}, rng);
  std::vector<PuntoTemperatura> r;
  for (double tau : taus) {
    Grafo g = adelante_con_cinta(p, tau);
    PuntoTemperatura pt{.tau = tau};
    for (int64_t i = 0; i < kT; ++i) {
      double mayor = 0;
      for (int64_t j = 0; j < kT; ++j) mayor = std::max(mayor, double(g.alfa.value().at({i, j})));
      pt.alfa_max += mayor / kT;
    }
    backward(sum(mul(g.h, constant(arriba))));
    auto norma = [](const Tensor& t) {
      double s = 0;
      for (real v : t) s += double(v) * v;
      return std::sqrt(s);
    };
    pt.norma_q = norma(g.wq.grad()), pt.norma_k = norma(g.wk.grad()), pt.norma_v = norma(g.wv.grad());
    r.push_back(pt);
  }
  return r;
}

// Lo que el texto afirma de la tabla.
struct Apagado {
  double tau_max_q = 0;       // la τ donde ‖∂L/∂W_q‖ es mayor
  double caida_q = 0;         // ‖∂L/∂W_q‖ en la τ más chica / su máximo
  double caida_k = 0;
  double razon_v = 0;         // ‖∂L/∂W_v‖ en la τ más chica / en τ = 1
  double alfa_max_chica = 0;  // el mayor peso promedio en la τ más chica
};

Apagado resumir(const std::vector<PuntoTemperatura>& ps) {
  Apagado a;
  double max_q = 0, max_k = 0, v_uno = 0;
  for (const PuntoTemperatura& p : ps) {
    if (p.norma_q > max_q) max_q = p.norma_q, a.tau_max_q = p.tau;
    max_k = std::max(max_k, p.norma_k);
    if (std::fabs(p.tau - 1) < 1e-9) v_uno = p.norma_v;
  }
  a.caida_q = ps.front().norma_q / max_q;
  a.caida_k = ps.front().norma_k / max_k;
  a.razon_v = ps.front().norma_v / v_uno;
  a.alfa_max_chica = ps.front().alfa_max;
  return a;
}

// ---------------------------------------------------------------------------------------------
void paso1_grafo(Narrator& n, const Problema& p) {
  n.step(1, "La atención como grafo de cómputo", "Attention as a computational graph");
  n.say(
      "T = {} tokens x_i de dimensión d = {} y tres matrices d×d. Hacia adelante: q_i = W_q x_i, k_j = W_k x_j, "
      "v_j = W_v x_j; ε_ij = q_i·k_j/√d; α_ij = softmax_j(ε_ij); h_i = Σ_j α_ij v_j. Cada flecha del grafo es una "
      "operación de la cinta; hacia atrás, cada una aplica su derivada local (la regla de la cadena). La "
      "cinta grabó:",
      "T = {} tokens x_i of dimension d = {} and three d×d matrices. Forward: q_i = W_q x_i, k_j = W_k x_j, "
      "v_j = W_v x_j; ε_ij = q_i·k_j/√d; α_ij = softmax_j(ε_ij); h_i = Σ_j α_ij v_j. Every arrow of the graph is "
      "an operation on the tape; backwards, each applies its local derivative (the chain rule). The tape "
      "recorded:",
      kT, kD);
  Tape::current().clear();
  const Grafo g = adelante_con_cinta(p);
  n.show(Tape::dump());
  Tape::current().clear();
  n.say("α (fila i = el token que pregunta; cada fila suma 1):", "α (row i = the asking token; every row sums to 1):");
  n.heatmap(g.alfa.value(), {.vmin = 0, .vmax = 1});
  const AMano m = adelante_a_mano(mat(p.x), mat(p.wq), mat(p.wk), mat(p.wv));
  n.say("La misma capa con ciclos en double (adelante_a_mano): max |h_cinta − h_a_mano| = {}.",
        "The same layer with loops in double (adelante_a_mano): max |h_tape − h_by_hand| = {}.",
        sci(max_abs_diff(g.h.value(), tensor_de(m.h))));
}

void paso2_jacobiana(Narrator& n, const Problema& p) {
  n.step(2, "La jacobiana de softmax: α(δ − α)", "The softmax Jacobian: α(δ − α)");
  n.say(
      "α_ij depende de toda la fila ε_i·: ∂α_ij/∂ε_il = α_ij(δ_jl − α_il), con δ_jl = 1 si j = l y 0 si no. En "
      "matriz: J = diag(α_i) − α_i α_iᵀ. Fila i = 0, a mano (jacobiana_softmax):",
      "α_ij depends on the whole row ε_i·: ∂α_ij/∂ε_il = α_ij(δ_jl − α_il), with δ_jl = 1 if j = l and 0 "
      "otherwise. As a matrix: J = diag(α_i) − α_i α_iᵀ. Row i = 0, by hand (jacobiana_softmax):");
  const JacobianaSoftmax r = comparar_jacobiana(p);
  const Tensor j = tensor_de(r.a_mano);
  n.show(j.str(4));
  n.heatmap(j, {.decimals = 3});
  n.say(
      "Con la cinta (un backward por cada α_0j) da lo mismo: max |Δ| = {}. Cada fila suma 0 (peor: {}): sumar "
      "la misma constante a todos los ε_i· no cambia α. Es simétrica (max |J_jl − J_lj| = {}).",
      "With the tape (one backward per α_0j) it is the same: max |Δ| = {}. Every row sums to 0 (worst: {}): "
      "adding the same constant to all of ε_i· does not change α. It is symmetric (max |J_jl − J_lj| = {}).",
      sci(r.dif), sci(r.peor_suma_fila), sci(r.asimetria));
  svg::heatmap(n.path("jacobiana_softmax.svg"),
               {.title = n.tr("Jacobiana de softmax, fila 0: α(δ − α)", "Softmax Jacobian, row 0: α(δ − α)"),
                .x_label = n.tr("l (puntaje ε_0l)", "l (score ε_0l)"),
                .y_label = n.tr("j (peso α_0j)", "j (weight α_0j)"),
                .values = j});
  n.figure(n.path("jacobiana_softmax.svg"), "jacobiana de softmax de la fila 0", "softmax Jacobian of row 0");
}

void paso3_derivadas(Narrator& n, const Problema& p) {
  n.step(3, "∂h/∂W_v, ∂h/∂W_k y ∂h/∂W_q con sus índices", "∂h/∂W_v, ∂h/∂W_k and ∂h/∂W_q with their indices");
  n.say(
      "Con la regla de la cadena a través del grafo (jacobiana_a_mano las calcula así, con ciclos):",
      "With the chain rule through the graph (jacobiana_a_mano computes them exactly so, with loops):");
  n.show(
      "∂h_ic/∂(W_v)_ab = δ_ca Σ_j α_ij x_jb\n"
      "∂h_ic/∂(W_q)_ab = (1/√d) Σ_j Σ_l v_jc α_ij(δ_jl − α_il) k_la x_ib\n"
      "∂h_ic/∂(W_k)_ab = (1/√d) Σ_j Σ_l v_jc α_ij(δ_jl − α_il) q_ia x_lb");
  n.say(
      "W_v no cruza softmax: su derivada es solo α. W_q entra por la pregunta q_i (token i, por eso x_ib) y W_k "
      "por la clave k_l (token l, por eso x_lb). Comparamos las jacobianas completas [T·d, d·d] con la cinta "
      "(un backward por cada h_ic) y con diferencias finitas centrales en double (δ = 1e-5). Error relativo: "
      "max |a − b| / max |b|.",
      "W_v does not cross the softmax: its derivative is just α. W_q enters through the query q_i (token i, "
      "hence x_ib) and W_k through the key k_l (token l, hence x_lb). We compare the full Jacobians [T·d, d·d] "
      "with the tape (one backward per h_ic) and with central finite differences in double (δ = 1e-5). Relative "
      "error: max |a − b| / max |b|.");
  const Comparacion c = comparar_derivadas(p);
  std::string tabla = n.tr("  matriz   mano vs cinta   mano vs dif. finitas   cinta vs dif. finitas\n",
                           "  matrix   hand vs tape    hand vs finite diff.   tape vs finite diff.\n");
  const char* nombres[3] = {"W_q", "W_k", "W_v"};
  for (int i = 0; i < 3; ++i) {
    const Errores& e = c.por_matriz[i];
    tabla += std::string("  ") + nombres[i] + "      " + sci(e.mano_cinta) + "        " + sci(e.mano_diferencias) +
             "               " + sci(e.cinta_diferencias) + "\n";
  }
  n.show(tabla);
  n.say(
      "¿A mano igual a la cinta (error relativo ≤ 1e-5) en las tres? {}. La cinta trabaja en float32 (unos 7 "
      "dígitos); la cuenta a mano y las diferencias finitas, en double.",
      "By hand equal to the tape (relative error ≤ 1e-5) in all three? {}. The tape works in float32 (about 7 "
      "digits); the hand computation and the finite differences, in double.",
      si_no(n, c.peor_mano_cinta <= 1e-5));
  n.say(
      "El índice equivocado: si en ∂h/∂W_k se escribe x_ib (el token que pregunta) en lugar de x_lb, el error "
      "relativo contra la cinta sube a {}. ¿Es mayor que 1e-2? {}.",
      "The wrong index: if ∂h/∂W_k is written with x_ib (the asking token) instead of x_lb, the relative error "
      "against the tape rises to {}. Is it larger than 1e-2? {}.",
      sci(c.indice_equivocado), si_no(n, c.indice_equivocado > 1e-2));
  n.say("∂h/∂W_q a mano (fila = (i, c), columna = (a, b)):", "∂h/∂W_q by hand (row = (i, c), column = (a, b)):");
  const Tensor jq = tensor_de(c.jac_q);
  n.heatmap(jq, {.decimals = 2, .values = false});
  std::vector<std::string> filas, columnas;
  for (int64_t i = 0; i < kT; ++i)
    for (int64_t k = 0; k < kD; ++k) filas.push_back(std::to_string(i) + "," + std::to_string(k));
  for (int64_t a = 0; a < kD; ++a)
    for (int64_t b = 0; b < kD; ++b) columnas.push_back(std::to_string(a) + "," + std::to_string(b));
  svg::heatmap(n.path("jacobiana_wq.svg"),
               {.title = n.tr("∂h_ic/∂(W_q)_ab, a mano", "∂h_ic/∂(W_q)_ab, by hand"),
                .x_label = n.tr("(a, b): entrada de W_q", "(a, b): entry of W_q"),
                .y_label = n.tr("(i, c): entrada de h", "(i, c): entry of h"),
                .values = jq,
                .row_labels = filas,
                .col_labels = columnas,
                .show_values = false});
  n.figure(n.path("jacobiana_wq.svg"), "jacobiana de h respecto de W_q", "Jacobian of h with respect to W_q");
}

void paso4_temperatura(Narrator& n, const Problema& p) {
  n.step(4, "Saturación: el gradiente se apaga cuando la temperatura baja",
         "Saturation: the gradient vanishes as the temperature drops");
  n.say(
      "Dividimos los puntajes entre una temperatura τ: α = softmax(ε/τ). Con τ chica, el mayor puntaje de cada "
      "fila se lleva casi todo el peso (α casi one-hot) y α(δ − α) ≈ 0. La pérdida es L = Σ G_ic h_ic con G al "
      "azar fija (el gradiente que llega de arriba); medimos ‖∂L/∂W‖ para cada τ:",
      "We divide the scores by a temperature τ: α = softmax(ε/τ). With a small τ, the largest score of every row "
      "takes almost all the weight (α nearly one-hot) and α(δ − α) ≈ 0. The loss is L = Σ G_ic h_ic with a fixed "
      "random G (the gradient arriving from above); we measure ‖∂L/∂W‖ for each τ:");
  const std::vector<PuntoTemperatura> ps = barrer_temperatura(p, temperaturas(n.options().mode), n.options().seed);
  std::string tabla = n.tr("        τ   max α prom.   ‖∂L/∂W_q‖   ‖∂L/∂W_k‖   ‖∂L/∂W_v‖\n",
                           "        τ   mean max α    ‖∂L/∂W_q‖   ‖∂L/∂W_k‖   ‖∂L/∂W_v‖\n");
  for (const PuntoTemperatura& pt : ps)
    tabla += "  " + sci(pt.tau) + fixed(pt.alfa_max, 3, 12) + "    " + sci(pt.norma_q) + "    " + sci(pt.norma_k) +
             "    " + sci(pt.norma_v) + "\n";
  n.show(tabla);
  const Apagado a = resumir(ps);
  n.say(
      "En τ = {} el mayor peso promedio es {}. Ahí ‖∂L/∂W_q‖ vale {} de su máximo (que alcanza en τ = {}) y "
      "‖∂L/∂W_k‖ vale {} del suyo: ¿cayeron ambos por debajo de la milésima? {}. En cambio ‖∂L/∂W_v‖ vale {} "
      "de su valor en τ = 1: ¿sigue vivo (más de 0.1)? {}. W_v no cruza softmax.",
      "At τ = {} the mean largest weight is {}. There ‖∂L/∂W_q‖ is {} of its maximum (reached at τ = {}) and "
      "‖∂L/∂W_k‖ is {} of its own: did both fall below one thousandth? {}. In contrast ‖∂L/∂W_v‖ is {} of its "
      "value at τ = 1: is it still alive (more than 0.1)? {}. W_v does not cross the softmax.",
      sci(ps.front().tau), fixed(a.alfa_max_chica, 4), sci(a.caida_q), sci(a.tau_max_q), sci(a.caida_k),
      si_no(n, a.caida_q < 1e-3 && a.caida_k < 1e-3), fixed(a.razon_v, 2), si_no(n, a.razon_v > 0.1));
  n.say(
      "Por eso se divide entre √d (lección 02): sin √d los puntajes crecen con d, que es lo mismo que bajar τ, "
      "y una capa recién iniciada ya nace saturada y casi no aprende W_q ni W_k. Con τ grande el gradiente "
      "también baja (los puntajes se multiplican por 1/τ), pero despacio.",
      "That is why we divide by √d (lesson 02): without √d the scores grow with d, which is the same as lowering "
      "τ, and a freshly initialized layer is born saturated and barely learns W_q or W_k. With a large τ the "
      "gradient also shrinks (the scores are multiplied by 1/τ), but slowly.");
  std::vector<real> x, yq, yk, yv;
  for (const PuntoTemperatura& pt : ps)
    x.push_back(real(pt.tau)), yq.push_back(real(pt.norma_q)), yk.push_back(real(pt.norma_k)),
        yv.push_back(real(pt.norma_v));
  svg::plot(n.path("gradiente_temperatura.svg"),
            {.title = n.tr("Norma del gradiente contra la temperatura de softmax",
                           "Gradient norm against the softmax temperature"),
             .x_label = n.tr("temperatura τ (escala log)", "temperature τ (log scale)"),
             .y_label = n.tr("‖∂L/∂W‖ (escala log)", "‖∂L/∂W‖ (log scale)"),
             .series = {{.name = "W_q", .x = x, .y = yq}, {.name = "W_k", .x = x, .y = yk}, {.name = "W_v", .x = x, .y = yv}},
             .log_y = true,
             .log_x = true});
  n.figure(n.path("gradiente_temperatura.svg"), "el gradiente contra τ, en log–log", "the gradient against τ, log–log");
}

// ---------------------------------------------------------------------------------------------
void run(Narrator& n) {
  const Problema p = problema(n.options().seed);
  paso1_grafo(n, p);
  paso2_jacobiana(n, p);
  paso3_derivadas(n, p);
  paso4_temperatura(n, p);
  n.summary({
      {"La atención es un grafo: q, k, v → ε = q·k/√d → α = softmax(ε) → h = Σ α v; hacia atrás, cada paso "
       "multiplica por su derivada local.",
       "Attention is a graph: q, k, v → ε = q·k/√d → α = softmax(ε) → h = Σ α v; backwards, each step multiplies "
       "by its local derivative."},
      {"La jacobiana de softmax es α_ij(δ_jl − α_il): simétrica, con filas que suman 0.",
       "The softmax Jacobian is α_ij(δ_jl − α_il): symmetric, with rows that sum to 0."},
      {"∂h/∂W_v es solo α·x; ∂h/∂W_q y ∂h/∂W_k cruzan softmax y usan x_i (pregunta) y x_l (clave); a mano, con "
       "la cinta y con diferencias finitas dan lo mismo.",
       "∂h/∂W_v is just α·x; ∂h/∂W_q and ∂h/∂W_k cross the softmax and use x_i (query) and x_l (key); by hand, "
       "with the tape and with finite differences they agree."},
      {"Con temperatura baja softmax se satura y el gradiente hacia W_q y W_k se apaga; por eso se divide entre √d.",
       "At a low temperature the softmax saturates and the gradient to W_q and W_k vanishes; that is why we divide "
       "by √d."},
  });
  n.exercises({
      {"Ejecuta con --seed 2, 3, …: los números cambian, pero la columna «mano vs cinta» sigue por debajo de 1e-5 "
       "y el índice equivocado sigue lejos.",
       "Run with --seed 2, 3, …: the numbers change, but the \"hand vs tape\" column stays below 1e-5 and the "
       "wrong index stays far off."},
      {"En jacobiana_softmax cambia `(a == l ? 1.0 : 0.0) - alfa[l]` por `1.0 - alfa[l]` (olvidar la δ): la "
       "jacobiana deja de coincidir con la cinta (max |Δ| del paso 2 pasa de ~1e-8 a más de 0.01) y las filas "
       "ya no suman 0.",
       "In jacobiana_softmax change `(a == l ? 1.0 : 0.0) - alfa[l]` to `1.0 - alfa[l]` (forget the δ): the "
       "Jacobian no longer matches the tape (max |Δ| of step 2 goes from ~1e-8 to more than 0.01) and the rows no "
       "longer sum to 0."},
      {"En jacobiana_diferencias cambia `delta = 1e-5` por `1e-1`: el error de W_q y W_k contra las diferencias "
       "finitas sube de ~1e-10 a más de 1e-4 (el término δ² de la fórmula central); el de W_v no cambia, porque h "
       "es lineal en W_v. Con `1e-12` los tres suben a ~1e-4, ahora por el redondeo.",
       "In jacobiana_diferencias change `delta = 1e-5` to `1e-1`: the W_q and W_k errors against the finite "
       "differences rise from ~1e-10 to more than 1e-4 (the δ² term of the central formula); W_v's does not "
       "change, because h is linear in W_v. With `1e-12` all three rise to ~1e-4, now from rounding."},
      {"Ejecuta con --full: la tabla del paso 4 tiene 8 temperaturas por década y la curva de W_q y W_k cae en "
       "picada por debajo de τ ≈ 0.1 (con --seed 1).",
       "Run with --full: the table of step 4 has 8 temperatures per decade and the W_q and W_k curves plunge "
       "below τ ≈ 0.1 (with --seed 1)."},
  });
}

}  // namespace lesson09

#ifndef ATN_LESSON_NO_MAIN
int main(int argc, char** argv) {
  return atn::run_lesson(argc, argv, "09", {"Sobre el gradiente en capas de atención", "On the gradient in attention layers"},
                         lesson09::run);
}
#endif
