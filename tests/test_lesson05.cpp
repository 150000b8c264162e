// Lesson 05: every result the lesson prints is checked here by running the lesson's own functions
// in quick mode (the lesson file is included with its main() switched off), over several seeds
// where the text states a claim about the numbers.
#include <gtest/gtest.h>

#define ATN_LESSON_NO_MAIN
#include "lessons/lesson05_suma_y_normalizacion.cpp"
#include "autograd/gradcheck.h"
#include "tensor/thread_pool.h"
#include "tests/lesson_test_util.h"
#include "tests/test_util.h"

namespace lesson05 {
namespace {

using namespace atn::testing_util;

TEST(Lesson05, ResidualKeepsTheGradientWhilePlainLayersVanish) {
  for (uint64_t seed = 1; seed <= 5; ++seed) {
    const ConfigProfundidad cfg = config_profundidad(quick_lesson_options(seed));
    ASSERT_EQ(cfg.capas, 20);
    const Gradientes g = medir_gradientes(cfg);
    ASSERT_EQ(g.sin_residual.size(), 21u);
    // The same gradient on top (the same r), then the claims of step 1: "sí se desvanece".
    EXPECT_EQ(g.sin_residual[20], g.con_residual[20]);
    EXPECT_LT(g.sin_residual[0] / g.sin_residual[20], 1e-3) << "seed " << seed;
    EXPECT_GT(g.con_residual[0] / g.con_residual[20], 0.5) << "seed " << seed;
    for (size_t l = 0; l < 20; ++l) EXPECT_GT(g.con_residual[l], 0.5 * g.con_residual[20]);
  }
}

TEST(Lesson05, ExerciseReluStillVanishesWithoutResidualAndGrowsWithIt) {
  for (uint64_t seed = 1; seed <= 3; ++seed) {
    ConfigProfundidad cfg = config_profundidad(quick_lesson_options(seed));
    const Gradientes t = medir_gradientes(cfg);
    cfg.activacion = Activacion::relu;
    const Gradientes r = medir_gradientes(cfg);
    EXPECT_LT(r.sin_residual[0] / r.sin_residual[20], 1e-3) << "seed " << seed;
    for (size_t l = 0; l < 20; ++l) EXPECT_GT(r.con_residual[l], r.con_residual[l + 1]) << "seed " << seed;
    EXPECT_GT(r.con_residual[0] / r.con_residual[20], t.con_residual[0] / t.con_residual[20]) << "seed " << seed;
  }
}

TEST(Lesson05, ExerciseFullModeFiftyLayersDropBelowOneInTenBillion) {
  for (uint64_t seed = 1; seed <= 3; ++seed) {
    LessonOptions o = quick_lesson_options(seed);
    o.mode = RunMode::full;
    const ConfigProfundidad cfg = config_profundidad(o);
    ASSERT_EQ(cfg.capas, 50);
    const Gradientes g = medir_gradientes(cfg);
    EXPECT_LT(g.sin_residual[0], 1e-10) << "seed " << seed;
    EXPECT_GT(g.con_residual[0], 1) << "seed " << seed;
  }
}

TEST(Lesson05, EachNormalizationNormalizesItsAxis) {
  for (uint64_t seed = 1; seed <= 5; ++seed) {
    const Normalizaciones r = normalizar(seed);
    const Momentos bn = momentos(r.batch, 0), ln = momentos(r.layer, 1), rms = momentos(r.rms, 1);
    EXPECT_LT(mayor_abs(bn.media), 1e-5f);
    EXPECT_LT(mayor_abs(bn.desviacion, 1), 1e-3f);  // ε = 1e-5 makes it a bit under 1
    EXPECT_LT(mayor_abs(ln.media), 1e-5f);
    EXPECT_LT(mayor_abs(ln.desviacion, 1), 1e-3f);
    EXPECT_LT(mayor_abs(rms.rms, 1), 1e-3f);
    // The other axis is not normalized: BatchNorm's rows and LayerNorm's columns are not centred.
    EXPECT_GT(mayor_abs(momentos(r.batch, 1).media), 0.05f);
    EXPECT_GT(mayor_abs(momentos(r.layer, 0).media), 0.05f);
    // "RMSNorm ... no las centra" for the seeds a class will try.
    EXPECT_GT(mayor_abs(rms.media), 0.05f) << "seed " << seed;
    // Example 0's output depends on the rest of the batch with BatchNorm only.
    EXPECT_GT(r.cambio_batch, 0.05f);
    EXPECT_EQ(r.cambio_layer, 0);
  }
}

TEST(Lesson05, CourseLayerNormIsTheStandardTimesSqrtOfCMinusOneOverC) {
  for (uint64_t seed = 1; seed <= 3; ++seed) {
    real previous = INFINITY;
    for (int64_t c : kRasgos) {
      const ComparacionLayerNorm r = comparar_layernorm(c, seed);
      EXPECT_NEAR(r.razon, r.prediccion, 1e-4f) << "C = " << c;
      EXPECT_GT(r.diferencia, 0);
      EXPECT_LT(r.diferencia, previous);  // smaller with more features
      previous = r.diferencia;
    }
  }
  // Exercise: with ε = 0.1 the ratio no longer matches.
  for (int64_t c : kRasgos) {
    const ComparacionLayerNorm r = comparar_layernorm(c, 1, 0.1f);
    EXPECT_GT(std::fabs(r.razon - r.prediccion), 1e-3f) << "C = " << c;
  }
}

TEST(Lesson05, AlmostConstantRowSeparatesTheTwoVariants) {
  for (uint64_t seed = 1; seed <= 5; ++seed) {
    const FilaCasiConstante normal = fila_casi_constante(1, seed), casi = fila_casi_constante(1e-3f, seed);
    EXPECT_NEAR(normal.desviacion_estandar, 1, 1e-3);
    EXPECT_NEAR(normal.desviacion_curso, std::sqrt(15.0 / 16), 1e-3);
    EXPECT_LT(casi.desviacion_estandar, 0.6f) << "seed " << seed;
    EXPECT_GT(casi.desviacion_curso, 0.9f) << "seed " << seed;
  }
}

TEST(Lesson05, LessGradientReachesTheBottomWithPostNormAndPreNormStreamGrows) {
  for (RunMode mode : {RunMode::quick, RunMode::normal}) {
    for (uint64_t seed = 1; seed <= 4; ++seed) {
      LessonOptions o = quick_lesson_options(seed);
      o.mode = mode;
      const ConfigPila cfg = config_pila(o);
      const Pila post = medir_pila(cfg, Orden::post), pre = medir_pila(cfg, Orden::pre);
      ASSERT_EQ(post.gradiente.size(), size_t(cfg.capas) + 1);
      const double razon_post = post.gradiente.front() / post.gradiente.back();
      const double razon_pre = pre.gradiente.front() / pre.gradiente.back();
      EXPECT_GT(razon_pre, razon_post) << "seed " << seed << " layers " << cfg.capas;
      for (size_t l = 1; l < post.rms.size(); ++l) EXPECT_NEAR(post.rms[l], 1, 1e-3);
      EXPECT_GT(pre.rms.back(), pre.rms.front() * 1.2);  // "su RMS crece con la profundidad"
    }
  }
}

TEST(Lesson05, ParallelBlockFusesTheInputMatmulsAndHasOneLayerNormFewer) {
  const Paralelo r = bloque_paralelo(1);
  EXPECT_EQ(r.parametros_pre - r.parametros_paralelo, 2 * r.d);
  EXPECT_LT(r.diferencia_fusionada, 1e-5f);
  // The parallel block really is x + attention(LN(x)) + FFN(LN(x)).
  Rng rng(3);
  Bloque b(8, 2, Orden::paralelo, rng);
  const Tensor x = Tensor::randn({1, 3, 8}, rng);
  NoGrad no_grad;
  const Var ln = b.ln1(constant(x));
  const Tensor expected = x + b.atencion.forward(ln).output.value() + b.ffn(ln).value();
  EXPECT_LT(max_abs_diff(b(constant(x)).value(), expected), 1e-6f);
}

TEST(Lesson05, BlockGradcheckInEveryOrder) {
  for (Orden orden : {Orden::post, Orden::pre, Orden::paralelo}) {
    Rng rng(5);
    Bloque b(4, 2, orden, rng);
    std::vector<Var> inputs = {param(Tensor::randn({1, 3, 4}, rng))};
    for (const Var& p : b.parameters()) inputs.push_back(p);
    const GradcheckResult r = gradcheck([&b](const std::vector<Var>& v) { return b(v[0]); }, inputs);
    EXPECT_TRUE(r.ok) << nombre(orden) << "\n" << r.report;
  }
}

TEST(Lesson05, SameResultsWithOneOrTwoThreads) {
  const KeepThreadCount keep;
  Pila pilas[2];
  Gradientes grads[2];
  for (int threads : {1, 2}) {
    set_num_threads(threads);
    pilas[threads - 1] = medir_pila(config_pila(quick_lesson_options()), Orden::post);
    grads[threads - 1] = medir_gradientes(config_profundidad(quick_lesson_options()));
  }
  EXPECT_EQ(pilas[0].gradiente, pilas[1].gradiente);
  EXPECT_EQ(pilas[0].rms, pilas[1].rms);
  EXPECT_EQ(grads[0].sin_residual, grads[1].sin_residual);
  EXPECT_EQ(grads[0].con_residual, grads[1].con_residual);
}

// The whole lesson in quick mode, in both languages: the printed claims and the figures.
TEST(Lesson05, QuickRunPrintsTheClaimsAndWritesWellFormedFigures) {
  for (Lang lang : {Lang::es, Lang::en}) {
    const LessonRun r = run_lesson_quick("lesson05", lang, [](Narrator& n) { run(n); });
    const bool es = lang == Lang::es;
    for (const char* claim :
         {es ? "sí se desvanece" : "it does vanish", es ? "no las centra" : "does not center them",
          es ? "coincide con" : "matches", es ? "¿Muy distintas? sí" : "Very different? yes",
          es ? "¿Llega más gradiente abajo con pre-norm? sí" : "reach the bottom with pre-norm? yes",
          es ? "Resumen" : "Summary", es ? "Ejercicios" : "Exercises"})
      EXPECT_TRUE(r.has(claim)) << claim;
    const std::string lesson_text = r.text.substr(0, r.text.find(es ? "Figuras escritas" : "Figures written"));
    for (const char* wrong : {"no coincide", "does not match", "esta vez no", "this time it does not"})
      EXPECT_EQ(r.flat.find(wrong), std::string::npos) << wrong;
    if (!es) {
      // No Spanish sentence in English mode: words that only Spanish text uses.
      for (const char* spanish : {"Paso ", "Resumen", "Ejercicios", " que ", " los ", " las ", " del ", " una ",
                                  "ción", " es ", " capa", "rasgo", "ejemplo", "sí"})
        EXPECT_EQ(lesson_text.find(spanish), std::string::npos) << spanish;
      EXPECT_EQ(spanish_in(lesson_text), "");
    }
    // Every line fits a projector's 80 columns (the figure list holds the test's long temporary paths).
    EXPECT_EQ(line_wider_than(lesson_text, 80), "");
    ASSERT_EQ(r.figures.size(), 6u);
    EXPECT_EQ(bad_figure(r.figures), "");
    for (const std::string& f : r.figures)
      EXPECT_EQ(atn::testing_util::read_text_file(f).rfind("<svg", 0), 0u) << f;
    const std::string gradiente = r.figure_text("gradiente_por_capa.svg");
    for (const char* label : {es ? "Norma del gradiente en cada capa" : "Gradient norm at each layer",
                              es ? "sin residual" : "no residual", es ? "capa l" : "layer l"})
      EXPECT_NE(gradiente.find(label), std::string::npos) << label;
    const std::string lote = r.figure_text("batchnorm.svg");
    for (const char* label : {es ? "rasgo 5" : "feat. 5", es ? "ejemplo 3" : "example 3", "BatchNorm"})
      EXPECT_NE(lote.find(label), std::string::npos) << label;
    const std::string pre_post = r.figure_text("pre_post_gradiente.svg");
    for (const char* label : {"post-norm", "pre-norm", es ? "entrada del bloque l" : "input of block l"})
      EXPECT_NE(pre_post.find(label), std::string::npos) << label;
  }
}

}  // namespace
}  // namespace lesson05
