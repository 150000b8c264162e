// The training loop (train/trainer.h) on a small MLP regression: it learns, resumes bit for bit,
// stops on Ctrl-C and on NaN, and accumulates gradients like one big batch.
#include <gtest/gtest.h>

#include <cmath>
#include <csignal>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "autograd/ops_basic.h"
#include "autograd/ops_dropout.h"
#include "autograd/ops_math.h"
#include "nn/linear.h"
#include "optim/sgd.h"
#include "train/checkpoint_dir.h"
#include "train/param_groups.h"
#include "train/stop_signal.h"
#include "train/trainer.h"

namespace atn {
namespace {

namespace fs = std::filesystem;

struct Mlp : Module {
  Linear fc1, fc2;
  real p_drop;
  explicit Mlp(Rng& rng, real p = 0) : fc1(3, 16, rng), fc2(16, 1, rng), p_drop(p) {
    register_module("fc1", fc1);
    register_module("fc2", fc2);
  }
  Var forward(const Var& x, Rng& rng) { return fc2(dropout(tanh(fc1(x)), p_drop, rng, training())); }
};

// y = sin(x0) + x1·x2 on 64 fixed points; a batch is `batch` rows drawn one after another with
// rng.below, so two batches of B/2 are exactly the rows of one batch of B.
struct Regression {
  Tensor x, y;
  int64_t batch;
  explicit Regression(int64_t b) : batch(b) {
    Rng data(123);
    x = Tensor::randn({64, 3}, data);
    y = Tensor({64, 1});
    for (int64_t i = 0; i < 64; ++i) y[i] = std::sin(x[3 * i]) + x[3 * i + 1] * x[3 * i + 2];
  }
  Var loss(Mlp& m, Rng& rng) const {
    Tensor xb({batch, 3}), yb({batch, 1});
    for (int64_t r = 0; r < batch; ++r) {
      const int64_t i = int64_t(rng.below(64));
      for (int64_t c = 0; c < 3; ++c) xb[3 * r + c] = x[3 * i + c];
      yb[r] = y[i];
    }
    return mean(square(m.forward(Var(xb), rng) - Var(yb)));
  }
};

TrainFunctions functions(Mlp& m, const Regression& data) {
  return {.train_loss = [&m, &data](Rng& rng) { return data.loss(m, rng); },
          .val_loss = [&m, &data](Rng& rng) { return data.loss(m, rng); }};
}

std::string temp_dir(const std::string& name) {
  const std::string dir = ::testing::TempDir() + "atn_trainer_" + name;
  fs::remove_all(dir);
  return dir;
}

bool same_bits(const Tensor& a, const Tensor& b) {
  return a.shape() == b.shape() && std::memcmp(a.data(), b.data(), size_t(a.numel()) * sizeof(real)) == 0;
}

TrainConfig quiet(TrainConfig c) {
  c.progress = ProgressStyle::none;
  return c;
}

TEST(Trainer, RegressionLossFalls) {
  Rng init(1);
  Mlp m(init);
  Regression data(16);
  Trainer t(m, functions(m, data), quiet({.iters = 300, .lr = 3e-2f, .warmup = 10, .eval_interval = 0, .eval_iters = 8}));
  const EvalResult before = t.evaluate();
  const TrainResult r = t.run();
  EXPECT_EQ(r.step, 300);
  EXPECT_FALSE(r.interrupted);
  EXPECT_LT(r.last_eval.val_loss, 0.25f * before.val_loss);
  ASSERT_EQ(t.history().size(), 300u);
  EXPECT_EQ(t.history().back().step, 300);
  EXPECT_GE(t.history().back().val_loss, 0);  // evaluated at the end
  EXPECT_LT(t.history()[10].val_loss, 0);     // and not in between (eval_interval 0)
  // The schedule: warmup to lr at step 10, cosine down to lr/10 at the end.
  EXPECT_FLOAT_EQ(t.history()[9].lr, 3e-2f);
  EXPECT_FLOAT_EQ(t.history().back().lr, 3e-3f);
  EXPECT_TRUE(m.training());  // evaluate() restores the mode
}

// N steps straight == N/2, stop (a real SIGINT through the handler), save, load into fresh
// objects, N/2 more. Dropout draws from the run's Rng, so the Rng must be resumed too, and the
// interrupted run evaluates every 2 steps while the straight one does not: evaluating must not
// change the run.
TEST(Trainer, ResumeAfterCtrlCIsBitIdentical) {
  const int64_t n = 10;
  Regression data(8);
  const TrainConfig cfg = quiet({.iters = n, .lr = 1e-2f, .warmup = 3, .eval_interval = 0, .eval_iters = 2});
  Rng init_a(5);
  Mlp a(init_a, 0.2f);
  Trainer ta(a, functions(a, data), cfg);
  ta.run();

  const std::string dir = temp_dir("resume");
  {
    Rng init_b(5);
    Mlp b(init_b, 0.2f);
    TrainFunctions fns = functions(b, data);
    fns.after_step = [](const MetricRow& row) {
      if (row.step == n / 2) std::raise(SIGINT);  // the handler only sets the flag
    };
    TrainConfig cb = cfg;
    cb.out_dir = dir;
    cb.eval_interval = 2;
    Trainer tb(b, fns, cb);
    const TrainResult r = tb.run();
    EXPECT_TRUE(r.interrupted);
    EXPECT_EQ(r.step, n / 2);
    EXPECT_FALSE(stop_requested());
  }
  Rng init_c(999);  // a different start: everything must come from the checkpoint
  Mlp c(init_c, 0.2f);
  TrainConfig cc = cfg;
  cc.seed = 1;  // the Rng's state comes from the file, not from the seed
  Trainer tc(c, functions(c, data), cc);
  tc.resume(dir);
  EXPECT_EQ(tc.step(), n / 2);
  ASSERT_EQ(tc.history().size(), size_t(n / 2));
  EXPECT_GE(tc.history()[1].val_loss, 0);  // step 2 was evaluated and read back from metrics.csv
  tc.run();
  EXPECT_EQ(tc.step(), n);
  for (auto& [name, t] : a.state_dict()) EXPECT_TRUE(same_bits(t, c.state_dict().at(name))) << name;
  for (int64_t s = 0; s < n; ++s) EXPECT_EQ(ta.history()[size_t(s)].train_loss, tc.history()[size_t(s)].train_loss);
  fs::remove_all(dir);
}

TEST(Trainer, RequestStopSavesAndReturns) {
  Rng init(2);
  Mlp m(init);
  Regression data(4);
  const std::string dir = temp_dir("stop");
  TrainFunctions fns = functions(m, data);
  fns.after_step = [](const MetricRow& row) {
    if (row.step == 3) request_stop();
  };
  std::ostringstream log;
  Trainer t(m, fns, {.iters = 20, .warmup = 2, .eval_interval = 0, .eval_iters = 1, .out_dir = dir,
                     .progress = ProgressStyle::lines, .log = &log});
  const TrainResult r = t.run();
  EXPECT_TRUE(r.interrupted);
  EXPECT_EQ(r.step, 3);
  EXPECT_NE(log.str().find("interrupted at step 3"), std::string::npos) << log.str();
  EXPECT_EQ(read_checkpoint_json(dir).step, 3);
  // stop_after does the same at a chosen step (a run trained in slices).
  Trainer t2(m, functions(m, data), {.iters = 20, .stop_after = 4, .warmup = 2, .eval_interval = 0, .eval_iters = 1,
                                     .out_dir = dir, .progress = ProgressStyle::lines, .log = &log});
  const TrainResult r2 = t2.run();
  EXPECT_TRUE(r2.interrupted);
  EXPECT_EQ(r2.step, 4);
  EXPECT_NE(log.str().find("stopped at step 4"), std::string::npos) << log.str();
  EXPECT_EQ(read_checkpoint_json(dir).step, 4);
  fs::remove_all(dir);
}

TEST(Trainer, NonFiniteLossStopsNamingTheStep) {
  for (real bad : {real(NAN), real(INFINITY)}) {
    Rng init(3);
    Mlp m(init);
    Regression data(4);
    int64_t calls = 0;
    TrainFunctions fns{.train_loss = [&](Rng& rng) {
      Var loss = data.loss(m, rng);
      return ++calls == 4 ? loss * Var(Tensor::scalar(bad)) : loss;
    }};
    Trainer t(m, fns, quiet({.iters = 10, .warmup = 1, .eval_interval = 0}));
    const Tensor before = m.fc1.weight.value().clone();
    try {
      t.run();
      ADD_FAILURE() << "no error for " << bad;
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find("at step 4"), std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find(std::isnan(bad) ? "nan" : "inf"), std::string::npos) << e.what();
    }
    EXPECT_EQ(t.step(), 3);  // the bad step was not applied
    EXPECT_EQ(Tape::current().size(), 0u);
    EXPECT_FALSE(same_bits(before, m.fc1.weight.value()));  // the three good steps were
  }
}

// Two micro-batches of B/2 give the update of one batch of B (the rows are the same: both
// draw them one after another from the same Rng), within float rounding.
TEST(Trainer, GradientAccumulationMatchesOneBigBatch) {
  Regression big(8), half(4);
  Rng init_a(4), init_b(4);
  Mlp a(init_a), b(init_b);
  const TrainConfig cfg = quiet({.iters = 3, .lr = 1e-2f, .warmup = 1, .grad_clip = 0.5f, .eval_interval = 0});
  Trainer ta(a, functions(a, big), cfg);
  TrainConfig cb = cfg;
  cb.grad_accum = 2;
  Trainer tb(b, functions(b, half), cb);
  for (int s = 0; s < 3; ++s) {
    const MetricRow ra = ta.train_step(), rb = tb.train_step();
    EXPECT_NEAR(ra.train_loss, rb.train_loss, 1e-5f * std::abs(ra.train_loss));
    EXPECT_NEAR(ra.grad_norm, rb.grad_norm, 1e-5f * ra.grad_norm);
  }
  for (auto& [name, t] : a.state_dict()) {
    const Tensor u = b.state_dict().at(name);  // a handle: the map is a temporary
    for (int64_t i = 0; i < t.numel(); ++i) EXPECT_NEAR(t[i], u[i], 1e-5f) << name << "[" << i << "]";
  }
}

TEST(Trainer, WritesCheckpointFolder) {
  Rng init(6);
  Mlp m(init);
  Regression data(4);
  const std::string dir = temp_dir("files");
  Trainer t(m, functions(m, data), quiet({.iters = 6, .warmup = 2, .eval_interval = 3, .eval_iters = 2, .out_dir = dir, .seed = 42}));
  t.set_checkpoint_info("model", R"({"kind": "mlp", "hidden": 16})");
  EXPECT_THROW(t.set_checkpoint_info("tokenizer", "{not json"), Error);
  EXPECT_THROW(t.set_checkpoint_info("step", "3"), Error);
  t.run();
  const CheckpointJson info = read_checkpoint_json(dir);
  EXPECT_EQ(info.step, 6);
  EXPECT_EQ(int_member(info.root, "seed", "x"), 42);
  EXPECT_EQ(int_member(member_of(info.root, "model", "x"), "hidden", "x"), 16);
  EXPECT_EQ(int_member(member_of(info.root, "train", "x"), "iters", "x"), 6);
  EXPECT_EQ(string_member(member_of(info.root, "train", "x"), "optimizer", "x"), "AdamW");
  const auto rows = read_metrics_csv(dir + "/metrics.csv");
  ASSERT_EQ(rows.size(), 6u);
  for (size_t i = 0; i < rows.size(); ++i) {
    EXPECT_EQ(rows[i].step, int64_t(i) + 1);
    EXPECT_EQ(rows[i].train_loss, t.history()[i].train_loss);  // exact round trip
    EXPECT_EQ(rows[i].val_loss >= 0, i == 2 || i == 5);
  }
  std::ifstream svg(dir + "/loss.svg");
  std::string text((std::istreambuf_iterator<char>(svg)), std::istreambuf_iterator<char>());
  EXPECT_NE(text.find("class=\"series\""), std::string::npos);
  EXPECT_TRUE(fs::exists(dir + "/ckpt.safetensors"));
  fs::remove_all(dir);
}

TEST(Trainer, ResumeChecksTheFolder) {
  Rng init(7);
  Mlp m(init);
  Regression data(4);
  Trainer t(m, functions(m, data), quiet({.iters = 4, .warmup = 1, .eval_interval = 0, .eval_iters = 1}));
  const std::string dir = temp_dir("bad");
  try {
    t.resume(dir);
    ADD_FAILURE();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("ckpt.json"), std::string::npos) << e.what();
  }
  t.train_step();
  t.save(dir);
  t.train_step();
  write_checkpoint_json(dir, 2, {});  // the JSON of a later save than the weights
  EXPECT_THROW(t.resume(dir), Error);
  std::ofstream(dir + "/ckpt.json") << "{\"format\": \"atencion-checkpoint-1\", \"step\": ";
  EXPECT_THROW(t.resume(dir), Error);
  fs::remove_all(dir);
}

