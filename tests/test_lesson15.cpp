// Lesson 15: every result the lesson prints is checked here on the lesson's own functions in quick
// mode (the lesson file is included with its main() switched off; the computations and training
// runs it narrates live in lessons/common/: relational_attention_by_hand, dat_experiments):
// relational attention by hand against the library, the symbol retrievers' properties, the
// learning curves (both models learn; the text says which is ahead, whatever the seed), the retriever table,
// the vision comparison, plus a whole narration in both languages (claims, figures, English free
// of Spanish) and the same numbers on 1 and 2 threads.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "lessons/common/dat_experiments.h"
#include "lessons/common/relational_attention_by_hand.h"
#include "tensor/thread_pool.h"
#include "tests/lesson_test_util.h"
#include "tests/test_util.h"

#define ATN_LESSON_NO_MAIN
#include "lessons/lesson15_atencion_relacional.cpp"

namespace lesson15 {
namespace {

using namespace atn::testing_util;

TEST(Lesson15, RelationalAttentionByHandIsTheLibrarys) {
  for (uint64_t seed : {1, 2, 3}) {
    const AMano r = relacional_a_mano(seed);
    EXPECT_LT(r.dif_alfa, 1e-5) << seed;
    EXPECT_LT(r.dif_rel, 1e-4) << seed;
    EXPECT_LT(r.dif_salida, 1e-4) << seed;
    EXPECT_TRUE(r.simetrica_es_simetrica) << seed;
    // α rows sum to 1; R is not symmetric without symmetric_relations (W_k,ℓ ≠ W_q,ℓ).
    bool asymmetric = false;
    for (int64_t i = 0; i < kN; ++i) {
      double row = 0;
      for (int64_t j = 0; j < kN; ++j) {
        row += r.alfa[i * kN + j];
        asymmetric = asymmetric || std::fabs(r.relaciones[i * kN + j] - r.relaciones[j * kN + i]) > 1e-3f;
      }
      EXPECT_NEAR(row, 1.0, 1e-5);
    }
    EXPECT_TRUE(asymmetric) << seed;
  }
}

TEST(Lesson15, SymbolRetrieversBehaveAsTheLessonSays) {
  for (uint64_t seed : {1, 2, 3}) {
    const Simbolos r = simbolos(seed);
    EXPECT_TRUE(r.filas_suman_1);
    EXPECT_TRUE(r.iguales_mismo_simbolo);
    EXPECT_TRUE(r.posicional_ignora_contenido);
    EXPECT_TRUE(r.relativa_recortada);
    EXPECT_EQ(r.forma_relativa, (Shape{2 * kN - 1, kD}));
  }
}

TEST(Lesson15, TheTransformerHasNoFewerParametersThanTheDAT) {
  const int64_t d = ancho_transformer();
  EXPECT_EQ(d % 4, 0);
  EXPECT_GE(parametros(config_dat(DATSymbols::symbolic, 0, d)), parametros(config_dat()));
  EXPECT_LT(parametros(config_dat(DATSymbols::symbolic, 0, d - 4)), parametros(config_dat()));  // the smallest such d
}

TEST(Lesson15, TheVisionImagesHoldTwoSpritesInOneStrip) {
  const auto [train, test] = imagenes_vision(40, 20, 3);
  ASSERT_EQ(train.images.shape(), (Shape{40, 1, kLado, kLado}));
  ASSERT_EQ(test.images.shape(), (Shape{20, 1, kLado, kLado}));
  for (const ImageSplit* s : {&train, &test})
    for (int64_t k = 0; k < s->images.size(0); ++k) {
      int64_t first = kLado, last = -1;
      bool halves_equal = true;
      for (int64_t y = 0; y < kLado; ++y)
        for (int64_t x = 0; x < 8; ++x) {
          const real left = s->images[(k * kLado + y) * kLado + x], right = s->images[(k * kLado + y) * kLado + 8 + x];
          if (left != 0 || right != 0) first = std::min(first, y), last = std::max(last, y);
          halves_equal = halves_equal && left == right;
        }
      EXPECT_LT(last - first, kSpriteGrande) << k;  // both sprites inside one 8-row strip
      EXPECT_EQ(halves_equal, s->labels[k] == 1) << k;  // label 1 ⇔ the same sprite twice
    }
}

// The trainings of steps 3–5, once for all the tests below (quick mode, seed 1).
const Resultados& quick_results() {
  static const Resultados r = experimentos(quick_lesson_options());
  return r;
}

// Which model is ahead at a size is not asserted: with 3 seeds a column won by a few points flips
// with the seed (quick mode, seeds 1–5: DAT ahead at 3, 1, 2, 3 and 1 of the 3 sizes) and with the
// last bit of a kernel's rounding. What must hold is that both models learn the task on unseen
// sprites and that the comparison is fair; the narration test below checks that the text says
// what the numbers say, whichever way they fall.
TEST(Lesson15, BothModelsLearnSameDifferentOnUnseenSpritesWithNoFewerParametersForTheTransformer) {
  const Resultados& r = quick_results();
  const Curvas& c = r.curvas;
  ASSERT_EQ(c.dat.size(), c.tamanos.size());
  ASSERT_EQ(c.transformer.size(), c.tamanos.size());
  // At the largest size both are well above chance (50 %): 73–81 % over seeds 1–5.
  EXPECT_GT(c.dat.back(), 0.65);
  EXPECT_GT(c.transformer.back(), 0.65);
  // More examples help: the largest size beats the smallest for both.
  EXPECT_GT(c.dat.back(), c.dat.front());
  EXPECT_GT(c.transformer.back(), c.transformer.front());
  EXPECT_GE(c.param_transformer, c.param_dat);
  // ejemplos_para gives the first size that reaches the goal, or -1.
  const int64_t need_dat = ejemplos_para(c.tamanos, c.dat, kMeta);
  for (size_t k = 0; k < c.tamanos.size(); ++k) {
    if (c.tamanos[k] < need_dat || need_dat < 0) {
      EXPECT_LT(c.dat[k], kMeta) << c.tamanos[k];
    }
    if (c.tamanos[k] == need_dat) {
      EXPECT_GE(c.dat[k], kMeta);
    }
  }
}

TEST(Lesson15, RetrieversLearnAndTheVisionModelsHaveTheSameSize) {
  const Resultados& r = quick_results();
  ASSERT_EQ(r.recuperadores.exactitud.size(), 3u);
  for (double a : r.recuperadores.exactitud) EXPECT_GT(a, 0.6);  // every retriever beats chance (50 %)
  // The positional row is the DAT of the curves at the middle size.
  EXPECT_EQ(r.recuperadores.exactitud[1], r.curvas.dat[r.curvas.tamanos.size() / 2]);
  // Quick mode trains the vision models only a few steps (the default run separates them); they
  // are of the same size within 10 %.
  EXPECT_NEAR(double(r.vision.param_dat) / double(r.vision.param_vit), 1.0, 0.1);
  for (double a : {r.vision.dat, r.vision.vit}) EXPECT_TRUE(a >= 0 && a <= 1) << a;
}

TEST(Lesson15, SameNumbersOnOneAndTwoThreads) {
  const KeepThreadCount keep;
  const RelationalTask t = tarea(32, 40, 5);
  const Entrenamiento e{.pasos = 10};
  std::vector<double> acc;
  std::vector<std::vector<real>> head;
  for (int threads : {1, 2}) {
    atn::set_num_threads(threads);
    Rng rng(5);
    DATVision dat(config_dat(DATSymbols::relative), rng);
    acc.push_back(entrenar_y_medir(dat, t.train.images, t.train.y, t.test.images, t.test.y, e, 5));
    head.emplace_back(dat.head.weight.value().begin(), dat.head.weight.value().end());
  }
  EXPECT_EQ(acc[0], acc[1]);
  EXPECT_EQ(head[0], head[1]);
}

// Step 3's sentences follow the numbers: the count of sizes where DAT is ahead, whether it reaches
// the goal with fewer examples, and which explanation comes after (the expected one only when DAT
// is ahead at most sizes). Seed 1 and seed 2 (quick mode) fall on different sides of that.
void expect_step3_says_what_the_numbers_say(const Resultados& res, const LessonRun& r, bool es) {
  const Curvas& c = res.curvas;
  const int64_t wins = victorias(c), sizes = int64_t(c.tamanos.size());
  EXPECT_TRUE(r.has(es ? fmt("El DAT va adelante en {} de {} tamaños.", wins, sizes)
                       : fmt("DAT is ahead at {} of {} sizes.", wins, sizes)));
  const int64_t need_dat = ejemplos_para(c.tamanos, c.dat, kMeta), need_t = ejemplos_para(c.tamanos, c.transformer, kMeta);
  const bool fewer = need_dat > 0 && (need_t < 0 || need_dat < need_t);
  EXPECT_TRUE(r.has(es ? (fewer ? "¿El DAT llega con menos? sí." : "¿El DAT llega con menos? no.")
                       : (fewer ? "get there with fewer? yes." : "get there with fewer? no.")));
  const std::string expected = es ? "Es lo esperado." : "That is what we expected.";
  const std::string not_ahead = es ? "Aquí el DAT no quedó adelante" : "Here DAT was not ahead";
  EXPECT_EQ(r.has(expected), 2 * wins > sizes);
  EXPECT_EQ(r.has(not_ahead), 2 * wins <= sizes);
}

TEST(Lesson15, QuickRunLearnsPrintsTheClaimsAndWritesTheFigures) {
  const Resultados& res = quick_results();
  for (Lang lang : {Lang::es, Lang::en}) {
    const LessonRun r = run_lesson_quick("lesson15", lang, [&](Narrator& n) { narrar(n, res); });
    const bool es = lang == Lang::es;
    for (const char* claim :
         {es ? "¿Iguales? sí." : "Equal? yes.", es ? "en las dos relaciones? sí." : "in both relations? yes.",
          es ? "¿Cada fila suma 1? sí." : "Do all rows sum to 1? yes.",
          es ? "reciben el mismo símbolo? sí." : "get the same symbol? yes.",
          es ? "los mismos símbolos? sí." : "the same symbols? yes.", es ? "comparten símbolo? sí." : "share a symbol? yes.",
          es ? "Resumen" : "Summary", es ? "Ejercicios" : "Exercises"})
      EXPECT_TRUE(r.has(claim)) << claim;
    expect_step3_says_what_the_numbers_say(res, r, es);
    EXPECT_TRUE(r.has(es ? "¿Gana el DAT? " : "Does DAT win? "));
    EXPECT_EQ(line_wider_than(r.text, 80), "");
    if (!es) {
      EXPECT_EQ(spanish_outside_tokens(r.text, {}), "");
    }
    ASSERT_EQ(r.figures.size(), 4u);
    EXPECT_NE(r.figure_text("relaciones.svg").find("token j"), std::string::npos);
    EXPECT_NE(r.figure_text("recuperadores.svg").find(es ? "posicional" : "positional"), std::string::npos);
    EXPECT_EQ(bad_figure(r.figures), "");
    const std::string curves = r.figure_text("curvas_de_aprendizaje.svg");
    EXPECT_NE(curves.find(es ? "ejemplos de entrenamiento" : "training examples"), std::string::npos);
    EXPECT_NE(curves.find("Transformer"), std::string::npos);
    EXPECT_NE(r.figure_text("vision_dat_vit.svg").find(es ? "azar" : "chance"), std::string::npos);
  }
}

TEST(Lesson15, Step3OnAnotherSeedStillSaysWhatItsNumbersSay) {
  const Resultados res = experimentos(quick_lesson_options(2));
  for (Lang lang : {Lang::es, Lang::en}) {
    const LessonRun r = run_lesson_quick("lesson15_seed2", lang, [&](Narrator& n) { narrar(n, res); }, 2);
    expect_step3_says_what_the_numbers_say(res, r, lang == Lang::es);
  }
}

}  // namespace
}  // namespace lesson15
