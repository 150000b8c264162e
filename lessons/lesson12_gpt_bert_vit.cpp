// Lección 12 · Arquitecturas: GPT, BERT y ViT
//
// Tres arquitecturas hechas con el mismo bloque de Transformer (models/transformer_block.h):
//   GPT  (Radford et al. 2018/2019): solo decodificador, máscara causal, predice el carácter
//        siguiente; se muestrea con temperatura y top-k, y una caché de claves y valores (KV)
//        evita recalcular el prefijo en cada paso.
//   BERT (Devlin et al. 2019): solo codificador, sin máscara; se preentrena tapando el 15 % de
//        las palabras (80 % [mask], 10 % al azar, 10 % sin cambio) y luego se afina un
//        clasificador sobre el vector del primer token ([CLS]).
//   ViT  (Dosovitskiy et al. 2021): la imagen cortada en parches es la secuencia de tokens; un
//        token [CLS] aprendido va al frente y su vector final se clasifica.
// Los modelos son pequeños y se entrenan pocos pasos: el texto que genera el GPT no es español
// correcto, y la lección no dice que lo sea.
//
//   make lesson12                              ejecuta la lección
//   make lesson12 ARGS="--step"                espera Enter tras cada paso
//   make lesson12 ARGS="--lang en"             in English
//   make lesson12 ARGS="--data mi_texto.txt"   el GPT aprende otro texto (UTF-8)
#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>
#include <set>
#include <tuple>

#include "autograd/tape.h"
#include "data/corpus.h"
#include "data/text_loader.h"
#include "lessons/common/bert_agreement.h"
#include "lessons/common/char_gpt_training.h"
#include "lessons/common/narrator.h"
#include "lessons/common/vit_shapes.h"
#include "models/bert.h"
#include "models/gpt.h"
#include "tensor/rng.h"
#include "tensor/shape_ops.h"
#include "tensor/softmax.h"
#include "viz/patches_svg.h"
#include "viz/svg.h"

