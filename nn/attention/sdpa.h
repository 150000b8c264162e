// Scaled dot-product attention, softmax(Q Kᵀ · scale) V, twice:
//
//  * sdpa_composed: the formula written with differentiable ops (matmul, scale, masked_fill,
//    softmax, matmul). Each op records its own tape entry and keeps its own intermediates, so
//    the Tq×Tk scores and weights live until backward. This is the readable reference.
//  * sdpa_fused: one op with its own backward, computed the FlashAttention way (Dao et al.,
//    "FlashAttention", 2022; online softmax from Milakov & Gimelshein, "Online normalizer
//    calculation for softmax", 2018). Queries and keys are processed in blocks; the Tq×Tk matrix
//    is never stored (unless the weights are asked for), only the output O and one number per
//    query row, the log-sum-exp L = log Σ_j exp(s_ij). Backward recomputes each block of weights
//    from L. With a causal mask whole key blocks above the diagonal are skipped.
//
// Both take q [B, H, Tq, d], k [B, H, Tk, d], v [B, H, Tk, dv] and return [B, H, Tq, dv].
//
// Masks. `mask` (optional) broadcasts to [B, H, Tq, Tk]; nonzero = may attend, 0 = blocked
// (e.g. a padding mask [B, 1, 1, Tk]). `causal` blocks the future. When Tq ≠ Tk the queries are
// taken to be the LAST Tq positions of the Tk keys (query i sits at position i + Tk − Tq), which
// is what decoding with a key/value cache needs: query i sees key j iff j ≤ i + Tk − Tq.
// A query row that may attend to nothing gets output 0 (and weights 0), never NaN.
#pragma once
#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <optional>
#include <vector>

#include "autograd/tape.h"
#include "tensor/fast_math.h"

namespace atn {

// The readable reference. If weights_out is given it receives the attention weights
// [B, H, Tq, Tk] as a Var on the tape (so a loss may depend on them too).
Var sdpa_composed(const Var& q, const Var& k, const Var& v, const Tensor& mask = Tensor(), bool causal = false,
                  Var* weights_out = nullptr);

struct SdpaOptions {
  bool causal = false;
  Tensor mask{};                // optional; see above
  std::optional<real> scale{};  // unset: 1/√d
  bool return_weights = false;  // fill *weights_out with [B, H, Tq, Tk] (costs Tq×Tk memory)
};

// The fused op: one tape entry. Weights, when requested, are a plain Tensor for inspection and
// plots; no gradient flows through them.
Var sdpa_fused(const Var& q, const Var& k, const Var& v, const SdpaOptions& options = {},
               Tensor* weights_out = nullptr);

namespace detail {

// Where the rows of one head of an operand lie in memory: head (b, h) starts at
// b·batch + h·head floats from the operand's first element, and its row t a further t·row.
// The [B, H, T, width] tensors of sdpa_fused are contiguous (row = width); heads side by side
// in the last axis of a Linear's output [B, T, H·width] have head = width and row = H·width
// (nn/attention/sdpa_heads.h). The kernels read and write through these, so one head's rows
// never have to be copied out of (or back into) the bigger tensor by a separate op.
struct HeadStrides {
  int64_t batch = 0, head = 0, row = 0;
};
// [B, H, T, width], contiguous.
inline HeadStrides contiguous_heads(int64_t H, int64_t T, int64_t width) { return {H * T * width, T * width, width}; }
// [B, T, row] whose columns h·width … h·width + width − 1 hold head h (row ≥ H·width).
inline HeadStrides heads_in_rows(int64_t T, int64_t width, int64_t row) { return {T * row, width, row}; }

// Everything the fused kernels need to know about one call, validated by sdpa_fused.
struct SdpaProblem {
  int64_t B = 0, H = 0, Tq = 0, Tk = 0, d = 0, dv = 0;
  real scale = 1;
  bool causal = false;
  const real* mask = nullptr;   // null: no mask
  int64_t mask_stride[4] = {};  // strides of the mask broadcast to [B, H, Tq, Tk] (0 where broadcast)
  int64_t block_q = 64, block_k = 64;
  // Layouts of q, k, v and the output; the gradients dq, dk, dv and dout share them. lse and
  // the optional weights are always contiguous [B, H, Tq] and [B, H, Tq, Tk].
  HeadStrides q_at{}, k_at{}, v_at{}, out_at{};

  // Offset of head bh = b·H + h of an operand laid out as `at`.
  int64_t head_offset(const HeadStrides& at, int64_t bh) const { return (bh / H) * at.batch + (bh % H) * at.head; }

