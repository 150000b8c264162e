// Lección 13 · Atención natural y optimización informada por atención
//
// El proyecto «natural attention» (jeroaranda/naturalattention, 2024) guarda las energías de la
// atención, E = QKᵀ/√d_h, y las usa en el optimizador: cada parámetro de un bloque recibe su
// gradiente multiplicado por 1 + tanh(0.1·promedio|E|) antes de un paso de AdamW. Su cuaderno
// reporta que el GPT «natural» gana por mucho al GPT-2 estándar. Esta lección calcula las
// energías a mano, reproduce esa comparación sobre nuestro corpus, muestra por qué gana (el
// modelo natural no tiene máscara causal y ve el token que debe predecir; además difiere en
// dropout e inicialización), la repite en condiciones justas, mide que Adam ignora una ganancia
// constante del gradiente, compara direcciones de un gradiente natural de verdad (Fisher exacta,
// K-FAC, Fisher diagonal) con la regla informada por atención, y entrena con K-FAC contra AdamW.
//
//   make lesson13                      ejecuta la lección
//   make lesson13 ARGS="--step"        espera Enter tras cada paso
//   make lesson13 ARGS="--full"        la comparación con los tamaños del experimento original
//   make lesson13 ARGS="--lang en"     in English
#include <algorithm>
#include <cmath>
#include <limits>

#include "autograd/ops_basic.h"
#include "autograd/tape.h"
#include "lessons/common/adam_gain_invariance.h"
#include "lessons/common/narrator.h"
#include "lessons/common/natural_comparison.h"
#include "lessons/common/natural_gradient_experiments.h"
#include "nn/attention/natural_attention.h"
#include "optim/attention_informed.h"
#include "viz/svg.h"

