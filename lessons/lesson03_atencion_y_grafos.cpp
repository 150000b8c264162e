// Lección 03 · Auto-atención y estructuras gráficas
//
// La matriz de atención A de la lección 02 es la matriz de adyacencia de un grafo: A[i, j] es el
// peso de la arista i → j ("el token i escucha al token j"). La auto-atención trabaja sobre el
// grafo completo, con pesos que dependen de la entrada. Si restringimos cada nodo a sus vecinos
// N(i) obtenemos atención sobre un grafo cualquiera; en una cuadrícula, con pesos fijos, eso es
// exactamente una convolución 3×3. Y si los pesos se aprenden de los rasgos de los nodos, es
// una capa GAT (Veličković et al. 2018), que entrenamos en un problema pequeño.
//
//   make lesson03                      ejecuta la lección
//   make lesson03 ARGS="--step"        espera Enter tras cada paso
//   make lesson03 ARGS="--lang en"     in English
#include <cmath>

#include "autograd/ops_basic.h"
#include "autograd/ops_loss.h"
#include "autograd/ops_math.h"
#include "autograd/ops_softmax.h"
#include "lessons/common/narrator.h"
#include "nn/attention/graph_attention.h"
#include "nn/attention/masks.h"
#include "nn/embedding.h"
#include "optim/adam.h"
#include "tensor/elementwise.h"
#include "tensor/matmul.h"
#include "tensor/reduce.h"
#include "viz/graph_svg.h"
#include "viz/svg.h"

