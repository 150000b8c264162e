// NaturalGPT: names and the tied head, the energies every block hands to every one of its
// parameters ([B, H, T, T], causal), one attention-informed step on the model against the
// spec's formula by hand, causality (and the leak), a gradcheck and errors.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <set>

#include "autograd/gradcheck.h"
#include "autograd/tape.h"
#include "models/natural_gpt.h"
#include "test_util.h"

namespace atn {
namespace {

using testing_util::names_of;

constexpr real kInf = std::numeric_limits<real>::infinity();

NaturalGPTConfig tiny(bool leaky = false) {
  return {.vocab = 7, .block = 6, .n_layer = 2, .n_head = 2, .d_model = 8, .leaky = leaky};
}

Tensor tokens(int64_t B, int64_t T, int64_t V, Rng& rng) {
  Tensor idx({B, T});
  for (real& v : idx) v = real(rng.below(uint64_t(V)));
  return idx;
}

TEST(NaturalGPT, NamesShapesAndTiedHead) {
  Rng rng(1);
  NaturalGPT model(tiny(), rng);
  const auto names = names_of(model);
  ASSERT_EQ(names.size(), 4u + 2 * 16u);  // wte, wpe, ln_f (2); 16 per block
  EXPECT_EQ(names[0], "transformer.wte.weight");
  for (const char* n : {"transformer.h.1.ln_1.weight", "transformer.h.0.attn.wq.weight", "transformer.h.1.attn.wo.bias",
                        "transformer.h.0.mlp.c_fc.weight", "transformer.h.1.ln_2.bias", "transformer.ln_f.bias"})
    EXPECT_NE(std::find(names.begin(), names.end(), n), names.end()) << n;
  EXPECT_TRUE(model.lm_head.weight.same_as(model.transformer.wte.weight));
  EXPECT_EQ(model.block(1).mlp.c_fc.weight.shape(), (Shape{32, 8}));
  Var logits = model.forward(tokens(3, 5, 7, rng));
  EXPECT_EQ(logits.shape(), (Shape{3, 5, 7}));
  EXPECT_EQ(model.type_name(), "NaturalGPT");
  EXPECT_EQ(model.vocab_size(), 7);
  EXPECT_EQ(model.block_size(), 6);
}

TEST(NaturalGPT, EveryBlockParameterGetsItsBlocksEnergies) {
  Rng rng(2);
  NaturalGPT model(tiny(), rng);
  const int64_t B = 3, T = 5;
  std::vector<Tensor> weights;
  model.forward(tokens(B, T, 7, rng), &weights);
  ASSERT_EQ(weights.size(), 2u);
  const auto groups = model.energy_groups();
  ASSERT_EQ(groups.size(), 2u);
  std::set<const Node*> seen;
  for (size_t g = 0; g < groups.size(); ++g) {
    EXPECT_EQ(groups[g].name, "transformer.h." + std::to_string(g));
    // Exactly the block's parameters: both LayerNorms, wq/wk/wv/wo, both MLP Linears.
    const auto block_params = model.block(int64_t(g)).parameters();
    ASSERT_EQ(groups[g].params.size(), 16u);
    for (size_t i = 0; i < block_params.size(); ++i) EXPECT_TRUE(groups[g].params[i].same_as(block_params[i]));
    for (const Var& p : groups[g].params) EXPECT_TRUE(seen.insert(p.node()).second) << "a parameter in two groups";
    // Every parameter of the group reads the same energies: [B, H, T, T], −inf after the query.
    const Tensor e = groups[g].energies();
    ASSERT_EQ(e.shape(), (Shape{B, 2, T, T}));
    EXPECT_EQ(e.data(), model.block(int64_t(g)).attn.energies().data());
    for (int64_t bh = 0; bh < B * 2; ++bh)
      for (int64_t i = 0; i < T; ++i)
        for (int64_t j = 0; j < T; ++j) {
          const real v = e[(bh * T + i) * T + j];
          if (j > i) {
            EXPECT_EQ(v, -kInf);
          } else {
            EXPECT_TRUE(std::isfinite(v));
            // softmax of the energies' row is the block's attention weight.
            EXPECT_GT(weights[g][(bh * T + i) * T + j], 0);
          }
        }
  }
  // Embeddings (with the tied head) and ln_f are the only ungrouped parameters.
  const auto rest = model.ungrouped_parameters();
  ASSERT_EQ(rest.size(), 4u);
  EXPECT_TRUE(rest[0].same_as(model.transformer.wte.weight));
  EXPECT_TRUE(rest[1].same_as(model.transformer.wpe.weight));
  for (const Var& p : rest) EXPECT_TRUE(seen.insert(p.node()).second);
  EXPECT_EQ(seen.size(), model.parameters().size());
}

// One AttentionInformedAdamW step on the whole model: for block b, ē_b = mean |E_b| over its
// finite entries and gain 1 + tanh(s·ē_b); on Adam's first step m̂ = g', v̂ = g'² with g' = gain·g,
// so θ₁ = θ₀ − lr·λ·θ₀ − lr·g'/(|g'| + ε). ε = 0.05 (comparable to the gradients) makes the gain
// visible (with ε = 1e-8 Adam would cancel it: see tests/test_attention_informed.cpp).
TEST(NaturalGPT, AttentionInformedStepFollowsTheSpecOnTheModel) {
  const double lr = 0.01, wd = 0.01, s = 0.1, eps = 0.05;
  Rng rng(3);
  NaturalGPT model(tiny(), rng);
  AttentionInformedAdamW opt(model.energy_groups(), model.ungrouped_parameters(),
                             {.lr = real(lr), .eps = real(eps), .weight_decay = real(wd), .energy_scale = real(s)});
  Tensor idx = tokens(2, 6, 7, rng), targets = tokens(2, 6, 7, rng);
  backward(model.loss(idx, targets));
  std::vector<double> gains;
  for (int64_t b = 0; b < 2; ++b) {
    const Tensor& e = model.block(b).attn.energies();
    double total = 0;
    int64_t n = 0;
    for (real v : e)
      if (std::isfinite(v)) total += std::fabs(v), ++n;
    EXPECT_EQ(n, 2 * 2 * 21);  // B·H·T(T+1)/2
    gains.push_back(1 + std::tanh(s * total / double(n)));
  }
  struct Probe {
    Var p;
    double gain;
  };
  const std::vector<Probe> probes = {
      {model.block(0).attn.wk.weight, gains[0]},    {model.block(0).ln_2.bias, gains[0]},
      {model.block(1).mlp.c_proj.weight, gains[1]}, {model.block(1).ln_1.weight, gains[1]},
      {model.transformer.wpe.weight, 1.0},          {model.transformer.ln_f.weight, 1.0}};
  std::vector<Tensor> before, grads;
  for (const auto& pr : probes) before.push_back(pr.p.value().clone()), grads.push_back(pr.p.grad().clone());
  opt.step();
  ASSERT_EQ(opt.last_gains().size(), 2u);
  for (size_t b = 0; b < 2; ++b) EXPECT_NEAR(opt.last_gains()[b], gains[b], 1e-6);
  for (size_t k = 0; k < probes.size(); ++k)
    for (int64_t i = 0; i < before[k].numel(); ++i) {
      const double g = probes[k].gain * double(grads[k][i]), t0 = double(before[k][i]);
      const double want = t0 - lr * wd * t0 - lr * g / (std::fabs(g) + eps);
      EXPECT_NEAR(probes[k].p.value()[i], want, 2e-6) << "probe " << k << " element " << i;
    }
}

TEST(NaturalGPT, CausalUnlessLeaky) {
  for (bool leaky : {false, true}) {
    Rng rng(4);
    NaturalGPT model(tiny(leaky), rng);
    Tensor a = tokens(1, 6, 7, rng), b = a.clone();
    b[5] = real((int64_t(a[5]) + 1) % 7);  // change the last token only
    NoGrad no_grad;
    const Tensor la = model.forward(a).value(), lb = model.forward(b).value();
    double earlier = 0;
    for (int64_t i = 0; i < 5 * 7; ++i) earlier = std::max(earlier, double(std::fabs(la[i] - lb[i])));
    if (leaky) {
      EXPECT_GT(earlier, 1e-4) << "the leaky model should see the future";
    } else {
      EXPECT_EQ(earlier, 0) << "a causal model's earlier logits changed with a later token";
    }
  }
}

TEST(NaturalGPT, GradcheckAndGpt2Init) {
  Rng rng(5);
  NaturalGPT model({.vocab = 5, .block = 4, .n_layer = 1, .n_head = 2, .d_model = 4}, rng);
  const Tensor idx = tokens(2, 4, 5, rng), targets = tokens(2, 4, 5, rng);
  const auto r = gradcheck([&](const std::vector<Var>&) { return model.loss(idx, targets); }, model.parameters());
  EXPECT_TRUE(r.ok) << r.report;
  // gpt2_init: block Linears N(0, 0.02) with zero biases; the residual ones N(0, 0.02/√(2L)).
  Rng rng2(6);
  NaturalGPT g({.vocab = 7, .block = 6, .n_layer = 2, .n_head = 2, .d_model = 64, .gpt2_init = true}, rng2);
  auto std_of = [](const Tensor& t) {
    double s = 0;
    for (real v : t) s += double(v) * double(v);
    return std::sqrt(s / double(t.numel()));
  };
  EXPECT_NEAR(std_of(g.block(0).attn.wq.weight.value()), 0.02, 0.003);
  EXPECT_NEAR(std_of(g.block(1).mlp.c_proj.weight.value()), 0.01, 0.0015);
  EXPECT_EQ(std_of(g.block(1).attn.wv.bias.value()), 0);
  EXPECT_GT(std_of(model.block(0).attn.wq.weight.value()), 0.1);  // PyTorch's default: U(±1/√d)
}

TEST(NaturalGPT, BadInput) {
  Rng rng(7);
  EXPECT_THROW(NaturalGPT({.vocab = 7, .block = 6, .n_layer = 1, .n_head = 3, .d_model = 8}, rng), Error);
  EXPECT_THROW(NaturalGPT({.vocab = 0, .block = 6, .n_layer = 1, .n_head = 2, .d_model = 8}, rng), Error);
  EXPECT_THROW(NaturalGPT({.vocab = 7, .block = 6, .n_layer = 0, .n_head = 2, .d_model = 8}, rng), Error);
  NaturalGPT model(tiny(), rng);
  try {
    model.forward(Tensor::zeros({1, 7}));
    FAIL();
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "NaturalGPT: sequence of length 7 is longer than the block size 6");
  }
  EXPECT_THROW(model.forward(Tensor::full({1, 3}, 7)), Error);
  EXPECT_THROW(model.loss(Tensor::zeros({1, 3}), Tensor::zeros({1, 4})), Error);
  EXPECT_THROW(model.generate({}, 3, {}, rng), Error);
  Tape::current().clear();
}

}  // namespace
}  // namespace atn
