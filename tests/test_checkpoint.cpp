// A run interrupted and resumed from a checkpoint (model, optimizer, Rng) ends with the same
// parameters, bit for bit, as a run that never stopped.
#include <gtest/gtest.h>

#include <cstdio>
#include <cstring>

#include "autograd/ops_basic.h"
#include "autograd/ops_dropout.h"
#include "autograd/ops_math.h"
#include "nn/linear.h"
#include "optim/adam.h"
#include "optim/checkpoint.h"
#include "optim/schedule.h"
#include "optim/sgd.h"

namespace atn {
namespace {

struct Mlp : Module {
  Linear fc1, fc2;
  explicit Mlp(Rng& rng) : fc1(3, 8, rng), fc2(8, 1, rng) {
    register_module("fc1", fc1);
    register_module("fc2", fc2);
  }
  Var forward(const Var& x, Rng& rng) { return fc2(dropout(tanh(fc1(x)), 0.2f, rng, training())); }
};

// One step of a small regression with dropout, so the Rng matters too.
void train_step(Mlp& m, AdamW& opt, const Schedule& sched, Rng& rng, int step) {
  Rng data(1000 + uint64_t(step));
  Tensor x = Tensor::randn({16, 3}, data);
  Tensor y = Tensor::randn({16, 1}, data);
  sched.apply(opt);
  Var loss = mean(square(m.forward(Var(x), rng) - Var(y)));
  backward(loss);
  opt.step();
  opt.zero_grad();
}

bool same_bits(const Tensor& a, const Tensor& b) {
  return a.shape() == b.shape() && std::memcmp(a.data(), b.data(), size_t(a.numel()) * sizeof(real)) == 0;
}

TEST(Checkpoint, ResumedRunEqualsUninterruptedRun) {
  const WarmupCosine sched(1e-2f, 3, 10);
  Rng init_a(7), run_a(8);
  Mlp a(init_a);
  AdamW opt_a(a.parameters(), {.lr = 1e-2f});
  for (int s = 0; s < 10; ++s) train_step(a, opt_a, sched, run_a, s);

  const std::string path = ::testing::TempDir() + "atn_checkpoint.safetensors";
  {
    Rng init_b(7), run_b(8);
    Mlp b(init_b);
    AdamW opt_b(b.parameters(), {.lr = 1e-2f});
    for (int s = 0; s < 5; ++s) train_step(b, opt_b, sched, run_b, s);
    save_checkpoint(path, b, opt_b, &run_b, {{"step", "5"}});
  }
  Rng other_init(99), run_c(12345);  // different starting point: everything must come from the file
  Mlp c(other_init);
  AdamW opt_c(c.parameters(), {.lr = 1e-2f});
  auto meta = load_checkpoint(path, c, opt_c, &run_c);
  EXPECT_EQ(meta.at("step"), "5");
  for (int s = 5; s < 10; ++s) train_step(c, opt_c, sched, run_c, s);

  auto pa = a.state_dict(), pc = c.state_dict();
  for (auto& [name, t] : pa) EXPECT_TRUE(same_bits(t, pc.at(name))) << name;
  std::remove(path.c_str());
}

TEST(Checkpoint, MismatchIsReportedAndNothingChanges) {
  Rng rng(1);
  Mlp m(rng);
  AdamW adam(m.parameters(), {.lr = 1e-2f});
  const std::string path = ::testing::TempDir() + "atn_checkpoint_mismatch.safetensors";
  // Train one step so the optimizer has buffers, then save.
  train_step(m, adam, ConstantSchedule(1e-2f), rng, 0);
  save_checkpoint(path, m, adam, &rng);

  // Same model, different optimizer: the model must not be half loaded.
  Rng rng2(2);
  Mlp fresh(rng2);
  const Tensor before = fresh.fc1.weight.value().clone();
  SGD sgd(fresh.parameters(), {.lr = 0.1f, .momentum = 0.9f});
  try {
    load_checkpoint(path, fresh, sgd);
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(path), std::string::npos) << e.what();
  }
  EXPECT_TRUE(same_bits(before, fresh.fc1.weight.value()));

  // Asking for an Rng state the file does not hold.
  save_checkpoint(path, m, adam);
  AdamW adam2(fresh.parameters(), {.lr = 1e-2f});
  EXPECT_THROW(load_checkpoint(path, fresh, adam2, &rng2), Error);
  EXPECT_TRUE(same_bits(before, fresh.fc1.weight.value()));
  std::remove(path.c_str());
  EXPECT_THROW(load_checkpoint(path, fresh, adam2), Error);  // missing file
}

}  // namespace
}  // namespace atn
