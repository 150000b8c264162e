// Module: registration, dotted names, train/eval, state dicts and their mismatch report.
#include <gtest/gtest.h>

#include <cstdio>
#include <cstring>

#include "autograd/ops_basic.h"
#include "tensor/rng.h"
#include "nn/module.h"

namespace atn {
namespace {

struct Affine : Module {
  Var weight, bias;
  Tensor count = Tensor::zeros({1});
  Affine(int64_t in, int64_t out) {
    register_parameter("weight", weight, Tensor::full({out, in}, 0.5f));
    register_parameter("bias", bias, Tensor::zeros({out}));
    register_buffer("count", count);
  }
  std::string type_name() const override { return "Affine"; }
};

struct Two : Module {
  Affine first{3, 4}, second{4, 2};
  Var scale;
  Two() {
    register_module("first", first);
    register_module("second", second);
    register_parameter("scale", scale, Tensor::ones({1}));
  }
};

TEST(Module, DottedNamesInRegistrationOrder) {
  Two m;
  std::vector<std::string> names;
  for (auto& [n, p] : m.named_parameters()) {
    names.push_back(n);
    EXPECT_TRUE(p.requires_grad());
  }
  EXPECT_EQ(names, (std::vector<std::string>{"scale", "first.weight", "first.bias", "second.weight", "second.bias"}));
  EXPECT_EQ(m.num_parameters(), 1 + 12 + 4 + 8 + 2);
  EXPECT_EQ(m.parameters().size(), 5u);
  auto mods = m.named_modules();
  ASSERT_EQ(mods.size(), 3u);
  EXPECT_EQ(mods[1].first, "first");
}

TEST(Module, TrainEvalReachesChildren) {
  Two m;
  EXPECT_TRUE(m.second.training());
  m.eval();
  EXPECT_FALSE(m.training());
  EXPECT_FALSE(m.second.training());
  m.train();
  EXPECT_TRUE(m.first.training());
}

TEST(Module, ZeroGradClearsEveryParameter) {
  Two m;
  backward(sum(m.first.weight) + sum(m.scale));
  EXPECT_TRUE(m.first.weight.has_grad());
  m.zero_grad();
  for (auto& p : m.parameters()) EXPECT_FALSE(p.has_grad());
}

TEST(Module, StateDictHoldsParametersAndBuffersAndLoadsBack) {
  Two a, b;
  a.first.weight.value().at({1, 2}) = 7;
  a.second.count[0] = 3;
  StateDict s = a.state_dict();
  EXPECT_EQ(s.size(), 7u);  // 5 parameters + 2 buffers
  EXPECT_TRUE(s.count("second.count"));
  b.load_state_dict(s);
  EXPECT_EQ(b.first.weight.value().at({1, 2}), 7);
  EXPECT_EQ(b.second.count[0], 3);
  EXPECT_FALSE(b.first.weight.value().shares_storage_with(a.first.weight.value()));
}

TEST(Module, LoadReportsEveryMismatchAtOnceAndChangesNothing) {
  Two m;
  StateDict s = m.state_dict();
  StateDict bad;
  for (auto& [k, v] : s) bad[k] = v.clone();
  bad.erase("first.bias");
  bad["extra.weight"] = Tensor::zeros({1});
  bad["second.weight"] = Tensor::full({4, 2}, 9);
  bad["scale"] = Tensor::full({1}, 5);
  try {
    m.load_state_dict(bad);
    FAIL();
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(),
                 "load_state_dict: the state does not match the module; missing: first.bias; unexpected: "
                 "extra.weight; wrong shape: second.weight [4, 2] (expected [2, 4])");
  }
  EXPECT_EQ(m.scale.value()[0], 1);  // nothing was loaded
}

TEST(Module, SaveLoadRoundTripIsBitExact) {
  Two a, b;
  Rng rng(3);
  for (auto& p : a.parameters()) p.value().copy_from(Tensor::randn(p.shape(), rng));
  a.first.count[0] = 4;
  const std::string path = ::testing::TempDir() + "atn_module_roundtrip.safetensors";
  a.save(path);
  b.load(path);
  StateDict sa = a.state_dict(), sb = b.state_dict();
  for (auto& [name, t] : sa)
    EXPECT_EQ(std::memcmp(t.data(), sb.at(name).data(), size_t(t.numel()) * sizeof(real)), 0) << name;
  std::remove(path.c_str());
}

// Two modules sharing one weight, tied by assigning the Var (as GPT ties lm_head to wte).
struct Tied : Module {
  Affine encoder{3, 3}, decoder{3, 3};
  Tied() {
    register_module("encoder", encoder);
    register_module("decoder", decoder);
    decoder.weight = encoder.weight;
  }
};

TEST(Module, TiedParameterIsListedOnceButSavedUnderBothNames) {
  Tied m;
  const auto params = m.named_parameters();
  ASSERT_EQ(params.size(), 3u);  // encoder.weight, encoder.bias, decoder.bias
  EXPECT_EQ(params[0].first, "encoder.weight");
  EXPECT_EQ(m.named_parameters_with_aliases().size(), 4u);
  StateDict sd = m.state_dict();
  ASSERT_TRUE(sd.count("encoder.weight") && sd.count("decoder.weight"));
  EXPECT_TRUE(sd.at("encoder.weight").shares_storage_with(sd.at("decoder.weight")));
}

TEST(Module, TiedParameterLoadsFromEitherNameAndStaysTied) {
  Tied m;
  StateDict both = {{"encoder.weight", Tensor::full({3, 3}, 2)}, {"decoder.weight", Tensor::full({3, 3}, 2)},
                    {"encoder.bias", Tensor::zeros({3})},       {"decoder.bias", Tensor::zeros({3})},
                    {"encoder.count", Tensor::zeros({1})},      {"decoder.count", Tensor::zeros({1})}};
  m.load_state_dict(both);
  EXPECT_EQ(m.decoder.weight.value()[4], 2);
  EXPECT_TRUE(m.decoder.weight.same_as(m.encoder.weight));
  StateDict one = both;
  one.erase("encoder.weight");
  one.at("decoder.weight").fill(3);
  m.load_state_dict(one);  // one name of the pair is enough
  EXPECT_EQ(m.encoder.weight.value()[0], 3);
  StateDict differ = both;
  differ.at("decoder.weight").fill(5);
  try {
    m.load_state_dict(differ);
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("tied names with different values: encoder.weight / decoder.weight"),
              std::string::npos)
        << e.what();
  }
  EXPECT_EQ(m.encoder.weight.value()[0], 3);  // nothing was loaded
  StateDict neither = both;
  neither.erase("encoder.weight");
  neither.erase("decoder.weight");
  EXPECT_THROW(m.load_state_dict(neither), Error);
}

