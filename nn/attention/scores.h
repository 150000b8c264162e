// Score functions of encoder–decoder attention, and the softmax-and-average step they share.
//
// Bahdanau, Cho & Bengio (2015), "Neural Machine Translation by Jointly Learning to Align and
// Translate", and Luong, Pham & Manning (2015), "Effective Approaches to Attention-based Neural
// Machine Translation": a decoder state (the query q) is compared with every encoder state (the
// keys k_j); the scores become weights α = softmax(scores); the context vector is the weighted
// average of the values, c = Σ_j α_j v_j (in an RNN encoder–decoder, values = keys = the h_j).
//
//   dot        score(q, k) = q·k                      (Luong "dot"; needs dq = dk)
//   scaled dot score(q, k) = q·k / √dk                 (Vaswani et al. 2017; needs dq = dk)
//   general    score(q, k) = qᵀ W k,  W [dq, dk]       (Luong "general", a bilinear form)
//   additive   score(q, k) = vᵀ tanh(W_q q + W_k k)    (Bahdanau's MLP score, "concat" in Luong)
//
// Shapes: query [B, dq] (one decoder state per sequence) or [B, Tq, dq] (several at once);
// keys [B, T, dk]; values [B, T, dv]. The result has context [B, dv] and weights [B, T], or
// [B, Tq, dv] and [B, Tq, T]. An optional mask (1 = may attend, see masks.h) broadcasts to
// the weights' shape, e.g. [B, T] to hide padding.
#pragma once
#include "nn/linear.h"

namespace atn {

// What every attention module here returns: the attended output (Bahdanau's context vector c,
// self-attention's H, GAT's h') and the attention weights, kept for heatmaps. Unpack it as
// `auto [H, A] = attn(x);`.
struct AttentionResult {
  Var context;
  Var weights;
};

// α = softmax(scores) along the last axis, with −∞ where mask is 0; context = α · values.
// scores [..., Lq, Lk] and values [..., Lk, dv] (leading axes broadcast) → context [..., Lq, dv].
// Fully masked rows get all-zero weights, hence a zero context (never NaN). `op` names the caller
// in error messages.
AttentionResult attend(const Var& scores, const Var& values, const Tensor& mask = Tensor(), const char* op = "attend");

class ScoreFunction : public Module {
 public:
  // The raw scores [B, T] (or [B, Tq, T]) before the softmax. Checks the shapes.
  Var scores(const Var& query, const Var& keys);
  // Scores, mask, softmax, weighted sum of the values.
  AttentionResult forward(const Var& query, const Var& keys, const Var& values, const Tensor& mask = Tensor());
  AttentionResult operator()(const Var& query, const Var& keys, const Var& values, const Tensor& mask = Tensor()) {
    return forward(query, keys, values, mask);
  }

 protected:
  // d_query = d_key = 0: any sizes, but equal (a dot product); otherwise exactly these sizes.
  ScoreFunction(int64_t d_query, int64_t d_key) : d_query_(d_query), d_key_(d_key) {}
  // q [B, Tq, dq], keys [B, T, dk], both checked → scores [B, Tq, T].
  virtual Var scores3(const Var& q, const Var& keys) = 0;

 private:
  int64_t d_query_, d_key_;
};

class DotScore : public ScoreFunction {
 public:
  DotScore() : ScoreFunction(0, 0) {}
  std::string type_name() const override { return "DotScore"; }

 protected:
  Var scores3(const Var& q, const Var& keys) override;
};

// Dividing by √dk keeps the scores' variance near 1 when q and k have unit-variance entries
// (a sum of dk products has variance dk), so the softmax does not saturate as dk grows.
class ScaledDotScore : public ScoreFunction {
 public:
  ScaledDotScore() : ScoreFunction(0, 0) {}
  std::string type_name() const override { return "ScaledDotScore"; }

 protected:
  Var scores3(const Var& q, const Var& keys) override;
};

// qᵀ W k with W = w.weight [dq, dk] (a bias-free Linear dk → dq applied to the keys, then a dot
// product with the query). Queries and keys may have different sizes.
class GeneralScore : public ScoreFunction {
 public:
  GeneralScore(int64_t d_query, int64_t d_key, Rng& rng);
  std::string type_name() const override;

  Linear w;

 protected:
  Var scores3(const Var& q, const Var& keys) override;
};

// vᵀ tanh(W_q q + W_k k): a one-hidden-layer MLP of width d_attn on the pair (q, k), bias-free as
// in Bahdanau's equations. Parameters wq.weight [d_attn, dq], wk.weight [d_attn, dk],
// v.weight [1, d_attn]. The sum is formed by broadcasting [B, Tq, 1, d_attn] + [B, 1, T, d_attn].
class AdditiveScore : public ScoreFunction {
 public:
  AdditiveScore(int64_t d_query, int64_t d_key, int64_t d_attn, Rng& rng);
  std::string type_name() const override;

  Linear wq, wk, v;

 protected:
  Var scores3(const Var& q, const Var& keys) override;
};

}  // namespace atn
