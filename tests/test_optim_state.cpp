// Optimizer state dicts: the saved names, deep copies, bit-identical resumption of a run for
// every optimizer, and the mismatch report of load_state_dict.
#include <gtest/gtest.h>

#include <functional>
#include <limits>
#include <memory>

#include "autograd/ops_basic.h"
#include "optim/adagrad.h"
#include "optim/adam.h"
#include "optim/attention_informed.h"
#include "optim/rmsprop.h"
#include "optim/schedule.h"
#include "optim/sgd.h"

namespace atn {
namespace {

// A tiny quadratic problem: loss = Σ c1·(w − t1)² + Σ c2·(b − t2)², two parameters.
struct Problem {
  Var w = param(Tensor::from({1.0f, -2.0f, 0.5f}));
  Var b = param(Tensor::from({0.3f, 0.7f, -0.4f, 1.5f}, {2, 2}));
  std::vector<Var> params() const { return {w, b}; }
  void backward_pass() const {
    Var c1 = constant(Tensor::from({1.0f, 3.0f, 0.5f})), t1 = constant(Tensor::from({0.2f, 0.1f, -1.0f}));
    Var c2 = constant(Tensor::from({2.0f, 0.3f, 1.0f, 4.0f}, {2, 2})), t2 = constant(Tensor::full({2, 2}, 0.25f));
    Var dw = w - t1, db = b - t2;
    backward(sum(c1 * dw * dw) + sum(c2 * db * db));
  }
};

using Factory = std::function<std::unique_ptr<Optimizer>(const Problem&)>;

// Runs `steps` updates (lr from a warmup-cosine schedule, so the restored step count matters).
void train(const Problem& pb, Optimizer& opt, int steps) {
  WarmupCosine sched(0.05f, 3, 10, 0.005f);
  for (int s = 0; s < steps; ++s) {
    opt.zero_grad();
    pb.backward_pass();
    sched.apply(opt);
    opt.step();
  }
}

void expect_resume_is_bit_identical(const Factory& make) {
  // Uninterrupted: 10 steps.
  Problem full;
  auto opt_full = make(full);
  train(full, *opt_full, 10);

  // Interrupted at 5: save the parameters and the optimizer state, rebuild everything, load.
  Problem first;
  auto opt_first = make(first);
  train(first, *opt_first, 5);
  const Tensor w5 = first.w.value().clone(), b5 = first.b.value().clone();
  const StateDict saved = opt_first->state_dict();
  train(first, *opt_first, 5);  // going on must not change what was saved (deep copies)

  Problem resumed;
  resumed.w.value().copy_from(w5);
  resumed.b.value().copy_from(b5);
  auto opt_resumed = make(resumed);
  opt_resumed->load_state_dict(saved);
  EXPECT_EQ(opt_resumed->step_count(), 5);
  train(resumed, *opt_resumed, 5);

  EXPECT_EQ(resumed.w.value().to_vector(), full.w.value().to_vector());
  EXPECT_EQ(resumed.b.value().to_vector(), full.b.value().to_vector());
  EXPECT_EQ(first.w.value().to_vector(), full.w.value().to_vector());
  // And the run did move: a resume that ignored the state would not have matched by luck.
  EXPECT_NE(full.w.value()[0], 1.0f);
}

TEST(OptimizerState, ResumeIsBitIdenticalForEveryOptimizer) {
  const std::vector<std::pair<const char*, Factory>> cases = {
      {"SGD",
       [](const Problem& p) {
         return std::make_unique<SGD>(p.params(), SGDConfig{.momentum = 0.9f, .nesterov = true});
       }},
      {"Adagrad",
       [](const Problem& p) { return std::make_unique<Adagrad>(p.params(), AdagradConfig{.weight_decay = 0.01f}); }},
      {"RMSprop",
       [](const Problem& p) {
         return std::make_unique<RMSprop>(p.params(), RMSpropConfig{.momentum = 0.5f, .centered = true});
       }},
      {"Adam", [](const Problem& p) { return std::make_unique<Adam>(p.params(), AdamConfig{.weight_decay = 0.01f}); }},
      {"AdamW", [](const Problem& p) { return std::make_unique<AdamW>(p.params()); }},
      {"AttentionInformedAdamW",
       [](const Problem& p) {
         // The block's energies change with the parameter, so the gain changes from step to step.
         Var w = p.w;
         EnergyGroup g{
             "block", {p.w}, [w] {
               return Tensor::from({w.value()[0], -std::numeric_limits<real>::infinity(), 2.0f}, {1, 1, 1, 3});
             }};
         return std::make_unique<AttentionInformedAdamW>(std::vector<EnergyGroup>{g}, std::vector<Var>{p.b},
                                                         AttentionInformedConfig{.mode = EnergyGainMode::ScaleUpdate});
       }},
  };
  for (const auto& [name, make] : cases) {
    SCOPED_TRACE(name);
    expect_resume_is_bit_identical(make);
  }
}

TEST(OptimizerState, NamesFollowTheParameterIndex) {
  Problem pb;
  Adam opt(pb.params());
  EXPECT_EQ(opt.state_dict().size(), 4u);          // step, lr, param.0.step, param.1.step: no buffers yet
  pb.w.grad() = Tensor::from({1.0f, 1.0f, 1.0f});  // only w has a gradient
  opt.step();
  StateDict s = opt.state_dict();
  std::vector<std::string> names;
  for (const auto& [name, _] : s) names.push_back(name);
  EXPECT_EQ(names, (std::vector<std::string>{"lr", "param.0.exp_avg", "param.0.exp_avg_sq", "param.0.step",
                                             "param.1.step", "step"}));
  EXPECT_EQ(s["step"].item(), 1);
  EXPECT_EQ(s["param.1.step"].item(), 0);
  EXPECT_EQ(s["param.0.exp_avg"].shape(), (Shape{3}));
  EXPECT_NEAR(s["param.0.exp_avg"][0], 0.1, 1e-7);  // (1 − β₁)·1
}

std::string load_error(Optimizer& opt, const StateDict& s) {
  try {
    opt.load_state_dict(s);
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

TEST(OptimizerState, MismatchesAreReportedAndChangeNothing) {
  Problem pb;
  Adam adam(pb.params());
  pb.backward_pass();
  adam.step();
  const StateDict good = adam.state_dict();

  // Adam's state into an SGD with momentum: wrong buffer names, reported all at once.
  Problem other;
  SGD sgd(other.params(), {.momentum = 0.9f});
  const std::string msg = load_error(sgd, good);
  EXPECT_NE(msg.find("SGD.load_state_dict"), std::string::npos) << msg;
  EXPECT_NE(msg.find("missing: param.0.momentum_buffer, param.1.momentum_buffer"), std::string::npos) << msg;
  EXPECT_NE(msg.find("unexpected: param.0.exp_avg"), std::string::npos) << msg;
  EXPECT_EQ(sgd.step_count(), 0);

  Adam fresh(other.params());
  StateDict s = good;
  s["param.1.exp_avg"] = Tensor::zeros({4});
  EXPECT_NE(load_error(fresh, s).find("wrong shape: param.1.exp_avg [4] (expected [2, 2])"), std::string::npos);
  s = good;
  s["step"] = Tensor::scalar(2.5f);
  EXPECT_NE(load_error(fresh, s).find("bad value: step"), std::string::npos);
  s = good;
  s.erase("lr");
  EXPECT_NE(load_error(fresh, s).find("missing: lr"), std::string::npos);
  s = good;
  s["param.7.step"] = Tensor::scalar(0);
  EXPECT_NE(load_error(fresh, s).find("unexpected: param.7.step"), std::string::npos);
  EXPECT_EQ(fresh.step_count(), 0);
  EXPECT_TRUE(fresh.state_dict().size() == 4u);  // still no buffers

  // A different number of parameters is caught too.
  Adam one({other.w});
  EXPECT_NE(load_error(one, good).find("unexpected: param.1.exp_avg"), std::string::npos);
  EXPECT_NO_THROW(fresh.load_state_dict(good));
  EXPECT_EQ(fresh.step_count(), 1);
}

}  // namespace
}  // namespace atn