namespace lesson03 {

using namespace atn;

// La frase del ejemplo del curso, una palabra por nodo.
const std::vector<std::string> kFrase = {"el", "gato", "negro", "salta", "la", "cerca"};
constexpr int64_t kDim = 8;  // tamaño de los embeddings de las palabras

// ---------------------------------------------------------------------------------------------
// Paso 1: la auto-atención es un grafo completo con pesos. Cada palabra es un nodo; A[i, j] es
// el peso de la arista i → j. Las filas suman 1: cada nodo reparte una unidad de atención.
struct GrafoDeAtencion {
  Tensor pesos;     // A [6, 6]
  Tensor salida;    // H [6, d]
  Tensor vecindad;  // la máscara usada ([6, 6] de 0/1), indefinida en el grafo completo
};

// Embeddings aleatorios (con semilla) de las palabras y una capa de atención sin entrenar: lo
// que importa aquí es la forma del cálculo, no el significado de los pesos. `ids` elige las
// palabras de un vocabulario de 7 (las 6 de la frase y "perro", el id 6).
GrafoDeAtencion atencion_sobre(const std::vector<real>& ids, uint64_t semilla, const Tensor& vecindad = Tensor()) {
  Rng rng(semilla);
  Embedding emb(7, kDim, rng);
  GraphSelfAttention atencion(kDim, rng);  // una SelfAttention (lección 02) que acepta una vecindad
  NoGrad sin_cinta;
  const Var x = emb(Tensor::from(ids));
  const Tensor todos = Tensor::ones({int64_t(ids.size()), int64_t(ids.size())});  // grafo completo
  auto [h, a] = atencion(x, vecindad.defined() ? vecindad : todos);
  return {a.value(), h.value(), vecindad};
}

std::vector<real> ids_de_la_frase() { return {0, 1, 2, 3, 4, 5}; }

// La suma de cada fila menos 1, la mayor en valor absoluto.
double error_de_filas(const Tensor& a) {
  double peor = 0;
  for (int64_t i = 0; i < a.size(0); ++i) {
    double s = 0;
    for (int64_t j = 0; j < a.size(1); ++j) s += a.at({i, j});
    peor = std::max(peor, std::fabs(s - 1));
  }
  return peor;
}

// El vecino más escuchado por cada palabra: argmax de su fila, sin contarse a sí misma.
std::vector<int64_t> vecino_preferido(const Tensor& a) {
  std::vector<int64_t> r;
  for (int64_t i = 0; i < a.size(0); ++i) {
    int64_t mejor = i == 0 ? 1 : 0;
    for (int64_t j = 0; j < a.size(1); ++j)
      if (j != i && a.at({i, j}) > a.at({i, mejor})) mejor = j;
    r.push_back(mejor);
  }
  return r;
}

int64_t aristas_positivas(const Tensor& a) {
  int64_t n = 0;
  for (real v : a) n += v > 0;
  return n;
}

void paso1_grafo_completo(Narrator& n) {
  n.step(1, "La atención como grafo completo con pesos", "Attention as a complete weighted graph");
  n.say(
      "Cada palabra de «el gato negro salta la cerca» es un nodo. A = softmax(QKᵀ/√d) da un peso A[i, j] a la "
      "arista i → j: cuánto escucha la palabra i a la palabra j. Como la softmax nunca da 0, todas las aristas "
      "existen: es un grafo completo, y sus pesos dependen de la entrada.",
      "Each word of \"el gato negro salta la cerca\" (the black cat jumps the fence) is a node. "
      "A = softmax(QKᵀ/√d) gives a weight A[i, j] to the edge i → j: how much word i listens to word j. Since the "
      "softmax is never 0, every edge exists: it is a complete graph, and its weights depend on the input.");
  const GrafoDeAtencion g = atencion_sobre(ids_de_la_frase(), n.options().seed);
  n.heatmap(g.pesos, {.row_labels = kFrase, .col_labels = kFrase, .vmin = 0, .vmax = 1});
  const int64_t positivas = aristas_positivas(g.pesos);
  n.say("Aristas con peso > 0: {} de {}. La suma de cada fila difiere de 1 en a lo más {}.",
        "Edges with weight > 0: {} of {}. Each row sums to 1 within {}.", positivas, g.pesos.numel(),
        sci(error_de_filas(g.pesos)));
  const std::vector<int64_t> preferido = vecino_preferido(g.pesos);
  std::string tabla = n.tr("palabra   escucha más a (sin contarse)\n", "word      listens most to (not itself)\n");
  for (size_t i = 0; i < kFrase.size(); ++i) {
    const int64_t j = preferido[i];
    tabla += kFrase[i] + std::string(10 - kFrase[i].size(), ' ') + kFrase[size_t(j)] + " (" +
             fixed(g.pesos.at({int64_t(i), j}), 2) + ")\n";
  }
  n.show(tabla);
  n.say(
      "Los embeddings y las proyecciones son aleatorios (sin entrenar), así que estas preferencias no significan "
      "nada todavía; lo que importa es la forma: una matriz de adyacencia que se calcula de los datos.",
      "The embeddings and projections are random (untrained), so these preferences mean nothing yet; what matters "
      "is the shape: an adjacency matrix computed from the data.");

  // Cambiar una palabra cambia el grafo entero: la clave y el valor de "perro" son otros.
  std::vector<real> otra = ids_de_la_frase();
  otra[1] = 6;  // "gato" → "perro"
  const GrafoDeAtencion p = atencion_sobre(otra, n.options().seed);
  double cambio_fila_el = 0;
  for (int64_t j = 0; j < 6; ++j)
    cambio_fila_el = std::max(cambio_fila_el, double(std::fabs(p.pesos.at({0, j}) - g.pesos.at({0, j}))));
  n.say(
      "Con «perro» en lugar de «gato», hasta la fila de «el» cambia (el mayor cambio en ella es {}): los pesos no "
      "son fijos, dependen de todas las palabras.",
      "With \"perro\" (dog) instead of \"gato\", even the row of \"el\" changes (its largest change is {}): the "
      "weights are not fixed, they depend on every word.",
      fixed(cambio_fila_el, 3));

  svg::graph(n.path("grafo_completo.svg"), {.title = n.tr("Atención sobre «el gato negro salta la cerca»",
                                                          "Attention over \"el gato negro salta la cerca\""),
                                            .labels = kFrase,
                                            .weights = g.pesos,
                                            .weight_label = n.tr("peso de atención", "attention weight")});
  n.figure(n.path("grafo_completo.svg"), "la atención como grafo completo con pesos",
           "attention as a complete weighted graph");
  svg::heatmap(n.path("matriz_completa.svg"), {.title = n.tr("Matriz de atención A", "Attention matrix A"),
                                               .x_label = n.tr("clave j (a quién se escucha)", "key j (listened to)"),
                                               .y_label = n.tr("consulta i (quién escucha)", "query i (listener)"),
                                               .values = g.pesos,
                                               .row_labels = kFrase,
                                               .col_labels = kFrase,
                                               .vmin = 0,
                                               .vmax = 1});
  n.figure(n.path("matriz_completa.svg"), "la misma matriz como mapa de calor", "the same matrix as a heatmap");
}

// ---------------------------------------------------------------------------------------------
// Paso 2: atención restringida a una vecindad N(i). Un árbol de dependencias de la frase:
// "gato" se une a "el" y a "negro", "salta" a "gato" y a "cerca", "cerca" a "la".
const std::vector<std::pair<int64_t, int64_t>> kDependencias = {{1, 0}, {1, 2}, {3, 1}, {3, 5}, {5, 4}};

Tensor vecindad_de_la_frase() { return graph_mask(6, kDependencias, /*self_loops=*/true, /*symmetric=*/true); }

// Cuánto difieren los pesos restringidos de los completos renormalizados sobre N(i):
// A_N[i, j] = A[i, j] / Σ_{k ∈ N(i)} A[i, k]. (La softmax solo sobre los vecinos es eso.)
double diferencia_con_renormalizar(const Tensor& completa, const Tensor& restringida, const Tensor& vecindad) {
  double peor = 0;
  for (int64_t i = 0; i < completa.size(0); ++i) {
    double s = 0;
    for (int64_t j = 0; j < completa.size(1); ++j) s += vecindad.at({i, j}) * completa.at({i, j});
    for (int64_t j = 0; j < completa.size(1); ++j) {
      const double esperado = vecindad.at({i, j}) * completa.at({i, j}) / s;
      peor = std::max(peor, std::fabs(esperado - restringida.at({i, j})));
    }
  }
  return peor;
}

// Pesos fuera del grafo (donde la vecindad es 0) que no son exactamente 0.
int64_t pesos_fuera_del_grafo(const Tensor& pesos, const Tensor& vecindad) {
  int64_t n = 0;
  for (int64_t k = 0; k < pesos.numel(); ++k) n += vecindad[k] == 0 && pesos[k] != 0;
  return n;
}

void paso2_vecindad(Narrator& n) {
  n.step(2, "Atención sobre un grafo: solo los vecinos N(i)", "Attention on a graph: only the neighbours N(i)");
  n.say(
      "Ahora cada palabra solo mira a sus vecinos en un árbol de dependencias (y a sí misma): gato–el, gato–negro, "
      "salta–gato, salta–cerca, cerca–la. La matriz de adyacencia es la máscara: las puntuaciones de los no vecinos "
      "se vuelven −∞ antes de la softmax.",
      "Now each word looks only at its neighbours in a dependency tree (and at itself): gato–el, gato–negro, "
      "salta–gato, salta–cerca, cerca–la. The adjacency matrix is the mask: the scores of non-neighbours become "
      "−∞ before the softmax.");
  const Tensor vecindad = vecindad_de_la_frase();
  n.heatmap(vecindad, {.row_labels = kFrase, .col_labels = kFrase, .decimals = 0});
  const GrafoDeAtencion completa = atencion_sobre(ids_de_la_frase(), n.options().seed);
  const GrafoDeAtencion g = atencion_sobre(ids_de_la_frase(), n.options().seed, vecindad);
  n.heatmap(g.pesos, {.row_labels = kFrase, .col_labels = kFrase, .vmin = 0, .vmax = 1});
  const int64_t fuera = pesos_fuera_del_grafo(g.pesos, vecindad);
  const double renorm = diferencia_con_renormalizar(completa.pesos, g.pesos, vecindad);
  n.say("Pesos distintos de 0 fuera del grafo: {}. Cada fila sigue sumando 1 (error {}).",
        "Nonzero weights off the graph: {}. Each row still sums to 1 (error {}).", fuera, sci(error_de_filas(g.pesos)));
  n.say(
      "Son los pesos del paso 1 renormalizados sobre N(i), A[i, j] / Σ_(k∈N(i)) A[i, k]: la mayor diferencia es {} "
      "({}).",
      "They are the weights of step 1 renormalized over N(i), A[i, j] / Σ_(k∈N(i)) A[i, k]: the largest difference "
      "is {} ({}).",
      sci(renorm),
      renorm < 1e-5 ? n.tr("iguales salvo redondeo", "equal up to rounding") : n.tr("distintos", "different"));
  svg::graph(n.path("grafo_vecinos.svg"),
             {.title = n.tr("Atención solo entre vecinos del árbol", "Attention only between tree neighbours"),
              .labels = kFrase,
              .weights = g.pesos,
              .weight_label = n.tr("peso de atención", "attention weight")});
  n.figure(n.path("grafo_vecinos.svg"), "la atención restringida al árbol de dependencias",
           "attention restricted to the dependency tree");
}

// ---------------------------------------------------------------------------------------------
// Paso 3: en una cuadrícula, la convolución 3×3 es atención con pesos fijos. El píxel i tiene
// por vecinos los 9 píxeles de su ventana 3×3; el peso de la arista i → j no sale de una
// softmax sino del kernel, según la posición relativa de j respecto de i.
constexpr int64_t kLado = 6;  // imagen de 6×6

// Una imagen pequeña: un cuadrado de unos en una esquina y un punto suelto.
Tensor imagen_de_ejemplo() {
  Tensor img = Tensor::zeros({kLado, kLado});
  for (int64_t y = 1; y <= 3; ++y)
    for (int64_t x = 1; x <= 3; ++x) img.at({y, x}) = 1;
  img.at({4, 4}) = 2;
  return img;
}

// El kernel de Sobel en x (derivada horizontal): responde a los bordes verticales.
Tensor kernel_sobel() { return Tensor::from({-1, 0, 1, -2, 0, 2, -1, 0, 1}, {3, 3}); }

// La convolución como la hacen las redes convolucionales (sin voltear el kernel: correlación
// cruzada), con relleno de ceros para que la salida tenga el tamaño de la entrada.
Tensor convolucion_3x3(const Tensor& img, const Tensor& kernel) {
  const int64_t alto = img.size(0), ancho = img.size(1);
  Tensor out = Tensor::zeros({alto, ancho});
  for (int64_t y = 0; y < alto; ++y)
    for (int64_t x = 0; x < ancho; ++x) {
      real s = 0;
      for (int64_t dy = -1; dy <= 1; ++dy)
        for (int64_t dx = -1; dx <= 1; ++dx) {
          const int64_t yy = y + dy, xx = x + dx;
          if (yy >= 0 && yy < alto && xx >= 0 && xx < ancho) s += kernel.at({dy + 1, dx + 1}) * img.at({yy, xx});
        }
      out.at({y, x}) = s;
    }
  return out;
}

// La vecindad de la cuadrícula como grafo: píxel i = y·ancho + x unido a los 8 de alrededor
// (y a sí mismo). Es la misma graph_mask del paso 2, con otras aristas.
Tensor vecindad_de_cuadricula(int64_t alto, int64_t ancho) {
  std::vector<std::pair<int64_t, int64_t>> aristas;
  for (int64_t y = 0; y < alto; ++y)
    for (int64_t x = 0; x < ancho; ++x)
      for (int64_t dy = -1; dy <= 1; ++dy)
        for (int64_t dx = -1; dx <= 1; ++dx) {
          const int64_t yy = y + dy, xx = x + dx;
          if ((dy || dx) && yy >= 0 && yy < alto && xx >= 0 && xx < ancho)
            aristas.push_back({y * ancho + x, yy * ancho + xx});
        }
  return graph_mask(alto * ancho, aristas);
}

// A[i, j] = kernel[dy + 1, dx + 1] si j es vecino de i con desplazamiento (dy, dx); 0 si no.
Tensor atencion_fija(const Tensor& vecindad, int64_t ancho, const Tensor& kernel) {
  const int64_t n = vecindad.size(0);
  Tensor a = Tensor::zeros({n, n});
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = 0; j < n; ++j)
      if (vecindad.at({i, j}) != 0) {
        const int64_t dy = j / ancho - i / ancho, dx = j % ancho - i % ancho;
        a.at({i, j}) = kernel.at({dy + 1, dx + 1});
      }
  return a;
}

