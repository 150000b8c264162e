// Adam's update loop is written so that the compiler vectorizes it (optim/adam.cpp). Vector
// code must not change a bit: here the optimizer runs on sizes that are not multiples of the
// vector width, with 1 and 2 threads, and every step is compared bit for bit with a plain scalar
// loop written out below in the same order of operations.
#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <cstdint>
#include <vector>

#include "optim/adam.h"
#include "test_util.h"

namespace atn {
namespace {

using testing_util::KeepThreadCount;

struct Hyper {
  real lr = 1e-3f, b1 = 0.9f, b2 = 0.999f, eps = 1e-8f, wd = 0;
  bool decoupled = false;
  real grad_gain = 1, update_gain = 1;
};

// a·b + c as optim/adam.cpp computes it: one rounding where the target has FMA.
real mul_add(real a, real b, real c) {
#ifdef __FMA__
  return std::fma(a, b, c);
#else
  return a * b + c;
#endif
}

// The reference: one element at a time, kept scalar so that it checks the vector code, with no
// other multiply-add fused into an FMA (as in the optimizer: one rounding per operation).
__attribute__((optimize("no-tree-vectorize", "fp-contract=off"))) void reference_step(
    std::vector<real>& theta, const std::vector<real>& grad, std::vector<real>& m, std::vector<real>& v, int64_t t,
    const Hyper& h) {
  const real c1 = real(1 - std::pow(double(h.b1), double(t)));
  const real c2 = real(1 - std::pow(double(h.b2), double(t)));
  for (size_t k = 0; k < theta.size(); ++k) {
    real g = h.grad_gain * grad[k];
    if (!h.decoupled) g = mul_add(h.wd, theta[k], g);
    m[k] = mul_add(h.b1, m[k], (1 - h.b1) * g);
    v[k] = mul_add(h.b2, v[k], (1 - h.b2) * g * g);
    const real m_hat = m[k] / c1;
    const real v_hat = v[k] / c2;
    if (h.decoupled) theta[k] = mul_add(-(h.lr * h.wd), theta[k], theta[k]);
    theta[k] -= h.lr * h.update_gain * m_hat / (std::sqrt(v_hat) + h.eps);
  }
}

// Adam with the two gains that the attention-informed optimizer passes to update_param.
class GainedAdam : public Adam {
 public:
  GainedAdam(std::vector<Var> params, const Hyper& h)
      : Adam(std::move(params),
             {.lr = h.lr, .betas = {h.b1, h.b2}, .eps = h.eps, .weight_decay = h.wd}, h.decoupled, "GainedAdam"),
        h_(h) {}
  void step() override {
    ++steps_;
    for (size_t i = 0; i < params_.size(); ++i) update_param(i, h_.grad_gain, h_.update_gain);
  }

 private:
  Hyper h_;
};

std::vector<uint32_t> bits(const Tensor& t) {
  std::vector<uint32_t> out;
  for (real x : t) out.push_back(std::bit_cast<uint32_t>(x));
  return out;
}
std::vector<uint32_t> bits(const std::vector<real>& xs) {
  std::vector<uint32_t> out;
  for (real x : xs) out.push_back(std::bit_cast<uint32_t>(x));
  return out;
}

// Three steps of the optimizer on n elements with `threads` threads; θ after each step.
std::vector<std::vector<uint32_t>> run_optimizer(int64_t n, const Hyper& h, int threads) {
  set_num_threads(threads);
  Rng rng(7);
  Var p = param(Tensor::randn({n}, rng));
  GainedAdam opt({p}, h);
  std::vector<std::vector<uint32_t>> out;
  for (int s = 0; s < 3; ++s) {
    p.grad() = Tensor::randn({n}, rng, 0, 0.1f);
    opt.step();
    out.push_back(bits(p.value()));
  }
  return out;
}

// The same three steps through reference_step.
std::vector<std::vector<uint32_t>> run_reference(int64_t n, const Hyper& h) {
  Rng rng(7);
  const Tensor theta0 = Tensor::randn({n}, rng);
  std::vector<real> theta = theta0.to_vector(), m(size_t(n), 0), v(size_t(n), 0);
  std::vector<std::vector<uint32_t>> out;
  for (int s = 0; s < 3; ++s) {
    const std::vector<real> grad = Tensor::randn({n}, rng, 0, 0.1f).to_vector();
    reference_step(theta, grad, m, v, s + 1, h);
    out.push_back(bits(theta));
  }
  return out;
}

void expect_same_bits_as_reference(const Hyper& h) {
  KeepThreadCount keep;
  // Below one vector, around 16 floats (one zmm), and more than one chunk of the pool (2^15).
  for (int64_t n : std::vector<int64_t>{1, 7, 15, 17, 33, 1001, (1 << 15) + 37, 3 * (1 << 15) - 5}) {
    const auto want = run_reference(n, h);
    const auto one = run_optimizer(n, h, 1);
    const auto two = run_optimizer(n, h, 2);
    ASSERT_EQ(one.size(), want.size());
    for (size_t s = 0; s < want.size(); ++s) {
      EXPECT_EQ(one[s], want[s]) << "1 thread vs the scalar reference, n = " << n << ", step " << s + 1;
      EXPECT_EQ(two[s], one[s]) << "2 threads vs 1 thread, n = " << n << ", step " << s + 1;
    }
  }
}

TEST(AdamVectorized, AdamWithL2MatchesTheScalarLoopBitForBit) {
  expect_same_bits_as_reference({.lr = 0.01f, .wd = 0.1f, .decoupled = false});
}

TEST(AdamVectorized, AdamWMatchesTheScalarLoopBitForBit) {
  expect_same_bits_as_reference({.lr = 0.01f, .b1 = 0.8f, .b2 = 0.98f, .eps = 1e-6f, .wd = 0.1f, .decoupled = true});
}

TEST(AdamVectorized, GainsMatchTheScalarLoopBitForBit) {
  expect_same_bits_as_reference({.lr = 0.02f, .wd = 0.01f, .decoupled = true, .grad_gain = 1.3f, .update_gain = 0.7f});
}

// The comparison above can fail: the first step written in a form that is the same in real
// numbers (m̂ = g, v̂ = g²) but rounds differently disagrees with the optimizer in some element.
TEST(AdamVectorized, TheComparisonSeesOneRoundingOfDifference) {
  KeepThreadCount keep;
  const Hyper h{.lr = 0.01f, .wd = 0.1f, .decoupled = true};
  const int64_t n = 1001;
  const auto got = run_optimizer(n, h, 1);
  Rng rng(7);
  std::vector<real> theta = Tensor::randn({n}, rng).to_vector();
  const std::vector<real> grad = Tensor::randn({n}, rng, 0, 0.1f).to_vector();
  // Step 1 written with m̂ = g and v̂ = g² (exact in real numbers, not in float).
  for (size_t k = 0; k < theta.size(); ++k) {
    theta[k] -= h.lr * h.wd * theta[k];
    theta[k] -= h.lr * grad[k] / (std::fabs(grad[k]) + h.eps);
  }
  EXPECT_NE(bits(theta), got[0]);
}

}  // namespace
}  // namespace atn
