// Lesson 14: every result the lesson prints is checked here on the lesson's own functions in quick
// mode (the lesson file is included with its main() switched off): the mask by hand against the
// library, the student's mistakes, and the trained models (spans learned, fewer pairs computed than
// the fixed span, the loss close to it, longer spans without the span loss), plus a whole run in
// both languages (claims, figures and the layers × heads grid, English free of Spanish) and the same
// numbers on 1 and 2 threads.
#include <gtest/gtest.h>

#include "tensor/thread_pool.h"
#include "tests/lesson_test_util.h"
#include "tests/test_util.h"

#define ATN_LESSON_NO_MAIN
#include "lessons/lesson14_span_adaptativo.cpp"

namespace lesson14 {
namespace {

using namespace atn::testing_util;

TEST(Lesson14, MaskByHandIsTheLibrarysMask) {
  EXPECT_LT(diferencia_con_la_biblioteca(), 1e-6);
  EXPECT_EQ(mascara(2.5, 4, 0), 1);
  EXPECT_EQ(mascara(2.5, 4, 2.5), 1);
  EXPECT_DOUBLE_EQ(mascara(2.5, 4, 4), 0.625);  // (4 + 2.5 − 4)/4
  EXPECT_EQ(mascara(2.5, 4, 6.5), 0);
  EXPECT_EQ(mascara(2.5, 4, 9), 0);
}

TEST(Lesson14, StudentMaskDependsOnThePositionAndItsAverageFallsWithNothingLearned) {
  const Tensor m = mascara_del_estudiante(4, 12);
  EXPECT_TRUE(depende_de_la_posicion(m));
  // The exercise's fix (distance i − j, R = 4) depends on the distance only.
  Tensor ours = Tensor::zeros({12, 12});
  for (int64_t i = 0; i < 12; ++i)
    for (int64_t j = 0; j <= i; ++j) ours[i * 12 + j] = real(mascara(4, 4, double(i - j)));
  EXPECT_FALSE(depende_de_la_posicion(ours));
  // An early query weighs its own token by less than 1; with R = T no key in the window is 0.
  EXPECT_LT(m[0], 0.5f);
  for (int64_t i = 0; i < 12; ++i)
    for (int64_t j = 0; j <= i; ++j) EXPECT_GT(m[i * 12 + j], 0);
  const std::vector<real> col = promedio_por_columna_uniforme(kBloque);
  EXPECT_TRUE(estrictamente_decreciente(col));
  double total = 0;
  for (real v : col) total += v;
  EXPECT_NEAR(total, 1.0, 1e-5);  // every row sums to 1, so the T column means sum to 1
}

// The three trainings of steps 3–5, once for all the tests below (quick mode, seed 1).
const Experimento& quick_experiment() {
  static const Experimento e = experimento(quick_lesson_options());
  return e;
}

TEST(Lesson14, AdaptiveSpanLearnsShortSpansAndReadsFewerKeys) {
  const Experimento& e = quick_experiment();
  // The fixed model kept c = 1 (no gradient reaches it) and reads the whole causal matrix.
  for (real z : e.fijo.spans.back()) EXPECT_EQ(z, real(kBloque));
  EXPECT_EQ(e.fijo.claves, e.claves_causal);
  for (const auto* c : {&e.adaptativo, &e.sin_perdida})
    for (real z : c->spans.back()) {
      EXPECT_GE(z, 0);
      EXPECT_LE(z, real(kBloque));
    }
  EXPECT_LT(e.adaptativo.claves, e.fijo.claves);
  // Every pair count is what the spans imply: Σ over layers and queries of min(i + 1, W_l).
  EXPECT_LE(e.sin_perdida.claves, e.claves_causal);
  EXPECT_GE(e.adaptativo.claves,
            kCapas * (kBloque * (kBloque + 1) / 2 - (kBloque - kRampa - 1) * (kBloque - kRampa) / 2));
  // The models learned something: below a uniform guess over the alphabet.
  EXPECT_LT(e.adaptativo.perdida_val, std::log(double(datos().tok.vocab_size())));
  EXPECT_EQ(e.adaptativo.pasos.back(), pasos_de(RunMode::quick));
}

size_t count_of(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + what.size())) ++n;
  return n;
}

