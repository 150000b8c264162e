// Lección 10 · Optimizador Noam
//
// Vaswani et al. (2017, §5.3) entrenan el Transformador con Adam y una tasa de aprendizaje que
// primero crece (calentamiento, «warmup») y luego baja como 1/√t: el esquema Noam. Esta lección
// escribe a mano SGD, momentum, Adagrad y Adam (con la corrección de sesgo elevada a la t y la raíz
// cuadrada en el denominador, que el texto del cuaderno del curso omite) y comprueba que un paso a
// mano es el paso de optim/; dibuja la curva Noam para d = 256, w = 4000; entrena el modelo
// enmascarado de la lección 07 con Noam y con lr constante; y explica por qué el warmup de 40 000
// del cuaderno nunca termina en una corrida de 2 700 pasos.
//
//   make lesson10                      ejecuta la lección
//   make lesson10 ARGS="--step"        espera Enter tras cada paso
//   make lesson10 ARGS="--lang en"     in English
#include <algorithm>
#include <array>
#include <cmath>
#include <memory>

#include "autograd/ops_basic.h"
#include "autograd/ops_loss.h"
#include "autograd/ops_math.h"
#include "lessons/common/narrator.h"
#include "models/toy_attention_lm.h"
#include "optim/adagrad.h"
#include "optim/adam.h"
#include "optim/schedule.h"
#include "optim/sgd.h"
#include "tensor/rng.h"
#include "viz/svg.h"

