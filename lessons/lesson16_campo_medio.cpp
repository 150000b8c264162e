// Lección 16 · Dinámica de campo medio de la auto-atención
//
// Poc-López y Aguilera ("Dynamical Mean-Field Theory of Self-Attention Neural Networks",
// arXiv 2406.07247) toman una red de auto-atención con tokens de 1 bit y pesos ±1 y promedian sobre
// sus unidades: cuando el número de unidades N crece, la red se vuelve un mapa determinista pequeño
// (la ventana de 4 vectores de atención, 12 números). Al subir la temperatura inversa de salida β_o
// ese mapa pasa de un punto fijo a órbitas periódicas, cuasi-periódicas y caóticas. Esta lección
// simula la red finita y el mapa, muestra que se acercan al crecer N, recorre los regímenes, dibuja
// el diagrama de bifurcación y mide el caos con los exponentes de Lyapunov.
//
//   make lesson16                      ejecuta la lección (diagrama grueso)
//   make lesson16 ARGS="--full"        los ajustes del artículo (varios minutos, todos los núcleos)
//   make lesson16 ARGS="--lang en"     in English
#include <cmath>

#include "dynamics/bifurcation.h"
#include "dynamics/finite_network.h"
#include "dynamics/mean_field_autograd.h"
#include "dynamics/trajectory_figures.h"
#include "lessons/common/narrator.h"

