// The `atencion` command, called as a library (train/cli.h): every subcommand end to end on a
// tiny GPT, and the one-line errors with status 2 for bad flags and bad files.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "tensor/safetensors.h"
#include "train/checkpoint_dir.h"
#include "tests/cli_test_util.h"
#include "train/cli.h"
#include "train/cli_args.h"
#include "train/cli_text.h"
#include "train/metrics.h"

namespace atn {
namespace {

namespace fs = std::filesystem;
using testing_util::atencion;
using testing_util::CliRun;
using testing_util::expect_usage_error;

std::string temp(const std::string& name) { return testing_util::fresh_temp_path("atn_cli_", name); }

// A small text: a few Spanish sentences repeated with variations (about 6 kB).
std::string write_text(const std::string& path) {
  std::string text;
  const char* words[] = {"el perro", "la niña", "el gato", "mi abuela", "un pájaro"};
  const char* verbs[] = {"come", "mira", "busca", "canta con"};
  for (int i = 0; i < 160; ++i) text += std::string(words[i % 5]) + " " + verbs[i % 4] + " " + words[(i / 5) % 5] + ". ";
  std::ofstream(path) << text;
  return text;
}

// nanoGPT's settings for the test: 2 layers, 4 heads, d 64, block 32 (the fixture's shapes).
std::vector<std::string> tiny(const std::string& data, const std::string& out, int iters, const std::string& warmup = "2") {
  return {"train", "--data", data, "--layers", "2", "--heads", "4", "--d-model", "64", "--block", "32",
          "--batch", "4", "--iters", std::to_string(iters), "--warmup", warmup, "--eval-interval", "5",
          "--eval-iters", "2", "--out", out, "--threads", "1"};
}

std::vector<std::string> with(std::vector<std::string> args, const std::vector<std::string>& more) {
  args.insert(args.end(), more.begin(), more.end());
  return args;
}

bool same_bits(const Tensor& a, const Tensor& b) {
  return a.shape() == b.shape() && std::memcmp(a.data(), b.data(), size_t(a.numel()) * sizeof(real)) == 0;
}

TEST(Cli, HelpForEveryCommand) {
  const CliRun top = atencion({"--help"});
  EXPECT_EQ(top.status, 0);
  for (const std::string cmd : {"train", "sample", "eval", "inspect", "export"}) {
    EXPECT_NE(top.out.find("  " + cmd + " "), std::string::npos) << cmd;
    const CliRun r = atencion({cmd, "--help"});
    EXPECT_EQ(r.status, 0) << cmd;
    EXPECT_NE(r.out.find("usage: atencion " + cmd), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("--"), std::string::npos);
  }
  EXPECT_NE(atencion({"train", "--help"}).out.find("--grad-accum N"), std::string::npos);
  EXPECT_EQ(atencion({}).status, 2);
}

TEST(Cli, BadFlagsAreOneLineWithStatus2) {
  expect_usage_error(atencion({"fly"}), "unknown command 'fly'");
  expect_usage_error(atencion({"train", "--layer", "4"}), "unknown flag --layer");
  expect_usage_error(atencion({"train", "--layers"}), "--layers needs a value");
  expect_usage_error(atencion({"train", "--layers", "cuatro"}), "--layers expects a whole number, got 'cuatro'");
  expect_usage_error(atencion({"train", "--layers", "0"}), "--layers must be between 1");
  expect_usage_error(atencion({"train", "--lr", "1e-3x"}), "--lr expects a number");
  expect_usage_error(atencion({"train", "--lr", "nan"}), "--lr expects a number");
  expect_usage_error(atencion({"train", "--tokenizer", "letters"}), "--tokenizer must be char|bpe|word");
  expect_usage_error(atencion({"train", "--heads", "3"}), "--heads 3 does not divide --d-model 128");
  expect_usage_error(atencion({"train", "--iters", "10", "--warmup", "20"}), "--warmup 20 is longer than --iters 10");
  expect_usage_error(atencion({"train", "--seed", "1", "--seed", "2"}), "--seed given twice");
  expect_usage_error(atencion({"train", "extra"}), "unexpected argument 'extra'");
  expect_usage_error(atencion({"sample", "--prompt", "hola"}), "--ckpt is required");
  expect_usage_error(atencion({"export", "--ckpt", "x"}), "--out is required");
  expect_usage_error(atencion({"sample", "--no-kv-cache=1"}), "--no-kv-cache takes no value");
  expect_usage_error(atencion({"sample", "--ckpt", "d", "--top-p", "2"}), "--top-p must be");
}

TEST(Cli, MissingAndMalformedFiles) {
  const std::string dir = temp("files");
  fs::create_directories(dir);
  expect_usage_error(atencion({"train", "--data", dir + "/none.txt"}), "none.txt");
  expect_usage_error(atencion({"sample", "--ckpt", dir + "/none"}), "none");
  expect_usage_error(atencion({"eval", "--ckpt", dir}), "ckpt.json");  // a folder without a checkpoint
  expect_usage_error(atencion({"inspect", "--ckpt", dir + "/none.safetensors"}), "does not exist");
  std::ofstream(dir + "/bad.safetensors") << "not a safetensors file";
  expect_usage_error(atencion({"inspect", "--ckpt", dir + "/bad.safetensors"}), "bad.safetensors");
  std::ofstream(dir + "/ckpt.json") << "{\"format\": \"atencion-checkpoint-1\", \"step\": 3,";
  expect_usage_error(atencion({"sample", "--ckpt", dir}), "ckpt.json");
  std::ofstream(dir + "/ckpt.json") << "{\"format\": \"atencion-checkpoint-1\", \"step\": 3}";
  expect_usage_error(atencion({"sample", "--ckpt", dir}), "missing \"model\"");
  std::ofstream(dir + "/bad.txt", std::ios::binary) << "hola \xff mundo";
  expect_usage_error(atencion({"train", "--data", dir + "/bad.txt"}), "bad.txt");
  std::ofstream(dir + "/short.txt") << "hola";
  expect_usage_error(atencion({"train", "--data", dir + "/short.txt"}), "too short for --block 64");
  fs::remove_all(dir);
}

// train → sample → eval → inspect → export → train --init, on a tiny model (a few seconds).
TEST(Cli, TrainSampleEvalInspectExport) {
  const std::string dir = temp("run"), data = dir + ".txt";
  const std::string text = write_text(data);
  const CliRun train = atencion(tiny(data, dir, 10));
  ASSERT_EQ(train.status, 0) << train.err;
  EXPECT_NE(train.out.find("step 10: train loss"), std::string::npos) << train.out;
  EXPECT_NE(train.out.find("done: step 10"), std::string::npos) << train.out;
  for (const char* f : {"ckpt.json", "ckpt.safetensors", "metrics.csv", "loss.svg"}) EXPECT_TRUE(fs::exists(dir + "/" + f)) << f;
  EXPECT_EQ(read_metrics_csv(dir + "/metrics.csv").size(), 10u);

  const CliRun sample = atencion({"sample", "--ckpt", dir, "--prompt", "el perro", "--tokens", "30", "--seed", "3"});
  ASSERT_EQ(sample.status, 0) << sample.err;
  EXPECT_EQ(sample.out.rfind("el perro", 0), 0u) << sample.out;
  EXPECT_EQ(count_code_points(sample.out), 8 + 30 + 1);  // char tokenizer: one token per character, then "\n"
  EXPECT_EQ(sample.out, atencion({"sample", "--ckpt", dir, "--prompt", "el perro", "--tokens", "30", "--seed", "3",
                                  "--no-kv-cache"}).out);
  expect_usage_error(atencion({"sample", "--ckpt", dir, "--prompt", "xyzw"}), "prompt");  // 'x' is not in the vocabulary

  const CliRun eval = atencion({"eval", "--ckpt", dir, "--data", data});
  ASSERT_EQ(eval.status, 0) << eval.err;
  double loss = 0, ppl = 0, bpc = 0;
  ASSERT_EQ(std::sscanf(eval.out.substr(eval.out.find("loss:")).c_str(), "loss: %lf", &loss), 1) << eval.out;
  ASSERT_EQ(std::sscanf(eval.out.substr(eval.out.find("perplexity:")).c_str(), "perplexity: %lf", &ppl), 1);
  ASSERT_EQ(std::sscanf(eval.out.substr(eval.out.find("bits per character:")).c_str(), "bits per character: %lf", &bpc), 1);
  EXPECT_GT(loss, 0.5);
  EXPECT_LT(loss, std::log(40.0));  // below a uniform guess over the vocabulary after 10 steps
  EXPECT_NEAR(ppl, std::exp(loss), 1e-3 * ppl);
  EXPECT_NEAR(bpc, loss / std::log(2.0), 1e-3);  // char tokenizer: a token is a character
  EXPECT_EQ(atencion({"eval", "--ckpt", dir}).status, 0);  // the run's own validation part

  const CliRun inspect = atencion({"inspect", "--ckpt", dir});
  ASSERT_EQ(inspect.status, 0) << inspect.err;
  EXPECT_NE(inspect.out.find("step 10"), std::string::npos);
  EXPECT_NE(inspect.out.find("transformer.h.1.mlp.c_fc.weight"), std::string::npos) << inspect.out;
  EXPECT_NE(inspect.out.find("tied to lm_head.weight"), std::string::npos) << inspect.out;
  EXPECT_NE(inspect.out.find("tokenizer: char"), std::string::npos);

  // export: exactly nanoGPT's names (tests/fixtures/nanogpt_names.txt has this config but V = 65).
  const std::string exported = dir + "/gpt.safetensors";
  ASSERT_EQ(atencion({"export", "--ckpt", dir, "--out", exported}).status, 0);
  const auto weights = load_safetensors_floats(exported);
  std::ifstream fixture(fs::path(__FILE__).parent_path() / "fixtures" / "nanogpt_names.txt");
  ASSERT_TRUE(fixture.good());
  std::set<std::string> expected, got;
  for (std::string line; std::getline(fixture, line);)
    if (!line.empty() && line[0] != '#') expected.insert(line.substr(0, line.find(' ')));
  for (const auto& [name, t] : weights) got.insert(name);
  EXPECT_EQ(got, expected);
  EXPECT_TRUE(same_bits(weights.at("lm_head.weight"), weights.at("transformer.wte.weight")));
  EXPECT_EQ(atencion({"inspect", "--ckpt", exported}).status, 0);

  // --init: weights from the exported file; with lr 0 one step leaves them as they were.
  const std::string dir2 = temp("init");
  const CliRun init = atencion(with(tiny(data, dir2, 1, "0"), {"--init", exported, "--lr", "0"}));
  ASSERT_EQ(init.status, 0) << init.err;
  const auto ckpt2 = load_safetensors(checkpoint_weights_path(dir2)).floats;
  for (const auto& [name, t] : weights) EXPECT_TRUE(same_bits(t, ckpt2.at("model." + name))) << name;
  std::ofstream(dir2 + "/other.safetensors", std::ios::binary) << "garbage";
  expect_usage_error(atencion(with(tiny(data, dir2, 1, "0"), {"--init", dir2 + "/other.safetensors"})), "--init");
  fs::remove_all(dir);
  fs::remove_all(dir2);
  fs::remove(data);
}

// 12 steps straight == 6 steps (--stop-after), then --resume for the rest, bit for bit; with
// dropout, so the model's own dropout Rng must come back too.
TEST(Cli, ResumeIsBitIdentical) {
  const std::string a = temp("straight"), b = temp("resumed"), data = a + ".txt";
  write_text(data);
  const std::vector<std::string> extra = {"--dropout", "0.1", "--grad-accum", "2"};
  ASSERT_EQ(atencion(with(tiny(data, a, 12), extra)).status, 0);
  const CliRun first = atencion(with(tiny(data, b, 12), with(extra, {"--stop-after", "6"})));
  ASSERT_EQ(first.status, 0) << first.err;
  EXPECT_NE(first.out.find("stopped at step 6"), std::string::npos) << first.out;
  expect_usage_error(atencion({"train", "--resume", b, "--layers", "3"}), "--layers cannot change on --resume");
  const CliRun second = atencion({"train", "--resume", b, "--data", data});
  ASSERT_EQ(second.status, 0) << second.err;
  EXPECT_NE(second.out.find("resumed from " + b + " at step 6"), std::string::npos) << second.out;
  const auto wa = load_safetensors(checkpoint_weights_path(a)).floats;
  const auto wb = load_safetensors(checkpoint_weights_path(b)).floats;
  ASSERT_EQ(wa.size(), wb.size());
  for (const auto& [name, t] : wa) EXPECT_TRUE(same_bits(t, wb.at(name))) << name;
  EXPECT_EQ(read_metrics_csv(a + "/metrics.csv").back().train_loss, read_metrics_csv(b + "/metrics.csv").back().train_loss);
  fs::remove_all(a);
  fs::remove_all(b);
  fs::remove(data);
}

TEST(CliArgs, ParsesAndChecks) {
  const std::vector<FlagSpec> specs = {{"n", "N", "a count", "1"}, {"x", "X", "a number", ""}, {"on", "", "a switch", ""}};
  const Flags f({"--n", "5", "--x=2.5", "--on"}, specs, "cmd");
  EXPECT_EQ(f.integer("n", 1, 0, 10), 5);
  EXPECT_DOUBLE_EQ(f.number("x", 0, 0, 10), 2.5);
  EXPECT_TRUE(f.has("on"));
  EXPECT_FALSE(Flags({}, specs, "cmd").has("on"));
  EXPECT_EQ(Flags({}, specs, "cmd").integer("n", 7, 0, 10), 7);
  EXPECT_TRUE(Flags({"--n", "bad", "--help"}, specs, "cmd").help());
  EXPECT_THROW(Flags({"--n", "5"}, specs, "cmd").integer("n", 1, 6, 10), UsageError);
  EXPECT_THROW(Flags({"--n", "99999999999999999999"}, specs, "cmd").integer("n", 1, 0, 10), UsageError);
  EXPECT_THROW(f.has("nope"), Error);  // a flag the command never declared is a bug in the tool
  EXPECT_NE(usage_text("cmd", "does things", specs).find("--n N"), std::string::npos);
  EXPECT_EQ(group_digits(1234567), "1 234 567");
  EXPECT_EQ(float_text(1e-3f), "0.001");
  EXPECT_EQ(std::strtof(float_text(0.1f / 3).c_str(), nullptr), 0.1f / 3);
}

}  // namespace
}  // namespace atn