TEST(Trainer, RejectsBadConfig) {
  Rng init(8);
  Mlp m(init);
  Regression data(4);
  auto make = [&](TrainConfig c) { Trainer t(m, functions(m, data), quiet(c)); };
  EXPECT_THROW(make({.grad_accum = 0}), Error);
  EXPECT_THROW(make({.lr = -1}), Error);
  EXPECT_THROW(make({.iters = 10, .warmup = 20}), Error);
  EXPECT_THROW(make({.eval_iters = 0}), Error);
  EXPECT_THROW(make({.grad_clip = real(NAN)}), Error);
  EXPECT_THROW(Trainer(m, TrainFunctions{}, {}), Error);
}

TEST(Trainer, ProgressLinesAndBar) {
  Rng init(9);
  Mlp m(init);
  Regression data(4);
  std::ostringstream lines, bar;
  Trainer tl(m, functions(m, data), {.iters = 20, .warmup = 2, .eval_interval = 10, .eval_iters = 1,
                                     .log_interval = 5, .progress = ProgressStyle::lines, .log = &lines,
                                     .tokens_per_batch = 4});
  tl.run();
  EXPECT_NE(lines.str().find("step 5/20"), std::string::npos) << lines.str();
  EXPECT_EQ(lines.str().find("step 6/20"), std::string::npos) << lines.str();
  EXPECT_NE(lines.str().find("step 10: train loss"), std::string::npos) << lines.str();
  EXPECT_NE(lines.str().find("val loss"), std::string::npos);
  EXPECT_NE(lines.str().find("tok/s"), std::string::npos);
  EXPECT_EQ(lines.str().find('\r'), std::string::npos);
  Trainer tb(m, functions(m, data), {.iters = 3, .warmup = 1, .eval_interval = 0, .eval_iters = 1,
                                     .progress = ProgressStyle::bar, .log = &bar});
  tb.run();
  EXPECT_NE(bar.str().find("\r["), std::string::npos);
  EXPECT_NE(bar.str().find("3/3"), std::string::npos);
  EXPECT_NE(bar.str().find("ETA"), std::string::npos);
  EXPECT_EQ(format_duration(125), "2m05s");
  EXPECT_EQ(format_duration(3725), "1h02m");
}

