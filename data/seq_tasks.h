// Synthetic sequence-to-sequence tasks: copy, reverse, sort, addition and Spanish number words.
//
// Each task is a set of (src, tgt) pairs of token ids with a train and a test split that never
// share a source sequence, the token strings for printing and plots, and the special ids.
// Everything is a function of the config, seed included: same config → same pairs, bit for bit.
//
// Token layout (all tasks except copy): [pad] = 0, [bos] = 1, [eos] = 2, then the task's
// symbols. Sources carry no special tokens; targets carry neither [bos] nor [eos] — the batch
// helpers in data/batch.h add them (decoder input = [bos] + tgt, decoder target = tgt + [eos]).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "data/batch.h"
#include "tensor/rng.h"

namespace atn {

struct SeqTask {
  std::vector<SeqPair> train, test;
  int64_t src_vocab = 0, tgt_vocab = 0;
  int64_t pad = 0, bos = 1, eos = 2;  // eos < 0: the task has no end symbol (fixed-length targets)
  std::vector<std::string> src_tokens, tgt_tokens;  // id → text, for printing and plot labels
  std::string name;
};

// The Annotated Transformer's copy task (Rush et al., "The Annotated Transformer", 2018/2022,
// data_gen): vocabulary 0..vocab-1 where 0 is padding and 1 the start symbol; every source is
// [1, x_1, ..., x_{length-1}] with x_i uniform in 1..vocab-1, and the output copies it.
// Here tgt = [x_1, ..., x_{length-1}], bos = 1 and eos = -1 (no end symbol), so the decoder
// input is [1, x_1, ..., x_{length-2}] and the target [x_1, ..., x_{length-1}]: exactly that
// notebook's tgt[:, :-1] and tgt[:, 1:]. Greedy decoding from 1 for length-1 steps gives the copy.
// The notebook draws fresh batches (20 × 30 per epoch, 10 epochs = 6 000 sequences); n_train
// is that count. Token strings: "[pad]", "1", ..., "10".
struct CopyTaskConfig {
  int64_t vocab = 11;
  int64_t length = 10;  // including the leading start symbol
  int64_t n_train = 6000;
  int64_t n_test = 200;
  uint64_t seed = 1;
};
SeqTask copy_task(const CopyTaskConfig& cfg = {});

// Reverse: src = random symbols (lengths uniform in min_length..max_length), tgt = src reversed.
// Symbols are 0..n_symbols-1 (ids 3..), written "0", "1", ...
struct ReverseTaskConfig {
  int64_t n_symbols = 10;
  int64_t min_length = 3;
  int64_t max_length = 10;
  int64_t n_train = 5000;
  int64_t n_test = 500;
  uint64_t seed = 1;
};
SeqTask reverse_task(const ReverseTaskConfig& cfg = {});

// minGPT's sort (Karpathy, minGPT demo.ipynb, SortDataset): sequences of `length` digits drawn
// from 0..n_digits-1, output sorted ascending. All n_digits^length sequences (729 by default)
// are enumerated and split at random: test_fraction of them (minGPT: a quarter) are test.
struct SortTaskConfig {
  int64_t length = 6;
  int64_t n_digits = 3;
  double test_fraction = 0.25;
  uint64_t seed = 1;
};
SeqTask sort_task(const SortTaskConfig& cfg = {});

// Multi-digit addition: src = "a+b" written digit by digit ("1 2 3 + 4 5" for 123+45),
// tgt = the digits of a+b ("1 6 8"), both without leading zeros. a and b are uniform in
// 0..10^digits-1; no (a, b) appears in both splits. reverse_answer writes the sum least
// significant digit first ("8 6 1"), the order in which carries are computed.
// Symbols "0".."9" are ids 3..12 and "+" is 13, in src and tgt alike.
struct AdditionTaskConfig {
  int64_t digits = 3;
  int64_t n_train = 10000;
  int64_t n_test = 1000;
  bool reverse_answer = false;
  uint64_t seed = 1;
};
SeqTask addition_task(const AdditionTaskConfig& cfg = {});

// Spanish number words ↔ digits: "doscientos treinta y cuatro" ↔ "2 3 4" (data/number_words.h).
// n_test numbers are held out: drawn first, uniformly from min_number..max_number, and never
// used in training; then n_train more numbers for training. Word tokens come from
// spanish_number_lexicon() (ids 3..), digit tokens "0".."9" are ids 3..12.
// words_to_digits = false swaps the direction (src digits, tgt words).
struct NumberWordsTaskConfig {
  int64_t min_number = 0;
  int64_t max_number = 999999;
  int64_t n_train = 20000;
  int64_t n_test = 1000;
  bool words_to_digits = true;
  uint64_t seed = 1;
};
SeqTask number_words_task(const NumberWordsTaskConfig& cfg = {});

// The ids of a number in a number-words task vocabulary (for encoding a new example).
std::vector<int64_t> spanish_number_ids(int64_t n);  // word ids: 234 → ids of "doscientos treinta y cuatro"
std::vector<int64_t> digit_ids(int64_t n);           // digit ids: 234 → {5, 6, 7}

// A random training batch of the task: make_seq2seq_batch(sample_pairs(task.train, ...)).
Seq2SeqBatch sample_batch(const SeqTask& task, int64_t batch, Rng& rng);
// Any pairs of the task (e.g. the whole test split) as one batch with the task's special ids.
Seq2SeqBatch task_batch(const SeqTask& task, const std::vector<SeqPair>& pairs);

// Token strings ↔ ids in a vocabulary such as task.src_tokens (atn::Error on unknown ones).
std::vector<std::string> token_strings(const std::vector<std::string>& vocab, const std::vector<int64_t>& ids);
std::string join_tokens(const std::vector<std::string>& vocab, const std::vector<int64_t>& ids,
                        const std::string& separator = " ");
std::vector<int64_t> token_ids(const std::vector<std::string>& vocab, const std::vector<std::string>& tokens);

// minGPT's decoder-only form of a pair (src and tgt must share one vocabulary, e.g. sort or
// addition): x = src + tgt[0 .. n-2], and y[t] = the token after x[t], with `ignore` (the loss's
// ignore_index) where that token is still part of the source. Length |src| + |tgt| - 1.
struct LmExample {
  std::vector<int64_t> x, y;
};
LmExample lm_example(const SeqPair& pair, int64_t ignore = -100);

}  // namespace atn
