// atencion train: a GPT (or a research model: --model natural | adaptive-span | dat) on a text, with
// nanoGPT's recipe (train/trainer.h).
#include <cmath>
#include <filesystem>
#include <iomanip>
#include <ostream>
#include <sstream>

#include "autograd/tape.h"
#include "data/text_loader.h"
#include "tensor/safetensors.h"
#include "tensor/thread_pool.h"
#include "train/cli.h"
#include "train/cli_args.h"
#include "train/cli_text.h"
#include "models/adaptive_span_gpt.h"
#include "models/batch_parts.h"
#include "models/dat_lm.h"
#include "models/natural_gpt.h"
#include "optim/attention_informed.h"
#include "train/gpt_checkpoint.h"
#include "train/model_checkpoint.h"
#include "train/trainer.h"

namespace atn {

namespace {

const char* kCommand = "atencion train";
constexpr int64_t kBig = int64_t(1) << 24;

const std::vector<FlagSpec> kFlags = {
    {"data", "FILE", "UTF-8 text to train on", "the built-in Spanish corpus"},
    {"tokenizer", "KIND", "char | bpe | word", "char"},
    {"bpe-merges", "N", "merges learned by the bpe tokenizer", "256"},
    {"model", "KIND", "gpt | natural (attention-informed AdamW) | adaptive-span | dat (dual attention)", "gpt"},
    {"layers", "N", "transformer blocks", "4"},
    {"heads", "N", "attention heads per block", "4"},
    {"d-model", "N", "width of the residual stream", "128"},
    {"block", "N", "context length in tokens", "64"},
    {"batch", "N", "sequences per micro-batch", "12"},
    {"parts", "N", "row blocks of a batch differentiated side by side, one per thread (same results on any thread count)", "2; 1 for --batch 1 or --model natural"},
    {"grad-accum", "N", "micro-batches per optimizer step", "1"},
    {"iters", "N", "optimizer steps", "2000"},
    {"lr", "X", "peak learning rate (AdamW)", "1e-3"},
    {"min-lr", "X", "learning rate at the end of the cosine", "lr/10"},
    {"warmup", "N", "linear warmup steps", "100"},
    {"weight-decay", "X", "AdamW decay of matrices (not biases or norms)", "0.1"},
    {"grad-clip", "X", "max gradient norm; 0 = off", "1.0"},
    {"dropout", "P", "dropout probability (gpt only)", "0"},
    {"max-span", "N", "adaptive-span: the longest span S, in tokens", "--block"},
    {"ramp", "N", "adaptive-span: length R of the soft mask's ramp", "32"},
    {"span-loss", "X", "adaptive-span: weight lambda of the span loss", "2e-6"},
    {"n-ra", "N", "dat: relational heads among --heads (the rest are self-attention)", "heads/2"},
    {"symbols", "KIND", "dat: symbolic | positional | relative", "symbolic"},
    {"swiglu", "", "dat: SwiGLU feed-forward (dff 8d/3) instead of GELU (4d)", ""},
    {"post-norm", "", "dat: LayerNorm after each residual sum instead of before", ""},
    {"rope", "", "dat: rotary positions (RoPE) on attention queries and keys, no learned positions", ""},
    {"seed", "N", "seed of initialization, batches and dropout", "1"},
    {"val-fraction", "X", "the end of the text held out for validation", "0.1"},
    {"eval-interval", "N", "steps between validation estimates (and checkpoints)", "250"},
    {"eval-iters", "N", "batches per loss estimate", "200"},
    {"stop-after", "N", "stop and save after step N (continue later with --resume)", ""},
    {"log-interval", "N", "steps between log lines (without a terminal)", "10"},
    {"threads", "N", "matmul threads", "ATN_THREADS or all cores"},
    {"out", "DIR", "checkpoint folder", "out/gpt"},
    {"init", "FILE", "start from these weights (.safetensors with nanoGPT's names; gpt only)", ""},
    {"resume", "DIR", "continue the run saved in DIR (settings come from DIR/ckpt.json)", ""},
};

// Flags that define a run: with --resume they come from the checkpoint and may not change.
const std::vector<std::string> kFixedOnResume = {
    "tokenizer", "bpe-merges", "model", "max-span", "ramp", "span-loss", "n-ra", "symbols", "swiglu", "post-norm",
    "rope", "layers", "heads", "d-model", "block", "batch", "parts", "grad-accum", "lr", "min-lr",
    "warmup", "weight-decay", "grad-clip", "dropout", "seed", "val-fraction", "init"};

struct Settings {
  RunData run{};
  ModelSpec model{};
  TrainConfig train{};
  std::string init{};
};

Settings settings_from_flags(const Flags& f) {
  Settings s;
  s.run.data = f.text("data", "");
  s.run.tokenizer = f.choice("tokenizer", "char", {"char", "bpe", "word"});
  s.run.bpe_merges = f.integer("bpe-merges", 256, 0, 1 << 20);
  s.run.batch = f.integer("batch", 12, 1, kBig);
  s.run.val_fraction = f.number("val-fraction", 0.1, 1e-6, 0.9);
  s.model.kind = f.choice("model", "gpt", {"gpt", "natural", "adaptive-span", "dat"});
  GPTConfig& m = s.model.sizes;
  m.n_layer = f.integer("layers", 4, 1, 1024);
  m.n_head = f.integer("heads", 4, 1, 1024);
  m.d_model = f.integer("d-model", 128, 1, 1 << 16);
  m.block = f.integer("block", 64, 1, 1 << 16);
  m.dropout = real(f.number("dropout", 0, 0, 0.99));
  if (m.d_model % m.n_head != 0)
    throw UsageError(std::string(kCommand) + ": --heads " + std::to_string(m.n_head) + " does not divide --d-model " +
                     std::to_string(m.d_model));
  const bool gpt = s.model.kind == "gpt", span = s.model.kind == "adaptive-span";
  for (const char* only_gpt : {"dropout", "init"})
    if (!gpt && f.has(only_gpt))
      throw UsageError(std::string(kCommand) + ": --" + only_gpt + " is for --model gpt only");
  for (const char* only_span : {"max-span", "ramp", "span-loss"})
    if (!span && f.has(only_span))
      throw UsageError(std::string(kCommand) + ": --" + only_span + " is for --model adaptive-span only");
  const bool dat = s.model.kind == "dat";
  for (const char* only_dat : {"n-ra", "symbols", "swiglu", "post-norm", "rope"})
    if (!dat && f.has(only_dat))
      throw UsageError(std::string(kCommand) + ": --" + only_dat + " is for --model dat only");
  s.model.n_ra = dat ? f.integer("n-ra", m.n_head / 2, 0, m.n_head) : 0;
  s.model.symbols = f.choice("symbols", "symbolic", {"symbolic", "positional", "relative"});
  s.model.swiglu = f.has("swiglu");
  s.model.post_norm = f.has("post-norm");
  s.model.rope = f.has("rope");
  // The natural model's forward leaves its energies in the blocks for its optimizer: a batch in
  // parts would keep only the last part's. Every other model is differentiated the same way whole
  // or in parts (models/batch_parts.h).
  const bool natural = s.model.kind == "natural";
  s.run.parts = f.integer("parts", natural ? 1 : std::min<int64_t>(2, s.run.batch), 1, kBig);
  if (natural && s.run.parts != 1) throw UsageError(std::string(kCommand) + ": --parts must be 1 for --model natural");
  if (s.run.parts > s.run.batch)
    throw UsageError(std::string(kCommand) + ": --parts " + std::to_string(s.run.parts) + " is more than --batch " +
                     std::to_string(s.run.batch));
  s.model.max_span = f.integer("max-span", m.block, 1, 1 << 16);
  s.model.ramp = f.integer("ramp", 32, 1, 1 << 16);
  s.model.span_loss = real(f.number("span-loss", 2e-6, 0, 1e3));
  TrainConfig& t = s.train;
  t.grad_accum = f.integer("grad-accum", 1, 1, 1 << 16);
  t.lr = real(f.number("lr", 1e-3, 0, 10));
  t.min_lr = real(f.number("min-lr", t.lr / 10, 0, t.lr));
  t.warmup = f.integer("warmup", 100, 0, kBig);
  t.weight_decay = real(f.number("weight-decay", 0.1, 0, 10));
  t.grad_clip = real(f.number("grad-clip", 1.0, 0, 1e6));
  t.seed = uint64_t(f.integer("seed", 1, 0, INT64_MAX));
  s.init = f.text("init", "");
  return s;
}

// The run saved in DIR, for --resume.
Settings settings_from_checkpoint(const std::string& dir, CheckpointJson& info) {
  info = read_checkpoint_json(dir);
  const std::string where = checkpoint_json_path(dir);
  Settings s;
  s.run = run_data_from_json(member_of(info.root, "run", where), where);
  s.model = model_spec_from_json(member_of(info.root, "model", where), where);
  const Json& t = member_of(info.root, "train", where);
  s.train.grad_accum = int_member(t, "grad_accum", where);
  s.train.lr = real(number_member(t, "lr", where));
  s.train.min_lr = real(number_member(t, "min_lr", where));
  s.train.warmup = int_member(t, "warmup", where);
  s.train.weight_decay = real(number_member(t, "weight_decay", where));
  s.train.beta1 = real(number_member(t, "beta1", where));
  s.train.beta2 = real(number_member(t, "beta2", where));
  s.train.grad_clip = real(number_member(t, "grad_clip", where));
  s.train.iters = int_member(t, "iters", where);
  s.train.eval_interval = int_member(t, "eval_interval", where);
  s.train.eval_iters = int_member(t, "eval_iters", where);
  s.train.seed = uint64_t(int_member(info.root, "seed", where));
  return s;
}

std::string describe(const ModelSpec& m) {
  if (m.kind == "natural") return "natural-attention GPT (attention-informed AdamW)";
  if (m.kind == "dat") {
    std::ostringstream os;
    os << "Dual Attention Transformer (" << m.sizes.n_head - m.n_ra << " self-attention + " << m.n_ra
       << " relational heads, " << m.symbols << " symbols" << (m.swiglu ? ", SwiGLU" : "")
       << (m.post_norm ? ", post-norm" : "") << (m.rope ? ", RoPE" : "") << ")";
    return os.str();
  }
  if (m.kind == "adaptive-span") {
    std::ostringstream os;
    os << "adaptive-span GPT (max span " << m.max_span << ", ramp " << m.ramp << ", span loss " << float_text(m.span_loss)
       << ")";
    return os.str();
  }
  return "GPT";
}

}  // namespace

int cli_train(const std::vector<std::string>& args, std::ostream& out) {
  const Flags f(args, kFlags, kCommand);
  if (f.help()) {
    out << usage_text(kCommand, "Train a GPT or a research model (nanoGPT's recipe: AdamW, warmup + cosine, clip 1.0) on a text.", kFlags);
    return 0;
  }
  const std::string resume = f.text("resume", "");
  Settings s;
  CheckpointJson info;
  std::unique_ptr<Tokenizer> tokenizer;
  if (!resume.empty()) {
    for (const auto& name : kFixedOnResume)
      if (f.has(name))
        throw UsageError(std::string(kCommand) + ": --" + name + " cannot change on --resume (the run's settings come from " +
                         checkpoint_json_path(resume) + ")");
    s = settings_from_checkpoint(resume, info);
    if (f.has("data")) s.run.data = f.text("data", "");
    tokenizer = tokenizer_from_json(to_json_text(member_of(info.root, "tokenizer", checkpoint_json_path(resume))));
  } else {
    s = settings_from_flags(f);
  }
  TrainConfig& t = s.train;
  // Defaults: TrainConfig's (nanoGPT's), or the resumed run's.
  t.iters = f.integer("iters", t.iters, 0, kBig);
  t.eval_interval = f.integer("eval-interval", t.eval_interval, 0, kBig);
  t.eval_iters = f.integer("eval-iters", t.eval_iters, 1, kBig);
  t.log_interval = f.integer("log-interval", 10, 1, kBig);
  t.stop_after = f.integer("stop-after", 0, 1, kBig);
  t.out_dir = f.text("out", resume.empty() ? "out/gpt" : resume);
  t.log = &out;
  if (t.warmup > t.iters)
    throw UsageError(std::string(kCommand) + ": --warmup " + std::to_string(t.warmup) + " is longer than --iters " +
                     std::to_string(t.iters));
  if (f.has("threads")) set_num_threads(int(f.integer("threads", 1, 1, 4096)));

  const std::string text = load_text(s.run.data);
  if (!tokenizer) tokenizer = make_tokenizer(s.run.tokenizer, text, s.run.bpe_merges);
  const std::vector<int64_t> ids = tokenizer->encode(text);
  const TextSplit split = split_train_val(ids, s.run.val_fraction);
  const int64_t block = s.model.sizes.block;
  for (const auto* part : {&split.train, &split.val})
    if (int64_t(part->size()) <= block)
      fail("the text is too short for --block ", block, ": its ", part == &split.train ? "training" : "validation",
           " part has ", part->size(), " tokens (it needs more than ", block, ")");
  s.model.sizes.vocab = tokenizer->vocab_size();

  Rng run_rng(t.seed);
  const std::unique_ptr<LanguageModel> model_ptr = make_language_model(s.model, run_rng);
  LanguageModel& model = *model_ptr;
  GPT* gpt = dynamic_cast<GPT*>(&model);
  if (!s.init.empty()) {
    try {
      gpt->load_nanogpt_state_dict(load_safetensors_floats(s.init));
    } catch (const Error& e) {
      fail("--init: ", e.what());
    }
  }
  out << "data: " << describe_source(s.run.data) << ", " << group_digits(count_code_points(text)) << " characters, "
      << tokenizer->kind() << " tokenizer (vocabulary " << tokenizer->vocab_size() << "); " << group_digits(int64_t(split.train.size()))
      << " training tokens, " << group_digits(int64_t(split.val.size())) << " validation\n";
  const GPTConfig& m = s.model.sizes;
  out << "model: " << describe(s.model) << ", " << m.n_layer << " layers, " << m.n_head << " heads, d_model " << m.d_model
      << ", block " << block << "; " << group_digits(model.num_parameters()) << " parameters; threads "
      << num_threads() << ", batch " << s.run.batch
      << (s.run.parts > 1 ? " in " + std::to_string(s.run.parts) + " parts" : std::string()) << "\n";

  const int64_t batch = s.run.batch;
  TrainFunctions fns{
      .train_loss = [&](Rng& rng) {
        const TokenBatch b = sample_windows(split.train, batch, block, rng);
        // What the step minimizes (the adaptive span adds its span loss); the evaluations, under
        // NoGrad, report the plain cross-entropy.
        return Tape::recording() ? model.training_loss(b.x, b.y) : model.loss(b.x, b.y);
      },
      .val_loss = [&](Rng& rng) {
        const TokenBatch b = sample_windows(split.val, batch, block, rng);
        return model.loss(b.x, b.y);
      },
      .after_update = [&] { model.after_update(); }};
  if (s.run.parts > 1) {
    // Side by side on the pool unless the model draws random numbers in training (GPT's
    // dropout): then the parts run in order, with the same results.
    const bool concurrently = !(gpt && s.model.sizes.dropout > 0);
    fns.train_backward = [&, concurrently](Rng& rng, real scale) {
      const TokenBatch b = sample_windows(split.train, batch, block, rng);
      return backward_in_batch_parts(model, b.x, b.y, s.run.parts, concurrently, scale);
    };
  }
  t.tokens_per_batch = batch * block;
  TrainerParts parts{.rng = &run_rng};
  if (gpt) parts.extra_rngs = {{"dropout", &gpt->dropout_rng()}};
  if (auto* natural = dynamic_cast<NaturalGPT*>(&model))
    // The natural model's own optimizer (specs/natural-attention.md): AdamW whose gradients are
    // scaled per block by 1 + tanh(0.1·mean|E|), with weight decay on every parameter as upstream.
    parts.optimizer = std::make_unique<AttentionInformedAdamW>(
        natural->energy_groups(), natural->ungrouped_parameters(),
        AttentionInformedConfig{.lr = t.lr, .betas = {t.beta1, t.beta2}, .weight_decay = t.weight_decay});
  Trainer trainer(model, fns, t, std::move(parts));
  trainer.set_checkpoint_info("model", model_spec_json(s.model));
  trainer.set_checkpoint_info("tokenizer", tokenizer->to_json());
  trainer.set_checkpoint_info("run", run_data_json(s.run));
  if (!resume.empty()) {
    trainer.resume(resume);
    out << "resumed from " << resume << " at step " << trainer.step() << "\n";
    if (trainer.step() >= t.iters) {
      out << "nothing to do: the run is at step " << trainer.step() << " of " << t.iters << " (--iters goes further)\n";
      return 0;
    }
  }
  const TrainResult r = trainer.run();
  if (r.interrupted) return t.stop_after > 0 && r.step >= t.stop_after ? 0 : 130;  // 130: stopped by Ctrl-C
  std::ostringstream done;
  if (auto* span = dynamic_cast<AdaptiveSpanGPT*>(&model)) {
    done << "learned spans (tokens) per layer:";
    for (const Tensor& z : span->spans()) {
      done << " [";
      for (int64_t h = 0; h < z.numel(); ++h) done << (h ? " " : "") << std::setprecision(1) << std::fixed << z[h];
      done << "]";
    }
    done << "\n";
  }
  done << std::setprecision(4) << std::fixed << "done: step " << r.step << ", train loss " << r.last_eval.train_loss << ", val loss "
       << r.last_eval.val_loss << " in " << format_duration(r.seconds) << "; checkpoint in " << t.out_dir << "\n";
  out << done.str();
  return 0;
}

}  // namespace atn
