// The fused attention on heads side by side (sdpa_fused_heads, sdpa_fused_qkv) against the path
// it replaces (split, reshape + transpose into heads, sdpa_fused, transpose + reshape back) and
// against the readable sdpa_composed: value and gradient, gradchecks, thread counts, errors,
// and the two modules that use it (the GPT block's attention and MultiHeadAttention).
#include <gtest/gtest.h>

#include <string>

#include "autograd/gradcheck.h"
#include "autograd/ops_shape.h"
#include "models/transformer_block.h"
#include "nn/attention/multi_head.h"
#include "nn/attention/sdpa_heads.h"
#include "tensor/rng.h"
#include "tensor/thread_pool.h"
#include "tests/sdpa_test_util.h"
#include "tests/test_util.h"

namespace atn {
namespace {

using testing_util::KeepThreadCount;
using testing_util::sdpa_options;

// [B, T, H·dh] → [B, H, T, dh] and back: the copies the fused ops avoid.
Var split_heads(const Var& x, int64_t H) {
  return transpose(reshape(x, {x.size(0), x.size(1), H, x.size(2) / H}), 1, 2);
}
Var merge_heads(const Var& y) { return reshape(transpose(y, 1, 2), {y.size(0), y.size(2), y.size(1) * y.size(3)}); }

// The composed paths: split_heads, then sdpa_fused or the readable sdpa_composed, then merge.
Var heads_apart(const Var& q, const Var& k, const Var& v, int64_t H, const SdpaOptions& o, bool readable) {
  const Var qh = split_heads(q, H), kh = split_heads(k, H), vh = split_heads(v, H);
  return merge_heads(readable ? sdpa_composed(qh, kh, vh, o.mask, o.causal) : sdpa_fused(qh, kh, vh, o));
}
Var qkv_apart(const Var& qkv, int64_t H, const SdpaOptions& o, bool readable) {
  const int64_t d = qkv.size(2) / 3;
  const std::vector<Var> parts = split(qkv, 2, {d, d, d});
  return heads_apart(parts[0], parts[1], parts[2], H, o, readable);
}

// Output and input gradients of fn(inputs) with d(out) = seed.
struct Result {
  Tensor out;
  std::vector<Tensor> grads;
};
Result run(const std::function<Var(const std::vector<Var>&)>& fn, const std::vector<Tensor>& inputs,
           const Tensor& seed) {
  std::vector<Var> xs;
  for (const Tensor& t : inputs) xs.push_back(param(t.clone()));
  const Var out = fn(xs);
  backward(out, seed);
  Result r{out.value(), {}};
  for (const Var& x : xs) r.grads.push_back(x.grad());
  return r;
}

void expect_same_bits(const Result& a, const Result& b, const std::string& what) {
  EXPECT_EQ(a.out.shape(), b.out.shape()) << what;
  EXPECT_EQ(a.out.to_vector(), b.out.to_vector()) << what << " out";
  ASSERT_EQ(a.grads.size(), b.grads.size());
  for (size_t i = 0; i < a.grads.size(); ++i)
    EXPECT_EQ(a.grads[i].to_vector(), b.grads[i].to_vector()) << what << " grad " << i;
}

void expect_close(const Result& a, const Result& b, const std::string& what, real tol = 2e-5f) {
  ASSERT_EQ(a.out.shape(), b.out.shape()) << what;
  EXPECT_LE(max_abs_diff(a.out, b.out), tol) << what << " out";
  for (size_t i = 0; i < a.grads.size(); ++i)
    EXPECT_LE(max_abs_diff(a.grads[i], b.grads[i]), tol) << what << " grad " << i;
}

struct Case {
  int64_t B, T, H, dh;
  bool causal;
  bool padding;  // a key padding mask [B, 1, 1, T]: batch b hides its last b keys (never all)
};

Tensor padding_mask(int64_t B, int64_t T) {
  Tensor m = Tensor::ones({B, 1, 1, T});
  for (int64_t b = 0; b < B; ++b)
    for (int64_t j = std::max<int64_t>(1, T - b); j < T; ++j) m[b * T + j] = 0;
  return m;
}

std::string name(const Case& c) {
  return "B=" + std::to_string(c.B) + " T=" + std::to_string(c.T) + " H=" + std::to_string(c.H) +
         " dh=" + std::to_string(c.dh) + " causal=" + std::to_string(c.causal) +
         " padding=" + std::to_string(c.padding);
}

const std::vector<Case> kCases = {
    {1, 1, 1, 4, false, false}, {2, 1, 3, 2, true, false},  {2, 5, 2, 3, true, false},  {2, 5, 2, 3, false, true},
    {3, 7, 4, 2, true, true},   {1, 70, 2, 8, true, false}, {2, 70, 3, 4, false, true},
};

TEST(SdpaHeads, QkvEqualsHeadsSplitAndMergedByCopies) {
  Rng rng(1);
  for (const Case& c : kCases) {
    const Tensor qkv = Tensor::randn({c.B, c.T, 3 * c.H * c.dh}, rng),
                 seed = Tensor::randn({c.B, c.T, c.H * c.dh}, rng);
    const SdpaOptions o = sdpa_options(c.causal, c.padding ? padding_mask(c.B, c.T) : Tensor());
    const Result packed = run([&](const std::vector<Var>& x) { return sdpa_fused_qkv(x[0], c.H, o); }, {qkv}, seed);
    // Same kernels, same arithmetic in the same order: the same bits, not just close.
    const Result apart = run([&](const std::vector<Var>& x) { return qkv_apart(x[0], c.H, o, false); }, {qkv}, seed);
    expect_same_bits(packed, apart, name(c));
    const Result readable = run([&](const std::vector<Var>& x) { return qkv_apart(x[0], c.H, o, true); }, {qkv}, seed);
    expect_close(packed, readable, name(c) + " vs sdpa_composed");
  }
}

TEST(SdpaHeads, SeparateHeadsEqualHeadsSplitAndMergedByCopies) {
  // Tq ≠ Tk (queries at the last Tq positions under the causal rule) and dv ≠ d.
  Rng rng(2);
  struct Sizes {
    int64_t B, Tq, Tk, H, d, dv;
    bool causal;
  };
  for (const Sizes& s : std::vector<Sizes>{
           {2, 3, 5, 2, 4, 3, true}, {1, 6, 4, 3, 2, 5, false}, {2, 1, 9, 1, 3, 3, true}, {1, 66, 70, 2, 4, 4, true}}) {
    const std::string what = "Tq=" + std::to_string(s.Tq) + " Tk=" + std::to_string(s.Tk) + " H=" + std::to_string(s.H);
    const Tensor q = Tensor::randn({s.B, s.Tq, s.H * s.d}, rng), k = Tensor::randn({s.B, s.Tk, s.H * s.d}, rng);
    const Tensor v = Tensor::randn({s.B, s.Tk, s.H * s.dv}, rng), seed = Tensor::randn({s.B, s.Tq, s.H * s.dv}, rng);
    const SdpaOptions o = sdpa_options(s.causal, padding_mask(s.B, s.Tk));
    const Result fused =
        run([&](const std::vector<Var>& x) { return sdpa_fused_heads(x[0], x[1], x[2], s.H, o); }, {q, k, v}, seed);
    const Result apart =
        run([&](const std::vector<Var>& x) { return heads_apart(x[0], x[1], x[2], s.H, o, false); }, {q, k, v}, seed);
    expect_same_bits(fused, apart, what);
    const Result readable =
        run([&](const std::vector<Var>& x) { return heads_apart(x[0], x[1], x[2], s.H, o, true); }, {q, k, v}, seed);
    expect_close(fused, readable, what + " vs sdpa_composed");
  }
}

TEST(SdpaHeads, Gradcheck) {
  Rng rng(3);
  for (const Case& c : std::vector<Case>{
           {2, 1, 3, 2, true, false}, {2, 4, 2, 3, false, true}, {1, 5, 3, 2, true, false}, {2, 3, 1, 3, true, true}}) {
    const SdpaOptions o = sdpa_options(c.causal, c.padding ? padding_mask(c.B, c.T) : Tensor());
    Var qkv = param(Tensor::randn({c.B, c.T, 3 * c.H * c.dh}, rng));
    const auto r = gradcheck([&](const std::vector<Var>& x) { return sdpa_fused_qkv(x[0], c.H, o); }, {qkv});
    EXPECT_TRUE(r.ok) << name(c) << "\n" << r.report;
    Var q = param(Tensor::randn({c.B, c.T, c.H * c.dh}, rng)),
        k = param(Tensor::randn({c.B, c.T + 1, c.H * c.dh}, rng));
    Var v = param(Tensor::randn({c.B, c.T + 1, c.H * 2}, rng));
    const SdpaOptions ok = sdpa_options(c.causal, c.padding ? padding_mask(c.B, c.T + 1) : Tensor());
    const auto s =
        gradcheck([&](const std::vector<Var>& x) { return sdpa_fused_heads(x[0], x[1], x[2], c.H, ok); }, {q, k, v});
    EXPECT_TRUE(s.ok) << name(c) << " heads\n" << s.report;
  }
}

TEST(SdpaHeads, SameBitsForAnyThreadCount) {
  KeepThreadCount keep;
  Rng rng(4);
  const Tensor qkv = Tensor::randn({3, 70, 3 * 4 * 8}, rng), seed = Tensor::randn({3, 70, 4 * 8}, rng);
  const Tensor q = Tensor::randn({3, 9, 2 * 5}, rng), k = Tensor::randn({3, 70, 2 * 5}, rng);
  const Tensor v = Tensor::randn({3, 70, 2 * 3}, rng), seed_heads = Tensor::randn({3, 9, 2 * 3}, rng);
  const auto packed = [](const std::vector<Var>& x) { return sdpa_fused_qkv(x[0], 4, sdpa_options(true)); };
  const auto heads = [](const std::vector<Var>& x) {
    return sdpa_fused_heads(x[0], x[1], x[2], 2, sdpa_options(true));
  };
  set_num_threads(1);
  const Result one = run(packed, {qkv}, seed), one_heads = run(heads, {q, k, v}, seed_heads);
  for (int threads : {2, 3}) {
    set_num_threads(threads);
    expect_same_bits(run(packed, {qkv}, seed), one, "qkv, threads " + std::to_string(threads));
    expect_same_bits(run(heads, {q, k, v}, seed_heads), one_heads, "heads, threads " + std::to_string(threads));
  }
}

TEST(SdpaHeads, ScratchReusedAcrossShapesGivesTheSameBits) {
  // Each thread keeps its working buffers from call to call; a small problem after a big one
  // (buffers larger than needed, holding old values) must give what it gave first.
  Rng rng(5);
  const Tensor small = Tensor::randn({2, 6, 3 * 2 * 3}, rng), small_seed = Tensor::randn({2, 6, 2 * 3}, rng);
  const Tensor big = Tensor::randn({2, 90, 3 * 3 * 8}, rng), big_seed = Tensor::randn({2, 90, 3 * 8}, rng);
  const auto fn = [](int64_t H) {
    return [H](const std::vector<Var>& x) { return sdpa_fused_qkv(x[0], H, sdpa_options(true)); };
  };
  const Result first = run(fn(2), {small}, small_seed);
  run(fn(3), {big}, big_seed);
  expect_same_bits(run(fn(2), {small}, small_seed), first, "after a bigger problem");
}

TEST(SdpaHeads, SmallBlocksWithHeadsInRows) {
  // The kernels with blocks of 3 queries × 5 keys on the [B, T, 3·H·d] layout: many online-softmax
  // rescalings and partial blocks, read and written through the strides.
  Rng rng(6);
  const int64_t B = 2, H = 2, T = 17, d = 4, D = H * d;
  const Tensor qkv = Tensor::randn({B, T, 3 * D}, rng, 0, 2), seed = Tensor::randn({B, T, D}, rng);
  const Tensor mask = padding_mask(B, T);
  for (bool causal : {false, true}) {
    const Result want = run(
        [&](const std::vector<Var>& x) { return qkv_apart(x[0], H, sdpa_options(causal, mask), true); }, {qkv}, seed);
    detail::SdpaProblem p;
    p.B = B, p.H = H, p.Tq = p.Tk = T, p.d = p.dv = d;
    p.q_at = p.k_at = p.v_at = detail::heads_in_rows(T, d, 3 * D);
    p.out_at = detail::heads_in_rows(T, d, D);
    detail::set_mask_and_scale(p, mask, causal, std::nullopt, "test");
    p.block_q = 3, p.block_k = 5;
    Tensor out({B, T, D}), lse({B, H, T}), dqkv(qkv.shape());
    const real* x = qkv.data();
    detail::sdpa_forward(p, x, x + D, x + 2 * D, out.data(), lse.data(), nullptr);
    detail::sdpa_backward(p, x, x + D, x + 2 * D, out.data(), lse.data(), seed.data(), dqkv.data(), dqkv.data() + D,
                          dqkv.data() + 2 * D);
    expect_close({out, {dqkv}}, want, causal ? "causal" : "not causal");
  }
}

TEST(SdpaHeads, OneTapeEntryAndTheWeights) {
  Rng rng(7);
  const Tensor qkv = Tensor::randn({2, 6, 3 * 3 * 2}, rng);
  Tape::current().clear();
  const Var x = param(qkv);
  sdpa_fused_qkv(x, 3, sdpa_options(true));
  ASSERT_EQ(Tape::current().size(), 1u);
  EXPECT_EQ(Tape::current().entries()[0].op, "sdpa_fused_qkv");
  Tape::current().clear();
  qkv_apart(x, 3, sdpa_options(true), false);
  EXPECT_GE(Tape::current().size(), 8u);  // split, the reshapes and transposes, sdpa_fused, merge
  Tape::current().clear();
  // Requested weights are sdpa_fused's [B, H, T, T].
  SdpaOptions o = sdpa_options(true);
  o.return_weights = true;
  Tensor packed, apart;
  sdpa_fused_qkv(Var(qkv), 3, o, &packed);
  const std::vector<Var> parts = split(Var(qkv), 2, {6, 6, 6});
  sdpa_fused(split_heads(parts[0], 3), split_heads(parts[1], 3), split_heads(parts[2], 3), o, &apart);
  ASSERT_EQ(packed.shape(), (Shape{2, 3, 6, 6}));
  EXPECT_EQ(packed.to_vector(), apart.to_vector());
}

TEST(SdpaHeads, BadInputThrows) {
  const Var qkv(Tensor({2, 3, 12}));
  try {
    sdpa_fused_qkv(qkv, 5);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "sdpa_fused_qkv: qkv [2, 3, 12] is not [B, T, 3·H·d] with H = n_heads = 5 and d >= 1");
  }
  EXPECT_THROW(sdpa_fused_qkv(qkv, 0), Error);
  EXPECT_THROW(sdpa_fused_qkv(Var(Tensor({3, 12})), 2), Error);                            // 2 axes
  EXPECT_THROW(sdpa_fused_qkv(qkv, 2, sdpa_options(false, Tensor({2, 1, 1, 4}))), Error);  // mask Tk ≠ 3
  SdpaOptions weights_nowhere;
  weights_nowhere.return_weights = true;
  EXPECT_THROW(sdpa_fused_qkv(qkv, 2, weights_nowhere), Error);  // weights asked for, no weights_out
  const Var q(Tensor({2, 3, 4})), k(Tensor({2, 5, 4})), v(Tensor({2, 5, 6}));
  EXPECT_NO_THROW(sdpa_fused_heads(q, k, v, 2));
  try {
    sdpa_fused_heads(q, Var(Tensor({2, 5, 6})), v, 2);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "sdpa_fused_heads: q and k widths differ: q [2, 3, 4], k [2, 5, 6]");
  }
  EXPECT_THROW(sdpa_fused_heads(q, k, v, 3), Error);                       // 4 columns are not 3 heads
  EXPECT_THROW(sdpa_fused_heads(q, k, Var(Tensor({2, 4, 6})), 2), Error);  // k, v lengths differ
  EXPECT_THROW(sdpa_fused_heads(q, Var(Tensor({1, 5, 4})), v, 2), Error);  // batches differ
  EXPECT_THROW(sdpa_fused_heads(Var(Tensor({3, 4})), k, v, 2), Error);     // 2 axes
}

