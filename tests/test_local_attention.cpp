// Sparse local-window attention: hand values, equality with dense attention under the window
// mask (value, weights and gradients), the compact band of weights, gradcheck, errors.
#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include "autograd/gradcheck.h"
#include "nn/attention/local_attention.h"
#include "nn/attention/sdpa.h"
#include "tensor/rng.h"
#include "tensor/thread_pool.h"
#include "tests/test_util.h"

namespace atn {
namespace {

using testing_util::KeepThreadCount;

TEST(LocalAttention, WindowMaskAndBandToDenseByHand) {
  // T = 4, window 2: N(0) = {0}, N(1) = {0,1}, N(2) = {1,2}, N(3) = {2,3}.
  EXPECT_EQ(local_window_mask(4, 2).to_vector(), (std::vector<real>{1, 0, 0, 0, 1, 1, 0, 0, 0, 1, 1, 0, 0, 0, 1, 1}));
  // Band row i holds keys i−1, i: row 0's first entry (key −1) does not exist and is dropped.
  const Tensor band = Tensor::from({9, 1, 2, 3, 4, 5, 6, 7}, {4, 2});
  EXPECT_EQ(band_to_dense(band).to_vector(), (std::vector<real>{1, 0, 0, 0, 2, 3, 0, 0, 0, 4, 5, 0, 0, 0, 6, 7}));
  EXPECT_EQ(band_to_dense(Tensor({2, 3, 5, 4})).shape(), (Shape{2, 3, 5, 5}));
}

TEST(LocalAttention, HandComputedValuesAndBand) {
  // All queries and keys equal: every score in a window is the same, so the weights are uniform
  // over the window. Window 2, values v = [1, 10, 100] (d = dv = 1):
  //   out = [1, (1 + 10)/2, (10 + 100)/2] = [1, 5.5, 55];  band = [[0, 1], [.5, .5], [.5, .5]].
  const Var q(Tensor::ones({1, 1, 3, 1})), v(Tensor::from({1, 10, 100}, {1, 1, 3, 1}));
  Tensor band;
  const Tensor out = local_attention(q, q, v, 2, &band).value();
  EXPECT_EQ(out.to_vector(), (std::vector<real>{1, 5.5f, 55}));
  EXPECT_EQ(band.shape(), (Shape{1, 1, 3, 2}));
  EXPECT_EQ(band.to_vector(), (std::vector<real>{0, 1, 0.5f, 0.5f, 0.5f, 0.5f}));
}

struct Grads {
  Tensor out, dq, dk, dv, weights;
};

Grads run_local(const Tensor& q, const Tensor& k, const Tensor& v, int64_t window, const Tensor& seed) {
  Var vq = param(q.clone()), vk = param(k.clone()), vv = param(v.clone());
  Tensor band;
  Var out = local_attention(vq, vk, vv, window, &band);
  backward(out, seed);
  return {out.value(), vq.grad(), vk.grad(), vv.grad(), band};
}

Grads run_dense(const Tensor& q, const Tensor& k, const Tensor& v, int64_t window, const Tensor& seed) {
  Var vq = param(q.clone()), vk = param(k.clone()), vv = param(v.clone());
  Var weights;
  Var out = sdpa_composed(vq, vk, vv, local_window_mask(q.size(2), window), false, &weights);
  backward(out, seed);
  return {out.value(), vq.grad(), vk.grad(), vv.grad(), weights.value()};
}

TEST(LocalAttention, EqualsDenseMaskedAttentionForwardAndBackward) {
  Rng rng(11);
  // Windows of 1 (only itself), inside T, equal to T and larger than T (then it is causal attention).
  const std::vector<std::pair<int64_t, int64_t>> t_and_window = {{1, 1}, {7, 1}, {7, 3}, {33, 16}, {33, 33}, {20, 50}};
  for (const auto& [T, window] : t_and_window) {
    const std::string what = "T=" + std::to_string(T) + " window=" + std::to_string(window);
    const Tensor q = Tensor::randn({2, 3, T, 8}, rng), k = Tensor::randn({2, 3, T, 8}, rng);
    const Tensor v = Tensor::randn({2, 3, T, 5}, rng), seed = Tensor::randn({2, 3, T, 5}, rng);
    const Grads sparse = run_local(q, k, v, window, seed), dense = run_dense(q, k, v, window, seed);
    EXPECT_LE(max_abs_diff(sparse.out, dense.out), 1e-5f) << what;
    EXPECT_LE(max_abs_diff(sparse.dq, dense.dq), 1e-5f) << what;
    EXPECT_LE(max_abs_diff(sparse.dk, dense.dk), 1e-5f) << what;
    EXPECT_LE(max_abs_diff(sparse.dv, dense.dv), 1e-5f) << what;
    // The op keeps only the band [B, H, T, window] (T·k numbers per head, never T×T), and the band
    // spread out is the dense weight matrix.
    EXPECT_EQ(sparse.weights.shape(), (Shape{2, 3, T, window})) << what;
    EXPECT_LE(max_abs_diff(band_to_dense(sparse.weights), dense.weights), 1e-6f) << what;
  }
  // Window 2 of causal attention in the fused op, too: sdpa_fused with the same mask.
  const Tensor q = Tensor::randn({1, 2, 9, 4}, rng), k = Tensor::randn({1, 2, 9, 4}, rng),
               v = Tensor::randn({1, 2, 9, 4}, rng);
  SdpaOptions o;
  o.mask = local_window_mask(9, 2);
  EXPECT_LE(
      max_abs_diff(local_attention(Var(q), Var(k), Var(v), 2).value(), sdpa_fused(Var(q), Var(k), Var(v), o).value()),
      1e-5f);
}

TEST(LocalAttention, Gradcheck) {
  Rng rng(12);
  Var q = param(Tensor::randn({2, 2, 5, 3}, rng)), k = param(Tensor::randn({2, 2, 5, 3}, rng));
  Var v = param(Tensor::randn({2, 2, 5, 2}, rng));
  for (int64_t window : {1, 2, 4}) {
    const auto r =
        gradcheck([&](const std::vector<Var>& x) { return local_attention(x[0], x[1], x[2], window); }, {q, k, v});
    EXPECT_TRUE(r.ok) << "window " << window << "\n" << r.report;
  }
  // The same Var as query, key and value gets all three contributions.
  const auto r = gradcheck([](const std::vector<Var>& x) { return local_attention(x[0], x[0], x[0], 3); }, {q});
  EXPECT_TRUE(r.ok) << r.report;
}

TEST(LocalAttention, SameBitsForAnyThreadCount) {
  KeepThreadCount keep;
  Rng rng(13);
  const Tensor q = Tensor::randn({2, 3, 40, 8}, rng), k = Tensor::randn({2, 3, 40, 8}, rng);
  const Tensor v = Tensor::randn({2, 3, 40, 8}, rng), seed = Tensor::randn({2, 3, 40, 8}, rng);
  set_num_threads(1);
  const Grads one = run_local(q, k, v, 5, seed);
  set_num_threads(3);
  const Grads three = run_local(q, k, v, 5, seed);
  EXPECT_EQ(one.out.to_vector(), three.out.to_vector());
  EXPECT_EQ(one.dq.to_vector(), three.dq.to_vector());
  EXPECT_EQ(one.dk.to_vector(), three.dk.to_vector());
  EXPECT_EQ(one.dv.to_vector(), three.dv.to_vector());
}

TEST(LocalAttention, BadInputThrows) {
  const Var x(Tensor({1, 2, 6, 4}));
  try {
    local_attention(x, x, x, 0);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "local_attention: window must be at least 1 (it counts the token itself), got 0");
  }
  EXPECT_THROW(local_attention(Var(Tensor({2, 6, 4})), x, x, 2), Error);     // 3 axes
  EXPECT_THROW(local_attention(x, Var(Tensor({1, 2, 5, 4})), x, 2), Error);  // k shorter than q
  EXPECT_THROW(local_attention(x, x, Var(Tensor({1, 2, 5, 4})), 2), Error);  // v shorter
  EXPECT_THROW(local_attention(x, Var(Tensor({1, 2, 6, 3})), x, 2), Error);  // head sizes differ
  EXPECT_THROW(local_window_mask(4, 0), Error);
  EXPECT_THROW(band_to_dense(Tensor({3})), Error);
}

}  // namespace
}  // namespace atn
