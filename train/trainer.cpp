#include "train/trainer.h"

#include <chrono>
#include <cmath>
#include <csignal>
#include <filesystem>
#include <iostream>
#include <sstream>

#include "autograd/ops_basic.h"
#include "autograd/tape.h"
#include "optim/checkpoint.h"
#include "optim/clip.h"
#include "train/checkpoint_dir.h"
#include "train/param_groups.h"
#include "train/stop_signal.h"

namespace atn {

namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

void check_config(const TrainConfig& c) {
  auto finite_at_least = [](const char* what, real v, real low) {
    if (!(v >= low) || std::isinf(v)) fail("Trainer: ", what, " must be finite and >= ", low, ", got ", v);
  };
  if (c.iters < 0) fail("Trainer: iters must be >= 0, got ", c.iters);
  if (c.stop_after < 0) fail("Trainer: stop_after must be >= 0, got ", c.stop_after);
  if (c.grad_accum < 1) fail("Trainer: grad_accum must be >= 1, got ", c.grad_accum);
  finite_at_least("lr", c.lr, 0);
  if (c.min_lr >= 0 && c.min_lr > c.lr) fail("Trainer: min_lr (", c.min_lr, ") must be <= lr (", c.lr, ")");
  if (c.warmup < 0) fail("Trainer: warmup must be >= 0, got ", c.warmup);
  if (c.decay_lr && c.warmup > c.iters) fail("Trainer: warmup (", c.warmup, ") must be <= iters (", c.iters, ")");
  finite_at_least("weight_decay", c.weight_decay, 0);
  finite_at_least("grad_clip", c.grad_clip, 0);
  if (c.eval_interval < 0) fail("Trainer: eval_interval must be >= 0, got ", c.eval_interval);
  if (c.eval_iters < 1) fail("Trainer: eval_iters must be >= 1, got ", c.eval_iters);
  if (c.log_interval < 1) fail("Trainer: log_interval must be >= 1, got ", c.log_interval);
  if (c.tokens_per_batch < 0) fail("Trainer: tokens_per_batch must be >= 0, got ", c.tokens_per_batch);
}

// The loss as a plain number, checked: one element and finite.
real checked_loss(const Var& loss, const char* which, int64_t step) {
  if (!loss.defined() || loss.numel() != 1) fail("Trainer: ", which, " must return a scalar loss");
  const real v = loss.item();
  if (!std::isfinite(v)) {
    Tape::current().clear();  // the failed step's graph would otherwise stay on the tape
    fail("Trainer: the ", which, " is ", v, " at step ", step, "; stopping (the last checkpoint is unchanged)");
  }
  return v;
}

// The same check for a loss train_backward already differentiated (the tape is empty then).
real checked_loss(real v, int64_t step) {
  if (!std::isfinite(v)) {
    // The gradients it added are not applied: the step stops before the update.
    fail("Trainer: the training loss is ", v, " at step ", step, "; stopping (the last checkpoint is unchanged)");
  }
  return v;
}

std::string num(real v) { return float_text(v); }

}  // namespace

Trainer::Trainer(Module& model, TrainFunctions fns, TrainConfig cfg, TrainerParts parts)
    : model_(model), fns_(std::move(fns)), cfg_(std::move(cfg)), own_rng_(cfg_.seed), rng_(parts.rng ? parts.rng : &own_rng_),
      extra_rngs_(std::move(parts.extra_rngs)) {
  for (const auto& [name, r] : extra_rngs_)
    if (!r) fail("Trainer: extra Rng '", name, "' is null");
  check_config(cfg_);
  if (!fns_.train_loss) fail("Trainer: train_loss is not set");
  optimizer_ = std::move(parts.optimizer);
  if (!optimizer_)
    optimizer_ = make_adamw_decay_matrices(model_.named_parameters(), {.lr = cfg_.lr,
                                                                        .betas = {cfg_.beta1, cfg_.beta2},
                                                                        .weight_decay = cfg_.weight_decay});
  schedule_ = std::move(parts.schedule);
  if (!schedule_) {
    const real min_lr = cfg_.min_lr >= 0 ? cfg_.min_lr : cfg_.lr / 10;
    if (cfg_.decay_lr) schedule_ = std::make_unique<WarmupCosine>(cfg_.lr, cfg_.warmup, cfg_.iters, min_lr);
    else schedule_ = std::make_unique<ConstantSchedule>(cfg_.lr);
  }
}

void Trainer::set_checkpoint_info(const std::string& key, std::string json) {
  try {
    parse_json(json);
  } catch (const Error& e) {
    fail("Trainer::set_checkpoint_info: '", key, "' is not JSON: ", e.what());
  }
  if (key == "train" || key == "seed" || key == "step" || key == "format")
    fail("Trainer::set_checkpoint_info: '", key, "' is written by the trainer");
  info_[key] = std::move(json);
}