namespace lesson13 {

using namespace atn;

std::string si_no(Narrator& n, bool v) { return v ? n.tr("sí", "yes") : n.tr("no", "no"); }
constexpr double kInf = std::numeric_limits<double>::infinity();

// ---------------------------------------------------------------------------------------------
// Paso 1: las energías a mano. Q = x W_qᵀ + b_q, K = x W_kᵀ + b_k; la cabeza h usa las columnas
// h·d_h … (h+1)·d_h − 1; E_h[i][j] = q_i·k_j/√d_h, y −∞ donde la clave viene después (j > i).
std::vector<double> proyectar(const Tensor& x, const Linear& l) {  // x [L, d] → [L, d] en double
  const int64_t L = x.size(0), d = l.in_features, out = l.out_features;
  std::vector<double> y(size_t(L * out));
  for (int64_t i = 0; i < L; ++i)
    for (int64_t c = 0; c < out; ++c) {
      double s = l.bias.value()[c];
      for (int64_t k = 0; k < d; ++k) s += double(x[i * d + k]) * double(l.weight.value()[c * d + k]);
      y[size_t(i * out + c)] = s;
    }
  return y;
}

struct EnergiasAMano {
  Tensor a_mano, biblioteca;  // [H, L, L]
  double max_dif = 0;         // sobre las entradas finitas
  bool mismos_infinitos = false;
  double media_mano = 0, media_biblioteca = 0;         // ē
  double ganancia_mano = 0, ganancia_optimizador = 0;  // 1 + tanh(0.1·ē)
};

constexpr int64_t kL1 = 4, kD1 = 4, kH1 = 2;  // el ejemplo diminuto

EnergiasAMano energias_a_mano(uint64_t semilla) {
  Rng rng(semilla);
  NaturalAttention attn({.d_model = kD1, .n_heads = kH1}, rng);
  const Tensor x = Tensor::randn({1, kL1, kD1}, rng);
  // La biblioteca: una pasada hacia adelante guarda E; el optimizador, cuyo grupo es esta capa,
  // la lee en step().
  AttentionInformedAdamW opt({{"attn", attn.parameters(), attn.energy_source()}}, {});
  backward(sum(attn.forward(constant(x))));
  EnergiasAMano r;
  r.biblioteca = attn.energies().reshape({kH1, kL1, kL1});
  // A mano, con los pesos de la capa (antes del paso, que los cambia).
  const Tensor x0 = x.reshape({kL1, kD1});
  const std::vector<double> q = proyectar(x0, attn.wq), k = proyectar(x0, attn.wk);
  const int64_t dh = kD1 / kH1;
  r.a_mano = Tensor({kH1, kL1, kL1});
  double suma = 0;
  int64_t cuenta = 0;
  for (int64_t h = 0; h < kH1; ++h)
    for (int64_t i = 0; i < kL1; ++i)
      for (int64_t j = 0; j < kL1; ++j) {
        double e = -kInf;
        if (j <= i) {
          e = 0;
          for (int64_t c = h * dh; c < (h + 1) * dh; ++c) e += q[size_t(i * kD1 + c)] * k[size_t(j * kD1 + c)];
          e /= std::sqrt(double(dh));
          suma += std::fabs(e);  // ē promedia |E| solo sobre las entradas finitas
          ++cuenta;
        }
        r.a_mano[(h * kL1 + i) * kL1 + j] = real(e);
      }
  opt.step();
  r.ganancia_optimizador = opt.last_gains()[0];
  r.mismos_infinitos = true;
  for (int64_t t = 0; t < r.a_mano.numel(); ++t) {
    const bool inf_mano = std::isinf(r.a_mano[t]), inf_lib = std::isinf(r.biblioteca[t]);
    r.mismos_infinitos = r.mismos_infinitos && inf_mano == inf_lib;
    if (!inf_mano && !inf_lib) r.max_dif = std::max(r.max_dif, double(std::fabs(r.a_mano[t] - r.biblioteca[t])));
  }
  r.media_mano = suma / double(cuenta);
  r.media_biblioteca = mean_abs_finite(r.biblioteca);
  r.ganancia_mano = 1 + std::tanh(0.1 * r.media_mano);
  return r;
}

std::string matriz_texto(const Tensor& m, int64_t h, int64_t L) {
  std::string s;
  for (int64_t i = 0; i < L; ++i) {
    for (int64_t j = 0; j < L; ++j) {
      const real e = m[(h * L + i) * L + j];
      s += std::isinf(e) ? "     −∞" : fixed(e, 3, 7);
    }
    s += "\n";
  }
  return s;
}

void paso1_energias(Narrator& n) {
  n.step(1, "Las energías de la atención, a mano", "The attention energies, by hand");
  const EnergiasAMano r = energias_a_mano(n.options().seed);
  n.say(
      "La atención natural es atención multicabeza común; lo único nuevo es que guarda sus energías "
      "E = QKᵀ/√d_h, tomadas después de la máscara causal y antes del softmax. Con {} tokens, d = {} y {} "
      "cabezas (d_h = {}), E de la cabeza 1 calculada a mano con los pesos de la capa:",
      "Natural attention is ordinary multi-head attention; the only new thing is that it keeps its energies "
      "E = QKᵀ/√d_h, taken after the causal mask and before the softmax. With {} tokens, d = {} and {} heads "
      "(d_h = {}), E of head 1 computed by hand with the layer's weights:",
      kL1, kD1, kH1, kD1 / kH1);
  n.show(matriz_texto(r.a_mano, 0, kL1));
  n.say(
      "¿Igual a energies() de NaturalAttention (max |Δ| = {}, los −∞ en los mismos lugares)? {}. El "
      "optimizador reduce E a un solo número por bloque y por paso: ē = promedio de |E| sobre las entradas "
      "finitas (con la máscara, incluir los −∞ daría ē = ∞). A mano ē = {}, la biblioteca {}; la ganancia "
      "1 + tanh(0.1·ē) = {} a mano y {} en el optimizador. ¿Iguales? {}.",
      "Equal to NaturalAttention's energies() (max |Δ| = {}, the −∞ in the same places)? {}. The optimizer "
      "reduces E to one number per block and per step: ē = mean of |E| over the finite entries (with the mask, "
      "including the −∞ would give ē = ∞). By hand ē = {}, the library {}; the gain 1 + tanh(0.1·ē) = {} by "
      "hand and {} in the optimizer. Equal? {}.",
      sci(r.max_dif), si_no(n, r.max_dif < 1e-5 && r.mismos_infinitos), fixed(r.media_mano, 4),
      fixed(r.media_biblioteca, 4), fixed(r.ganancia_mano, 5), fixed(r.ganancia_optimizador, 5),
      si_no(n, std::fabs(r.ganancia_mano - r.ganancia_optimizador) < 1e-5));
  n.say(
      "Cada parámetro del bloque (las dos LayerNorm, W_q, W_k, W_v, W_o y el MLP) recibe g ← (1 + tanh(0.1·ē))·g "
      "y después un paso de AdamW; los embeddings y la cabeza de salida no. La ganancia está siempre en [1, 2).",
      "Every parameter of the block (both LayerNorms, W_q, W_k, W_v, W_o and the MLP) gets g ← (1 + tanh(0.1·ē))·g "
      "and then an AdamW step; the embeddings and the output head do not. The gain always lies in [1, 2).");
}

// ---------------------------------------------------------------------------------------------
// Pasos 2–4: la comparación del proyecto original. Un GPT diminuto sobre fragmentos del corpus,
// con el objetivo del original: entradas c[0..T−1], etiquetas c[1..T], y el modelo desplaza otra
// vez, así que la posición t predice c[t + 2] (la última posición no tiene etiqueta).
// (Las recetas, el entrenamiento y las mediciones: lessons/common/natural_comparison.cpp.)

std::string fila(Narrator& n, const std::string& modelo, bool mascara, real dropout, bool gpt2, const Corrida& c) {
  return modelo + std::string(9 - modelo.size(), ' ') + (mascara ? n.tr("sí      ", "yes     ") : "no      ") +
         fixed(dropout, 1, 7) + "  " + (gpt2 ? "N(0, 0.02)" : "PyTorch   ") + fixed(c.perdida_val, 3, 9) +
         fixed(std::exp(double(c.perdida_val)), 2, 10) + "\n";
}

std::string tabla(Narrator& n, const Corrida& nat, const Corrida& est, bool justa) {
  std::string s = n.tr("modelo   máscara dropout  init         pérdida  perplejidad\n",
                       "model    mask    dropout  init            loss   perplexity\n");
  s += fila(n, n.tr("natural", "natural"), justa, 0, justa, nat);
  s += fila(n, "GPT-2", true, justa ? 0 : 0.1f, true, est);
  return s;
}

void paso2_original(Narrator& n, const Comparacion& c, const Tamanos& t) {
  n.step(2, "La comparación del proyecto original", "The original project's comparison");
  n.say(
      "El original entrena dos GPT-2 diminutos (contexto 32, d = 64, 2 capas, 2 cabezas, lotes de 4, lr 1e-3, "
      "recorte del gradiente a 1.0) sobre 181 fragmentos de WikiText-2 durante 10 épocas, y reporta pérdida "
      "3.09 para el natural contra 3.95 para el estándar (la de su último lote). Aquí: el corpus del curso, carácter "
      "por carácter, "
      "{} fragmentos de {} caracteres, d = {}, lr {}, {} épocas ({} pasos). El natural, como en el original: sin "
      "máscara causal, sin dropout, inicialización por omisión de PyTorch y AdamW informado por atención; el "
      "estándar: causal, dropout 0.1, N(0, 0.02) y AdamW. Pérdida de validación (nats por carácter):",
      "The original trains two tiny GPT-2s (context 32, d = 64, 2 layers, 2 heads, batches of 4, lr 1e-3, "
      "gradient clipped at 1.0) on 181 chunks of WikiText-2 for 10 epochs, and reports loss 3.09 for the natural "
      "one against 3.95 for the standard one (that of its last batch). Here: the course corpus, character by "
      "character, {} chunks of {} "
      "characters, d = {}, lr {}, {} epochs ({} steps). The natural one as in the original: no causal mask, no "
      "dropout, "
      "PyTorch's default init and the attention-informed AdamW; the standard one: causal, dropout 0.1, "
      "N(0, 0.02) and AdamW. Validation loss (nats per character):",
      t.fragmentos, t.bloque, t.d, t.lr, t.epocas, c.natural_original.perdidas.size());
  n.show(tabla(n, c.natural_original, c.estandar_original, false));
  n.say("¿El natural «gana», como en el original? {} (por {} nats).",
        "Does the natural one \"win\", as in the original? {} (by {} nats).", si_no(n, c.brecha_original() > 0),
        fixed(c.brecha_original(), 3));
}

// ---------------------------------------------------------------------------------------------
// Paso 3: la fuga. Sin máscara la posición t ve toda la entrada, y su objetivo c[t + 2] está en la
// entrada si t + 2 ≤ T − 1: en T − 2 de las T − 1 posiciones con etiqueta.
void paso3_fuga(Narrator& n, const Comparacion& c, const Tamanos& t) {
  n.step(3, "Por qué gana: ve el futuro", "Why it wins: it sees the future");
  const Fuga f = medir_fuga(c.natural_original);
  const int64_t T = t.bloque;
  const Corrida& nat = c.natural_original;
  n.say(
      "El original no pasa máscara causal a sus bloques, y desplaza las etiquetas dos veces: la entrada es "
      "c[0..{}], la etiqueta c[1..{}] y el modelo desplaza de nuevo, así que la posición t debe predecir "
      "c[t + 2]. Sin máscara, c[t + 2] está en la entrada para t ≤ {}: {} de {} posiciones ven la respuesta.",
      "The original passes no causal mask to its blocks, and shifts the labels twice: the input is c[0..{}], the "
      "label c[1..{}] and the model shifts again, so position t must predict c[t + 2]. Without a mask, c[t + 2] "
      "is in the input for t ≤ {}: {} of {} positions see the answer.",
      T - 1, T, T - 3, T - 2, T - 1);
  n.say(
      "(a) Cambiamos el token {} de un fragmento: ¿cambian las salidas de las posiciones 0 a {}? Natural "
      "original: {} (max |Δ| = {}); natural con máscara: {}; GPT-2: {}.",
      "(a) We change token {} of a chunk: do the outputs of positions 0 to {} change? Original natural: {} "
      "(max |Δ| = {}); natural with the mask: {}; GPT-2: {}.",
      T / 2, T / 2 - 1, si_no(n, nat.cambio_pasado > 0), sci(nat.cambio_pasado),
      si_no(n, c.natural_justo.cambio_pasado > 0), si_no(n, c.estandar_original.cambio_pasado > 0));
  n.say(
      "(b) Pérdida del natural original por posición: {} en promedio donde la respuesta está en la entrada, {} "
      "en la última posición, donde c[{}] no está. ¿Más baja donde ve la respuesta? {}. El GPT-2 causal, en "
      "promedio: {}.",
      "(b) The original natural model's loss by position: {} on average where the answer is in the input, {} "
      "at the last position, where c[{}] is not. Lower where it sees the answer? {}. The causal GPT-2, on "
      "average: {}.",
      fixed(f.visibles, 3), fixed(f.ultima, 3), T, si_no(n, f.visibles < f.ultima),
      fixed(c.estandar_original.perdida_val, 3));
  n.say(
      "(c) Su atención: la cabeza {} de la capa {} pone en promedio {} de su peso en la columna i + 2, justo el "
      "token que debe predecir (si mirara parejo a todo, 1/{} = {}). ¿Más que parejo? {}.",
      "(c) Its attention: head {} of layer {} puts on average {} of its weight on column i + 2, exactly the token "
      "it must predict (looking evenly at everything, 1/{} = {}). More than even? {}.",
      nat.cabeza + 1, nat.capa + 1, fixed(nat.a_dos, 2), T, fixed(1.0 / double(T), 3),
      si_no(n, nat.a_dos > 1.0 / double(T)));
  std::vector<std::string> etiquetas;
  for (int64_t i = 0; i < T; ++i) etiquetas.push_back(std::to_string(i));
  svg::heatmap(n.path("atencion_con_fuga.svg"),
               {.title = n.tr("Natural original, capa ", "Original natural, layer ") + std::to_string(nat.capa + 1) +
                         n.tr(", cabeza ", ", head ") + std::to_string(nat.cabeza + 1) +
                         n.tr(": atención sin máscara", ": attention without a mask"),
                .x_label = n.tr("clave j", "key j"),
                .y_label = n.tr("pregunta i", "query i"),
                .values = nat.atencion,
                .row_labels = etiquetas,
                .col_labels = etiquetas,
                .vmin = 0,
                .vmax = 1,
                .show_values = false});
  n.figure(n.path("atencion_con_fuga.svg"), "la diagonal j = i + 2 es la respuesta",
           "the diagonal j = i + 2 is the answer");
}

// ---------------------------------------------------------------------------------------------
// Paso 4: la comparación justa: misma máscara, mismo dropout (0), misma inicialización.
std::vector<real> suavizar(const std::vector<real>& y) {
  std::vector<real> s;
  double m = y.empty() ? 0 : y[0];
  for (real v : y) s.push_back(real(m = 0.9 * m + 0.1 * v));
  return s;
}

void paso4_justo(Narrator& n, const Comparacion& c) {
  n.step(4, "La comparación justa", "The fair comparison");
  n.say(
      "Ahora los dos con máscara causal, sin dropout y con la inicialización de GPT-2; el mismo objetivo, los "
      "mismos lotes. Solo queda distinto el optimizador (AdamW informado por atención contra AdamW) y el sorteo "
      "de los pesos iniciales:",
      "Now both with the causal mask, no dropout and GPT-2's init; the same objective, the same batches. Only "
      "the optimizer (attention-informed AdamW against AdamW) and the draw of the initial weights still differ:");
  n.show(tabla(n, c.natural_justo, c.estandar_justo, true));
  const bool desaparece = brecha_desaparece(c);
  n.say("Brecha: {} nats antes, {} nats ahora. ¿Desaparece (menos del {}% de la original)? {}. {}",
        "Gap: {} nats before, {} nats now. Does it vanish (less than {}% of the original)? {}. {}",
        fixed(c.brecha_original(), 3), fixed(c.brecha_justa(), 3), fixed(100 * kFraccionBrecha, 0),
        si_no(n, desaparece),
        desaparece ? n.tr("La ventaja venía de la fuga, el dropout y la inicialización, no de la atención "
                          "«natural».",
                          "The advantage came from the leak, the dropout and the init, not from \"natural\" "
                          "attention.")
                   : n.tr("En esta corrida queda una diferencia: compárala con la de otras semillas (--seed).",
                          "A difference remains in this run: compare it with other seeds' (--seed)."));
  svg::plot(n.path("perdidas_comparacion.svg"),
            {.title = n.tr("Pérdida de entrenamiento (promedio móvil)", "Training loss (moving average)"),
             .x_label = n.tr("paso", "step"),
             .y_label = n.tr("entropía cruzada", "cross-entropy"),
             .series = {{.name = n.tr("natural original (sin máscara)", "original natural (no mask)"),
                         .y = suavizar(c.natural_original.perdidas)},
                        {.name = n.tr("GPT-2 original (dropout 0.1)", "original GPT-2 (dropout 0.1)"),
                         .y = suavizar(c.estandar_original.perdidas)},
                        {.name = n.tr("natural justo", "fair natural"), .y = suavizar(c.natural_justo.perdidas)},
                        {.name = n.tr("GPT-2 justo", "fair GPT-2"), .y = suavizar(c.estandar_justo.perdidas)}}});
  n.figure(n.path("perdidas_comparacion.svg"), "las cuatro corridas; las dos justas se enciman",
           "the four runs; the two fair ones overlap");
}

// ---------------------------------------------------------------------------------------------
// Paso 5: Adam no ve una ganancia constante. m̂ escala por c y √v̂ también, así que el paso
// m̂/(√v̂ + ε) es el mismo salvo por ε. Se mide: copias idénticas de un GPT natural, los mismos
// lotes, y en una el gradiente se multiplica por c antes de cada paso.
// (medir_invariancia, en lessons/common/adam_gain_invariance.cpp.)

void paso5_invariancia(Narrator& n, const Invariancia& r) {
  n.step(5, "Adam ignora una ganancia constante", "Adam ignores a constant gain");
  n.say(
      "Adam divide m̂ entre √v̂: si cada gradiente se multiplica por c, m̂ se multiplica por c y √v̂ también, y "
      "el paso m̂/(√v̂ + ε) no cambia, salvo por ε. Se mide: copias idénticas de un GPT natural pequeño (d = 32, "
      "con la inicialización del original), los mismos {} lotes, AdamW, y en una copia el gradiente ×c antes de cada "
      "paso. Los pesos se movieron hasta "
      "{} de su valor inicial. max |θ_c − θ_1| al final, en los sesgos de las claves b_k y en el resto, con el "
      "ε de siempre (1e-8) y con ε = 1e-30:",
      "Adam divides m̂ by √v̂: if every gradient is multiplied by c, m̂ is multiplied by c and so is √v̂, and the "
      "step m̂/(√v̂ + ε) does not change, except through ε. We measure it: identical copies of a small natural "
      "GPT (d = 32, with the original's init), the same {} batches, AdamW, and in one copy the gradient ×c before "
      "every step. The weights moved up "
      "to {} from their initial value. max |θ_c − θ_1| at the end, on the key biases b_k and on the rest, with "
      "the usual ε (1e-8) and with ε = 1e-30:",
      kPasosInvariancia, fixed(r.movimiento, 3));
  std::string t = n.tr("           ε = 1e-8              ε = 1e-30\n  c        resto      b_k        resto      b_k\n",
                       "           ε = 1e-8              ε = 1e-30\n  c        rest       b_k        rest       b_k\n");
  for (size_t i = 0; i < r.cs.size(); ++i)
    t += "  " + sci(r.cs[i], 0) + "    " + sci(r.con_eps[i].resto) + "   " + sci(r.con_eps[i].sesgo_k) + "   " +
         sci(r.sin_eps[i].resto) + "   " + sci(r.sin_eps[i].sesgo_k) + "\n";
  n.show(t);
  const double sin_eps = mayor_resto(r.sin_eps) / r.movimiento, con_eps = mayor_resto(r.con_eps) / r.movimiento;
  n.say(
      "Con ε = 1e-30, fuera de b_k, la mayor diferencia es {} veces el movimiento: ¿solo redondeo (menos de 1e-4)? "
      "{}. Con c = 2, ¿la trayectoria es idéntica bit a bit? {} (multiplicar por una potencia de 2 es exacto). "
      "Con ε = 1e-8 llega al {}% del movimiento (¿menos del 5%? {}): pesa en las coordenadas cuyo gradiente "
      "llega a ser del tamaño de ε en algún paso. b_k es aparte: su gradiente verdadero es 0 (el softmax no cambia si "
      "se suma "
      "lo mismo a toda una fila) y Adam convierte su ruido de redondeo en pasos de tamaño lr. Con c = 1e-6 y "
      "ε = 1e-8 todo gradiente cae bajo ε y el paso se encoge: ¿cambia más de una décima del movimiento? {}.",
      "With ε = 1e-30, outside b_k, the largest difference is {} times the movement: only rounding (less than "
      "1e-4)? {}. With c = 2, is the trajectory identical bit for bit? {} (multiplying by a power of 2 is "
      "exact). With ε = 1e-8 it reaches {}% of the movement (less than 5%? {}): it matters on the coordinates whose "
      "gradient gets as small as ε at some step. b_k is apart: its true gradient is 0 (the softmax does not change "
      "when the same number is added to a whole row) and Adam turns its rounding noise into steps of size lr. "
      "With c = 1e-6 and ε = 1e-8 every gradient falls below ε and the step shrinks: does it change by more than "
      "a tenth of the movement? {}.",
      sci(sin_eps), si_no(n, sin_eps < 1e-4), si_no(n, r.sin_eps[0].resto == 0 && r.sin_eps[0].sesgo_k == 0),
      fixed(100 * con_eps, 1), si_no(n, con_eps < 0.05), si_no(n, r.con_eps.back().resto > 0.1 * r.movimiento));
  n.say(
      "La ganancia del optimizador informado no es constante, pero casi: en estos pasos estuvo entre {} y {}. "
      "Contra AdamW puro, mismos pesos y lotes, fuera de b_k: max |Δθ| = {} multiplicando el gradiente (la regla "
      "original; del orden de los efectos de ε de arriba) y {} multiplicando el paso ya normalizado (la variante "
      "posterior: un lr {} veces mayor por bloque). ¿La regla original cambia menos que la variante? {}.",
      "The informed optimizer's gain is not constant, but almost: in these steps it stayed between {} and {}. "
      "Against plain AdamW, same weights and batches, outside b_k: max |Δθ| = {} scaling the gradient (the "
      "original rule; of the order of the ε effects above) and {} scaling the already normalized step (the later "
      "variant: an lr {} times larger per block). Does the original rule change less than the variant? {}.",
      fixed(r.ganancia_min, 4), fixed(r.ganancia_max, 4), sci(r.dif_gradiente.resto), sci(r.dif_paso.resto),
      n.tr("entre 1 y 1.5", "between 1 and 1.5"), si_no(n, r.dif_gradiente.resto < r.dif_paso.resto));
}

// ---------------------------------------------------------------------------------------------
// Paso 6: un gradiente natural de verdad, en un GPT mínimo cuyos parámetros están todos en capas
// lineales (MiniGPT, para que K-FAC los cubra todos). comparar_direcciones, en
// lessons/common/natural_gradient_experiments.cpp, calcula la Fisher exacta, K-FAC y las demás
// direcciones; aquí se imprimen.

void paso6_direcciones(Narrator& n, const Direcciones& r) {
  n.step(6, "Direcciones: Fisher exacta, K-FAC, diagonal e informada",
         "Directions: exact Fisher, K-FAC, diagonal, informed");
  n.say(
      "El nombre promete un gradiente natural: F⁻¹∇L, con F = E[Jᵀ(diag(a) − aaᵀ)J] la información de Fisher "
      "(J = ∂z/∂θ, a = softmax(z)). En un GPT mínimo (una capa, d = 8, 2 cabezas, P = {} parámetros) sobre "
      "ventanas de las nueve oraciones del curso, F se calcula entera y se resuelve (F + λI)x = g con λ = {}. "
      "Coseno de cada dirección con el gradiente natural exacto y con el gradiente:",
      "The name promises a natural gradient: F⁻¹∇L, with F = E[Jᵀ(diag(a) − aaᵀ)J] the Fisher information "
      "(J = ∂z/∂θ, a = softmax(z)). On a minimal GPT (one layer, d = 8, 2 heads, P = {} parameters) over windows "
      "of the course's nine sentences, F is computed whole and (F + λI)x = g is solved with λ = {}. Cosine of "
      "every direction with the exact natural gradient and with the gradient:",
      r.P, sci(r.lambda, 0));
  const std::vector<std::string> en = {"gradient",        "exact natural F⁻¹g", "K-FAC",
                                       "diagonal Fisher", "attention-informed", "Adam, 1st step"};
  std::string t = n.tr("dirección                  vs natural  vs gradiente\n",
                       "direction                  vs natural  vs gradient\n");
  for (size_t i = 0; i < r.nombres.size(); ++i) {
    const std::string& nombre = n.tr(r.nombres[i], en[i]);
    size_t ancho = 0;
    for (unsigned char ch : nombre) ancho += (ch & 0xC0) != 0x80;
    t += nombre + std::string(27 - ancho, ' ') + fixed(r.vs_natural[i], 3, 10) + fixed(r.vs_gradiente[i], 3, 14) + "\n";
  }
  n.show(t);
  const double kf = r.vs_natural[2], inf = r.vs_natural[4];
  n.say(
      "La regla informada multiplica todo el bloque por el mismo número ({} aquí): su dirección es casi la del "
      "gradiente (coseno {}), no la natural. ¿K-FAC se acerca más al natural que la regla informada? {}. El "
      "primer paso de Adam es el signo de g sea cual sea la ganancia: la regla informada con Adam da ese mismo "
      "paso.",
      "The informed rule multiplies the whole block by the same number ({} here): its direction is almost the "
      "gradient's (cosine {}), not the natural one. Is K-FAC closer to the natural gradient than the informed "
      "rule? {}. Adam's first step is the sign of g whatever the gain: the informed rule under Adam gives that "
      "same step.",
      fixed(r.ganancia, 4), fixed(r.vs_gradiente[4], 4), si_no(n, kf > inf));
}

// ---------------------------------------------------------------------------------------------
// Paso 7: entrenar con K-FAC contra AdamW: el mismo GPT mínimo, ahora sobre el corpus por caracteres
// (kfac_contra_adamw, en lessons/common/natural_gradient_experiments.cpp).

void paso7_kfac(Narrator& n, const KfacContraAdamW& r) {
  n.step(7, "Entrenar con K-FAC contra AdamW", "Training with K-FAC against AdamW");
  n.say(
      "K-FAC aproxima el bloque de Fisher de cada capa lineal y = Wa por A ⊗ G (A = E[aaᵀ], G = E[ggᵀ]) y da "
      "el paso (G + λ_G I)⁻¹ ∇W (A + λ_A I)⁻¹: un gradiente natural aproximado que sí cabe en un modelo real. "
      "El GPT mínimo del paso 6, ahora con d = 32, bloque 32 y el corpus por caracteres: K-FAC (lr {}, sin "
      "momento, Fisher muestreada, inversas cada 10 pasos) contra AdamW (lr {}), mismos pesos iniciales y lotes, {} "
      "pasos.",
      "K-FAC approximates the Fisher block of every linear layer y = Wa by A ⊗ G (A = E[aaᵀ], G = E[ggᵀ]) and "
      "takes the step (G + λ_G I)⁻¹ ∇W (A + λ_A I)⁻¹: an approximate natural gradient that does fit a real "
      "model. The minimal GPT of step 6, now with d = 32, block 32 and the character corpus: K-FAC (lr {}, no "
      "momentum, sampled Fisher, inverses every 10 steps) against AdamW (lr {}), same initial weights and batches, {} "
      "steps.",
      kLrKfac, kLrAdamW, r.kfac.size());
  const bool gana_kfac = r.val_kfac < r.val_adamw;
  n.say(
      "Pérdida de validación: K-FAC {}, AdamW {}. ¿Gana K-FAC por paso? {}. Cada paso de K-FAC costó {} ms y "
      "uno de AdamW {} ms (una pasada hacia atrás más, y las inversas): {}",
      "Validation loss: K-FAC {}, AdamW {}. Does K-FAC win per step? {}. Every K-FAC step cost {} ms and an "
      "AdamW one {} ms (one more backward pass, and the inverses): {}",
      fixed(r.val_kfac, 3), fixed(r.val_adamw, 3), si_no(n, gana_kfac), fixed(r.ms_kfac, 2), fixed(r.ms_adamw, 2),
      gana_kfac ? n.tr("a este tamaño K-FAC aprende más por paso, pero cada paso es más caro; compara también "
                       "por segundo.",
                       "at this size K-FAC learns more per step, but every step costs more; compare per second "
                       "too.")
                : n.tr("a este tamaño AdamW gana: la curvatura aproximada no paga lo que cuesta.",
                       "at this size AdamW wins: the approximate curvature does not pay for what it costs."));
  svg::plot(n.path("kfac_contra_adamw.svg"),
            {.title = n.tr("K-FAC contra AdamW (promedio móvil)", "K-FAC against AdamW (moving average)"),
             .x_label = n.tr("paso", "step"),
             .y_label = n.tr("entropía cruzada", "cross-entropy"),
             .series = {{.name = "K-FAC", .y = suavizar(r.kfac)}, {.name = "AdamW", .y = suavizar(r.adamw)}}});
  n.figure(n.path("kfac_contra_adamw.svg"), "pérdida de entrenamiento por paso", "training loss per step");
}

// ---------------------------------------------------------------------------------------------
void run(Narrator& n) {
  paso1_energias(n);
  const Tamanos t = tamanos_de(n.options().mode);
  const Comparacion c = comparar(t, n.options().seed);
  paso2_original(n, c, t);
  paso3_fuga(n, c, t);
  paso4_justo(n, c);
  paso5_invariancia(n, medir_invariancia(n.options().seed));
  paso6_direcciones(n, comparar_direcciones(n.options().seed));
  paso7_kfac(n, kfac_contra_adamw(n.options().mode, n.options().seed));
  n.summary({
      {"La atención natural es atención común que guarda E = QKᵀ/√d_h; su optimizador multiplica el gradiente "
       "de cada bloque por 1 + tanh(0.1·promedio|E|).",
       "Natural attention is ordinary attention that keeps E = QKᵀ/√d_h; its optimizer multiplies each block's "
       "gradient by 1 + tanh(0.1·mean|E|)."},
      {"Su ventaja publicada viene de una fuga (sin máscara causal ve el token que debe predecir), del dropout y "
       "de la inicialización; en condiciones justas la brecha desaparece.",
       "Its published advantage comes from a leak (without a causal mask it sees the token it must predict), "
       "from dropout and from the init; under fair conditions the gap vanishes."},
      {"Adam es invariante a una ganancia constante del gradiente (salvo por ε): una ganancia casi constante no "
       "hace casi nada.",
       "Adam is invariant to a constant gradient gain (except through ε): an almost constant gain does almost "
       "nothing."},
      {"Un gradiente natural de verdad usa la Fisher: exacta en modelos diminutos, K-FAC en modelos reales.",
       "A real natural gradient uses the Fisher: exact on tiny models, K-FAC on real ones."},
  });
  n.exercises({
      {"En kNaturalOriginal cambia .fuga = true por false (el natural del original, pero con máscara): la "
       "brecha del paso 2 baja a menos de 0.1 nats y (a) del paso 3 dice «no»: casi toda la ventaja era la fuga.",
       "In kNaturalOriginal change .fuga = true to false (the original's natural model, but with the mask): the "
       "gap of step 2 drops below 0.1 nats and (a) of step 3 says \"no\": almost all of the advantage was the "
       "leak."},
      {"En medir_invariancia cambia la última c, 1e-6f, por 1e-3f: con ε = 1e-8 la diferencia baja de cerca del "
       "80% a cerca del 20% del movimiento (muchos gradientes ×1e-3 aún compiten con ε); con ε = 1e-30 sigue en "
       "el nivel del redondeo.",
       "In medir_invariancia change the last c, 1e-6f, to 1e-3f: with ε = 1e-8 the difference drops from about "
       "80% to about 20% of the movement (many gradients ×1e-3 still compete with ε); with ε = 1e-30 it stays at "
       "the level of rounding."},
      {"Sube kLambda a 1: las direcciones natural, K-FAC y diagonal se acercan al gradiente (coseno de 0.9 o "
       "más): con mucho amortiguamiento F + λI ≈ λI.",
       "Raise kLambda to 1: the natural, K-FAC and diagonal directions move toward the gradient (cosine of 0.9 or "
       "more): with much damping F + λI ≈ λI."},
      {"Ejecuta con --full: la comparación usa los tamaños del original (d = 64, 181 fragmentos, 10 épocas).",
       "Run with --full: the comparison uses the original's sizes (d = 64, 181 chunks, 10 epochs)."},
  });
}

}  // namespace lesson13

#ifndef ATN_LESSON_NO_MAIN
int main(int argc, char** argv) {
  return atn::run_lesson(argc, argv, "13",
                         {"Atención natural y optimización informada por atención",
                          "Natural attention and attention-informed optimization"},
                         lesson13::run);
}
#endif
