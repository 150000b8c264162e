// One gradient from several independent losses computed side by side: the parts of a training
// batch on the pool's threads, one part per thread, with no thread waiting on another until all
// parts are done.
//
//   losses = backward_in_parts(parts, weights, concurrently)
//
// computes loss_p = parts[p]() and backward(weights[p] · loss_p) for every part, and leaves in
// each leaf's grad (parameters, inputs) Σ_p weights[p] · d loss_p / d leaf, added in part order.
// Each part's leaf gradients are held apart while it runs (held_gradients.h) and added into the
// leaves after all parts are done, part 0 first, so the sum has the same bits whether the parts
// ran one after the other on one thread or side by side on several, and whichever thread took
// which part. Returns the parts' losses (unweighted).
//
// Why: the ops of a small model's step are too short to split well over threads (most of the
// time goes into waiting for the other thread, see docs/PERFORMANCE.md, fourth round), while
// two halves of a batch are two whole, independent steps.
//
// With concurrently = true the parts run on the pool (each part's own ops then run on the
// thread that took it); the parts must then not share anything they change: no shared Rng
// (dropout draws from its model's Rng, so a model with dropout in training mode must use false),
// no module state written during forward. With false they run in order on the calling thread,
// each part's ops on the pool as usual. Same bits either way.
//
// Errors (atn::Error): no parts, a weight count that differs from the part count, a weight that
// is not finite, a call inside NoGrad or with entries already on this thread's tape (they would
// be differentiated with part 0), a part whose loss is not a scalar that requires a gradient.
// When a part throws, no leaf's grad has been changed.
#pragma once
#include <functional>
#include <vector>

#include "autograd/var.h"

namespace atn {

std::vector<real> backward_in_parts(const std::vector<std::function<Var()>>& parts, const std::vector<real>& weights,
                                    bool concurrently);

}  // namespace atn
