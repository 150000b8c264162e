// KVCache and MultiHeadAttention::forward_incremental (nn/attention/kv_cache.h, multi_head.h):
// decoding token by token equals recomputing the whole causal sequence, for every kind of
// position and for grouped queries; positions shift with the cache; gradients; errors.
#include <gtest/gtest.h>

#include "autograd/ops_basic.h"
#include "autograd/ops_shape.h"
#include "nn/attention/multi_head.h"
#include "tensor/shape_ops.h"

namespace atn {
namespace {

using P = AttentionPositions;

class KVCacheTest : public ::testing::Test {
 protected:
  void TearDown() override { Tape::current().clear(); }
};

// Tokens [start, start + len) of x [B, T, d].
Var tokens(const Var& x, int64_t start, int64_t len) { return narrow(x, 1, start, len); }

TEST_F(KVCacheTest, Bookkeeping) {
  Rng rng(1);
  MultiHeadAttention m({.d_model = 8, .n_heads = 4, .n_kv_heads = 2}, rng);  // d_head 2, 2 K/V heads
  KVCache cache(2);
  EXPECT_EQ(cache.n_layers(), 2);
  EXPECT_EQ(cache.length(1), 0);
  NoGrad no_grad;
  const Var x(Tensor::randn({3, 4, 8}, rng));
  const AttentionOutput r = m.forward_incremental(tokens(x, 0, 3), cache, 1);
  EXPECT_EQ(r.output.shape(), (Shape{3, 3, 8}));
  EXPECT_EQ(cache.length(0), 0);  // only layer 1 was used
  EXPECT_EQ(cache.length(1), 3);
  EXPECT_EQ(cache.layer(1).keys.shape(), (Shape{3, 2, 3, 2}));  // the K/V heads only: GQA's saving
  EXPECT_EQ(cache.layer(1).values.shape(), (Shape{3, 2, 3, 2}));
  const AttentionOutput s = m.forward_incremental(tokens(x, 3, 1), cache, 1, Tensor(), true);
  EXPECT_EQ(cache.length(1), 4);
  EXPECT_EQ(s.weights.shape(), (Shape{3, 4, 1, 4}));  // one new query over all four keys
  // The value cached for token 0 is still wv applied to token 0.
  const Tensor v0 = m.wv.forward(tokens(x, 0, 1)).value();  // [3, 1, 4]: heads (0: cols 0-1, 1: cols 2-3)
  EXPECT_FLOAT_EQ(cache.layer(1).values.value().at({2, 1, 0, 1}), v0.at({2, 0, 3}));
  cache.clear();
  EXPECT_EQ(cache.length(1), 0);
  EXPECT_FALSE(cache.layer(1).keys.defined());
}

// Each config is run whole (causal) and then incrementally in chunks of 2, 1, 1, 2 tokens.
TEST_F(KVCacheTest, IncrementalDecodingEqualsTheWholeCausalSequence) {
  const std::vector<std::pair<const char*, MultiHeadAttentionConfig>> configs = {
      {"none", {.d_model = 8, .n_heads = 2, .causal = true}},
      {"RoPE", {.d_model = 8, .n_heads = 2, .positions = P::RoPE, .causal = true}},
      {"ALiBi", {.d_model = 8, .n_heads = 2, .positions = P::ALiBi, .causal = true}},
      {"Shaw", {.d_model = 8, .n_heads = 2, .positions = P::Shaw, .max_relative_position = 2, .causal = true}},
      {"GQA", {.d_model = 8, .n_heads = 4, .n_kv_heads = 2, .causal = true}},
      {"MQA RoPE", {.d_model = 8, .n_heads = 4, .n_kv_heads = 1, .positions = P::RoPE, .causal = true}},
      {"full-width ALiBi",
       {.d_model = 4, .n_heads = 3, .head_style = HeadStyle::FullWidth, .positions = P::ALiBi, .causal = true}},
  };
  const int64_t B = 2, T = 6;
  for (const auto& [name, config] : configs) {
    Rng rng(2);
    MultiHeadAttention m(config, rng);
    const int64_t H = m.n_heads;
    const Var x(Tensor::randn({B, T, config.d_model}, rng));
    NoGrad no_grad;
    const AttentionOutput full = m.forward(x, Tensor(), true);
    KVCache cache;
    int64_t start = 0;
    for (int64_t len : {2, 1, 1, 2}) {
      const AttentionOutput step = m.forward_incremental(tokens(x, start, len), cache, 0, Tensor(), true);
      EXPECT_LT(max_abs_diff(step.output.value(), narrow(full.output.value(), 1, start, len)), 1e-5)
          << name << " at token " << start;
      // The step's weights [B, H, len, start+len] are the matching rows and first columns of the full ones.
      for (int64_t b = 0; b < B; ++b)
        for (int64_t h = 0; h < H; ++h)
          for (int64_t i = 0; i < len; ++i)
            for (int64_t j = 0; j < start + len; ++j)
              EXPECT_NEAR(step.weights.value().at({b, h, i, j}), full.weights.value().at({b, h, start + i, j}), 1e-6)
                  << name;
      start += len;
    }
    EXPECT_EQ(cache.length(), T);
  }
}

// RoPE makes a score depend on the two positions only through their offset: the same tokens
// placed 5 positions later (after 5 cached tokens the mask hides) get the same weights and
// outputs, although their rotated keys are different vectors. ALiBi and Shaw share the property.
TEST_F(KVCacheTest, RelativePositionsOnlySeeOffsets) {
  for (P positions : {P::RoPE, P::ALiBi, P::Shaw}) {
    Rng rng(3);
    MultiHeadAttention m({.d_model = 8, .n_heads = 2, .positions = positions, .max_relative_position = 3}, rng);
    const int64_t T = 4, shift = 5;
    const Var x(Tensor::randn({1, T, 8}, rng));
    NoGrad no_grad;
    KVCache at_zero;
    const AttentionOutput a = m.forward_incremental(x, at_zero, 0, Tensor(), true);
    KVCache shifted;
    m.forward_incremental(Var(Tensor::randn({1, shift, 8}, rng)), shifted);  // positions 0..4
    Tensor mask = Tensor::ones({shift + T});
    for (int64_t j = 0; j < shift; ++j) mask[j] = 0;  // hide them: only the shift remains
    const AttentionOutput b = m.forward_incremental(x, shifted, 0, mask, true);
    EXPECT_LT(max_abs_diff(b.output.value(), a.output.value()), 1e-5) << int(positions);
    EXPECT_LT(max_abs_diff(narrow(b.weights.value(), 3, shift, T), a.weights.value()), 1e-5) << int(positions);
    const Tensor k_shifted = narrow(shifted.layer(0).keys.value(), 2, shift, T);
    if (positions == P::RoPE) {
      EXPECT_GT(max_abs_diff(k_shifted, at_zero.layer(0).keys.value()), 1e-2);  // rotated by other angles
    } else {
      EXPECT_LT(max_abs_diff(k_shifted, at_zero.layer(0).keys.value()), 1e-6);  // keys carry no position
    }
  }
}

// With recording on, the cache holds the keys and values as Vars of the graph: the gradients of
// token-by-token decoding equal those of the whole causal forward.
TEST_F(KVCacheTest, GradientsFlowThroughTheCache) {
  Rng rng(4);
  MultiHeadAttention m({.d_model = 4, .n_heads = 2, .positions = P::Shaw, .max_relative_position = 1, .causal = true},
                       rng);
  const int64_t T = 4;
  const Var x = param(Tensor::randn({2, T, 4}, rng));
  const Tensor w = Tensor::randn({2, T, 4}, rng);  // a loss Σ w ⊙ y that weighs every output
  auto params = m.named_parameters();

  backward(sum(m.forward(x).output * constant(w)));
  std::vector<Tensor> expected{x.grad().clone()};
  for (auto& [name, p] : params) expected.push_back(p.grad().clone());
  x.zero_grad();
  m.zero_grad();

  KVCache cache;
  std::vector<Var> outs;
  for (int64_t t = 0; t < T; ++t) outs.push_back(m.forward_incremental(tokens(x, t, 1), cache).output);
  backward(sum(concat(outs, 1) * constant(w)));
  EXPECT_LT(max_abs_diff(x.grad(), expected[0]), 1e-5);
  for (size_t i = 0; i < params.size(); ++i)
    EXPECT_LT(max_abs_diff(params[i].second.grad(), expected[i + 1]), 1e-5) << params[i].first;
}

TEST_F(KVCacheTest, Errors) {
  Rng rng(5);
  EXPECT_THROW(KVCache(0), Error);
  KVCache cache(2);
  EXPECT_THROW(cache.layer(2), Error);
  EXPECT_THROW(cache.layer(-1), Error);
  EXPECT_THROW(cache.layer(0).append(Var(Tensor({1, 2, 3, 4})), Var(Tensor({1, 2, 3, 5}))), Error);
  cache.layer(0).append(Var(Tensor({1, 2, 3, 4})), Var(Tensor({1, 2, 3, 4})));
  EXPECT_THROW(cache.layer(0).append(Var(Tensor({1, 3, 1, 4})), Var(Tensor({1, 3, 1, 4}))), Error);  // heads
  cache.clear();

  NoGrad no_grad;
  MultiHeadAttention m({.d_model = 8, .n_heads = 4, .n_kv_heads = 2}, rng);
  MultiHeadAttention other({.d_model = 8, .n_heads = 4}, rng);  // 4 K/V heads
  m.forward_incremental(Var(Tensor::randn({2, 3, 8}, rng)), cache);
  EXPECT_THROW(m.forward_incremental(Var(Tensor::randn({1, 1, 8}, rng)), cache), Error);  // batch 1 vs 2
  EXPECT_THROW(other.forward_incremental(Var(Tensor::randn({2, 1, 8}, rng)), cache), Error);
  EXPECT_THROW(m.forward_incremental(Var(Tensor::randn({2, 1, 8}, rng)), cache, 0, Tensor::ones({3})),
               Error);  // Tk = 4
  EXPECT_THROW(m.forward_incremental(Var(Tensor::randn({2, 1, 8}, rng)), cache, 5), Error);
  EXPECT_EQ(cache.length(), 3);  // nothing was appended by the failed calls
  try {
    other.forward_incremental(Var(Tensor::randn({2, 1, 8}, rng)), cache);
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(),
                 "MultiHeadAttention: the KV cache holds keys [2, 2, 3, 2], not [B=2, n_kv_heads=4, T, d_head=2]");
  }
}

}  // namespace
}  // namespace atn