struct ConvolucionComoAtencion {
  Tensor imagen, kernel, convolucion, atencion, pesos;  // atencion: A·x vuelta a 6×6; pesos: A [36, 36]
  double diferencia = 0;
  // La versión con softmax: un kernel positivo que suma 1 (desenfoque) sale de softmax(log w).
  Tensor desenfoque, con_softmax;
  int iguales_interior = 0, interior = 0, distintos_borde = 0, borde = 0;
};

ConvolucionComoAtencion convolucion_como_atencion(const Tensor& kernel = kernel_sobel()) {
  ConvolucionComoAtencion r;
  r.imagen = imagen_de_ejemplo();
  r.kernel = kernel;
  r.convolucion = convolucion_3x3(r.imagen, r.kernel);
  const Tensor vecindad = vecindad_de_cuadricula(kLado, kLado);
  r.pesos = atencion_fija(vecindad, kLado, r.kernel);
  // Los valores son los propios píxeles (v_j = x_j): la salida de i es Σ_j A[i, j]·x_j.
  r.atencion = matmul(r.pesos, r.imagen.reshape({kLado * kLado, 1})).reshape({kLado, kLado});
  r.diferencia = max_abs_diff(r.convolucion, r.atencion);

  // Desenfoque 1/16·[1 2 1; 2 4 2; 1 2 1]: pesos positivos que suman 1, como los de una softmax.
  // Con puntuaciones s_ij = log w(dy, dx) en la vecindad y −∞ fuera, softmax da exactamente w
  // donde la ventana cabe entera; en el borde renormaliza sobre los vecinos que existen.
  const Tensor blur = map(Tensor::from({1, 2, 1, 2, 4, 2, 1, 2, 1}, {3, 3}), [](real v) { return v / 16; });
  r.desenfoque = convolucion_3x3(r.imagen, blur);
  const Tensor log_blur = map(blur, [](real v) { return std::log(v); });
  const Tensor puntuaciones = atencion_fija(vecindad, kLado, log_blur);
  NoGrad sin_cinta;
  const Var a = softmax(apply_mask(constant(puntuaciones), vecindad, "lesson03"));
  r.con_softmax = matmul(a.value(), r.imagen.reshape({kLado * kLado, 1})).reshape({kLado, kLado});
  for (int64_t y = 0; y < kLado; ++y)
    for (int64_t x = 0; x < kLado; ++x) {
      const bool dentro = y > 0 && y < kLado - 1 && x > 0 && x < kLado - 1;
      const bool igual = std::fabs(r.con_softmax.at({y, x}) - r.desenfoque.at({y, x})) < 1e-5;
      if (dentro)
        r.interior++, r.iguales_interior += igual;
      else
        r.borde++, r.distintos_borde += !igual;
    }
  return r;
}