TEST(ParamGroups, DecayOnMatricesOnly) {
  Rng init(10);
  Mlp m(init);
  auto opt = make_adamw_decay_matrices(m.named_parameters(), {.lr = 0.1f, .weight_decay = 0.5f});
  const Tensor w = m.fc1.weight.value().clone(), b = m.fc1.bias.value().clone();
  // Zero gradients: Adam's own step is 0/(0 + eps) = 0, so only the decay moves a parameter.
  for (Var p : m.parameters()) p.grad() = Tensor::zeros_like(p.value());
  opt->step();
  for (int64_t i = 0; i < w.numel(); ++i) EXPECT_FLOAT_EQ(m.fc1.weight.value()[i], w[i] * (1 - 0.1f * 0.5f));
  EXPECT_TRUE(same_bits(m.fc1.bias.value(), b));
}

TEST(ParamGroups, StateRoundTripAndMismatch) {
  Rng init(11);
  Mlp m(init);
  Regression data(4);
  auto opt = make_adamw_decay_matrices(m.named_parameters(), {.lr = 0.01f});
  Rng rng(1);
  backward(data.loss(m, rng));
  opt->set_lr(0.005f);
  opt->step();
  const StateDict state = opt->state_dict();
  EXPECT_EQ(state.at("step").item(), 1);
  EXPECT_TRUE(state.count("group0.param.0.exp_avg"));
  EXPECT_TRUE(state.count("group1.param.0.exp_avg_sq"));
  Rng init2(11);
  Mlp m2(init2);
  auto opt2 = make_adamw_decay_matrices(m2.named_parameters(), {.lr = 0.01f});
  opt2->load_state_dict(state);
  EXPECT_EQ(opt2->step_count(), 1);
  EXPECT_FLOAT_EQ(opt2->lr(), 0.005f);
  for (auto& [k, t] : opt2->state_dict()) EXPECT_TRUE(same_bits(t, state.at(k))) << k;
  StateDict bad = state;
  bad["group7.param.0.step"] = Tensor::scalar(1);
  EXPECT_THROW(opt2->load_state_dict(bad), Error);
  bad = state;
  bad.erase("group1.param.0.exp_avg");
  EXPECT_THROW(opt2->load_state_dict(bad), Error);
  for (auto& [k, t] : opt2->state_dict()) EXPECT_TRUE(same_bits(t, state.at(k))) << k;  // unchanged
  std::vector<std::unique_ptr<Optimizer>> none;
  EXPECT_THROW(GroupedOptimizer(std::move(none)), Error);
}

TEST(Metrics, CsvRejectsGarbage) {
  const std::string path = ::testing::TempDir() + "atn_metrics_bad.csv";
  std::ofstream(path) << "step,loss\n1,2\n";
  EXPECT_THROW(read_metrics_csv(path), Error);
  std::ofstream(path) << "step,train_loss,val_loss,lr,grad_norm,tokens_per_s\n1,abc,,0.1,1,0\n";
  EXPECT_THROW(read_metrics_csv(path), Error);
  EXPECT_THROW(read_metrics_csv(path + ".missing"), Error);
  fs::remove(path);
}

}  // namespace
}  // namespace atn
