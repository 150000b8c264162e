// Small sequence-to-sequence data built inside the tests of models/seq2seq_rnn.h and
// models/transformer.h: Spanish number words → digits for 0 … 999, and padded batches.
// (data/seq_tasks.h has the full tasks; these stay small so that training fits in a unit test.)
#pragma once
#include <algorithm>
#include <map>
#include <string>
#include <vector>

#include "tensor/rng.h"
#include "tensor/tensor.h"

namespace atn::seq2seq_fixtures {

// 0 … 999 in Spanish words, as the RAE writes them: "trescientos cuarenta y dos".
inline std::vector<std::string> spanish_words(int64_t n) {
  static const char* const units[] = {"cero", "uno", "dos", "tres", "cuatro", "cinco", "seis", "siete", "ocho", "nueve",
                                      "diez", "once", "doce", "trece", "catorce", "quince", "dieciséis", "diecisiete",
                                      "dieciocho", "diecinueve", "veinte", "veintiuno", "veintidós", "veintitrés",
                                      "veinticuatro", "veinticinco", "veintiséis", "veintisiete", "veintiocho",
                                      "veintinueve"};
  static const char* const tens[] = {"", "", "", "treinta", "cuarenta", "cincuenta", "sesenta", "setenta", "ochenta",
                                     "noventa"};
  static const char* const hundreds[] = {"", "ciento", "doscientos", "trescientos", "cuatrocientos", "quinientos",
                                         "seiscientos", "setecientos", "ochocientos", "novecientos"};
  std::vector<std::string> w;
  if (n == 0) return {"cero"};
  if (n == 100) return {"cien"};
  if (n >= 100) w.push_back(hundreds[n / 100]);
  const int64_t r = n % 100;
  if (r == 0) return w;
  if (r < 30) {
    w.push_back(units[r]);
  } else {
    w.push_back(tens[r / 10]);
    if (r % 10 != 0) {
      w.push_back("y");
      w.push_back(units[r % 10]);
    }
  }
  return w;
}

struct Example {
  std::vector<int64_t> src, tgt;  // tgt ends with eos
};

// Target ids: pad 0, bos 1, eos 2, digit d is 3 + d. Source ids: pad 0, then the words.
struct NumberWords {
  static constexpr int64_t pad = 0, bos = 1, eos = 2, tgt_vocab = 13;
  int64_t src_vocab = 1;
  std::vector<Example> train, test;
};

// Numbers 0 … max_n, shuffled with `seed`; the first test_count of them are held out.
inline NumberWords number_words(int64_t max_n, int64_t test_count, uint64_t seed) {
  NumberWords d;
  std::map<std::string, int64_t> vocab;
  std::vector<Example> all;
  for (int64_t n = 0; n <= max_n; ++n) {
    Example e;
    for (const std::string& w : spanish_words(n)) {
      auto it = vocab.find(w);
      if (it == vocab.end()) it = vocab.emplace(w, int64_t(vocab.size()) + 1).first;
      e.src.push_back(it->second);
    }
    for (char c : std::to_string(n)) e.tgt.push_back(3 + (c - '0'));
    e.tgt.push_back(NumberWords::eos);
    all.push_back(e);
  }
  d.src_vocab = int64_t(vocab.size()) + 1;
  Rng rng(seed);
  const std::vector<int64_t> order = rng.permutation(int64_t(all.size()));
  for (size_t i = 0; i < order.size(); ++i)
    (int64_t(i) < test_count ? d.test : d.train).push_back(all[size_t(order[i])]);
  return d;
}

// Sequences padded with 0 to the longest: ids [B, T] and mask [B, T] (1 = real token).
struct Padded {
  Tensor ids, mask;
};
inline Padded pad_batch(const std::vector<std::vector<int64_t>>& seqs) {
  size_t T = 0;
  for (const auto& s : seqs) T = std::max(T, s.size());
  const auto B = int64_t(seqs.size());
  Padded p{Tensor({B, int64_t(T)}), Tensor({B, int64_t(T)})};
  for (int64_t b = 0; b < B; ++b)
    for (size_t j = 0; j < seqs[size_t(b)].size(); ++j) {
      p.ids[b * int64_t(T) + int64_t(j)] = real(seqs[size_t(b)][j]);
      p.mask[b * int64_t(T) + int64_t(j)] = 1;
    }
  return p;
}

// A training batch: source, its mask, decoder input (bos + target without its last token) and
// the target itself.
struct Batch {
  Tensor src, src_mask, tgt_in, tgt_out;
};
inline Batch make_batch(const std::vector<Example>& examples, int64_t bos) {
  std::vector<std::vector<int64_t>> src, in, out;
  for (const Example& e : examples) {
    src.push_back(e.src);
    std::vector<int64_t> shifted = {bos};
    shifted.insert(shifted.end(), e.tgt.begin(), e.tgt.end() - 1);
    in.push_back(shifted);
    out.push_back(e.tgt);
  }
  const Padded s = pad_batch(src);
  return {s.ids, s.mask, pad_batch(in).ids, pad_batch(out).ids};
}

// `count` examples drawn with replacement.
inline std::vector<Example> sample(const std::vector<Example>& from, int64_t count, Rng& rng) {
  std::vector<Example> out;
  for (int64_t i = 0; i < count; ++i) out.push_back(from[size_t(rng.below(uint64_t(from.size())))]);
  return out;
}

// The fraction of examples whose decoded tokens equal the target (both without a final eos).
template <class Model>
double exact_match(Model& model, const std::vector<Example>& examples, int64_t bos, int64_t eos, int64_t max_len) {
  const Batch b = make_batch(examples, bos);
  const auto decoded = model.greedy_decode(b.src, b.src_mask, bos, eos, max_len);
  int64_t right = 0;
  for (size_t i = 0; i < examples.size(); ++i) {
    std::vector<int64_t> want = examples[i].tgt;
    if (!want.empty() && want.back() == eos) want.pop_back();
    right += decoded.tokens[i] == want ? 1 : 0;
  }
  return double(right) / double(examples.size());
}

}  // namespace atn::seq2seq_fixtures
