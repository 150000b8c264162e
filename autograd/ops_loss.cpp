#include "autograd/ops_loss.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "tensor/elementwise.h"
#include "tensor/softmax.h"
#include "tensor/thread_pool.h"

namespace atn {

namespace {

// The smoothed target distribution of a row whose class is c: q_c = on, q_j = off for the
// other classes, except q_zero = 0 (the padding class; −1 when there is none).
struct Smoothing {
  double on = 1, off = 0;
  int64_t zero = -1;
  double weight(int64_t j, int64_t c) const { return j == c ? on : j == zero ? 0.0 : off; }
};

// The targets checked against an input [..., C]: one class per row, −1 for an ignored row.
struct Targets {
  int64_t rows = 0, classes = 0;
  std::vector<int64_t> cls;
  int64_t count = 0;  // rows that are not ignored: the divisor of the mean
  Smoothing q;
};

Smoothing smoothing_of(const CrossEntropyOptions& o, int64_t classes, const char* op) {
  const double eps = o.label_smoothing;
  Smoothing q;
  if (eps == 0 || classes == 0) return q;
  if (o.smoothing_style == SmoothingStyle::pytorch) {
    q.off = eps / double(classes);
    q.on = 1 - eps + q.off;
    return q;
  }
  if (classes < 3) fail(op, ": annotated_transformer smoothing needs at least 3 classes, got ", classes);
  if (o.ignore_index < 0 || o.ignore_index >= classes)
    fail(op, ": annotated_transformer smoothing needs ignore_index to be the padding class in [0, ", classes,
         "), got ", o.ignore_index);
  q.on = 1 - eps;
  q.off = eps / double(classes - 2);
  q.zero = o.ignore_index;
  return q;
}

Targets check_targets(const Shape& input, const Tensor& targets, const CrossEntropyOptions& o, const char* op) {
  if (input.empty()) fail(op, ": the input needs a class axis (the last one), got shape ", to_string(input));
  const Shape leading(input.begin(), input.end() - 1);
  if (targets.shape() != leading)
    fail(op, ": targets of shape ", to_string(targets.shape()), " do not match input of shape ", to_string(input),
         " (expected ", to_string(leading), ")");
  if (!(o.label_smoothing >= 0 && o.label_smoothing <= 1))
    fail(op, ": label_smoothing must be in [0, 1], got ", o.label_smoothing);
  Targets t;
  t.classes = input.back();
  t.rows = numel(leading);
  t.cls.resize(size_t(t.rows));
  for (int64_t i = 0; i < t.rows; ++i) {
    const real v = targets[i];
    if (v == real(o.ignore_index)) {
      t.cls[size_t(i)] = -1;
      continue;
    }
    if (!std::isfinite(v) || v != std::floor(v))
      fail(op, ": target ", v, " at position ", i, " is not a whole number (targets of shape ",
           to_string(targets.shape()), ")");
    if (v < 0 || v >= real(t.classes))
      fail(op, ": target ", v, " at position ", i, " is out of range [0, ", t.classes, ") for input of shape ",
           to_string(input));
    t.cls[size_t(i)] = int64_t(v);
    ++t.count;
  }
  t.q = smoothing_of(o, t.classes, op);
  return t;
}

// −Σ_j q_j lp_j. A term whose weight is 0 is skipped rather than multiplied, so a −inf
// log-probability with zero weight gives no 0·(−inf) = NaN.
double smoothed_nll(const real* lp, int64_t classes, int64_t c, const Smoothing& q) {
  double loss = 0;
  if (q.off == 0) {  // no smoothing: only the target's term (the same arithmetic as the loop)
    if (q.on != 0) loss -= q.on * lp[c];
    return loss;
  }
  for (int64_t j = 0; j < classes; ++j) {
    const double w = q.weight(j, c);
    if (w != 0) loss -= w * lp[j];
  }
  return loss;
}

// fn(begin, end) on chunks of the rows of a [rows, classes] input, over the thread pool. The
// chunk boundaries depend only on `classes` (about 4K values a chunk) and each row is computed
// by one thread, so every thread count gives the same bits.
template <class Fn>
void for_row_chunks(int64_t rows, int64_t classes, const Fn& fn) {
  const int64_t grain = std::max<int64_t>(1, 4096 / std::max<int64_t>(classes, 1));
  parallel_for(rows, [&](int64_t begin, int64_t end) { fn(begin, end); }, grain);
}

// Per-row losses → the result the reduction asks for (ignored rows hold 0). The sum runs over
// the rows in order on one thread, so it does not depend on how the rows were computed.
Tensor reduce_rows(const std::vector<double>& losses, const Tensor& targets, const Targets& t, Reduction r) {
  if (r == Reduction::none) {
    Tensor out = Tensor::empty(targets.shape());
    for (int64_t i = 0; i < t.rows; ++i) out[i] = real(losses[size_t(i)]);
    return out;
  }
  double total = 0;
  for (double l : losses) total += l;
  if (r == Reduction::mean) total = t.count > 0 ? total / double(t.count) : 0.0;  // all ignored → 0
  return Tensor::scalar(real(total));
}

// dL/d(loss of row i): g[i] for none, g for sum, g / count for mean (0 when all are ignored).
real row_scale(const Tensor& g, const Targets& t, Reduction r, int64_t i) {
  if (r == Reduction::none) return g[i];
  if (r == Reduction::sum) return g[0];
  return t.count > 0 ? g[0] / real(t.count) : 0;
}

}  // namespace

Var cross_entropy(const Var& logits, const Tensor& targets, CrossEntropyOptions options) {
  const Targets t = check_targets(logits.shape(), targets, options, "cross_entropy");
  const int64_t C = t.classes;
  const real* x = logits.value().data();

  // Forward: one log-softmax per row into a scratch row, then the smoothed NLL of that row.
  // Rows in parallel, each loss into its own slot; reduce_rows adds them up in order.
  std::vector<double> losses(size_t(t.rows), 0.0);
  for_row_chunks(t.rows, C, [&](int64_t begin, int64_t end) {
    std::vector<real> lp(static_cast<size_t>(C));
    for (int64_t i = begin; i < end; ++i) {
      if (t.cls[size_t(i)] < 0) continue;
      detail::log_softmax_row(x + i * C, lp.data(), C);
      losses[size_t(i)] = smoothed_nll(lp.data(), C, t.cls[size_t(i)], t.q);
    }
  });

  const Reduction red = options.reduction;
  Tensor value = reduce_rows(losses, targets, t, red);
  return record("cross_entropy", value, {logits}, [logits, t, red](const Tensor& g) {
    // dloss_i/dlogits_i = softmax(logits_i) − q_i, because Σ_j q_ij = 1. Written straight into
    // the gradient: the softmax, minus the target distribution, times the reduction's scale.
    // Rows in parallel; every element of d is written by exactly one row.
    const int64_t n = t.classes;
    Tensor d = Tensor::empty(logits.shape());
    const real* px = logits.value().data();
    const real off = real(t.q.off), on = real(t.q.on);
    const int64_t zero = t.q.zero;
    for_row_chunks(t.rows, n, [&](int64_t begin, int64_t end) {
      for (int64_t i = begin; i < end; ++i) {
        const int64_t c = t.cls[size_t(i)];
        real* row = d.data() + i * n;
        if (c < 0) {  // ignored: zero gradient
          std::fill(row, row + n, real(0));
          continue;
        }
        detail::softmax_row(px + i * n, row, n);
        const real s = row_scale(g, t, red, i);
        // (y_j − q_j)·s with q_j = off for every class but c (on) and `zero` (0; never c,
        // since a row whose target is the padding class is ignored).
        const real y_c = row[c], y_zero = zero >= 0 ? row[zero] : 0;
        for (int64_t j = 0; j < n; ++j) row[j] = (row[j] - off) * s;
        row[c] = (y_c - on) * s;
        if (zero >= 0) row[zero] = y_zero * s;
      }
    });
    logits.accumulate_grad(std::move(d));
  });
}

Var nll_loss(const Var& log_probs, const Tensor& targets, CrossEntropyOptions options) {
  const Targets t = check_targets(log_probs.shape(), targets, options, "nll_loss");
  const real* lp = log_probs.value().data();
  std::vector<double> losses(size_t(t.rows), 0.0);
  for (int64_t i = 0; i < t.rows; ++i)
    if (t.cls[size_t(i)] >= 0) losses[size_t(i)] = smoothed_nll(lp + i * t.classes, t.classes, t.cls[size_t(i)], t.q);

  const Reduction red = options.reduction;
  Tensor value = reduce_rows(losses, targets, t, red);
  return record("nll_loss", value, {log_probs}, [log_probs, t, red](const Tensor& g) {
    // The loss is linear in the log-probabilities: dloss_i/dlp_ij = −q_ij.
    const int64_t n = t.classes;
    Tensor d = Tensor::zeros(log_probs.shape());
    for (int64_t i = 0; i < t.rows; ++i) {
      const int64_t c = t.cls[size_t(i)];
      if (c < 0) continue;
      real* row = d.data() + i * n;
      const real s = row_scale(g, t, red, i);
      for (int64_t j = 0; j < n; ++j) row[j] = -real(t.q.weight(j, c)) * s;
    }
    log_probs.accumulate_grad(d);
  });
}

Var mse(const Var& pred, const Var& target, Reduction reduction) {
  if (pred.shape() != target.shape())
    fail("mse: shapes differ: pred ", to_string(pred.shape()), " vs target ", to_string(target.shape()));
  const int64_t n = pred.numel();
  if (reduction == Reduction::mean && n == 0) fail("mse: the mean of empty tensors of shape ", to_string(pred.shape()));
  const real* p = pred.value().data();
  const real* q = target.value().data();
  Tensor out = reduction == Reduction::none ? Tensor(pred.shape()) : Tensor::scalar(0);
  double total = 0;
  for (int64_t i = 0; i < n; ++i) {
    const real d = p[i] - q[i];
    if (reduction == Reduction::none) out[i] = d * d;
    else total += double(d) * double(d);
  }
  if (reduction != Reduction::none) out[0] = real(reduction == Reduction::mean ? total / double(n) : total);

  return record("mse", out, {pred, target}, [pred, target, reduction](const Tensor& g) {
    // d(p − q)²/dp = 2(p − q) = −d(p − q)²/dq, times g (per element for none) and 1/n for mean.
    const int64_t count = pred.numel();
    const real scale = reduction == Reduction::mean ? real(2) / real(count) : real(2);
    Tensor d = Tensor::empty(pred.shape());
    const real* pp = pred.value().data();
    const real* pq = target.value().data();
    for (int64_t i = 0; i < count; ++i) d[i] = scale * (pp[i] - pq[i]) * (reduction == Reduction::none ? g[i] : g[0]);
    if (pred.requires_grad()) pred.accumulate_grad(d);
    if (target.requires_grad()) target.accumulate_grad(neg(d));
  });
}

}  // namespace atn