namespace lesson12 {

using namespace atn;

std::string si_no(Narrator& n, bool v) { return v ? n.tr("sí", "yes") : n.tr("no", "no"); }

// --data ARCHIVO: main() lo quita de los argumentos antes de run_lesson y lo deja aquí.
// Vacío: el corpus español incluido (data/corpus.h).
inline std::string archivo_datos;

// Separa "--data ARCHIVO" (o "--data=ARCHIVO") del resto de los argumentos.
struct ArgsDatos {
  std::vector<std::string> resto;  // argv sin --data (resto[0] es el programa)
  std::string archivo, error;      // error: una línea, cuando --data no trae valor
};

ArgsDatos separar_data(int argc, const char* const* argv, bool en) {
  ArgsDatos r;
  for (int i = 0; i < argc; ++i) {
    const std::string a = argv[i];
    if (i > 0 && a == "--data") {
      if (i + 1 >= argc) r.error = en ? "--data: missing value" : "--data: falta el valor";
      else r.archivo = argv[++i];
    } else if (i > 0 && a.rfind("--data=", 0) == 0) {
      r.archivo = a.substr(7);
      if (r.archivo.empty()) r.error = en ? "--data: missing value" : "--data: falta el valor";
    } else {
      r.resto.push_back(a);
    }
  }
  return r;
}

// ---------------------------------------------------------------------------------------------
// Paso 1: un GPT de caracteres. Cada carácter (código Unicode: "ñ" y "¿" son uno) es un token;
// el modelo ve ventanas de `bloque` caracteres y aprende el siguiente en cada posición.
// (config_gpt y entrenar_gpt: lessons/common/char_gpt_training.cpp.)

// "" si el archivo de --data sirve; si no, una línea que dice por qué (no existe, no es UTF-8,
// o es tan corto que su 10 % de validación no llena una ventana).
std::string problema_datos(const std::string& archivo, bool en) {
  try {
    const size_t bytes = read_text_file(archivo).size(), minimo = size_t(20 * (kBloque + 1));
    if (bytes < minimo)
      return "--data " + archivo + ": " + std::to_string(bytes) + (en ? " bytes; at least " : " bytes; se necesitan al menos ") +
             std::to_string(minimo);
  } catch (const Error& e) {
    return std::string("--data: ") + e.what();
  }
  return "";
}

std::string texto_gpt() {
  if (archivo_datos.empty()) return spanish_corpus();
  if (const std::string p = problema_datos(archivo_datos, true); !p.empty()) throw Error("lesson12: " + p);
  return read_text_file(archivo_datos);
}

void paso1_gpt(Narrator& n, const ConfigGPT& c, const GPTEntrenado& e) {
  n.step(1, "Un GPT de caracteres", "A character GPT");
  n.say("Texto: {} ({} caracteres distintos = el vocabulario V). El 90 % primero entrena y el 10 % final "
        "valida. El modelo: {} capas, {} cabezas, d = {}, ventanas de {} caracteres, máscara causal; se "
        "entrena {} pasos con lotes de {} ventanas (AdamW, lr = {}).",
        "Text: {} ({} distinct characters = the vocabulary V). The first 90 % trains and the last 10 % "
        "validates. The model: {} layers, {} heads, d = {}, windows of {} characters, causal mask; it trains "
        "for {} steps on batches of {} windows (AdamW, lr = {}).",
        archivo_datos.empty() ? n.tr("el corpus español incluido", "the built-in Spanish corpus") : archivo_datos,
        e.tok.vocab_size(), c.capas, c.cabezas, c.d, kBloque, c.pasos, c.lote, c.lr);
  n.say("Pérdida de validación (entropía cruzada en nats por carácter): {} al inicio (ln V = {}: adivinar al "
        "azar) y {} al final. Contar solo la frecuencia de cada carácter, sin contexto, da {}. ¿El GPT usa el "
        "contexto, es decir, queda por debajo? {}.",
        "Validation loss (cross-entropy in nats per character): {} at the start (ln V = {}: guessing at random) "
        "and {} at the end. Counting only each character's frequency, with no context, gives {}. Does the GPT "
        "use the context, that is, does it end below that? {}.",
        fixed(e.val_inicial, 3), fixed(std::log(double(e.tok.vocab_size())), 3), fixed(e.val_final, 3),
        fixed(e.unigrama, 3), si_no(n, e.val_final < e.unigrama));
  svg::plot(n.path("gpt_perdida.svg"),
            {.title = n.tr("GPT de caracteres: pérdida de entrenamiento", "Character GPT: training loss"),
             .x_label = n.tr("paso", "step"),
             .y_label = n.tr("entropía cruzada (nats)", "cross-entropy (nats)"),
             .series = {{.name = n.tr("entrenamiento", "training"), .y = e.perdidas},
                        {.name = n.tr("solo frecuencias (sin contexto)", "frequencies only (no context)"),
                         .y = std::vector<real>(e.perdidas.size(), real(e.unigrama))}}});
  n.figure(n.path("gpt_perdida.svg"), "pérdida del GPT y la línea base de frecuencias",
           "GPT loss and the frequency baseline");
}

// ---------------------------------------------------------------------------------------------
// Paso 2: muestrear. p = softmax(z / T): T < 1 afila la distribución, T > 1 la aplana. Top-k
// deja solo los k tokens más probables (los demás a −∞) antes de softmax.
struct Distribucion {
  std::vector<std::string> tokens;  // los 10 más probables (con T = 1), en orden
  std::vector<real> baja, alta;     // sus probabilidades con T = 0.5 y T = 1.5
  double entropia_baja = 0, entropia_alta = 0;
  int64_t k = 5;
  double masa_top_k = 0;            // Σ de las probabilidades por top-k a mano (debe ser 1)
  int64_t distintos = 0;            // tokens distintos en 2000 sorteos de sample_next_token con top-k
  bool todos_en_top_k = true;       // ¿todos los sorteados están entre los k más probables?
};

double entropia(const Tensor& p) {
  double h = 0;
  for (int64_t i = 0; i < p.numel(); ++i)
    if (p[i] > 0) h -= double(p[i]) * std::log(double(p[i]));
  return h;
}

// Los logits del siguiente carácter después de `prefijo` [V].
Tensor logits_siguiente(GPTEntrenado& e, const std::string& prefijo) {
  NoGrad sin_cinta;
  e.gpt->eval();
  std::vector<int64_t> ids = e.tok.encode(prefijo);
  Tensor x({1, int64_t(ids.size())});
  for (size_t i = 0; i < ids.size(); ++i) x[int64_t(i)] = real(ids[i]);
  const Tensor z = e.gpt->forward(x).value();
  e.gpt->train();
  return narrow(z, 1, int64_t(ids.size()) - 1, 1).reshape({e.tok.vocab_size()}).clone();
}

Distribucion distribucion(GPTEntrenado& e, uint64_t semilla) {
  Distribucion d;
  const Tensor z = logits_siguiente(e, e.inicio);
  const int64_t v = z.numel();
  auto con_t = [&](real t) {
    Tensor s = z.clone();
    for (int64_t i = 0; i < v; ++i) s[i] /= t;
    return softmax(s);
  };
  const Tensor p1 = con_t(1), pb = con_t(0.5f), pa = con_t(1.5f);
  std::vector<int64_t> orden(static_cast<size_t>(v));
  for (int64_t i = 0; i < v; ++i) orden[size_t(i)] = i;
  std::stable_sort(orden.begin(), orden.end(), [&](int64_t a, int64_t b) { return p1[a] > p1[b]; });
  for (size_t r = 0; r < 10 && r < orden.size(); ++r) {
    const std::string c = e.tok.token(orden[r]);
    d.tokens.push_back(c == " " ? "␣" : c == "\n" ? "↵" : c);
    d.baja.push_back(pb[orden[r]]), d.alta.push_back(pa[orden[r]]);
  }
  d.entropia_baja = entropia(pb), d.entropia_alta = entropia(pa);
  // Top-k a mano: los que no están entre los k primeros van a −∞ y se vuelve a normalizar.
  Tensor s = z.clone();
  for (size_t r = size_t(d.k); r < orden.size(); ++r) s[orden[r]] = -std::numeric_limits<real>::infinity();
  const Tensor pk = softmax(s);
  for (int64_t i = 0; i < v; ++i) d.masa_top_k += pk[i];
  // La biblioteca: sample_next_token con top_k = k no sale nunca de esos k.
  Rng rng(semilla);
  std::set<int64_t> vistos;
  for (int i = 0; i < 2000; ++i) vistos.insert(sample_next_token(z, {.temperature = 1, .top_k = d.k}, rng));
  d.distintos = int64_t(vistos.size());
  for (int64_t t : vistos)
    d.todos_en_top_k = d.todos_en_top_k && std::find(orden.begin(), orden.begin() + d.k, t) != orden.begin() + d.k;
  return d;
}

struct Muestra {
  std::string texto;
  double reales = 0;  // fracción de sus palabras que aparecen en el texto de entrenamiento
};

Muestra muestrear(GPTEntrenado& e, const std::set<std::string>& palabras, const GenerateOptions& o, uint64_t semilla,
                  int64_t largo) {
  Rng rng(semilla);
  Muestra m{e.tok.decode(e.gpt->generate(e.tok.encode(e.inicio), largo, o, rng)), 0};
  std::istringstream leer(m.texto);
  int64_t total = 0, si = 0;
  for (std::string p; leer >> p;) ++total, si += palabras.count(p);
  m.reales = total ? double(si) / double(total) : 0;
  return m;
}

std::set<std::string> palabras_de(const std::string& texto) {
  std::set<std::string> r;
  std::istringstream leer(texto);
  for (std::string p; leer >> p;) r.insert(p);
  return r;
}

// Una muestra para mostrar: los saltos de línea como ↵ y renglones de a lo más `ancho` caracteres.
std::string envolver(const std::string& texto, size_t ancho = 72) {
  std::string r, renglon;
  size_t largo = 0;
  for (size_t i = 0; i < texto.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(texto[i]);
    if ((c & 0xC0) != 0x80 && largo == ancho) r += renglon + "\n", renglon.clear(), largo = 0;
    if (texto[i] == '\n') renglon += "↵", ++largo;
    else renglon += texto[i], largo += (c & 0xC0) != 0x80;
  }
  return r + renglon;
}

void paso2_muestreo(Narrator& n, GPTEntrenado& e, const std::string& texto) {
  n.step(2, "Muestrear: temperatura y top-k", "Sampling: temperature and top-k");
  const Distribucion d = distribucion(e, n.options().seed);
  n.say("El siguiente carácter después de «{}»: p = softmax(z / T). Los 10 más probables (␣ es el espacio), "
        "con T = 0.5 y con T = 1.5:",
        "The next character after \"{}\": p = softmax(z / T). The 10 most likely (␣ is the space), with T = 0.5 "
        "and with T = 1.5:",
        e.inicio);
  std::string tabla = "        T = 0.5   T = 1.5\n";
  for (size_t i = 0; i < d.tokens.size(); ++i)
    tabla += "  " + d.tokens[i] + "     " + fixed(d.baja[i], 3, 7) + "   " + fixed(d.alta[i], 3, 7) + "\n";
  n.show(tabla);
  n.say("Entropía: {} nats con T = 0.5 y {} con T = 1.5. ¿La temperatura baja concentra la probabilidad "
        "(menos entropía)? {}. Top-k con k = {}: los demás logits van a −∞ antes de softmax; los k que quedan "
        "suman {}. En 2000 sorteos con sample_next_token(top_k = {}) salieron {} caracteres distintos; ¿todos "
        "entre los {} más probables? {}.",
        "Entropy: {} nats with T = 0.5 and {} with T = 1.5. Does the low temperature concentrate the probability "
        "(less entropy)? {}. Top-k with k = {}: the other logits go to −∞ before the softmax; the k left sum "
        "to {}. In 2000 draws with sample_next_token(top_k = {}), {} distinct characters came out; all among "
        "the {} most likely? {}.",
        fixed(d.entropia_baja, 3), fixed(d.entropia_alta, 3), si_no(n, d.entropia_baja < d.entropia_alta), d.k,
        fixed(d.masa_top_k, 4), d.k, d.distintos, d.k, si_no(n, d.todos_en_top_k && d.distintos <= d.k));
  for (auto [archivo, t, p] : {std::tuple{"temperatura_baja.svg", "0.5", &d.baja}, {"temperatura_alta.svg", "1.5", &d.alta}}) {
    svg::bar_chart(n.path(archivo), {.title = n.tr("Carácter siguiente, T = ", "Next character, T = ") + t,
                                     .y_label = n.tr("probabilidad", "probability"),
                                     .labels = d.tokens,
                                     .values = *p});
    n.figure(n.path(archivo), "los 10 caracteres más probables con esa temperatura",
             "the 10 most likely characters at that temperature");
  }
  const std::set<std::string> palabras = palabras_de(texto);
  const Muestra fria = muestrear(e, palabras, {.temperature = 0.6f, .top_k = 10}, n.options().seed, 120);
  const Muestra caliente = muestrear(e, palabras, {.temperature = 1.4f}, n.options().seed, 120);
  n.say("Dos muestras de 120 caracteres. Con T = 0.6 y top-k = 10:", "Two samples of 120 characters. With T = 0.6 "
        "and top-k = 10:");
  n.show(envolver(fria.texto));
  n.say("Con T = 1.4 sin top-k:", "With T = 1.4 without top-k:");
  n.show(envolver(caliente.texto));
  n.say("Es un modelo diminuto entrenado unos segundos: imita letras, sílabas y palabras cortas, no escribe "
        "un texto correcto. Palabras de la muestra que existen en el texto: {} % con T = 0.6 y {} % con T = 1.4; "
        "¿más con la temperatura baja? {}.",
        "It is a tiny model trained for a few seconds: it imitates letters, syllables and short words, it does "
        "not write correct text. Words of the sample that exist in the text: {} % with T = 0.6 and {} % with "
        "T = 1.4; more with the low temperature? {}.",
        fixed(100 * fria.reales, 0), fixed(100 * caliente.reales, 0), si_no(n, fria.reales > caliente.reales));
}

// ---------------------------------------------------------------------------------------------
// Paso 3: la caché KV. Con máscara causal, las claves y valores de las posiciones 0…t−1 no
// cambian cuando llega el token t: se guardan y en cada paso solo se calcula el token nuevo.
// Sin caché, cada paso vuelve a pasar todo el prefijo por el modelo: Σ_t t posiciones en vez de n.
struct CacheKV {
  int64_t nuevos = 0;
  bool mismos = false;            // ¿los mismos tokens con y sin caché?
  double ms_con = 0, ms_sin = 0;  // el mejor de varios intentos
  double logits_dif = 0;          // forward_cached frente a forward sobre toda la secuencia
};

CacheKV cache_kv(GPTEntrenado& e, uint64_t semilla, int intentos) {
  using Reloj = std::chrono::steady_clock;
  CacheKV c;
  const std::vector<int64_t> inicio = e.tok.encode(e.inicio);
  c.nuevos = kBloque - int64_t(inicio.size());  // llenar el bloque: la caché vale en todo el camino
  std::vector<int64_t> con, sin;
  c.ms_con = c.ms_sin = 1e30;
  for (int i = 0; i < intentos; ++i)
    for (bool usar : {true, false}) {
      Rng rng(semilla);  // la misma semilla: los mismos sorteos
      const auto t0 = Reloj::now();
      std::vector<int64_t> r = e.gpt->generate(inicio, c.nuevos, {.temperature = 1, .use_kv_cache = usar}, rng);
      const double ms = std::chrono::duration<double, std::milli>(Reloj::now() - t0).count();
      (usar ? c.ms_con : c.ms_sin) = std::min(usar ? c.ms_con : c.ms_sin, ms);
      (usar ? con : sin) = std::move(r);
    }
  c.mismos = con == sin;
  // Los logits de la caché, token por token, contra forward sobre la secuencia entera.
  NoGrad sin_cinta;
  e.gpt->eval();
  Tensor todo({1, kBloque});
  for (int64_t t = 0; t < kBloque; ++t) todo[t] = real(con[size_t(t)]);
  const Tensor completo = e.gpt->forward(todo).value();
  KVCache cache(e.gpt->config().n_layer);
  for (int64_t t = 0; t < kBloque; ++t) {
    const Tensor uno = e.gpt->forward_cached(narrow(todo, 1, t, 1).clone(), cache).value();
    c.logits_dif = std::max(c.logits_dif, double(max_abs_diff(uno, narrow(completo, 1, t, 1))));
  }
  e.gpt->train();
  return c;
}

void paso3_cache(Narrator& n, GPTEntrenado& e) {
  n.step(3, "La caché de claves y valores (KV)", "The key–value (KV) cache");
  const CacheKV c = cache_kv(e, n.options().seed, n.quick() ? 1 : 3);
  n.say("Con máscara causal, la clave y el valor de la posición j no dependen de lo que viene después: al "
        "generar el token t + 1 los de 0…t ya están calculados. La caché los guarda (por capa, {} números por "
        "token) y cada paso pasa por el modelo solo el token nuevo; sin caché se vuelve a calcular todo el "
        "prefijo, Σ t posiciones en lugar de una por paso.",
        "With a causal mask, the key and value of position j do not depend on what comes after: when generating "
        "token t + 1 those of 0…t are already computed. The cache keeps them (per layer, {} numbers per token) "
        "and each step feeds only the new token through the model; without a cache the whole prefix is computed "
        "again, Σ t positions instead of one per step.",
        2 * e.gpt->config().d_model);
  n.say("Generamos {} caracteres con la misma semilla, con y sin caché. ¿Los mismos tokens? {}. Los logits de "
        "la caché, token por token, difieren de los de la secuencia entera en {} como máximo (redondeo). "
        "Tiempo (el mejor de varios intentos): {} ms con caché y {} ms sin ella; ¿más rápido con caché? {} "
        "({} veces).",
        "We generate {} characters with the same seed, with and without the cache. The same tokens? {}. The "
        "cache's logits, token by token, differ from those of the whole sequence by at most {} (rounding). "
        "Time (the best of several tries): {} ms with the cache and {} ms without it; faster with the cache? {} "
        "({} times).",
        c.nuevos, si_no(n, c.mismos), sci(c.logits_dif), fixed(c.ms_con, 1), fixed(c.ms_sin, 1),
        si_no(n, c.ms_con < c.ms_sin), fixed(c.ms_sin / c.ms_con, 1));
}

// ---------------------------------------------------------------------------------------------
// Paso 4: BERT tapa palabras. Texto por palabras (minúsculas, la puntuación aparte); cada ejemplo
// es [bos] + 8 palabras seguidas. Nuestro tokenizador no tiene [CLS]: [bos] hace su papel (va en
// la posición 0 y su vector final es el que se clasifica).
// (texto_bert y ventanas: lessons/common/bert_agreement.cpp.)

// El enmascarado de BERT (§3.1) a mano, con los mismos tres sorteos por posición que
// mask_tokens (models/bert.h), contando qué le pasó a cada posición.
struct Enmascarado {
  MaskedBatch lote;  // el de la biblioteca, con la misma semilla
  int64_t elegibles = 0, elegidas = 0, a_mask = 0, al_azar = 0, sin_cambio = 0;
  bool igual_biblioteca = false;
};

Enmascarado enmascarar(const Tensor& ids, const MaskingOptions& o, uint64_t semilla) {
  Enmascarado e;
  Rng rng(semilla), rng_biblioteca(semilla);
  Tensor entrada = ids.clone();
  for (int64_t i = 0; i < ids.numel(); ++i) {
    const real eleccion = rng.uniform(), tipo = rng.uniform();
    const int64_t al_azar = int64_t(rng.below(uint64_t(o.vocab)));
    const bool protegido = std::count(o.never_mask.begin(), o.never_mask.end(), int64_t(ids[i])) > 0;
    if (protegido) continue;  // [pad], [bos] (nuestro [CLS]) y [eos] nunca se eligen
    ++e.elegibles;
    if (eleccion >= o.select_prob) continue;  // 85 %: la posición no entra en la pérdida
    ++e.elegidas;
    if (tipo < o.mask_prob) entrada[i] = real(o.mask_id), ++e.a_mask;                         // 80 %
    else if (tipo < o.mask_prob + o.random_prob) entrada[i] = real(al_azar), ++e.al_azar;     // 10 %
    else ++e.sin_cambio;                                                                      // 10 %
  }
  e.lote = mask_tokens(ids, o, rng_biblioteca);
  e.igual_biblioteca = max_abs_diff(entrada, e.lote.input) == 0;
  return e;
}

void paso4_enmascarar(Narrator& n, const TextoBert& tb) {
  n.step(4, "BERT: tapar el 15 % (80 % [mask], 10 % al azar, 10 % igual)",
         "BERT: cover 15 % (80 % [mask], 10 % random, 10 % unchanged)");
  Rng rng(n.options().seed);
  const Tensor ids = ventanas(tb, tb.partes.train, 256, rng);
  const Enmascarado e = enmascarar(ids, {.mask_id = tb.tok.mask_id(), .vocab = tb.tok.vocab_size()}, n.options().seed);
  const double k = double(e.elegidas);
  n.say("BERT ve la oración entera (sin máscara causal) y aprende a adivinar palabras tapadas. En un lote de 256 "
        "ejemplos hay {} posiciones elegibles ([bos] nunca se elige). Se eligieron {} ({} %; se espera 15 %). "
        "De ellas: {} → [mask] ({} %), {} → una palabra al azar ({} %), {} sin cambio ({} %); se esperan 80, 10 y "
        "10 %. ¿Igual que mask_tokens de la biblioteca? {}.",
        "BERT sees the whole sentence (no causal mask) and learns to guess covered words. A batch of 256 examples "
        "has {} eligible positions ([bos] is never chosen). {} were chosen ({} %; 15 % expected). Of those: {} → "
        "[mask] ({} %), {} → a random word ({} %), {} unchanged ({} %); 80, 10 and 10 % are expected. The same as "
        "the library's mask_tokens? {}.",
        e.elegibles, e.elegidas, fixed(100.0 * k / double(e.elegibles), 1), e.a_mask, fixed(100 * e.a_mask / k, 1),
        e.al_azar, fixed(100 * e.al_azar / k, 1), e.sin_cambio, fixed(100 * e.sin_cambio / k, 1),
        si_no(n, e.igual_biblioteca));
  std::vector<int64_t> antes, despues;
  for (int64_t t = 0; t < kT; ++t) antes.push_back(int64_t(ids.at({0, t}))), despues.push_back(int64_t(e.lote.input.at({0, t})));
  n.show(tb.tok.decode(antes) + "\n→ " + tb.tok.decode(despues));
  n.say("¿Por qué no siempre [mask]? Al afinar no hay ningún [mask] en la entrada; si el modelo solo aprendiera "
        "a predecir en las posiciones [mask], no tendría por qué dar buenos vectores para las palabras "
        "normales. El 10 % al azar y el 10 % sin cambio lo obligan a revisar cada palabra.",
        "Why not always [mask]? When fine-tuning there is no [mask] in the input; if the model only learned to "
        "predict at [mask] positions, nothing would push it to give good vectors for ordinary words. The 10 % "
        "random and 10 % unchanged force it to check every word.");
}

// ---------------------------------------------------------------------------------------------
// Paso 5: preentrenar con palabras tapadas y afinar un clasificador [CLS]. La tarea: ¿la
// concordancia de género del artículo está rota? A la mitad de los ejemplos se le cambia un
// artículo por el del otro género (el↔la, los↔las, un↔una, unos↔unas): "la plaza" → "el plaza".
// Para adivinar un artículo tapado hay que saber el género del sustantivo, así que el
// preentrenamiento debería ayudar; lo medimos contra el mismo modelo entrenado desde cero.
// (config_bert, ejemplos_concordancia y bert_completo: lessons/common/bert_agreement.cpp.)

void paso5_bert(Narrator& n, const TextoBert& tb, const ResultadoBert& r, const ConfigBert& c) {
  n.step(5, "BERT: preentrenar y afinar un clasificador [CLS]", "BERT: pretrain and fine-tune a [CLS] classifier");
  n.say("Preentrenamiento: {} pasos de palabras tapadas con lotes de {} ejemplos (vocabulario de {} palabras, {} "
        "capas, d = {}). Pérdida: {} al inicio (ln V = {}) y {} al final (media de los últimos 10 pasos).",
        "Pretraining: {} masked-word steps on batches of {} examples (a vocabulary of {} words, {} layers, d = {}). "
        "Loss: {} at the start (ln V = {}) and {} at the end (mean of the last 10 steps).",
        c.pasos_mlm, c.lote_mlm, tb.tok.vocab_size(), c.capas, c.d,
        r.perdidas_mlm.empty() ? "—" : fixed(r.perdidas_mlm.front(), 3), fixed(std::log(double(tb.tok.vocab_size())), 3),
        r.perdidas_mlm.empty() ? "—" : fixed(final_mlm(r), 3));
  n.say("Tapamos el artículo de cada oración de prueba y comparamos solo los 8 artículos: el modelo elige el "
        "correcto el {} % de las veces; decir siempre el más frecuente acierta el {} %. ¿Supera esa línea base? {}.",
        "We cover the article of each test sentence and compare only the 8 articles: the model picks the right one "
        "{} % of the time; always saying the most frequent one is right {} %. Does it beat that baseline? {}.",
        fixed(100 * r.acierto_articulo, 1), fixed(100 * r.base_articulo, 1),
        si_no(n, r.acierto_articulo > r.base_articulo));
  n.say("La tarea: ¿está rota la concordancia del artículo? («la plaza» frente a «el plaza»). El clasificador "
        "lee el vector final de la posición 0 ([bos], nuestro [CLS]): clases = W tanh(P h_0). Se afina {} pasos "
        "con {} ejemplos; la prueba son {} ejemplos de la parte final del texto, la mitad rotos (el azar da "
        "50 %). Exactitud: {} % partiendo del modelo preentrenado y {} % con el mismo modelo desde cero. "
        "¿Preentrenado por encima del azar? {}. ¿Por encima del de cero? {}.",
        "The task: is the article's agreement broken? (\"la plaza\" versus \"el plaza\"). The classifier reads the "
        "final vector of position 0 ([bos], our [CLS]): classes = W tanh(P h_0). It is fine-tuned for {} steps on "
        "{} examples; the test is {} examples from the last part of the text, half of them broken (chance gives "
        "50 %). Accuracy: {} % starting from the pretrained model and {} % with the same model from scratch. "
        "Pretrained above chance? {}. Above the one from scratch? {}.",
        c.pasos_afinar, c.n_afinar, c.n_prueba, fixed(100 * r.exactitud_pre, 1), fixed(100 * r.exactitud_cero, 1),
        si_no(n, r.exactitud_pre > 0.5), si_no(n, r.exactitud_pre > r.exactitud_cero));
  if (r.exactitud_pre > r.exactitud_cero && r.exactitud_pre > 0.5)
    n.say("Aquí el preentrenamiento ayudó.", "Here pretraining helped.");
  else
    n.say("Aquí el preentrenamiento no ayudó: con tan pocos pasos el modelo aún no aprende el género de los "
          "sustantivos (BERT de verdad se preentrena con miles de millones de palabras). Lo decimos tal cual.",
          "Here pretraining did not help: with so few steps the model does not yet learn the nouns' gender (a "
          "real BERT is pretrained on billions of words). We say it as it is.");
  svg::plot(n.path("bert_perdidas.svg"),
            {.title = n.tr("BERT: afinar el clasificador [CLS]", "BERT: fine-tuning the [CLS] classifier"),
             .x_label = n.tr("paso", "step"),
             .y_label = n.tr("entropía cruzada", "cross-entropy"),
             .series = {{.name = n.tr("preentrenado", "pretrained"), .y = r.afinar_pre},
                        {.name = n.tr("desde cero", "from scratch"), .y = r.afinar_cero}}});
  n.figure(n.path("bert_perdidas.svg"), "pérdida al afinar, con y sin preentrenamiento",
           "fine-tuning loss, with and without pretraining");
}

// ---------------------------------------------------------------------------------------------
// Paso 6: ViT. Imágenes de 12 × 12 con una figura (cuadrado, círculo, triángulo o cruz) en
// cualquier lugar; parches de 4 × 4 → 9 tokens de 16 píxeles, más el token [CLS] aprendido.
// (config_vit, imagenes y entrenar_vit: lessons/common/vit_shapes.cpp.)

const std::vector<std::string>& nombres_figuras(Narrator& n) {
  static const std::vector<std::string> es = {"cuadrado", "círculo", "triángulo", "cruz"},
                                        en = {"square", "circle", "triangle", "cross"};
  return n.english() ? en : es;
}

void paso6_vit(Narrator& n, const ConfigViT& c, const ImageDataset& datos, const ResultadoViT& r) {
  n.step(6, "ViT: una imagen es una secuencia de parches", "ViT: an image is a sequence of patches");
  const std::vector<std::string>& nombres = nombres_figuras(n);
  const Tensor imagen = narrow(datos.train.images, 0, 0, 1).reshape({kLado, kLado}).clone();
  n.say("Imágenes de {} × {} píxeles con una figura: {}, {}, {} o {}, de tamaño y lugar variables, con ruido. "
        "La primera imagen de entrenamiento (clase: {}):",
        "Images of {} × {} pixels with one figure: {}, {}, {} or {}, of varying size and place, with noise. The "
        "first training image (class: {}):",
        kLado, kLado, nombres[0], nombres[1], nombres[2], nombres[3], nombres[size_t(datos.train.labels[0])]);
  n.heatmap(imagen, {.decimals = 1, .values = false});
  n.say("Se corta en parches de {} × {}: {} parches, cada uno un vector de {} píxeles que una capa lineal lleva a "
        "d = {} (es lo mismo que una convolución con paso {}). ¿El parche 4 de patchify es el cuadro central "
        "cortado a mano? {}. Delante va el token [CLS], un vector aprendido; se suman posiciones aprendidas, "
        "pasa por el codificador (bloques: {}; sin máscara) y se clasifica el vector final de [CLS].",
        "It is cut into {} × {} patches: {} patches, each a vector of {} pixels that a linear layer maps to d = {} "
        "(the same as a convolution with stride {}). Is patch 4 of patchify the central square cut by hand? {}. "
        "In front goes the [CLS] token, a learned vector; learned positions are added, it goes through the "
        "encoder (blocks: {}; no mask), and the final [CLS] vector is classified.",
        kParche, kParche, r.parches, kParche * kParche, c.d, kParche, si_no(n, r.parches_iguales), c.capas);
  svg::image_patches(n.path("parches.svg"),
                     {.title = n.tr("La imagen como secuencia: [CLS] y 9 parches de 4 × 4",
                                    "The image as a sequence: [CLS] and 9 patches of 4 × 4"),
                      .image = imagen,
                      .patch = kParche,
                      .cls_label = "[CLS]",
                      .sequence_label = n.tr("secuencia de tokens que ve el Transformer",
                                             "sequence of tokens the Transformer sees")});
  n.figure(n.path("parches.svg"), "la imagen, su rejilla de parches y la secuencia de tokens",
           "the image, its patch grid and the token sequence");
  std::string clases;
  for (size_t k = 0; k < nombres.size(); ++k)
    clases += (k ? ", " : "") + nombres[k] + " " + fixed(100 * r.por_clase[k], 0) + " %";
  n.say("Entrenamiento: {} pasos con lotes de {} de {} imágenes. Exactitud en {} imágenes de prueba (ninguna "
        "está en el entrenamiento): {} % ({}); el azar da {} %. ¿Por encima del azar? {}.",
        "Training: {} steps on batches of {} out of {} images. Accuracy on {} test images (none of them is in the "
        "training set): {} % ({}); chance gives {} %. Above chance? {}.",
        c.pasos, c.lote, c.n_train, c.n_prueba, fixed(100 * r.exactitud, 1), clases, fixed(100 * r.azar, 0),
        si_no(n, r.exactitud > r.azar));
  svg::plot(n.path("vit_perdida.svg"), {.title = n.tr("ViT: pérdida de entrenamiento", "ViT: training loss"),
                                        .x_label = n.tr("paso", "step"),
                                        .y_label = n.tr("entropía cruzada", "cross-entropy"),
                                        .series = {{.name = n.tr("lote", "batch"), .y = r.perdidas}}});
  n.figure(n.path("vit_perdida.svg"), "pérdida del ViT", "ViT loss");
}

// ---------------------------------------------------------------------------------------------
void run(Narrator& n) {
  const ConfigGPT cg = config_gpt(n.options());
  const std::string texto = texto_gpt();
  GPTEntrenado gpt = entrenar_gpt(cg, texto);
  paso1_gpt(n, cg, gpt);
  paso2_muestreo(n, gpt, texto);
  paso3_cache(n, gpt);
  const TextoBert tb = texto_bert();
  paso4_enmascarar(n, tb);
  const ConfigBert cb = config_bert(n.options());
  paso5_bert(n, tb, bert_completo(tb, cb), cb);
  const ConfigViT cv = config_vit(n.options());
  const ImageDataset datos = imagenes(cv);
  paso6_vit(n, cv, datos, entrenar_vit(cv, datos));
  n.summary({
      {"GPT es un decodificador con máscara causal que predice el token siguiente; se muestrea con softmax(z / T): "
       "T baja concentra la probabilidad, top-k descarta todo menos los k más probables.",
       "GPT is a decoder with a causal mask that predicts the next token; it is sampled with softmax(z / T): a low "
       "T concentrates the probability, top-k drops all but the k most likely."},
      {"La caché KV guarda claves y valores del prefijo: los mismos tokens, con un paso por token nuevo en vez de "
       "recalcular todo el prefijo.",
       "The KV cache keeps the prefix's keys and values: the same tokens, with one step per new token instead of "
       "recomputing the whole prefix."},
      {"BERT es un codificador sin máscara: se preentrena tapando el 15 % de las palabras (80 % [mask], 10 % al "
       "azar, 10 % igual) y se afina un clasificador sobre el vector de [CLS].",
       "BERT is an encoder without a mask: it is pretrained by covering 15 % of the words (80 % [mask], 10 % "
       "random, 10 % unchanged) and a classifier is fine-tuned on the [CLS] vector."},
      {"ViT lee una imagen como una secuencia de parches con un token [CLS] delante; el resto es el mismo "
       "codificador.",
       "ViT reads an image as a sequence of patches with a [CLS] token in front; the rest is the same encoder."},
  });
  n.exercises({
      {"Corre con --full: el GPT entrena 2000 pasos en vez de 250 y la pérdida de validación del paso 1 baja más; "
       "las muestras siguen sin ser español correcto.",
       "Run with --full: the GPT trains for 2000 steps instead of 250 and the validation loss of step 1 drops "
       "further; the samples are still not correct Spanish."},
      {"Corre con --data y un archivo de texto tuyo (UTF-8, unos cuantos kB o más): el vocabulario V y las "
       "muestras cambian; un archivo que no existe da un error de una línea.",
       "Run with --data and a text file of yours (UTF-8, a few kB or more): the vocabulary V and the samples "
       "change; a file that does not exist gives a one-line error."},
      {"En distribucion cambia `d.k = 5` por 1: top-k con k = 1 es elegir siempre el más probable, y los 2000 "
       "sorteos dan un solo carácter distinto.",
       "In distribucion change `d.k = 5` to 1: top-k with k = 1 is always picking the most likely one, and the "
       "2000 draws give a single distinct character."},
      {"En config_bert pon pasos_mlm = 0 (sin preentrenar): el modelo «preentrenado» es igual al de cero y las "
       "dos exactitudes coinciden.",
       "In config_bert set pasos_mlm = 0 (no pretraining): the \"pretrained\" model equals the one from scratch "
       "and both accuracies are the same."},
      {"En imagenes cambia noise_std = 0.1f por 0.5f: la exactitud del ViT baja, pero sigue arriba del azar "
       "(25 %).",
       "In imagenes change noise_std = 0.1f to 0.5f: the ViT's accuracy drops, but stays above chance (25 %)."},
  });
}

}  // namespace lesson12

