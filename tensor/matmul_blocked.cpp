// The fast gemm: a register-blocked micro-kernel and the two ways of feeding it, with packed
// operands (gemm_packed) or reading them where they are (gemm_in_place).
//
// The design follows GotoBLAS/BLIS (Goto & van de Geijn, "Anatomy of High-Performance Matrix
// Multiplication", ACM TOMS 2008; Van Zee & van de Geijn, "BLIS", 2015):
//
//  1. Micro-kernel. An MR×NR block of C lives in vector registers while k runs over a slice of
//     KC: per k it loads NR values of B, broadcasts MR values of A and does MR·NR/lanes fused
//     multiply-adds. Nothing but these registers is written in the inner loop.
//  2. Pack. op(A) is copied into row panels of MR rows and op(B) into column panels of NR
//     columns, laid out in exactly the order the micro-kernel reads them (k-major, zero-padded
//     at the edges). Packing also absorbs the transposes: after it, all four (trans_a, trans_b)
//     cases are the same problem, and a big product reads only short contiguous streams.
//  3. Blocking. C is cut into tiles of MC×NC; a tile walks k in slices of KC so that one B
//     micro-panel (KC×NR) stays in L1 while the tile's A block (MC×KC) stays in L2.
//  4. Threads. Tiles are independent, so parallel_for hands them out to the pool; a product that
//     makes too few tiles for the threads is cut into smaller ones (see Tiles).
//
// Packing copies M·K + K·N values to save cache misses in M·N·K multiply-adds. At the sizes of
// the course's models (a GPT layer: 768×128 · 128×384; an attention head: 64×32 · 32×64) the
// operands fit in L1/L2 anyway and the copies cost a third of the product, so gemm_in_place
// skips them: the micro-kernel reads op(A) straight from A (row r of a tile is A + r·K along k,
// or Aᵀ's columns, which are contiguous across r) and op(B) straight from B when B is not
// transposed (row k of a panel is NR contiguous values of B). Only what cannot be read in place
// is packed: op(B) = Bᵀ (its panel rows are strided), and the partial panels at the bottom and
// right edges (a full-width read there would run past the matrix).
//
// Determinism: every element of C is computed by one thread, by the same code, as
//   c = (((c0 + s_0) + s_1) + ...)   with s_p = a fused-multiply-add chain over k in slice p
// (c0 is C's value when accumulating, bias[j] with a bias row, else absent: c = (s_0 + s_1) + ...),
// and the slices are fixed by KC alone. Neither the thread count, the tile a thread happens to
// take, nor whether an operand was packed changes that order or the values multiplied, so both
// paths give the same bits, for any number of threads.
#include <algorithm>
#include <cstring>
#include <memory>

#include "tensor/error.h"
#include "tensor/matmul.h"
#include "tensor/thread_pool.h"
#include "tensor/transpose_kernel.h"