void paso3_convolucion(Narrator& n) {
  n.step(3, "Convolución 3×3 = atención con pesos fijos en una cuadrícula",
         "3×3 convolution = attention with fixed weights on a grid");
  n.say(
      "Una imagen de {}×{} es un grafo: cada píxel es un nodo unido a los 8 que lo rodean. Si el peso de la arista "
      "i → j no sale de una softmax sino del kernel, según dónde está j respecto de i, la «atención» Σ_j A[i, j]·x_j "
      "es la convolución. El kernel es Sobel en x, que responde a los bordes verticales:",
      "A {}×{} image is a graph: each pixel is a node joined to the 8 around it. If the weight of edge i → j comes "
      "not from a softmax but from the kernel, by where j sits relative to i, the \"attention\" Σ_j A[i, j]·x_j is "
      "the convolution. The kernel is Sobel in x, which responds to vertical edges:",
      kLado, kLado);
  const ConvolucionComoAtencion r = convolucion_como_atencion();
  n.show(r.kernel.str(0));
  n.say("La imagen:", "The image:");
  n.heatmap(r.imagen, {.decimals = 0});
  n.say("La fila de A del píxel (2, 3), vuelta a dibujar como imagen: es el kernel centrado en ese píxel.",
        "The row of A of pixel (2, 3), drawn again as an image: it is the kernel centered on that pixel.");
  const int64_t i = 2 * kLado + 3;
  Tensor fila({kLado, kLado});
  for (int64_t j = 0; j < kLado * kLado; ++j) fila[j] = r.pesos.at({i, j});
  n.heatmap(fila, {.decimals = 0});
  n.say("Primero la convolución con bucles y debajo A·x:", "First the convolution with loops, below it A·x:");
  n.heatmap(r.convolucion, {.decimals = 0});
  n.heatmap(r.atencion, {.decimals = 0});
  n.say("¿Iguales? {} (mayor diferencia {}).", "Equal? {} (largest difference {}).",
        r.diferencia == 0 ? n.tr("sí", "yes") : n.tr("no", "no"), r.diferencia);
  n.say(
      "Diferencias con la auto-atención: aquí A es fija (no depende de la imagen) y puede ser negativa; la de la "
      "lección 02 sale de una softmax, positiva y con filas que suman 1. Un kernel positivo que suma 1, como el "
      "desenfoque 1/16·[1 2 1; 2 4 2; 1 2 1], sí sale de una softmax: con puntuaciones log w en la vecindad.",
      "Differences from self-attention: here A is fixed (it does not depend on the image) and may be negative; the "
      "one of lesson 02 comes from a softmax, positive with rows that sum to 1. A positive kernel that sums to 1, "
      "like the blur 1/16·[1 2 1; 2 4 2; 1 2 1], does come out of a softmax: with scores log w on the neighbourhood.");
  n.say(
      "softmax(log w) = desenfoque en {} de los {} píxeles interiores; en el borde la ventana se sale de la imagen "
      "y la softmax renormaliza sobre los vecinos que quedan: {} de los {} píxeles del borde difieren del "
      "desenfoque con relleno de ceros.",
      "softmax(log w) = blur on {} of the {} interior pixels; at the border the window leaves the image and the "
      "softmax renormalizes over the remaining neighbours: {} of the {} border pixels differ from the blur with zero "
      "padding.",
      r.iguales_interior, r.interior, r.distintos_borde, r.borde);
  n.say(
      "Un kernel general (con negativos, como Sobel) lo logran varias cabezas: Cordonnier, Loukas y Jaggi (2020) "
      "prueban que 9 cabezas, cada una fija en un desplazamiento, reproducen cualquier convolución 3×3.",
      "A general kernel (with negatives, like Sobel) takes several heads: Cordonnier, Loukas and Jaggi (2020) prove "
      "that 9 heads, each fixed on one offset, reproduce any 3×3 convolution.");
  std::vector<std::string> pixeles;
  for (int64_t y = 0; y < kLado; ++y)
    for (int64_t x = 0; x < kLado; ++x) pixeles.push_back("(" + std::to_string(y) + "," + std::to_string(x) + ")");
  svg::heatmap(n.path("convolucion_como_atencion.svg"),
               {.title = n.tr("Convolución de Sobel como matriz de atención fija A",
                              "Sobel convolution as a fixed attention matrix A"),
                .x_label = n.tr("píxel j (vecino)", "pixel j (neighbour)"),
                .y_label = n.tr("píxel i", "pixel i"),
                .values = r.pesos,
                .row_labels = pixeles,
                .col_labels = pixeles});
  n.figure(n.path("convolucion_como_atencion.svg"), "la matriz A de 36×36 de la convolución",
           "the 36×36 matrix A of the convolution");
}

