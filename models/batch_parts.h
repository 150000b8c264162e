// A language model's training step with its batch cut into row blocks that run side by side:
// backward_in_parts (autograd/backward_in_parts.h) applied to LanguageModel::training_loss.
//
//   real loss = backward_in_batch_parts(model, idx, targets, parts, concurrently);
//
// Rows [0, B) of idx and targets [B, T] are cut into `parts` blocks as even as they can be
// (the first B mod parts blocks one row longer). Part p's loss is the mean
// over its counted targets (target −1 is not counted, as in LanguageModel::loss), weighted by its
// share of the batch's counted targets, so the gradient left in the parameters' grads is that of
// the batch's mean loss, the same value as one backward of training_loss(idx, targets) up to
// rounding; `scale` multiplies every weight (a trainer's 1/grad_accum). Returns that weighted mean
// (unscaled). A block with no counted target is left out.
//
// The bits depend on `parts` (the sums are grouped by block) but not on the thread count nor on
// `concurrently`. Pass concurrently = false when the model draws random numbers in its forward
// pass (dropout in training mode): the parts then run one after the other on this thread, each
// on the whole pool.
//
// Errors (atn::Error): parts < 1 or more than B, targets whose shape differs from idx, no
// counted target at all; and those of backward_in_parts and of the model.
#pragma once
#include "models/language_model.h"

namespace atn {

real backward_in_batch_parts(LanguageModel& model, const Tensor& idx, const Tensor& targets, int64_t parts,
                             bool concurrently, real scale = 1);

}  // namespace atn
