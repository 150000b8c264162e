// Training with each batch in parts side by side: the Trainer's train_backward hook, and
// `atencion train --parts` (models/batch_parts.h) giving the same weights on 1 and 2 threads
// for every model kind it accepts, and one-line errors for what it refuses.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "autograd/ops_basic.h"
#include "autograd/ops_math.h"
#include "autograd/tape.h"
#include "nn/linear.h"
#include "tensor/json.h"
#include "tensor/safetensors.h"
#include "tests/cli_test_util.h"
#include "train/checkpoint_dir.h"
#include "train/cli_text.h"
#include "train/trainer.h"

namespace atn {
namespace {

using testing_util::atencion;
using testing_util::CliRun;
using testing_util::expect_usage_error;

struct Line : Module {
  Linear fc;
  explicit Line(Rng& rng) : fc(4, 1, rng) { register_module("fc", fc); }
};

// The mean squared error of fc on a batch of 6 rows drawn from the Rng.
Var batch_loss(Line& m, Rng& rng) {
  const Tensor x = Tensor::randn({6, 4}, rng), y = Tensor::randn({6, 1}, rng);
  return mean(square(m.fc(Var(x)) - Var(y)));
}

TrainConfig quiet(TrainConfig c) {
  c.progress = ProgressStyle::none;
  return c;
}

TEST(TrainParts, TrainBackwardStandsInForTrainLossAndBackward) {
  Rng init_a(2), init_b(2);
  Line a(init_a), b(init_b);
  const TrainConfig cfg = quiet({.iters = 4, .grad_accum = 2, .warmup = 1, .eval_interval = 0});
  Trainer ta(a, {.train_loss = [&](Rng& rng) { return batch_loss(a, rng); }}, cfg);
  std::vector<real> scales;
  TrainFunctions fb{.train_loss = [&](Rng& rng) { return batch_loss(b, rng); },
                    .train_backward =
                        [&](Rng& rng, real scale) {
                          scales.push_back(scale);
                          const Var loss = batch_loss(b, rng);
                          backward(mul(loss, scale));  // what the trainer does with train_loss
                          return loss.item();
                        }};
  Trainer tb(b, fb, cfg);
  for (int s = 0; s < 4; ++s) EXPECT_EQ(ta.train_step().train_loss, tb.train_step().train_loss);
  EXPECT_EQ(scales, std::vector<real>(8, 0.5f));
  EXPECT_EQ(std::memcmp(a.fc.weight.value().data(), b.fc.weight.value().data(), 4 * sizeof(real)), 0);
}

TEST(TrainParts, ANonFiniteLossFromTrainBackwardStopsNamingTheStep) {
  Rng init(2);
  Line m(init);
  int calls = 0;
  Trainer t(m,
            {.train_loss = [&](Rng& rng) { return batch_loss(m, rng); },
             .train_backward =
                 [&](Rng& rng, real scale) {
                   const Var loss = batch_loss(m, rng);
                   backward(mul(loss, scale));
                   return ++calls == 3 ? real(NAN) : loss.item();
                 }},
            quiet({.iters = 5, .warmup = 1, .eval_interval = 0}));
  const Tensor before = m.fc.weight.value().clone();
  try {
    t.run();
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("at step 3"), std::string::npos) << e.what();
  }
  EXPECT_EQ(t.step(), 2);
  EXPECT_NE(std::memcmp(before.data(), m.fc.weight.value().data(), 4 * sizeof(real)), 0);  // two steps applied
}

std::string temp(const std::string& name) { return testing_util::fresh_temp_path("atn_parts_", name); }

std::vector<std::string> tiny(const std::string& data, const std::string& out, const std::vector<std::string>& more) {
  std::vector<std::string> args = {"train", "--data",          data, "--layers",     "2", "--heads", "4", "--d-model",
                                   "32",    "--block",         "16", "--batch",      "5", "--iters", "6", "--warmup",
                                   "2",     "--eval-interval", "0",  "--eval-iters", "1", "--out",   out};
  args.insert(args.end(), more.begin(), more.end());
  return args;
}

std::string weights_of(const std::string& dir) {
  std::ifstream in(checkpoint_weights_path(dir), std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

TEST(TrainParts, SameWeightsOnOneAndTwoThreadsForEveryModelKind) {
  const std::string data = temp("text.txt");
  std::string text;
  for (int i = 0; i < 120; ++i) text += i % 3 ? "la gata mira el mar. " : "el perro come pan. ";
  std::ofstream(data) << text;
  const std::vector<std::vector<std::string>> kinds = {
      {"--model", "gpt"}, {"--model", "gpt", "--dropout", "0.1"}, {"--model", "adaptive-span"}, {"--model", "dat"}};
  for (const auto& kind : kinds) {
    std::vector<std::string> weights;
    for (const char* threads : {"1", "2"}) {
      const std::string out = temp(std::string("run") + threads);
      std::vector<std::string> more = kind;
      more.insert(more.end(), {"--threads", threads});  // --parts: 2 by default
      const CliRun r = atencion(tiny(data, out, more));
      ASSERT_EQ(r.status, 0) << r.err;
      EXPECT_NE(r.out.find("batch 5 in 2 parts"), std::string::npos) << r.out;
      weights.push_back(weights_of(out));
      std::filesystem::remove_all(out);
    }
    EXPECT_FALSE(weights[0].empty());
    EXPECT_TRUE(weights[0] == weights[1]) << kind[1] << (kind.size() > 2 ? " with dropout" : "");
  }
  std::filesystem::remove(data);
}

TEST(TrainParts, BadPartsAreOneLineWithStatus2) {
  expect_usage_error(atencion({"train", "--batch", "4", "--parts", "5"}), "--parts 5 is more than --batch 4");
  expect_usage_error(atencion({"train", "--parts", "0"}), "--parts must be between 1");
  expect_usage_error(atencion({"train", "--model", "natural", "--parts", "2"}),
                     "--parts must be 1 for --model natural");
}

TEST(TrainParts, ACheckpointWithoutPartsWasTrainedWhole) {
  const std::string where = "ckpt.json";
  const auto run = [&](const std::string& extra) {
    return run_data_from_json(parse_json(R"({"data": "", "tokenizer": "char", "bpe_merges": 0, "batch": 4,)" + extra +
                                         R"( "val_fraction": 0.1})"),
                              where);
  };
  EXPECT_EQ(run("").parts, 1);
  EXPECT_EQ(run(R"( "parts": 3,)").parts, 3);
  EXPECT_THROW(run(R"( "parts": 0,)"), Error);
  EXPECT_THROW(run(R"( "parts": 5,)"), Error);  // more than the batch
  RunData r;
  r.batch = 6;
  r.parts = 2;
  EXPECT_EQ(run_data_from_json(parse_json(run_data_json(r)), where).parts, 2);
}

}  // namespace
}  // namespace atn
