// Lección 15 · Atención relacional y atención dual
//
// Altabaa y Lafferty ("Disentangling and Integrating Relational and Sensory Information in
// Transformer Architectures", ICML 2025, arXiv 2405.16727) separan dos clases de información. La
// auto-atención de siempre es "sensorial": a la pregunta i le llega una mezcla del contenido de
// los otros tokens. La atención relacional (RA) le manda en cambio qué es i respecto de j, la
// relación r(x_i, x_j) = ⟨φ_q x_i, φ_k x_j⟩ (una por cada relación ℓ), etiquetada con un símbolo
// s_j que dice de dónde vino pero no trae el contenido de x_j. El Dual Attention Transformer (DAT)
// pone cabezas de los dos tipos lado a lado. Esta lección hace RA a mano, muestra los tres modos
// de elegir símbolos, y mide la afirmación del artículo: en una tarea relacional (¿son iguales
// dos objetos nunca vistos?) el DAT aprende con menos ejemplos que un Transformer del mismo
// tamaño. Al final, un DAT de visión pequeño frente a un ViT sobre imágenes sintéticas.
//
//   make lesson15                      ejecuta la lección
//   make lesson15 ARGS="--step"        espera Enter tras cada paso
//   make lesson15 ARGS="--lang en"     in English
#include <algorithm>
#include <string>

#include "lessons/common/dat_experiments.h"
#include "lessons/common/narrator.h"
#include "lessons/common/relational_attention_by_hand.h"
#include "viz/svg.h"