TEST(Module, LoadNamesTheFileAndTheProblem) {
  Two m;
  const std::string path = ::testing::TempDir() + "atn_module_other.safetensors";
  Affine other(3, 4);
  other.save(path);
  try {
    m.load(path);
    FAIL();
  } catch (const Error& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find(path), std::string::npos) << msg;
    EXPECT_NE(msg.find("missing: first.bias"), std::string::npos) << msg;
  }
  std::remove(path.c_str());
  EXPECT_THROW(m.load(path), Error);  // the file is gone now
}

TEST(Module, SummaryListsEveryParameterAndTheTotal) {
  Two m;
  const std::string s = m.summary();
  EXPECT_NE(s.find("first.weight"), std::string::npos);
  EXPECT_NE(s.find("[4, 3]"), std::string::npos);
  EXPECT_NE(s.find("total"), std::string::npos);
  EXPECT_NE(s.find("27"), std::string::npos);
}

TEST(Module, RegistrationErrors) {
  struct Bad : Module {
    Var w, v;
    Bad(int which) {
      register_parameter("w", w, Tensor::zeros({1}));
      if (which == 0) register_parameter("w", v, Tensor::zeros({1}));
      if (which == 1) register_parameter("a.b", v, Tensor::zeros({1}));
      if (which == 2) register_parameter("v", v);
    }
  };
  for (int which : {0, 1, 2}) EXPECT_THROW(Bad b(which), Error);
}

}  // namespace
}  // namespace atn
