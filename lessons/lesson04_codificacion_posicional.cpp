// Lección 04 · Embeddings y codificación posicional
//
// Las palabras entran a la red como índices y salen de una tabla como vectores (embeddings).
// La auto-atención por sí sola no sabe en qué orden vienen: si permutamos las palabras, las
// salidas se permutan igual (equivariancia). Para que el orden cuente hay que darle posiciones:
// absolutas (senoides fijas o una tabla aprendida, sumadas a los embeddings) o relativas (Shaw,
// RoPE, ALiBi, dentro de la propia atención).
//
//   make lesson04                      ejecuta la lección
//   make lesson04 ARGS="--step"        espera Enter tras cada paso
//   make lesson04 ARGS="--lang en"     in English
#include <cmath>

#include "autograd/ops_basic.h"
#include "autograd/ops_shape.h"
#include "autograd/ops_softmax.h"
#include "lessons/common/narrator.h"
#include "nn/alibi.h"
#include "nn/attention/self_attention.h"
#include "nn/embedding.h"
#include "nn/positional.h"
#include "nn/relative_position.h"
#include "nn/rope.h"
#include "tensor/elementwise.h"
#include "tensor/matmul.h"
#include "viz/svg.h"

namespace lesson04 {

using namespace atn;

const std::vector<std::string> kFrase = {"el", "gato", "saltó", "por", "la", "ventana"};

// Las constantes que cambian los ejercicios.
constexpr double kBaseSenoidal = 10000;                         // la base de Vaswani et al.
constexpr int64_t kRecorteShaw = 2;                             // k de Shaw: distancias recortadas a [−k, k]
const std::vector<int64_t> kPosicionesRope = {3, 10, 50, 200};  // dónde ponemos la consulta (≥ 3)
constexpr int64_t kCabezasAlibi = 4;
constexpr int64_t kMaxLenAprendida = 8;  // posiciones de la tabla aprendida

// "sí"/"no" en el idioma de la lección.
std::string si_no(Narrator& n, bool v) { return v ? n.tr("sí", "yes") : n.tr("no", "no"); }

// ---------------------------------------------------------------------------------------------
// Paso 1: vocabulario e índices. Cada palabra tiene un número; el embedding es la fila de ese
// número en una tabla W_e [V, d]. Multiplicar un vector one-hot por W_e da la misma fila.
struct OneHotContraTabla {
  Tensor one_hot, por_producto, por_tabla;
  double diferencia = 0;
};

OneHotContraTabla one_hot_contra_tabla(uint64_t semilla, int64_t d = 4) {
  Rng rng(semilla);
  Embedding emb(int64_t(kFrase.size()), d, rng);
  OneHotContraTabla r;
  const int64_t n = int64_t(kFrase.size());
  r.one_hot = Tensor::zeros({n, n});
  for (int64_t i = 0; i < n; ++i) r.one_hot.at({i, i}) = 1;  // la palabra i tiene el índice i
  NoGrad sin_cinta;
  r.por_producto = matmul(r.one_hot, emb.weight.value());
  r.por_tabla = emb(Tensor::arange(n)).value();
  r.diferencia = max_abs_diff(r.por_producto, r.por_tabla);
  return r;
}

void paso1_indices(Narrator& n) {
  n.step(1, "Vocabulario, índices y embeddings", "Vocabulary, indices and embeddings");
  std::string ids;
  for (size_t i = 0; i < kFrase.size(); ++i)
    ids += kFrase[i] + " → " + std::to_string(i) + (i + 1 < kFrase.size() ? ",  " : "");
  n.show(ids);
  n.say(
      "Cada palabra es un índice. Un vector one-hot (un 1 en su índice) por la tabla W_e [V, d] da la fila de ese "
      "índice: Embedding hace esa búsqueda de filas sin construir el one-hot.",
      "Each word is an index. A one-hot vector (a 1 at its index) times the table W_e [V, d] gives that index's "
      "row: Embedding does that row lookup without building the one-hot.");
  const OneHotContraTabla r = one_hot_contra_tabla(n.options().seed);
  n.show("one_hot × W_e =\n" + r.por_producto.str(3) + "\nembedding(ids) =\n" + r.por_tabla.str(3));
  n.say("¿Iguales? {} (mayor diferencia {}).", "Equal? {} (largest difference {}).", si_no(n, r.diferencia == 0),
        r.diferencia);
}

// ---------------------------------------------------------------------------------------------
// Paso 2: sin posiciones, la auto-atención es equivariante a permutaciones. "la ventana saltó
// por el gato" tiene las mismas palabras en otro orden (y otro sentido): la permutación
// [4, 5, 2, 3, 0, 1] de la frase original.
const std::vector<int64_t> kPermutacion = {4, 5, 2, 3, 0, 1};

struct Equivariancia {
  double sin_posiciones = 0;          // max |H(PX) − P·H(X)| sin posiciones
  double con_posiciones = 0;          // lo mismo con PE sumada a los embeddings
  double gato_sin = 0, gato_con = 0;  // la salida de "gato" en las dos frases, diferencia máxima
};

// Las filas de x en el orden de perm: fila i del resultado = fila perm[i] de x.
Tensor permutar_filas(const Tensor& x, const std::vector<int64_t>& perm) {
  Tensor r({int64_t(perm.size()), x.size(1)});
  for (size_t i = 0; i < perm.size(); ++i)
    for (int64_t c = 0; c < x.size(1); ++c) r.at({int64_t(i), c}) = x.at({perm[i], c});
  return r;
}

Equivariancia equivariancia(uint64_t semilla, int64_t d = 16) {
  Rng rng(semilla);
  Embedding emb(int64_t(kFrase.size()), d, rng);
  SelfAttention atencion(d, rng);
  const Tensor pe = sinusoidal_table(int64_t(kFrase.size()), d);
  NoGrad sin_cinta;
  const Tensor x = emb(Tensor::arange(int64_t(kFrase.size()))).value();  // "el gato saltó por la ventana"
  const Tensor px = permutar_filas(x, kPermutacion);                     // "la ventana saltó por el gato"
  auto salida = [&](const Tensor& entrada) { return atencion(constant(entrada)).context.value(); };
  Equivariancia r;
  const Tensor h = salida(x), hp = salida(px);
  r.sin_posiciones = max_abs_diff(hp, permutar_filas(h, kPermutacion));
  // Con posiciones: la posición se suma DESPUÉS de ordenar las palabras, así que la palabra
  // movida recibe la codificación de su nuevo lugar.
  const Tensor hq = salida(x + pe), hpq = salida(px + pe);
  r.con_posiciones = max_abs_diff(hpq, permutar_filas(hq, kPermutacion));
  // "gato" está en la posición 1 de la original y en la 5 de la permutada.
  for (int64_t c = 0; c < d; ++c) {
    r.gato_sin = std::max(r.gato_sin, double(std::fabs(h.at({1, c}) - hp.at({5, c}))));
    r.gato_con = std::max(r.gato_con, double(std::fabs(hq.at({1, c}) - hpq.at({5, c}))));
  }
  return r;
}

constexpr double kRedondeo = 1e-5;  // float32: diferencias menores son solo redondeo

void paso2_equivariancia(Narrator& n) {
  n.step(2, "Sin posiciones, el orden no existe", "Without positions, order does not exist");
  n.say(
      "«el gato saltó por la ventana» y «la ventana saltó por el gato» tienen las mismas palabras en otro orden. "
      "Pasamos las dos por la misma SelfAttention (sin posiciones) y comparamos H(P·X) con P·H(X).",
      "\"el gato saltó por la ventana\" (the cat jumped through the window) and \"la ventana saltó por el gato\" "
      "(the window jumped through the cat) have the same words in another order. We pass both through the same "
      "SelfAttention (no positions) and compare H(P·X) with P·H(X).");
  const Equivariancia r = equivariancia(n.options().seed);
  n.show(n.tr("                      max |H(PX) − P·H(X)|   «gato» en las dos frases\n",
              "                      max |H(PX) − P·H(X)|   \"gato\" in both sentences\n") +
         n.tr("sin posiciones        ", "without positions     ") + sci(r.sin_posiciones) + "               " +
         sci(r.gato_sin) + "\n" + n.tr("con PE senoidal       ", "with sinusoidal PE    ") + sci(r.con_posiciones) +
         "               " + sci(r.gato_con));
  n.say(
      "Sin posiciones, ¿equivariante (diferencia < {})? {}. La salida de «gato» es la misma en las dos frases: la "
      "atención ve un conjunto de palabras, no una sucesión. Con la codificación posicional sumada, ¿equivariante? "
      "{}: ahora el orden cambia el resultado.",
      "Without positions, equivariant (difference < {})? {}. The output of \"gato\" is the same in both sentences: "
      "attention sees a set of words, not a sequence. With the positional encoding added, equivariant? {}: now the "
      "order changes the result.",
      sci(kRedondeo, 0), si_no(n, r.sin_posiciones < kRedondeo && r.gato_sin < kRedondeo),
      si_no(n, r.con_posiciones < kRedondeo));
}

// ---------------------------------------------------------------------------------------------
// Paso 3: la codificación senoidal, PE[p, 2i] = sen(p / base^(2i/d)), PE[p, 2i+1] = cos(...).
// El cuaderno del curso escribe el exponente 2·2i/d: sus frecuencias decaen el doble de rápido.
struct TablasSenoidales {
  Tensor estandar, curso;                                           // [100, 512]
  int64_t casi_constantes_estandar = 0, casi_constantes_curso = 0;  // columnas que varían < 0.05
  double curso_es_estandar_salteada = 0;                            // max |curso[:, 2i] − estándar[:, 4i]|, i < d/4
};

int64_t columnas_casi_constantes(const Tensor& t, double umbral = 0.05) {
  int64_t n = 0;
  for (int64_t c = 0; c < t.size(1); ++c) {
    real lo = INFINITY, hi = -INFINITY;
    for (int64_t p = 0; p < t.size(0); ++p) lo = std::min(lo, t.at({p, c})), hi = std::max(hi, t.at({p, c}));
    n += hi - lo < umbral;
  }
  return n;
}

TablasSenoidales tablas_senoidales(int64_t posiciones = 100, int64_t d = 512, double base = kBaseSenoidal) {
  TablasSenoidales r;
  r.estandar = sinusoidal_table(posiciones, d, base);
  r.curso = sinusoidal_table_course_variant(posiciones, d, base);
  r.casi_constantes_estandar = columnas_casi_constantes(r.estandar);
  r.casi_constantes_curso = columnas_casi_constantes(r.curso);
  // base^(2·2i/d) = base^(2·(2i)/d): la columna 2i del curso es la columna 4i de la estándar.
  for (int64_t i = 0; i < d / 4; ++i)
    for (int64_t p = 0; p < posiciones; ++p)
      r.curso_es_estandar_salteada =
          std::max(r.curso_es_estandar_salteada, double(std::fabs(r.curso.at({p, 2 * i}) - r.estandar.at({p, 4 * i}))));
  return r;
}

// Una muestra de la tabla para la terminal: posiciones 0, 10, …, 90 y columnas 0, 64, …, 448.
Tensor muestra(const Tensor& t) {
  Tensor r({10, 8});
  for (int64_t p = 0; p < 10; ++p)
    for (int64_t c = 0; c < 8; ++c) r.at({p, c}) = t.at({10 * p, 64 * c});
  return r;
}

void paso3_senoidal(Narrator& n) {
  n.step(3, "Codificación posicional senoidal", "Sinusoidal positional encoding");
  n.say(
      "PE[p, 2i] = sen(p / 10000^(2i/d)) y PE[p, 2i+1] = cos(p / 10000^(2i/d)) (Vaswani et al. 2017, sección 3.5): "
      "cada par de columnas es un reloj; el primero da una vuelta cada 2π ≈ 6.3 posiciones y los siguientes cada "
      "vez más despacio. El cuaderno del curso escribe 10000^(2·2i/d): el doble de exponente.",
      "PE[p, 2i] = sin(p / 10000^(2i/d)) and PE[p, 2i+1] = cos(p / 10000^(2i/d)) (Vaswani et al. 2017, section 3.5): "
      "each pair of columns is a clock; the first turns once every 2π ≈ 6.3 positions and the next ones ever more "
      "slowly. The course notebook writes 10000^(2·2i/d): twice the exponent.");
  const TablasSenoidales r = tablas_senoidales();
  std::vector<std::string> filas, columnas;
  for (int p = 0; p < 100; p += 10) filas.push_back("p=" + std::to_string(p));
  for (int c = 0; c < 512; c += 64) columnas.push_back(std::to_string(c));
  n.say("Muestra de la tabla estándar (filas: posiciones; columnas: dimensiones):",
        "A sample of the standard table (rows: positions; columns: dimensions):");
  n.heatmap(muestra(r.estandar), {.row_labels = filas, .col_labels = columnas, .vmin = -1, .vmax = 1});
  n.say("La misma muestra con el exponente del curso:", "The same sample with the course's exponent:");
  n.heatmap(muestra(r.curso), {.row_labels = filas, .col_labels = columnas, .vmin = -1, .vmax = 1});
  n.say(
      "Columnas (de 512) que cambian menos de 0.05 en 100 posiciones: estándar {}, curso {}. Con el doble de "
      "exponente, la columna 2i del curso es la 4i de la estándar (diferencia máxima {}): el curso usa solo la "
      "mitad rápida de las frecuencias, y la otra mitad de su tabla queda casi fija, en 0 (senos) o 1 (cosenos), "
      "sin distinguir posiciones.",
      "Columns (of 512) that change less than 0.05 over 100 positions: standard {}, course {}. With twice the "
      "exponent, column 2i of the course is column 4i of the standard (largest difference {}): the course uses only "
      "the fast half of the frequencies, and the other half of its table stays almost fixed, at 0 (sines) or 1 "
      "(cosines), without telling positions apart.",
      r.casi_constantes_estandar, r.casi_constantes_curso, sci(r.curso_es_estandar_salteada));

  const std::string ejes_x = n.tr("dimensión", "dimension"), ejes_y = n.tr("posición", "position");
  svg::heatmap(n.path("pe_estandar.svg"), {.title = n.tr("PE senoidal estándar (100 posiciones × 512 dimensiones)",
                                                         "Standard sinusoidal PE (100 positions × 512 dimensions)"),
                                           .x_label = ejes_x,
                                           .y_label = ejes_y,
                                           .values = r.estandar,
                                           .vmin = -1,
                                           .vmax = 1});
  n.figure(n.path("pe_estandar.svg"), "la tabla senoidal estándar", "the standard sinusoidal table");
  svg::heatmap(n.path("pe_curso.svg"), {.title = n.tr("PE del cuaderno del curso (exponente doble)",
                                                      "The course notebook's PE (doubled exponent)"),
                                        .x_label = ejes_x,
                                        .y_label = ejes_y,
                                        .values = r.curso,
                                        .vmin = -1,
                                        .vmax = 1});
  n.figure(n.path("pe_curso.svg"), "la tabla con el exponente doble del curso",
           "the table with the course's doubled exponent");
  // La frecuencia de cada par de columnas: ω_i = base^(−2i/d) y, en el curso, base^(−4i/d).
  std::vector<real> par, w_estandar, w_curso;
  for (int64_t i = 0; i < 256; ++i) {
    par.push_back(real(i));
    w_estandar.push_back(real(std::pow(kBaseSenoidal, -2.0 * double(i) / 512)));
    w_curso.push_back(real(std::pow(kBaseSenoidal, -4.0 * double(i) / 512)));
  }
  svg::plot(
      n.path("pe_frecuencias.svg"),
      {.title = n.tr("Frecuencia de cada par de columnas (d = 512)", "Frequency of each pair of columns (d = 512)"),
       .x_label = n.tr("par i (columnas 2i, 2i+1)", "pair i (columns 2i, 2i+1)"),
       .y_label = n.tr("frecuencia ω_i (escala log)", "frequency ω_i (log scale)"),
       .series = {{.name = n.tr("estándar: 10000^(−2i/d)", "standard: 10000^(−2i/d)"), .x = par, .y = w_estandar},
                  {.name = n.tr("curso: 10000^(−4i/d)", "course: 10000^(−4i/d)"), .x = par, .y = w_curso}},
       .log_y = true});
  n.figure(n.path("pe_frecuencias.svg"), "las frecuencias de las dos tablas", "the frequencies of both tables");
}

// ---------------------------------------------------------------------------------------------
// Paso 4: √d·embedding + PE. Si la tabla de embeddings se inicializa con desviación 1/√d (como
// cuando se comparte con la capa de salida), sus entradas son ~√d veces menores que las de PE
// (cuya media cuadrática es √½ ≈ 0.71): la posición taparía a la palabra. Multiplicar por √d
// las pone en la misma escala.
struct Escalas {
  double embedding = 0, escalado = 0, pe = 0;  // raíz de la media de los cuadrados de cada tabla
};

double raiz_media_cuadrados(const Tensor& t) {
  double s = 0;
  for (real v : t) s += double(v) * v;
  return std::sqrt(s / double(t.numel()));
}

Escalas escalas(uint64_t semilla, int64_t d = 512) {
  Rng rng(semilla);
  const Tensor tabla = Tensor::randn({int64_t(kFrase.size()), d}, rng, 0, real(1 / std::sqrt(double(d))));
  return {raiz_media_cuadrados(tabla), raiz_media_cuadrados(map(tabla, [d](real v) { return v * std::sqrt(real(d)); })),
          raiz_media_cuadrados(sinusoidal_table(int64_t(kFrase.size()), d))};
}

void paso4_escala(Narrator& n) {
  n.step(4, "√d · embedding + PE", "√d · embedding + PE");
  const Escalas e = escalas(n.options().seed);
  n.say(
      "Con d = 512 y una tabla de embeddings inicializada con desviación 1/√d, la raíz de la media de los "
      "cuadrados es {} para los embeddings, {} para √d·embeddings y {} para PE.",
      "With d = 512 and an embedding table initialized with standard deviation 1/√d, the root mean square is {} "
      "for the embeddings, {} for √d·embeddings and {} for PE.",
      fixed(e.embedding, 3), fixed(e.escalado, 3), fixed(e.pe, 3));
  n.say(
      "Sin escalar, PE es {} veces más grande que la palabra y la taparía; con √d quedan en la misma escala "
      "(cociente {}). Por eso el Transformer suma √d·E[x] + PE.",
      "Unscaled, PE is {} times larger than the word and would drown it; with √d both are on the same scale "
      "(ratio {}). That is why the Transformer adds √d·E[x] + PE.",
      fixed(e.pe / e.embedding, 1), fixed(e.pe / e.escalado, 2));
}

// ---------------------------------------------------------------------------------------------
// Paso 5: posiciones aprendidas (GPT-2, BERT): una tabla de parámetros [max_len, d], una fila
// por posición, que se entrena como cualquier otro peso. No sabe nada de las posiciones que
// nunca vio: más allá de max_len no hay fila.
struct PosicionesAprendidas {
  int64_t parametros = 0;
  Tensor salida;        // [6, d]: embeddings + posiciones de la frase
  std::string error{};  // el mensaje al pedir más posiciones que max_len
};

PosicionesAprendidas posiciones_aprendidas(uint64_t semilla, int64_t max_len = kMaxLenAprendida, int64_t largo = 10,
                                           int64_t d = 4) {
  Rng rng(semilla);
  LearnedPositionalEmbedding pos(max_len, d, rng);
  PosicionesAprendidas r;
  r.parametros = pos.weight.numel();
  NoGrad sin_cinta;
  r.salida = pos(constant(Tensor::zeros({int64_t(kFrase.size()), d}))).value();
  try {
    pos(constant(Tensor::zeros({largo, d})));
  } catch (const Error& e) {
    r.error = e.what();
  }
  return r;
}

void paso5_aprendidas(Narrator& n) {
  n.step(5, "Posiciones aprendidas", "Learned positions");
  const PosicionesAprendidas r = posiciones_aprendidas(n.options().seed);
  n.say(
      "LearnedPositionalEmbedding({}, 4) es una tabla de {} parámetros, una fila por posición, inicializada "
      "N(0, 0.02) y entrenada con el resto de la red. Sumada a una frase de 6 palabras da:",
      "LearnedPositionalEmbedding({}, 4) is a table of {} parameters, one row per position, initialized N(0, 0.02) "
      "and trained with the rest of the network. Added to a 6-word sentence it gives:",
      kMaxLenAprendida, r.parametros);
  n.show(r.salida.str(3));
  n.say("Una frase de 10 palabras no cabe: {}", "A 10-word sentence does not fit: {}",
        r.error.empty() ? n.tr("(sin error)", "(no error)") : "atn::Error: " + r.error);
  n.say(
      "La tabla senoidal, en cambio, está definida para cualquier posición; aunque que la red sepa usar posiciones "
      "que nunca vio al entrenar es otra cuestión.",
      "The sinusoidal table, instead, is defined for any position; whether the network can use positions it never "
      "saw in training is another matter.");
}

// ---------------------------------------------------------------------------------------------
// Paso 6: posiciones relativas de Shaw, Uszkoreit y Vaswani (2018). La atención aprende un
// vector por desplazamiento j − i, recortado a [−k, k]: e_ij = q_i·(k_j + a^K_ij)/√d y
// z_i = Σ_j α_ij (v_j + a^V_ij). La tabla de índices dice qué fila usa cada par (i, j).
struct Shaw {
  Tensor indices;  // [6, 6]: clip(j − i, −k, k) + k
  bool solo_depende_de_j_menos_i = false;
  int64_t distintos = 0;  // cuántos vectores distintos se usan
  Tensor pesos, salida;   // α [6, 6] y z [6, d] de una atención con los dos términos
};

Shaw shaw(uint64_t semilla, int64_t recorte = kRecorteShaw, int64_t d = 8) {
  Rng rng(semilla);
  RelativePositionEmbedding rel(recorte, d, rng);
  const int64_t t = int64_t(kFrase.size());
  Shaw r;
  r.indices = rel.indices(t, t);
  r.solo_depende_de_j_menos_i = true;
  std::vector<bool> usado(size_t(2 * recorte + 1), false);
  for (int64_t i = 0; i < t; ++i)
    for (int64_t j = 0; j < t; ++j) {
      const int64_t esperado = std::clamp<int64_t>(j - i, -recorte, recorte) + recorte;
      r.solo_depende_de_j_menos_i = r.solo_depende_de_j_menos_i && r.indices.at({i, j}) == real(esperado);
      usado[size_t(r.indices.at({i, j}))] = true;
    }
  for (bool u : usado) r.distintos += u;
  // Una atención de una cabeza con q, k, v aleatorios y los dos términos de Shaw.
  NoGrad sin_cinta;
  const Var q = constant(Tensor::randn({t, d}, rng)), k = constant(Tensor::randn({t, d}, rng)),
            v = constant(Tensor::randn({t, d}, rng));
  const Var puntuaciones = (matmul(q, k, false, true) + rel.score_bias(q, t)) * real(1 / std::sqrt(double(d)));
  const Var alfa = softmax(puntuaciones);
  r.pesos = alfa.value();
  r.salida = (matmul(alfa, v) + rel.value_term(alfa)).value();
  return r;
}

void paso6_shaw(Narrator& n) {
  n.step(6, "Posiciones relativas: Shaw et al. (2018)", "Relative positions: Shaw et al. (2018)");
  n.say(
      "En vez de sumar un vector por posición absoluta a la entrada, la atención aprende un vector por "
      "desplazamiento j − i, recortado a [−{}, {}]: e_ij = q_i·(k_j + a^K_ij)/√d y z_i = Σ_j α_ij (v_j + a^V_ij). "
      "Fila de la tabla que usa cada par (i, j):",
      "Instead of adding one vector per absolute position to the input, attention learns one vector per offset "
      "j − i, clipped to [−{}, {}]: e_ij = q_i·(k_j + a^K_ij)/√d and z_i = Σ_j α_ij (v_j + a^V_ij). Row of the "
      "table each pair (i, j) uses:",
      kRecorteShaw, kRecorteShaw);
  const Shaw r = shaw(n.options().seed);
  n.heatmap(r.indices, {.row_labels = kFrase, .col_labels = kFrase, .decimals = 0});
  n.say(
      "¿Cada índice depende solo de j − i (constante en cada diagonal)? {}. Vectores distintos: {} = 2k + 1; todo "
      "par a más de {} de distancia comparte el del extremo. Los pesos α de una cabeza con esos términos:",
      "Does each index depend only on j − i (constant along each diagonal)? {}. Distinct vectors: {} = 2k + 1; every "
      "pair farther than {} apart shares the last one. The weights α of a head with those terms:",
      si_no(n, r.solo_depende_de_j_menos_i), r.distintos, kRecorteShaw);
  n.heatmap(r.pesos, {.row_labels = kFrase, .col_labels = kFrase, .vmin = 0, .vmax = 1});
  svg::heatmap(n.path("shaw_indices.svg"), {.title = n.tr("Shaw: fila de a^K y a^V para cada par (i, j)",
                                                          "Shaw: row of a^K and a^V for each pair (i, j)"),
                                            .x_label = n.tr("clave j", "key j"),
                                            .y_label = n.tr("consulta i", "query i"),
                                            .values = r.indices,
                                            .row_labels = kFrase,
                                            .col_labels = kFrase});
  n.figure(n.path("shaw_indices.svg"), "los índices recortados de Shaw", "Shaw's clipped indices");
}

// ---------------------------------------------------------------------------------------------
// Paso 7: RoPE (Su et al. 2021). Se giran q y k según su posición: el par de coordenadas i de un
// vector en la posición m gira un ángulo m·θ_i. Como girar conserva productos punto y los
// ángulos se suman, (R_m q)·(R_n k) = q·(R_(n−m) k): depende solo de n − m.
struct TablaRope {
  std::vector<int64_t> desplazamientos;                 // n − m: −3 … 3
  Tensor rope;                                          // [desplazamientos, posiciones m]: (R_m q)·(R_(m+δ) k)
  Tensor absoluta;                                      // lo mismo con PE senoidal sumada: (q + PE_m)·(k + PE_(m+δ))
  double dispersion_rope = 0, dispersion_absoluta = 0;  // la mayor (máx − mín) de una fila
};

double mayor_dispersion_por_fila(const Tensor& t) {
  double peor = 0;
  for (int64_t i = 0; i < t.size(0); ++i) {
    real lo = INFINITY, hi = -INFINITY;
    for (int64_t j = 0; j < t.size(1); ++j) lo = std::min(lo, t.at({i, j})), hi = std::max(hi, t.at({i, j}));
    peor = std::max(peor, double(hi - lo));
  }
  return peor;
}

TablaRope tabla_rope(uint64_t semilla, const std::vector<int64_t>& posiciones = kPosicionesRope, int64_t d = 8) {
  Rng rng(semilla);
  const Tensor q = Tensor::randn({1, d}, rng), k = Tensor::randn({1, d}, rng);
  RotaryPositionalEmbedding rope(d);
  int64_t ultima = 0;
  for (int64_t m : posiciones) {
    if (m < 3) fail("tabla_rope: las posiciones deben ser >= 3 (la clave va en m − 3), hay ", m);
    ultima = std::max(ultima, m);
  }
  const Tensor pe = sinusoidal_table(ultima + 4, d);
  TablaRope r;
  for (int64_t delta = -3; delta <= 3; ++delta) r.desplazamientos.push_back(delta);
  const int64_t filas = int64_t(r.desplazamientos.size()), columnas = int64_t(posiciones.size());
  r.rope = Tensor({filas, columnas});
  r.absoluta = Tensor({filas, columnas});
  NoGrad sin_cinta;
  for (int64_t a = 0; a < filas; ++a)
    for (int64_t b = 0; b < columnas; ++b) {
      const int64_t m = posiciones[size_t(b)], nn = m + r.desplazamientos[size_t(a)];
      const Tensor qm = rope.apply(constant(q), m).value(), kn = rope.apply(constant(k), nn).value();
      r.rope.at({a, b}) = matmul(qm, kn, false, true).item();
      Tensor qa = q.clone(), ka = k.clone();
      for (int64_t c = 0; c < d; ++c) qa[c] += pe.at({m, c}), ka[c] += pe.at({nn, c});
      r.absoluta.at({a, b}) = matmul(qa, ka, false, true).item();
    }
  r.dispersion_rope = mayor_dispersion_por_fila(r.rope);
  r.dispersion_absoluta = mayor_dispersion_por_fila(r.absoluta);
  return r;
}

void paso7_rope(Narrator& n) {
  n.step(7, "RoPE: girar q y k según su posición", "RoPE: rotating q and k by their position");
  n.say(
      "RoPE (Su et al. 2021) gira cada par de coordenadas (x_2i, x_2i+1) de q y de k un ángulo posición·θ_i, con "
      "θ_i = 10000^(−2i/d). Ponemos la misma q en la posición m y la misma k en n = m + δ y calculamos su "
      "producto punto:",
      "RoPE (Su et al. 2021) rotates each pair of coordinates (x_2i, x_2i+1) of q and k by an angle position·θ_i, "
      "with θ_i = 10000^(−2i/d). We put the same q at position m and the same k at n = m + δ and compute their dot "
      "product:");
  const TablaRope r = tabla_rope(n.options().seed);
  std::vector<std::string> filas, columnas;
  for (int64_t delta : r.desplazamientos) filas.push_back("δ=" + std::to_string(delta));
  for (int64_t m : kPosicionesRope) columnas.push_back("m=" + std::to_string(m));
  n.heatmap(r.rope, {.row_labels = filas, .col_labels = columnas, .decimals = 4});
  n.say(
      "¿Cada fila es constante (depende solo de δ = n − m)? {} (mayor diferencia dentro de una fila {}). Con la "
      "PE senoidal sumada a q y k, en cambio, el producto cambia con m (mayor diferencia {}):",
      "Is each row constant (does it depend only on δ = n − m)? {} (largest difference within a row {}). With the "
      "sinusoidal PE added to q and k, instead, the product changes with m (largest difference {}):",
      si_no(n, r.dispersion_rope < 1e-4), sci(r.dispersion_rope), fixed(r.dispersion_absoluta, 3));
  n.heatmap(r.absoluta, {.row_labels = filas, .col_labels = columnas, .decimals = 2});
  std::vector<svg::Series> series;
  std::vector<real> x;
  for (int64_t delta : r.desplazamientos) x.push_back(real(delta));
  for (size_t b = 0; b < kPosicionesRope.size(); ++b) {
    std::vector<real> y;
    for (int64_t a = 0; a < r.rope.size(0); ++a) y.push_back(r.rope.at({a, int64_t(b)}));
    series.push_back({.name = "RoPE, m = " + std::to_string(kPosicionesRope[b]), .x = x, .y = y});
  }
  for (size_t b = 0; b < kPosicionesRope.size(); ++b) {
    std::vector<real> y;
    for (int64_t a = 0; a < r.absoluta.size(0); ++a) y.push_back(r.absoluta.at({a, int64_t(b)}));
    series.push_back({.name = n.tr("PE sumada, m = ", "added PE, m = ") + std::to_string(kPosicionesRope[b]),
                      .x = x,
                      .y = y,
                      .mark = svg::Mark::points});
  }
  svg::plot(n.path("rope.svg"), {.title = n.tr("q·k según el desplazamiento δ = n − m", "q·k by the offset δ = n − m"),
                                 .x_label = n.tr("desplazamiento δ", "offset δ"),
                                 .y_label = "q·k",
                                 .series = series});
  n.figure(n.path("rope.svg"), "RoPE: las curvas de todas las m coinciden", "RoPE: the curves of every m coincide");
}

// ---------------------------------------------------------------------------------------------
// Paso 8: ALiBi (Press, Smith y Lewis 2022). Nada de vectores: cada cabeza h resta m_h·|i − j|
// a la puntuación, una penalización que crece con la distancia, con pendientes fijas.
struct Alibi {
  std::vector<real> pendientes;
  Tensor sesgo;                 // [6, 6] de la cabeza 0
  Tensor pesos;                 // softmax del sesgo solo (puntuaciones q·k iguales a 0), cabeza 0
  bool solo_distancia = false;  // sesgo[i, j] depende solo de |i − j|
  bool decrece = false;         // en cada fila el peso baja al alejarse de i
};

Alibi alibi(int64_t cabezas = kCabezasAlibi) {
  ALiBi a(cabezas);
  Alibi r;
  r.pendientes = a.slopes();
  const int64_t t = int64_t(kFrase.size());
  const Tensor todo = a.bias(t, t);  // [H, 6, 6]
  r.sesgo = Tensor({t, t});
  // La cabeza 0 son los primeros t·t números; + 0.0f convierte −0 (−m·0) en 0 para imprimirlo.
  for (int64_t i = 0; i < t * t; ++i) r.sesgo[i] = todo[i] + 0.0f;
  NoGrad sin_cinta;
  r.pesos = softmax(constant(r.sesgo)).value();
  r.solo_distancia = r.decrece = true;
  for (int64_t i = 0; i < t; ++i)
    for (int64_t j = 0; j < t; ++j) {
      const real esperado = -r.pendientes[0] * real(std::abs(i - j)) + 0.0f;
      r.solo_distancia = r.solo_distancia && r.sesgo.at({i, j}) == esperado;
      if (j > 0 && j <= i) r.decrece = r.decrece && r.pesos.at({i, j}) > r.pesos.at({i, j - 1});
      if (j > i) r.decrece = r.decrece && r.pesos.at({i, j}) < r.pesos.at({i, j - 1});
    }
  return r;
}

void paso8_alibi(Narrator& n) {
  n.step(8, "ALiBi: un sesgo que crece con la distancia", "ALiBi: a bias that grows with distance");
  const Alibi r = alibi();
  std::string pendientes;
  for (real m : r.pendientes) pendientes += (pendientes.empty() ? "" : ", ") + fixed(m, 4);
  n.say(
      "ALiBi (Press, Smith y Lewis 2022) no usa vectores de posición: la cabeza h suma −m_h·|i − j| a la "
      "puntuación q_i·k_j/√d. Las pendientes de {} cabezas son 2^(−8(h+1)/H): {}. El sesgo de la cabeza 0:",
      "ALiBi (Press, Smith and Lewis 2022) uses no position vectors: head h adds −m_h·|i − j| to the score "
      "q_i·k_j/√d. The slopes of {} heads are 2^(−8(h+1)/H): {}. The bias of head 0:",
      kCabezasAlibi, pendientes);
  n.heatmap(r.sesgo, {.row_labels = kFrase, .col_labels = kFrase, .decimals = 1});
  n.say(
      "¿Depende solo de la distancia |i − j|? {}. Con todas las q·k iguales, la softmax del sesgo solo da los pesos "
      "de abajo: ¿bajan al alejarse de la diagonal? {}. Nada se aprende y el sesgo existe para cualquier largo, "
      "por eso un modelo con ALiBi se puede usar en frases más largas que las de su entrenamiento.",
      "Does it depend only on the distance |i − j|? {}. With every q·k equal, the softmax of the bias alone gives "
      "the weights below: do they drop away from the diagonal? {}. Nothing is learned and the bias exists for any "
      "length, which is why a model with ALiBi can be used on sentences longer than those it was trained on.",
      si_no(n, r.solo_distancia), si_no(n, r.decrece));
  n.heatmap(r.pesos, {.row_labels = kFrase, .col_labels = kFrase, .vmin = 0, .vmax = 1});
  svg::heatmap(n.path("alibi.svg"),
               {.title = n.tr("ALiBi: sesgo de la cabeza 0, −m·|i − j|", "ALiBi: bias of head 0, −m·|i − j|"),
                .x_label = n.tr("clave j", "key j"),
                .y_label = n.tr("consulta i", "query i"),
                .values = r.sesgo,
                .row_labels = kFrase,
                .col_labels = kFrase});
  n.figure(n.path("alibi.svg"), "el sesgo de ALiBi", "the ALiBi bias");
}

// ---------------------------------------------------------------------------------------------
// Paso 9: los códigos de la frase en 2-D. Cada par de columnas (sen, cos) pone las posiciones
// sobre un círculo de radio 1; el par rápido da una vuelta en ~6 palabras, el lento apenas gira.
struct Codigos2d {
  std::vector<real> x0, y0, x1, y1;  // pares (0, 1) y (4, 5) de PE con d = 16, posiciones 0..5
  double peor_radio = 0;             // max |sen² + cos² − 1|
};

// Cuántas letras (no bytes) tiene una palabra: en UTF-8 "ó" ocupa dos bytes.
size_t letras(const std::string& s) {
  size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}

Codigos2d codigos_2d() {
  const Tensor pe = sinusoidal_table(int64_t(kFrase.size()), 16);
  Codigos2d r;
  for (int64_t p = 0; p < pe.size(0); ++p) {
    r.x0.push_back(pe.at({p, 0})), r.y0.push_back(pe.at({p, 1}));
    r.x1.push_back(pe.at({p, 4})), r.y1.push_back(pe.at({p, 5}));
    for (int64_t c = 0; c < 16; c += 2)
      r.peor_radio = std::max(r.peor_radio, std::fabs(double(pe.at({p, c})) * pe.at({p, c}) +
                                                      double(pe.at({p, c + 1})) * pe.at({p, c + 1}) - 1));
  }
  return r;
}

void paso9_codigos(Narrator& n) {
  n.step(9, "Los códigos de la frase en 2-D", "The sentence's codes in 2-D");
  const Codigos2d r = codigos_2d();
  std::string tabla = n.tr("palabra    (PE0, PE1)        (PE4, PE5)\n", "word       (PE0, PE1)        (PE4, PE5)\n");
  for (size_t p = 0; p < kFrase.size(); ++p)
    tabla += kFrase[p] + std::string(11 - letras(kFrase[p]), ' ') + "(" + fixed(r.x0[p], 2, 5) + ", " +
             fixed(r.y0[p], 2, 5) + ")   (" + fixed(r.x1[p], 2, 5) + ", " + fixed(r.y1[p], 2, 5) + ")\n";
  n.show(tabla);
  n.say(
      "Cada par (sen, cos) está sobre el círculo de radio 1 (error máximo {}): la posición es un ángulo. En el par "
      "0 las palabras avanzan 1 radián cada una; en el par 2, 10000^(−4/16) = 0.1 radianes.",
      "Each (sin, cos) pair lies on the circle of radius 1 (largest error {}): the position is an angle. In pair 0 "
      "words advance 1 radian each; in pair 2, 10000^(−4/16) = 0.1 radians.",
      sci(r.peor_radio));
  svg::plot(
      n.path("codigos_2d.svg"),
      {.title = n.tr("«el gato saltó por la ventana»: PE en 2-D", "\"el gato saltó por la ventana\": PE in 2-D"),
       .x_label = n.tr("seno (columna 2i)", "sine (column 2i)"),
       .y_label = n.tr("coseno (columna 2i+1)", "cosine (column 2i+1)"),
       .series = {{.name = n.tr("par 0 (columnas 0, 1)", "pair 0 (columns 0, 1)"), .x = r.x0, .y = r.y0},
                  {.name = n.tr("par 2 (columnas 4, 5)", "pair 2 (columns 4, 5)"), .x = r.x1, .y = r.y1},
                  {.name = n.tr("posiciones 0…5", "positions 0…5"), .x = r.x0, .y = r.y0, .mark = svg::Mark::points}},
       .width = 480,
       .height = 480});
  n.figure(n.path("codigos_2d.svg"), "las posiciones de la frase sobre los círculos de dos pares",
           "the sentence's positions on the circles of two pairs");
}

// ---------------------------------------------------------------------------------------------
void run(Narrator& n) {
  paso1_indices(n);
  paso2_equivariancia(n);
  paso3_senoidal(n);
  paso4_escala(n);
  paso5_aprendidas(n);
  paso6_shaw(n);
  paso7_rope(n);
  paso8_alibi(n);
  paso9_codigos(n);
  n.summary({
      {"Un embedding es la fila de una tabla: one-hot × W_e da lo mismo que buscar la fila.",
       "An embedding is a row of a table: one-hot × W_e gives the same as looking up the row."},
      {"Sin posiciones la auto-atención es equivariante: permutar las palabras permuta las salidas, y «gato» sale "
       "igual en cualquier orden.",
       "Without positions self-attention is equivariant: permuting the words permutes the outputs, and \"gato\" "
       "comes out the same in any order."},
      {"La PE senoidal estándar usa 10000^(2i/d); el exponente doble del curso desperdicia la mitad de la tabla en "
       "columnas casi constantes. Se suma √d·embedding + PE para que las escalas coincidan.",
       "The standard sinusoidal PE uses 10000^(2i/d); the course's doubled exponent wastes half the table on "
       "almost constant columns. One adds √d·embedding + PE so that the scales match."},
      {"Las posiciones aprendidas son una tabla de max_len filas; Shaw aprende un vector por desplazamiento "
       "recortado; RoPE gira q y k para que q·k dependa solo de n − m; ALiBi resta una pendiente por la distancia.",
       "Learned positions are a table of max_len rows; Shaw learns one vector per clipped offset; RoPE rotates q "
       "and k so that q·k depends only on n − m; ALiBi subtracts a slope times the distance."},
  });
  n.exercises({
      {"Cambia kBaseSenoidal de 10000 a 100: en el paso 3 ninguna columna de la tabla estándar queda casi "
       "constante (0 de 512) y el curso aún tiene muchas.",
       "Change kBaseSenoidal from 10000 to 100: in step 3 no column of the standard table stays almost constant "
       "(0 of 512) and the course's still has many."},
      {"En kPosicionesRope añade 1000: la nueva columna del paso 7 repite los mismos valores de las otras (salvo "
       "redondeo en la cuarta cifra), mientras la tabla con PE sumada cambia.",
       "In kPosicionesRope add 1000: the new column of step 7 repeats the same values as the others (up to rounding "
       "in the fourth digit), while the table with added PE changes."},
      {"Cambia kRecorteShaw a 1: la tabla de índices del paso 6 solo tiene 3 valores (0, 1, 2) y todo par a "
       "distancia 2 o más comparte el vector del extremo.",
       "Change kRecorteShaw to 1: the index table of step 6 has only 3 values (0, 1, 2) and every pair at distance "
       "2 or more shares the last vector."},
      {"Cambia kCabezasAlibi a 8: las pendientes son 1/2, 1/4, …, 1/256, y la cabeza 0 (pendiente 1/2) mira más "
       "cerca que con 4 cabezas (pendiente 1/4).",
       "Change kCabezasAlibi to 8: the slopes are 1/2, 1/4, …, 1/256, and head 0 (slope 1/2) looks closer than with "
       "4 heads (slope 1/4)."},
      {"Sube kMaxLenAprendida a 16: en el paso 5 la frase de 10 palabras ya cabe y no hay error.",
       "Raise kMaxLenAprendida to 16: in step 5 the 10-word sentence now fits and there is no error."},
  });
}

}  // namespace lesson04

#ifndef ATN_LESSON_NO_MAIN
int main(int argc, char** argv) {
  return atn::run_lesson(argc, argv, "04",
                         {"Embeddings y codificación posicional", "Embeddings and positional encoding"}, lesson04::run);
}
#endif
