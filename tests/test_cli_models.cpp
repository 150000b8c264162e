// `atencion train --model natural | adaptive-span | dat` end to end on a tiny model: the checkpoint
// names its kind, `sample` and `eval` rebuild the right model, --resume is bit for bit (the
// attention-informed optimizer's state, the clamped spans), and the one-line errors (unknown
// kind in a checkpoint, flags of another kind, export of a non-GPT).
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "tensor/safetensors.h"
#include "train/checkpoint_dir.h"
#include "tests/cli_test_util.h"
#include "train/cli.h"
#include "train/cli_text.h"
#include "train/metrics.h"

namespace atn {
namespace {

namespace fs = std::filesystem;
using testing_util::atencion;
using testing_util::CliRun;
using testing_util::expect_usage_error;

std::string temp(const std::string& name) { return testing_util::fresh_temp_path("atn_cli_models_", name); }

void write_text(const std::string& path) {
  std::string text;
  const char* words[] = {"el perro", "la niña", "el gato", "mi abuela", "un pájaro"};
  const char* verbs[] = {"come", "mira", "busca", "canta con"};
  for (int i = 0; i < 100; ++i)
    text += std::string(words[i % 5]) + " " + verbs[i % 4] + " " + words[(i / 5) % 5] + ". ";
  std::ofstream(path) << text;
}

std::vector<std::string> tiny(const std::string& model, const std::string& data, const std::string& out, int iters) {
  std::vector<std::string> args = {"train",
                                   "--model",
                                   model,
                                   "--data",
                                   data,
                                   "--layers",
                                   "2",
                                   "--heads",
                                   "2",
                                   "--d-model",
                                   "16",
                                   "--block",
                                   "16",
                                   "--batch",
                                   "2",
                                   "--iters",
                                   std::to_string(iters),
                                   "--warmup",
                                   "1",
                                   "--eval-interval",
                                   "2",
                                   "--eval-iters",
                                   "1",
                                   "--out",
                                   out,
                                   "--threads",
                                   "1"};
  if (model == "adaptive-span") args.insert(args.end(), {"--ramp", "4", "--span-loss", "0.01", "--lr", "0.01"});
  if (model == "dat") args.insert(args.end(), {"--symbols", "relative", "--swiglu"});
  return args;
}

bool same_bits(const Tensor& a, const Tensor& b) {
  return a.shape() == b.shape() && std::memcmp(a.data(), b.data(), size_t(a.numel()) * sizeof(real)) == 0;
}

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

TEST(CliModels, EachKindTrainsSamplesAndEvaluates) {
  const std::string data = temp("text.txt");
  write_text(data);
  struct Kind {
    std::string name, banner;
  };
  for (const Kind& k :
       {Kind{"natural", "model: natural-attention GPT"}, Kind{"adaptive-span", "model: adaptive-span GPT"},
        Kind{"dat", "model: Dual Attention Transformer (1 self-attention + 1 relational heads, relative symbols, SwiGLU)"}}) {
    SCOPED_TRACE(k.name);
    const std::string dir = temp(k.name);
    const CliRun train = atencion(tiny(k.name, data, dir, 4));
    ASSERT_EQ(train.status, 0) << train.err;
    EXPECT_NE(train.out.find(k.banner), std::string::npos) << train.out;
    EXPECT_NE(train.out.find("done: step 4"), std::string::npos) << train.out;
    EXPECT_NE(read_file(checkpoint_json_path(dir)).find("\"kind\": \"" + k.name + "\""), std::string::npos);
    EXPECT_EQ(read_metrics_csv(dir + "/metrics.csv").size(), 4u);
    const auto weights = load_safetensors(checkpoint_weights_path(dir)).floats;
    if (k.name == "natural") {
      EXPECT_TRUE(weights.count("model.transformer.h.1.attn.wq.weight"));
      EXPECT_NE(read_file(checkpoint_json_path(dir)).find("AttentionInformedAdamW"), std::string::npos);
    } else if (k.name == "dat") {
      EXPECT_TRUE(weights.count("model.transformer.h.1.dual_attn.relational_attention.wr"));
      EXPECT_TRUE(weights.count("model.transformer.h.0.ff.w3.weight"));
      EXPECT_TRUE(weights.count("model.symbol_retriever.rel_symbols"));
      EXPECT_NE(read_file(checkpoint_json_path(dir)).find("\"n_ra\": 1, \"symbols\": \"relative\", \"swiglu\": true"),
                std::string::npos);
    } else {
      EXPECT_NE(train.out.find("learned spans (tokens) per layer: ["), std::string::npos) << train.out;
      for (const char* name : {"model.transformer.h.0.attn.span_ratio", "model.transformer.h.1.attn.span_ratio"}) {
        const Tensor& c = weights.at(name);
        ASSERT_EQ(c.numel(), 2);
        for (real v : c) EXPECT_TRUE(v >= 0 && v <= 1) << name << " " << v;  // clamped after every step
      }
    }
    const CliRun sample = atencion({"sample", "--ckpt", dir, "--prompt", "el perro", "--tokens", "20", "--seed", "3"});
    ASSERT_EQ(sample.status, 0) << sample.err;
    EXPECT_EQ(sample.out.rfind("el perro", 0), 0u) << sample.out;
    EXPECT_EQ(count_code_points(sample.out), 8 + 20 + 1);  // one token per character, then "\n"
    const CliRun eval = atencion({"eval", "--ckpt", dir, "--data", data});
    ASSERT_EQ(eval.status, 0) << eval.err;
    double loss = 0;
    ASSERT_EQ(std::sscanf(eval.out.substr(eval.out.find("loss:")).c_str(), "loss: %lf", &loss), 1) << eval.out;
    EXPECT_GT(loss, 0.5);
    EXPECT_LT(loss, 4.0);  // ln(vocabulary 24) ≈ 3.2 for a uniform guess; an untrained model is near it
    EXPECT_EQ(atencion({"inspect", "--ckpt", dir}).status, 0);
    expect_usage_error(atencion({"export", "--ckpt", dir, "--out", dir + "/x.safetensors"}), "not a GPT");

    // A checkpoint of a kind this atencion does not know: one line, for sample and eval alike.
    std::string json = read_file(checkpoint_json_path(dir));
    const std::string kind = "\"kind\": \"" + k.name + "\"";
    json.replace(json.find(kind), kind.size(), "\"kind\": \"martian\"");
    std::ofstream(checkpoint_json_path(dir)) << json;
    expect_usage_error(atencion({"sample", "--ckpt", dir}), "unknown model kind 'martian'");
    expect_usage_error(atencion({"eval", "--ckpt", dir}), "unknown model kind 'martian'");
    fs::remove_all(dir);
  }
  fs::remove(data);
}

// 4 steps straight == 2 steps (--stop-after), then --resume: the same weights bit for bit.
TEST(CliModels, ResumeIsBitIdentical) {
  const std::string data = temp("resume.txt");
  write_text(data);
  for (const std::string kind : {"natural", "adaptive-span", "dat"}) {
    SCOPED_TRACE(kind);
    const std::string a = temp("straight"), b = temp("resumed");
    ASSERT_EQ(atencion(tiny(kind, data, a, 4)).status, 0);
    auto first_args = tiny(kind, data, b, 4);
    first_args.insert(first_args.end(), {"--stop-after", "2"});
    ASSERT_EQ(atencion(first_args).status, 0);
    expect_usage_error(atencion({"train", "--resume", b, "--model", "gpt"}), "--model cannot change on --resume");
    const CliRun second = atencion({"train", "--resume", b, "--data", data});
    ASSERT_EQ(second.status, 0) << second.err;
    const auto wa = load_safetensors(checkpoint_weights_path(a)).floats;
    const auto wb = load_safetensors(checkpoint_weights_path(b)).floats;
    ASSERT_EQ(wa.size(), wb.size());
    for (const auto& [name, t] : wa) EXPECT_TRUE(same_bits(t, wb.at(name))) << name;
    fs::remove_all(a);
    fs::remove_all(b);
  }
  fs::remove(data);
}

// --model dat --rope: the checkpoint records it and has no position table; sample and eval rebuild
// the RoPE model. A checkpoint written before the flag existed (no "rope" member) still loads, as
// learned positions.
TEST(CliModels, DatRopeIsRecordedAndOlderCheckpointsStillLoad) {
  const std::string data = temp("rope.txt");
  write_text(data);
  const std::string dir = temp("dat_rope");
  auto args = tiny("dat", data, dir, 2);
  args.push_back("--rope");
  const CliRun train = atencion(args);
  ASSERT_EQ(train.status, 0) << train.err;
  EXPECT_NE(train.out.find("relative symbols, SwiGLU, RoPE)"), std::string::npos) << train.out;
  EXPECT_NE(read_file(checkpoint_json_path(dir)).find("\"post_norm\": false, \"rope\": true"), std::string::npos);
  const auto weights = load_safetensors(checkpoint_weights_path(dir)).floats;
  EXPECT_TRUE(weights.count("model.transformer.wte.weight"));
  EXPECT_FALSE(weights.count("model.transformer.wpe.weight"));
  const CliRun sample = atencion({"sample", "--ckpt", dir, "--prompt", "el perro", "--tokens", "5", "--seed", "3"});
  ASSERT_EQ(sample.status, 0) << sample.err;
  EXPECT_EQ(count_code_points(sample.out), 8 + 5 + 1);
  EXPECT_EQ(atencion({"eval", "--ckpt", dir, "--data", data}).status, 0);
  // Resuming keeps RoPE (and --rope may not change on --resume).
  expect_usage_error(atencion({"train", "--resume", dir, "--rope"}), "--rope cannot change on --resume");

  // An older learned-positions checkpoint: drop the "rope" member; it loads and samples.
  const std::string old_dir = temp("dat_old");
  ASSERT_EQ(atencion(tiny("dat", data, old_dir, 2)).status, 0);
  std::string json = read_file(checkpoint_json_path(old_dir));
  const std::string member = ", \"rope\": false";
  ASSERT_NE(json.find(member), std::string::npos);
  json.erase(json.find(member), member.size());
  std::ofstream(checkpoint_json_path(old_dir)) << json;
  EXPECT_TRUE(load_safetensors(checkpoint_weights_path(old_dir)).floats.count("model.transformer.wpe.weight"));
  const CliRun old_sample = atencion({"sample", "--ckpt", old_dir, "--prompt", "el", "--tokens", "3"});
  EXPECT_EQ(old_sample.status, 0) << old_sample.err;

  expect_usage_error(atencion({"train", "--model", "gpt", "--rope"}), "--rope is for --model dat only");
  const std::string odd_dir = temp("dat_odd");  // head_dim 3: RoPE turns pairs of coordinates
  expect_usage_error(atencion({"train", "--model", "dat", "--rope", "--d-model", "6", "--heads", "2", "--iters", "1",
                               "--warmup", "0", "--data", data, "--out", odd_dir}),
                     "even head_dim");
  fs::remove_all(odd_dir);
  fs::remove_all(dir);
  fs::remove_all(old_dir);
  fs::remove(data);
}

TEST(CliModels, FlagsOfAnotherKindAreOneLineErrors) {
  expect_usage_error(atencion({"train", "--model", "rnn"}), "--model must be gpt|natural|adaptive-span|dat");
  expect_usage_error(atencion({"train", "--n-ra", "1"}), "--n-ra is for --model dat only");
  expect_usage_error(atencion({"train", "--model", "natural", "--swiglu"}), "--swiglu is for --model dat only");
  expect_usage_error(atencion({"train", "--model", "dat", "--heads", "2", "--n-ra", "3"}), "--n-ra must be between 0");
  expect_usage_error(atencion({"train", "--model", "dat", "--symbols", "learned"}), "--symbols must be");
  expect_usage_error(atencion({"train", "--model", "natural", "--dropout", "0.1"}),
                     "--dropout is for --model gpt only");
  expect_usage_error(atencion({"train", "--model", "adaptive-span", "--init", "x.safetensors"}),
                     "--init is for --model gpt only");
  expect_usage_error(atencion({"train", "--ramp", "8"}), "--ramp is for --model adaptive-span only");
  expect_usage_error(atencion({"train", "--model", "natural", "--span-loss", "0.1"}),
                     "--span-loss is for --model adaptive-span");
  expect_usage_error(atencion({"train", "--model", "adaptive-span", "--max-span", "0"}),
                     "--max-span must be between 1");
  const CliRun help = atencion({"train", "--help"});
  EXPECT_NE(help.out.find("--model"), std::string::npos);
}

}  // namespace
}  // namespace atn
