// atencion sample / eval / export: using a trained checkpoint folder.
#include <cmath>
#include <ostream>
#include <sstream>

#include "autograd/tape.h"
#include "data/text_loader.h"
#include "tensor/safetensors.h"
#include "train/cli.h"
#include "train/cli_args.h"
#include "train/cli_text.h"
#include "train/gpt_checkpoint.h"
#include "train/model_checkpoint.h"

namespace atn {

namespace {

const std::vector<FlagSpec> kSampleFlags = {
    {"ckpt", "DIR", "checkpoint folder written by atencion train (required)", ""},
    {"prompt", "TEXT", "the text to continue", "\"El \""},
    {"tokens", "N", "new tokens to generate", "200"},
    {"temperature", "X", "divides the logits; < 1 sharper, 0 greedy", "0.8"},
    {"top-k", "N", "sample among the k most likely tokens; 0 = all", "40"},
    {"top-p", "X", "sample among the most likely tokens whose probability reaches p", "1"},
    {"seed", "N", "seed of the sampling", "1"},
    {"no-kv-cache", "", "recompute the whole context at every token (same text, slower)", ""},
};

const std::vector<FlagSpec> kEvalFlags = {
    {"ckpt", "DIR", "checkpoint folder written by atencion train (required)", ""},
    {"data", "FILE", "UTF-8 text to evaluate on", "the validation part of the training text"},
    {"batch", "N", "windows per forward pass", "16"},
};

const std::vector<FlagSpec> kExportFlags = {
    {"ckpt", "DIR", "checkpoint folder written by atencion train (required)", ""},
    {"out", "FILE", "the .safetensors file to write (required)", ""},
    {"torch1-buffers", "", "also write the causal-mask buffers nanoGPT has on torch < 2", ""},
};

}  // namespace

int cli_sample(const std::vector<std::string>& args, std::ostream& out) {
  const std::string command = "atencion sample";
  const Flags f(args, kSampleFlags, command);
  if (f.help()) {
    out << usage_text(command, "Continue a prompt with a trained model (any kind atencion train writes).", kSampleFlags);
    return 0;
  }
  const std::string dir = f.required("ckpt");
  GenerateOptions options;
  options.temperature = real(f.number("temperature", 0.8, 0, 100));
  options.top_k = f.integer("top-k", 40, 0, int64_t(1) << 24);
  options.top_p = real(f.number("top-p", 1, 1e-6, 1));
  options.use_kv_cache = !f.has("no-kv-cache");
  const int64_t n_new = f.integer("tokens", 200, 0, int64_t(1) << 24);
  Rng rng(uint64_t(f.integer("seed", 1, 0, INT64_MAX)));
  const std::string prompt = f.text("prompt", "El ");
  ModelCheckpoint ckpt = load_model_checkpoint(dir);
  std::vector<int64_t> ids;
  try {
    ids = ckpt.tokenizer->encode(prompt);
  } catch (const Error& e) {
    fail("the prompt cannot be encoded by the checkpoint's tokenizer: ", e.what());
  }
  if (ids.empty()) throw UsageError(command + ": --prompt is empty (give at least one character)");
  const std::vector<int64_t> all = ckpt.model->generate(ids, n_new, options, rng);
  out << ckpt.tokenizer->decode(all) << "\n";
  return 0;
}

int cli_eval(const std::vector<std::string>& args, std::ostream& out) {
  const std::string command = "atencion eval";
  const Flags f(args, kEvalFlags, command);
  if (f.help()) {
    out << usage_text(command, "Loss, perplexity and bits per character of a checkpoint on a text.", kEvalFlags);
    return 0;
  }
  const std::string dir = f.required("ckpt");
  const int64_t batch = f.integer("batch", 16, 1, 4096);
  ModelCheckpoint ckpt = load_model_checkpoint(dir);
  std::vector<int64_t> ids;
  std::string source;
  if (f.has("data")) {
    source = describe_source(f.text("data", ""));
    ids = ckpt.tokenizer->encode(load_text(f.text("data", "")));
  } else {
    // The validation part of the run's own text, as training measured it.
    const std::string where = checkpoint_json_path(dir);
    const RunData run = run_data_from_json(member_of(ckpt.info.root, "run", where), where);
    source = "the validation part of " + describe_source(run.data);
    ids = split_train_val(ckpt.tokenizer->encode(load_text(run.data)), run.val_fraction).val;
  }
  if (ids.size() < 2) fail("the text has ", ids.size(), " tokens; evaluation needs at least 2");

  // Every token after the first is predicted once, from the tokens before it in its window:
  // consecutive windows of `block` tokens (the last one shorter), `batch` of them per pass.
  const int64_t block = ckpt.model->block_size(), n = int64_t(ids.size());
  NoGrad no_grad;
  double nats = 0;
  auto run_windows = [&](const std::vector<int64_t>& starts, int64_t len) {
    Tensor x({int64_t(starts.size()), len}), y({int64_t(starts.size()), len});
    for (size_t b = 0; b < starts.size(); ++b)
      for (int64_t t = 0; t < len; ++t) {
        x[int64_t(b) * len + t] = real(ids[size_t(starts[b] + t)]);
        y[int64_t(b) * len + t] = real(ids[size_t(starts[b] + t + 1)]);
      }
    nats += double(ckpt.model->loss(x, y).item()) * double(starts.size()) * double(len);
  };
  std::vector<int64_t> full;
  int64_t start = 0;
  for (; start + block <= n - 1; start += block) {
    full.push_back(start);
    if (int64_t(full.size()) == batch) {
      run_windows(full, block);
      full.clear();
    }
  }
  if (!full.empty()) run_windows(full, block);
  if (start < n - 1) run_windows({start}, n - 1 - start);

  const int64_t predicted = n - 1;
  const std::vector<int64_t> rest(ids.begin() + 1, ids.end());
  const int64_t chars = count_code_points(ckpt.tokenizer->decode(rest));
  const double loss = nats / double(predicted);
  std::ostringstream os;
  os.precision(4);
  os << std::fixed;
  os << "text: " << source << ", " << group_digits(n) << " tokens (" << ckpt.tokenizer->kind() << "), "
     << group_digits(chars) << " characters predicted\n";
  os << "loss: " << loss << " nats per token\n";
  os << "perplexity: " << std::exp(loss) << "\n";
  os << "bits per character: " << (chars > 0 ? nats / std::log(2.0) / double(chars) : 0.0) << "\n";
  out << os.str();
  return 0;
}

int cli_export(const std::vector<std::string>& args, std::ostream& out) {
  const std::string command = "atencion export";
  const Flags f(args, kExportFlags, command);
  if (f.help()) {
    out << usage_text(command,
                      "Write the weights with nanoGPT's names (load_state_dict(strict=True) in PyTorch).",
                      kExportFlags);
    return 0;
  }
  const std::string dir = f.required("ckpt"), path = f.required("out");
  GptCheckpoint ckpt = load_gpt_checkpoint(dir);
  const StateDict state = ckpt.model->nanogpt_state_dict(f.has("torch1-buffers"));
  save_safetensors(path, state, {{"format", "pt"}});
  const GPTConfig& c = ckpt.config;
  out << "wrote " << path << ": " << state.size() << " tensors with nanoGPT's names; in PyTorch use GPTConfig(block_size="
      << c.block << ", vocab_size=" << c.vocab << ", n_layer=" << c.n_layer << ", n_head=" << c.n_head
      << ", n_embd=" << c.d_model << ", dropout=" << c.dropout << ", bias=" << (c.bias ? "True" : "False") << ")\n";
  return 0;
}

}  // namespace atn