// ---------------------------------------------------------------------------------------------
// Paso 4: paso de mensajes y una capa GAT entrenada. Un grafo de tres comunidades (un «modelo
// de bloques estocástico»): dentro de una comunidad las aristas son frecuentes, entre
// comunidades raras. Cada nodo tiene rasgos ruidosos que solo insinúan su clase; solo conocemos
// la clase de un tercio de los nodos y hay que adivinar la del resto.
struct ConfigGrafo {
  int64_t por_clase = 15;  // nodos por comunidad
  int64_t clases = 3;
  double p_dentro = 0.3, p_fuera = 0.02;  // probabilidad de arista dentro / entre comunidades
  real ruido = 0.7f;                      // desviación estándar del ruido de los rasgos
  double etiquetados = 1.0 / 3;           // fracción de nodos con clase conocida
  uint64_t semilla = 1;
};

struct GrafoDeComunidades {
  Tensor rasgos;    // [N, clases]: one-hot de la clase + ruido
  Tensor vecindad;  // [N, N] de 0/1 (sin lazos; GATLayer los añade)
  Tensor clase;     // [N]
  Tensor objetivo;  // [N]: la clase en los etiquetados, −100 (ignorar) en el resto
  std::vector<bool> etiquetado;
  int64_t aristas = 0, aristas_dentro = 0;
};

