// Scaled dot-product attention: the composed reference on hand-computed cases, and the fused
// (FlashAttention-style) op against it in value, weights and gradients: causal or not, masks,
// lengths that are not multiples of the block, Tq ≠ Tk, rows that see nothing, thread counts.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>

#include "autograd/gradcheck.h"
#include "autograd/ops_basic.h"
#include "nn/attention/sdpa.h"
#include "tensor/elementwise.h"
#include "tensor/rng.h"
#include "tensor/thread_pool.h"
#include "tests/sdpa_test_util.h"
#include "tests/test_util.h"

namespace atn {
namespace {

using testing_util::KeepThreadCount;
using testing_util::sdpa_options;

// The output and the three input gradients of one forward + backward with d(out) = seed.
struct Result {
  Tensor out, dq, dk, dv;
};

using Attend = std::function<Var(const Var&, const Var&, const Var&)>;

Result run(const Attend& attend, const Tensor& q, const Tensor& k, const Tensor& v, const Tensor& seed) {
  Var vq = param(q.clone()), vk = param(k.clone()), vv = param(v.clone());
  Var out = attend(vq, vk, vv);
  backward(out, seed);
  return {out.value(), vq.grad(), vk.grad(), vv.grad()};
}

void expect_close(const Tensor& a, const Tensor& b, const std::string& what, real tol = 2e-5f) {
  ASSERT_EQ(a.shape(), b.shape()) << what;
  EXPECT_LE(max_abs_diff(a, b), tol) << what;
  for (real x : a) ASSERT_FALSE(std::isnan(x)) << what;
}

void expect_same_result(const Result& a, const Result& b, const std::string& what) {
  expect_close(a.out, b.out, what + " out");
  expect_close(a.dq, b.dq, what + " dq");
  expect_close(a.dk, b.dk, what + " dk");
  expect_close(a.dv, b.dv, what + " dv");
}

TEST(Sdpa, HandComputedValues) {
  // One query q = [1, 0], keys [1, 0] and [0, 1], values [1, 2] and [3, 4], d = 2.
  // scores = [1, 0]/√2 = [0.707107, 0]; softmax = [e^0.707107, 1] / (e^0.707107 + 1)
  //        = [2.028115, 1] / 3.028115 = [0.669762, 0.330238];
  // out = 0.669762·[1, 2] + 0.330238·[3, 4] = [1.660477, 2.660477].
  const Var q(Tensor::from({1, 0}, {1, 1, 1, 2}));
  const Var k(Tensor::from({1, 0, 0, 1}, {1, 1, 2, 2}));
  const Var v(Tensor::from({1, 2, 3, 4}, {1, 1, 2, 2}));
  Var weights;
  const Tensor composed = sdpa_composed(q, k, v, Tensor(), false, &weights).value();
  EXPECT_NEAR(composed[0], 1.660477f, 1e-5f);
  EXPECT_NEAR(composed[1], 2.660477f, 1e-5f);
  EXPECT_NEAR(weights.value()[0], 0.669762f, 1e-6f);
  const Tensor fused = sdpa_fused(q, k, v).value();
  EXPECT_NEAR(fused[0], 1.660477f, 1e-5f);
  EXPECT_NEAR(fused[1], 2.660477f, 1e-5f);
  // With a causal mask and Tq = Tk = 2, query 0 sees only key 0: its output is v_0 exactly.
  const Var q2(Tensor::from({1, 0, 0, 1}, {1, 1, 2, 2}));
  for (const Tensor& out :
       {sdpa_composed(q2, k, v, Tensor(), true).value(), sdpa_fused(q2, k, v, sdpa_options(true)).value()}) {
    EXPECT_NEAR(out[0], 1, 1e-6f);
    EXPECT_NEAR(out[1], 2, 1e-6f);
    // query 1 = [0, 1] sees both keys, scores [0, 0.707107]: weights [0.330238, 0.669762],
    // out = [0.330238 + 3·0.669762, 2·0.330238 + 4·0.669762] = [2.339524, 3.339524]
    EXPECT_NEAR(out[2], 2.339524f, 1e-5f);
    EXPECT_NEAR(out[3], 3.339524f, 1e-5f);
  }
}

struct Case {
  int64_t B, H, Tq, Tk, d, dv;
  bool causal;
  int mask;  // 0 none, 1 key padding [B, 1, 1, Tk], 2 random [Tq, Tk] with a fully masked row
};

Tensor make_mask(const Case& c, Rng& rng) {
  if (c.mask == 1) {  // batch b hides its last b·3 keys (padding), never all of them
    Tensor m = Tensor::ones({c.B, 1, 1, c.Tk});
    for (int64_t b = 0; b < c.B; ++b)
      for (int64_t j = std::max<int64_t>(1, c.Tk - 3 * b); j < c.Tk; ++j) m[b * c.Tk + j] = 0;
    return m;
  }
  if (c.mask == 2) {
    Tensor m({c.Tq, c.Tk});
    for (real& x : m) x = rng.uniform() < 0.7f ? 1 : 0;
    for (int64_t j = 0; j < c.Tk; ++j) m[(c.Tq / 2) * c.Tk + j] = 0;  // row Tq/2 sees nothing
    return m;
  }
  return Tensor();
}

TEST(Sdpa, FusedEqualsComposedForwardAndBackward) {
  const std::vector<Case> cases = {
      {1, 1, 1, 1, 4, 4, false, 0},    {2, 3, 7, 7, 8, 8, true, 0},    {2, 2, 33, 33, 16, 16, false, 1},
      {1, 2, 70, 70, 8, 8, true, 0},   {2, 1, 70, 70, 8, 4, true, 1},  {1, 2, 33, 33, 4, 4, true, 2},
      {2, 2, 5, 70, 8, 8, true, 1},    {1, 1, 70, 33, 8, 8, true, 0},  {1, 2, 70, 33, 4, 8, false, 2},
      {1, 1, 130, 130, 4, 4, true, 0}, {1, 1, 7, 130, 4, 4, false, 1},
  };
  Rng rng(3);
  for (const Case& c : cases) {
    const std::string what = "B=" + std::to_string(c.B) + " H=" + std::to_string(c.H) + " Tq=" + std::to_string(c.Tq) +
                             " Tk=" + std::to_string(c.Tk) + " causal=" + std::to_string(c.causal) +
                             " mask=" + std::to_string(c.mask);
    const Tensor q = Tensor::randn({c.B, c.H, c.Tq, c.d}, rng), k = Tensor::randn({c.B, c.H, c.Tk, c.d}, rng);
    const Tensor v = Tensor::randn({c.B, c.H, c.Tk, c.dv}, rng), seed = Tensor::randn({c.B, c.H, c.Tq, c.dv}, rng);
    const Tensor mask = make_mask(c, rng);
    const Result want =
        run([&](const Var& a, const Var& b, const Var& e) { return sdpa_composed(a, b, e, mask, c.causal); }, q, k, v,
            seed);
    const Result got =
        run([&](const Var& a, const Var& b, const Var& e) { return sdpa_fused(a, b, e, sdpa_options(c.causal, mask)); },
            q, k, v, seed);
    expect_same_result(got, want, what);
  }
}

TEST(Sdpa, SmallBlocksExerciseTheOnlineSoftmax) {
  // Blocks of 3 queries × 5 keys: many rescalings of the running sums per row, partial blocks at
  // both edges, causal blocks skipped, and a key mask on top.
  Rng rng(4);
  const int64_t B = 2, H = 2, Tq = 17, Tk = 23, d = 4;
  const Tensor q = Tensor::randn({B, H, Tq, d}, rng, 0, 2), k = Tensor::randn({B, H, Tk, d}, rng, 0, 2);
  const Tensor v = Tensor::randn({B, H, Tk, d}, rng), seed = Tensor::randn({B, H, Tq, d}, rng);
  const Tensor mask = make_mask({B, H, Tq, Tk, d, d, true, 1}, rng);
  for (bool causal : {false, true}) {
    Var weights;
    const Result want =
        run([&](const Var& a, const Var& b, const Var& e) { return sdpa_composed(a, b, e, mask, causal, &weights); }, q,
            k, v, seed);
    detail::SdpaProblem p = detail::make_sdpa_problem(q, k, v, mask, causal, std::nullopt, "test");
    p.block_q = 3, p.block_k = 5;
    Tensor out({B, H, Tq, d}), lse({B, H, Tq}), w({B, H, Tq, Tk}), dq(q.shape()), dk(k.shape()), dv(v.shape());
    detail::sdpa_forward(p, q.data(), k.data(), v.data(), out.data(), lse.data(), w.data());
    detail::sdpa_backward(p, q.data(), k.data(), v.data(), out.data(), lse.data(), seed.data(), dq.data(), dk.data(),
                          dv.data());
    expect_same_result({out, dq, dk, dv}, want, causal ? "causal" : "not causal");
    expect_close(w, weights.value(), "weights", 1e-6f);
  }
}

TEST(Sdpa, WeightsWhenRequestedEqualComposedAndRowsSumToOne) {
  Rng rng(5);
  const Case c{2, 2, 9, 12, 8, 8, true, 2};
  const Tensor q = Tensor::randn({c.B, c.H, c.Tq, c.d}, rng), k = Tensor::randn({c.B, c.H, c.Tk, c.d}, rng);
  const Tensor v = Tensor::randn({c.B, c.H, c.Tk, c.dv}, rng), mask = make_mask(c, rng);
  Var composed;
  sdpa_composed(Var(q), Var(k), Var(v), mask, true, &composed);
  SdpaOptions o = sdpa_options(true, mask);
  o.return_weights = true;
  Tensor fused;
  sdpa_fused(Var(q), Var(k), Var(v), o, &fused);
  expect_close(fused, composed.value(), "weights", 1e-6f);
  // Causal with Tk − Tq = 3: query i sees keys j ≤ i + 3, so row i sums to 1 unless the mask
  // hides all of those (row Tq/2 always, others by chance) — then it is all zeros.
  for (int64_t row = 0; row < c.B * c.H * c.Tq; ++row) {
    const int64_t i = row % c.Tq;
    real sum = 0, allowed = 0;
    for (int64_t j = 0; j < c.Tk; ++j) {
      sum += fused[row * c.Tk + j];
      if (j <= i + 3)
        allowed += mask[i * c.Tk + j];
      else
        EXPECT_EQ(fused[row * c.Tk + j], 0) << "future key " << j << " of query " << i;
    }
    EXPECT_NEAR(sum, allowed > 0 ? 1 : 0, 1e-5f) << "row " << row;
  }
  // Not requested: nothing written.
  Tensor untouched;
  sdpa_fused(Var(q), Var(k), Var(v), sdpa_options(true, mask), &untouched);
  EXPECT_FALSE(untouched.defined());
}

TEST(Sdpa, FullyMaskedRowsGiveZeroNotNaN) {
  // Batch 1 has every key padded out; in batch 0 only key 0 is visible. Causal with Tq = 4 >
  // Tk = 3 also hides everything from query 0 (it sits before the first key).
  Rng rng(6);
  const Tensor q = Tensor::randn({2, 1, 4, 4}, rng), k = Tensor::randn({2, 1, 3, 4}, rng);
  const Tensor v = Tensor::randn({2, 1, 3, 4}, rng), seed = Tensor::ones({2, 1, 4, 4});
  const Tensor mask = Tensor::from({1, 0, 0, 0, 0, 0}, {2, 1, 1, 3});
  for (bool causal : {false, true}) {
    const Result fused =
        run([&](const Var& a, const Var& b, const Var& e) { return sdpa_fused(a, b, e, sdpa_options(causal, mask)); },
            q, k, v, seed);
    const Result composed = run(
        [&](const Var& a, const Var& b, const Var& e) { return sdpa_composed(a, b, e, mask, causal); }, q, k, v, seed);
    expect_same_result(fused, composed, causal ? "causal" : "not causal");
    for (int64_t i = 0; i < 16; ++i) EXPECT_EQ(fused.out[16 + i], 0) << "batch 1 sees nothing";
    for (int64_t i = 0; i < 4; ++i) {
      // Batch 0: every query that sees key 0 copies v_0; under the causal rule query 0 sees nothing.
      EXPECT_NEAR(fused.out[i], causal ? 0 : v[i], 1e-6f);
      EXPECT_NEAR(fused.out[4 + i], v[i], 1e-6f);
    }
  }
}

TEST(Sdpa, GradcheckFusedOp) {
  Rng rng(8);
  const Tensor mask = Tensor::from({1, 1, 0, 1, 1, 0, 1, 1}, {2, 1, 1, 4});
  for (bool causal : {false, true}) {
    Var q = param(Tensor::randn({2, 2, 3, 3}, rng)), k = param(Tensor::randn({2, 2, 4, 3}, rng));
    Var v = param(Tensor::randn({2, 2, 4, 2}, rng));
    const auto r = gradcheck(
        [&](const std::vector<Var>& x) { return sdpa_fused(x[0], x[1], x[2], sdpa_options(causal, mask)); }, {q, k, v});
    EXPECT_TRUE(r.ok) << r.report;
  }
}

TEST(Sdpa, CustomScaleAndOneTapeEntry) {
  Rng rng(9);
  const Tensor q = Tensor::randn({1, 2, 5, 4}, rng), k = Tensor::randn({1, 2, 5, 4}, rng),
               v = Tensor::randn({1, 2, 5, 4}, rng);
  // scale s on q·k equals the default 1/√4 = 0.5 applied to (2s)·q.
  SdpaOptions o;
  o.scale = 0.3f;
  const Tensor got = sdpa_fused(Var(q), Var(k), Var(v), o).value();
  const Tensor want = sdpa_composed(Var(mul(q, 0.6f)), Var(k), Var(v)).value();
  expect_close(got, want, "scale");
  Tape::current().clear();
  Var out = sdpa_fused(param(q), param(k), param(v), sdpa_options(true));
  ASSERT_EQ(Tape::current().size(), 1u);
  EXPECT_EQ(Tape::current().entries()[0].op, "sdpa_fused");
  Tape::current().clear();
}

TEST(Sdpa, SameBitsForAnyThreadCount) {
  KeepThreadCount keep;
  Rng rng(10);
  const Tensor q = Tensor::randn({2, 3, 70, 8}, rng), k = Tensor::randn({2, 3, 70, 8}, rng);
  const Tensor v = Tensor::randn({2, 3, 70, 8}, rng), seed = Tensor::randn({2, 3, 70, 8}, rng);
  const Attend fused = [](const Var& a, const Var& b, const Var& e) { return sdpa_fused(a, b, e, sdpa_options(true)); };
  set_num_threads(1);
  const Result one = run(fused, q, k, v, seed);
  for (int threads : {2, 3}) {
    set_num_threads(threads);
    const Result many = run(fused, q, k, v, seed);
    EXPECT_EQ(many.out.to_vector(), one.out.to_vector()) << threads;
    EXPECT_EQ(many.dq.to_vector(), one.dq.to_vector()) << threads;
    EXPECT_EQ(many.dk.to_vector(), one.dk.to_vector()) << threads;
    EXPECT_EQ(many.dv.to_vector(), one.dv.to_vector()) << threads;
  }
}

TEST(Sdpa, ExpApproxIsAccurateAndZeroForMinusInfinity) {
  EXPECT_EQ(detail::exp_approx(-std::numeric_limits<real>::infinity()), 0);
  EXPECT_EQ(detail::exp_approx(-100), 0);
  EXPECT_EQ(detail::exp_approx(0), 1);
  real worst = 0;
  for (real x = -87; x <= 88; x += 0.01234f)
    worst = std::max(worst, std::abs(detail::exp_approx(x) - std::exp(x)) / std::exp(x));
  EXPECT_LT(worst, 3e-7f);  // a few float ulps (2⁻²³ ≈ 1.2e-7)
}

TEST(Sdpa, BadShapesThrow) {
  const Var q(Tensor({1, 2, 3, 4})), k(Tensor({1, 2, 5, 4})), v(Tensor({1, 2, 5, 6}));
  try {
    sdpa_fused(q, Var(Tensor({1, 2, 5, 3})), v);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "sdpa_fused: q and k head sizes differ: q [1, 2, 3, 4], k [1, 2, 5, 3]");
  }
  EXPECT_THROW(sdpa_fused(Var(Tensor({2, 3, 4})), k, v), Error);                           // 3 axes
  EXPECT_THROW(sdpa_fused(q, Var(Tensor({1, 3, 5, 4})), v), Error);                        // heads differ
  EXPECT_THROW(sdpa_fused(q, k, Var(Tensor({1, 2, 4, 6}))), Error);                        // k, v lengths differ
  EXPECT_THROW(sdpa_fused(q, k, v, sdpa_options(false, Tensor({4, 5}))), Error);           // mask rows ≠ Tq
  EXPECT_THROW(sdpa_fused(q, k, v, sdpa_options(false, Tensor({1, 1, 1, 1, 5}))), Error);  // mask with 5 axes
  EXPECT_THROW(sdpa_composed(q, k, v, Tensor({2, 1, 1, 5})), Error);                       // mask batch ≠ B
  EXPECT_THROW(sdpa_composed(q, Var(Tensor({1, 2, 5, 3})), v), Error);
  SdpaOptions o;
  o.return_weights = true;
  EXPECT_THROW(sdpa_fused(q, k, v, o), Error);  // weights requested but nowhere to put them
}

}  // namespace
}  // namespace atn
