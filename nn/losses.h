// Losses, in one header: the fused classification losses and mse of autograd/ops_loss.h
// (cross_entropy, nll_loss, mse, with CrossEntropyOptions and Reduction), and two more built
// here from autograd ops: binary cross-entropy on logits and the KL divergence.
#pragma once
#include "autograd/ops_loss.h"

namespace atn {

// Binary cross-entropy on logits x with targets t in [0, 1] of the same shape (PyTorch's
// BCEWithLogitsLoss, without its weights): per element
//   loss = −[t·log σ(x) + (1 − t)·log(1 − σ(x))] = softplus(x) − x·t
//        = max(x, 0) − x·t + log(1 + e^−|x|),
// which never takes the log of a σ that rounded to 0 or 1 (x = ±100 stays finite and exact).
// dloss/dx = σ(x) − t. Throws if the shapes differ or a target lies outside [0, 1].
Var binary_cross_entropy_with_logits(const Var& logits, const Var& targets, Reduction reduction = Reduction::mean);

// KL(p ‖ q) = Σ p·(log p − log q), from log_q (the model's log-probabilities, e.g. a
// log_softmax) and p (target probabilities, same shape); 0·log 0 = 0. The argument order and
// the meaning of each reduction are PyTorch's kl_div(input = log_q, target = p):
//   Reduction::mean  divides the total by N = log_q.size(0), the batch size: PyTorch's
//                    reduction='batchmean', the mean KL per example for log_q [N, C]
//                    (PyTorch's plain 'mean', the total over numel, is not the KL; not offered).
//                    For [B, T, V] it divides by B; reshape to [B·T, V] for the mean per token.
//   Reduction::sum   the total (the Annotated Transformer's label-smoothing loss uses this).
//   Reduction::none  the terms p·(log p − log q), in the input's shape.
// Zero when p = q. Throws if the shapes differ, log_q is a scalar, or p has a negative entry.
Var kl_div(const Var& log_q, const Var& p, Reduction reduction = Reduction::mean);

}  // namespace atn
