// Issue 8's acceptance check for the copy task with the Annotated Transformer's own setup
// (Rush 2018, "The Annotated Transformer", the copy example): V = 11, 2 encoder and 2 decoder
// layers, d_model 512, 8 heads, d_ff 2048, dropout 0.1, pre-norm with a final LayerNorm, Adam
// (β 0.9/0.98, ε 1e-9) driven by Noam(512, factor 1, warmup 400), batches of 30 sequences of 10
// tokens (the first is the start symbol 1), 20 batches × 10 epochs, no label smoothing. Greedy
// decoding of 1 … 10 must give 1 … 10. The test suite runs the same task at d_model 64 (for time);
// this is the full-size model. `make bench` runs it.
#include <chrono>
#include <cstdio>
#include <vector>

#include "autograd/tape.h"
#include "models/transformer.h"
#include "optim/adam.h"
#include "optim/schedule.h"
#include "tensor/shape_ops.h"

using namespace atn;

int main() {
  const auto start = std::chrono::steady_clock::now();
  Rng rng(1);
  Transformer model({.src_vocab = 11, .tgt_vocab = 11, .d_model = 512, .n_heads = 8, .d_ff = 2048, .n_layers = 2,
                     .dropout = 0.1f, .norm = NormPosition::Pre},
                    rng);
  Adam opt(model.parameters(), {.lr = 0, .betas = {0.9f, 0.98f}, .eps = 1e-9f});
  const Noam noam(512, 400, 1.0f);
  Rng data(2);
  real loss = 0;
  for (int epoch = 0; epoch < 10; ++epoch)
    for (int batch = 0; batch < 20; ++batch) {
      Tensor seqs({30, 10});
      for (int64_t b = 0; b < 30; ++b)
        for (int64_t j = 0; j < 10; ++j) seqs[b * 10 + j] = j == 0 ? 1 : real(1 + data.below(10));
      Var l = model.loss(seqs, Tensor(), narrow(seqs, 1, 0, 9), narrow(seqs, 1, 1, 9));
      loss = l.item();
      backward(l);
      noam.apply(opt);
      opt.step();
      opt.zero_grad();
    }
  Tensor src({1, 10});
  for (int64_t j = 0; j < 10; ++j) src[j] = real(j + 1);
  const Seq2SeqDecoded out = model.greedy_decode(src, Tensor(), 1, -1, 9);
  std::vector<int64_t> expected{2, 3, 4, 5, 6, 7, 8, 9, 10};
  std::printf("copy task, Annotated Transformer setup (V=11 d=512 h=8 d_ff=2048 N=2 dropout 0.1, Noam 1/400, "
              "200 batches of 30): last loss %.3f, greedy 1..10 -> 1", loss);
  for (int64_t t : out.tokens[0]) std::printf(" %lld", static_cast<long long>(t));
  std::printf(" (%s), %.1f s\n", out.tokens[0] == expected ? "exact" : "NOT exact",
              std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
}
