// Lesson 04: every result the lesson prints is checked here by running the lesson's own functions
// in quick mode (the lesson file is included with its main() switched off), over several seeds.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>

#define ATN_LESSON_NO_MAIN
#include "lessons/lesson04_codificacion_posicional.cpp"
#include "tensor/thread_pool.h"
#include "tests/lesson_test_util.h"
#include "tests/test_util.h"

namespace lesson04 {
namespace {

namespace fs = std::filesystem;
using testing_util::read_text_file;
using testing_util::xml_problem;

LessonOptions quick(uint64_t seed = 1, Lang lang = Lang::es) {
  LessonOptions o;
  o.mode = RunMode::quick;
  o.seed = seed;
  o.lang = lang;
  return o;
}

TEST(Lesson04, OneHotTimesTableIsTheRowLookup) {
  for (uint64_t seed : {1, 2, 3}) {
    const OneHotContraTabla r = one_hot_contra_tabla(seed);
    EXPECT_EQ(r.diferencia, 0);
    EXPECT_EQ(r.por_tabla.shape(), (Shape{6, 4}));
  }
}

// The acceptance of issue 10 for lesson 04: permutation equivariance without positions.
TEST(Lesson04, AttentionWithoutPositionsIsPermutationEquivariant) {
  for (uint64_t seed : {1, 2, 3, 4, 5}) {
    const Equivariancia r = equivariancia(seed);
    EXPECT_LT(r.sin_posiciones, kRedondeo) << "seed " << seed;
    EXPECT_LT(r.gato_sin, kRedondeo) << "seed " << seed;
    EXPECT_GT(r.con_posiciones, 100 * kRedondeo) << "seed " << seed;
    EXPECT_GT(r.gato_con, 100 * kRedondeo) << "seed " << seed;
  }
  // The permutation is the sentence "la ventana saltó por el gato".
  std::string frase;
  for (int64_t i : kPermutacion) frase += kFrase[size_t(i)] + " ";
  EXPECT_EQ(frase, "la ventana saltó por el gato ");
}

TEST(Lesson04, CourseTableIsTheStandardOneWithEveryOtherFrequency) {
  const TablasSenoidales r = tablas_senoidales();
  EXPECT_EQ(r.estandar.shape(), (Shape{100, 512}));
  EXPECT_EQ(r.curso.shape(), (Shape{100, 512}));
  EXPECT_LT(r.curso_es_estandar_salteada, 1e-6);
  // The standard first pair: sin(p), cos(p). The last standard pair turns 10000^(−510/512) per position.
  EXPECT_NEAR(r.estandar.at({7, 0}), std::sin(7.0), 1e-6);
  EXPECT_NEAR(r.estandar.at({7, 1}), std::cos(7.0), 1e-6);
  EXPECT_NEAR(r.estandar.at({99, 510}), std::sin(99 * std::pow(10000.0, -510.0 / 512)), 1e-6);
  EXPECT_NEAR(r.curso.at({99, 2 * 100}), std::sin(99 * std::pow(10000.0, -400.0 / 512)), 1e-6);
  // "the other half of its table stays almost fixed": every column ≥ 256 of the course varies < 0.05.
  EXPECT_GE(r.casi_constantes_curso, 256);
  EXPECT_GT(r.casi_constantes_curso, r.casi_constantes_estandar + 100);
  for (int64_t c = 256; c < 512; ++c) EXPECT_NEAR(r.curso.at({99, c}), c % 2 ? 1 : 0, 0.05) << c;
  // Exercise 1: with base 100 no standard column is almost constant; the course's still has many.
  const TablasSenoidales b = tablas_senoidales(100, 512, 100);
  EXPECT_EQ(b.casi_constantes_estandar, 0);
  EXPECT_GT(b.casi_constantes_curso, 50);
}

TEST(Lesson04, ScaledEmbeddingMatchesThePositionalEncoding) {
  for (uint64_t seed : {1, 2, 3}) {
    const Escalas e = escalas(seed);
    EXPECT_NEAR(e.pe, std::sqrt(0.5), 1e-3);
    EXPECT_NEAR(e.embedding, 1 / std::sqrt(512.0), 0.005);
    EXPECT_NEAR(e.escalado, 1, 0.1);
    EXPECT_GT(e.pe / e.embedding, 10);  // "PE would drown the word"
    EXPECT_GT(e.pe / e.escalado, 0.5);
    EXPECT_LT(e.pe / e.escalado, 2);  // "the same scale"
  }
}

TEST(Lesson04, LearnedPositionsHaveATableAndRefuseLongerSentences) {
  const PosicionesAprendidas r = posiciones_aprendidas(1);
  EXPECT_EQ(r.parametros, kMaxLenAprendida * 4);
  EXPECT_NE(r.error.find("LearnedPositionalEmbedding"), std::string::npos) << r.error;
  EXPECT_NE(r.error.find("max_len=8"), std::string::npos) << r.error;
  EXPECT_EQ(r.salida.shape(), (Shape{6, 4}));
  // N(0, 0.02): every entry well inside ±0.1.
  for (real v : r.salida) EXPECT_LT(std::fabs(v), 0.1);
  // Exercise 5: with 16 positions the 10-word sentence fits.
  EXPECT_EQ(posiciones_aprendidas(1, 16).error, "");
}

TEST(Lesson04, ShawIndicesDependOnlyOnTheClippedOffset) {
  for (uint64_t seed : {1, 2}) {
    const Shaw r = shaw(seed);
    EXPECT_TRUE(r.solo_depende_de_j_menos_i);
    EXPECT_EQ(r.distintos, 2 * kRecorteShaw + 1);
    EXPECT_EQ(r.indices.at({0, 5}), 4);
    EXPECT_EQ(r.indices.at({5, 0}), 0);
    EXPECT_EQ(r.indices.at({3, 3}), 2);
    for (int64_t i = 0; i < 6; ++i) {
      double s = 0;
      for (int64_t j = 0; j < 6; ++j) s += r.pesos.at({i, j});
      EXPECT_NEAR(s, 1, 1e-5);
    }
    EXPECT_EQ(r.salida.shape(), (Shape{6, 8}));
  }
  // Exercise 3: k = 1 gives 3 values.
  const Shaw uno = shaw(1, 1);
  EXPECT_TRUE(uno.solo_depende_de_j_menos_i);
  EXPECT_EQ(uno.distintos, 3);
  EXPECT_EQ(uno.indices.at({0, 5}), 2);
}

// The acceptance of issue 10 for lesson 04: RoPE's q·k depends only on n − m.
TEST(Lesson04, RopeDotProductDependsOnlyOnTheOffset) {
  for (uint64_t seed : {1, 2, 3, 4, 5}) {
    const TablaRope r = tabla_rope(seed);
    EXPECT_EQ(r.rope.shape(), (Shape{7, 4}));
    EXPECT_LT(r.dispersion_rope, 1e-4) << "seed " << seed;
    EXPECT_GT(r.dispersion_absoluta, 0.1) << "seed " << seed;  // "the product changes with m"
    // δ = 0 is the plain q·k (a rotation keeps the dot product).
    Rng rng(seed);
    const Tensor q = Tensor::randn({1, 8}, rng), k = Tensor::randn({1, 8}, rng);
    EXPECT_NEAR(r.rope.at({3, 0}), matmul(q, k, false, true).item(), 1e-4);
  }
  // Exercise 2: position 1000 repeats the values (up to rounding in the fourth digit).
  const TablaRope lejos = tabla_rope(1, {3, 10, 50, 200, 1000});
  EXPECT_LT(lejos.dispersion_rope, 1e-3);
  for (int64_t a = 0; a < 7; ++a) EXPECT_NEAR(lejos.rope.at({a, 4}), lejos.rope.at({a, 0}), 1e-3);
  EXPECT_THROW(tabla_rope(1, {2}), Error);
}

TEST(Lesson04, AlibiBiasDependsOnDistanceAndWeightsDecay) {
  const Alibi r = alibi();
  EXPECT_TRUE(r.solo_distancia);
  EXPECT_TRUE(r.decrece);
  ASSERT_EQ(r.pendientes.size(), 4u);
  EXPECT_FLOAT_EQ(r.pendientes[0], 0.25f);
  EXPECT_FLOAT_EQ(r.sesgo.at({0, 5}), -1.25f);
  EXPECT_FALSE(std::signbit(r.sesgo.at({2, 2})));  // printed as 0.0, not −0.0
  // Exercise 4: 8 heads, slopes 1/2 … 1/256, head 0 steeper than with 4 heads.
  const Alibi ocho = alibi(8);
  ASSERT_EQ(ocho.pendientes.size(), 8u);
  EXPECT_FLOAT_EQ(ocho.pendientes[0], 0.5f);
  EXPECT_FLOAT_EQ(ocho.pendientes[7], 1.0f / 256);
  EXPECT_TRUE(ocho.solo_distancia && ocho.decrece);
  EXPECT_GT(ocho.pesos.at({0, 0}), r.pesos.at({0, 0}));  // "looks closer"
}

TEST(Lesson04, SentenceCodesLieOnUnitCircles) {
  const Codigos2d r = codigos_2d();
  EXPECT_LT(r.peor_radio, 1e-6);
  ASSERT_EQ(r.x0.size(), 6u);
  EXPECT_NEAR(r.x0[1], std::sin(1.0), 1e-6);  // pair 0: 1 radian per word
  EXPECT_NEAR(r.x1[1], std::sin(0.1), 1e-6);  // pair 2: 10000^(−4/16) = 0.1 radians per word
  EXPECT_EQ(letras("saltó"), 5u);
}

// Same seed, same output, with one thread or two: the whole lesson's text.
TEST(Lesson04, SameOutputForOneAndTwoThreads) {
  const testing_util::KeepThreadCount keep;
  std::vector<std::string> textos;
  for (int threads : {1, 2}) {
    set_num_threads(threads);
    LessonOptions o = quick(3);
    o.out_dir = (fs::temp_directory_path() / ("atn_test_lesson04_threads" + std::to_string(threads))).string();
    std::ostringstream out;
    Narrator n(o, out);
    run(n);
    textos.push_back(out.str());
    fs::remove_all(o.out_dir);
  }
  EXPECT_EQ(textos[0], textos[1]);
}

// English output: no Spanish sentence. The example sentences and token labels are allowed.
void expect_no_spanish(std::string text) {
  for (const char* permitido : {"el gato saltó por la ventana", "la ventana saltó por el gato", "\"gato\"", "saltó",
                                "kPosicionesRope", "kBaseSenoidal", "kRecorteShaw", "kCabezasAlibi", "kMaxLenAprendida",
                                "pe_estandar", "pe_curso", "pe_frecuencias", "shaw_indices", "codigos_2d", "lesson04"})
    for (size_t at = text.find(permitido); at != std::string::npos; at = text.find(permitido))
      text.erase(at, std::string(permitido).size());
  for (const char* palabra :
       {"á",     "é",     "í",     "ó",      "ú",    "ñ",   "¿",     "«",       " que ",      " los ", " las ",
        " una ", " del ", " con ", " para ", " es ", " y ", "Paso ", "Resumen", "Ejercicios", " sí",   "posición"})
    EXPECT_EQ(text.find(palabra), std::string::npos) << "\"" << palabra << "\" in the English output";
}

TEST(Lesson04, QuickRunPrintsTheClaimsAndWritesWellFormedFigures) {
  for (Lang lang : {Lang::es, Lang::en}) {
    LessonOptions o = quick(1, lang);
    o.out_dir = (fs::temp_directory_path() / "atn_test_lesson04").string();
    fs::remove_all(o.out_dir);
    std::ostringstream out;
    Narrator n(o, out);
    run(n);
    n.finish();
    std::string text = out.str();
    std::replace(text.begin(), text.end(), '\n', ' ');
    const bool es = lang == Lang::es;
    for (const char* claim :
         {es ? "¿Iguales? sí (mayor diferencia 0)" : "Equal? yes (largest difference 0)",
          es ? "¿equivariante (diferencia < 1e-05)? sí" : "equivariant (difference < 1e-05)? yes",
          es ? "¿equivariante? no" : "equivariant? no", es ? "estándar 141, curso 326" : "standard 141, course 326",
          es ? "(diferencia máxima 0.00e+00)" : "(largest difference 0.00e+00)",
          es ? "(constante en cada diagonal)? sí" : "(constant along each diagonal)? yes",
          es ? "(depende solo de δ = n − m)? sí" : "(does it depend only on δ = n − m)? yes",
          es ? "¿Depende solo de la distancia |i − j|? sí" : "Does it depend only on the distance |i − j|? yes",
          es ? "¿bajan al alejarse de la diagonal? sí" : "do they drop away from the diagonal? yes",
          "do not fit max_len=8", es ? "Resumen" : "Summary", es ? "Ejercicios" : "Exercises"})
      EXPECT_NE(text.find(claim), std::string::npos) << claim;
    if (!es) expect_no_spanish(out.str());
    ASSERT_EQ(n.figures().size(), 7u);
    for (const std::string& f : n.figures()) EXPECT_EQ(xml_problem(read_text_file(f)), "") << f;
    const std::string pe = read_text_file(n.path("pe_estandar.svg"));
    EXPECT_EQ(std::count(pe.begin(), pe.end(), '\n') >= 100 * 512, true);
    EXPECT_NE(pe.find(es ? ">posición<" : ">position<"), std::string::npos);
    EXPECT_NE(pe.find(es ? ">dimensión<" : ">dimension<"), std::string::npos);
    EXPECT_NE(read_text_file(n.path("pe_curso.svg")).find(es ? "exponente doble" : "doubled exponent"),
              std::string::npos);
    for (const char* f : {"shaw_indices.svg", "alibi.svg"}) {
      const std::string svg = read_text_file(n.path(f));
      for (const std::string& palabra : kFrase)
        EXPECT_NE(svg.find(">" + palabra + "<"), std::string::npos) << f << palabra;
      EXPECT_NE(svg.find(es ? "consulta i" : "query i"), std::string::npos) << f;
    }
    EXPECT_NE(read_text_file(n.path("rope.svg")).find(es ? "desplazamiento δ" : "offset δ"), std::string::npos);
    fs::remove_all(o.out_dir);
  }
}

// At 80 columns (a projector's terminal) no line of the lesson is longer than the terminal.
TEST(Lesson04, EveryLineFitsEightyColumns) {
  for (Lang lang : {Lang::es, Lang::en}) {
    const testing_util::LessonRun r = testing_util::run_lesson_quick("lesson04_80", lang, [](Narrator& n) { run(n); });
    EXPECT_EQ(testing_util::line_wider_than(r.text, 80), "");
    std::filesystem::remove_all(r.out_dir);
  }
}

}  // namespace
}  // namespace lesson04
