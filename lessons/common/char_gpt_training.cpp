// Lección 12, paso 1: entrenar y medir el GPT de caracteres (ver char_gpt_training.h).
#include "lessons/common/char_gpt_training.h"

#include <cmath>

#include "autograd/tape.h"
#include "data/text_loader.h"
#include "optim/adam.h"
#include "tensor/rng.h"

namespace lesson12 {

ConfigGPT config_gpt(const LessonOptions& o) {
  return {.pasos = o.mode == RunMode::quick ? 20 : o.mode == RunMode::full ? 2000 : 250, .semilla = o.seed};
}

real perdida_val(GPT& gpt, const std::vector<int64_t>& val) {
  NoGrad sin_cinta;
  Rng fijo(12345);
  const TokenBatch b = sample_windows(val, 8, kBloque, fijo);
  return gpt.loss(b.x, b.y).item();
}

double entropia_unigrama(const std::vector<int64_t>& train, const std::vector<int64_t>& val, int64_t v) {
  std::vector<double> cuenta(size_t(v), 1.0);  // +1: ningún carácter con probabilidad 0
  for (int64_t id : train) cuenta[size_t(id)] += 1;
  const double total = double(train.size()) + double(v);
  double h = 0;
  for (int64_t id : val) h -= std::log(cuenta[size_t(id)] / total);
  return h / double(val.size());
}

GPTEntrenado entrenar_gpt(const ConfigGPT& c, const std::string& texto) {
  GPTEntrenado e{CharTokenizer(texto), kInicio, nullptr, {}, 0, 0, 0};
  const std::vector<int64_t> ids = e.tok.encode(texto);
  try {
    e.tok.encode(kInicio);
  } catch (const Error&) {  // un texto de --data sin «ñ», por ejemplo: empezamos con sus 11 primeros caracteres
    e.inicio = e.tok.decode(std::vector<int64_t>(ids.begin(), ids.begin() + 11));
  }
  const TextSplit partes = split_train_val(ids, 0.1);
  Rng rng(c.semilla);
  e.gpt = std::make_unique<GPT>(
      GPTConfig{.vocab = e.tok.vocab_size(), .block = kBloque, .n_layer = c.capas, .n_head = c.cabezas, .d_model = c.d},
      rng);
  e.unigrama = entropia_unigrama(partes.train, partes.val, e.tok.vocab_size());
  e.val_inicial = perdida_val(*e.gpt, partes.val);
  AdamW opt(e.gpt->parameters(), {.lr = c.lr, .weight_decay = 0});
  for (int64_t paso = 0; paso < c.pasos; ++paso) {
    const TokenBatch b = sample_windows(partes.train, c.lote, kBloque, rng);
    const Var perdida = e.gpt->loss(b.x, b.y);
    backward(perdida);
    opt.step();
    opt.zero_grad();
    e.perdidas.push_back(perdida.item());
  }
  e.val_final = perdida_val(*e.gpt, partes.val);
  return e;
}

}  // namespace lesson12
