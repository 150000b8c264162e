#include "nn/positional.h"

#include <cmath>

#include "autograd/ops_basic.h"
#include "autograd/ops_shape.h"
#include "nn/init.h"

namespace atn {

namespace {

// PE[pos, 2i] = sin(pos·ω_i), PE[pos, 2i+1] = cos(pos·ω_i), ω_i = base^(−scale·2i/d).
// scale = 1 is Vaswani's table, scale = 2 the course notebook's. Computed in double: pos·ω_i
// reaches thousands of radians, where a float angle would already be off by ~1e-4.
Tensor sinusoid(int64_t max_len, int64_t d, double base, double scale, const char* op) {
  if (max_len < 1 || d < 1) fail(op, ": sizes must be positive, got max_len=", max_len, " d=", d);
  if (!(base > 1)) fail(op, ": base must be > 1, got ", base);
  Tensor pe({max_len, d});
  for (int64_t c = 0; c < d; ++c) {
    const int64_t two_i = c - c % 2;  // the even column of c's pair
    const double omega = std::pow(base, -scale * double(two_i) / double(d));
    for (int64_t pos = 0; pos < max_len; ++pos) {
      const double angle = double(pos) * omega;
      pe[pos * d + c] = real(c % 2 == 0 ? std::sin(angle) : std::cos(angle));
    }
  }
  return pe;
}

// Both layers take x [..., T, d] and positions offset..offset+T−1 < max_len.
void check_input(const char* op, const Var& x, int64_t d, int64_t offset, int64_t max_len) {
  if (x.dim() < 2 || x.size(-1) != d)
    fail(op, ": input ", to_string(x.shape()), " is not [..., T, d_model] with d_model=", d);
  if (offset < 0) fail(op, ": position offset must be >= 0, got ", offset);
  const int64_t T = x.size(-2);
  if (offset + T > max_len)
    fail(op, ": positions ", offset, "..", offset + T - 1, " of input ", to_string(x.shape()),
         " do not fit max_len=", max_len);
}

}  // namespace

Tensor sinusoidal_table(int64_t max_len, int64_t d, double base) {
  return sinusoid(max_len, d, base, 1, "sinusoidal_table");
}

Tensor sinusoidal_table_course_variant(int64_t max_len, int64_t d, double base) {
  return sinusoid(max_len, d, base, 2, "sinusoidal_table_course_variant");
}

SinusoidalPositionalEncoding::SinusoidalPositionalEncoding(int64_t d, int64_t len, double base)
    : d_model(d), max_len(len), table_(sinusoid(len, d, base, 1, "SinusoidalPositionalEncoding")) {}

Var SinusoidalPositionalEncoding::forward(const Var& x) { return forward(x, 0); }

Var SinusoidalPositionalEncoding::forward(const Var& x, int64_t offset) {
  check_input("SinusoidalPositionalEncoding", x, d_model, offset, max_len);
  // Rows offset..offset+T−1 of the table ([T, d], a view), broadcast over the leading axes.
  // A constant: the gradient flows to x only.
  return x + constant(table_.narrow0(offset, x.size(-2)));
}

std::string SinusoidalPositionalEncoding::type_name() const {
  return "SinusoidalPositionalEncoding(" + std::to_string(d_model) + ", max_len=" + std::to_string(max_len) + ")";
}

LearnedPositionalEmbedding::LearnedPositionalEmbedding(int64_t len, int64_t d, Rng& rng) : max_len(len), d_model(d) {
  if (len < 1 || d < 1) fail("LearnedPositionalEmbedding: sizes must be positive, got max_len=", len, " d=", d);
  Tensor w({len, d});
  init::gpt2(w, rng);  // N(0, 0.02)
  register_parameter("weight", weight, w);
}

Var LearnedPositionalEmbedding::forward(const Var& x) { return forward(x, 0); }

Var LearnedPositionalEmbedding::forward(const Var& x, int64_t offset) {
  check_input("LearnedPositionalEmbedding", x, d_model, offset, max_len);
  // narrow is differentiable: only the rows used receive a gradient (summed over the batch).
  return x + narrow(weight, 0, offset, x.size(-2));
}

std::string LearnedPositionalEmbedding::type_name() const {
  return "LearnedPositionalEmbedding(" + std::to_string(max_len) + ", " + std::to_string(d_model) + ")";
}

}  // namespace atn