namespace lesson16 {

using namespace atn;

std::string si_no(Narrator& n, bool v) { return v ? n.tr("sí", "yes") : n.tr("no", "no"); }

std::string regimen(Narrator& n, Regime r) {
  switch (r) {
    case Regime::periodic: return n.tr("periódico", "periodic");
    case Regime::quasi_periodic: return n.tr("cuasi-periódico", "quasi-periodic");
    case Regime::chaotic: return n.tr("caótico", "chaotic");
  }
  return "?";
}

// Largo de las corridas según el modo: (transitorio, pasos registrados).
struct Largo {
  int64_t transitorio, pasos;
};
Largo largo(const LessonOptions& o) {
  if (o.mode == RunMode::quick) return {4000, 1000};
  if (o.mode == RunMode::full) return {100000, 10000};
  return {100000, 10000};
}

// ---------------------------------------------------------------------------------------------
// Paso 1: la red finita y el mapa de campo medio, desde la misma ventana inicial.
struct ErrorPorN {
  int64_t n;
  double error;  // promedio de |m^{o,SE} de la red − m^{o,SE} del mapa| en los primeros pasos
};

constexpr double kBetaRed = 1.0;  // β_o donde la órbita es estable: la comparación no la borra el caos
constexpr int kPasosRed = 30;

std::vector<ErrorPorN> red_contra_mapa(const LessonOptions& o) {
  const MeanFieldMap mapa({.beta_o = kBetaRed});
  std::vector<MfVec> m_mapa;
  MeanFieldState s = mean_field_initial_state();
  for (int t = 0; t < kPasosRed; ++t) m_mapa.push_back(mapa.step(s).m_o_se);
  std::vector<int64_t> tamanos = {99, 990, 9999};
  if (o.mode != RunMode::quick) tamanos.push_back(99999);
  std::vector<ErrorPorN> r;
  for (int64_t n : tamanos) {
    double suma = 0;
    FiniteNetwork red({.n_semantic = n, .seed = o.seed, .map = {.beta_o = kBetaRed}}, mean_field_initial_state());
    for (int t = 0; t < kPasosRed; ++t) {
      const MfVec m = red.step().m_o_se;
      for (int a = 0; a < kMfPatterns; ++a) suma += std::abs(m[size_t(a)] - m_mapa[size_t(t)][size_t(a)]);
    }
    r.push_back({n, suma / (kPasosRed * kMfPatterns)});
  }
  return r;
}

bool baja_con_n(const std::vector<ErrorPorN>& e) {
  for (size_t i = 1; i < e.size(); ++i)
    if (!(e[i].error < e[i - 1].error)) return false;
  return true;
}

void paso1_red_finita(Narrator& n) {
  n.step(1, "De la red finita al mapa de campo medio", "From the finite network to the mean-field map");
  n.say(
      "Cada token tiene N_SE unidades semánticas x_i = ±1 y 2 unidades de posición. Los pesos W^o, W^v, W^q, W^k "
      "son ±1 y valen lo mismo en tres bloques de N_SE/3 unidades. La pregunta del token más nuevo se compara "
      "con las claves de los 4 tokens de la ventana (ganancia γ/√M = {}), un softmax da los pesos, y el vector "
      "de atención A_t promedia los valores. El siguiente token se sortea: cada espín vale +1 con "
      "probabilidad (1 + tanh(β_o h_i))/2.",
      "Each token has N_SE semantic units x_i = ±1 and 2 position units. The weights W^o, W^v, W^q, W^k are ±1 "
      "and constant on three blocks of N_SE/3 units. The newest token's query is compared with the keys of the "
      "4 window tokens (gain γ/√M = {}), a softmax gives the weights, and the attention vector A_t averages the "
      "values. The next token is drawn: each spin is +1 with probability (1 + tanh(β_o h_i))/2.",
      fixed(MeanFieldMap().gain(), 1));
  n.say(
      "Al crecer N_SE cada traslape (1/N)·Σ W_i x_i se acerca a su promedio: tanh(β_o h) por bloque. Eso es el "
      "mapa de campo medio: 12 números (la ventana de 4 vectores A) y ningún sorteo. Error medio de m^o,SE "
      "de la red frente al mapa en los primeros {} pasos, con β_o = {}:",
      "As N_SE grows each overlap (1/N)·Σ W_i x_i approaches its mean: tanh(β_o h) per block. That is the "
      "mean-field map: 12 numbers (the window of 4 vectors A) and no draws. Mean error of m^o,SE of the "
      "network against the map over the first {} steps, with β_o = {}:",
      kPasosRed, kBetaRed);
  const std::vector<ErrorPorN> e = red_contra_mapa(n.options());
  std::string tabla = "N_SE      error\n";
  for (const ErrorPorN& x : e) tabla += fixed(double(x.n), 0, 6) + "    " + sci(x.error) + "\n";
  n.show(tabla);
  n.say("¿El error baja cada vez que N crece? {}. (El ruido de un traslape es del orden de 1/√N.)",
        "Does the error drop every time N grows? {}. (The noise of an overlap is of order 1/√N.)", si_no(n, baja_con_n(e)));
}

// ---------------------------------------------------------------------------------------------
// Paso 2: un paso del mapa, y su jacobiano a mano contra el de la cinta.
double diferencia_jacobianos(double beta) {
  const MeanFieldMap mapa({.beta_o = beta});
  MeanFieldState s = mean_field_initial_state();
  for (int t = 0; t < 20; ++t) mapa.step(s);
  const MfJacobian a = mean_field_jacobian(mapa, s), b = mean_field_jacobian_autograd(mapa, s);
  double d = 0, escala = 1;
  for (size_t i = 0; i < a.size(); ++i) {
    d = std::max(d, std::abs(a[i] - b[i]));
    escala = std::max(escala, std::abs(a[i]));
  }
  return d / escala;
}

void paso2_mapa(Narrator& n) {
  n.step(2, "Un paso del mapa y su jacobiano", "One step of the map and its Jacobian");
  const MeanFieldMap mapa({.beta_o = 1.27});
  MeanFieldState s = mean_field_initial_state();
  const MeanFieldStep r = mapa.step(s);
  n.say("Desde la ventana inicial (la del artículo), con β_o = 1.27: pesos del softmax sobre los 4 tokens y el "
        "nuevo vector de atención:",
        "From the initial window (the paper's), with β_o = 1.27: softmax weights over the 4 tokens and the new "
        "attention vector:");
  std::string t = "w = ";
  for (double w : r.weights) t += fixed(w, 4, 8);
  t += "\nA_t = ";
  for (double a : r.A_new) t += fixed(a, 4, 8);
  n.show(t);
  const double d = diferencia_jacobianos(1.27);
  n.say(
      "Para medir el caos necesitamos ∂(ventana nueva)/∂(ventana): una matriz 12×12 escrita a mano en "
      "dynamics/lyapunov.cpp. La misma cuenta con las operaciones del motor (float32) y la cinta da otra. "
      "Diferencia relativa máxima: {}. ¿Coinciden (< 1e-3)? {}.",
      "To measure chaos we need ∂(new window)/∂(window): a 12×12 matrix written by hand in "
      "dynamics/lyapunov.cpp. The same computation with the engine's ops (float32) and the tape gives another. "
      "Largest relative difference: {}. Do they agree (< 1e-3)? {}.",
      sci(d), si_no(n, d < 1e-3));
}

// ---------------------------------------------------------------------------------------------
// Paso 3: los regímenes a lo largo de β_o.
struct Regimen {
  double beta;
  int64_t distintos, periodo;
  double lambda1;
  Regime por_conteo, por_lyapunov;
  Orbit orbita;
};

const std::vector<double> kBetas = {1.255, 1.26451, 1.266, 1.27, 1.28, 1.4};

Regimen correr(double beta, const LessonOptions& o) {
  const Largo l = largo(o);
  Regimen r;
  r.beta = beta;
  r.orbita = run_orbit(MeanFieldMap({.beta_o = beta}), mean_field_initial_state(), {.burn_in = l.transitorio, .steps = l.pasos});
  r.distintos = count_distinct(overlap_series(r.orbita, 0));
  r.periodo = orbit_period(r.orbita.A, 500, 1e-9);
  r.lambda1 = r.orbita.lyapunov[0];
  r.por_conteo = regime_from_count(r.distintos);
  r.por_lyapunov = regime_from_lyapunov(r.lambda1);
  return r;
}

void paso3_regimenes(Narrator& n, std::vector<Regimen>& rs) {
  n.step(3, "Los regímenes a lo largo de β_o", "The regimes along β_o");
  const Largo l = largo(n.options());
  n.say(
      "Para cada β_o: {} pasos de transitorio, luego {} registrados. Dos reglas del artículo: contar valores "
      "distintos de m^o,SE_1 (menos de 80: periódico; menos de 2500: cuasi-periódico; si no, caótico) y el "
      "signo del mayor exponente de Lyapunov λ₁ (umbral 1e-4).",
      "For each β_o: {} transient steps, then {} recorded. Two rules of the paper: count distinct values of "
      "m^o,SE_1 (fewer than 80: periodic; fewer than 2500: quasi-periodic; else chaotic) and the sign of the "
      "largest Lyapunov exponent λ₁ (threshold 1e-4).",
      l.transitorio, l.pasos);
  for (double b : kBetas) rs.push_back(correr(b, n.options()));
  std::string t = n.tr("β_o       distintos   periodo   λ₁         por conteo        por λ₁\n",
                       "β_o       distinct    period    λ₁         by count          by λ₁\n");
  for (const Regimen& r : rs) {
    char linea[200];
    std::snprintf(linea, sizeof linea, "%-9.5f %9lld   %7s   %+.5f   %-17s %s\n", r.beta, (long long)r.distintos,
                  r.periodo > 0 ? std::to_string(r.periodo).c_str() : "-", r.lambda1, regimen(n, r.por_conteo).c_str(),
                  regimen(n, r.por_lyapunov).c_str());
    t += linea;
  }
  n.show(t);
  int64_t acuerdos = 0;
  for (const Regimen& r : rs) acuerdos += r.por_conteo == r.por_lyapunov;
  n.say("Las dos reglas coinciden en {} de {} valores de β_o.", "The two rules agree on {} of {} values of β_o.", acuerdos,
        rs.size());
}

// ---------------------------------------------------------------------------------------------
// Paso 4: el diagrama de bifurcación (grueso por omisión; el del artículo con --full).
std::vector<BifurcationConfig> diagramas(const LessonOptions& o) {
  if (o.mode == RunMode::full)
    return {{.beta_min = 1.24, .beta_max = 1.28, .points = 4001, .burn_in = 100000, .steps = 10000},
            {.beta_min = 0, .beta_max = 3, .points = 701, .burn_in = 100000, .steps = 75000}};
  if (o.mode == RunMode::quick) return {{.beta_min = 1.24, .beta_max = 1.28, .points = 9, .burn_in = 3000, .steps = 1000}};
  return {{.beta_min = 1.24, .beta_max = 1.28, .points = 161, .burn_in = 20000, .steps = 5000}};
}

std::vector<BifurcationColumn> diagrama(const BifurcationConfig& c) {
  std::vector<int64_t> indices;
  for (int64_t i = 0; i < c.points; ++i) indices.push_back(i);
  return bifurcation_columns(c, indices);
}

void paso4_diagrama(Narrator& n) {
  n.step(4, "El diagrama de bifurcación", "The bifurcation diagram");
  for (const BifurcationConfig& c : diagramas(n.options())) {
    const std::vector<BifurcationColumn> cols = diagrama(c);
    int64_t cuenta[3] = {};
    for (const BifurcationColumn& col : cols) ++cuenta[int(col.by_count)];
    n.say(
        "β_o de {} a {} en {} puntos ({} pasos de transitorio, {} registrados), repartidos entre todos los "
        "núcleos: {} periódicos, {} cuasi-periódicos, {} caóticos (por conteo). En las columnas periódicas se "
        "dibujan todos los valores; en las demás, solo los puntos sobre la sección de Poincaré |m^o,SE_2| ≤ 0.001.",
        "β_o from {} to {} in {} points ({} transient steps, {} recorded), spread over all cores: {} periodic, "
        "{} quasi-periodic, {} chaotic (by count). Periodic columns show every value; the others only the points "
        "on the Poincare section |m^o,SE_2| ≤ 0.001.",
        c.beta_min, c.beta_max, c.points, c.burn_in, c.steps, cuenta[0], cuenta[1], cuenta[2]);
    const std::string nombre = c.beta_min == 0 ? "diagrama_0_3" : "diagrama_zoom";
    const BifurcationFigureText texto{.title = n.tr("Diagrama de bifurcación del mapa de campo medio",
                                                    "Bifurcation diagram of the mean-field map"),
                                      .lambda_title = n.tr("Mayor exponente de Lyapunov", "Largest Lyapunov exponent"),
                                      .lambda_label = n.tr("λ₁ (nats/paso)", "λ₁ (nats/step)"),
                                      .periodic = n.tr("periódico", "periodic"),
                                      .quasi_periodic = n.tr("cuasi-periódico (sección)", "quasi-periodic (section)"),
                                      .chaotic = n.tr("caótico (sección)", "chaotic (section)")};
    write_bifurcation_svg(n.path(nombre + ".svg"), cols, texto);
    n.figure(n.path(nombre + ".svg"), "diagrama de bifurcación", "bifurcation diagram");
    write_lyapunov_svg(n.path(nombre + "_lambda1.svg"), cols, texto);
    n.figure(n.path(nombre + "_lambda1.svg"), "λ₁ contra β_o", "λ₁ against β_o");
  }
}

// ---------------------------------------------------------------------------------------------
// Paso 5: las trayectorias (series, espectro, autocorrelación, planos de fase, exponentes).
void paso5_trayectorias(Narrator& n, const std::vector<Regimen>& rs) {
  n.step(5, "Trayectorias", "Trajectories");
  const TrajectoryLabels et{.series = n.tr("m^o,SE_1 en el tiempo", "m^o,SE_1 over time"),
                            .step = n.tr("paso registrado", "recorded step"),
                            .spectrum = n.tr("Espectro de potencia |FFT|²/n", "Power spectrum |FFT|²/n"),
                            .frequency = n.tr("frecuencia (ciclos/paso)", "frequency (cycles/step)"),
                            .power = n.tr("potencia", "power"),
                            .autocorrelation = n.tr("Autocorrelación de m^o,SE_1", "Autocorrelation of m^o,SE_1"),
                            .lag = n.tr("retraso (pasos)", "lag (steps)"),
                            .phase_m = n.tr("Plano de fase de los traslapes de salida", "Phase plane of the output overlaps"),
                            .phase_A = n.tr("Plano de fase del vector de atención", "Phase plane of the attention vector"),
                            .lyapunov = n.tr("Exponentes de Lyapunov (ordenados)", "Lyapunov exponents (sorted)"),
                            .lambda = n.tr("λ (nats/paso)", "λ (nats/step)")};
  for (const Regimen& r : rs) {
    char carpeta[32];
    std::snprintf(carpeta, sizeof carpeta, "beta_%g", r.beta);
    const TrajectoryFiles f = write_trajectory_files(n.path(carpeta), r.orbita, " (β_o = " + fixed(r.beta, 5) + ")", et);
    for (const std::string& p : f.svg) n.figure(p, "trayectoria", "trajectory");
  }
  n.say(
      "Una carpeta por β_o. En la órbita periódica el espectro tiene picos aislados y la autocorrelación se "
      "repite con el periodo; en la caótica el espectro es ancho y la autocorrelación decae. Exponentes de "
      "β_o = {}: {}",
      "One folder per β_o. On the periodic orbit the spectrum has isolated peaks and the autocorrelation "
      "repeats with the period; on the chaotic one the spectrum is broad and the autocorrelation decays. "
      "Exponents at β_o = {}: {}",
      rs.back().beta, [&] {
        std::string s;
        for (double l : rs.back().orbita.lyapunov) s += fixed(l, 3) + " ";
        return s;
      }());
}

// ---------------------------------------------------------------------------------------------
// Paso 6: qué quiere decir caos aquí: dos ventanas casi iguales se separan.
std::vector<double> separacion(double beta, int pasos) {
  const MeanFieldMap mapa({.beta_o = beta});
  MeanFieldState a = mean_field_initial_state();
  for (int t = 0; t < 100000; ++t) mapa.step(a);  // sobre el atractor (el transitorio es largo)
  MeanFieldState b = a;
  b.A[0][0] += 1e-9;
  std::vector<double> d;
  for (int t = 0; t <= pasos; ++t) {
    double s = 0;
    for (int i = 0; i < kMfStateSize; ++i) s += std::pow(a.A[size_t(i / 3)][size_t(i % 3)] - b.A[size_t(i / 3)][size_t(i % 3)], 2);
    d.push_back(std::sqrt(s));
    mapa.step(a);
    mapa.step(b);
  }
  return d;
}

constexpr double kBetaPeriodico = 1.27382, kBetaCaotico = 1.4;
constexpr int kPasosCaos = 400;

void paso6_caos(Narrator& n) {
  n.step(6, "Qué significa caos aquí", "What chaos means here");
  const std::vector<double> p = separacion(kBetaPeriodico, kPasosCaos), c = separacion(kBetaCaotico, kPasosCaos);
  n.say(
      "Dos ventanas que difieren en 1e-9 en un solo número. Distancia entre ellas después de t pasos:",
      "Two windows that differ by 1e-9 in a single number. Distance between them after t steps:");
  std::string t = "t       β_o = " + fixed(kBetaPeriodico, 5) + "   β_o = " + fixed(kBetaCaotico, 1) + "\n";
  for (int k : {0, 100, 200, 300, 400}) t += fixed(k, 0, 3) + "     " + sci(p[size_t(k)]) + "          " + sci(c[size_t(k)]) + "\n";
  n.show(t);
  n.say(
      "Con β_o = {} la diferencia se encoge (λ₁ < 0: la órbita de periodo 28 atrae); con β_o = {} crece hasta "
      "el tamaño del atractor (λ₁ > 0). ¿Crece la del caso caótico más de 1000 veces? {}. Por eso en el caos "
      "solo se comparan estadísticas (periodos, exponentes, espectros), no trayectorias punto a punto: hasta "
      "cambiar el orden de una suma las separa en ~100 pasos.",
      "With β_o = {} the difference shrinks (λ₁ < 0: the period-28 orbit attracts); with β_o = {} it grows to "
      "the size of the attractor (λ₁ > 0). Does the chaotic one grow more than 1000 times? {}. That is why in "
      "chaos only statistics are compared (periods, exponents, spectra), not trajectories point by point: even "
      "changing the order of a sum separates them in ~100 steps.",
      kBetaPeriodico, kBetaCaotico, si_no(n, c[kPasosCaos] > 1000 * c[0]));
}

void run(Narrator& n) {
  paso1_red_finita(n);
  paso2_mapa(n);
  std::vector<Regimen> rs;
  paso3_regimenes(n, rs);
  paso4_diagrama(n);
  paso5_trayectorias(n, rs);
  paso6_caos(n);
  n.summary({
      {"Promediar una red de auto-atención con tokens de 1 bit sobre sus unidades da un mapa determinista de 12 "
       "números; la red finita lo sigue mejor cuanto más grande es N.",
       "Averaging a self-attention network with 1-bit tokens over its units gives a deterministic map of 12 "
       "numbers; the finite network follows it better the larger N is."},
      {"Al subir β_o el mapa pasa por órbitas periódicas, cuasi-periódicas y caóticas; contar valores distintos "
       "y el signo de λ₁ son dos maneras de clasificarlas.",
       "As β_o grows the map goes through periodic, quasi-periodic and chaotic orbits; counting distinct "
       "values and the sign of λ₁ are two ways to classify them."},
      {"Los exponentes de Lyapunov salen del jacobiano de un paso (a mano, comprobado con la cinta) y de "
       "reortogonalizar con QR; λ₁ > 0 quiere decir que ventanas cercanas se separan.",
       "The Lyapunov exponents come from the Jacobian of one step (by hand, checked with the tape) and QR "
       "re-orthogonalization; λ₁ > 0 means nearby windows move apart."},
  });
  n.exercises({
      {"En paso1_red_finita cambia kBetaRed = 1.0 por 1.4 (caótico): el error se queda cerca de 0.2 aun con "
       "N = 99999 (con 1.0 baja a ~0.005), porque la red y el mapa se separan como las dos ventanas del paso 6.",
       "In the code of step 1 change kBetaRed = 1.0 to 1.4 (chaotic): the error stays near 0.2 even with "
       "N = 99999 (with 1.0 it drops to ~0.005), because the network and the map separate like the two windows "
       "of step 6."},
      {"Agrega 1.0 y 2.0 a kBetas: con β_o = 1.0 la órbita es periódica (λ₁ < 0) y con 2.0 vuelve a ser caótica.",
       "Add 1.0 and 2.0 to kBetas: with β_o = 1.0 the orbit is periodic (λ₁ < 0) and with 2.0 it is chaotic "
       "again."},
      {"Ejecuta con --full: los dos diagramas del artículo (4001 y 701 puntos); tarda varios minutos. O usa "
       "`atencion meanfield bifurcation`, que puede continuar si lo interrumpes.",
       "Run with --full: the paper's two diagrams (4001 and 701 points); it takes several minutes. Or use "
       "`atencion meanfield bifurcation`, which can continue if you interrupt it."},
  });
}

}  // namespace lesson16

#ifndef ATN_LESSON_NO_MAIN
int main(int argc, char** argv) {
  return atn::run_lesson(argc, argv, "16", {"Dinámica de campo medio de la auto-atención", "Mean-field dynamics of self-attention"},
                         lesson16::run);
}
#endif
