// LanguageModel: what every GPT-like model of atencion offers (the plain GPT, the natural-attention
// GPT, the adaptive-span GPT), so that the trainer, `atencion sample` and `atencion eval` work
// with any of them:
//
//   forward(idx [B, T]) → logits [B, T, V]        loss(idx, targets): mean cross-entropy
//   training_loss(idx, targets): the loss plus the model's own regularizers (the span loss);
//                                what training minimizes, while loss() is what it reports
//   after_update(): called after every optimizer step (the adaptive span clamps c to [0, 1])
//   generate(prompt, n, options, rng): sampling, one token at a time
//
// Also the pieces the GPTs share: checking token ids and adding token and position embeddings,
// and drawing the next token from a row of logits.
#pragma once
#include <string>
#include <vector>

#include "nn/embedding.h"
#include "nn/module.h"
#include "tensor/rng.h"

namespace atn {

struct GenerateOptions {
  // Logits are divided by it before the softmax: < 1 sharpens, > 1 flattens. 0 means greedy
  // (always the most likely token, no draw from the Rng).
  real temperature = 1;
  int64_t top_k = 0;         // > 0: only the k most likely tokens (ties with the k-th kept, as nanoGPT)
  real top_p = 1;            // < 1: only the smallest set of most likely tokens whose probability reaches p
  bool use_kv_cache = true;  // models without a cache ignore it
};

class LanguageModel : public Module {
 public:
  virtual int64_t vocab_size() const = 0;
  virtual int64_t block_size() const = 0;  // the longest sequence forward() accepts

  virtual Var forward(const Tensor& idx) = 0;  // idx [B, T], T ≤ block → logits [B, T, V]
  // Mean cross-entropy of the next-token predictions; target −1 is ignored (nanoGPT).
  Var loss(const Tensor& idx, const Tensor& targets);
  virtual Var training_loss(const Tensor& idx, const Tensor& targets) { return loss(idx, targets); }
  virtual void after_update() {}

  // Continues `prompt` by n_new tokens (under NoGrad, in eval mode; the previous mode is
  // restored). Each step runs forward on the last block_size() tokens; GPT overrides this with
  // its KV cache. Returns prompt followed by the new tokens.
  virtual std::vector<int64_t> generate(const std::vector<int64_t>& prompt, int64_t n_new,
                                        const GenerateOptions& options, Rng& rng);
};

// wte[idx] + wpe[past .. past + T − 1] for idx [B, T], after checking that idx holds whole
// numbers in [0, vocab) and that past + T ≤ block (wpe has `block` rows). `who` names the model
// in the error.
Var embed_tokens(Embedding& wte, Embedding& wpe, const Tensor& idx, int64_t past, const std::string& who);
// The checks of embed_tokens alone, for a model without a position table: idx [B, T] with T >= 1,
// whole numbers in [0, vocab), past + T <= block.
void check_token_ids(const Tensor& idx, int64_t past, int64_t block, int64_t vocab, const std::string& who);

// Picks the next token from one row of logits [V] as generate() does: temperature, then top-k,
// then top-p, then a draw from the softmax (argmax when temperature = 0). Exposed for tests.
int64_t sample_next_token(const Tensor& logits, const GenerateOptions& options, Rng& rng);

// Puts a module in eval mode for a scope and restores its mode at the end (also by an exception).
struct EvalScope {
  Module& m;
  bool was_training;
  explicit EvalScope(Module& mod) : m(mod), was_training(mod.training()) { m.eval(); }
  ~EvalScope() { m.train(was_training); }
  EvalScope(const EvalScope&) = delete;
  EvalScope& operator=(const EvalScope&) = delete;
};

}  // namespace atn
