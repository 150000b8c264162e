// Lesson 02: every result the lesson prints is checked here by running the lesson's own functions
// in quick mode (the lesson file is included with its main() switched off).
#include <gtest/gtest.h>

#include "tensor/thread_pool.h"
#include "tests/lesson_test_util.h"
#include "tests/test_util.h"

#define ATN_LESSON_NO_MAIN
#include "lessons/lesson02_auto_atencion.cpp"

namespace lesson02 {
namespace {

using namespace atn::testing_util;

TEST(Lesson02, OneTokenByHandEqualsTheModule) {
  for (uint64_t seed : {1, 2, 3}) {
    const Ejemplo e = ejemplo(seed);
    const Tensor a = pesos_del_modulo(e);
    for (int64_t i = 0; i < 5; ++i) {
      const FilaAMano f = fila_a_mano(e, i);
      EXPECT_LT(diferencia_fila(f, a, i), 1e-5) << "seed " << seed << " row " << i;
      double s = 0;
      for (double w : f.pesos) s += w;
      EXPECT_NEAR(s, 1, 1e-12);
    }
  }
}

TEST(Lesson02, BilinearFormGivesTheScoresAndTheNotebookOrderDoesNot) {
  for (uint64_t seed : {1, 2, 3}) {
    const Bilineal b = forma_bilineal(ejemplo(seed));
    ASSERT_EQ(b.w.shape(), (Shape{kD, kD}));
    EXPECT_LT(b.dif_bilineal, 1e-4);
    EXPECT_GT(b.asimetria, 0.01);       // W is not symmetric...
    EXPECT_GT(b.dif_traspuesta, 0.01);  // ...so W_kᵀ W_q (the transpose) gives other weights
  }
  // Exercise 4: with the notebook's W = W_kᵀ W_q, X W Xᵀ is K Qᵀ, not Q Kᵀ.
  const Ejemplo e = ejemplo(1);
  const Proyecciones p = proyectar(e);
  const Tensor w_cuaderno = matmul(e.atencion->wk.weight.value(), e.atencion->wq.weight.value(), true, false);
  EXPECT_GT(max_abs_diff(matmul(matmul(e.x, w_cuaderno), e.x, false, true), matmul(p.q, p.k, false, true)), 0.05);
  EXPECT_LT(max_abs_diff(matmul(matmul(e.x, w_cuaderno), e.x, false, true), matmul(p.k, p.q, false, true)), 1e-4);
}

TEST(Lesson02, ConvexHullAndInsideTest) {
  const std::vector<Punto> cuadrado = envolvente_convexa({{0, 0}, {1, 0}, {1, 1}, {0, 1}, {0.5, 0.5}, {0.2, 0.7}});
  ASSERT_EQ(cuadrado.size(), 4u);  // the interior points are not vertices
  for (size_t i = 0; i < 4; ++i) EXPECT_GT(giro(cuadrado[i], cuadrado[(i + 1) % 4], cuadrado[(i + 2) % 4]), 0);  // CCW
  EXPECT_TRUE(dentro_de(cuadrado, {0.3, 0.9}));
  EXPECT_TRUE(dentro_de(cuadrado, {1, 0.5}));  // on an edge
  EXPECT_FALSE(dentro_de(cuadrado, {1.01, 0.5}));
  EXPECT_FALSE(dentro_de(cuadrado, {-0.1, -0.1}));
}

// Exercise 1 too: for seeds 1 to 10, rows sum to 1, weights are positive, outputs are inside.
TEST(Lesson02, RowsSumToOneAndOutputsStayInsideTheHull) {
  for (uint64_t seed = 1; seed <= 10; ++seed) {
    const Convexa c = combinacion_convexa(ejemplo(seed));
    ASSERT_EQ(c.sumas.size(), 5u);
    for (double s : c.sumas) EXPECT_NEAR(s, 1, 1e-5) << "seed " << seed;
    EXPECT_GT(c.peso_minimo, 0) << "seed " << seed;
    EXPECT_TRUE(todas_dentro(c)) << "seed " << seed;
    EXPECT_GE(c.envolvente.size(), 3u);
    // Each output is Σ_j α_ij v_j (the module's H against A·V by hand).
    EXPECT_LT(max_abs_diff(c.h, matmul(c.a, c.v)), 1e-5);
  }
  // "The wrong way": the counts printed, recounted from the raw scores e_ij = q_i·k_j/√d_k.
  const Ejemplo e = ejemplo(1);
  const Proyecciones p = proyectar(e);
  const Tensor e_ij = matmul(p.q, p.k, false, true);
  int negativos = 0, no_suman_1 = 0;
  for (int64_t i = 0; i < 5; ++i) {
    double s = 0;
    for (int64_t j = 0; j < 5; ++j) s += e_ij.at({i, j}) / 2, negativos += e_ij.at({i, j}) < 0;  // √d_k = 2
    no_suman_1 += std::fabs(s - 1) > 1e-3;
  }
  const Convexa c = combinacion_convexa(e);
  EXPECT_EQ(c.puntajes_negativos, negativos);
  EXPECT_EQ(c.filas_que_no_suman_1, no_suman_1);
  EXPECT_GT(negativos, 0);
  EXPECT_GT(no_suman_1, 0);
  EXPECT_GT(c.fuera_sin_softmax, 0);
}

TEST(Lesson02, MatrixFormEqualsTheModule) {
  for (uint64_t seed : {1, 2}) {
    const Matricial m = forma_matricial(ejemplo(seed));
    EXPECT_LT(m.dif_h, 1e-5);
    EXPECT_LT(m.dif_a, 1e-5);
    EXPECT_EQ(m.a.shape(), (Shape{5, 5}));
  }
}

TEST(Lesson02, SquareRootArgumentHoldsForSeveralSeeds) {
  for (uint64_t seed : {1, 2, 3}) {
    const ConfigRaiz cfg = config_raiz(quick_lesson_options(seed));
    const std::vector<MedidaRaiz> r = medir_raiz(cfg);
    ASSERT_EQ(r.size(), cfg.dimensiones.size());
    const ConclusionRaiz c = concluir(r);
    EXPECT_TRUE(c.varianza_crece_como_d) << seed;
    EXPECT_TRUE(c.varianza_escalada_cerca_de_1) << seed;
    EXPECT_TRUE(c.satura_sin_escala) << seed;
    EXPECT_TRUE(c.no_satura_con_escala) << seed;
    // Saturation kills the softmax Jacobian: at d = 512 it is a small fraction of the scaled one.
    EXPECT_LT(r.back().gradiente_sin, 0.5 * r.back().gradiente_con);
  }
  // The normal mode (what `make lesson02` prints) too.
  EXPECT_TRUE(concluir(medir_raiz(config_raiz(LessonOptions{}))).satura_sin_escala);
}

TEST(Lesson02, ExercisesOnTheScaleHold) {
  // Exercise 2: scaling by 1/d_k makes the softmax uniform: max weight → 1/8 at d_k = 512.
  ConfigRaiz cfg = config_raiz(quick_lesson_options());
  cfg.dividir_entre_d = true;
  std::vector<MedidaRaiz> r = medir_raiz(cfg);
  EXPECT_LT(r.back().max_con, 0.15);
  EXPECT_GT(r.back().max_con, 0.125);
  EXPECT_NEAR(r.back().var_con * 512, 1, 0.2);  // variance d_k / d_k² = 1/d_k
  // Exercise 3: 64 keys: the scaled max weight is about 0.1 at every d_k; unscaled still saturates.
  cfg = config_raiz(quick_lesson_options());
  cfg.claves = 64;
  r = medir_raiz(cfg);
  for (const MedidaRaiz& m : r) {
    EXPECT_GT(m.max_con, 0.05) << m.d;
    EXPECT_LT(m.max_con, 0.16) << m.d;
  }
  EXPECT_GT(r.back().max_sin, 0.9);
}

TEST(Lesson02, ModuleReturnsHAndAForOneSentenceOrABatch) {
  const Modulo m = usar_modulo(1);
  EXPECT_EQ(m.parametros, 3 * kD * kD);
  EXPECT_EQ(m.nombres, (std::vector<std::string>{"wq.weight", "wk.weight", "wv.weight"}));
  EXPECT_EQ(m.forma_h, (Shape{2, 5, kD}));
  EXPECT_EQ(m.forma_a, (Shape{2, 5, 5}));
  EXPECT_LT(m.dif_lote, 1e-6);
}

TEST(Lesson02, SameOutputWithOneOrTwoThreads) {
  const KeepThreadCount keep;
  set_num_threads(1);
  const std::string uno = run_lesson_quick("lesson02_threads", Lang::es, [](Narrator& n) { run(n); }).text;
  set_num_threads(2);
  const std::string dos = run_lesson_quick("lesson02_threads", Lang::es, [](Narrator& n) { run(n); }).text;
  EXPECT_EQ(uno, dos);
}

// The whole lesson in quick mode, in both languages: the printed claims, the figures, and no
// Spanish in the English text.
TEST(Lesson02, QuickRunPrintsTheClaimsAndWritesTheFigures) {
  for (Lang lang : {Lang::es, Lang::en}) {
    const LessonRun r = run_lesson_quick("lesson02", lang, [](Narrator& n) { run(n); });
    const bool es = lang == Lang::es;
    for (const char* claim :
         {es ? "coinciden" : "they agree", es ? "son la misma matriz de puntajes" : "they are the same score matrix",
          "1.000000", es ? "las 5 salidas están dentro" : "all 5 outputs are inside", es ? "iguales" : "equal",
          es ? "Resumen" : "Summary", es ? "Ejercicios" : "Exercises", "A [2, 5, 5]"})
      EXPECT_TRUE(r.has(claim)) << claim;
    for (const char* wrong : {"NO ", "NOT ", "FUERA", "OUTSIDE", ": no)", ": no,"})
      EXPECT_EQ(r.flat.find(wrong), std::string::npos) << wrong;
    // At 80 columns no line is longer than the terminal.
    EXPECT_EQ(line_wider_than(r.text, 80), "");
    if (!es) {
      // The sentence is data (the tokens of the example); everything else must be English.
      std::string sin_datos = r.text;
      for (size_t at; (at = sin_datos.find("el perro come un hueso")) != std::string::npos;) sin_datos.erase(at, 22);
      EXPECT_EQ(spanish_outside_tokens(sin_datos, kOracion), "");
    }
    ASSERT_EQ(r.figures.size(), 4u);
    EXPECT_EQ(bad_figure(r.figures), "");
    const std::string hull = r.figure_text("envolvente_convexa.svg");
    EXPECT_NE(hull.find(es ? "envolvente convexa de los v_j" : "convex hull of the v_j"), std::string::npos);
    const std::string pesos = r.figure_text("pesos_de_atencion.svg");
    for (const std::string& token : kOracion) EXPECT_NE(pesos.find(">" + token + "<"), std::string::npos) << token;
    EXPECT_NE(pesos.find(es ? "token j (clave)" : "token j (key)"), std::string::npos);
    EXPECT_NE(r.figure_text("varianza_de_qk.svg").find("log₂ d_k"), std::string::npos);
    EXPECT_NE(r.figure_text("saturacion_softmax.svg").find(es ? "peso máx., q·k" : "max weight, q·k"),
              std::string::npos);
  }
}

}  // namespace
}  // namespace lesson02