// The users: the GPT block's attention with packed_heads on and off, MultiHeadAttention with
// fused_heads on, without weights asked for (the fused op) and with them (spelled out).
TEST(SdpaHeads, GptBlockAttentionPackedOrSplitGivesTheSameBits) {
  Rng rng(8);
  for (bool causal : {true, false}) {
    QKVSelfAttention attn({.d_model = 12, .n_head = 3, .causal = causal}, rng);
    const Tensor x = Tensor::randn({2, 7, 12}, rng), seed = Tensor::randn({2, 7, 12}, rng);
    auto once = [&](bool packed) {
      attn.packed_heads = packed;
      attn.zero_grad();
      Var in = param(x.clone());
      const Var out = attn.forward(in, padding_mask(2, 7));
      backward(out, seed);
      std::vector<Tensor> grads{in.grad()};
      for (const Var& p : attn.parameters()) grads.push_back(p.grad().clone());
      return Result{out.value(), grads};
    };
    expect_same_bits(once(true), once(false), causal ? "causal" : "not causal");
  }
}

TEST(SdpaHeads, MultiHeadAttentionFusedPathAgreesWithTheSpelledOutOne) {
  Rng rng(9);
  for (bool causal : {false, true}) {
    MultiHeadAttention m({.d_model = 8, .n_heads = 2, .causal = causal, .fused_heads = true}, rng);
    const Tensor x = Tensor::randn({2, 5, 8}, rng), seed = Tensor::randn({2, 5, 8}, rng);
    const Tensor mask = padding_mask(2, 5);
    auto once = [&](bool need_weights) {  // need_weights = true takes the spelled-out path
      m.zero_grad();
      Var in = param(x.clone());
      const AttentionOutput r = m.forward(in, mask, need_weights);
      bool fused = false;
      for (const auto& e : Tape::current().entries()) fused = fused || e.op == "sdpa_fused_heads";
      EXPECT_EQ(fused, !need_weights);
      backward(r.output, seed);
      std::vector<Tensor> grads{in.grad()};
      for (const Var& p : m.parameters()) grads.push_back(p.grad().clone());
      return Result{r.output.value(), grads};
    };
    expect_close(once(false), once(true), causal ? "causal" : "not causal", 1e-5f);
  }
  // Off by default: the spelled-out steps, whatever is asked for.
  MultiHeadAttention plain({.d_model = 8, .n_heads = 2}, rng);
  plain.forward(param(Tensor::randn({1, 3, 8}, rng)));
  for (const auto& e : Tape::current().entries()) EXPECT_NE(e.op, "sdpa_fused_heads");
  Tape::current().clear();
}

}  // namespace
}  // namespace atn
