// Issue 8's acceptance check for translation-like tasks: Spanish number words -> digits over the
// whole range 0..999 999 (data/seq_tasks.h, 1 000 held-out numbers never seen in training), with
// the seq2seq GRU + additive attention and with the Transformer encoder-decoder. Prints the exact
// match of greedy decoding on the held-out numbers, and the time. `make bench` runs it.
#include <chrono>
#include <cstdio>
#include <string>

#include "autograd/tape.h"
#include "data/seq_tasks.h"
#include "models/seq2seq_rnn.h"
#include "models/transformer.h"
#include "optim/adam.h"
#include "optim/clip.h"
#include "optim/schedule.h"

using namespace atn;

namespace {

// Trains `model` for `steps` batches of 64 and returns the exact-match rate on the test split.
template <class Model, class BeforeStep>
double train_and_test(Model& model, const SeqTask& task, Optimizer& opt, int steps, Rng& rng, BeforeStep before) {
  for (int step = 1; step <= steps; ++step) {
    Seq2SeqBatch b = sample_batch(task, 64, rng);
    before(opt);
    backward(model.loss(b.src.ids, b.src.mask, b.tgt_in.ids, b.tgt_out.ids));
    clip_grad_norm(model.parameters(), 1.0f);
    opt.step();
    opt.zero_grad();
  }
  model.eval();
  Seq2SeqBatch test = task_batch(task, task.test);
  Seq2SeqDecoded out = model.greedy_decode(test.src.ids, test.src.mask, task.bos, task.eos, 8);
  int exact = 0;
  for (size_t i = 0; i < task.test.size(); ++i) exact += out.tokens[i] == task.test[i].tgt;
  return double(exact) / double(task.test.size());
}

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace

int main() {
  const SeqTask task = number_words_task({.n_train = 50000, .n_test = 1000, .seed = 1});
  {
    const auto start = std::chrono::steady_clock::now();
    Rng rng(1);
    Seq2SeqRNN model({.src_vocab = task.src_vocab, .tgt_vocab = task.tgt_vocab, .embed_dim = 32, .hidden = 96,
                      .pad = task.pad}, rng);
    Adam opt(model.parameters(), {.lr = 3e-3f});
    const int steps = 1000;
    const double acc = train_and_test(model, task, opt, steps, rng, [](Optimizer&) {});
    std::printf("number words -> digits 0..999999, GRU + additive attention, %d steps of 64: %.1f %% exact on %zu "
                "held-out, %.1f s\n", steps, 100 * acc, task.test.size(), seconds_since(start));
  }
  {
    const auto start = std::chrono::steady_clock::now();
    Rng rng(1);
    Transformer model({.src_vocab = task.src_vocab, .tgt_vocab = task.tgt_vocab, .d_model = 64, .n_heads = 4,
                       .d_ff = 128, .n_layers = 2, .dropout = 0, .norm = NormPosition::Pre, .pad = task.pad}, rng);
    Adam opt(model.parameters(), {.lr = 0, .betas = {0.9f, 0.98f}, .eps = 1e-9f});
    const Noam noam(64, 400);
    const int steps = 2000;
    const double acc = train_and_test(model, task, opt, steps, rng, [&](Optimizer& o) { noam.apply(o); });
    std::printf("number words -> digits 0..999999, Transformer d=64 2+2 layers, %d steps of 64: %.1f %% exact on %zu "
                "held-out, %.1f s\n", steps, 100 * acc, task.test.size(), seconds_since(start));
  }
}
