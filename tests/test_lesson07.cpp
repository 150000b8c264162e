// Lesson 07: every result the lesson prints is checked here by running the lesson's own functions
// in quick mode (the lesson file is included with its main() switched off).
#include <gtest/gtest.h>

#include <filesystem>

#include "tensor/thread_pool.h"
#include "tests/lesson_test_util.h"
#include "tests/test_util.h"

#define ATN_LESSON_NO_MAIN
#include "lessons/lesson07_atencion_enmascarada.cpp"

namespace lesson07 {
namespace {

using namespace atn::testing_util;

LessonOptions quick(uint64_t seed = 1, Lang lang = Lang::es) { return quick_lesson_options(seed, lang); }

TEST(Lesson07, CausalMaskByHandIsLowerTriangularAndEqualsTheLibrary) {
  for (uint64_t seed : {1, 2, 3, 4}) {
    const MascaraAMano m = mascara_a_mano(seed);
    EXPECT_EQ(m.max_arriba, 0) << seed;
    EXPECT_LT(m.peor_suma, 1e-6) << seed;
    EXPECT_LT(m.dif_biblioteca, 1e-6) << seed;
    // The scores themselves were not touched by the masking (the printed S is the real one).
    int64_t no_ceros_arriba = 0;
    for (int64_t i = 0; i < 4; ++i)
      for (int64_t j = i + 1; j < 4; ++j) no_ceros_arriba += m.puntajes.at({i, j}) != 0;
    EXPECT_EQ(no_ceros_arriba, 6);
    // The three wrong ways: rows that lose weight (all but the last), a leak, an empty row 0.
    ASSERT_EQ(m.sumas_despues.size(), 4u);
    for (size_t i = 0; i + 1 < 4; ++i) EXPECT_LT(m.sumas_despues[i], 1 - 1e-4) << seed;
    EXPECT_NEAR(m.sumas_despues[3], 1, 1e-6);
    EXPECT_GT(m.arriba_con_cero, 0.001);
    EXPECT_EQ(m.fila0_sin_diagonal, 0);
  }
}

TEST(Lesson07, DataAreTheNineSentencesShiftedByOne) {
  const Datos d = datos();
  ASSERT_EQ(d.x.shape(), (Shape{9, kT}));
  EXPECT_EQ(vocabulario().size(), size_t(kV));
  EXPECT_EQ(vocabulario()[size_t(kMask)], "[mask]");
  for (int64_t s = 0; s < 9; ++s) {
    EXPECT_EQ(d.x.at({s, 0}), kBos);
    for (int64_t i = 0; i + 1 < d.largos[size_t(s)]; ++i) EXPECT_EQ(d.y.at({s, i}), d.x.at({s, i + 1}));
    EXPECT_EQ(d.y.at({s, d.largos[size_t(s)] - 1}), kEos);
  }
  // Masking for BERT covers exactly one word per sentence and leaves the data untouched.
  Rng rng(1);
  const Datos m = enmascarar(d, rng);
  for (int64_t s = 0; s < 9; ++s) {
    int64_t tapadas = 0, objetivos = 0;
    for (int64_t i = 0; i < kT; ++i) {
      tapadas += m.x.at({s, i}) == kMask, objetivos += m.y.at({s, i}) != -100;
      EXPECT_NE(d.x.at({s, i}), kMask);
      if (m.y.at({s, i}) != -100) {
        EXPECT_EQ(m.y.at({s, i}), d.x.at({s, i}));
      }
    }
    EXPECT_EQ(tapadas, 1);
    EXPECT_EQ(objetivos, 1);
  }
  EXPECT_THROW(id_de("gatito"), Error);
}

// The acceptance items: "[bos]" → "el"/"un", lower-triangular heads, causality, and the BERT
// model filling [mask] with "come", for several seeds in quick mode.
TEST(Lesson07, MaskedModelLearnsTheProbeAndBertFillsTheGap) {
  for (uint64_t seed : {1, 2, 3}) {
    const ConfigEntrenamiento cfg = config_entrenamiento(quick(seed));
    Entrenado gpt = entrenar(cfg, true, false), bert = entrenar(cfg, false, true);
    EXPECT_LT(gpt.perdidas.back(), 0.6 * gpt.perdidas.front()) << seed;
    const int64_t top = mas_probable(siguiente(*gpt.modelo, "[bos]"));
    EXPECT_TRUE(top == id_de("el") || top == id_de("un")) << seed << " got " << vocabulario()[size_t(top)];
    for (const Tensor& a : pesos_por_cabeza(*gpt.modelo, kSonda)) {
      ASSERT_EQ(a.shape(), (Shape{4, 4}));
      const Triangular r = revisar(a);
      EXPECT_EQ(r.max_arriba, 0);
      EXPECT_EQ(r.no_ceros_arriba, 0);
      EXPECT_LT(r.peor_suma, 1e-5);
    }
    const Causalidad con = causalidad(*gpt.modelo, kFrase), sin = causalidad(*bert.modelo, kFrase);
    EXPECT_EQ(con.maximo, 0) << seed;
    for (size_t i = 0; i + 1 < sin.cambio.size(); ++i) EXPECT_GT(sin.cambio[i], 1e-4) << seed << " " << i;
    // Exercise 4: another sentence, same result.
    EXPECT_EQ(causalidad(*gpt.modelo, "[bos] un muchacho jugaba con la cuerda").maximo, 0);
    const Comparacion c = comparar(gpt, bert);
    EXPECT_TRUE(c.es_del_corpus) << seed;
    EXPECT_EQ(c.relleno, "come") << seed;
    EXPECT_GT(c.bert_pesos.no_ceros_arriba, 0);
  }
}

// Exercise 2: next-word training without the mask gets a much lower loss by copying the future,
// and is no longer causal.
TEST(Lesson07, UnmaskedNextWordModelLearnsToCopyTheFuture) {
  const ConfigEntrenamiento cfg = config_entrenamiento(quick());
  Entrenado gpt = entrenar(cfg, true, false), trampa = entrenar(cfg, false, false);
  EXPECT_LT(trampa.perdidas.back(), 0.5 * gpt.perdidas.back());
  EXPECT_GT(causalidad(*trampa.modelo, kFrase).maximo, 1e-3);
  int64_t arriba = 0;
  for (const Tensor& a : pesos_por_cabeza(*trampa.modelo, kSonda)) arriba += revisar(a).no_ceros_arriba;
  EXPECT_GT(arriba, 0);
}

std::string run_text(const LessonOptions& o) {
  std::ostringstream out;
  Narrator n(o, out);
  run(n);
  n.finish();
  return out.str();
}

TEST(Lesson07, SameOutputWithOneOrTwoThreads) {
  const KeepThreadCount keep;
  LessonOptions o = quick();
  o.out_dir = (std::filesystem::temp_directory_path() / "atn_test_lesson07_threads").string();
  set_num_threads(1);
  const std::string uno = run_text(o);
  set_num_threads(2);
  const std::string dos = run_text(o);
  EXPECT_EQ(uno, dos);
  std::filesystem::remove_all(o.out_dir);
}

// The whole lesson in quick mode, in both languages: the printed claims, the figures, and no
// Spanish in the English text.
TEST(Lesson07, QuickRunPrintsTheClaimsAndWritesTheFigures) {
  for (Lang lang : {Lang::es, Lang::en}) {
    const LessonRun r = run_lesson_quick("lesson07", lang, [](Narrator& n) { run(n); });
    const bool es = lang == Lang::es;
    for (const char* claim : {es ? "(¿exactamente 0? sí)" : "(exactly 0? yes)", es ? "oraciones? sí." : "sentences? yes.",
                              es ? "exactamente 0? sí." : "exactly 0? yes.", es ? "¿la salida i es la misma? sí."
                                                                                 : "is output i the same? yes.",
                              es ? "¿Es «come»? sí." : "Is it \"come\"? yes.", es ? "Resumen" : "Summary",
                              es ? "Ejercicios" : "Exercises", "0.00e+00"})
      EXPECT_TRUE(r.has(claim)) << claim;
    for (const char* wrong : {"? no", "? no."}) EXPECT_EQ(r.flat.find(wrong), std::string::npos) << wrong;
    EXPECT_EQ(line_wider_than(r.text, 80), "");
    // The course's words are data (tokens); everything else must be English.
    if (!es) {
      EXPECT_EQ(spanish_outside_tokens(r.text, vocabulario()), "");
    }
    ASSERT_EQ(r.figures.size(), 7u);
    EXPECT_EQ(bad_figure(r.figures), "");
    for (const char* archivo : {"gpt_cabeza_1.svg", "gpt_cabeza_2.svg", "bert_cabeza_1.svg"}) {
      const std::string svg = r.figure_text(archivo);
      for (const std::string token : {"[bos]", "un", "gato", "come"})
        EXPECT_NE(svg.find(">" + token + "<"), std::string::npos) << archivo << " " << token;
      EXPECT_NE(svg.find(es ? "token j (clave)" : "token j (key)"), std::string::npos);
    }
    EXPECT_NE(r.figure_text("mascara_causal.svg").find(es ? "token i (pregunta)" : "token i (query)"),
              std::string::npos);
    EXPECT_NE(r.figure_text("siguiente_palabra.svg").find(es ? "probabilidad" : "probability"), std::string::npos);
    EXPECT_NE(r.figure_text("perdidas.svg").find(es ? "época" : "epoch"), std::string::npos);
  }
}

}  // namespace
}  // namespace lesson07