GrafoDeComunidades grafo_de_comunidades(const ConfigGrafo& cfg) {
  Rng rng(cfg.semilla);
  const int64_t n = cfg.por_clase * cfg.clases;
  GrafoDeComunidades g;
  g.clase = Tensor({n});
  for (int64_t i = 0; i < n; ++i) g.clase[i] = real(i / cfg.por_clase);  // ordenados por clase: se ven los bloques
  std::vector<std::pair<int64_t, int64_t>> aristas;
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = i + 1; j < n; ++j) {
      const bool misma = g.clase[i] == g.clase[j];
      if (rng.bernoulli(misma ? cfg.p_dentro : cfg.p_fuera)) aristas.push_back({i, j}), g.aristas_dentro += misma;
    }
  g.aristas = int64_t(aristas.size());
  g.vecindad = graph_mask(n, aristas, /*self_loops=*/false);
  g.rasgos = Tensor::randn({n, cfg.clases}, rng, 0, cfg.ruido);
  for (int64_t i = 0; i < n; ++i) g.rasgos.at({i, int64_t(g.clase[i])}) += 1;
  g.objetivo = g.clase.clone();
  const std::vector<int64_t> orden = rng.permutation(n);
  g.etiquetado.assign(size_t(n), false);
  for (int64_t k = 0; k < n; ++k) {
    const bool conocido = double(k) < cfg.etiquetados * double(n);
    g.etiquetado[size_t(orden[size_t(k)])] = conocido;
    if (!conocido) g.objetivo[orden[size_t(k)]] = -100;
  }
  return g;
}

// Dos capas GAT: 4 cabezas de 8 rasgos concatenadas, relu, y una cabeza que da las 3 puntuaciones.
struct RedGat {
  GATLayer capa1, capa2;
  RedGat(int64_t entrada, int64_t clases, Rng& rng) : capa1(entrada, 8, 4, rng), capa2(32, clases, 1, rng, false) {}
  AttentionResult operator()(const Var& x, const Tensor& vecindad) {
    auto [h, a] = capa1(x, vecindad);
    return {capa2(relu(h), vecindad).context, a};  // los pesos de la primera capa, para dibujarlos
  }
  std::vector<Var> parameters() {
    std::vector<Var> p = capa1.parameters();
    for (const Var& v : capa2.parameters()) p.push_back(v);
    return p;
  }
};

struct ResultadoGat {
  double exactitud_prueba = 0;  // en los nodos sin etiqueta
  std::vector<real> perdidas;   // por época
  Tensor pesos;                 // [N, N]: la atención de la capa 1, promedio de las cabezas
  Tensor prediccion;            // [N]
};

// `con_grafo = false`: la misma red con una vecindad vacía; GATLayer añade los lazos, así que
// cada nodo solo se ve a sí mismo y la red clasifica con sus propios rasgos (un perceptrón).
ResultadoGat entrenar_gat(const GrafoDeComunidades& g, bool con_grafo, int epocas, uint64_t semilla) {
  Rng rng(semilla + 1000);
  const int64_t n = g.rasgos.size(0), clases = g.rasgos.size(1);
  RedGat red(clases, clases, rng);
  const Tensor vecindad = con_grafo ? g.vecindad : Tensor::zeros({n, n});
  Adam opt(red.parameters(), {.lr = 0.01f});
  const Var x = constant(g.rasgos);
  ResultadoGat r;
  for (int e = 0; e < epocas; ++e) {
    opt.zero_grad();
    // La pérdida solo mira los nodos etiquetados (el resto tiene objetivo −100, que se ignora).
    Var perdida = cross_entropy(red(x, vecindad).context, g.objetivo, {.ignore_index = -100});
    backward(perdida);
    opt.step();
    r.perdidas.push_back(perdida.item());
  }
  NoGrad sin_cinta;
  auto [logits, a] = red(x, vecindad);
  r.prediccion = argmax(logits.value(), 1);
  r.pesos = mean(a, 0).value();
  int aciertos = 0, total = 0;
  for (int64_t i = 0; i < n; ++i)
    if (!g.etiquetado[size_t(i)]) total++, aciertos += r.prediccion[i] == g.clase[i];
  r.exactitud_prueba = double(aciertos) / total;
  return r;
}

int epocas_gat(const LessonOptions& o) { return o.mode == RunMode::quick ? 100 : o.mode == RunMode::full ? 400 : 200; }

// Qué fracción de la atención de la capa 1 (sin contar los lazos) cae en vecinos de la misma clase.
double atencion_en_misma_clase(const GrafoDeComunidades& g, const Tensor& pesos) {
  double misma = 0, total = 0;
  for (int64_t i = 0; i < pesos.size(0); ++i)
    for (int64_t j = 0; j < pesos.size(1); ++j)
      if (i != j) total += pesos.at({i, j}), misma += g.clase[i] == g.clase[j] ? pesos.at({i, j}) : 0;
  return total > 0 ? misma / total : 0;
}

