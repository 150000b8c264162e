// Lesson 16: every result the lesson prints is checked here by running the lesson's own functions
// in quick mode (the lesson file is included with its main() switched off).
#include <gtest/gtest.h>

#include "tensor/thread_pool.h"
#include "tests/lesson_test_util.h"
#include "tests/test_util.h"

#define ATN_LESSON_NO_MAIN
#include "lessons/lesson16_campo_medio.cpp"

namespace lesson16 {
namespace {

using namespace atn::testing_util;

TEST(Lesson16, FiniteNetworkApproachesTheMapForSeveralSeeds) {
  for (uint64_t seed : {1, 2, 3}) {
    const std::vector<ErrorPorN> e = red_contra_mapa(quick_lesson_options(seed));
    ASSERT_EQ(e.size(), 3u);
    EXPECT_TRUE(baja_con_n(e)) << "seed " << seed;
    EXPECT_LT(e.back().error, 0.02);
  }
}

TEST(Lesson16, JacobianByHandAgreesWithTheTape) {
  for (double beta : {1.0, 1.27, 1.4}) EXPECT_LT(diferencia_jacobianos(beta), 1e-3) << beta;
}

TEST(Lesson16, ChaosSeparatesNearbyWindowsAndThePeriodicOrbitPullsThemTogether) {
  const std::vector<double> p = separacion(kBetaPeriodico, kPasosCaos), c = separacion(kBetaCaotico, kPasosCaos);
  EXPECT_LT(p[kPasosCaos], p[0]);
  EXPECT_GT(c[kPasosCaos], 1000 * c[0]);
  const Regimen caos = correr(kBetaCaotico, quick_lesson_options());
  EXPECT_EQ(caos.por_lyapunov, Regime::chaotic);
  EXPECT_GT(caos.lambda1, 1e-4);
}

TEST(Lesson16, QuickDiagramIsTheSameForAnyThreadCount) {
  const BifurcationConfig c = diagramas(quick_lesson_options())[0];
  const KeepThreadCount keep;
  set_num_threads(1);
  const std::vector<BifurcationColumn> one = diagrama(c);
  set_num_threads(2);
  const std::vector<BifurcationColumn> two = diagrama(c);
  ASSERT_EQ(one.size(), two.size());
  for (size_t i = 0; i < one.size(); ++i) {
    EXPECT_EQ(one[i].points, two[i].points);
    EXPECT_EQ(one[i].lyapunov, two[i].lyapunov);
  }
}

TEST(Lesson16, QuickRunPrintsTheClaimsAndWritesTheFigures) {
  for (Lang lang : {Lang::es, Lang::en}) {
    const LessonRun r = run_lesson_quick("lesson16", lang, [](Narrator& n) { run(n); });
    const bool es = lang == Lang::es;
    for (const char* claim : {es ? "¿El error baja cada vez que N crece? sí." : "Does the error drop every time N grows? yes.",
                              es ? "¿Coinciden (< 1e-3)? sí." : "Do they agree (< 1e-3)? yes.",
                              es ? "¿Crece la del caso caótico más de 1000 veces? sí." : "Does the chaotic one grow more than 1000 times? yes.",
                              es ? "Resumen" : "Summary", es ? "Ejercicios" : "Exercises"})
      EXPECT_TRUE(r.has(claim)) << claim;
    EXPECT_EQ(line_wider_than(r.text, 80), "");
    if (!es) {
      EXPECT_EQ(spanish_in(r.text), "");
    }
    EXPECT_EQ(r.figures.size(), 2u + 6u * 8u);
    EXPECT_EQ(bad_figure(r.figures), "");
    const std::string d = r.figure_text("diagrama_zoom.svg");
    EXPECT_NE(d.find(es ? "Diagrama de bifurcación" : "Bifurcation diagram"), std::string::npos);
    EXPECT_NE(r.figure_text("beta_1.4/power_spectrum.svg").find(es ? "potencia" : "power"), std::string::npos);
  }
}

}  // namespace
}  // namespace lesson16
