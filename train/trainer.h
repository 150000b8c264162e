// Trainer: the one training loop of atencion, used by the lessons and by `atencion train`.
//
// It knows nothing about GPTs or tokenizers. It is given
//   - a Module (its parameters are trained and checkpointed),
//   - functions that draw one batch with an Rng and return its mean loss (a scalar Var),
//   - a TrainConfig (designated initializers; every field has a default),
// and it runs nanoGPT's recipe (Karpathy, nanoGPT train.py):
//   for step = 1 … iters:
//     lr ← warmup for `warmup` steps, then cosine down to min_lr = lr/10 at `iters`
//     for each of grad_accum micro-batches: loss = train_loss(rng); backward(loss / grad_accum)
//     clip the gradient norm to grad_clip (1.0); AdamW step (decay on matrices only); zero_grad
//     every eval_interval steps and at the end: mean loss over eval_iters batches (train and
//     validation) under NoGrad in eval mode; write the checkpoint folder (train/checkpoint_dir.h)
// A progress bar on a terminal, log lines otherwise; metrics to CSV and a loss-curve SVG.
//
// Reproducibility: the randomness of a run comes from the Rng handed to the loss functions
// (the batches) and any other Rngs named in TrainerParts::extra_rngs (a model's dropout). The
// checkpoint holds them with the weights and the optimizer, so `resume(dir)` followed by run()
// ends bit for bit where an uninterrupted run ends. Evaluation batches come from fresh Rngs
// seeded from cfg.seed, so evaluating (or not) never changes the training run.
//
// Stopping: a NaN or infinite loss (or gradient norm) throws atn::Error naming the step,
// before the bad update, leaving the last checkpoint as it was. Ctrl-C (train/stop_signal.h)
// finishes the current step, saves the checkpoint and returns with `interrupted` set.
#pragma once
#include <functional>
#include <iosfwd>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "nn/module.h"
#include "optim/optimizer.h"
#include "optim/schedule.h"
#include "tensor/rng.h"
#include "train/metrics.h"
#include "train/progress.h"

namespace atn {

struct TrainConfig {
  int64_t iters = 2000;    // optimizer steps in the whole run
  int64_t grad_accum = 1;  // micro-batches per step (their gradients add up)
  int64_t stop_after = 0;  // > 0: stop, save and return after this step as Ctrl-C would (the
                           // schedule still runs to iters: train in slices, --resume later)
  // The optimizer and schedule (ignored when TrainerParts brings its own).
  real lr = 1e-3f;
  real min_lr = -1;         // negative: lr / 10 (nanoGPT)
  int64_t warmup = 100;     // linear warmup steps
  bool decay_lr = true;     // false: constant lr (after no warmup)
  real weight_decay = 0.1f; // AdamW, on parameters with two or more dimensions only
  real beta1 = 0.9f, beta2 = 0.99f;  // nanoGPT shakespeare-char uses beta2 = 0.99
  real grad_clip = 1.0f;    // max global gradient norm; 0: no clipping
  // Evaluation.
  int64_t eval_interval = 250;  // 0: only at the end
  int64_t eval_iters = 200;     // batches averaged per estimate
  // Output.
  std::string out_dir{};         // checkpoint folder; empty: nothing is written
  int64_t log_interval = 10;     // log lines: one per this many steps
  ProgressStyle progress = ProgressStyle::automatic;
  std::ostream* log = nullptr;   // nullptr: std::cout
  int64_t tokens_per_batch = 0;  // tokens in one micro-batch, for tokens/s (0: not shown)
  uint64_t seed = 1;             // the run's Rng (when the Trainer owns it) and the eval batches
  bool handle_sigint = true;     // install the Ctrl-C handler during run()
};

struct TrainFunctions {
  std::function<Var(Rng&)> train_loss{};  // draws one training micro-batch → its mean loss
  // Optional; when given, a training step calls it instead of train_loss and backward: it draws
  // one training micro-batch with the Rng, adds `scale` × the gradient of its mean loss into the
  // parameters' grads and returns that loss (unscaled). `atencion train --parts` sets it to
  // differentiate the micro-batch's rows in parts side by side (models/batch_parts.h).
  // train_loss is still needed: evaluation uses it.
  std::function<real(Rng&, real scale)> train_backward{};
  std::function<Var(Rng&)> val_loss{};    // one validation batch; may be empty
  // Called after every step (after evaluation and saving); lessons collect curves with it.
  std::function<void(const MetricRow&)> after_step{};
  // Called right after every optimizer update, before anything is evaluated or saved
  // (LanguageModel::after_update: the adaptive span clamps its c to [0, 1]).
  std::function<void()> after_update{};
};

// Optional replacements for the defaults.
struct TrainerParts {
  std::unique_ptr<Optimizer> optimizer{};  // over the model's parameters; default: nanoGPT's AdamW
  std::unique_ptr<Schedule> schedule{};    // default: WarmupCosine (or ConstantSchedule)
  Rng* rng = nullptr;                      // default: the Trainer's own Rng(cfg.seed)
  // Other Rngs the run draws from (a model's own dropout Rng: GPT::dropout_rng()), saved in
  // ckpt.json under "rng_states" and restored by resume().
  std::map<std::string, Rng*> extra_rngs{};
};

struct EvalResult {
  real train_loss = 0;
  real val_loss = -1;  // negative when there is no val_loss function
};

struct TrainResult {
  int64_t step = 0;          // steps done in total (including those before a resume)
  bool interrupted = false;  // stopped before iters by Ctrl-C, request_stop() or stop_after; saved
  real train_loss = 0;       // of the last step
  EvalResult last_eval{};    // the last evaluation (at the end unless interrupted)
  double seconds = 0;        // wall time of this run() call
};

class Trainer {
 public:
  Trainer(Module& model, TrainFunctions fns, TrainConfig cfg, TrainerParts parts = {});

  // Extra members of ckpt.json, as JSON text ("model" → the model config, "tokenizer" → ...).
  void set_checkpoint_info(const std::string& key, std::string json);

  // Loads DIR's checkpoint (weights, optimizer, Rng, step, metrics so far) into this trainer.
  void resume(const std::string& dir);
  // Trains from step() to cfg.iters.
  TrainResult run();

  // The pieces of run(), for lessons that drive the loop themselves.
  MetricRow train_step();  // one optimizer step (all micro-batches)
  EvalResult evaluate();   // under NoGrad, in eval mode; restores the previous mode
  void save(const std::string& dir);

  int64_t step() const { return step_; }
  Optimizer& optimizer() { return *optimizer_; }
  Rng& rng() { return *rng_; }
  const TrainConfig& config() const { return cfg_; }
  const std::vector<MetricRow>& history() const { return history_; }

 private:
  std::string config_json() const;

  Module& model_;
  TrainFunctions fns_;
  TrainConfig cfg_;
  std::unique_ptr<Optimizer> optimizer_;
  std::unique_ptr<Schedule> schedule_;
  Rng own_rng_;
  Rng* rng_;
  std::map<std::string, Rng*> extra_rngs_;
  int64_t step_ = 0;
  std::vector<MetricRow> history_;
  std::map<std::string, std::string> info_;
};

}  // namespace atn
