// Matrix multiplication: the three loops (gemm_naive), the fast blocked and packed gemm, and the
// batched matmul over both.
//
// The fast gemm follows the GotoBLAS/BLIS design (Goto & van de Geijn, "Anatomy of
// High-Performance Matrix Multiplication", ACM TOMS 2008; Van Zee & van de Geijn, "BLIS", 2015):
//
//  1. Pack. op(A) is copied into row panels of MR rows and op(B) into column panels of NR
//     columns, laid out in exactly the order the micro-kernel reads them (k-major, zero-padded
//     at the edges). Packing also absorbs the transposes: after it, all four (trans_a, trans_b)
//     cases are the same problem.
//  2. Micro-kernel. An MR×NR block of C lives in vector registers while k runs over a slice of
//     KC: per k it loads NR values of B, broadcasts MR values of A and does MR·NR/lanes fused
//     multiply-adds. Nothing but these registers is written in the inner loop.
//  3. Blocking. C is cut into tiles of MC×NC; a tile walks k in slices of KC so that one B
//     micro-panel (KC×NR) stays in L1 while the tile's A block (MC×KC) stays in L2.
//  4. Threads. Tiles are independent, so parallel_for hands them out to the pool.
//
// Determinism: every element of C is computed by one thread, by the same code, as
//   c = (((c0 + s_0) + s_1) + ...)   with s_p = a fused-multiply-add chain over k in slice p,
// and the slices are fixed by KC alone. Neither the thread count nor the tile a thread happens
// to take changes that order, so the result is bit-identical for any number of threads.
#include "tensor/matmul.h"

#include <algorithm>
#include <cstring>
#include <memory>

#include "tensor/elementwise.h"
#include "tensor/thread_pool.h"

