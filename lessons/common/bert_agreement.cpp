// Lección 12, pasos 4 y 5: el preentrenamiento y el afinado de BERT (ver bert_agreement.h).
#include "lessons/common/bert_agreement.h"

#include <algorithm>
#include <numeric>
#include <utility>

#include "autograd/tape.h"
#include "data/corpus.h"
#include "models/bert.h"
#include "optim/adam.h"
#include "tensor/index_ops.h"

namespace lesson12 {

TextoBert texto_bert() {
  const std::string t = spanish_corpus();  // BERT usa siempre el corpus incluido (sus artículos)
  TextoBert r{WordTokenizer(t, {.lowercase = true, .split_punctuation = true}), {}};
  r.partes = split_train_val(r.tok.encode(t), 0.1);
  return r;
}

Tensor ventanas(const TextoBert& tb, const std::vector<int64_t>& ids, int64_t b, Rng& rng) {
  const TokenBatch w = sample_windows(ids, b, kPalabras, rng);
  Tensor x({b, kT});
  for (int64_t i = 0; i < b; ++i) {
    x.at({i, 0}) = real(tb.tok.bos_id());
    for (int64_t t = 0; t < kPalabras; ++t) x.at({i, t + 1}) = w.x.at({i, t});
  }
  return x;
}

ConfigBert config_bert(const LessonOptions& o) {
  const bool q = o.mode == RunMode::quick, f = o.mode == RunMode::full;
  return {.pasos_mlm = q ? 15 : f ? 1500 : 200, .pasos_afinar = q ? 15 : f ? 300 : 100, .semilla = o.seed};
}

const std::map<std::string, std::string>& otro_genero() {
  static const std::map<std::string, std::string> m = {{"el", "la"},     {"la", "el"},    {"los", "las"},
                                                       {"las", "los"},   {"un", "una"},   {"una", "un"},
                                                       {"unos", "unas"}, {"unas", "unos"}};
  return m;
}

Ejemplos ejemplos_concordancia(const TextoBert& tb, const std::vector<int64_t>& ids, int64_t n, Rng& rng) {
  std::vector<int64_t> articulos;
  for (int64_t i = 6; i + kPalabras < int64_t(ids.size()); ++i)
    if (otro_genero().count(tb.tok.word(ids[size_t(i)]))) articulos.push_back(i);
  Ejemplos e{Tensor({n, kT}), Tensor({n})};
  for (int64_t k = 0; k < n; ++k) {
    const int64_t p = articulos[size_t(rng.below(articulos.size()))], inicio = p - int64_t(rng.below(6));
    e.x.at({k, 0}) = real(tb.tok.bos_id());
    for (int64_t t = 0; t < kPalabras; ++t) e.x.at({k, t + 1}) = real(ids[size_t(inicio + t)]);
    e.y[k] = real(k % 2);
    if (k % 2) e.x.at({k, p - inicio + 1}) = real(tb.tok.id(otro_genero().at(tb.tok.word(ids[size_t(p)]))));
  }
  return e;
}

namespace {

double exactitud(Bert& m, const Ejemplos& e) {
  NoGrad sin_cinta;
  const Tensor z = m.classify(e.x).value();
  int64_t bien = 0;
  for (int64_t i = 0; i < e.y.numel(); ++i) bien += (z.at({i, 1}) > z.at({i, 0})) == (e.y[i] > 0.5f);
  return double(bien) / double(e.y.numel());
}

// Tapa el artículo de cada ejemplo sin alterar (etiqueta 0) y mira si el modelo lo adivina.
void medir_articulos(Bert& m, const TextoBert& tb, const Ejemplos& prueba, ResultadoBert& r) {
  NoGrad sin_cinta;
  Tensor x = prueba.x.clone();
  std::vector<std::pair<int64_t, int64_t>> tapados;  // (fila, posición)
  std::map<int64_t, int64_t> frecuencia;
  for (int64_t i = 0; i < x.size(0); i += 2)
    for (int64_t t = 1; t < kT; ++t)
      if (otro_genero().count(tb.tok.word(int64_t(x.at({i, t}))))) {
        ++frecuencia[int64_t(x.at({i, t}))], tapados.push_back({i, t});
        x.at({i, t}) = real(tb.tok.mask_id());
        break;
      }
  const Tensor z = m.mlm_logits(x).value();
  std::vector<int64_t> articulos;  // solo se comparan los 8 artículos entre sí
  for (const auto& [palabra, otro] : otro_genero()) articulos.push_back(tb.tok.id(palabra));
  int64_t bien = 0, mas_comun = 0;
  for (auto [id, c] : frecuencia) mas_comun = std::max(mas_comun, c);
  for (auto [i, t] : tapados) {
    int64_t mejor = articulos[0];
    for (int64_t w : articulos) mejor = z.at({i, t, w}) > z.at({i, t, mejor}) ? w : mejor;
    bien += mejor == int64_t(prueba.x.at({i, t}));
  }
  r.acierto_articulo = double(bien) / double(tapados.size());
  r.base_articulo = double(mas_comun) / double(tapados.size());
}

std::vector<real> afinar(Bert& m, const Ejemplos& e, const ConfigBert& c, Rng& rng) {
  Adam opt(m.parameters(), {.lr = c.lr / 2});
  std::vector<real> perdidas;
  for (int64_t paso = 0; paso < c.pasos_afinar; ++paso) {
    Tensor idx({c.lote_afinar});
    for (int64_t i = 0; i < c.lote_afinar; ++i) idx[i] = real(rng.below(uint64_t(e.y.numel())));
    const Var l = m.classification_loss(index_select(e.x, 0, idx), index_select(e.y, 0, idx));
    backward(l);
    opt.step();
    opt.zero_grad();
    perdidas.push_back(l.item());
  }
  return perdidas;
}

}  // namespace

ResultadoBert bert_completo(const TextoBert& tb, const ConfigBert& c) {
  ResultadoBert r;
  const BertConfig bc{.vocab = tb.tok.vocab_size(),
                      .max_len = kT,
                      .n_layer = c.capas,
                      .n_head = c.cabezas,
                      .d_model = c.d,
                      .n_classes = 2};
  Rng rng(c.semilla * 7 + 1), datos(c.semilla * 7 + 2);
  Bert pre(bc, rng);
  Rng rng_cero(c.semilla * 7 + 1);
  Bert cero(bc, rng_cero);  // la misma inicialización, sin preentrenar
  const MaskingOptions mo{.mask_id = tb.tok.mask_id(), .vocab = tb.tok.vocab_size()};
  Adam opt(pre.parameters(), {.lr = c.lr});
  for (int64_t paso = 0; paso < c.pasos_mlm; ++paso) {
    const Var l = pre.mlm_loss(mask_tokens(ventanas(tb, tb.partes.train, c.lote_mlm, datos), mo, datos));
    backward(l);
    opt.step();
    opt.zero_grad();
    r.perdidas_mlm.push_back(l.item());
  }
  const Ejemplos entrenar = ejemplos_concordancia(tb, tb.partes.train, c.n_afinar, datos);
  const Ejemplos prueba = ejemplos_concordancia(tb, tb.partes.val, c.n_prueba, datos);
  medir_articulos(pre, tb, prueba, r);
  Rng orden_pre(c.semilla), orden_cero(c.semilla);  // los mismos lotes para los dos
  r.afinar_pre = afinar(pre, entrenar, c, orden_pre);
  r.afinar_cero = afinar(cero, entrenar, c, orden_cero);
  r.exactitud_pre = exactitud(pre, prueba), r.exactitud_cero = exactitud(cero, prueba);
  return r;
}

double final_mlm(const ResultadoBert& r) {
  const size_t k = std::min<size_t>(10, r.perdidas_mlm.size());
  return std::accumulate(r.perdidas_mlm.end() - long(k), r.perdidas_mlm.end(), 0.0) / double(k);
}

}  // namespace lesson12