#ifndef ATN_LESSON_NO_MAIN
int main(int argc, char** argv) {
  bool en = false;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--lang=en" || (a == "--lang" && i + 1 < argc && std::string(argv[i + 1]) == "en")) en = true;
  }
  const lesson12::ArgsDatos d = lesson12::separar_data(argc, argv, en);
  const std::string programa = argc > 0 ? argv[0] : "lesson12";
  if (!d.error.empty()) {
    std::cerr << programa << ": " << d.error << "\n";
    return 2;
  }
  if (!d.archivo.empty()) {
    if (const std::string p = lesson12::problema_datos(d.archivo, en); !p.empty()) {
      std::cerr << programa << ": " << p << "\n";
      return 2;
    }
    lesson12::archivo_datos = d.archivo;
  }
  std::vector<char*> resto;
  for (const std::string& a : d.resto) resto.push_back(const_cast<char*>(a.c_str()));
  const int r = atn::run_lesson(int(resto.size()), resto.data(), "12",
                                {"Arquitecturas: GPT, BERT y ViT", "Architectures: GPT, BERT and ViT"}, lesson12::run);
  for (const std::string& a : d.resto)
    if (a == "--help" || a == "-h")
      std::cout << (en ? "  --data FILE    train the GPT on another UTF-8 text file\n"
                       : "  --data ARCHIVO entrena el GPT con otro archivo de texto UTF-8\n");
  return r;
}
#endif