namespace atn {

void gemm_naive(int64_t M, int64_t N, int64_t K, const real* A, bool trans_a, const real* B, bool trans_b, real* C,
                bool accumulate) {
  for (int64_t i = 0; i < M; ++i)
    for (int64_t j = 0; j < N; ++j) {
      real s = 0;
      for (int64_t k = 0; k < K; ++k) {
        real a = trans_a ? A[k * M + i] : A[i * K + k];
        real b = trans_b ? B[j * K + k] : B[k * N + j];
        s += a * b;
      }
      C[i * N + j] = accumulate ? C[i * N + j] + s : s;
    }
}

namespace {

// ---- Register blocking, chosen per target at compile time -------------------------------------
// A vector of kLanes floats written with the GCC/Clang vector extension: the compiler maps it to
// AVX-512, AVX or SSE on x86-64 and NEON on arm64 (splitting it when it is wider than the
// hardware), and turns `acc += a * b` into fused multiply-adds when the target has them.
// The accumulators (MR × NR/kLanes vectors) plus the NR/kLanes B vectors must fit in the
// register file: 32 registers with AVX-512 and NEON, 16 with AVX and SSE.
#if defined(__AVX512F__)
constexpr int kLanes = 16, MR = 12, NV = 2;  // 24 accumulators of 16 floats
#elif defined(__AVX__)
constexpr int kLanes = 8, MR = 6, NV = 2;  // 12 accumulators of 8 floats
#elif defined(__aarch64__)
constexpr int kLanes = 4, MR = 8, NV = 3;  // 24 accumulators of 4 floats
#else
constexpr int kLanes = 4, MR = 6, NV = 2;  // SSE2 (plain x86-64) and anything else: 12 of 4
#endif
constexpr int NR = NV * kLanes;  // columns of the micro-tile

// Cache blocking. Only KC decides the summation order (see the top of the file); MC and NC only
// decide which thread computes what. KC·NR floats of B (8-32 KB) sit in L1 during a sweep over
// the MC rows of a tile, and the tile's MC·KC floats of A stay in L2. Tiles of about 48×128 are
// small enough that a 256×256 product already makes a dozen tasks to share out, and large enough
// that the per-tile overhead is lost in the arithmetic. (Tile sides are whole micro-tiles.)
constexpr int64_t KC = 256;
constexpr int64_t MC = (48 + MR - 1) / MR * MR;
constexpr int64_t NC = (128 + NR - 1) / NR * NR;
// Below this many flops (2·M·N·K) a product runs on the calling thread: waking a worker costs
// tens of microseconds, as long as the whole product.
constexpr double kParallelFlops = 4e6;

using Vec = real __attribute__((vector_size(kLanes * sizeof(real))));

// memcpy, not a pointer cast: packed panels and rows of C need not be aligned to the vector size.
inline Vec load(const real* p) {
  Vec v;
  std::memcpy(&v, p, sizeof v);
  return v;
}
inline void store(real* p, Vec v) { std::memcpy(p, &v, sizeof v); }
// One value in every lane: an operation between a scalar and a vector applies the scalar to every
// lane. x - 0 is exactly x for every float, so the compiler drops the subtraction (x + 0 is not:
// -0 + 0 = +0) and a single broadcast remains.
inline Vec broadcast(real x) { return x - Vec{}; }

// C[0:m, 0:n] = (overwrite ? 0 : C) + Σ_k a[k]·b[k] over one KC slice, where a holds kc groups of
// MR values (a column of the A panel) and b kc groups of NR values (a row of the B panel).
// The full MR×NR product is always computed (the panels are zero-padded); only m×n is stored.
void micro_kernel(int64_t kc, const real* a, const real* b, real* c, int64_t ldc, int64_t m, int64_t n,
                  bool overwrite) {
  Vec acc[MR][NV] = {};
  for (int64_t k = 0; k < kc; ++k, a += MR, b += NR) {
    Vec bv[NV];
#pragma GCC unroll 4
    for (int v = 0; v < NV; ++v) bv[v] = load(b + v * kLanes);
#pragma GCC unroll 16
    for (int r = 0; r < MR; ++r) {
      const Vec ar = broadcast(a[r]);
#pragma GCC unroll 4
      for (int v = 0; v < NV; ++v) acc[r][v] += ar * bv[v];
    }
  }
  if (m == MR && n == NR) {
    for (int r = 0; r < MR; ++r)
      for (int v = 0; v < NV; ++v) {
        real* p = c + r * ldc + v * kLanes;
        store(p, overwrite ? acc[r][v] : load(p) + acc[r][v]);
      }
    return;
  }
  // Edge tile: the same additions, element by element, so edges round exactly like full tiles.
  real tile[MR * NR];
  for (int r = 0; r < MR; ++r)
    for (int v = 0; v < NV; ++v) store(tile + r * NR + v * kLanes, acc[r][v]);
  for (int64_t r = 0; r < m; ++r)
    for (int64_t j = 0; j < n; ++j) c[r * ldc + j] = overwrite ? tile[r * NR + j] : c[r * ldc + j] + tile[r * NR + j];
}

// Packs panels [p0, p1) of a matrix X (rows × depth, element (i, k) at src[i·si + k·sk]). Panel p
// holds rows [p·W, p·W + W): for each k, the W values X[p·W.., k], zeros past the last row.
// A is packed with W = MR (rows of op(A)) and B with W = NR (columns of op(B), i.e. rows of
// op(B)ᵀ). Both loops read memory in the order it is laid out, which matters more than it seems:
// a 1024×1024 operand read down its columns costs a TLB miss per element.
template <int W>
void pack_panels(real* dst, const real* src, int64_t rows, int64_t depth, int64_t si, int64_t sk, int64_t p0,
                 int64_t p1) {
  if (si == 1) {  // one k's values are contiguous: walk the source a row (k) at a time
    for (int64_t k = 0; k < depth; ++k) {
      const real* s = src + k * sk;
      for (int64_t p = p0; p < p1; ++p) {
        real* d = dst + p * W * depth + k * W;
        const int64_t i0 = p * W, w = std::min<int64_t>(W, rows - i0);
        if (w == W)
          for (int r = 0; r < W; ++r) d[r] = s[i0 + r];
        else
          for (int r = 0; r < W; ++r) d[r] = r < w ? s[i0 + r] : 0;
      }
    }
    return;
  }
  // Otherwise one row's values are contiguous along k: read the panel's W rows side by side.
  for (int64_t p = p0; p < p1; ++p) {
    real* d = dst + p * W * depth;
    const int64_t i0 = p * W, w = std::min<int64_t>(W, rows - i0);
    const real* s = src + i0 * si;
    for (int64_t k = 0; k < depth; ++k, d += W)
      for (int r = 0; r < W; ++r) d[r] = r < w ? s[r * si + k * sk] : 0;
  }
}

// Per-thread packing space, reused across calls so the hot path does not allocate (and fault
// in fresh pages) every time. It grows to the largest product the thread has run.
struct PackBuffer {
  std::unique_ptr<real[]> data;
  int64_t size = 0;
  real* get(int64_t n) {
    if (n > size) {
      data.reset(new real[n]);
      size = n;
    }
    return data.get();
  }
};
thread_local PackBuffer t_pack_a, t_pack_b;

}  // namespace

void gemm(int64_t M, int64_t N, int64_t K, const real* A, bool trans_a, const real* B, bool trans_b, real* C,
          bool accumulate) {
  if (M <= 0 || N <= 0) return;
  if (K <= 0) {  // an empty sum is 0
    if (!accumulate) std::fill(C, C + M * N, real(0));
    return;
  }
  const int64_t m_panels = (M + MR - 1) / MR, n_panels = (N + NR - 1) / NR;
  real* pa = t_pack_a.get(m_panels * MR * K);
  real* pb = t_pack_b.get(n_panels * NR * K);
  // Which work runs on the pool never changes a result (each index writes its own panel or
  // tile), so small products simply skip it.
  const bool parallel = 2.0 * double(M) * double(N) * double(K) >= kParallelFlops;
  auto run = [parallel](int64_t count, int64_t grain, const std::function<void(int64_t, int64_t)>& fn) {
    if (parallel) parallel_for(count, fn, grain);
    else fn(0, count);
  };

  // 1. Pack: indices [0, m_panels) are panels of op(A), the rest panels of op(B).
  //    op(A)[i, k] = trans_a ? A[k·M + i] : A[i·K + k];  op(B)[k, j] = trans_b ? B[j·K + k] : B[k·N + j].
  run(m_panels + n_panels, 8, [&](int64_t begin, int64_t end) {
    const int64_t a_end = std::min(end, m_panels), b_begin = std::max(begin, m_panels) - m_panels;
    if (begin < a_end) pack_panels<MR>(pa, A, M, K, trans_a ? 1 : K, trans_a ? M : 1, begin, a_end);
    if (b_begin < end - m_panels) pack_panels<NR>(pb, B, N, K, trans_b ? K : 1, trans_b ? 1 : N, b_begin, end - m_panels);
  });

  // 2. Compute tiles of MC×NC. A panel's slice k0..k0+kc starts at k0·W within the panel.
  const int64_t tile_rows = (M + MC - 1) / MC, tile_cols = (N + NC - 1) / NC;
  run(tile_rows * tile_cols, 1, [&](int64_t begin, int64_t end) {
    for (int64_t t = begin; t < end; ++t) {
      const int64_t i0 = (t / tile_cols) * MC, i1 = std::min(M, i0 + MC);
      const int64_t j0 = (t % tile_cols) * NC, j1 = std::min(N, j0 + NC);
      for (int64_t k0 = 0; k0 < K; k0 += KC) {
        const int64_t kc = std::min(KC, K - k0);
        const bool overwrite = k0 == 0 && !accumulate;
        for (int64_t j = j0; j < j1; j += NR) {
          const real* b = pb + (j / NR) * NR * K + k0 * NR;
          for (int64_t i = i0; i < i1; i += MR) {
            const real* a = pa + (i / MR) * MR * K + k0 * MR;
            micro_kernel(kc, a, b, C + i * N + j, N, std::min<int64_t>(MR, M - i), std::min<int64_t>(NR, N - j),
                         overwrite);
          }
        }
      }
    }
  });
}

namespace {
using Gemm = void (*)(int64_t, int64_t, int64_t, const real*, bool, const real*, bool, real*, bool);

Tensor batched(const Tensor& a, const Tensor& b, bool ta, bool tb, Gemm kernel, bool allow_threads) {
  if (a.dim() < 2 || b.dim() < 2)
    fail("matmul: both operands need at least 2 dimensions, got ", to_string(a.shape()), " x ", to_string(b.shape()));
  const Shape& sa = a.shape();
  const Shape& sb = b.shape();
  const int64_t M = ta ? sa[sa.size() - 1] : sa[sa.size() - 2];
  const int64_t Ka = ta ? sa[sa.size() - 2] : sa[sa.size() - 1];
  const int64_t Kb = tb ? sb[sb.size() - 1] : sb[sb.size() - 2];
  const int64_t N = tb ? sb[sb.size() - 2] : sb[sb.size() - 1];
  if (Ka != Kb)
    fail("matmul: inner dimensions differ: ", to_string(sa), (ta ? "ᵀ" : ""), " x ", to_string(sb), (tb ? "ᵀ" : ""));
  const Shape batch_a(sa.begin(), sa.end() - 2), batch_b(sb.begin(), sb.end() - 2);
  const auto plan = detail::plan_broadcast(batch_a, batch_b, "matmul");
  Shape out_shape = plan.out;
  out_shape.push_back(M);
  out_shape.push_back(N);
  numel(out_shape, "matmul");  // [2^30, 1] x [1, 2^30] is refused here, not by the allocator
  Tensor out = Tensor::empty(out_shape);  // gemm overwrites C (accumulate = false)
  if (out.numel() == 0) return out;
  const int64_t batches = numel(plan.out);
  const int64_t mat_a = M * Ka, mat_b = Kb * N, mat_c = M * N;
  const real* pa = a.data();
  const real* pb = b.data();
  real* pc = out.data();
  // Matrices [begin, end) of the batch. The broadcast batch index of matrix t is decoded from t
  // (plan strides count batch elements, so they are scaled by the matrix sizes).
  auto run = [&](int64_t begin, int64_t end) {
    for (int64_t t = begin; t < end; ++t) {
      int64_t ia = 0, ib = 0, rest = t;
      for (size_t d = plan.out.size(); d-- > 0;) {
        const int64_t i = rest % plan.out[d];
        rest /= plan.out[d];
        ia += i * plan.stride_a[d];
        ib += i * plan.stride_b[d];
      }
      kernel(M, N, Ka, pa + ia * mat_a, ta, pb + ib * mat_b, tb, pc + t * mat_c, false);
    }
  };
  // Many small products (attention heads): whole matrices per task, a few together when they are
  // tiny, each computed by one thread (its own gemm then runs inline). Big products: one after
  // another, each split by gemm itself. Either way each matrix gets the same bits.
  const double flops = 2.0 * double(M) * double(N) * double(Ka);
  if (allow_threads && batches > 1 && flops < kParallelFlops && flops * double(batches) >= kParallelFlops)
    parallel_for(batches, run, std::max<int64_t>(1, int64_t(kParallelFlops / 8 / std::max(flops, 1.0))));
  else
    run(0, batches);
  return out;
}
}  // namespace

Tensor matmul(const Tensor& a, const Tensor& b, bool trans_a, bool trans_b) {
  return batched(a, b, trans_a, trans_b, gemm, true);
}
Tensor matmul_naive(const Tensor& a, const Tensor& b, bool trans_a, bool trans_b) {
  return batched(a, b, trans_a, trans_b, gemm_naive, false);
}

}  // namespace atn