std::string Trainer::config_json() const {
  const TrainConfig& c = cfg_;
  return "{\"iters\": " + std::to_string(c.iters) + ", \"grad_accum\": " + std::to_string(c.grad_accum) +
         ", \"lr\": " + num(c.lr) + ", \"min_lr\": " + num(c.min_lr >= 0 ? c.min_lr : c.lr / 10) +
         ", \"warmup\": " + std::to_string(c.warmup) + ", \"decay_lr\": " + (c.decay_lr ? "true" : "false") +
         ", \"weight_decay\": " + num(c.weight_decay) + ", \"beta1\": " + num(c.beta1) + ", \"beta2\": " +
         num(c.beta2) + ", \"grad_clip\": " + num(c.grad_clip) + ", \"eval_interval\": " +
         std::to_string(c.eval_interval) + ", \"eval_iters\": " + std::to_string(c.eval_iters) +
         ", \"optimizer\": " + json_quote(optimizer_->type_name()) + "}";
}

MetricRow Trainer::train_step() {
  const int64_t step = step_ + 1;
  MetricRow row{.step = step};
  row.lr = schedule_->apply(*optimizer_);
  double loss_sum = 0;
  optimizer_->zero_grad();
  for (int64_t micro = 0; micro < cfg_.grad_accum; ++micro) {
    if (fns_.train_backward) {
      loss_sum += checked_loss(fns_.train_backward(*rng_, real(1.0 / double(cfg_.grad_accum))), step);
      continue;
    }
    Var loss = fns_.train_loss(*rng_);
    loss_sum += checked_loss(loss, "training loss", step);
    // The mean over all micro-batches: each contributes 1/grad_accum of its gradient.
    backward(cfg_.grad_accum == 1 ? loss : mul(loss, real(1.0 / double(cfg_.grad_accum))));
  }
  row.train_loss = real(loss_sum / double(cfg_.grad_accum));
  const auto params = optimizer_->params();
  row.grad_norm = clip_grad_norm(params, cfg_.grad_clip > 0 ? cfg_.grad_clip : INFINITY);
  if (!std::isfinite(row.grad_norm)) {
    optimizer_->zero_grad();
    fail("Trainer: the gradient norm is ", row.grad_norm, " at step ", step, "; stopping (the last checkpoint is unchanged)");
  }
  optimizer_->step();
  if (fns_.after_update) fns_.after_update();
  optimizer_->zero_grad();
  step_ = step;
  return row;
}

EvalResult Trainer::evaluate() {
  const bool was_training = model_.training();
  model_.eval();
  NoGrad no_grad;
  // Fresh Rngs with fixed seeds: every evaluation sees the same batches, and the training
  // Rng is not touched, so evaluating never changes the run.
  auto estimate = [&](const std::function<Var(Rng&)>& fn, uint64_t salt, const char* which) {
    Rng rng(cfg_.seed * 0x9E3779B97F4A7C15ull + salt);
    double sum = 0;
    for (int64_t i = 0; i < cfg_.eval_iters; ++i) sum += checked_loss(fn(rng), which, step_);
    return real(sum / double(cfg_.eval_iters));
  };
  EvalResult r;
  try {
    r.train_loss = estimate(fns_.train_loss, 1, "training loss");
    if (fns_.val_loss) r.val_loss = estimate(fns_.val_loss, 2, "validation loss");
  } catch (...) {
    model_.train(was_training);
    throw;
  }
  model_.train(was_training);
  return r;
}

void Trainer::save(const std::string& dir) {
  std::filesystem::create_directories(dir);
  save_checkpoint(checkpoint_weights_path(dir), model_, *optimizer_, rng_, {{"step", std::to_string(step_)}});
  std::map<std::string, std::string> members = info_;
  members["seed"] = std::to_string(cfg_.seed);
  members["train"] = config_json();
  if (!extra_rngs_.empty()) {
    // uint64 words as decimal strings: a JSON number is a double and would round them.
    std::string states = "{";
    for (const auto& [name, r] : extra_rngs_) {
      states += (states.size() > 1 ? ", " : "") + json_quote(name) + ": [";
      const auto words = r->state();
      for (size_t i = 0; i < words.size(); ++i) states += (i ? ", \"" : "\"") + std::to_string(words[i]) + "\"";
      states += "]";
    }
    members["rng_states"] = states + "}";
  }
  write_checkpoint_json(dir, step_, members);
  write_metrics_csv((std::filesystem::path(dir) / "metrics.csv").string(), history_);
  if (!history_.empty()) plot_loss_curve((std::filesystem::path(dir) / "loss.svg").string(), history_);
}