namespace lesson10 {

using namespace atn;

std::string si_no(Narrator& n, bool v) { return v ? n.tr("sí", "yes") : n.tr("no", "no"); }

// ---------------------------------------------------------------------------------------------
// Paso 1: cuatro reglas a mano sobre f(θ) = ½ Σ_k c_k θ_k², cuyo gradiente es g_k = c_k θ_k.
// Las curvaturas c_k son muy distintas (1, 10 y 0.1): una sola lr no le sirve bien a las tres.
constexpr std::array<double, 3> kCurvas = {1.0, 10.0, 0.1};
using Theta = std::array<double, 3>;

enum class Regla { sgd, momentum, adagrad, adam };

struct Hiper {
  double lr = 0.1, mu = 0.9, beta1 = 0.9, beta2 = 0.999, eps = 1e-8;
};

Hiper hiper(Regla r) {
  switch (r) {
    case Regla::sgd: return {.lr = 0.15};
    case Regla::momentum: return {.lr = 0.03};
    case Regla::adagrad: return {.lr = 0.5, .eps = 1e-10};
    case Regla::adam: return {.lr = 0.1};
  }
  return {};
}

// Las reglas escritas como en el pizarrón, en double. Devuelve θ después de cada paso.
std::vector<Theta> a_mano(Regla r, int pasos) {
  const Hiper h = hiper(r);
  Theta th = {1.0, 1.0, 1.0}, b = {}, m = {}, v = {};
  std::vector<Theta> tray;
  for (int t = 1; t <= pasos; ++t) {
    for (size_t k = 0; k < th.size(); ++k) {
      const double g = kCurvas[k] * th[k];
      switch (r) {
        case Regla::sgd:  // θ ← θ − η g
          th[k] -= h.lr * g;
          break;
        case Regla::momentum:  // b ← μ b + g (b = g la primera vez); θ ← θ − η b
          b[k] = t == 1 ? g : h.mu * b[k] + g;
          th[k] -= h.lr * b[k];
          break;
        case Regla::adagrad:  // G ← G + g²; θ ← θ − η g / (√G + ε)
          v[k] += g * g;
          th[k] -= h.lr * g / (std::sqrt(v[k]) + h.eps);
          break;
        case Regla::adam: {  // m, v; m̂ = m/(1 − β₁ᵗ), v̂ = v/(1 − β₂ᵗ); θ ← θ − η m̂ / (√v̂ + ε)
          m[k] = h.beta1 * m[k] + (1 - h.beta1) * g;
          v[k] = h.beta2 * v[k] + (1 - h.beta2) * g * g;
          const double mg = m[k] / (1 - std::pow(h.beta1, t)), vg = v[k] / (1 - std::pow(h.beta2, t));
          th[k] -= h.lr * mg / (std::sqrt(vg) + h.eps);
          break;
        }
      }
    }
    tray.push_back(th);
  }
  return tray;
}

// Los mismos pasos con los optimizadores de optim/ y el gradiente de la cinta.
std::vector<Theta> con_biblioteca(Regla r, int pasos) {
  const Hiper h = hiper(r);
  const Var th = param(Tensor::ones({int64_t(kCurvas.size())}));
  Tensor c({int64_t(kCurvas.size())});
  for (size_t k = 0; k < kCurvas.size(); ++k) c[int64_t(k)] = real(kCurvas[k]);
  std::unique_ptr<Optimizer> opt;
  switch (r) {
    case Regla::sgd: opt = std::make_unique<SGD>(std::vector<Var>{th}, SGDConfig{.lr = real(h.lr)}); break;
    case Regla::momentum:
      opt = std::make_unique<SGD>(std::vector<Var>{th}, SGDConfig{.lr = real(h.lr), .momentum = real(h.mu)});
      break;
    case Regla::adagrad:
      opt = std::make_unique<Adagrad>(std::vector<Var>{th}, AdagradConfig{.lr = real(h.lr), .eps = real(h.eps)});
      break;
    case Regla::adam:
      opt = std::make_unique<Adam>(std::vector<Var>{th}, AdamConfig{.lr = real(h.lr), .eps = real(h.eps)});
      break;
  }
  std::vector<Theta> tray;
  for (int t = 1; t <= pasos; ++t) {
    backward(mul(sum(mul(square(th), constant(c))), 0.5f));  // f = ½ Σ c θ²
    opt->step();
    opt->zero_grad();
    tray.push_back({th.value()[0], th.value()[1], th.value()[2]});
  }
  return tray;
}

double perdida(const Theta& th) {
  double f = 0;
  for (size_t k = 0; k < th.size(); ++k) f += 0.5 * kCurvas[k] * th[k] * th[k];
  return f;
}

struct Reglas {
  double dif_un_paso[4] = {}, dif_todo[4] = {};  // max |θ a mano − θ biblioteca|
  std::vector<double> perdidas[4];             // f(θ_t), a mano
};

Reglas comparar_reglas(int pasos) {
  Reglas r;
  for (int i = 0; i < 4; ++i) {
    const auto mano = a_mano(Regla(i), pasos), lib = con_biblioteca(Regla(i), pasos);
    for (size_t t = 0; t < mano.size(); ++t)
      for (size_t k = 0; k < kCurvas.size(); ++k) {
        const double d = std::fabs(mano[t][k] - lib[t][k]);
        r.dif_todo[i] = std::max(r.dif_todo[i], d);
        if (t == 0) r.dif_un_paso[i] = std::max(r.dif_un_paso[i], d);
      }
    r.perdidas[i].push_back(perdida({1.0, 1.0, 1.0}));
    for (const auto& th : mano) r.perdidas[i].push_back(perdida(th));
  }
  return r;
}

// El Adam del texto del cuaderno: m̂ = m/(1 − β₁) y v̂ = v/(1 − β₂) (sin la potencia t) y
// θ ← θ − η m̂/(v̂ + ε) (sin raíz). Con un gradiente constante g, ¿de qué tamaño es el paso t?
double paso_adam(double g, int t, bool como_el_cuaderno, double lr = 1e-3, double b1 = 0.9, double b2 = 0.98) {
  double m = 0, v = 0, paso = 0;
  for (int s = 1; s <= t; ++s) {
    m = b1 * m + (1 - b1) * g;
    v = b2 * v + (1 - b2) * g * g;
    if (como_el_cuaderno)
      paso = lr * (m / (1 - b1)) / (v / (1 - b2) + 1e-9);
    else
      paso = lr * (m / (1 - std::pow(b1, s))) / (std::sqrt(v / (1 - std::pow(b2, s))) + 1e-9);
  }
  return paso;
}

void paso1_reglas(Narrator& n) {
  n.step(1, "SGD, momentum, Adagrad y Adam, a mano", "SGD, momentum, Adagrad and Adam, by hand");
  n.say(
      "Minimizamos f(θ) = ½ Σ c_k θ_k² con c = (1, 10, 0.1), desde θ = (1, 1, 1); el gradiente es g_k = c_k θ_k. "
      "Las cuatro reglas (a_mano, en double; t cuenta los pasos desde 1):",
      "We minimize f(θ) = ½ Σ c_k θ_k² with c = (1, 10, 0.1), from θ = (1, 1, 1); the gradient is g_k = c_k θ_k. "
      "The four rules (a_mano, in double; t counts the steps from 1):");
  n.show(
      "SGD        θ ← θ − η g\n"
      "momentum   b ← μ b + g;  θ ← θ − η b\n"
      "Adagrad    G ← G + g²;   θ ← θ − η g / (√G + ε)\n"
      "Adam       m ← β₁ m + (1 − β₁) g;   v ← β₂ v + (1 − β₂) g²\n"
      "           m̂ = m / (1 − β₁ᵗ);   v̂ = v / (1 − β₂ᵗ)\n"
      "           θ ← θ − η m̂ / (√v̂ + ε)");
  const int pasos = n.quick() ? 30 : 60;
  const Reglas r = comparar_reglas(pasos);
  const char* nombres[4] = {"SGD     ", "momentum", "Adagrad ", "Adam    "};
  std::string tabla = n.tr("  regla      η       |Δθ| tras 1 paso   |Δθ| en {} pasos   f final\n",
                           "  rule       η       |Δθ| after 1 step  |Δθ| over {} steps  final f\n");
  tabla = fmt(tabla, pasos);
  double peor = 0;
  for (int i = 0; i < 4; ++i) {
    tabla += std::string("  ") + nombres[i] + fixed(hiper(Regla(i)).lr, 2, 7) + "   " + sci(r.dif_un_paso[i]) +
             "           " + sci(r.dif_todo[i]) + "           " + sci(r.perdidas[i].back()) + "\n";
    peor = std::max(peor, r.dif_todo[i]);
  }
  n.show(tabla);
  n.say(
      "|Δθ| compara la regla a mano con SGD, Adagrad y Adam de optim/ (float32). ¿Iguales en todos los pasos "
      "(|Δθ| < 1e-5)? {}.",
      "|Δθ| compares the rule by hand with optim/'s SGD, Adagrad and Adam (float32). Equal at every step "
      "(|Δθ| < 1e-5)? {}.",
      si_no(n, peor < 1e-5));
  std::vector<svg::Series> series;
  for (int i = 0; i < 4; ++i) {
    std::vector<real> y(r.perdidas[i].begin(), r.perdidas[i].end());
    std::string nombre = nombres[i];
    nombre.erase(nombre.find_last_not_of(' ') + 1);
    series.push_back({.name = nombre, .y = y});
  }
  svg::plot(n.path("reglas.svg"), {.title = n.tr("Cuatro reglas sobre f(θ) = ½ Σ c θ²", "Four rules on f(θ) = ½ Σ c θ²"),
                                   .x_label = n.tr("paso t", "step t"),
                                   .y_label = n.tr("f(θ) (escala log)", "f(θ) (log scale)"),
                                   .series = series,
                                   .log_y = true});
  n.figure(n.path("reglas.svg"), "f(θ) con SGD, momentum, Adagrad y Adam", "f(θ) with SGD, momentum, Adagrad and Adam");

  n.say(
      "El texto del cuaderno escribe m̂ = m/(1 − β₁) (sin la potencia t) y θ ← θ − η m̂/(v̂ + ε) (sin la raíz). "
      "Con un gradiente constante g, Adam bien escrito da pasos de tamaño η sea cual sea la escala de g (m̂/√v̂ = "
      "g/|g|). Tamaño del paso con η = 1e-3:",
      "The notebook's text writes m̂ = m/(1 − β₁) (without the power t) and θ ← θ − η m̂/(v̂ + ε) (without the "
      "root). With a constant gradient g, Adam written correctly takes steps of size η whatever the scale of g "
      "(m̂/√v̂ = g/|g|). Step size with η = 1e-3:");
  std::string t2 = n.tr("        g   Adam t=1    Adam t=100   cuaderno t=1   cuaderno t=100\n",
                        "        g   Adam t=1    Adam t=100   notebook t=1   notebook t=100\n");
  double min_bien = 1e300, max_bien = 0, min_mal = 1e300, max_mal = 0;
  for (double g : {1.0, 0.01}) {
    const double a1 = paso_adam(g, 1, false), a100 = paso_adam(g, 100, false), c1 = paso_adam(g, 1, true),
                 c100 = paso_adam(g, 100, true);
    t2 += "  " + sci(g) + "   " + sci(a1) + "    " + sci(a100) + "     " + sci(c1) + "       " + sci(c100) + "\n";
    min_bien = std::min({min_bien, a1, a100}), max_bien = std::max({max_bien, a1, a100});
    min_mal = std::min({min_mal, c1, c100}), max_mal = std::max({max_mal, c1, c100});
  }
  n.show(t2);
  n.say(
      "¿Adam da pasos de η (±1 %) en las dos escalas y en los dos tiempos? {}. La versión del cuaderno da pasos "
      "de η/g: con g cien veces más chico, pasos cien veces más grandes (del menor al mayor, ×{}). PyTorch, y "
      "optim/adam.h, usan la fórmula correcta; el error está solo en el texto.",
      "Does Adam take steps of η (±1 %) at both scales and both times? {}. The notebook's version takes steps of "
      "η/g: with g a hundred times smaller, steps a hundred times larger (from smallest to largest, ×{}). PyTorch, "
      "and optim/adam.h, use the correct formula; the mistake is only in the text.",
      si_no(n, min_bien > 0.99e-3 && max_bien < 1.01e-3), fixed(max_mal / min_mal, 0));
}

// ---------------------------------------------------------------------------------------------
// Paso 2: la curva Noam. lr(t) = factor · d^(−1/2) · min(t^(−1/2), t · w^(−3/2)).
double noam_a_mano(double d, double w, double t, double factor = 1) {
  return factor / std::sqrt(d) * std::min(1 / std::sqrt(t), t / std::pow(w, 1.5));
}

struct Curva {
  std::vector<real> lr;   // lr[t − 1], t = 1 … pasos, de optim/schedule.h
  int64_t paso_pico = 0;  // el primer t con la lr más alta
  double pico = 0;
  double dif_mano = 0;    // max |Noam − noam_a_mano| / pico
};

Curva curva_noam(int64_t d, int64_t w, int64_t pasos) {
  const Noam noam(d, w);
  Curva c;
  for (int64_t t = 1; t <= pasos; ++t) {
    const real lr = noam.lr(t);
    c.lr.push_back(lr);
    if (lr > c.pico) c.pico = lr, c.paso_pico = t;
  }
  for (int64_t t = 1; t <= pasos; ++t)
    c.dif_mano = std::max(c.dif_mano, std::fabs(c.lr[size_t(t - 1)] - noam_a_mano(double(d), double(w), double(t))));
  c.dif_mano /= c.pico;
  return c;
}

void paso2_noam(Narrator& n) {
  n.step(2, "El esquema Noam: calentar y luego bajar", "The Noam schedule: warm up, then decay");
  n.say(
      "lr(t) = factor · d^(−1/2) · min(t^(−1/2), t · w^(−3/2)). Mientras t < w manda t · w^(−3/2) (sube en "
      "línea recta); después manda t^(−1/2) (baja despacio). Las dos se cruzan en t = w, donde la lr es máxima: "
      "factor/√(d·w). Con d = 256, w = 4000 y factor = 1, durante 30 000 pasos (optim/schedule.h, Noam):",
      "lr(t) = factor · d^(−1/2) · min(t^(−1/2), t · w^(−3/2)). While t < w the term t · w^(−3/2) rules (a "
      "straight rise); afterwards t^(−1/2) rules (a slow decay). They cross at t = w, where the lr is largest: "
      "factor/√(d·w). With d = 256, w = 4000 and factor = 1, over 30 000 steps (optim/schedule.h, Noam):");
  const Curva c = curva_noam(256, 4000, 30000);
  std::string tabla = "        t   lr(t)\n";
  for (int64_t t : {1, 1000, 2000, 4000, 8000, 16000, 30000})
    tabla += fixed(double(t), 0, 9) + "   " + sci(c.lr[size_t(t - 1)], 3) + "\n";
  n.show(tabla);
  n.say(
      "La lr más alta está en el paso {} y vale {}. ¿Es el paso 4000 (el warmup)? {}. ¿Vale ≈ 9.9e-4 "
      "(1/√(256·4000) = {})? {}. La fórmula a mano (noam_a_mano) y la biblioteca difieren en {} (relativo).",
      "The highest lr is at step {} and equals {}. Is it step 4000 (the warmup)? {}. Is it ≈ 9.9e-4 "
      "(1/√(256·4000) = {})? {}. The formula by hand (noam_a_mano) and the library differ by {} (relative).",
      c.paso_pico, sci(c.pico, 3), si_no(n, c.paso_pico == 4000), sci(1 / std::sqrt(256.0 * 4000), 3),
      si_no(n, std::fabs(c.pico - 9.9e-4) < 1e-5), sci(c.dif_mano));
  const Curva cuaderno = curva_noam(128, 40000, 30000);
  std::vector<real> x, y1, y2;
  for (size_t t = 0; t < c.lr.size(); t += 50) x.push_back(real(t + 1)), y1.push_back(c.lr[t]), y2.push_back(cuaderno.lr[t]);
  svg::plot(n.path("noam.svg"), {.title = n.tr("Esquema Noam", "Noam schedule"),
                                 .x_label = n.tr("paso t", "step t"),
                                 .y_label = n.tr("tasa de aprendizaje", "learning rate"),
                                 .series = {{.name = "d = 256, w = 4000", .x = x, .y = y1},
                                            {.name = n.tr("cuaderno: d = 128, w = 40000", "notebook: d = 128, w = 40000"),
                                             .x = x,
                                             .y = y2}}});
  n.figure(n.path("noam.svg"), "la curva Noam (d = 256, w = 4000) y la del cuaderno",
           "the Noam curve (d = 256, w = 4000) and the notebook's");
}

// ---------------------------------------------------------------------------------------------
// Paso 3: el modelo enmascarado de la lección 07 (models/toy_attention_lm.h) con tres esquemas.
// Los tres con el Adam de Noam (β = 0.9, 0.98; ε = 1e-9) y la misma inicialización.
struct Entrenamiento {
  std::string nombre_es, nombre_en;
  std::vector<real> perdidas, lrs;  // por paso
};

enum class Esquema { constante, noam, cuaderno };

constexpr int64_t kWarmupNoam = 40;  // d = 16, w = 40: pico 1/√(16·40) ≈ 0.04

Entrenamiento entrenar(Esquema e, int64_t pasos, uint64_t semilla, int64_t warmup = kWarmupNoam) {
  Rng rng(semilla);
  ToyAttentionLM modelo({}, rng);
  const SentenceBatch lote = nine_sentence_batch();
  Adam opt(modelo.parameters(), {.lr = 0, .betas = {0.9f, 0.98f}, .eps = 1e-9f});
  const ConstantSchedule constante(0.01f);
  const Noam noam(modelo.config.d_model, warmup), cuaderno(128, 40000);
  const Schedule& s = e == Esquema::constante ? static_cast<const Schedule&>(constante)
                      : e == Esquema::noam    ? static_cast<const Schedule&>(noam)
                                              : static_cast<const Schedule&>(cuaderno);
  Entrenamiento r;
  r.nombre_es = e == Esquema::constante ? "lr constante 0.01" : e == Esquema::noam ? "Noam, d = 16, w = 40" : "cuaderno: d = 128, w = 40000";
  r.nombre_en = e == Esquema::constante ? "constant lr 0.01" : e == Esquema::noam ? "Noam, d = 16, w = 40" : "notebook: d = 128, w = 40000";
  for (int64_t t = 0; t < pasos; ++t) {
    r.lrs.push_back(s.apply(opt));  // la lr del paso opt.step_count() + 1
    const Var perdida = cross_entropy(modelo.forward(lote.x), lote.y);
    backward(perdida);
    opt.step();
    opt.zero_grad();
    r.perdidas.push_back(perdida.value()[0]);
  }
  return r;
}

int64_t pasos_de_entrenamiento(RunMode m) { return m == RunMode::quick ? 150 : m == RunMode::full ? 2700 : 600; }

struct Tres {
  Entrenamiento constante, noam, cuaderno;
};

Tres entrenar_tres(const LessonOptions& o) {
  const int64_t p = pasos_de_entrenamiento(o.mode);
  return {entrenar(Esquema::constante, p, o.seed), entrenar(Esquema::noam, p, o.seed), entrenar(Esquema::cuaderno, p, o.seed)};
}

double caida(const Entrenamiento& e) { return 1 - e.perdidas.back() / e.perdidas.front(); }

// El primer paso con pérdida menor que `umbral` (0 si nunca).
int64_t pasos_hasta(const Entrenamiento& e, double umbral) {
  for (size_t i = 0; i < e.perdidas.size(); ++i)
    if (e.perdidas[i] < umbral) return int64_t(i) + 1;
  return 0;
}

void paso3_entrenar(Narrator& n, const Tres& r) {
  n.step(3, "El modelo enmascarado con Noam y con lr constante", "The masked model with Noam and with a constant lr");
  n.say(
      "El modelo de la lección 07 (embedding + posición, atención con 2 cabezas y máscara causal, residual, capa "
      "lineal; ToyAttentionLM) sobre las nueve oraciones, con Adam (β = 0.9, 0.98; ε = 1e-9) durante {} pasos "
      "(cada paso ve las nueve oraciones). Misma semilla, tres esquemas: lr constante 0.01; Noam con d = 16 y "
      "w = 40 (pico 1/√(16·40) ≈ 0.04); y el del cuaderno, d = 128 y w = 40 000.",
      "The model of lesson 07 (embedding + position, 2-head attention with a causal mask, residual, linear layer; "
      "ToyAttentionLM) on the nine sentences, with Adam (β = 0.9, 0.98; ε = 1e-9) for {} steps (each step sees "
      "the nine sentences). Same seed, three schedules: constant lr 0.01; Noam with d = 16 and w = 40 (peak "
      "1/√(16·40) ≈ 0.04); and the notebook's, d = 128 and w = 40 000.",
      r.noam.perdidas.size());
  std::string tabla = n.tr("  esquema                        inicial  final  cayó  pasos hasta < 0.5\n",
                           "  schedule                       initial  final  drop  steps to < 0.5\n");
  for (const Entrenamiento* e : {&r.constante, &r.noam, &r.cuaderno}) {
    const std::string& nombre = n.tr(e->nombre_es, e->nombre_en);
    const int64_t p = pasos_hasta(*e, 0.5);
    tabla += "  " + nombre + std::string(30 - std::min<size_t>(30, nombre.size()), ' ') + fixed(e->perdidas.front(), 3, 8) +
             fixed(e->perdidas.back(), 3, 7) + fixed(100 * caida(*e), 0, 5) + " %" +
             (p > 0 ? fixed(double(p), 0, 10) : n.tr("     nunca", "     never")) + "\n";
  }
  n.show(tabla);
  const double dif = std::fabs(r.noam.perdidas.back() - r.constante.perdidas.back());
  n.say(
      "¿Noam y la lr constante terminan en el mismo piso (diferencia {} < 0.05)? {}. Ese piso no es 0: después "
      "de «el» pueden venir «perro», «muchacho» o «gato», y ningún modelo sabe cuál. En un modelo tan chico y "
      "con las nueve oraciones en cada paso, el warmup casi no cambia nada; sirve en modelos grandes, donde los "
      "primeros pasos con una lr alta (y con el v̂ de Adam aún mal estimado) pueden echar a perder el "
      "entrenamiento. ¿El esquema del cuaderno termina a más del doble de la pérdida de Noam? {}: su lr nunca "
      "pasa de {} en estos pasos.",
      "Do Noam and the constant lr end on the same floor (difference {} < 0.05)? {}. That floor is not 0: after "
      "\"el\" may come \"perro\", \"muchacho\" or \"gato\", and no model knows which. In such a small model, "
      "with the nine sentences in every step, the warmup hardly changes anything; it matters in large models, "
      "where the first steps with a high lr (and with Adam's v̂ still poorly estimated) can ruin the training. "
      "Does the notebook's schedule end at more than twice Noam's loss? {}: its lr never exceeds {} in these "
      "steps.",
      fixed(dif, 3), si_no(n, dif < 0.05), si_no(n, r.cuaderno.perdidas.back() > 2 * r.noam.perdidas.back()),
      sci(*std::max_element(r.cuaderno.lrs.begin(), r.cuaderno.lrs.end())));
  svg::plot(n.path("perdidas.svg"),
            {.title = n.tr("Pérdida del modelo enmascarado: Noam y lr constante", "Loss of the masked model: Noam and constant lr"),
             .x_label = n.tr("paso", "step"),
             .y_label = n.tr("entropía cruzada (escala log)", "cross-entropy (log scale)"),
             .series = {{.name = n.tr(r.constante.nombre_es, r.constante.nombre_en), .y = r.constante.perdidas},
                        {.name = n.tr(r.noam.nombre_es, r.noam.nombre_en), .y = r.noam.perdidas},
                        {.name = n.tr(r.cuaderno.nombre_es, r.cuaderno.nombre_en), .y = r.cuaderno.perdidas}},
             .log_y = true});
  n.figure(n.path("perdidas.svg"), "curvas de pérdida con los tres esquemas", "loss curves with the three schedules");
}

// ---------------------------------------------------------------------------------------------
// Paso 4: el warmup del cuaderno. 300 épocas × 9 oraciones (una por paso) = 2 700 pasos, con
// d = 128, w = 40 000 y factor 1.
struct Cuaderno {
  double lr_final = 0;   // lr(2700)
  double lr_maxima = 0;  // lr(40000), el pico que nunca alcanza
  bool sigue_calentando = false;
};

Cuaderno cuaderno() {
  const Noam noam(128, 40000);
  Cuaderno c;
  c.lr_final = noam.lr(2700);
  c.lr_maxima = noam.lr(40000);
  c.sigue_calentando = noam.lr(2700) > noam.lr(2699) && 2700 < 40000;
  return c;
}

void paso4_cuaderno(Narrator& n) {
  n.step(4, "Por qué el warmup de 40 000 nunca termina", "Why the warmup of 40 000 never ends");
  const Cuaderno c = cuaderno();
  n.say(
      "El cuaderno entrena 300 épocas de 9 oraciones, una oración por paso: 2 700 pasos, con d = 128 y "
      "warmup = 40 000. En el paso 2 700 la lr vale {}; el pico, que llegaría en el paso 40 000, sería {}. "
      "Termina al {} % de su pico y todavía subiendo: ¿nunca sale del warmup? {}. Un warmup de ~10 % de la "
      "corrida (270 pasos) llegaría a {}.",
      "The notebook trains 300 epochs of 9 sentences, one sentence per step: 2 700 steps, with d = 128 and "
      "warmup = 40 000. At step 2 700 the lr is {}; the peak, which would come at step 40 000, would be {}. It "
      "ends at {} % of its peak and still rising: does it never leave the warmup? {}. A warmup of ~10 % of the "
      "run (270 steps) would reach {}.",
      sci(c.lr_final), sci(c.lr_maxima), fixed(100 * c.lr_final / c.lr_maxima, 2), si_no(n, c.sigue_calentando),
      sci(Noam(128, 270).lr(270)));
}

// ---------------------------------------------------------------------------------------------
void run(Narrator& n) {
  paso1_reglas(n);
  paso2_noam(n);
  const Tres r = entrenar_tres(n.options());
  paso3_entrenar(n, r);
  paso4_cuaderno(n);
  n.summary({
      {"SGD, momentum, Adagrad y Adam son pocas líneas; escritas a mano dan los mismos pasos que optim/.",
       "SGD, momentum, Adagrad and Adam are a few lines; written by hand they take the same steps as optim/."},
      {"Adam corrige el sesgo con 1 − βᵗ (la potencia t) y divide entre √v̂: sin la raíz el paso depende de la "
       "escala del gradiente.",
       "Adam corrects the bias with 1 − βᵗ (the power t) and divides by √v̂: without the root the step depends on "
       "the scale of the gradient."},
      {"Noam sube en línea recta hasta el paso w y luego baja como 1/√t; su pico es factor/√(d·w) (9.9e-4 para "
       "d = 256, w = 4000).",
       "Noam rises in a straight line until step w and then decays as 1/√t; its peak is factor/√(d·w) (9.9e-4 "
       "for d = 256, w = 4000)."},
      {"El warmup debe caber en la corrida: con 40 000 pasos de warmup y 2 700 de entrenamiento, la lr se queda "
       "en unas centésimas de su pico y el modelo casi no aprende.",
       "The warmup must fit in the run: with 40 000 warmup steps and 2 700 training steps, the lr stays at a few "
       "hundredths of its peak and the model barely learns."},
  });
  n.exercises({
      {"En a_mano cambia `1 - std::pow(h.beta1, t)` por `1 - h.beta1` (el texto del cuaderno): la columna |Δθ| "
       "de Adam deja de ser ~1e-7 y pasa de 0.1.",
       "In a_mano change `1 - std::pow(h.beta1, t)` to `1 - h.beta1` (the notebook's text): Adam's |Δθ| column "
       "stops being ~1e-7 and exceeds 0.1."},
      {"Cambia `kWarmupNoam = 40` por `4000`: en 600 pasos la lr de Noam no pasa de 0.25 · 600 · 4000^(−3/2) ≈ "
       "5.9e-4 y su pérdida ya no llega al piso: termina más arriba que la de lr constante (0.55 contra 0.41 con "
       "--seed 1), como le pasa, peor, al cuaderno.",
       "Change `kWarmupNoam = 40` to `4000`: in 600 steps Noam's lr stays below 0.25 · 600 · 4000^(−3/2) ≈ 5.9e-4 "
       "and its loss no longer reaches the floor: it ends above the constant lr's (0.55 against 0.41 with "
       "--seed 1), as happens, worse, to the notebook."},
      {"Ejecuta con --full: 2 700 pasos, como el cuaderno; el esquema del cuaderno baja algo (~25 %) pero sigue "
       "a más del doble de Noam, y su lr final es la del paso 4 (2.98e-05).",
       "Run with --full: 2 700 steps, as in the notebook; the notebook's schedule drops somewhat (~25 %) but stays "
       "at more than twice Noam's, and its final lr is the one of step 4 (2.98e-05)."},
      {"En hiper cambia la lr de SGD de 0.15 a 0.21: 0.21 · 10 > 2, y la coordenada con c = 10 diverge (f crece "
       "en la figura reglas.svg).",
       "In hiper change SGD's lr from 0.15 to 0.21: 0.21 · 10 > 2, and the coordinate with c = 10 diverges (f "
       "grows in the figure reglas.svg)."},
  });
}

}  // namespace lesson10

#ifndef ATN_LESSON_NO_MAIN
int main(int argc, char** argv) {
  return atn::run_lesson(argc, argv, "10", {"Optimizador Noam", "The Noam optimizer"}, lesson10::run);
}
#endif
