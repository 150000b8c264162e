// Losses: cross-entropy (fused with log-softmax), negative log-likelihood, mean squared error.
//
// Class axis: the LAST axis. logits [..., C] go with targets of the leading shape [...] holding
// class indices as whole numbers (e.g. logits [B, T, V] and targets [B, T] for a language
// model). PyTorch puts the classes on axis 1 instead; reshape to [N, C] and the two agree.
#pragma once
#include "autograd/tape.h"

namespace atn {

// How per-element losses become the result: their mean (a scalar), their sum (a scalar), or
// none (one loss per target, in the targets' shape).
enum class Reduction { mean, sum, none };

// Where label smoothing puts the mass ε it takes from the true class t:
//  pytorch: q = (1 − ε)·onehot(t) + ε/C on every one of the C classes, t included
//    (torch.nn.CrossEntropyLoss(label_smoothing=ε); Szegedy et al. 2016, "Rethinking the
//    Inception Architecture", §7).
//  annotated_transformer: q_t = 1 − ε, ε/(C − 2) on each class that is neither t nor the
//    padding class, and 0 on the padding class, which is ignore_index (so ignore_index must be
//    a real class and C ≥ 3). This is the Annotated Transformer's LabelSmoothing (Rush 2018).
//    It trains with KLDivLoss(q ‖ p) = Σ q log q − Σ q log p; we return −Σ q log p, which
//    differs by the constant Σ q log q and has the same gradient.
// With ε > 0 a class whose logit is −inf and whose q is not 0 makes the loss infinite, as in
// PyTorch: the smoothed target puts mass on it.
enum class SmoothingStyle { pytorch, annotated_transformer };

struct CrossEntropyOptions {
  // Targets equal to this index contribute no loss and no gradient, and are left out of the
  // mean's count (padding). It may be a real class (e.g. 0 for a PAD token).
  int64_t ignore_index = -100;
  // ε in [0, 1]: label smoothing, in one of two styles (see SmoothingStyle).
  real label_smoothing = 0;
  SmoothingStyle smoothing_style = SmoothingStyle::pytorch;
  Reduction reduction = Reduction::mean;
};

// loss_i = −Σ_j q_ij log softmax(logits_i)_j, per row i of logits [..., C]; targets has shape
// [...]. Fused: the forward takes one log-softmax pass per row and keeps only the inputs; the
// backward writes dlogits = (softmax − q) · g / count directly, never building a one-hot.
// Mean (PyTorch's default) divides by the number of non-ignored targets; if every target is
// ignored, the loss is defined as 0 with zero gradient (PyTorch gives NaN there).
// Throws on a target that is not a whole number, or outside [0, C) and not ignore_index.
Var cross_entropy(const Var& logits, const Tensor& targets, CrossEntropyOptions options = {});

// The same loss for inputs that already are log-probabilities [..., C]: loss_i = −Σ_j q_ij lp_ij
// (with ε = 0 simply −lp_i[t_i]). cross_entropy(x, t, o) equals nll_loss(log_softmax(x), t, o).
// Unlike PyTorch's nll_loss, label_smoothing is honoured here too, to keep that identity.
Var nll_loss(const Var& log_probs, const Tensor& targets, CrossEntropyOptions options = {});

// Mean (or sum, or none) of (pred − target)², elementwise. Shapes must be equal: no
// broadcasting, because a silently broadcast target ([N] against [N, 1]) is a classic bug.
Var mse(const Var& pred, const Var& target, Reduction reduction = Reduction::mean);

}  // namespace atn