void paso4_gat(Narrator& n) {
  n.step(4, "Paso de mensajes y una capa GAT entrenada", "Message passing and a trained GAT layer");
  n.say(
      "Paso de mensajes: cada nodo recibe un mensaje W h_j de cada vecino y los suma con pesos, h'_i = Σ_(j∈N(i)) "
      "α_ij W h_j. En GAT (Veličković et al. 2018) los pesos salen de los rasgos: e_ij = LeakyReLU(a₁·W h_i + "
      "a₂·W h_j) y α_i = softmax de e_i sobre N(i), con i incluido. Es la atención del paso 2 con otra puntuación.",
      "Message passing: each node receives a message W h_j from each neighbour and adds them with weights, "
      "h'_i = Σ_(j∈N(i)) α_ij W h_j. In GAT (Veličković et al. 2018) the weights come from the features: "
      "e_ij = LeakyReLU(a₁·W h_i + a₂·W h_j) and α_i = softmax of e_i over N(i), i included. It is the attention "
      "of step 2 with another score.");
  ConfigGrafo cfg;
  cfg.semilla = n.options().seed;
  const GrafoDeComunidades g = grafo_de_comunidades(cfg);
  const int64_t nodos = g.rasgos.size(0);
  int64_t conocidos = 0;
  for (bool e : g.etiquetado) conocidos += e;
  n.say(
      "El problema: {} nodos en {} comunidades, {} aristas ({} dentro de una comunidad). Los rasgos son la clase "
      "en one-hot más ruido de desviación estándar {}: por sí solos solo la insinúan. Conocemos la clase de {} "
      "nodos y hay que adivinar la de los otros {}.",
      "The task: {} nodes in {} communities, {} edges ({} inside a community). The features are the one-hot class "
      "plus noise of standard deviation {}: on their own they only hint at it. We know the class of {} nodes "
      "and must guess the other {}.",
      nodos, cfg.clases, g.aristas, g.aristas_dentro, cfg.ruido, conocidos, nodos - conocidos);
  const int epocas = epocas_gat(n.options());
  const ResultadoGat con = entrenar_gat(g, true, epocas, cfg.semilla);
  const ResultadoGat sin = entrenar_gat(g, false, epocas, cfg.semilla);
  n.say(
      "Dos capas GAT (4 cabezas × 8, relu, 1 cabeza × 3), Adam, {} épocas. La misma red sin aristas (cada nodo "
      "solo se ve a sí mismo) es un perceptrón de dos capas sobre sus propios rasgos.",
      "Two GAT layers (4 heads × 8, relu, 1 head × 3), Adam, {} epochs. The same network without edges (each node "
      "sees only itself) is a two-layer perceptron on its own features.",
      epocas);
  n.show(n.tr("                    pérdida final   exactitud en los nodos sin etiqueta\n",
              "                    final loss      accuracy on the unlabeled nodes\n") +
         n.tr("con el grafo        ", "with the graph      ") + fixed(con.perdidas.back(), 3, 8) + "        " +
         fixed(100 * con.exactitud_prueba, 1, 5) + " %\n" + n.tr("sin aristas         ", "without edges       ") +
         fixed(sin.perdidas.back(), 3, 8) + "        " + fixed(100 * sin.exactitud_prueba, 1, 5) + " %");
  const double ventaja = 100 * (con.exactitud_prueba - sin.exactitud_prueba);
  n.say(
      "{}: {} puntos. Promediar los mensajes de vecinos, casi todos de la misma comunidad, cancela buena parte del "
      "ruido de los rasgos.",
      "{}: {} points. Averaging the messages of neighbours, nearly all from the same community, cancels much of "
      "the noise of the features.",
      ventaja > 0 ? n.tr("El grafo ayuda", "The graph helps") : n.tr("El grafo NO ayudó", "The graph did NOT help"),
      fixed(ventaja, 1));
  const double misma = atencion_en_misma_clase(g, con.pesos);
  const double fraccion_aristas = double(g.aristas_dentro) / double(std::max<int64_t>(1, g.aristas));
  n.say(
      "De la atención de la capa 1 hacia otros nodos, el {} % va a vecinos de la misma clase; de las aristas, lo "
      "son el {} %.",
      "Of the layer-1 attention paid to other nodes, {} % goes to neighbours of the same class; of the edges, "
      "{} % are.",
      fixed(100 * misma, 1), fixed(100 * fraccion_aristas, 1));
  // A quién escucha el nodo 0 (clase 0) en la capa 1: sus vecinos, su clase y su peso.
  n.say("El nodo 0 (clase 0) en la capa 1 escucha a:", "Node 0 (class 0) in layer 1 listens to:");
  std::string fila = n.tr("nodo  clase  peso\n", "node  class  weight\n");
  for (int64_t j = 0; j < nodos; ++j)
    if (con.pesos.at({0, j}) > 0)
      fila += fmt("{}  {}  {}\n", fixed(j, 0, 4), fixed(g.clase[j], 0, 5), fixed(con.pesos.at({0, j}), 2, 5));
  n.show(fila);
  std::vector<int> grupos;
  for (int64_t i = 0; i < nodos; ++i) grupos.push_back(int(g.clase[i]));
  svg::graph(n.path("gat_grafo.svg"),
             {.title = n.tr("GAT: atención de la capa 1 (color = clase)", "GAT: layer-1 attention (color = class)"),
              .weights = con.pesos,
              .groups = grupos,
              .threshold = 0.02f,
              .weight_label = n.tr("peso de atención", "attention weight")});
  n.figure(n.path("gat_grafo.svg"), "el grafo de comunidades con los pesos de GAT",
           "the community graph with the GAT weights");
  svg::heatmap(n.path("gat_matriz.svg"), {.title = n.tr("GAT: atención de la capa 1, promedio de 4 cabezas",
                                                        "GAT: layer-1 attention, mean of 4 heads"),
                                          .x_label = n.tr("nodo j (vecino)", "node j (neighbour)"),
                                          .y_label = n.tr("nodo i", "node i"),
                                          .values = con.pesos,
                                          .vmin = 0});
  n.figure(n.path("gat_matriz.svg"), "la matriz de atención de GAT (bloques = comunidades)",
           "the GAT attention matrix (blocks = communities)");
  svg::plot(n.path("gat_perdida.svg"), {.title = n.tr("Pérdida de entrenamiento", "Training loss"),
                                        .x_label = n.tr("época", "epoch"),
                                        .y_label = n.tr("entropía cruzada", "cross-entropy"),
                                        .series = {{.name = n.tr("con el grafo", "with the graph"), .y = con.perdidas},
                                                   {.name = n.tr("sin aristas", "without edges"), .y = sin.perdidas}}});
  n.figure(n.path("gat_perdida.svg"), "la pérdida con y sin el grafo", "the loss with and without the graph");
}

