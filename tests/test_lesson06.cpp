// Lesson 06: every result the lesson prints is checked here by running the lesson's own functions
// in quick mode (the lesson file is included with its main() switched off), over several seeds
// where the text states a claim about a trained model. Tests that train and assert on the result
// carry "Learns" in their name (CI's sanitizer pass skips them; they run at -O2).
#include <gtest/gtest.h>

#define ATN_LESSON_NO_MAIN
#include "lessons/lesson06_cabezas_de_atencion.cpp"
#include "autograd/gradcheck.h"
#include "tensor/thread_pool.h"
#include "tests/lesson_test_util.h"
#include "tests/test_util.h"

namespace lesson06 {
namespace {

using namespace atn::testing_util;

// The lesson's own computation in quick mode, trained once per seed and shared by the tests.
const Leccion& quick_lesson(uint64_t seed) {
  static std::map<uint64_t, Leccion> cache;
  auto it = cache.find(seed);
  if (it == cache.end()) it = cache.emplace(seed, calcular(config_modelo(quick_lesson_options(seed)))).first;
  return it->second;
}

// Every row of every head's attention map is a distribution over the tokens.
void expect_rows_are_distributions(const Tensor& pesos) {
  const int64_t t = pesos.size(1);
  for (int64_t h = 0; h < pesos.size(0); ++h)
    for (int64_t i = 0; i < t; ++i) {
      real fila = 0;
      for (int64_t j = 0; j < t; ++j) {
        EXPECT_GE(pesos.at({h, i, j}), 0);
        fila += pesos.at({h, i, j});
      }
      EXPECT_NEAR(fila, 1, 1e-5) << "head " << h << " row " << i;
    }
}

TEST(Lesson06, DataAreTheCourseSentencesShiftedByOne) {
  const Datos d = preparar_datos();
  ASSERT_EQ(d.entradas.shape(), (Shape{9, 7}));
  EXPECT_EQ(d.tok.vocab_size(), 15);
  EXPECT_EQ(d.tok.bos_id(), 0);
  EXPECT_EQ(d.tok.eos_id(), 1);
  int64_t tokens = 0;
  for (int64_t i = 0; i < 9; ++i) {
    EXPECT_EQ(d.entradas.at({i, 0}), 0);  // x = [bos] + sentence
    int64_t t = 0;
    while (t < 7 && d.objetivos.at({i, t}) != kIgnorar) ++t;
    tokens += t;
    EXPECT_EQ(d.objetivos.at({i, t - 1}), 1);  // y = sentence + [eos]
    for (int64_t j = 0; j + 1 < t; ++j) EXPECT_EQ(d.objetivos.at({i, j}), d.entradas.at({i, j + 1}));
    for (int64_t j = 0; j < 7; ++j) EXPECT_EQ(d.relleno.at({i, 0, 0, j}), j < t ? 1 : 0);
  }
  EXPECT_EQ(tokens, 48);  // 39 words + 9 [eos]
  // The honest minimum: the first position alone contributes 5·log(9/5) + 4·log(9/4) (el ×5, un ×4).
  const double bos_part = (5 * std::log(9.0 / 5) + 4 * std::log(9.0 / 4)) / 48;
  const double minimo = perdida_minima_honesta(d);
  EXPECT_GT(minimo, bos_part);
  EXPECT_LT(minimo, 1.0);
}

TEST(Lesson06, DoubleSoftmaxFloorIsLogOnePlusFourteenOverE) {
  EXPECT_NEAR(piso_doble_softmax(15), std::log(1 + 14 / std::exp(1.0)), 1e-12);
  // A perfect prediction (p_y = 1) reaches exactly the floor: −log softmax([1, 0, …, 0])_0.
  std::vector<real> p(15, 0);
  p[0] = 1;
  const Tensor l = log_softmax(Tensor::from(p));
  EXPECT_NEAR(-l[0], piso_doble_softmax(15), 1e-6);
}

TEST(Lesson06, ToyModelGradcheck) {
  ConfigModelo cfg{.d = 4, .cabezas = 2};
  for (HeadStyle estilo : {HeadStyle::FullWidth, HeadStyle::Split}) {
    cfg.estilo = estilo;
    Rng rng(3);
    ModeloDeJuguete m(cfg, 6, rng);
    const Tensor ids = Tensor::from({0, 3, 5, 2}, {1, 4});
    const GradcheckResult r =
        gradcheck([&m, &ids](const std::vector<Var>&) { return m.forward(ids).logits; }, m.parameters());
    EXPECT_TRUE(r.ok) << r.report;
  }
}

TEST(Lesson06, BadWordInTheProbeThrows) {
  const Datos d = preparar_datos();
  Rng rng(1);
  ModeloDeJuguete m(config_modelo(quick_lesson_options()), d.tok.vocab_size(), rng);
  EXPECT_THROW(sondear(m, d.tok, "[bos] un caballo come"), Error);
}

TEST(Lesson06, HeadCountsMatchTheFormulas) {
  const Datos d = preparar_datos();
  ConfigModelo cfg = config_modelo(quick_lesson_options());
  cfg.pasos = 0;
  for (int64_t h : {1, 2, 4}) {
    cfg.cabezas = h;
    const Comparacion c = comparar_cabezas(d, cfg, 0);
    EXPECT_EQ(c.parametros_completa, c.formula_completa);
    EXPECT_EQ(c.parametros_partida, c.formula_partida);
    EXPECT_EQ(c.parametros_completa, h * 4 * 16 * 16 + 16);
    EXPECT_EQ(c.parametros_partida, 4 * 16 * 16 + 16);
    EXPECT_EQ(c.d_cabeza_completa, 16);
    EXPECT_EQ(c.d_cabeza_partida, 16 / h);
  }
}

TEST(Lesson06, HeatmapRowsAreDistributionsForEveryHeadStyle) {
  const Datos d = preparar_datos();
  for (HeadStyle estilo : {HeadStyle::FullWidth, HeadStyle::Split}) {
    ConfigModelo cfg = config_modelo(quick_lesson_options());
    cfg.estilo = estilo;
    Rng rng(cfg.semilla);
    ModeloDeJuguete m(cfg, d.tok.vocab_size(), rng);
    const Sonda s = sondear(m, d.tok);
    ASSERT_EQ(s.pesos.shape(), (Shape{4, 4, 4}));
    expect_rows_are_distributions(s.pesos);
  }
}

// The acceptance items of issue 10 for lesson 06, for the seeds a class will try.
TEST(Lesson06, TrainedModelLearnsBosToSentenceInitialWordAndHeadRowsAreDistributions) {
  for (uint64_t seed = 1; seed <= 3; ++seed) {
    const Leccion& l = quick_lesson(seed);
    EXPECT_TRUE(es_inicial(l.sonda.mas_probable)) << "seed " << seed << ": " << l.sonda.mas_probable;
    real total = 0, previous = INFINITY;
    for (const auto& [w, p] : l.sonda.distribucion) {
      total += p;
      EXPECT_LE(p, previous);
      previous = p;
    }
    EXPECT_NEAR(total, 1, 1e-5);
    ASSERT_EQ(l.sonda.pesos.shape(), (Shape{4, 4, 4}));
    expect_rows_are_distributions(l.sonda.pesos);
    EXPECT_EQ(l.sonda.tokens, (std::vector<std::string>{"[bos]", "un", "gato", "come"}));
  }
}

TEST(Lesson06, UnmaskedModelLearnsToCopyTheNextWord) {
  for (uint64_t seed = 1; seed <= 3; ++seed) {
    const Leccion& l = quick_lesson(seed);
    EXPECT_LT(l.fuga.perdida_final, l.fuga.minima_honesta - 0.2) << "seed " << seed;
    // "¿Más que cualquier modelo honesto? sí": it is right where the prefix cannot tell.
    EXPECT_GT(l.fuga.aciertos, l.fuga.tope_honesto) << "seed " << seed;
    EXPECT_LE(l.fuga.aciertos, l.fuga.ambiguas);
    EXPECT_LT(l.entrenamiento.perdidas.back(), l.entrenamiento.perdidas.front() / 5);
  }
}

TEST(Lesson06, DoubleSoftmaxLearnsSlowerThanLogits) {
  for (uint64_t seed = 1; seed <= 3; ++seed) {
    const Leccion& l = quick_lesson(seed);
    const Dobles& r = l.dobles;
    ASSERT_EQ(r.bien.perdidas.size(), r.doble.perdidas.size());
    EXPECT_EQ(r.bien.perdidas.front(), r.doble.perdidas.front());  // the same model at the start
    EXPECT_TRUE(mas_lenta(r)) << "seed " << seed;
    for (real v : r.doble.objetivo_doble) EXPECT_GE(v, r.piso - 1e-4);
  }
}

TEST(Lesson06, ExerciseFullModeDoubleSoftmaxStillLearnsSlower) {
  LessonOptions o = quick_lesson_options();
  o.mode = RunMode::full;
  const ConfigModelo cfg = config_modelo(o);
  ASSERT_EQ(cfg.pasos, 1000);
  const Datos d = preparar_datos();
  Rng rng(cfg.semilla);
  ModeloDeJuguete m(cfg, d.tok.vocab_size(), rng);
  const Entrenamiento bien = entrenar(m, d, cfg);
  const Dobles r = comparar_doble_softmax(d, cfg, bien);
  EXPECT_TRUE(mas_lenta(r));
  EXPECT_LT(r.doble.objetivo_doble.back(), r.piso + 0.1);
  for (real v : r.doble.objetivo_doble) EXPECT_GE(v, r.piso - 1e-4);
}

TEST(Lesson06, ExerciseSplitHeadsCountAndOneHeadLearnsToCopy) {
  const Datos d = preparar_datos();
  for (uint64_t seed = 1; seed <= 2; ++seed) {
    ConfigModelo cfg = config_modelo(quick_lesson_options(seed));
    cfg.estilo = HeadStyle::Split;
    {
      Rng rng(cfg.semilla);
      ModeloDeJuguete m(cfg, d.tok.vocab_size(), rng);
      EXPECT_EQ(m.num_parameters(), 3727);
      cfg.estilo = HeadStyle::FullWidth;
      Rng rng2(cfg.semilla);
      EXPECT_EQ(ModeloDeJuguete(cfg, d.tok.vocab_size(), rng2).num_parameters(), 6799);
    }
    cfg.cabezas = 1;
    Rng rng(cfg.semilla);
    ModeloDeJuguete m(cfg, d.tok.vocab_size(), rng);
    EXPECT_LT(entrenar(m, d, cfg).perdidas.back(), perdida_minima_honesta(d)) << "seed " << seed;
  }
}

TEST(Lesson06, ExerciseCausalMaskLearnsNoMoreThanTheHonestMinimum) {  // "Learns": it trains
  const Datos d = preparar_datos();
  const double minimo = perdida_minima_honesta(d);
  for (uint64_t seed = 1; seed <= 2; ++seed) {
    ConfigModelo cfg = config_modelo(quick_lesson_options(seed));
    cfg.mascara_causal = true;
    Rng rng(cfg.semilla);
    ModeloDeJuguete m(cfg, d.tok.vocab_size(), rng);
    const Entrenamiento e = entrenar(m, d, cfg);
    for (real v : e.perdidas) EXPECT_GE(v, minimo - 1e-4);
    EXPECT_LT(e.perdidas.back(), minimo + 0.15) << "seed " << seed;  // and it gets close to it
    const Fuga f = medir_fuga(m, d, e);
    EXPECT_EQ(f.con_gato, f.con_perro);  // position 1 cannot see position 2 any more
    EXPECT_LE(f.aciertos, f.tope_honesto);
    const Sonda s = sondear(m, d.tok);
    for (const auto& [w, p] : s.distribucion)
      if (es_inicial(w)) {
        EXPECT_GT(p, 0.3) << w;  // 5/9 and 4/9 in the data
      }
  }
}

TEST(Lesson06, SameResultsWithOneOrTwoThreads) {
  const KeepThreadCount keep;
  const Datos d = preparar_datos();
  ConfigModelo cfg = config_modelo(quick_lesson_options());
  cfg.pasos = 20;
  Entrenamiento e[2];
  Tensor pesos[2];
  for (int threads : {1, 2}) {
    set_num_threads(threads);
    Rng rng(cfg.semilla);
    ModeloDeJuguete m(cfg, d.tok.vocab_size(), rng);
    e[threads - 1] = entrenar(m, d, cfg);
    pesos[threads - 1] = sondear(m, d.tok).pesos;
  }
  EXPECT_EQ(e[0].perdidas, e[1].perdidas);
  EXPECT_EQ(max_abs_diff(pesos[0], pesos[1]), 0);
}

// The whole lesson in quick mode, in both languages: the printed claims and the figures.
TEST(Lesson06, QuickRunLearnsAndPrintsTheClaimsAndWritesWellFormedFigures) {
  for (Lang lang : {Lang::es, Lang::en}) {
    const LessonRun r = run_lesson_quick("lesson06", lang, [](Narrator& n) { run(n); });
    const bool es = lang == Lang::es;
    for (const char* claim :
         {es ? "Palabra siguiente con mayor prob: el" : "Most probable next word: el",
          es ? "(el/un)? sí" : "(el/un)? yes", es ? "¿Copia la palabra de después? sí" : "copy the word after it? yes",
          es ? "queda por debajo de" : "is below",
          es ? "¿Más que cualquier modelo honesto? sí" : "More than any honest model? yes",
          es ? "¿Aprende más despacio con doble softmax? sí" : "more slowly with a double softmax? yes",
          "H·4·d² + d = 4112", "4·d² + d = 1040", es ? "Resumen" : "Summary", es ? "Ejercicios" : "Exercises"})
      EXPECT_TRUE(r.has(claim)) << claim;
    const std::string lesson_text = r.text.substr(0, r.text.find(es ? "Figuras escritas" : "Figures written"));
    if (!es) {
      for (const char* spanish : {"Paso ", "Resumen", "Ejercicios", " que ", " los ", " las ", " del ", " una ",
                                  "ción", " es ", "cabeza ", "pérdida", "sí", "palabra"})
        EXPECT_EQ(lesson_text.find(spanish), std::string::npos) << spanish;
      // The course's words are data (tokens); everything else must be English.
      EXPECT_EQ(spanish_outside_tokens(lesson_text, course_vocabulary()), "");
    }
    EXPECT_EQ(line_wider_than(lesson_text, 80), "");
    ASSERT_EQ(r.figures.size(), 6u);
    EXPECT_EQ(bad_figure(r.figures), "");
    for (const std::string& f : r.figures)
      EXPECT_EQ(atn::testing_util::read_text_file(f).rfind("<svg", 0), 0u) << f;
    const std::string barras = r.figure_text("siguiente_tras_bos.svg");
    for (const char* label : {"el", "un", "croquetas", es ? "probabilidad" : "probability",
                              es ? "Palabra siguiente tras «[bos]»" : "Next word after &quot;[bos]&quot;"})
      EXPECT_NE(barras.find(label), std::string::npos) << label;
    const std::string cabeza = r.figure_text("cabeza_3.svg");
    for (const char* label : {"[bos]", "gato", "come", es ? "Cabeza 3" : "Head 3",
                              es ? "token mirado (clave)" : "token looked at (key)"})
      EXPECT_NE(cabeza.find(label), std::string::npos) << label;
    const std::string doble = r.figure_text("doble_softmax.svg");
    for (const char* label : {"logits + CE", es ? "doble softmax" : "double softmax", es ? "paso" : "step"})
      EXPECT_NE(doble.find(label), std::string::npos) << label;
  }
}

}  // namespace
}  // namespace lesson06
