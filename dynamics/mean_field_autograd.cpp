#include "dynamics/mean_field_autograd.h"

#include "autograd/ops_basic.h"
#include "autograd/ops_math.h"
#include "autograd/ops_shape.h"
#include "autograd/ops_softmax.h"
#include "autograd/tape.h"
#include "autograd/vjp.h"
#include "tensor/error.h"
#include "tensor/shape_ops.h"

namespace atn {

namespace {
// W^α as a [segments, patterns] matrix (column b = pattern b), for overlaps = t @ this.
Tensor segment_matrix(const MeanFieldWeights& w, MfMatrix alpha) {
  Tensor m({kMfSegments, kMfPatterns});
  for (int s = 0; s < kMfSegments; ++s)
    for (int b = 0; b < kMfPatterns; ++b) m.at({s, b}) = real(w.segment[alpha][b][s]);
  return m;
}

// The positional part of m^α for every slot: [C, M], a constant.
Tensor positional_part(const MeanFieldMap& map, MfMatrix alpha, const MeanFieldState& state) {
  Tensor m({kMfContext, kMfPatterns});
  for (int d = 0; d < kMfContext; ++d)
    for (int b = 0; b < kMfPatterns; ++b) {
      double sum = 0;
      for (int i = 0; i < kMfPosBits; ++i) sum += map.weights().positional[alpha][b][i] * state.code[size_t(d)][size_t(i)];
      m.at({d, b}) = real(map.config().epsilon * sum / kMfPosBits);
    }
  return m;
}
}  // namespace

Var mean_field_step_var(const MeanFieldMap& map, const Var& window, const MeanFieldState& state) {
  if (window.shape() != Shape{kMfContext, kMfPatterns})
    fail("mean_field_step_var: window must be [", kMfContext, ", ", kMfPatterns, "], got ", to_string(window.shape()));
  const MeanFieldWeights& w = map.weights();
  const real beta = real(map.config().beta_o), scale = real((1 - map.config().epsilon) / kMfSegments);
  // h[d, s] = Σ_a W^o_{a,s} A_{d,a}: the field of segment s for the token of slot d.
  const Var Wo_as = constant(transpose(segment_matrix(w, kMfO)));  // [a, s]
  const Var t = tanh(matmul(window, Wo_as) * beta);                 // [C, segments]
  auto overlaps = [&](MfMatrix alpha) {
    return matmul(t, constant(segment_matrix(w, alpha))) * scale + constant(positional_part(map, alpha, state));
  };
  const Var v = overlaps(kMfV), k = overlaps(kMfK);
  const Var q = narrow(overlaps(kMfQ), 0, 0, 1);                   // only the newest slot asks: [1, M]
  const Var weights = softmax(matmul(q, k, false, true) * real(map.gain()));  // [1, C]
  const Var A_new = matmul(weights, v);                                       // [1, M]
  return reshape(concat({A_new, narrow(window, 0, 0, kMfContext - 1)}, 0), {kMfStateSize});
}

MfJacobian mean_field_jacobian_autograd(const MeanFieldMap& map, const MeanFieldState& state) {
  Tensor A({kMfContext, kMfPatterns});
  for (int d = 0; d < kMfContext; ++d)
    for (int a = 0; a < kMfPatterns; ++a) A.at({d, a}) = real(state.A[size_t(d)][size_t(a)]);
  const Var window = param(A, "window");
  const Var next = mean_field_step_var(map, window, state);
  MfJacobian J{};
  for (int row = 0; row < kMfStateSize; ++row) {
    Tensor seed({kMfStateSize});
    seed[row] = 1;
    const Tensor g = vjp(next, seed, {window})[0];
    for (int col = 0; col < kMfStateSize; ++col) J[size_t(row) * kMfStateSize + size_t(col)] = double(g[col]);
  }
  Tape::current().clear();  // the forward's entries are no longer needed
  return J;
}

}  // namespace atn
