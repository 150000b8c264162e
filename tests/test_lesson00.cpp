// Lesson 00: every result the lesson prints is checked here by running the lesson's own functions
// in quick mode (the lesson file is included with its main() switched off).
#include <gtest/gtest.h>

#include <filesystem>

#define ATN_LESSON_NO_MAIN
#include "lessons/lesson00_tensores_y_autograd.cpp"

namespace lesson00 {
namespace {

LessonOptions quick() {
  LessonOptions o;
  o.mode = RunMode::quick;
  return o;
}

TEST(Lesson00, HandBackwardEqualsTape) {
  // f = (a·b + c)·tanh(a) at a = 0.8, b = −1.5, c = 2, with t = tanh(0.8) ≈ 0.664037:
  // df/dc = t ≈ 0.664037; df/db = a·t ≈ 0.531229;
  // df/da = b·t + (a·b + c)·(1 − t²) ≈ −0.996055 + 0.8·0.559055 ≈ −0.548811.
  const Gradientes mano = gradiente_a_mano(kA, kB, kC), cinta = gradiente_con_cinta();
  EXPECT_NEAR(mano.c, 0.664037, 1e-6);
  EXPECT_NEAR(mano.b, 0.531229, 1e-6);
  EXPECT_NEAR(mano.a, -0.548811, 1e-6);
  EXPECT_NEAR(mano.t, 0.8, 1e-6);  // df/dt = e = a·b + c
  EXPECT_LT(diferencia(mano, cinta), 1e-6);
  EXPECT_EQ(Tape::current().size(), 0u);  // backward() emptied the tape
}

TEST(Lesson00, TapeDumpListsTheFourOperations) {
  Tape::current().clear();
  const Expresion x = expresion_de_ejemplo();
  EXPECT_NEAR(x.f.item(), 0.8 * std::tanh(0.8), 1e-6);
  EXPECT_EQ(Tape::dump(),
            "  0: mul(a[], b[]) -> d[]\n"
            "  1: add(d[], c[]) -> e[]\n"
            "  2: tanh(a[]) -> t[]\n"
            "  3: mul(e[], t[]) -> f[]\n");
  Tape::current().clear();
}

TEST(Lesson00, GradcheckPasses) {
  EXPECT_NEAR(derivada_numerica_en_a(1e-4), gradiente_a_mano(kA, kB, kC).a, 1e-6);
  for (uint64_t seed : {1, 2, 3}) {
    const GradcheckResult e = comprobar_expresion(seed), m = comprobar_matmul(seed);
    EXPECT_TRUE(e.ok) << e.report;
    EXPECT_TRUE(m.ok) << m.report;
    EXPECT_LT(e.max_error, 1e-2);
    EXPECT_LT(m.max_error, 1e-2);
  }
}

TEST(Lesson00, LineFitRecoversSlopeAndInterceptAndReachesLeastSquares) {
  const AjusteRecta r = ajustar_recta(config_recta(quick()));
  EXPECT_NEAR(r.w, 2.0, 0.05);
  EXPECT_NEAR(r.b, 1.0, 0.05);
  EXPECT_NEAR(r.w, r.w_exacto, 1e-3);  // "gradient descent reached it"
  EXPECT_NEAR(r.b, r.b_exacto, 1e-3);
  ASSERT_EQ(r.perdidas.size(), 40u);
  EXPECT_LT(r.perdidas.back(), r.perdidas.front() / 100);
  EXPECT_LT(r.perdidas.back(), 0.02);  // about the noise variance, 0.1² = 0.01
}

TEST(Lesson00, LineFitDivergesAboveTheMaximumLearningRate) {
  // Exercise 1: with x in [−2, 2] the largest curvature is about 2·E[x²] = 8/3, so lr = 0.8 diverges.
  ConfigRecta cfg = config_recta(quick());
  cfg.lr = 0.8f;
  const AjusteRecta r = ajustar_recta(cfg);
  EXPECT_GT(r.perdidas.back(), r.perdidas.front() * 100);
}

TEST(Lesson00, MlpLearnsSine) {
  const AjusteMlp r = entrenar_mlp(config_mlp(quick()));
  ASSERT_EQ(r.perdidas.size(), 600u);
  EXPECT_LT(r.perdidas.back(), 0.02);
  EXPECT_LT(r.perdidas.back(), r.perdidas.front() / 10);
  // The prediction follows sin(x) everywhere on [−3, 3].
  ASSERT_EQ(r.prediccion.shape(), (Shape{64, 1}));
  EXPECT_LT(max_abs_diff(r.prediccion, r.y), 0.35);
  EXPECT_NEAR(r.x[0], -3, 1e-6);
  EXPECT_NEAR(r.x[63], 3, 1e-5);
}

// The whole lesson in quick mode: the printed claims and the figures.
TEST(Lesson00, QuickRunPrintsTheClaimsAndWritesTheFigures) {
  namespace fs = std::filesystem;
  for (Lang lang : {Lang::es, Lang::en}) {
    LessonOptions o = quick();
    o.lang = lang;
    o.out_dir = (fs::temp_directory_path() / "atn_test_lesson00").string();
    fs::remove_all(o.out_dir);
    std::ostringstream out;
    Narrator n(o, out);
    run(n);
    n.finish();
    const std::string text = out.str();
    const bool es = lang == Lang::es;
    for (const char* claim :
         {"shape=[3, 4]", "atn::Error: add: shapes do not broadcast: [3] and [4]", "  3: mul(e[], t[]) -> f[]",
          es ? "Coinciden" : "They agree", es ? "bien, error máximo" : "ok, max error",
          es ? "llegó a ella" : "reached it", es ? "La pérdida bajó" : "The loss went down", es ? "Resumen" : "Summary",
          es ? "Ejercicios" : "Exercises", es ? "Figuras escritas:" : "Figures written:"})
      EXPECT_NE(text.find(claim), std::string::npos) << claim;
    for (const char* wrong : {"FALLA", "FAILS", "NO llegó", "did NOT", "subió", "went up"})
      EXPECT_EQ(text.find(wrong), std::string::npos) << wrong;
    // Step 1: writing into the view b changed a.
    EXPECT_NE(text.find("[[100.0, 2.0, 3.0]"), std::string::npos);
    ASSERT_EQ(n.figures().size(), 4u);
    for (const std::string& f : n.figures()) EXPECT_TRUE(fs::exists(f)) << f;
    fs::remove_all(o.out_dir);
  }
}

}  // namespace
}  // namespace lesson00
