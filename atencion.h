// atencion.h: the whole public library in one include, for your own programs.
//
//   #include "atencion.h"      // then build and run with: make run FILE=mi_programa.cpp
//
// Library code includes the headers it needs one by one (that keeps rebuilds small and shows what
// each file uses); this header is for students' programs and quick experiments. It lists every
// header of the library folders below: tests/test_atencion_h.cpp fails when a header is missing.
#pragma once

// tensor/: tensors and kernels (no gradients)
#include "tensor/activation.h"
#include "tensor/elementwise.h"
#include "tensor/error.h"
#include "tensor/index_ops.h"
#include "tensor/json.h"
#include "tensor/matmul.h"
#include "tensor/reduce.h"
#include "tensor/rng.h"
#include "tensor/safetensors.h"
#include "tensor/shape.h"
#include "tensor/shape_ops.h"
#include "tensor/softmax.h"
#include "tensor/tensor.h"
#include "tensor/thread_pool.h"

// autograd/: Var, the tape, differentiable ops, gradcheck
#include "autograd/gradcheck.h"
#include "autograd/ops_basic.h"
#include "autograd/ops_dropout.h"
#include "autograd/ops_extra.h"
#include "autograd/ops_loss.h"
#include "autograd/ops_math.h"
#include "autograd/ops_norm.h"
#include "autograd/ops_shape.h"
#include "autograd/ops_softmax.h"
#include "autograd/tape.h"
#include "autograd/var.h"
#include "autograd/vjp.h"

// nn/: modules, layers, positions, losses
#include "nn/alibi.h"
#include "nn/batch_norm.h"
#include "nn/dropout.h"
#include "nn/embedding.h"
#include "nn/feed_forward.h"
#include "nn/gru.h"
#include "nn/init.h"
#include "nn/layer.h"
#include "nn/linear.h"
#include "nn/losses.h"
#include "nn/lstm.h"
#include "nn/module.h"
#include "nn/norm.h"
#include "nn/positional.h"
#include "nn/recurrent.h"
#include "nn/relative_position.h"
#include "nn/rnn.h"
#include "nn/rope.h"
#include "nn/sequential.h"

// nn/attention/: one file per attention family
#include "nn/attention/adaptive_span.h"
#include "nn/attention/collaborative.h"
#include "nn/attention/dual_attention.h"
#include "nn/attention/graph_attention.h"
#include "nn/attention/kernel_regression.h"
#include "nn/attention/kv_cache.h"
#include "nn/attention/linear_attention.h"
#include "nn/attention/local_attention.h"
#include "nn/attention/masks.h"
#include "nn/attention/multi_head.h"
#include "nn/attention/natural_attention.h"
#include "nn/attention/relational_attention.h"
#include "nn/attention/scores.h"
#include "nn/attention/sdpa.h"
#include "nn/attention/self_attention.h"
#include "nn/attention/symbol_retrieval.h"

// optim/: optimizers, schedules, clipping, checkpoints
#include "optim/adagrad.h"
#include "optim/adam.h"
#include "optim/attention_informed.h"
#include "optim/checkpoint.h"
#include "optim/cholesky.h"
#include "optim/clip.h"
#include "optim/exact_fisher.h"
#include "optim/kfac.h"
#include "optim/optimizer.h"
#include "optim/rmsprop.h"
#include "optim/schedule.h"
#include "optim/sgd.h"

// viz/: SVG figures and terminal heatmaps
#include "viz/svg.h"
#include "viz/terminal_heatmap.h"
