// Lesson 09: every result the lesson prints is checked here by running the lesson's own functions
// in quick mode (the lesson file is included with its main() switched off).
#include <gtest/gtest.h>

#include "tensor/thread_pool.h"
#include "tests/lesson_test_util.h"
#include "tests/test_util.h"

#define ATN_LESSON_NO_MAIN
#include "lessons/lesson09_gradiente_en_atencion.cpp"

namespace lesson09 {
namespace {

using namespace atn::testing_util;

TEST(Lesson09, HandForwardEqualsTheTapeForward) {
  for (uint64_t seed : {1, 2, 3}) {
    const Problema p = problema(seed);
    const Grafo g = adelante_con_cinta(p);
    Tape::current().clear();
    const AMano m = adelante_a_mano(mat(p.x), mat(p.wq), mat(p.wk), mat(p.wv));
    EXPECT_LT(max_abs_diff(g.h.value(), tensor_de(m.h)), 1e-5);
    EXPECT_LT(max_abs_diff(g.alfa.value(), tensor_de(m.alfa)), 1e-6);
  }
}

TEST(Lesson09, SoftmaxJacobianByHandEqualsTheTapeAndHasItsProperties) {
  for (uint64_t seed : {1, 2, 3, 4}) {
    const JacobianaSoftmax r = comparar_jacobiana(problema(seed));
    EXPECT_LT(r.dif, 1e-6) << seed;
    EXPECT_LT(r.peor_suma_fila, 1e-12) << seed;
    EXPECT_LT(r.asimetria, 1e-12) << seed;
    // Diagonal α(1 − α) > 0, off-diagonal −α_j α_l < 0.
    for (size_t a = 0; a < r.a_mano.size(); ++a)
      for (size_t l = 0; l < r.a_mano.size(); ++l) EXPECT_EQ(r.a_mano[a][l] > 0, a == l) << a << " " << l;
  }
  // Exercise 2: forgetting the δ gives a matrix far from the tape's.
  const std::vector<double> alfa = {0.1, 0.2, 0.3, 0.4};
  const Mat j = jacobiana_softmax(alfa);
  EXPECT_NEAR(j[0][0], 0.1 * 0.9, 1e-15);
  EXPECT_NEAR(j[0][1], -0.1 * 0.2, 1e-15);
  EXPECT_GT(std::fabs((1.0 - alfa[0]) * alfa[1] - j[1][0]), 0.01);
}

// The acceptance item of issue 11: hand gradients equal the tape's within 1e-5 (relative), and the
// finite differences agree with both; the wrong index does not.
TEST(Lesson09, HandDerivativesEqualTheTapeAndFiniteDifferences) {
  for (uint64_t seed : {1, 2, 3, 4, 5}) {
    const Comparacion c = comparar_derivadas(problema(seed));
    for (int i = 0; i < 3; ++i) {
      EXPECT_LE(c.por_matriz[i].mano_cinta, 1e-5) << seed << " " << i;
      EXPECT_LE(c.por_matriz[i].mano_diferencias, 1e-7) << seed << " " << i;
      EXPECT_LE(c.por_matriz[i].cinta_diferencias, 1e-5) << seed << " " << i;
    }
    EXPECT_LE(c.peor_mano_cinta, 1e-5);
    EXPECT_GT(c.indice_equivocado, 1e-2) << seed;
    ASSERT_EQ(c.jac_q.size(), size_t(kT * kD));
  }
  // ∂h_ic/∂(W_v)_ab is zero unless c = a (the δ_ca), and then Σ_j α_ij x_jb.
  const Problema p = problema(1);
  const AMano m = adelante_a_mano(mat(p.x), mat(p.wq), mat(p.wk), mat(p.wv));
  const Mat jv = jacobiana_a_mano(m, Cual::v);
  for (size_t c = 0; c < size_t(kD); ++c)
    for (size_t a = 0; a < size_t(kD); ++a)
      if (a != c) {
        EXPECT_EQ(jv[c][a * kD], 0);
      }
  // Exercise 3: a large step makes the finite differences of W_q and W_k worse (not W_v's: h is
  // linear in W_v), and a tiny one too, from rounding.
  for (uint64_t seed : {1, 2, 3}) {
    const Problema ps = problema(seed);
    const AMano ms = adelante_a_mano(mat(ps.x), mat(ps.wq), mat(ps.wk), mat(ps.wv));
    for (Cual cual : {Cual::q, Cual::k}) {
      const Mat mano = jacobiana_a_mano(ms, cual);
      EXPECT_GT(error_relativo(mano, jacobiana_diferencias(ps, cual, 1e-1)), 1e-4) << seed;
      EXPECT_LT(error_relativo(mano, jacobiana_diferencias(ps, cual, 1e-5)), 1e-8) << seed;
      EXPECT_GT(error_relativo(mano, jacobiana_diferencias(ps, cual, 1e-12)), 1e-5) << seed;
    }
    EXPECT_LT(error_relativo(jacobiana_a_mano(ms, Cual::v), jacobiana_diferencias(ps, Cual::v, 1e-1)), 1e-12);
  }
}

TEST(Lesson09, GradientThroughTheSoftmaxVanishesAtLowTemperature) {
  for (uint64_t seed : {1, 2, 3, 4, 5, 6, 7, 8}) {
    const std::vector<PuntoTemperatura> ps = barrer_temperatura(problema(seed), temperaturas(RunMode::quick), seed);
    ASSERT_EQ(ps.size(), 11u);
    EXPECT_NEAR(ps.front().tau, 1e-4, 1e-12);
    const Apagado a = resumir(ps);
    EXPECT_LT(a.caida_q, 1e-3) << seed;
    EXPECT_LT(a.caida_k, 1e-3) << seed;
    EXPECT_GT(a.razon_v, 0.1) << seed;
    EXPECT_GT(a.alfa_max_chica, 0.99) << seed;
    EXPECT_GT(a.tau_max_q, 1e-4);
  }
  // The normal and full modes sweep the same range more finely.
  EXPECT_EQ(temperaturas(RunMode::normal).size(), 21u);
  EXPECT_NEAR(temperaturas(RunMode::full).back(), 10, 1e-9);
}

TEST(Lesson09, SameNumbersWithOneOrTwoThreads) {
  const KeepThreadCount keep;
  set_num_threads(1);
  const std::vector<PuntoTemperatura> uno = barrer_temperatura(problema(3), temperaturas(RunMode::quick), 3);
  const Comparacion c1 = comparar_derivadas(problema(3));
  set_num_threads(2);
  const std::vector<PuntoTemperatura> dos = barrer_temperatura(problema(3), temperaturas(RunMode::quick), 3);
  const Comparacion c2 = comparar_derivadas(problema(3));
  for (size_t i = 0; i < uno.size(); ++i) {
    EXPECT_EQ(uno[i].norma_q, dos[i].norma_q);
    EXPECT_EQ(uno[i].norma_v, dos[i].norma_v);
  }
  EXPECT_EQ(c1.peor_mano_cinta, c2.peor_mano_cinta);
}

TEST(Lesson09, QuickRunPrintsTheClaimsAndWritesTheFigures) {
  for (Lang lang : {Lang::es, Lang::en}) {
    const LessonRun r = run_lesson_quick("lesson09", lang, [](Narrator& n) { run(n); });
    const bool es = lang == Lang::es;
    for (const char* claim : {es ? "en las tres? sí." : "in all three? yes.", es ? "mayor que 1e-2? sí." : "larger than 1e-2? yes.",
                              es ? "debajo de la milésima? sí." : "below one thousandth? yes.",
                              es ? "(más de 0.1)? sí." : "(more than 0.1)? yes.", "matmul", "softmax",
                              es ? "Resumen" : "Summary", es ? "Ejercicios" : "Exercises"})
      EXPECT_TRUE(r.has(claim)) << claim;
    EXPECT_EQ(r.flat.find("? no"), std::string::npos);
    EXPECT_EQ(line_wider_than(r.text, 80), "");
    if (!es) {
      EXPECT_EQ(spanish_outside_tokens(r.text, {}), "");
    }
    ASSERT_EQ(r.figures.size(), 3u);
    EXPECT_EQ(bad_figure(r.figures), "");
    EXPECT_NE(r.figure_text("jacobiana_softmax.svg").find(es ? "j (peso α_0j)" : "j (weight α_0j)"), std::string::npos);
    EXPECT_NE(r.figure_text("jacobiana_wq.svg").find(es ? "entrada de W_q" : "entry of W_q"), std::string::npos);
    const std::string plot = r.figure_text("gradiente_temperatura.svg");
    EXPECT_NE(plot.find(es ? "temperatura τ (escala log)" : "temperature τ (log scale)"), std::string::npos);
    EXPECT_NE(plot.find(">1e-4<"), std::string::npos);  // the log x axis spans the decades
    EXPECT_EQ(std::count(plot.begin(), plot.end(), '\n') > 10, true);
  }
}

}  // namespace
}  // namespace lesson09