  // Last key index query i may see under the causal rule (Tk − 1 when not causal).
  int64_t last_key(int64_t i) const { return causal ? i + Tk - Tq : Tk - 1; }
  // Keys [0, key_end) can matter to query rows [i0, i0 + rows): the causal rule hides the rest
  // from every one of those rows, so their blocks are never touched. May be ≤ 0.
  int64_t key_end(int64_t i0, int64_t rows) const { return std::min(Tk, last_key(i0 + rows - 1) + 1); }
};

// Checks shapes (throwing Error naming `op`) and fills a problem for contiguous [B, H, T, d]
// operands. The mask is only pointed to.
SdpaProblem make_sdpa_problem(const Tensor& q, const Tensor& k, const Tensor& v, const Tensor& mask, bool causal,
                              std::optional<real> scale, const char* op);
// The part shared with other layouts: once B, H, Tq, Tk and d are set, checks that the mask
// broadcasts to [B, H, Tq, Tk] and sets the mask, the causal flag and the scale (unset: 1/√d).
void set_mask_and_scale(SdpaProblem& p, const Tensor& mask, bool causal, std::optional<real> scale, const char* op);

// Key block j0 of a head spans keys [j0, j0 + block_cols(j0)).
inline int64_t block_cols(const SdpaProblem& p, int64_t j0) { return std::min(p.block_k, p.Tk - j0); }

// The first columns of key block j0 that query row i needs exponentials for: under the causal rule
// every key past the row's last one has score −inf and weight 0, so the loops stop there (on the
// diagonal block, half the exponentials). Rounded up to a multiple of 8, the number of partial
// sums the row sums use: their zeros then fall where they fell over the whole block, and the sum
// comes out in the same bits.
inline int64_t weighted_cols(const SdpaProblem& p, int64_t i, int64_t j0) {
  const int64_t cols = block_cols(p, j0);
  if (!p.causal) return cols;
  const int64_t seen = std::max<int64_t>(0, p.last_key(i) + 1 - j0);
  return std::min(cols, (seen + 7) / 8 * 8);
}

// x: one head's keys or values, Tk rows of `width` floats, row r at x + r·row_stride → its
// transpose cut into key blocks: block j0 is the [width, block_cols(j0)] matrix starting at
// out + j0·width. gemm runs fastest with neither operand transposed, and this copy costs only
// Tk·width.
void transpose_key_blocks(const SdpaProblem& p, const real* x, int64_t width, int64_t row_stride, real* out);

// One block of scores: s[r, c] = scale · q_{i0+r} · k_{j0+c} for r < rows, c < block_cols(j0), or
// −inf where the mask or the causal rule blocks the pair. q_rows points at row i0 of head bh,
// kt_block at block j0 of that head's transposed keys.
void sdpa_scores(const SdpaProblem& p, int64_t bh, const real* q_rows, int64_t i0, int64_t rows, const real* kt_block,
                 int64_t j0, real* s);

// exp_approx (tensor/fast_math.h) computes the exponentials of the softmax loops.

// a · b over n values in eight interleaved partial sums (a single running sum is a chain the
// compiler must keep in order, one add at a time). The order is fixed, so the bits are too.
real row_dot(const real* a, const real* b, int64_t n);

// Scratch helper: buf grown to at least n floats (never shrunk, so a thread's buffer is reused by
// the next head and the next call); its data.
real* reserve_floats(std::vector<real>& buf, int64_t n);

// Forward: fills out (laid out as p.out_at) and lse [B,H,Tq] (+inf for a row that attends to
// nothing, so that exp(s − lse) = 0 there). weights, if not null, receives [B,H,Tq,Tk]
// normalized weights. q, k, v, out point at element 0 of their operands (see HeadStrides).
//
// Each (batch, head) is one task of the thread pool, computed start to finish by one thread in
// a fixed order, so the bits do not depend on the thread count. Its working buffers (the
// transposed keys, a block of scores, the running sums) are that thread's scratch, kept from
// call to call: nothing is allocated per head.
void sdpa_forward(const SdpaProblem& p, const real* q, const real* k, const real* v, real* out, real* lse,
                  real* weights);
// Backward by recomputation: given dout (laid out as the output), writes (does not add to) every
// element of every head of dq, dk, dv, laid out as q, k, v.
void sdpa_backward(const SdpaProblem& p, const real* q, const real* k, const real* v, const real* out, const real* lse,
                   const real* dout, real* dq, real* dk, real* dv);

}  // namespace detail
}  // namespace atn
