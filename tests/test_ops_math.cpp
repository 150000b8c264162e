// Elementwise math and activations on Vars: forward values on hand-computed cases, gradients
// (gradcheck on random shapes, broadcasting for pow(Var, Var)), choices at the kinks, errors.
#include <gtest/gtest.h>

#include <cmath>

#include "autograd/gradcheck.h"
#include "autograd/ops_basic.h"
#include "autograd/ops_math.h"
#include "tensor/activation.h"
#include "tensor/rng.h"

namespace atn {
namespace {

const std::vector<Shape> kShapes = {{3, 4}, {2, 3, 5}};

// Every value within tol of the expected list (and the same count).
void expect_values(const Var& v, const std::vector<real>& expected, real tol = 1e-5f) {
  const std::vector<real> got = v.value().to_vector();
  ASSERT_EQ(got.size(), expected.size());
  for (size_t i = 0; i < got.size(); ++i) EXPECT_NEAR(got[i], expected[i], tol) << "element " << i;
}

// The gradient that backward(sum(f(x))) leaves in x: f'(x) elementwise.
std::vector<real> grad_of_sum(Var (*f)(const Var&), std::vector<real> xs) {
  Var x = param(Tensor::from(std::move(xs)));
  backward(sum(f(x)));
  return x.grad().to_vector();
}

// Uniform values in [-2, 2] at least 0.1 away from every kink, so the finite differences
// (eps = 1e-3) never straddle one.
Var param_avoiding(const Shape& shape, Rng& rng, const std::vector<real>& kinks) {
  Tensor t(shape);
  for (real& v : t) {
    bool near = true;
    while (near) {
      v = real(rng.uniform() * 4 - 2);
      near = false;
      for (real k : kinks) near = near || std::fabs(v - k) < 0.1f;
    }
  }
  return param(t);
}

Var positive_param(const Shape& shape, Rng& rng) { return param(Tensor::rand(shape, rng, 0.5f, 2.0f)); }

TEST(OpsMath, ForwardPowExpLogSqrtAbs) {
  Var x(Tensor::from({2, -1, 0.5f}));
  expect_values(pow(x, 3.0f), {8, -1, 0.125f});   // 2³, (−1)³, 0.5³
  expect_values(square(x), {4, 1, 0.25f});
  expect_values(pow(Var(Tensor::from({4, 9})), 0.5f), {2, 3});
  // [[2, 3], [4, 9]] ^ [2, 0.5] (b broadcast over rows) = [[4, √3], [16, 3]]
  Var a(Tensor::from({2, 3, 4, 9}, {2, 2})), b(Tensor::from({2, 0.5f}));
  expect_values(pow(a, b), {4, 1.7320508f, 16, 3});
  // [[2], [3]] ^ [[0, 1, 2]] broadcasts to [2, 3]: [[1, 2, 4], [1, 3, 9]]
  Var p = pow(Var(Tensor::from({2, 3}, {2, 1})), Var(Tensor::from({0, 1, 2}, {1, 3})));
  EXPECT_EQ(p.shape(), (Shape{2, 3}));
  expect_values(p, {1, 2, 4, 1, 3, 9});

  expect_values(exp(Var(Tensor::from({0, 1, -1}))), {1, 2.7182818f, 0.3678794f});       // e⁰, e, 1/e
  expect_values(log(Var(Tensor::from({1, 2.7182818f, 0.5f}))), {0, 1, -0.6931472f});    // log ½ = −log 2
  expect_values(sqrt(Var(Tensor::from({0, 4, 2}))), {0, 2, 1.4142136f});
  expect_values(abs(Var(Tensor::from({-2, 0, 3}))), {2, 0, 3});
}

TEST(OpsMath, ForwardActivations) {
  // tanh 1 = (e − 1/e)/(e + 1/e) = 2.350402/3.086161 = 0.761594; tanh(−2) = −(e² − e⁻²)/(e² + e⁻²) = −0.964028
  expect_values(tanh(Var(Tensor::from({0, 1, -2}))), {0, 0.7615942f, -0.9640276f});
  // σ(2) = 1/(1 + e⁻²) = 1/1.135335 = 0.880797; σ(−100) = e⁻¹⁰⁰/(1 + e⁻¹⁰⁰) ≈ 3.7e−44, tiny but not NaN
  Var s = sigmoid(Var(Tensor::from({0, 2, -100, 100})));
  expect_values(s, {0.5f, 0.8807971f, 0, 1});
  EXPECT_FALSE(std::isnan(s.value()[2]));
  EXPECT_GE(s.value()[2], 0);
  EXPECT_EQ(s.value()[3], 1);
  expect_values(relu(Var(Tensor::from({-1, 0, 2}))), {0, 0, 2});
  expect_values(leaky_relu(Var(Tensor::from({-2, 0, 3}))), {-0.02f, 0, 3});   // default slope 0.01
  expect_values(leaky_relu(Var(Tensor::from({-2, 0, 3})), 0.2f), {-0.4f, 0, 3});
  // gelu(1) = 1·Φ(1) = ½(1 + erf(1/√2)) = ½(1 + 0.682689) = 0.841345; gelu(−1) = −Φ(−1) = −0.158655
  expect_values(gelu(Var(Tensor::from({0, 1, -1}))), {0, 0.8413447f, -0.1586553f});
  // u = √(2/π)(1 + 0.044715) = 0.797885·1.044715 = 0.833562, tanh u = 0.682383:
  // gelu_tanh(1) = ½(1.682383) = 0.841192, gelu_tanh(−1) = −½(1 − 0.682383) = −0.158808
  expect_values(gelu_tanh(Var(Tensor::from({0, 1, -1}))), {0, 0.841192f, -0.158808f});
  // silu(1) = σ(1) = 1/(1 + 1/e) = 0.731059; silu(−1) = −σ(−1) = −0.268941
  expect_values(silu(Var(Tensor::from({0, 1, -1}))), {0, 0.7310586f, -0.2689414f});
  expect_values(clamp(Var(Tensor::from({-2, 0.5f, 3})), -1, 1), {-1, 0.5f, 1});
}

TEST(OpsMath, GradientsAtKinksAndSpecialPoints) {
  // Our conventions where the derivative is undefined: 0 at the kink / on the clamp limits.
  EXPECT_EQ(grad_of_sum([](const Var& x) { return relu(x); }, {-1, 0, 2}), (std::vector<real>{0, 0, 1}));
  EXPECT_EQ(grad_of_sum([](const Var& x) { return abs(x); }, {-2, 0, 3}), (std::vector<real>{-1, 0, 1}));
  EXPECT_EQ(grad_of_sum([](const Var& x) { return leaky_relu(x, 0.1f); }, {-2, 0, 3}),
            (std::vector<real>{0.1f, 0.1f, 1}));
  EXPECT_EQ(grad_of_sum([](const Var& x) { return clamp(x, -1, 1); }, {-2, -1, 0, 1, 2}),
            (std::vector<real>{0, 0, 1, 0, 0}));
  // gelu'(0) = Φ(0) = ½, gelu_tanh'(0) = ½(1 + tanh 0) = ½, silu'(0) = σ(0) = ½.
  EXPECT_NEAR(grad_of_sum([](const Var& x) { return gelu(x); }, {0})[0], 0.5f, 1e-6f);
  EXPECT_NEAR(grad_of_sum([](const Var& x) { return gelu_tanh(x); }, {0})[0], 0.5f, 1e-6f);
  EXPECT_NEAR(grad_of_sum([](const Var& x) { return silu(x); }, {0})[0], 0.5f, 1e-6f);
  // σ' and tanh' stay finite (≈ 0) far out, where exp would overflow in a naive formula.
  for (real g : grad_of_sum([](const Var& x) { return sigmoid(x); }, {-100, 100})) EXPECT_NEAR(g, 0, 1e-30f);
  for (real g : grad_of_sum([](const Var& x) { return tanh(x); }, {-100, 100})) EXPECT_NEAR(g, 0, 1e-30f);
  // x⁰ = 1 is flat: gradient 0 even at x = 0 (not 0·0⁻¹ = NaN).
  EXPECT_EQ(grad_of_sum([](const Var& x) { return pow(x, 0.0f); }, {0, 2}), (std::vector<real>{0, 0}));
  // d/dx x³ = 3x² at x = 2 is 12; d/dx x^½ = 1/(2√x) at x = 4 is ¼.
  EXPECT_NEAR(grad_of_sum([](const Var& x) { return pow(x, 3.0f); }, {2})[0], 12, 1e-5f);
  EXPECT_NEAR(grad_of_sum([](const Var& x) { return sqrt(x); }, {4})[0], 0.25f, 1e-6f);

  // pow(a, b) at a = 0, b = 2: d/db a^b = a^b·log a → 0 (taken as the limit, not 0·(−inf) = NaN).
  Var a = param(Tensor::from({0, 2})), b = param(Tensor::from({2, 3}));
  backward(sum(pow(a, b)));
  // d/da = b·a^(b−1) = [2·0, 3·2²] = [0, 12]; d/db = a^b·log a = [0, 8·log 2 = 5.545177]
  EXPECT_NEAR(a.grad()[0], 0, 1e-6f);
  EXPECT_NEAR(a.grad()[1], 12, 1e-5f);
  EXPECT_EQ(b.grad()[0], 0);
  EXPECT_NEAR(b.grad()[1], 5.5451774f, 1e-5f);
}

TEST(OpsMath, GradcheckSmoothOps) {
  Rng rng(11);
  const std::vector<std::pair<const char*, GradcheckFn>> ops = {
      {"exp", [](const std::vector<Var>& v) { return exp(v[0]); }},
      {"tanh", [](const std::vector<Var>& v) { return tanh(v[0]); }},
      {"sigmoid", [](const std::vector<Var>& v) { return sigmoid(v[0]); }},
      {"gelu", [](const std::vector<Var>& v) { return gelu(v[0]); }},
      {"gelu_tanh", [](const std::vector<Var>& v) { return gelu_tanh(v[0]); }},
      {"silu", [](const std::vector<Var>& v) { return silu(v[0]); }},
      {"square", [](const std::vector<Var>& v) { return square(v[0]); }},
      {"pow3", [](const std::vector<Var>& v) { return pow(v[0], 3.0f); }},  // odd power: negative x fine
  };
  for (const Shape& shape : kShapes) {
    Var x = param(Tensor::randn(shape, rng));
    for (const auto& [name, fn] : ops) {
      auto r = gradcheck(fn, {x});
      EXPECT_TRUE(r.ok) << name << " " << to_string(shape) << "\n" << r.report;
    }
  }
}

TEST(OpsMath, GradcheckPositiveDomainOps) {
  Rng rng(12);
  const std::vector<std::pair<const char*, GradcheckFn>> ops = {
      {"log", [](const std::vector<Var>& v) { return log(v[0]); }},
      {"sqrt", [](const std::vector<Var>& v) { return sqrt(v[0]); }},
      {"pow0.5", [](const std::vector<Var>& v) { return pow(v[0], 0.5f); }},
      {"pow-1.5", [](const std::vector<Var>& v) { return pow(v[0], -1.5f); }},
      {"pow2.5", [](const std::vector<Var>& v) { return pow(v[0], 2.5f); }},
      {"pow1", [](const std::vector<Var>& v) { return pow(v[0], 1.0f); }},
  };
  for (const Shape& shape : kShapes) {
    Var x = positive_param(shape, rng);
    for (const auto& [name, fn] : ops) {
      auto r = gradcheck(fn, {x});
      EXPECT_TRUE(r.ok) << name << " " << to_string(shape) << "\n" << r.report;
    }
  }
}

TEST(OpsMath, GradcheckOpsWithKinks) {
  Rng rng(13);
  for (const Shape& shape : kShapes) {
    Var x = param_avoiding(shape, rng, {0, -0.5f, 0.7f});  // 0: relu/abs/leaky_relu kink; clamp limits
    const std::vector<std::pair<const char*, GradcheckFn>> ops = {
        {"relu", [](const std::vector<Var>& v) { return relu(v[0]); }},
        {"abs", [](const std::vector<Var>& v) { return abs(v[0]); }},
        {"leaky_relu", [](const std::vector<Var>& v) { return leaky_relu(v[0]); }},
        {"leaky_relu0.3", [](const std::vector<Var>& v) { return leaky_relu(v[0], 0.3f); }},
        {"clamp", [](const std::vector<Var>& v) { return clamp(v[0], -0.5f, 0.7f); }},
    };
    for (const auto& [name, fn] : ops) {
      auto r = gradcheck(fn, {x});
      EXPECT_TRUE(r.ok) << name << " " << to_string(shape) << "\n" << r.report;
    }
  }
}

TEST(OpsMath, GradcheckPowVarVarBroadcasting) {
  Rng rng(14);
  const std::vector<std::pair<Shape, Shape>> shapes = {{{3, 4}, {3, 4}}, {{2, 3}, {3}}, {{2, 1}, {1, 3}}, {{}, {2, 3}}};
  for (const auto& [sa, sb] : shapes) {
    Var a = positive_param(sa, rng), b = param(Tensor::randn(sb, rng));
    auto r = gradcheck([](const std::vector<Var>& v) { return pow(v[0], v[1]); }, {a, b});
    EXPECT_TRUE(r.ok) << to_string(sa) << " ^ " << to_string(sb) << "\n" << r.report;
  }
}

TEST(OpsMath, PowVarVarSkipsInputsThatNeedNoGradient) {
  Rng rng(15);
  Var a = positive_param({2, 3}, rng), b = constant(Tensor::randn({3}, rng));
  backward(sum(pow(a, b)));
  EXPECT_TRUE(a.has_grad());
  EXPECT_FALSE(b.has_grad());
  Var c = constant(Tensor::rand({2, 3}, rng, 0.5f, 2)), d = param(Tensor::randn({3}, rng));
  backward(sum(pow(c, d)));
  EXPECT_FALSE(c.has_grad());
  EXPECT_EQ(d.grad().shape(), (Shape{3}));  // summed back over the broadcast rows
}

TEST(OpsMath, GradcheckChain) {
  Rng rng(16);
  for (const Shape& shape : kShapes) {
    Var x = param(Tensor::rand(shape, rng, -1, 1));
    auto r = gradcheck([](const std::vector<Var>& v) { return tanh(exp(v[0]) * v[0]) + sigmoid(v[0]); }, {x});
    EXPECT_TRUE(r.ok) << to_string(shape) << "\n" << r.report;
    // x is used three times: each use must add its share into the same gradient.
    r = gradcheck([](const std::vector<Var>& v) { return gelu(silu(v[0])) * log(1.0f + square(v[0])); }, {x});
    EXPECT_TRUE(r.ok) << to_string(shape) << "\n" << r.report;
  }
}

TEST(OpsMath, NothingIsRecordedUnderNoGrad) {
  Var x = param(Tensor::from({1, 2}));
  Tape::current().clear();
  {
    NoGrad no_grad;
    Var y = gelu(tanh(x));
    EXPECT_FALSE(y.requires_grad());
  }
  EXPECT_EQ(Tape::current().size(), 0u);
  Var y = relu(x);
  EXPECT_TRUE(y.requires_grad());
  EXPECT_EQ(Tape::current().size(), 1u);
  Tape::current().clear();
}

TEST(OpsMath, Errors) {
  Var a = param(Tensor::ones({2, 3})), b = param(Tensor::ones({4}));
  try {
    pow(a, b);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "pow: shapes do not broadcast: [2, 3] and [4]");
  }
  EXPECT_THROW(pow(a, Var(Tensor::ones({3, 2}))), Error);
  try {
    clamp(a, 1, -1);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("clamp"), std::string::npos) << e.what();
  }
  EXPECT_EQ(Tape::current().size(), 0u);  // a failed op records nothing
  // The derivative kernels need x and the output gradient to line up one to one.
  EXPECT_THROW(gelu_backward(Tensor::ones({3}), Tensor::ones({4})), Error);
  EXPECT_THROW(relu_backward(Tensor::ones({2, 3}), Tensor::ones({3})), Error);
  EXPECT_THROW(silu_backward(Tensor::ones({3}), Tensor::ones({1})), Error);
}

}  // namespace
}  // namespace atn
