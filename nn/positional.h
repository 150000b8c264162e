// Absolute positional encodings: a vector per position, added to the token embeddings.
//
// Self-attention without positions is permutation-equivariant: shuffle the tokens and the
// outputs shuffle the same way, so "el gato saltó" and "saltó el gato" look alike. Adding a
// vector that depends on the position (fixed sinusoids or a learned table) breaks the tie.
#pragma once
#include "nn/layer.h"
#include "tensor/rng.h"

namespace atn {

// Vaswani et al. (2017), section 3.5:
//   PE[pos, 2i]   = sin(pos / base^(2i/d))
//   PE[pos, 2i+1] = cos(pos / base^(2i/d)),   base = 10000.
// Each pair of columns is a clock of wavelength 2π·base^(2i/d): from 2π (i = 0) up to
// nearly 2π·base. An odd d is allowed: its last column (index d−1, even) is a sine.
// Returns [max_len, d].
Tensor sinusoidal_table(int64_t max_len, int64_t d, double base = 10000);

// The course notebook's variant: the exponent is doubled, base^(2·2i/d), so along the columns
// the frequencies decay twice as fast (the last pairs barely move over 100 positions).
// Lesson 04 plots it next to the standard table; the models use sinusoidal_table.
Tensor sinusoidal_table_course_variant(int64_t max_len, int64_t d, double base = 10000);

// forward(x [..., T, d]) = x + PE[offset : offset+T].
//
// The table is a fixed function of (max_len, d), so it is neither a parameter nor part of the
// state dict: it is rebuilt by the constructor, like PyTorch's non-persistent buffers, and a
// checkpoint does not grow with max_len. Dropout, which the original model applies after the
// sum, is left to the caller (autograd/ops_dropout.h) so this layer needs no Rng.
class SinusoidalPositionalEncoding : public Layer {
 public:
  explicit SinusoidalPositionalEncoding(int64_t d_model, int64_t max_len = 5000, double base = 10000);
  Var forward(const Var& x) override;  // positions 0..T−1
  // Positions offset..offset+T−1: the next token when decoding with a KV cache.
  Var forward(const Var& x, int64_t offset);
  std::string type_name() const override;

  const Tensor& table() const { return table_; }  // [max_len, d_model], for plots

  int64_t d_model, max_len;

 private:
  Tensor table_;
};

// A learned table, one row per position (GPT-2's "wpe", BERT's position_embeddings):
// weight [max_len, d] initialized N(0, 0.02) as in GPT-2. forward(x [..., T, d]) adds rows
// offset..offset+T−1; positions at or beyond max_len were never trained, so they are an Error.
class LearnedPositionalEmbedding : public Layer {
 public:
  LearnedPositionalEmbedding(int64_t max_len, int64_t d_model, Rng& rng);
  Var forward(const Var& x) override;
  Var forward(const Var& x, int64_t offset);
  std::string type_name() const override;

  int64_t max_len, d_model;
  Var weight;  // [max_len, d_model]
};

}  // namespace atn
