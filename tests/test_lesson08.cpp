// Lesson 08: every result the lesson prints is checked here by running the lesson's own functions
// in quick mode (the lesson file is included with its main() switched off). Timings are printed by
// the lesson but never asserted (they depend on the machine and on the sanitizers); the score
// counts, which are what the timings measure, are.
#include <gtest/gtest.h>

#include <filesystem>

#include "tensor/thread_pool.h"
#include "tests/lesson_test_util.h"
#include "tests/test_util.h"

#define ATN_LESSON_NO_MAIN
#include "lessons/lesson08_atencion_dispersa.cpp"

namespace lesson08 {
namespace {

using namespace atn::testing_util;

LessonOptions quick(uint64_t seed = 1, Lang lang = Lang::es) { return quick_lesson_options(seed, lang); }

TEST(Lesson08, WindowByHandIsTheCourseWindowAndTheLibraryMask) {
  for (int64_t n : {1, 5, 12}) {
    for (int64_t k : {1, 2, 3, 7, 20}) {
      const Tensor m = ventana_a_mano(n, k);
      EXPECT_EQ(max_abs_diff(m, local_window_mask(n, k)), 0) << n << " " << k;
      for (int64_t i = 0; i < n; ++i) {
        int64_t fila = 0;
        for (int64_t j = 0; j < n; ++j) fila += m.at({i, j}) != 0;
        EXPECT_EQ(fila, std::min(i + 1, k));  // k counts the token itself
      }
    }
  }
  // Exercise 3: the off-by-one window has k + 1 tokens, so it differs.
  EXPECT_GT(unos(local_window_mask(12, 4)), unos(local_window_mask(12, 3)));
}

TEST(Lesson08, LocalCostIsLinearAndEqualsDenseWithTheWindowMask) {
  const std::vector<Medicion> ms = medir_todo(quick());
  ASSERT_EQ(ms.size(), 3u);
  for (const Medicion& m : ms) {
    EXPECT_EQ(m.puntajes_local, m.n * kVentana);
    EXPECT_EQ(m.puntajes_densa, m.n * m.n);
    EXPECT_LT(m.diferencia, 1e-5);
  }
  // Four times as long: four times the local scores, sixteen times the dense ones.
  EXPECT_EQ(ms.back().puntajes_local, 4 * ms.front().puntajes_local);
  EXPECT_EQ(ms.back().puntajes_densa, 16 * ms.front().puntajes_densa);
  // The measured memory follows: the band at least (4 bytes a weight), the dense matrix at least
  // once; local grows about ×4, dense about ×16 (size classes round by at most 25 %).
  for (const Medicion& m : ms) {
    EXPECT_GE(m.bytes_local, 4 * m.puntajes_local) << m.n;
    EXPECT_GE(m.bytes_densa, 4 * m.puntajes_densa) << m.n;
    EXPECT_LT(m.bytes_local, m.bytes_densa) << m.n;
  }
  const double bl = double(ms.back().bytes_local) / double(ms.front().bytes_local),
               bd = double(ms.back().bytes_densa) / double(ms.front().bytes_densa);
  EXPECT_GT(bl, 3);
  EXPECT_LT(bl, 6);
  EXPECT_GT(bd, 12);
  EXPECT_LT(bd, 20);
}

// Head h of the trained model puts weight only in its window of h + 1 tokens, and the model
// learns the nine sentences' first word.
TEST(Lesson08, ModelWithOneWindowPerHeadLearnsAndKeepsItsBands) {
  const Tensor m = mascaras_por_cabeza(5);
  ASSERT_EQ(m.shape(), (Shape{kCabezas, 5, 5}));
  for (int64_t h = 0; h < kCabezas; ++h)
    EXPECT_EQ(max_abs_diff(narrow(m, 0, h, 1).reshape({5, 5}), local_window_mask(5, h + 1)), 0);
  for (uint64_t seed : {1, 2}) {
    const Ventanas r = entrenar_ventanas(quick(seed));
    EXPECT_LT(r.perdidas.back(), 0.6 * r.perdidas.front()) << seed;
    EXPECT_TRUE(r.despues_de_bos == "el" || r.despues_de_bos == "un") << seed << " " << r.despues_de_bos;
    ASSERT_EQ(r.pesos.size(), size_t(kCabezas));
    for (int64_t h = 0; h < kCabezas; ++h) {
      EXPECT_EQ(r.fuera[size_t(h)], 0) << seed << " " << h;
      EXPECT_EQ(r.ancho[size_t(h)], h + 1) << seed << " " << h;
      for (int64_t i = 0; i < r.pesos[size_t(h)].size(0); ++i) {
        double s = 0;
        for (int64_t j = 0; j < r.pesos[size_t(h)].size(1); ++j) s += r.pesos[size_t(h)].at({i, j});
        EXPECT_NEAR(s, 1, 1e-5);
      }
    }
    for (int64_t i = 0; i < r.pesos[0].size(0); ++i) EXPECT_EQ(r.pesos[0].at({i, i}), 1);  // head 0: itself only
  }
}

TEST(Lesson08, ReceptiveFieldGrowsByKMinusOnePerLayerInMasksAndGradients) {
  for (uint64_t seed : {1, 2}) {
    const std::vector<Campo> cs = campos(kN, kK, 4, seed);
    ASSERT_EQ(cs.size(), 4u);
    for (const Campo& c : cs) {
      EXPECT_EQ(c.ancho, std::min<int64_t>(kN, c.capas * (kK - 1) + 1)) << c.capas;
      EXPECT_EQ(c.ancho, c.formula);
      EXPECT_TRUE(c.gradiente_igual) << seed << " " << c.capas;
    }
    EXPECT_LT(cs[0].ancho, cs[1].ancho);
    EXPECT_LT(cs[1].ancho, cs[2].ancho);
  }
  // Exercise 1: k = 5 gives 5, 9, 12, 12 on n = 12.
  const std::vector<int64_t> esperado = {5, 9, 12, 12};
  for (int64_t l = 1; l <= 4; ++l) {
    const Tensor a = alcance(kN, 5, l);
    int64_t ancho = 0;
    for (int64_t j = 0; j < kN; ++j) ancho += a.at({kN - 1, j}) != 0;
    EXPECT_EQ(ancho, esperado[size_t(l - 1)]);
  }
  // The reach is exactly the band i − L(k−1) ≤ j ≤ i, row by row.
  const Tensor a = alcance(kN, kK, 3);
  for (int64_t i = 0; i < kN; ++i)
    for (int64_t j = 0; j < kN; ++j) EXPECT_EQ(a.at({i, j}) != 0, j <= i && j >= i - 6) << i << " " << j;
}

TEST(Lesson08, SameGradientsWithOneOrTwoThreads) {
  const KeepThreadCount keep;
  set_num_threads(1);
  const Tensor uno = gradientes(kN, kK, 3, 1);
  const Medicion m1 = medir(256, 1, 1);
  set_num_threads(2);
  const Tensor dos = gradientes(kN, kK, 3, 1);
  const Medicion m2 = medir(256, 1, 1);
  EXPECT_EQ(max_abs_diff(uno, dos), 0);
  EXPECT_EQ(m1.diferencia, m2.diferencia);
  EXPECT_EQ(m1.bytes_local, m2.bytes_local);  // the measured memory does not depend on the threads either
  EXPECT_EQ(m1.bytes_densa, m2.bytes_densa);
}

TEST(Lesson08, QuickRunPrintsTheClaimsAndWritesTheFigures) {
  for (Lang lang : {Lang::es, Lang::en}) {
    const LessonRun r = run_lesson_quick("lesson08", lang, [](Narrator& n) { run(n); });
    const std::string& text = r.text;
    const bool es = lang == Lang::es;
    for (const char* claim : {es ? "local_window_mask de la biblioteca? sí." : "local_window_mask? yes.",
                              es ? "(max |Δ| < 1e-5)? sí." : "(max |Δ| < 1e-5)? yes.",
                              es ? "coincide con M^L? sí." : "match M^L? yes.",
                              es ? "y la densa como n² (más de ×8)? sí." : "dense one like n² (more than ×8)? yes.",
                              es ? "¿es «el» o «un»? sí." : "is it \"el\" or \"un\"? yes.",
                              es ? "tokens? sí." : "h + 1 tokens? yes.", es ? "Resumen" : "Summary",
                              es ? "Ejercicios" : "Exercises"})
      EXPECT_TRUE(r.has(claim)) << claim;
    for (const char* wrong : {"? no", " no\n"}) EXPECT_EQ(text.find(wrong), std::string::npos) << wrong;
    if (!es) {
      EXPECT_EQ(spanish_outside_tokens(text, course_vocabulary()), "");
    }
    EXPECT_EQ(line_wider_than(text, 80), "");
    ASSERT_EQ(r.figures.size(), 9u);
    EXPECT_EQ(bad_figure(r.figures), "");
    for (const char* archivo : {"ventana_local.svg", "patron_strided.svg", "patron_fixed.svg"})
      EXPECT_NE(r.figure_text(archivo).find(es ? "token j (clave)" : "token j (key)"), std::string::npos);
    EXPECT_NE(r.figure_text("costo.svg").find(es ? "tiempo en ms (escala log)" : "time in ms (log scale)"),
              std::string::npos);
    EXPECT_NE(r.figure_text("memoria.svg").find(es ? "n (longitud, escala log)" : "n (length, log scale)"),
              std::string::npos);
    for (int h = 0; h < 3; ++h) {
      const std::string svg = r.figure_text("ventana_cabeza_" + std::to_string(h) + ".svg");
      EXPECT_NE(svg.find((es ? ": ventana k = " : ": window k = ") + std::to_string(h + 1)), std::string::npos);
      EXPECT_NE(svg.find(">muchacho<"), std::string::npos);
    }
    EXPECT_NE(r.figure_text("campo_receptivo.svg").find(es ? "entrada j" : "input j"), std::string::npos);
  }
}

}  // namespace
}  // namespace lesson08