// The grid's panels, row by row: layer 1's masks (one per head), layer 1's spans, then layer 2's;
// each the run's own numbers, on one shared scale per kind of row.
TEST(Lesson14, GridHasAMaskAndASpanPanelPerLayerAndHead) {
  const Experimento& e = quick_experiment();
  std::ostringstream out;
  Narrator n(quick_lesson_options(), out);
  const svg::PlotGrid g = cuadricula(n, e.adaptativo);
  EXPECT_EQ(g.columns, kCabezas);
  ASSERT_EQ(g.panels.size(), size_t(2 * kCapas * kCabezas));
  for (int64_t l = 0; l < kCapas; ++l)
    for (int64_t h = 0; h < kCabezas; ++h) {
      const std::string nombre = "capa " + std::to_string(l + 1) + " · cab. " + std::to_string(h + 1);
      const svg::Plot& m = g.panels[size_t(2 * l * kCabezas + h)];
      const svg::Plot& z = g.panels[size_t((2 * l + 1) * kCabezas + h)];
      EXPECT_EQ(m.title, nombre + ": m(x)");
      EXPECT_EQ(z.title, nombre + ": z = " + fixed(e.adaptativo.spans_finales[size_t(l)][h], 1));
      ASSERT_EQ(m.series.size(), 1u);
      ASSERT_EQ(m.series[0].y.size(), size_t(kBloque));
      EXPECT_EQ(m.series[0].y[0], e.adaptativo.curvas[size_t(l)][h * kBloque]);
      EXPECT_EQ(m.y_max, real(1));
      ASSERT_EQ(z.series.size(), 1u);
      EXPECT_EQ(z.series[0].x.size(), e.adaptativo.pasos.size());
      EXPECT_EQ(z.series[0].y.back(), e.adaptativo.spans.back()[size_t(l * kCabezas + h)]);
      EXPECT_EQ(z.y_max, real(kBloque));
    }
}

TEST(Lesson14, SameNumbersOnOneAndTwoThreads) {
  const Datos d = datos();
  LessonOptions o = quick_lesson_options(3);
  const KeepThreadCount keep;
  atn::set_num_threads(1);
  const Corrida a = entrenar(d, "a", 0, kLambda, o);
  atn::set_num_threads(2);
  const Corrida b = entrenar(d, "b", 0, kLambda, o);
  EXPECT_EQ(a.perdidas, b.perdidas);
  EXPECT_EQ(a.spans, b.spans);
  EXPECT_EQ(a.perdida_val, b.perdida_val);
}

TEST(Lesson14, QuickRunLearnsPrintsTheClaimsAndWritesTheFigures) {
  for (Lang lang : {Lang::es, Lang::en}) {
    const LessonRun r = run_lesson_quick("lesson14", lang, [](Narrator& n) { run(n); });
    const bool es = lang == Lang::es;
    for (const char* claim :
         {es ? "(max |Δ| = " : "(max |Δ| = ", es ? "pesos distintos de 0? sí." : "nonzero weights? yes.",
          es ? "¿Menos? sí." : "Fewer? yes.", es ? "la distancia i − j? sí." : "the distance i − j? yes.",
          es ? "decreciente? sí." : "decreasing? yes.", es ? "Resumen" : "Summary", es ? "Ejercicios" : "Exercises"})
      EXPECT_TRUE(r.has(claim)) << claim;
    EXPECT_TRUE(r.has(es ? "la biblioteca (max |Δ| = 0.00e+00)? sí"
                         : "library's adaptive_span_mask (max |Δ| = 0.00e+00)? yes") ||
                r.has(es ? ")? sí. El gradiente" : ")? yes. The gradient"));
    for (const char* wrong : {"? no", "? no."}) EXPECT_EQ(r.flat.find(wrong), std::string::npos) << wrong;
    // Part (c) says what the run shows, whichever way it went.
    EXPECT_TRUE(r.has(es ? "(más largo sin la pérdida: " : "(longer without the loss: "));
    EXPECT_EQ(line_wider_than(r.text, 80), "");
    if (!es) {
      EXPECT_EQ(spanish_outside_tokens(r.text, {}), "");
    }
    ASSERT_EQ(r.figures.size(), 4u);
    EXPECT_EQ(bad_figure(r.figures), "");
    // The layers × heads grid: a mask panel and a span panel per head, each labelled.
    const std::string grid = r.figure_text("mascaras_cuadricula.svg");
    EXPECT_EQ(count_of(grid, "<g class=\"panel\""), size_t(2 * kCapas * kCabezas));
    EXPECT_NE(grid.find(es ? ">capa 2 · cab. 4: m(x)<" : ">layer 2 · head 4: m(x)<"), std::string::npos);
    EXPECT_NE(grid.find(es ? ">capa 1 · cab. 1: z = " : ">layer 1 · head 1: z = "), std::string::npos);
    EXPECT_EQ(count_of(grid, es ? ">distancia x<" : ">distance x<"), size_t(kCapas * kCabezas));
    EXPECT_EQ(count_of(grid, es ? ">paso<" : ">step<"), size_t(kCapas * kCabezas));
    EXPECT_NE(r.figure_text("perdidas.svg").find(es ? "span fijo" : "fixed span"), std::string::npos);
  }
}

}  // namespace
}  // namespace lesson14