namespace atn {

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

using Vec = real __attribute__((vector_size(kLanes * sizeof(real))));

// memcpy, not a pointer cast: panels and rows of C need not be aligned to the vector size.
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

// Where a micro-tile's A values are: element (r, k), r < MR, at a[r·row_step + k·k_step].
// Two layouts occur, and each gets its own compiled kernel with the unit step known:
//   rows adjacent (row_step = 1): a packed panel (k_step = MR) or op(A) = Aᵀ in place (k_step = M);
//   k adjacent (k_step = 1): op(A) = A in place, each row contiguous along k (row_step = K).
enum class ALayout { rows_adjacent, k_adjacent };

// Where a micro-tile's sum starts: element (r, j) from start[r·ld + j], or from nothing (the
// sum is stored as it is) when start is null. The first KC slice starts from nothing, from C
// itself (accumulate) or from the bias row (ld = 0: the same N values under every row); the
// later slices start from C.
struct Start {
  const real* start;
  int64_t ld;
};

// C[0:m, 0:n] = from + Σ_k a(·, k)·b[k] over one KC slice; b + k·ldb holds the NR values of row
// k of the B panel. The full kRows×NR product is always computed (edge panels are zero-padded);
// only m×n is stored. kRows is MR but for short bottom edges (see kEdgeRows): each element of C
// is the same chain of multiply-adds whatever the number of rows computed beside it.
template <ALayout kLayout, int kRows = MR>
void micro_kernel(int64_t kc, const real* a, int64_t a_step, const real* b, int64_t ldb, real* c, int64_t ldc,
                  int64_t m, int64_t n, Start from) {
  // Zeroed in unrolled loops, not with `= {}`: GCC 12 turns that into a memset of the array in
  // memory on every call (the accumulators then live in registers anyway), which costs as much
  // as a few k steps.
  Vec acc[kRows][NV];
#pragma GCC unroll 16
  for (int r = 0; r < kRows; ++r)
#pragma GCC unroll 4
    for (int v = 0; v < NV; ++v) acc[r][v] = Vec{};
  for (int64_t k = 0; k < kc; ++k, b += ldb) {
    Vec bv[NV];
#pragma GCC unroll 4
    for (int v = 0; v < NV; ++v) bv[v] = load(b + v * kLanes);
#pragma GCC unroll 16
    for (int r = 0; r < kRows; ++r) {
      const Vec ar = broadcast(kLayout == ALayout::rows_adjacent ? a[r] : a[r * a_step]);
#pragma GCC unroll 4
      for (int v = 0; v < NV; ++v) acc[r][v] += ar * bv[v];
    }
    a += kLayout == ALayout::rows_adjacent ? a_step : 1;
  }
  if (m == kRows && n == NR) {
    for (int r = 0; r < kRows; ++r)
      for (int v = 0; v < NV; ++v) {
        real* p = c + r * ldc + v * kLanes;
        store(p, from.start ? load(from.start + r * from.ld + v * kLanes) + acc[r][v] : acc[r][v]);
      }
    return;
  }
  // Edge tile: the same additions, element by element, so edges round exactly like full tiles.
  real tile[kRows * NR];
  for (int r = 0; r < kRows; ++r)
    for (int v = 0; v < NV; ++v) store(tile + r * NR + v * kLanes, acc[r][v]);
  for (int64_t r = 0; r < m; ++r)
    for (int64_t j = 0; j < n; ++j)
      c[r * ldc + j] = from.start ? from.start[r * from.ld + j] + tile[r * NR + j] : tile[r * NR + j];
}

// A bottom edge of at most MR − kEdgeRows rows (an attention head's 64 rows leave 4 after five
// micro-tiles of 12) is computed kEdgeRows rows at a time rather than as a whole zero-padded
// micro-tile: the 4-row edge then costs a third of the multiply-adds.
constexpr int kEdgeRows = 4;

// The start of the rows r0… of a micro-tile whose rows start at `from`.
Start rows_from(Start from, int64_t r0) { return {from.start ? from.start + r0 * from.ld : nullptr, from.ld}; }

// Packs panels [p0, p1) of a matrix X (rows × depth, element (i, k) at src[i·si + k·sk]) into
// dst, panel p0 first. Panel p holds rows [p·W, p·W + W): for each k, the W values X[p·W.., k],
// zeros past the last row. A is packed with W = MR (rows of op(A)) and B with W = NR (columns of
// op(B), i.e. rows of op(B)ᵀ). Both loops read memory in the order it is laid out, which matters
// more than it seems: a 1024×1024 operand read down its columns costs a TLB miss per element.
template <int W>
void pack_panels(real* dst, const real* src, int64_t rows, int64_t depth, int64_t si, int64_t sk, int64_t p0,
                 int64_t p1) {
  if (si == 1) {  // one k's values are contiguous: walk the source a row (k) at a time
    for (int64_t k = 0; k < depth; ++k) {
      const real* s = src + k * sk;
      for (int64_t p = p0; p < p1; ++p) {
        real* d = dst + (p - p0) * W * depth + k * W;
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
    real* d = dst + (p - p0) * W * depth;
    const int64_t i0 = p * W, w = std::min<int64_t>(W, rows - i0);
    const real* s = src + i0 * si;
    if (w == W && sk == 1) {  // the panel is the transpose of W rows of the source
      transpose_into(s, W, depth, si, d, W);
    } else if (w == W) {
      for (int64_t k = 0; k < depth; ++k, d += W)
        for (int r = 0; r < W; ++r) d[r] = s[r * si + k * sk];
    } else {
      for (int64_t k = 0; k < depth; ++k, d += W)
        for (int r = 0; r < W; ++r) d[r] = r < w ? s[r * si + k * sk] : 0;
    }
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

// Runs fn(begin, end) over [0, count): on the pool in chunks of grain for a big product, else
// inline (a template, not a std::function, so a small product pays no call overhead for it).
// Which work runs where never changes a result: each index writes its own panel or tile.
template <class Fn>
void run_tasks(bool parallel, int64_t count, int64_t grain, const Fn& fn) {
  if (parallel)
    parallel_for(count, fn, grain);
  else
    fn(0, count);
}

bool is_parallel(int64_t M, int64_t N, int64_t K) {
  return 2.0 * double(M) * double(N) * double(K) >= detail::kGemmParallelFlops;
}

// A product split over threads is cut into at least this many tiles per thread where it can be,
// so that a thread finishing its last tile early waits for at most a small share of the work:
// the dW of the small GPT's attention output (128×128, K = 768) makes 3 tiles of MC×NC, which
// two threads share 2:1; in tiles of 24×64 it makes 12.
constexpr int64_t kTilesPerThread = 4;

// The tiles of C as the tile loops walk them: tile t covers rows [i0, i1) and columns [j0, j1).
// Sides of MC×NC, or for a product on threads with too few of them, smaller sides in whole
// micro-tiles: the side with more micro-tiles is halved until there are kTilesPerThread tiles
// per thread or both sides are one micro-tile (inside a parallel_for task the product runs on one
// thread: whole tiles). Tiles only decide which thread computes which
// elements of C, never how (see the top of the file), so the bits do not depend on this choice.
struct Tiles {
  int64_t M, N, mc = MC, nc = NC, rows = 0, cols = 0;
  Tiles(int64_t m, int64_t n, bool parallel) : M(m), N(n) {
    const int threads = parallel && !inside_parallel_task() ? num_threads() : 1;
    const int64_t wanted = threads > 1 ? kTilesPerThread * threads : 1;
    for (;;) {
      rows = (M + mc - 1) / mc, cols = (N + nc - 1) / nc;
      if (rows * cols >= wanted) break;
      const int64_t mr_tiles = mc / MR, nr_tiles = nc / NR;  // micro-tiles along each side
      const int64_t m_micro = std::min(mr_tiles, (M + MR - 1) / MR), n_micro = std::min(nr_tiles, (N + NR - 1) / NR);
      if (m_micro <= 1 && n_micro <= 1) break;
      if (n_micro >= m_micro)
        nc = (n_micro + 1) / 2 * NR;
      else
        mc = (m_micro + 1) / 2 * MR;
    }
  }
  int64_t count() const { return rows * cols; }
  int64_t i0(int64_t t) const { return (t / cols) * mc; }
  int64_t i1(int64_t t) const { return std::min(M, i0(t) + mc); }
  int64_t j0(int64_t t) const { return (t % cols) * nc; }
  int64_t j1(int64_t t) const { return std::min(N, j0(t) + nc); }
};

// The start of the micro-tile whose top-left element is C[i, j], in the slice beginning at k0.
Start start_of(int64_t k0, real* c, int64_t ldc, bool accumulate, const real* bias, int64_t j) {
  if (k0 > 0 || accumulate) return {c, ldc};
  return {bias ? bias + j : nullptr, 0};
}

// Checks the arguments both fast paths share and settles the products with nothing to multiply;
// true when there is a product left to compute. ldc: C's row stride.
bool needs_product(const char* fn, int64_t M, int64_t N, int64_t K, real* C, int64_t ldc, bool accumulate,
                   const real* bias) {
  if (bias && accumulate) fail(fn, ": a bias row and accumulate = true both give the sum its start; pass one");
  if (M <= 0 || N <= 0) return false;
  if (K > 0) return true;
  // An empty sum is 0: C keeps its values, or becomes the bias in every row, or zeros.
  for (int64_t i = 0; i < M && !accumulate; ++i) {
    if (bias)
      std::copy_n(bias, N, C + i * ldc);
    else
      std::fill_n(C + i * ldc, N, real(0));
  }
  return false;
}

// Where the tile loop finds its operands. Rows of op(A) from a_packed_from on and columns of
// op(B) from b_packed_from on (multiples of MR and NR) are read from the packed panels pa and pb,
// whose panel 0 starts there; the rows and columns before are read in place from A and B, whose
// stored rows are lda and ldb apart. gemm_packed packs everything (both from 0); gemm_in_place
// only what it cannot read in place.
struct Operands {
  const real* A;
  bool trans_a;
  int64_t lda;
  const real* pa;
  int64_t a_packed_from;
  const real* B;
  int64_t ldb;
  const real* pb;
  int64_t b_packed_from;
};

// The tiles of C, shared by both paths: each tile walks k in slices of KC, and every micro-tile
// of it gets its operands from wherever they are. A panel's slice k0..k0+kc starts at k0·W in it.
void compute_tiles(int64_t M, int64_t N, int64_t K, const Operands& op, real* C, int64_t ldc, bool accumulate,
                   const real* bias, bool parallel) {
  const Tiles tiles(M, N, parallel);
  run_tasks(parallel, tiles.count(), 1, [&](int64_t begin, int64_t end) {
    for (int64_t t = begin; t < end; ++t)
      for (int64_t k0 = 0; k0 < K; k0 += KC) {
        const int64_t kc = std::min(KC, K - k0);
        for (int64_t j = tiles.j0(t); j < tiles.j1(t); j += NR) {
          const int64_t n = std::min<int64_t>(NR, N - j);
          const bool b_packed = j >= op.b_packed_from;
          const real* b = b_packed ? op.pb + (j - op.b_packed_from) * K + k0 * NR : op.B + k0 * op.ldb + j;
          const int64_t ldb = b_packed ? NR : op.ldb;
          for (int64_t i = tiles.i0(t); i < tiles.i1(t); i += MR) {
            real* c = C + i * ldc + j;
            const Start from = start_of(k0, c, ldc, accumulate, bias, j);
            const int64_t m = std::min<int64_t>(MR, M - i);
            const bool a_packed = i >= op.a_packed_from;  // (pa may be null when nothing is packed)
            const real* panel = a_packed ? op.pa + (i - op.a_packed_from) * K + k0 * MR : nullptr;
            if (a_packed && m > MR - kEdgeRows)
              micro_kernel<ALayout::rows_adjacent>(kc, panel, MR, b, ldb, c, ldc, m, n, from);
            else if (a_packed)  // a short bottom edge: rows r0… of its zero-padded panel
              for (int64_t r0 = 0; r0 < m; r0 += kEdgeRows)
                micro_kernel<ALayout::rows_adjacent, kEdgeRows>(kc, panel + r0, MR, b, ldb, c + r0 * ldc, ldc,
                                                                std::min<int64_t>(kEdgeRows, m - r0), n,
                                                                rows_from(from, r0));
            else if (op.trans_a)  // op(A)[i + r, k] = A[k·lda + i + r]
              micro_kernel<ALayout::rows_adjacent>(kc, op.A + k0 * op.lda + i, op.lda, b, ldb, c, ldc, MR, n, from);
            else  // op(A)[i + r, k] = A[(i + r)·lda + k]
              micro_kernel<ALayout::k_adjacent>(kc, op.A + i * op.lda + k0, op.lda, b, ldb, c, ldc, MR, n, from);
          }
        }
      }
  });
}

}  // namespace

void gemm_packed(int64_t M, int64_t N, int64_t K, const real* A, bool trans_a, const real* B, bool trans_b, real* C,
                 bool accumulate, const real* bias, const GemmStrides& strides) {
  const GemmStrides st = detail::resolve_strides(M, N, K, trans_a, trans_b, strides, "gemm_packed");
  if (!needs_product("gemm_packed", M, N, K, C, st.ldc, accumulate, bias)) return;
  const int64_t m_panels = (M + MR - 1) / MR, n_panels = (N + NR - 1) / NR;
  real* pa = t_pack_a.get(m_panels * MR * K);
  real* pb = t_pack_b.get(n_panels * NR * K);
  const bool parallel = is_parallel(M, N, K);

  // 1. Pack: indices [0, m_panels) are panels of op(A), the rest panels of op(B).
  //    op(A)[i, k] = trans_a ? A[k·lda + i] : A[i·lda + k];  op(B)[k, j] = trans_b ? B[j·ldb + k] : B[k·ldb + j].
  run_tasks(parallel, m_panels + n_panels, 8, [&](int64_t begin, int64_t end) {
    const int64_t a_end = std::min(end, m_panels), b_begin = std::max(begin, m_panels) - m_panels;
    if (begin < a_end)
      pack_panels<MR>(pa + begin * MR * K, A, M, K, trans_a ? 1 : st.lda, trans_a ? st.lda : 1, begin, a_end);
    if (b_begin < end - m_panels)
      pack_panels<NR>(pb + b_begin * NR * K, B, N, K, trans_b ? st.ldb : 1, trans_b ? 1 : st.ldb, b_begin,
                      end - m_panels);
  });
  // 2. Compute, every operand from its panels.
  compute_tiles(M, N, K, {A, trans_a, st.lda, pa, 0, B, st.ldb, pb, 0}, C, st.ldc, accumulate, bias, parallel);
}

void gemm_in_place(int64_t M, int64_t N, int64_t K, const real* A, bool trans_a, const real* B, bool trans_b, real* C,
                   bool accumulate, const real* bias, const GemmStrides& strides) {
  const GemmStrides st = detail::resolve_strides(M, N, K, trans_a, trans_b, strides, "gemm_in_place");
  if (!needs_product("gemm_in_place", M, N, K, C, st.ldc, accumulate, bias)) return;
  const int64_t m_full = M / MR * MR, n_full = N / NR * NR;  // rows and columns of whole micro-tiles
  const int64_t n_panels = (N + NR - 1) / NR;
  // Packed: the bottom edge panel of op(A) (M − m_full rows) and the panels of op(B) that cannot be
  // read in place: all of them for Bᵀ, else only the right edge panel (N − n_full columns).
  const int64_t b_first = trans_b ? 0 : n_full / NR;  // the first packed panel of op(B)
  real* pa = M > m_full ? t_pack_a.get(MR * K) : nullptr;
  real* pb = N > n_full || trans_b ? t_pack_b.get((n_panels - b_first) * NR * K) : nullptr;
  const bool parallel = is_parallel(M, N, K);
  if (pa) pack_panels<MR>(pa, A, M, K, trans_a ? 1 : st.lda, trans_a ? st.lda : 1, m_full / MR, m_full / MR + 1);
  if (pb)
    run_tasks(parallel, n_panels - b_first, 8, [&](int64_t begin, int64_t end) {
      pack_panels<NR>(pb + begin * NR * K, B, N, K, trans_b ? st.ldb : 1, trans_b ? 1 : st.ldb, b_first + begin,
                      b_first + end);
    });
  compute_tiles(M, N, K, {A, trans_a, st.lda, pa, m_full, B, st.ldb, pb, b_first * NR}, C, st.ldc, accumulate, bias,
                parallel);
}

}  // namespace atn