namespace lesson15 {

using namespace atn;

std::string si_no(Narrator& n, bool v) { return v ? n.tr("sí", "yes") : n.tr("no", "no"); }

// ---------------------------------------------------------------------------------------------
// Paso 1: atención relacional a mano, con lazos, contra RelationalAttention de la biblioteca.
// n = 4 tokens de d = 8, 2 cabezas relacionales (d_h = 4), 2 relaciones (d_r = 4).
// (La cuenta a mano y la comparación: relacional_a_mano() en lessons/common/relational_attention_by_hand.cpp.)
void paso1_a_mano(Narrator& n) {
  n.step(1, "Atención relacional, paso a paso", "Relational attention, step by step");
  const AMano r = relacional_a_mano(n.options().seed);
  n.say(
      "{} tokens x_i de d = {}, {} cabezas relacionales y {} relaciones. (1) Relaciones: "
      "R_ijℓ = ⟨W_q,ℓ x_i, W_k,ℓ x_j⟩/√d_r, un número por par y por relación ℓ; comparan contenidos y no "
      "se reparten por cabeza. Relación ℓ = 1 (fila i, columna j):",
      "{} tokens x_i of d = {}, {} relational heads and {} relations. (1) Relations: "
      "R_ijℓ = ⟨W_q,ℓ x_i, W_k,ℓ x_j⟩/√d_r, one number per pair and per relation ℓ; they compare contents "
      "and are not split by head. Relation ℓ = 1 (row i, column j):",
      kN, kD, kCabezasRA, kRelaciones);
  n.heatmap(r.relaciones, {.decimals = 2});
  svg::heatmap(n.path("relaciones.svg"), {.title = n.tr("Relación ℓ = 1: R_ij", "Relation ℓ = 1: R_ij"),
                                          .x_label = n.tr("token j", "token j"),
                                          .y_label = n.tr("token i", "token i"),
                                          .values = r.relaciones});
  n.figure(n.path("relaciones.svg"), "la matriz de relaciones R_ij1", "the relation matrix R_ij1");
  n.say("(2) Atención: α = softmax_j(q_i·k_j/√d_h), como siempre, decide a quién mira i. Cabeza 1:",
        "(2) Attention: α = softmax_j(q_i·k_j/√d_h), as always, decides whom i looks at. Head 1:");
  n.heatmap(r.alfa, {.decimals = 2, .vmin = 0, .vmax = 1});
  n.say(
      "(3) Símbolos: ŝ_j = W_v s_j; W_v actúa sobre los símbolos, no sobre x. (4) El mensaje de la cabeza h: "
      "Σ_j α_ij (W_r^h R_ij· + ŝ^h_j): qué relación guarda i con cada j, y con qué etiqueta. A i no le llega "
      "nada del contenido de x_j que no pase por la relación. (5) Se concatenan las cabezas y se aplica W_o.",
      "(3) Symbols: ŝ_j = W_v s_j; W_v acts on the symbols, not on x. (4) The message of head h: "
      "Σ_j α_ij (W_r^h R_ij· + ŝ^h_j): which relation i has with every j, and with which tag. Nothing of x_j's "
      "content reaches i except through the relation. (5) The heads are concatenated and W_o applied.");
  n.say(
      "A mano contra RelationalAttention de la biblioteca: max |Δ| en α = {}, en R = {}, en la salida = {}. "
      "¿Iguales? {}. La biblioteca nunca arma el tensor n×n×d_h de los mensajes por par: suma primero "
      "ρ_i = Σ_j α_ij R_ij· (n_r números) y proyecta después, W_r ρ_i, porque W_r es lineal.",
      "By hand against the library's RelationalAttention: max |Δ| in α = {}, in R = {}, in the output = {}. "
      "Equal? {}. The library never builds the n×n×d_h tensor of per-pair messages: it first sums "
      "ρ_i = Σ_j α_ij R_ij· (n_r numbers) and projects after, W_r ρ_i, because W_r is linear.",
      sci(r.dif_alfa), sci(r.dif_rel), sci(r.dif_salida),
      si_no(n, r.dif_alfa < 1e-5 && r.dif_rel < 1e-4 && r.dif_salida < 1e-4));
  n.say("Con symmetric_relations (W_k,ℓ = W_q,ℓ), ¿R_ij = R_ji en las dos relaciones? {}.",
        "With symmetric_relations (W_k,ℓ = W_q,ℓ), R_ij = R_ji in both relations? {}.",
        si_no(n, r.simetrica_es_simetrica));
}

// ---------------------------------------------------------------------------------------------
// Paso 2: los símbolos. Tres modos de elegir s_j.
// (Las propiedades de cada modo: simbolos() en lessons/common/relational_attention_by_hand.cpp.)
void paso2_simbolos(Narrator& n) {
  n.step(2, "Los símbolos: tres maneras de etiquetar", "The symbols: three ways to tag");
  const Simbolos r = simbolos(n.options().seed);
  n.say(
      "Atención simbólica: cada token pregunta a {} plantillas aprendidas F y recibe una mezcla de los "
      "símbolos de una biblioteca aprendida S. Pesos de recuperación (fila = token; el token 3 es una copia "
      "del token 1):",
      "Symbolic attention: every token queries {} learned templates F and receives a mix of the symbols of a "
      "learned library S. Retrieval weights (row = token; token 3 is a copy of token 1):",
      3);
  n.heatmap(r.pesos, {.decimals = 2, .vmin = 0, .vmax = 1});
  n.say(
      "¿Cada fila suma 1? {}. ¿Dos tokens iguales reciben el mismo símbolo? {}. Símbolos posicionales: "
      "s_i = E[i], uno aprendido por posición; ¿con otros tokens, los mismos símbolos? {}. Símbolos "
      "relativos: dependen del desfase j − i recortado a [−m, m]; la biblioteca regresa la tabla de los "
      "2n − 1 desfases, de forma {}; con m = 1, ¿los desfases −3, −2 y −1 comparten símbolo? {}.",
      "Do all rows sum to 1? {}. Do two equal tokens get the same symbol? {}. Positional symbols: s_i = E[i], "
      "one learned per position; with other tokens, the same symbols? {}. Relative symbols: they depend on "
      "the offset j − i clipped to [−m, m]; the library returns the table of the 2n − 1 offsets, of shape {}; "
      "with m = 1, do offsets −3, −2 and −1 share a symbol? {}.",
      si_no(n, r.filas_suman_1), si_no(n, r.iguales_mismo_simbolo), si_no(n, r.posicional_ignora_contenido),
      to_string(r.forma_relativa), si_no(n, r.relativa_recortada));
}

// ---------------------------------------------------------------------------------------------
// Paso 3: la tarea relacional y las curvas de aprendizaje.
// Igual/diferente (de los "relational games"): dos sprites binarios de 4 × 4 lado a lado; ¿son el
// mismo? Los sprites de prueba nunca aparecen en el entrenamiento, así que memorizar no sirve:
// hay que comparar. Con parches de 4 × 4 cada objeto es un token.
// (La tarea, el DAT, el Transformer del mismo tamaño y el entrenamiento: lessons/common/dat_experiments.cpp.)
void paso3_curvas(Narrator& n, const Curvas& r, const ConfigRelacional& c) {
  n.step(3, "¿Aprende el DAT con menos ejemplos?", "Does DAT learn from fewer examples?");
  n.say(
      "Tarea igual/diferente, como en los «relational games» donde el artículo prueba el DAT: dos sprites "
      "binarios de {} × {} píxeles lado a lado; ¿son el mismo? Los {} sprites de prueba nunca aparecen en el "
      "entrenamiento: memorizar sprites no sirve, hay que comparar. Con parches de {} × {} cada objeto es un "
      "token. DAT: {} cabezas SA + {} RA (símbolos posicionales), d = {}, una capa, {} parámetros. "
      "Transformer: las mismas piezas con 4 cabezas SA y d = {} para no tener menos parámetros: {}. {} pasos "
      "de AdamW; exactitud de prueba promedio de {} semillas:",
      "Same/different task, as in the \"relational games\" where the paper tests DAT: two binary sprites of {} × "
      "{} pixels side by side; are they the same? The {} test sprites never appear in training: memorizing "
      "sprites does not help, the model must compare. With {} × {} patches every object is one token. DAT: {} "
      "SA heads + {} RA (positional symbols), d = {}, one layer, {} parameters. Transformer: the same parts "
      "with 4 SA heads and d = {} so it has no fewer parameters: {}. {} AdamW steps; test accuracy averaged "
      "over {} seeds:",
      kSprite, kSprite, 10, kSprite, kSprite, 2, 2, kAnchoDAT, r.param_dat, r.ancho_transformer, r.param_transformer,
      c.e.pasos, r.semillas);
  std::string tabla = n.tr("  ejemplos      DAT   Transformer   ¿gana el DAT?\n",
                           "  examples      DAT   Transformer   does DAT win?\n");
  for (size_t k = 0; k < r.tamanos.size(); ++k)
    tabla += fixed(double(r.tamanos[k]), 0, 10) + fixed(100 * r.dat[k], 1, 8) + "%" +
             fixed(100 * r.transformer[k], 1, 12) + "%" + "   " + si_no(n, r.dat[k] > r.transformer[k]) + "\n";
  n.show(tabla);
  const int64_t meta_dat = ejemplos_para(r.tamanos, r.dat, kMeta),
                meta_t = ejemplos_para(r.tamanos, r.transformer, kMeta);
  const int64_t gana = victorias(r);
  auto ejemplos = [&](int64_t v) {
    return v < 0 ? n.tr("más de ", "more than ") + std::to_string(r.tamanos.back()) : std::to_string(v);
  };
  n.say(
      "El DAT va adelante en {} de {} tamaños. Ejemplos para llegar al {} %: DAT {}, Transformer {}. "
      "¿El DAT llega con menos? {}.",
      "DAT is ahead at {} of {} sizes. Examples to reach {} %: DAT {}, Transformer {}. Does DAT get there "
      "with fewer? {}.",
      gana, r.tamanos.size(), fixed(100 * kMeta, 0), ejemplos(meta_dat), ejemplos(meta_t),
      si_no(n, meta_dat > 0 && (meta_t < 0 || meta_dat < meta_t)));
  // La primera frase depende de lo que salió: con otra --seed el DAT puede quedar atrás.
  if (2 * gana > int64_t(r.tamanos.size()))
    n.say("Es lo esperado.", "That is what we expected.");
  else
    n.say("Aquí el DAT no quedó adelante en la mayoría de los tamaños; con pocas semillas y pocos pasos su "
          "ventaja puede no verse.",
          "Here DAT was not ahead at most sizes; with few seeds and few steps its advantage may not show.");
  n.say("Por qué el DAT debería llevar ventaja en esta tarea: la relación ⟨φ_q x_i, φ_k x_j⟩ es justo lo que "
        "la tarea pregunta; el Transformer tiene que aprender a comparar con sus valores y su MLP, y puede en "
        "cambio ajustarse a los sprites vistos, que en la prueba no están.",
        "Why DAT should have the advantage on this task: the relation ⟨φ_q x_i, φ_k x_j⟩ is exactly what the "
        "task asks; the Transformer must learn to compare with its values and its MLP, and it can instead fit "
        "the sprites it saw, which are absent from the test.");
  n.say("Con {} semillas las curvas son ruidosas: compara columnas, no décimas; otra --seed puede voltear una "
        "columna que gana por pocos puntos.",
        "With {} seeds the curves are noisy: compare columns, not tenths; another --seed can flip a column "
        "won by a few points.",
        r.semillas);
  std::vector<real> xs;
  for (int64_t t : r.tamanos) xs.push_back(real(t));
  auto porcentaje = [](const std::vector<double>& v) {
    std::vector<real> out;
    for (double a : v) out.push_back(real(100 * a));
    return out;
  };
  svg::plot(n.path("curvas_de_aprendizaje.svg"),
            {.title = n.tr("Igual/diferente con sprites nuevos", "Same/different with unseen sprites"),
             .x_label = n.tr("ejemplos de entrenamiento", "training examples"),
             .y_label = n.tr("exactitud de prueba (%)", "test accuracy (%)"),
             .series = {{.name = "DAT", .x = xs, .y = porcentaje(r.dat)},
                        {.name = "Transformer", .x = xs, .y = porcentaje(r.transformer)},
                        {.name = n.tr("azar", "chance"), .x = xs, .y = std::vector<real>(xs.size(), 50)}},
             .log_x = true});
  n.figure(n.path("curvas_de_aprendizaje.svg"), "exactitud contra número de ejemplos",
           "accuracy against the number of examples");
}

// ---------------------------------------------------------------------------------------------
// Paso 4: los tres recuperadores de símbolos, con el mismo DAT y los mismos datos.
// (El entrenamiento: recuperadores() en lessons/common/dat_experiments.cpp.)
void paso4_recuperadores(Narrator& n, const Recuperadores& r, int64_t semillas) {
  n.step(4, "Los tres recuperadores de símbolos", "The three symbol retrievers");
  const std::vector<std::string> nombres = {n.tr("simbólica", "symbolic"), n.tr("posicional", "positional"),
                                            n.tr("relativa", "relative")};
  std::string tabla = n.tr("  símbolos     parámetros   exactitud\n", "  symbols      parameters   accuracy\n");
  size_t mejor = 0;
  for (size_t k = 0; k < r.modos.size(); ++k) {
    std::string nombre = nombres[k];
    while (nombre.size() < 12) nombre += ' ';
    tabla += "  " + nombre + fixed(double(r.parametros[k]), 0, 10) + fixed(100 * r.exactitud[k], 1, 11) + "%\n";
    if (r.exactitud[k] > r.exactitud[mejor]) mejor = k;
  }
  n.say("El mismo DAT con cada recuperador, {} ejemplos, promedio de {} semillas:",
        "The same DAT with each retriever, {} examples, mean of {} seeds:", r.ejemplos, semillas);
  n.show(tabla);
  std::vector<real> exactitudes;
  for (double a : r.exactitud) exactitudes.push_back(real(100 * a));
  svg::bar_chart(n.path("recuperadores.svg"),
                 {.title = n.tr("Exactitud por recuperador de símbolos", "Accuracy per symbol retriever"),
                  .y_label = n.tr("exactitud de prueba (%)", "test accuracy (%)"),
                  .labels = nombres,
                  .values = exactitudes});
  n.figure(n.path("recuperadores.svg"), "los tres recuperadores", "the three retrievers");
  n.say(
      "El mejor aquí: {}. En esta tarea el símbolo solo tiene que distinguir «el otro objeto» de «yo mismo»: "
      "los posicionales y los relativos lo dicen por construcción; los simbólicos dependen del contenido, y "
      "dos sprites iguales reciben el mismo símbolo. En lenguaje el artículo usa atención simbólica; en "
      "visión, símbolos posicionales.",
      "The best here: {}. In this task the symbol only has to tell \"the other object\" from \"myself\": "
      "positional and relative symbols say it by construction; symbolic ones depend on the content, and two "
      "equal sprites get the same symbol. For language the paper uses symbolic attention; for vision, "
      "positional symbols.",
      nombres[mejor]);
}

// ---------------------------------------------------------------------------------------------
// Paso 5: un DAT de visión contra un ViT. Imágenes de 16 × 16 con dos sprites binarios de 8 × 8
// lado a lado en una franja a una altura al azar; ¿son el mismo? Ahora el parche (4 × 4) es más
// chico que el objeto: cada sprite ocupa 4 parches, y comparar es comparar grupos de parches.
// Como en el paso 3, los sprites de prueba nunca se ven al entrenar.
// (Las imágenes, los dos modelos y el entrenamiento: vision() en lessons/common/dat_experiments.cpp.)
void paso5_vision(Narrator& n, const Vision& r) {
  n.step(5, "Un DAT de visión contra un ViT", "A vision DAT against a ViT");
  const ImageSplit ejemplo = imagenes_vision(2, 2, n.options().seed * 7 + 1).first;
  n.say(
      "Imágenes de {} × {}: dos sprites de {} × {} lado a lado, a una altura al azar. ¿Son el mismo? Ahora "
      "cada sprite ocupa 4 parches de {} × {}. Dos ejemplos (etiquetas {} y {}; 1 = iguales):",
      "{} × {} images: two {} × {} sprites side by side, at a random height. Are they the same? Now every "
      "sprite covers 4 patches of {} × {}. Two examples (labels {} and {}; 1 = same):",
      kLado, kLado, kSpriteGrande, kSpriteGrande, kParche, kParche, ejemplo.labels[0], ejemplo.labels[1]);
  n.heatmap(ejemplo.images.narrow0(0, 1).reshape({kLado, kLado}), {.values = false, .vmin = 0, .vmax = 1});
  n.heatmap(ejemplo.images.narrow0(1, 1).reshape({kLado, kLado}), {.values = false, .vmin = 0, .vmax = 1});
  n.say(
      "DATVision: parches de {} × {} (aplanados por fila, columna y canal) → LayerNorm → Linear → LayerNorm, "
      "[CLS], posiciones aprendidas, 2 bloques duales (2 SA + 2 RA, símbolos posicionales) y la fila de [CLS] "
      "a la cabeza: {} parámetros. El ViT de la lección 12, con 4 cabezas SA: {}. {} ejemplos de "
      "entrenamiento. Exactitud de prueba: DAT {} %, ViT {} %. ¿Gana el DAT? {}.",
      "DATVision: {} × {} patches (flattened by row, column and channel) → LayerNorm → Linear → LayerNorm, "
      "[CLS], learned positions, 2 dual blocks (2 SA + 2 RA, positional symbols) and the [CLS] row to the "
      "head: {} parameters. The ViT of lesson 12, with 4 SA heads: {}. {} training examples. Test accuracy: "
      "DAT {} %, ViT {} %. Does DAT win? {}.",
      kParche, kParche, r.param_dat, r.param_vit, r.ejemplos, fixed(100 * r.dat, 1), fixed(100 * r.vit, 1),
      si_no(n, r.dat > r.vit));
  svg::bar_chart(n.path("vision_dat_vit.svg"),
                 {.title = n.tr("¿El mismo sprite en las dos mitades?", "The same sprite in both halves?"),
                  .y_label = n.tr("exactitud de prueba (%)", "test accuracy (%)"),
                  .labels = {"DAT", "ViT", n.tr("azar", "chance")},
                  .values = {real(100 * r.dat), real(100 * r.vit), 50}});
  n.figure(n.path("vision_dat_vit.svg"), "exactitud del DAT y del ViT", "accuracy of DAT and ViT");
}

// ---------------------------------------------------------------------------------------------
// Los tres experimentos con entrenamiento (pasos 3–5): experimentos() en lessons/common/dat_experiments.cpp.
void narrar(Narrator& n, const Resultados& r) {
  paso1_a_mano(n);
  paso2_simbolos(n);
  paso3_curvas(n, r.curvas, r.config);
  paso4_recuperadores(n, r.recuperadores, r.config.semillas);
  paso5_vision(n, r.vision);
  n.summary({
      {"La atención relacional manda a cada token sus relaciones R_ijℓ = ⟨W_q,ℓ x_i, W_k,ℓ x_j⟩ con los "
       "demás, etiquetadas con símbolos, en vez del contenido de los otros tokens.",
       "Relational attention sends every token its relations R_ijℓ = ⟨W_q,ℓ x_i, W_k,ℓ x_j⟩ with the others, "
       "tagged with symbols, instead of the other tokens' content."},
      {"Los símbolos salen de una biblioteca aprendida (atención simbólica), de la posición o del desfase j − i.",
       "The symbols come from a learned library (symbolic attention), from the position or from the offset "
       "j − i."},
      {fmt("El DAT pone cabezas sensoriales y relacionales lado a lado; en la tarea de comparar objetos nuevos "
           "quedó adelante del Transformer del mismo tamaño en {} de {} tamaños (paso 3), y el DAT de visión "
           "sacó {} % contra {} % del ViT (paso 5).",
           victorias(r.curvas), r.curvas.tamanos.size(), fixed(100 * r.vision.dat, 1), fixed(100 * r.vision.vit, 1)),
       fmt("DAT puts sensory and relational heads side by side; on the task of comparing unseen objects it was "
           "ahead of the Transformer of the same size at {} of {} sizes (step 3), and the vision DAT scored {} % "
           "against the ViT's {} % (step 5).",
           victorias(r.curvas), r.curvas.tamanos.size(), fixed(100 * r.vision.dat, 1), fixed(100 * r.vision.vit, 1))},
  });
  // config_dat y kObjetos están en lessons/common/dat_experiments.h; relacional_a_mano en
  // lessons/common/relational_attention_by_hand.cpp.
  n.exercises({
      {"En config_dat cambia cabezas_ra = 2 por 4 (solo RA, n_sa = 0) y vuelve a correr: mira si la curva del "
       "DAT del paso 3 queda arriba de la del Transformer.",
       "In config_dat change cabezas_ra = 2 to 4 (RA only, n_sa = 0) and run again: see whether the DAT curve "
       "of step 3 is above the Transformer's."},
      {"Cambia kObjetos = 2 por 4 (¿hay dos iguales entre cuatro?): la imagen crece a cuatro sprites, hay "
       "seis pares que comparar y las dos curvas del paso 3 bajan.",
       "Change kObjetos = 2 to 4 (are two of four equal?): the image grows to four sprites, there are six "
       "pairs to compare and both curves of step 3 drop."},
      {"En relacional_a_mano pasa .symmetric_relations = true al primer RelationalAttention: el mapa de R del "
       "paso 1 se vuelve simétrico respecto a la diagonal.",
       "In relacional_a_mano pass .symmetric_relations = true to the first RelationalAttention: the R map of "
       "step 1 becomes symmetric about the diagonal."},
      {"Corre con --full: 8 tamaños, 5 semillas y 600 pasos; mira en curvas_de_aprendizaje.svg en qué "
       "tamaños va adelante el DAT.",
       "Run with --full: 8 sizes, 5 seeds and 600 steps; look in curvas_de_aprendizaje.svg at which sizes DAT "
       "is ahead."},
  });
}

void run(Narrator& n) { narrar(n, experimentos(n.options())); }

}  // namespace lesson15

#ifndef ATN_LESSON_NO_MAIN
int main(int argc, char** argv) {
  return atn::run_lesson(argc, argv, "15", {"Atención relacional y atención dual", "Relational and dual attention"},
                         lesson15::run);
}
#endif