void Trainer::resume(const std::string& dir) {
  const CheckpointJson info = read_checkpoint_json(dir);
  const std::string weights = checkpoint_weights_path(dir);
  if (!std::filesystem::exists(weights)) fail("Trainer::resume: '", weights, "' does not exist");
  // The extra Rngs are read and checked first, so a bad file changes nothing.
  std::map<std::string, std::vector<uint64_t>> rng_states;
  if (!extra_rngs_.empty()) {
    const std::string where = checkpoint_json_path(dir);
    const Json& states = member_of(info.root, "rng_states", where);
    for (const auto& [name, r] : extra_rngs_) {
      const Json& words = member_of(states, name, where);
      if (words.kind != Json::Kind::Array) fail("'", where, "': rng_states.", name, " must be an array");
      std::vector<uint64_t> w;
      for (const Json& word : words.items) {
        if (word.kind != Json::Kind::String || word.text.empty() ||
            word.text.find_first_not_of("0123456789") != std::string::npos || word.text.size() > 20)
          fail("'", where, "': rng_states.", name, " must hold unsigned integers as strings");
        try {
          w.push_back(std::stoull(word.text));
        } catch (const std::exception&) {
          fail("'", where, "': rng_states.", name, ": ", word.text, " does not fit in 64 bits");
        }
      }
      try {
        Rng().set_state(w);
      } catch (const Error& e) {
        fail("'", where, "': rng_states.", name, ": ", e.what());
      }
      rng_states[name] = w;
    }
  }
  const auto meta = load_checkpoint(weights, model_, *optimizer_, rng_);
  for (const auto& [name, w] : rng_states) extra_rngs_.at(name)->set_state(w);
  auto it = meta.find("step");
  if (it == meta.end() || it->second != std::to_string(info.step))
    fail("Trainer::resume: '", weights, "' and '", checkpoint_json_path(dir),
         "' are from different saves (their steps differ)");
  step_ = info.step;
  history_.clear();
  const std::string csv = (std::filesystem::path(dir) / "metrics.csv").string();
  if (std::filesystem::exists(csv))
    for (const MetricRow& r : read_metrics_csv(csv))
      if (r.step <= step_) history_.push_back(r);
}

TrainResult Trainer::run() {
  std::ostream& out = cfg_.log ? *cfg_.log : std::cout;
  Progress progress(out, cfg_.progress, cfg_.iters, cfg_.log_interval);
  TrainResult result;
  const auto t0 = Clock::now();
  double train_seconds = 0;
  const int64_t first_step = step_;
  clear_stop();
  using Handler = void (*)(int);
  Handler previous = SIG_DFL;
  if (cfg_.handle_sigint) {
    previous = std::signal(SIGINT, SIG_DFL);
    install_stop_handler();
  }
  auto restore_signal = [&] {
    if (cfg_.handle_sigint) std::signal(SIGINT, previous == SIG_ERR ? SIG_DFL : previous);
  };
  model_.train();
  try {
    while (step_ < cfg_.iters) {
      if (stop_requested() || (cfg_.stop_after > 0 && step_ >= cfg_.stop_after)) {
        result.interrupted = true;
        break;
      }
      const auto ts = Clock::now();
      MetricRow row = train_step();
      const double dt = seconds_since(ts);
      train_seconds += dt;
      if (cfg_.tokens_per_batch > 0 && dt > 0) row.tokens_per_s = double(cfg_.tokens_per_batch * cfg_.grad_accum) / dt;
      const double steps_per_s = train_seconds > 0 ? double(step_ - first_step) / train_seconds : 0;
      const double tokens_per_s = double(cfg_.tokens_per_batch * cfg_.grad_accum) * steps_per_s;
      progress.step(step_, row.train_loss, row.lr, tokens_per_s, steps_per_s);
      result.train_loss = row.train_loss;
      const bool last = step_ == cfg_.iters;
      if (last || (cfg_.eval_interval > 0 && step_ % cfg_.eval_interval == 0)) {
        result.last_eval = evaluate();
        row.val_loss = result.last_eval.val_loss;
        std::ostringstream line;
        line.precision(4);
        line << std::fixed << "step " << step_ << ": train loss " << result.last_eval.train_loss;
        if (row.val_loss >= 0) line << ", val loss " << row.val_loss;
        line << "  (" << format_duration(seconds_since(t0)) << ")";
        history_.push_back(row);
        if (!cfg_.out_dir.empty()) {
          save(cfg_.out_dir);
          line << "  saved " << cfg_.out_dir;
        }
        progress.line(line.str());
      } else {
        history_.push_back(row);
      }
      if (fns_.after_step) fns_.after_step(row);
    }
  } catch (...) {
    progress.finish();
    restore_signal();
    throw;
  }
  progress.finish();
  restore_signal();
  if (result.interrupted) {
    std::string msg = (stop_requested() ? "interrupted at step " : "stopped at step ") + std::to_string(step_);
    if (!cfg_.out_dir.empty()) {
      save(cfg_.out_dir);
      msg += "; checkpoint saved in " + cfg_.out_dir + " (continue with --resume " + cfg_.out_dir + ")";
    }
    progress.line(msg);
  }
  clear_stop();
  result.step = step_;
  result.seconds = seconds_since(t0);
  return result;
}

}  // namespace atn