// ---------------------------------------------------------------------------------------------
void run(Narrator& n) {
  paso1_grafo_completo(n);
  paso2_vecindad(n);
  paso3_convolucion(n);
  paso4_gat(n);
  n.summary({
      {"La matriz de atención es la matriz de adyacencia de un grafo completo con pesos; sus filas suman 1 y sus "
       "pesos dependen de la entrada.",
       "The attention matrix is the adjacency matrix of a complete weighted graph; its rows sum to 1 and its weights "
       "depend on the input."},
      {"Una máscara de adyacencia restringe la atención a los vecinos N(i): los pesos fuera del grafo son 0 y los "
       "de dentro son los de la atención completa renormalizados.",
       "An adjacency mask restricts attention to the neighbours N(i): the weights off the graph are 0 and those on "
       "it are the full attention's, renormalized."},
      {"En una cuadrícula, la convolución 3×3 es atención con pesos fijos por desplazamiento (salidas idénticas); "
       "la softmax solo da kernels positivos que suman 1.",
       "On a grid, a 3×3 convolution is attention with fixed weights per offset (identical outputs); the softmax "
       "only gives positive kernels that sum to 1."},
      {"GAT aprende los pesos de las aristas de los rasgos de los nodos; en el grafo de comunidades clasifica mejor "
       "que la misma red sin aristas.",
       "GAT learns the edge weights from the node features; on the community graph it classifies better than the "
       "same network without edges."},
  });
  n.exercises({
      {"En kDependencias añade la arista {0, 5} (el–cerca) y vuelve a ejecutar: en el paso 2 aparece una arista "
       "nueva en grafo_vecinos.svg y las filas de «el» y «cerca» cambian; las demás no.",
       "In kDependencias add the edge {0, 5} (el–cerca) and rerun: in step 2 a new edge appears in "
       "grafo_vecinos.svg and the rows of \"el\" and \"cerca\" change; the others do not."},
      {"En kernel_sobel pon el kernel traspuesto {-1, -2, -1, 0, 0, 0, 1, 2, 1} (Sobel en y): la convolución "
       "responde ahora a los bordes horizontales del cuadrado, y A·x sigue dando lo mismo.",
       "In kernel_sobel use the transposed kernel {-1, -2, -1, 0, 0, 0, 1, 2, 1} (Sobel in y): the convolution now "
       "responds to the horizontal edges of the square, and A·x still gives the same."},
      {"En ConfigGrafo sube ruido a 2.0f: la red sin aristas cae cerca del azar (33 %), mientras que con el grafo "
       "la exactitud baja mucho menos: la ventaja del grafo crece.",
       "In ConfigGrafo raise ruido to 2.0f: the network without edges falls near chance (33 %), while with the "
       "graph the accuracy drops much less: the graph's advantage grows."},
      {"En ConfigGrafo pon p_fuera = 0.3 (igual que p_dentro): el grafo ya no dice nada de la clase, casi todos "
       "los vecinos son de otra comunidad, y con el grafo la exactitud cae cerca del azar, por debajo de la red "
       "sin aristas en la mayoría de las semillas.",
       "In ConfigGrafo set p_fuera = 0.3 (equal to p_dentro): the graph no longer says anything about the class, "
       "most neighbours belong to another community, and with the graph the accuracy falls near chance, below the "
       "network without edges for most seeds."},
  });
}

}  // namespace lesson03

#ifndef ATN_LESSON_NO_MAIN
int main(int argc, char** argv) {
  return atn::run_lesson(
      argc, argv, "03", {"Auto-atención y estructuras gráficas", "Self-attention and graph structures"}, lesson03::run);
}
#endif
