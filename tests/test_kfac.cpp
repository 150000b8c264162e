// K-FAC: on one linear layer with squared error its factors are exact (G = I) and its step is
// the exact-Fisher step, which solves least squares in one step; the per-example normalization
// of the empirical G; sampled vs exact G; agreement with the exact natural gradient on a small
// classifier; all three modes train; inverses refresh every k steps; state survives save/load;
// errors.
#include <gtest/gtest.h>

#include <cmath>

#include "autograd/ops_basic.h"
#include "autograd/ops_loss.h"
#include "autograd/ops_math.h"
#include "optim/kfac.h"
#include "optim/sgd.h"
#include "tensor/elementwise.h"

namespace atn {
namespace {

// x [N, 3] → Linear(3, 5) → tanh → Linear(5, 3) (→ · scale, a parameter K-FAC leaves to the fallback).
struct Net : Module {
  Rng rng;
  Linear fc1, fc2;
  Var scale;
  Kfac* kfac = nullptr;
  explicit Net(uint64_t seed = 11, bool with_scale = false) : rng(seed), fc1(3, 5, rng), fc2(5, 3, rng) {
    register_module("fc1", fc1);
    register_module("fc2", fc2);
    if (with_scale) register_parameter("scale", scale, Tensor::full({3}, 1.5f));
  }
  // The pattern of kfac.h: track(layer, x) where the model would call layer(x).
  Var lin(Linear& l, const Var& x) { return kfac ? kfac->track(l, x) : l(x); }
  Var forward(const Var& x) {
    Var z = lin(fc2, tanh(lin(fc1, x)));
    return scale.defined() ? z * scale : z;
  }
};

struct Batch {
  Tensor x, y;
};

// Inputs N(0, 1); the class is the argmax of a fixed linear map of x (learnable, not trivial).
Batch make_batch(int64_t n, uint64_t seed) {
  Rng rng(seed);
  Batch b{Tensor::randn({n, 3}, rng), Tensor({n})};
  const real m[3][3] = {{1, -1, 0.5f}, {0.3f, 1, -1}, {-1, 0.2f, 1}};
  for (int64_t r = 0; r < n; ++r) {
    int best = 0;
    real score[3];
    for (int c = 0; c < 3; ++c) {
      score[c] = 0;
      for (int i = 0; i < 3; ++i) score[c] += m[c][i] * b.x.at({r, i});
      if (score[c] > score[best]) best = c;
    }
    b.y[r] = real(best);
  }
  return b;
}

real train_step(Net& net, Kfac& opt, const Batch& b) {
  Var logits = net.forward(Var(b.x));
  if (opt.config().fisher != KfacFisher::Empirical) opt.fisher_pass(logits);
  Var loss = cross_entropy(logits, b.y);
  backward(loss);
  opt.step();
  opt.zero_grad();
  return loss.item();
}

std::vector<double> flatten(const std::vector<Tensor>& parts) {
  std::vector<double> out;
  for (const Tensor& t : parts)
    for (real v : t) out.push_back(double(v));
  return out;
}

// One Linear(3, 2) on N = 10 examples with noisy targets; the loss is the mean Gaussian negative
// log-likelihood (1/N) Σ ½‖z − y‖² (see exact_fisher.h: the gradient must belong to F's loss).
struct LeastSquares {
  Rng rng{21};
  Linear fc{3, 2, rng};
  static constexpr int n = 10;
  Tensor a = Tensor::randn({n, 3}, rng), y = Tensor::randn({n, 2}, rng);
  Var loss(const Var& z) const {
    Var d = z - Var(y);
    return 0.5f * sum(d * d) / real(n);
  }
  // The normal equations' W̄* = (Σ y āᵀ)(Σ ā āᵀ)⁻¹ in double, [2, 4], and E[ā āᵀ].
  DMatrix mean_aa() const {
    DMatrix s(4, 4);
    for (int k = 0; k < n; ++k)
      for (int i = 0; i < 4; ++i)
        for (int j = 0; j < 4; ++j) s(i, j) += (i < 3 ? a.at({k, i}) : 1.0) * (j < 3 ? a.at({k, j}) : 1.0) / n;
    return s;
  }
  DMatrix solution() const {
    DMatrix sya(2, 4);
    for (int k = 0; k < n; ++k)
      for (int i = 0; i < 4; ++i)
        for (int o = 0; o < 2; ++o) sya(o, i) += y.at({k, o}) * (i < 3 ? a.at({k, i}) : 1.0) / n;
    return matmul(sya, spd_inverse(mean_aa()));
  }
};

TEST(Kfac, LinearLeastSquaresExactFactorsEqualExactFisherStep) {
  // With Gaussian outputs of variance 1, the last layer's G = E_ŷ[g gᵀ] = I exactly, so
  // A ⊗ G = E[ā āᵀ] ⊗ I is the exact Fisher (GaussianFisherOfALinearLayerIsIdentityKronA):
  // K-FAC's step is the natural-gradient step, and with λ → 0 and lr = 1 it is Newton's step,
  // which lands on the least-squares solution.
  LeastSquares ls, twin;  // same seed: the same layer and data, one for each optimizer
  Kfac kfac(ls.fc, {.lr = 1,
                    .damping = 1e-10f,
                    .inverse_every = 1,
                    .fisher = KfacFisher::Exact,
                    .likelihood = Likelihood::Gaussian});
  EXPECT_EQ(kfac.layer_name(0), "linear");
  EXPECT_EQ(kfac.fallback(), nullptr);
  Var z = kfac.track(ls.fc, Var(ls.a));
  kfac.fisher_pass(z);
  backward(ls.loss(z));
  kfac.step();

  EXPECT_EQ(kfac.factor_g(0).to_vector(), (std::vector<real>{1, 0, 0, 1}));  // exactly I
  const DMatrix aa = ls.mean_aa();
  for (int64_t i = 0; i < 4; ++i)
    for (int64_t j = 0; j < 4; ++j) EXPECT_NEAR(kfac.factor_a(0).at({i, j}), aa(i, j), 1e-6);

  ExactNaturalGradient exact(twin.fc.parameters(), {.lr = 1, .damping = 1e-10f, .likelihood = Likelihood::Gaussian});
  Var z2 = twin.fc(Var(twin.a));
  exact.fisher_pass(z2);
  backward(twin.loss(z2));
  exact.step();
  const std::vector<double> k = flatten(kfac.last_direction()), e = exact.last_direction();
  ASSERT_EQ(k.size(), e.size());
  for (size_t i = 0; i < k.size(); ++i) EXPECT_NEAR(k[i], e[i], 1e-4 * (1 + std::fabs(e[i]))) << "parameter " << i;

  const DMatrix best = ls.solution();
  for (int o = 0; o < 2; ++o) {
    for (int i = 0; i < 3; ++i) EXPECT_NEAR(ls.fc.weight.value().at({o, i}), best(o, i), 1e-4);
    EXPECT_NEAR(ls.fc.bias.value()[o], best(o, 3), 1e-4);
  }
}

TEST(Kfac, WeightDecayIsAddedToTheGradientBeforePreconditioning) {
  // Two identical steps but for λ_wd = 0.1; no damping, G = I (Exact, Gaussian): the directions
  // differ by 0.1·W̄·A⁻¹, so (d_wd − d_0)·A = 0.1·W̄ (W̄ = [W b] before the step).
  std::vector<Tensor> dirs;
  Tensor w_before, b_before, a;
  for (real wd : {0.0f, 0.1f}) {
    LeastSquares ls;
    w_before = ls.fc.weight.value().clone();
    b_before = ls.fc.bias.value().clone();
    Kfac kfac(ls.fc, {.lr = 0,
                      .damping = 0,
                      .inverse_every = 1,
                      .weight_decay = wd,
                      .fisher = KfacFisher::Exact,
                      .likelihood = Likelihood::Gaussian});
    Var z = kfac.track(ls.fc, Var(ls.a));
    kfac.fisher_pass(z);
    backward(ls.loss(z));
    kfac.step();
    dirs.push_back(kfac.last_direction()[0].clone());
    dirs.push_back(kfac.last_direction()[1].clone());
    a = kfac.factor_a(0);
  }
  for (int64_t o = 0; o < 2; ++o)
    for (int64_t j = 0; j < 4; ++j) {
      double s = 0;  // row o of (d_wd − d_0)·A, column j
      for (int64_t i = 0; i < 4; ++i) {
        const double d = i < 3 ? dirs[2].at({o, i}) - dirs[0].at({o, i}) : dirs[3][o] - dirs[1][o];
        s += d * a.at({i, j});
      }
      EXPECT_NEAR(s, 0.1 * (j < 3 ? w_before.at({o, j}) : b_before[o]), 1e-5);
    }
}

TEST(Kfac, EmpiricalGIsTheMeanOfPerExampleResidualProducts) {
  // Per example ℓ_n = ½‖z_n − y_n‖², so g_n = z_n − y_n and G = (1/N) Σ r_n r_nᵀ. The mean loss's
  // backward gives r_n / N: this checks that K-FAC multiplies it back by N.
  for (bool summed : {false, true}) {
    LeastSquares ls;
    Kfac kfac(ls.fc, {.fisher = KfacFisher::Empirical, .loss_examples = summed ? 1.0f : 0.0f});
    Var z = kfac.track(ls.fc, Var(ls.a));
    const Tensor r = z.value() - ls.y;
    backward(summed ? ls.loss(z) * real(LeastSquares::n) : ls.loss(z));
    kfac.step();
    for (int64_t i = 0; i < 2; ++i)
      for (int64_t j = 0; j < 2; ++j) {
        double expect = 0;
        for (int64_t n = 0; n < LeastSquares::n; ++n) expect += r.at({n, i}) * r.at({n, j}) / LeastSquares::n;
        EXPECT_NEAR(kfac.factor_g(0).at({i, j}), expect, 1e-5 * (1 + std::fabs(expect))) << "summed=" << summed;
      }
  }
}

TEST(Kfac, SampledGApproachesTheExactExpectation) {
  // One ŷ per example: G is a Monte Carlo estimate of the Exact mode's expectation. With 4000
  // rows an entry of the Gaussian G (ε_i ε_j averaged) has a standard error of at most
  // √(2/4000) ≈ 0.022, the Categorical ones less; 0.1 is 4.5 of them.
  for (Likelihood lik : {Likelihood::Gaussian, Likelihood::Categorical}) {
    Rng rng(3);
    const Tensor x = Tensor::randn({4000, 3}, rng);
    Tensor g_of[2];
    for (KfacFisher mode : {KfacFisher::Sampled, KfacFisher::Exact}) {
      Net net;
      Kfac kfac(net, {.fisher = mode, .likelihood = lik, .seed = 5});
      net.kfac = &kfac;
      Var out = net.forward(Var(x));
      kfac.fisher_pass(out);
      backward(sum(out));  // any gradient: the step needs one to update the factors
      kfac.step();
      g_of[mode == KfacFisher::Exact] = kfac.factor_g(1);  // fc2's G: [3, 3]
    }
    if (lik == Likelihood::Gaussian) {  // Σ_c e_c e_cᵀ = I exactly
      EXPECT_EQ(g_of[1].to_vector(), (std::vector<real>{1, 0, 0, 0, 1, 0, 0, 0, 1}));
    }
    EXPECT_LT(max_abs_diff(g_of[0], g_of[1]), 0.1) << "likelihood " << int(lik);
  }
}

TEST(Kfac, ExactOnALinearClassifierWithConstantPredictions) {
  // z = W x + b with W = 0: every example has the same a = softmax(b), so H_n = diag(a) − a aᵀ is
  // the same H for all n, and F = E[ā āᵀ ⊗ H] = E[ā āᵀ] ⊗ H with nothing approximated: K-FAC's
  // A ⊗ G must BE the exact Fisher, entry by entry.
  Rng rng(4);
  Linear fc(3, 3, rng);
  fc.weight.value().fill(0);
  fc.bias.value().copy_from(Tensor::from({0.5f, -0.2f, 0.1f}));
  Tensor x = Tensor::randn({16, 3}, rng), y({16});
  for (int64_t i = 0; i < 16; ++i) y[i] = real(rng.below(3));
  const std::vector<Var> params = fc.parameters();
  Var z = fc(Var(x));
  const DMatrix f = exact_fisher(z, params, Likelihood::Categorical);
  backward(cross_entropy(z, y));
  const std::vector<double> natural = natural_gradient(f, flat_grad(params), 1e-4);
  fc.zero_grad();

  Kfac kfac(fc, {.lr = 0, .damping = 1e-4f, .inverse_every = 1, .fisher = KfacFisher::Exact});  // lr 0: direction only
  Var z2 = kfac.track(fc, Var(x));
  kfac.fisher_pass(z2);
  backward(cross_entropy(z2, y));
  kfac.step();
  const Tensor a = kfac.factor_a(0), g = kfac.factor_g(0);
  auto index = [](int64_t o, int64_t i) { return i < 3 ? o * 3 + i : 9 + o; };  // W_oi, then b_o as ī = 3
  for (int64_t o = 0; o < 3; ++o)
    for (int64_t i = 0; i < 4; ++i)
      for (int64_t o2 = 0; o2 < 3; ++o2)
        for (int64_t i2 = 0; i2 < 4; ++i2)
          EXPECT_NEAR(f(index(o, i), index(o2, i2)), double(a.at({i, i2})) * g.at({o, o2}), 1e-6);
  // Same F, so the same direction up to the form of the damping: (A + π√λ)⊗(G + √λ/π) differs
  // from A⊗G + λI by O(√λ) = 1e-2 relative, which tilts the direction by about that angle; its
  // cosine is then 1 − O(1e-4).
  EXPECT_GT(cosine(kfac.last_direction_flat(), natural), 0.999);
}

TEST(Kfac, ClassifierDirectionSolvesTheDampedKroneckerSystem) {
  Net net;
  const Batch b = make_batch(32, 1);
  const std::vector<Var> params = net.parameters();
  Var logits = net.forward(Var(b.x));
  const DMatrix f = exact_fisher(logits, params, Likelihood::Categorical);
  backward(cross_entropy(logits, b.y));
  const std::vector<double> g = flat_grad(params), natural = natural_gradient(f, g, 1e-2);
  std::vector<Tensor> grads;
  for (const Var& p : params) grads.push_back(p.grad().clone());
  net.zero_grad();

  const real lambda = 1e-2f;
  Kfac kfac(net, {.lr = 0, .damping = lambda, .inverse_every = 1, .fisher = KfacFisher::Exact});
  net.kfac = &kfac;
  train_step(net, kfac, b);
  const std::vector<Tensor>& dir = kfac.last_direction();
  // Per layer: (G + λ_G I) ΔW̄ (A + λ_A I) = ∇W̄, with λ_A = π√λ, λ_G = √λ/π, π = √((tr A/dA)/(tr G/dG)).
  for (size_t layer = 0; layer < 2; ++layer) {
    const size_t w = 2 * layer, bias = w + 1;  // params(): fc1.w, fc1.b, fc2.w, fc2.b
    const DMatrix a = DMatrix::from(kfac.factor_a(layer)), gf = DMatrix::from(kfac.factor_g(layer));
    double ta = 0, tg = 0;
    for (int64_t i = 0; i < a.rows; ++i) ta += a(i, i) / double(a.rows);
    for (int64_t i = 0; i < gf.rows; ++i) tg += gf(i, i) / double(gf.rows);
    const double pi = std::sqrt(ta / tg), root = std::sqrt(double(lambda));
    const int64_t out = gf.rows, in = a.rows - 1;
    DMatrix delta(out, in + 1);
    for (int64_t o = 0; o < out; ++o) {
      for (int64_t i = 0; i < in; ++i) delta(o, i) = dir[w][o * in + i];
      delta(o, in) = dir[bias][o];
    }
    const DMatrix back = matmul(matmul(add_diagonal(gf, root / pi), delta), add_diagonal(a, pi * root));
    for (int64_t o = 0; o < out; ++o) {
      for (int64_t i = 0; i < in; ++i) EXPECT_NEAR(back(o, i), grads[w][o * in + i], 1e-5) << "layer " << layer;
      EXPECT_NEAR(back(o, in), grads[bias][o], 1e-5) << "layer " << layer;
    }
  }
  // Against the exact natural gradient (same λ): K-FAC drops the coupling between the layers and
  // pretends ā and g independent, so agreement is partial and depends on the problem. Over 5 seeds
  // × 3 batch sizes (8, 32, 128) of this network at λ = 1e-2 we measured cosines of 0.63 to 0.91
  // (0.75 here); 0.5 leaves a margin. What is guaranteed: a direction (SPD)⁻¹·g is a descent one.
  const std::vector<double> k = flatten(dir);
  EXPECT_GT(cosine(k, g), 0);
  EXPECT_GT(cosine(k, natural), 0.5);
}

TEST(Kfac, EveryModeTrainsTheClassifierWithAFallbackParameter) {
  const Batch b = make_batch(64, 2);
  for (KfacFisher mode : {KfacFisher::Sampled, KfacFisher::Exact, KfacFisher::Empirical}) {
    Net net(11, true);
    Kfac kfac(net, {.lr = 0.3f, .damping = 1e-2f, .inverse_every = 2, .fisher = mode, .fallback_lr = 0.01f});
    net.kfac = &kfac;
    ASSERT_NE(kfac.fallback(), nullptr);
    EXPECT_EQ(kfac.fallback()->params().size(), 1u);  // scale
    EXPECT_EQ(kfac.num_layers(), 2u);
    const real first = train_step(net, kfac, b);
    real last = first;
    for (int s = 0; s < 15; ++s) last = train_step(net, kfac, b);
    EXPECT_LT(last, 0.6f * first) << "mode " << int(mode) << ": " << first << " → " << last;
    EXPECT_NE(net.scale.value()[0], 1.5f);  // the fallback did move it
    // params(): scale (a module's own parameters come before its children's), fc1.w, fc1.b, fc2.w, fc2.b.
    EXPECT_FALSE(kfac.last_direction()[0].defined());  // scale: not K-FAC's
    EXPECT_EQ(kfac.last_direction()[1].shape(), (Shape{5, 3}));
    const std::vector<double> flat = kfac.last_direction_flat();
    ASSERT_EQ(int64_t(flat.size()), flat_size(kfac.params()));
    EXPECT_EQ(flat[0] + flat[1] + flat[2], 0.0);              // scale's three zeros
    EXPECT_EQ(flat[3], double(kfac.last_direction()[1][0]));  // then fc1.weight
  }
}

TEST(Kfac, InversesAreRefreshedEveryKSteps) {
  Net net;
  Kfac kfac(net, {.inverse_every = 3, .fisher = KfacFisher::Empirical});
  net.kfac = &kfac;
  std::vector<Tensor> inverses, factors;
  for (int s = 0; s < 4; ++s) {
    train_step(net, kfac, make_batch(16, uint64_t(10 + s)));  // a new batch each step: A changes
    inverses.push_back(kfac.inverse_a(0).clone());
    factors.push_back(kfac.factor_a(0).clone());
  }
  EXPECT_NE(factors[1].to_vector(), factors[0].to_vector());
  EXPECT_EQ(inverses[1].to_vector(), inverses[0].to_vector());  // steps 2 and 3 reuse step 1's
  EXPECT_EQ(inverses[2].to_vector(), inverses[0].to_vector());
  EXPECT_NE(inverses[3].to_vector(), inverses[0].to_vector());  // step 4 = 1 + k refreshes
  // The refreshed inverse is (A + λ_A I)⁻¹ of the running A: check (A + λ_A I)·inverse ≈ I with
  // λ_A = π√λ, π = √((tr A/4)/(tr G/5)) (fc1: A is [3 + 1, 3 + 1], G is [5, 5]).
  const DMatrix a = DMatrix::from(factors[3]), g = DMatrix::from(kfac.factor_g(0));
  double ta = 0, tg = 0;
  for (int64_t i = 0; i < a.rows; ++i) ta += a(i, i) / double(a.rows);
  for (int64_t i = 0; i < g.rows; ++i) tg += g(i, i) / double(g.rows);
  const double lambda_a = std::sqrt(ta / tg) * std::sqrt(1e-3);
  const DMatrix prod = matmul(add_diagonal(a, lambda_a), DMatrix::from(inverses[3]));
  for (int64_t i = 0; i < 4; ++i)
    for (int64_t j = 0; j < 4; ++j) EXPECT_NEAR(prod(i, j), i == j ? 1 : 0, 1e-4);
}

TEST(Kfac, StateSurvivesSaveAndLoad) {
  auto make = [](Net& net) {
    auto k = std::make_unique<Kfac>(net, KfacConfig{.lr = 0.2f, .inverse_every = 2, .fisher = KfacFisher::Sampled});
    net.kfac = k.get();
    return k;
  };
  auto run = [](Net& net, Kfac& opt, int from, int to) {
    for (int s = from; s < to; ++s) train_step(net, opt, make_batch(16, uint64_t(100 + s)));
  };
  Net full(11, true);
  auto opt_full = make(full);
  run(full, *opt_full, 0, 6);

  Net first(11, true);
  auto opt_first = make(first);
  run(first, *opt_first, 0, 3);
  const StateDict params = first.state_dict();
  const StateDict saved = opt_first->state_dict();
  // params(): scale, fc1.weight, fc1.bias, fc2.weight, fc2.bias; a layer's factors sit on its weight.
  for (const char* key :
       {"step", "param.1.kfac_A", "param.1.kfac_G_inv", "param.3.kfac_A", "fallback.param.0.exp_avg", "kfac.rng"})
    EXPECT_EQ(saved.count(key), 1u) << key;
  EXPECT_EQ(saved.count("param.2.kfac_A"), 0u);                  // nothing on a bias
  EXPECT_EQ(saved.at("param.1.kfac_A").shape(), (Shape{4, 4}));  // fc1: 3 inputs + the bias's 1
  EXPECT_EQ(saved.at("param.3.kfac_G").shape(), (Shape{3, 3}));  // fc2: 3 outputs

  Net resumed(99, true);  // other initial values: everything must come from the saved state
  resumed.load_state_dict(params);
  auto opt_resumed = make(resumed);
  opt_resumed->load_state_dict(saved);
  EXPECT_EQ(opt_resumed->step_count(), 3);
  run(resumed, *opt_resumed, 3, 6);
  for (const auto& [name, value] : full.state_dict())
    EXPECT_EQ(resumed.state_dict().at(name).to_vector(), value.to_vector()) << name;

  // A state that does not match changes nothing and says why.
  StateDict broken = saved;
  broken.erase("fallback.param.0.exp_avg");
  const StateDict before = opt_resumed->state_dict();
  try {
    opt_resumed->load_state_dict(broken);
    FAIL() << "expected an Error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("exp_avg"), std::string::npos) << e.what();
  }
  EXPECT_EQ(opt_resumed->state_dict().at("step").item(), before.at("step").item());
  broken = saved;
  broken["kfac.rng"][0] = 0.5f;
  EXPECT_THROW(opt_resumed->load_state_dict(broken), Error);
  broken = saved;
  broken.erase("kfac.rng");
  EXPECT_THROW(opt_resumed->load_state_dict(broken), Error);
}

TEST(Kfac, BadInput) {
  Net net;
  EXPECT_THROW(Kfac(net, {.lr = -1}), Error);
  EXPECT_THROW(Kfac(net, {.damping = -1}), Error);
  EXPECT_THROW(Kfac(net, {.decay = 1}), Error);
  EXPECT_THROW(Kfac(net, {.inverse_every = 0}), Error);
  EXPECT_THROW(Kfac({}, {net.fc1.weight}), Error);                    // no layer
  EXPECT_THROW(Kfac({{"a", &net.fc1}, {"b", &net.fc1}}, {}), Error);  // twice
  EXPECT_THROW(Kfac({{"a", nullptr}}, {}), Error);

  Kfac kfac({{"fc1", &net.fc1}}, {net.fc2.weight, net.fc2.bias}, {.fisher = KfacFisher::Empirical},
            [](std::vector<Var> ps) { return std::make_unique<SGD>(ps, SGDConfig{.lr = 0.1f}); });
  EXPECT_EQ(kfac.fallback()->type_name(), "SGD");
  const Tensor x = Tensor::randn({4, 3}, net.rng);
  try {
    kfac.track(net.fc2, Var(Tensor::randn({4, 5}, net.rng)));
    FAIL() << "expected an Error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("not one of this optimizer's layers"), std::string::npos) << e.what();
  }
  EXPECT_THROW(kfac.fisher_pass(net.fc1(Var(x))), Error);  // Empirical mode has no Fisher pass
  Tape::current().clear();
  // A layer called directly, not through track: a gradient without statistics.
  backward(sum(net.fc2(tanh(net.fc1(Var(x))))));
  try {
    kfac.step();
    FAIL() << "expected an Error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("kfac.track"), std::string::npos) << e.what();
  }
  kfac.zero_grad();
  EXPECT_THROW(kfac.layer_name(7), Error);
  {
    NoGrad no_grad;  // evaluation: track records nothing
    kfac.track(net.fc1, Var(x));
  }
  EXPECT_NO_THROW(kfac.step());  // no gradient, no statistics: nothing to do

  // Sampled mode without fisher_pass: no G.
  Kfac sampled(net);
  net.kfac = &sampled;
  backward(sum(net.forward(Var(x))));
  try {
    sampled.step();
    FAIL() << "expected an Error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("fisher_pass"), std::string::npos) << e.what();
  }
  sampled.zero_grad();

  // No damping and one example ā = [1, 0, 0, 1]: A = ā āᵀ has rank 1 and pivot 1 is exactly 0,
  // so its Cholesky fails; the error names the layer, the factor and the pivot.
  Net one;
  Kfac undamped(one, {.damping = 0, .fisher = KfacFisher::Empirical});
  one.kfac = &undamped;
  backward(sum(one.forward(Var(Tensor::from({1, 0, 0}, {1, 3})))));
  try {
    undamped.step();
    FAIL() << "expected an Error";
  } catch (const Error& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("layer 'fc1', factor A"), std::string::npos) << msg;
    EXPECT_NE(msg.find("pivot 1 is 0"), std::string::npos) << msg;
  }
  Tape::current().clear();

  // Diverged outputs (NaN): the Fisher pass says so instead of failing inside its sampler.
  Net diverged;
  Kfac sampled_nan(diverged);
  diverged.kfac = &sampled_nan;
  Tensor bad = Tensor::randn({2, 3}, diverged.rng);
  bad.data()[4] = std::nanf("");
  try {
    sampled_nan.fisher_pass(diverged.forward(Var(bad)));
    FAIL() << "expected an Error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("NaN or infinity"), std::string::npos) << e.what();
  }
  Tape::current().clear();
}

}  // namespace
}  // namespace atn
