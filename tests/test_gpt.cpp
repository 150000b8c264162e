// GPT (models/gpt.h): nanoGPT's names and shapes, gradients, causality, tying, init,
// attention weights, thread-count independence, save/load, a training run, bad input. Generation
// and sampling are in test_gpt_generate.cpp.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "autograd/ops_basic.h"
#include "autograd/tape.h"
#include "models/gpt.h"
#include "optim/adam.h"
#include "tensor/thread_pool.h"
#include "test_util.h"

namespace atn {
namespace {

using testing_util::Vars;

GPTConfig tiny() { return {.vocab = 11, .block = 8, .n_layer = 2, .n_head = 2, .d_model = 8}; }

Tensor ids(std::vector<real> values, int64_t B, int64_t T) { return Tensor::from(std::move(values), {B, T}); }

Tensor random_ids(int64_t B, int64_t T, int64_t V, Rng& rng) {
  Tensor t({B, T});
  for (real& v : t) v = real(rng.below(uint64_t(V)));
  return t;
}

std::string fixture_path(const std::string& name) {
  return (std::filesystem::path(__FILE__).parent_path() / "fixtures" / name).string();
}

real stddev(const Tensor& t) {
  double s = 0, s2 = 0;
  for (real v : t) s += v, s2 += double(v) * v;
  const double n = double(t.numel()), m = s / n;
  return real(std::sqrt(s2 / n - m * m));
}

// A fixture written by tools/fixtures/make_gpt_fixtures.py: '#' comments, "# config k=v ...",
// and either "name d0,d1" lines (names files) or "tensor NAME d0,d1" + a line of values.
struct Fixture {
  GPTConfig config;
  std::map<std::string, Shape> names;
  std::map<std::string, Tensor> tensors;
};

Shape parse_shape(const std::string& dims) {
  Shape shape;
  std::istringstream ds(dims);
  for (std::string d; std::getline(ds, d, ',');) shape.push_back(std::stoll(d));
  return shape;
}

Fixture read_fixture(const std::string& file) {
  std::ifstream in(fixture_path(file));
  if (!in) fail("test_gpt: cannot open ", fixture_path(file));
  Fixture fx;
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    std::istringstream ls(line);
    std::string first, name, dims;
    ls >> first;
    if (first == "#") {
      std::string key, kv;
      ls >> key;
      while (key == "config" && ls >> kv) {
        const auto eq = kv.find('=');
        const std::string k = kv.substr(0, eq);
        const int64_t value = std::stoll(kv.substr(eq + 1));
        if (k == "vocab_size") fx.config.vocab = value;
        if (k == "block_size") fx.config.block = value;
        if (k == "n_layer") fx.config.n_layer = value;
        if (k == "n_head") fx.config.n_head = value;
        if (k == "n_embd") fx.config.d_model = value;
        if (k == "bias") fx.config.bias = value != 0;
      }
    } else if (first == "tensor") {
      ls >> name >> dims;
      Tensor t(parse_shape(dims));
      std::string values;
      std::getline(in, values);
      std::istringstream vs(values);
      for (real& v : t) vs >> v;
      if (!vs) fail("test_gpt: too few values for ", name);
      fx.tensors[name] = t;
    } else {
      ls >> dims;
      fx.names[first] = parse_shape(dims);
    }
  }
  return fx;
}

TEST(GPT, NamesAndShapesMatchNanoGPTFixtures) {
  // torch >= 2 (flash attention): parameters only; torch < 2: plus the causal-mask buffers.
  for (bool torch1 : {false, true}) {
    const Fixture fx = read_fixture(torch1 ? "nanogpt_names_torch1.txt" : "nanogpt_names.txt");
    ASSERT_GT(fx.names.size(), 10u);
    Rng rng(1);
    GPT gpt(fx.config, rng);
    std::map<std::string, Shape> ours;
    for (const auto& [name, t] : gpt.nanogpt_state_dict(torch1)) ours[name] = t.shape();
    EXPECT_EQ(ours, fx.names) << (torch1 ? "torch < 2" : "torch >= 2");
  }
}

TEST(GPT, LogitsLossAndGradientsMatchPyTorch) {
  const Fixture fx = read_fixture("gpt_tiny_reference.txt");
  Rng rng(1);
  GPT gpt(fx.config, rng);
  StateDict weights;
  for (const auto& [name, t] : fx.tensors)
    if (name.starts_with("weight:")) weights[name.substr(7)] = t;
  gpt.load_nanogpt_state_dict(weights);
  const Tensor& idx = fx.tensors.at("idx");
  Var logits = gpt.forward(idx);
  EXPECT_LE(max_abs_diff(logits.value(), fx.tensors.at("logits")), 2e-5f);
  Var loss = gpt.loss(idx, fx.tensors.at("targets"));  // one target is -1: ignored
  EXPECT_NEAR(loss.item(), fx.tensors.at("loss")[0], 1e-5f);
  backward(loss);
  const auto params = gpt.named_parameters();
  for (const auto& [name, t] : fx.tensors) {
    if (!name.starts_with("grad:")) continue;
    const std::string pname = name.substr(5);
    auto it = std::find_if(params.begin(), params.end(), [&](const auto& p) { return p.first == pname; });
    ASSERT_NE(it, params.end()) << pname;
    EXPECT_LE(max_abs_diff(it->second.grad(), t), 1e-5f) << pname;
  }
}

TEST(GPT, ForwardShapesAndLossOfUniformModel) {
  Rng rng(2);
  GPT gpt(tiny(), rng);
  Tensor x = random_ids(3, 5, 11, rng);
  Var logits = gpt.forward(x);
  EXPECT_EQ(logits.shape(), (Shape{3, 5, 11}));
  // With N(0, 0.02) weights the logits are nearly 0, so the loss starts near log V.
  EXPECT_NEAR(gpt.loss(x, random_ids(3, 5, 11, rng)).item(), std::log(11.0), 0.05);
}

TEST(GPT, GradcheckOnTinyConfig) {
  for (bool bias : {true, false}) {
    GPTConfig cfg = tiny();
    cfg.bias = bias;
    Rng rng(3);
    GPT gpt(cfg, rng);
    // Larger weights than the init, so that every path (attention included) carries gradient.
    for (Var& p : gpt.parameters()) p.value().copy_from(Tensor::randn(p.shape(), rng, 0, 0.3f));
    Tensor x = random_ids(1, 5, 11, rng), y = random_ids(1, 5, 11, rng);
    auto& b0 = gpt.transformer.h[0];
    Vars inputs = {gpt.transformer.wte.weight, gpt.transformer.wpe.weight, b0.attn.c_attn.weight,
                   gpt.transformer.h[1].mlp.c_proj.weight, gpt.transformer.ln_f.weight, b0.ln_1.weight};
    if (bias) inputs.push_back(b0.attn.c_attn.bias);
    auto r = gradcheck([&](const Vars&) { return gpt.forward(x); }, inputs);
    EXPECT_TRUE(r.ok) << "bias=" << bias << "\n" << r.report;
    r = gradcheck([&](const Vars&) { return gpt.loss(x, y); }, {inputs[0], inputs[2]});
    EXPECT_TRUE(r.ok) << "loss, bias=" << bias << "\n" << r.report;
  }
}

TEST(GPT, WithoutBiasHasNoBiasParameters) {
  GPTConfig cfg = tiny();
  cfg.bias = false;
  Rng rng(4);
  GPT gpt(cfg, rng);
  for (const auto& [name, t] : gpt.state_dict()) EXPECT_FALSE(name.ends_with(".bias")) << name;
  EXPECT_EQ(gpt.state_dict().size(), 3 + 2 * 6 + 1u);  // wte, wpe, lm_head; 6 weights a block; ln_f
}

TEST(GPT, LogitsAtOrBeforeTDoNotSeeLaterTokens) {
  Rng rng(5);
  GPT gpt(tiny(), rng);
  for (Var& p : gpt.parameters()) p.value().copy_from(Tensor::randn(p.shape(), rng, 0, 0.5f));
  NoGrad no_grad;
  Tensor a = ids({1, 2, 3, 4, 5, 6}, 1, 6);
  for (int64_t t = 0; t + 1 < 6; ++t) {
    Tensor b = a.clone();
    b[t + 1] = real((int64_t(b[t + 1]) + 3) % 11);
    Tensor la = gpt.forward(a).value(), lb = gpt.forward(b).value();
    for (int64_t s = 0; s < 6; ++s) {
      real diff = 0;
      for (int64_t v = 0; v < 11; ++v) diff = std::max(diff, std::abs(la[s * 11 + v] - lb[s * 11 + v]));
      if (s <= t) {
        EXPECT_LE(diff, 1e-6f) << "t=" << t << " s=" << s;
      }
      if (s == t + 1) {
        EXPECT_GT(diff, 1e-3f) << "the changed token itself must matter";
      }
    }
  }
}

TEST(GPT, HeadIsTiedToTokenEmbeddingAndGetsBothGradients) {
  Rng rng(6);
  GPT tied(tiny(), rng);
  EXPECT_TRUE(tied.lm_head.weight.same_as(tied.transformer.wte.weight));
  for (const auto& [name, _] : tied.named_parameters()) EXPECT_NE(name, "lm_head.weight");
  const auto sd = tied.state_dict();
  EXPECT_TRUE(sd.at("lm_head.weight").shares_storage_with(sd.at("transformer.wte.weight")));
  // Untie a copy: its two weights' gradients must add up to the tied one's.
  Rng rng2(6);
  GPT untied(tiny(), rng2);
  untied.lm_head.weight = param(untied.transformer.wte.weight.value().clone());
  EXPECT_EQ(untied.named_parameters().size(), tied.named_parameters().size() + 1);
  Tensor x = random_ids(2, 6, 11, rng), y = random_ids(2, 6, 11, rng);
  backward(tied.loss(x, y));
  backward(untied.loss(x, y));
  Tensor sum = untied.transformer.wte.weight.grad().clone();
  for (int64_t i = 0; i < sum.numel(); ++i) sum[i] += untied.lm_head.weight.grad()[i];
  EXPECT_LE(max_abs_diff(tied.transformer.wte.weight.grad(), sum), 1e-6f);
  EXPECT_GT(max_abs_diff(untied.lm_head.weight.grad(), Tensor::zeros({11, 8})), 1e-4f);
  EXPECT_GT(max_abs_diff(untied.transformer.wte.weight.grad(), Tensor::zeros({11, 8})), 1e-6f);
}

TEST(GPT, InitFollowsNanoGPT) {
  Rng rng(7);
  GPT gpt(GPTConfig{}, rng);  // V=65, d=128, L=4
  const auto sd = gpt.state_dict();
  const real residual_std = 0.02f / std::sqrt(8.0f);
  for (const auto& [name, t] : sd) {
    if (name.ends_with("c_proj.weight")) {
      EXPECT_NEAR(stddev(t), residual_std, 0.05 * residual_std) << name;
    } else if (name.ends_with(".weight") && (name.find("ln_") != std::string::npos)) {
      EXPECT_EQ(max_abs_diff(t, Tensor::ones(t.shape())), 0) << name;
    } else if (name.ends_with(".weight")) {
      EXPECT_NEAR(stddev(t), 0.02, 0.002) << name;
    } else {
      EXPECT_TRUE(name.ends_with(".bias")) << name;
      EXPECT_EQ(max_abs_diff(t, Tensor::zeros(t.shape())), 0) << name;
    }
  }
}

TEST(GPT, SameSeedSameModel) {
  Rng a(8), b(8);
  GPT ga(tiny(), a), gb(tiny(), b);
  for (const auto& [name, t] : ga.state_dict()) EXPECT_EQ(max_abs_diff(t, gb.state_dict().at(name)), 0) << name;
}

TEST(GPT, SaveLoadRoundTripAndNanoGPTForms) {
  Rng rng(13);
  GPT a(tiny(), rng), b(tiny(), rng);
  const std::string path = ::testing::TempDir() + "atn_gpt_roundtrip.safetensors";
  a.save(path);
  b.load(path);
  std::remove(path.c_str());
  EXPECT_TRUE(b.lm_head.weight.same_as(b.transformer.wte.weight));  // still tied after loading
  Tensor x = random_ids(1, 8, 11, rng);
  NoGrad no_grad;
  EXPECT_EQ(max_abs_diff(a.forward(x).value(), b.forward(x).value()), 0);
  // torch < 2 form: one causal-mask buffer per layer, lower triangle of ones.
  StateDict old_form = a.nanogpt_state_dict(true);
  ASSERT_TRUE(old_form.count("transformer.h.1.attn.bias"));
  const Tensor& mask = old_form.at("transformer.h.1.attn.bias");
  EXPECT_EQ(mask.shape(), (Shape{1, 1, 8, 8}));
  EXPECT_EQ(mask[0 * 8 + 1], 0);
  EXPECT_EQ(mask[7 * 8 + 0], 1);
  EXPECT_EQ(old_form.size(), a.nanogpt_state_dict(false).size() + 2);
  GPT c(tiny(), rng);
  c.load_nanogpt_state_dict(old_form);
  EXPECT_EQ(max_abs_diff(a.forward(x).value(), c.forward(x).value()), 0);
  old_form.at("transformer.h.0.attn.bias") = Tensor::ones({1, 1, 4, 4});
  EXPECT_THROW(c.load_nanogpt_state_dict(old_form), Error);
  EXPECT_THROW(c.load_state_dict(a.nanogpt_state_dict(true)), Error);  // plain load: unexpected buffers
  // As files, the form `atencion export` writes.
  GPT d(tiny(), rng);
  a.save_nanogpt(path, true);
  d.load_nanogpt(path);
  std::remove(path.c_str());
  EXPECT_EQ(max_abs_diff(a.forward(x).value(), d.forward(x).value()), 0);
  EXPECT_THROW(d.load_nanogpt(path), Error);  // gone
}

TEST(GPT, DropoutOnlyInTrainingAndSpelledOutPathAgreesWithFused) {
  GPTConfig cfg = tiny();
  cfg.dropout = 0.2f;
  Rng rng(14);
  GPT gpt(cfg, rng);
  Tensor x = random_ids(2, 6, 11, rng);
  NoGrad no_grad;
  Tensor t1 = gpt.forward(x).value(), t2 = gpt.forward(x).value();
  EXPECT_GT(max_abs_diff(t1, t2), 1e-6f);  // different masks
  gpt.eval();
  Tensor e1 = gpt.forward(x).value();
  EXPECT_EQ(max_abs_diff(e1, gpt.forward(x).value()), 0);
  // Training mode with every dropout probability set to 0 takes the spelled-out attention path.
  gpt.train();
  for (int64_t i = 0; i < 2; ++i) {
    auto& blk = gpt.transformer.h[i];
    blk.attn.attn_dropout.p = blk.attn.resid_dropout.p = blk.mlp.dropout.p = 0;
  }
  gpt.transformer.drop.p = 0;
  EXPECT_LE(max_abs_diff(gpt.forward(x).value(), e1), 1e-5f);
}

TEST(GPT, AttentionWeightsAreCausalDistributions) {
  Rng rng(17);
  GPT gpt(tiny(), rng);
  for (Var& p : gpt.parameters()) p.value().copy_from(Tensor::randn(p.shape(), rng, 0, 0.3f));
  NoGrad no_grad;
  std::vector<Tensor> weights;
  Tensor x = random_ids(2, 5, 11, rng);
  EXPECT_EQ(max_abs_diff(gpt.forward(x, &weights).value(), gpt.forward(x).value()), 0);
  ASSERT_EQ(weights.size(), 2u);
  for (const Tensor& w : weights) {
    ASSERT_EQ(w.shape(), (Shape{2, 2, 5, 5}));
    for (int64_t row = 0; row < 2 * 2 * 5; ++row) {
      const int64_t i = row % 5;
      real total = 0;
      for (int64_t j = 0; j < 5; ++j) {
        total += w[row * 5 + j];
        if (j > i) {
          EXPECT_EQ(w[row * 5 + j], 0);
        }
      }
      EXPECT_NEAR(total, 1, 1e-5f);
    }
  }
}

TEST(GPT, SameResultsWithOneOrTwoThreads) {
  const testing_util::KeepThreadCount keep;
  Tensor losses[2], grads[2];
  for (int threads : {1, 2}) {
    set_num_threads(threads);
    Rng rng(18);
    GPT gpt(GPTConfig{.vocab = 11, .block = 16, .n_layer = 2, .n_head = 2, .d_model = 64}, rng);
    Var l = gpt.loss(random_ids(4, 16, 11, rng), random_ids(4, 16, 11, rng));
    backward(l);
    losses[threads - 1] = l.value();
    grads[threads - 1] = gpt.transformer.h[0].attn.c_attn.weight.grad();
  }
  EXPECT_EQ(losses[0].item(), losses[1].item());
  EXPECT_EQ(max_abs_diff(grads[0], grads[1]), 0);
}

TEST(GPT, BadInputThrows) {
  Rng rng(15);
  EXPECT_THROW(GPT(GPTConfig{.n_head = 3}, rng), Error);  // 3 does not divide 128
  EXPECT_THROW(GPT(GPTConfig{.vocab = 0}, rng), Error);
  EXPECT_THROW(GPT(GPTConfig{.dropout = 1}, rng), Error);
  GPT gpt(tiny(), rng);
  EXPECT_THROW(gpt.forward(Tensor({1, 9})), Error);          // longer than block
  EXPECT_THROW(gpt.forward(Tensor({8})), Error);             // not [B, T]
  EXPECT_THROW(gpt.forward(ids({1, 11}, 1, 2)), Error);      // id out of range
  EXPECT_THROW(gpt.forward(ids({1, 0.5f}, 1, 2)), Error);    // not whole
  EXPECT_THROW(gpt.loss(ids({1, 2}, 1, 2), ids({1}, 1, 1)), Error);
}

TEST(GPT, TrainingOnARepeatedSequenceLowersTheLoss) {
  Rng rng(16);
  GPT gpt(GPTConfig{.vocab = 11, .block = 16, .n_layer = 2, .n_head = 2, .d_model = 32}, rng);
  // 0 1 2 … 10 0 1 2 …: each next token is determined by the current one.
  Tensor x({4, 16}), y({4, 16});
  for (int64_t b = 0; b < 4; ++b)
    for (int64_t t = 0; t < 16; ++t) x[b * 16 + t] = real((b + t) % 11), y[b * 16 + t] = real((b + t + 1) % 11);
  AdamW opt(gpt.parameters(), {.lr = 1e-2f, .weight_decay = 0});
  const real first = gpt.loss(x, y).item();
  real last = first;
  for (int step = 0; step < 60; ++step) {
    Var l = gpt.loss(x, y);
    last = l.item();
    backward(l);
    opt.step();
    opt.zero_grad();
  }
  EXPECT_GT(first, 2.0f);
  EXPECT_LT(last, 0.1f) << "from " << first;
}

}  // namespace
}  // namespace atn
