#include "data/seq_tasks.h"

#include <algorithm>
#include <set>

#include "data/number_words.h"

namespace atn {
namespace {

constexpr int64_t kFirstSymbol = 3;  // after [pad] [bos] [eos]

std::vector<std::string> with_specials(const std::vector<std::string>& symbols) {
  std::vector<std::string> out = {"[pad]", "[bos]", "[eos]"};
  out.insert(out.end(), symbols.begin(), symbols.end());
  return out;
}

std::vector<std::string> numerals(int64_t n) {
  std::vector<std::string> out;
  for (int64_t i = 0; i < n; ++i) out.push_back(std::to_string(i));
  return out;
}

void check_positive(int64_t value, const char* op, const char* field) {
  if (value <= 0) fail(op, ": ", field, " must be positive, got ", value);
}

// Draws n_test then n_train pairs with distinct sources (so the splits never overlap), each from
// draw(rng). Gives up, naming the task, when the space of sources is too small for the request.
template <class Draw>
void draw_distinct(SeqTask& task, int64_t n_train, int64_t n_test, uint64_t seed, const char* op, Draw draw) {
  if (n_train < 0 || n_test < 0) fail(op, ": n_train and n_test must be >= 0, got ", n_train, " and ", n_test);
  Rng rng(seed);
  std::set<std::vector<int64_t>> seen;
  const int64_t wanted = n_train + n_test;
  const int64_t max_attempts = 50 * wanted + 1000;
  for (int64_t attempts = 0; int64_t(seen.size()) < wanted; ++attempts) {
    if (attempts == max_attempts)
      fail(op, ": could not draw ", wanted, " distinct examples (", seen.size(),
           " found); ask for fewer or enlarge the task");
    SeqPair p = draw(rng);
    if (!seen.insert(p.src).second) continue;
    (int64_t(task.test.size()) < n_test ? task.test : task.train).push_back(std::move(p));
  }
}

// Digits of n (n >= 0), most significant first, as ids.
std::vector<int64_t> number_digits(int64_t n) {
  std::vector<int64_t> out;
  for (char c : std::to_string(n)) out.push_back(kFirstSymbol + (c - '0'));
  return out;
}

}  // namespace

SeqTask copy_task(const CopyTaskConfig& cfg) {
  const char* op = "copy_task";
  if (cfg.vocab < 3) fail(op, ": vocab must be at least 3 (padding, start, one symbol), got ", cfg.vocab);
  if (cfg.length < 2) fail(op, ": length must be at least 2 (start symbol and one symbol), got ", cfg.length);
  SeqTask task;
  task.name = "copy";
  task.src_vocab = task.tgt_vocab = cfg.vocab;
  task.pad = 0;
  task.bos = 1;
  task.eos = -1;
  task.src_tokens = numerals(cfg.vocab);
  task.src_tokens[0] = "[pad]";
  task.tgt_tokens = task.src_tokens;
  draw_distinct(task, cfg.n_train, cfg.n_test, cfg.seed, op, [&](Rng& rng) {
    SeqPair p;
    p.src = {1};
    for (int64_t i = 1; i < cfg.length; ++i) p.src.push_back(1 + int64_t(rng.below(uint64_t(cfg.vocab - 1))));
    p.tgt.assign(p.src.begin() + 1, p.src.end());
    return p;
  });
  return task;
}

SeqTask reverse_task(const ReverseTaskConfig& cfg) {
  const char* op = "reverse_task";
  check_positive(cfg.n_symbols, op, "n_symbols");
  check_positive(cfg.min_length, op, "min_length");
  if (cfg.max_length < cfg.min_length)
    fail(op, ": max_length (", cfg.max_length, ") is below min_length (", cfg.min_length, ")");
  SeqTask task;
  task.name = "reverse";
  task.src_tokens = task.tgt_tokens = with_specials(numerals(cfg.n_symbols));
  task.src_vocab = task.tgt_vocab = int64_t(task.src_tokens.size());
  draw_distinct(task, cfg.n_train, cfg.n_test, cfg.seed, op, [&](Rng& rng) {
    const int64_t length = cfg.min_length + int64_t(rng.below(uint64_t(cfg.max_length - cfg.min_length + 1)));
    SeqPair p;
    for (int64_t i = 0; i < length; ++i) p.src.push_back(kFirstSymbol + int64_t(rng.below(uint64_t(cfg.n_symbols))));
    p.tgt.assign(p.src.rbegin(), p.src.rend());
    return p;
  });
  return task;
}

SeqTask sort_task(const SortTaskConfig& cfg) {
  const char* op = "sort_task";
  check_positive(cfg.length, op, "length");
  check_positive(cfg.n_digits, op, "n_digits");
  if (!(cfg.test_fraction > 0 && cfg.test_fraction < 1)) fail(op, ": test_fraction must be in (0, 1), got ", cfg.test_fraction);
  int64_t count = 1;
  for (int64_t i = 0; i < cfg.length; ++i) {
    count *= cfg.n_digits;
    if (count > (int64_t(1) << 20)) fail(op, ": ", cfg.n_digits, "^", cfg.length, " sequences are too many to enumerate");
  }
  SeqTask task;
  task.name = "sort";
  task.src_tokens = task.tgt_tokens = with_specials(numerals(cfg.n_digits));
  task.src_vocab = task.tgt_vocab = int64_t(task.src_tokens.size());
  Rng rng(cfg.seed);
  const std::vector<int64_t> order = rng.permutation(count);
  const int64_t n_test = std::max<int64_t>(1, int64_t(double(count) * cfg.test_fraction + 0.5));
  for (int64_t k = 0; k < count; ++k) {
    // Sequence number order[k] written in base n_digits, most significant digit first.
    SeqPair p;
    p.src.assign(size_t(cfg.length), 0);
    for (int64_t i = cfg.length - 1, code = order[size_t(k)]; i >= 0; --i, code /= cfg.n_digits)
      p.src[size_t(i)] = kFirstSymbol + code % cfg.n_digits;
    p.tgt = p.src;
    std::sort(p.tgt.begin(), p.tgt.end());
    (k < n_test ? task.test : task.train).push_back(std::move(p));
  }
  return task;
}

SeqTask addition_task(const AdditionTaskConfig& cfg) {
  const char* op = "addition_task";
  if (cfg.digits < 1 || cfg.digits > 9) fail(op, ": digits must be in 1..9, got ", cfg.digits);
  int64_t limit = 1;
  for (int64_t i = 0; i < cfg.digits; ++i) limit *= 10;
  if (cfg.n_train + cfg.n_test > limit * limit)
    fail(op, ": only ", limit * limit, " distinct sums of ", cfg.digits, "-digit numbers, asked for ",
         cfg.n_train + cfg.n_test);
  SeqTask task;
  task.name = "addition";
  std::vector<std::string> symbols = numerals(10);
  symbols.push_back("+");
  task.src_tokens = task.tgt_tokens = with_specials(symbols);
  task.src_vocab = task.tgt_vocab = int64_t(task.src_tokens.size());
  const int64_t plus = kFirstSymbol + 10;
  draw_distinct(task, cfg.n_train, cfg.n_test, cfg.seed, op, [&](Rng& rng) {
    const int64_t a = int64_t(rng.below(uint64_t(limit))), b = int64_t(rng.below(uint64_t(limit)));
    SeqPair p;
    p.src = number_digits(a);
    p.src.push_back(plus);
    for (int64_t d : number_digits(b)) p.src.push_back(d);
    p.tgt = number_digits(a + b);
    if (cfg.reverse_answer) std::reverse(p.tgt.begin(), p.tgt.end());
    return p;
  });
  return task;
}

std::vector<int64_t> spanish_number_ids(int64_t n) {
  std::vector<std::string> words;
  std::string current;
  for (char c : number_to_spanish(n) + " ") {
    if (c != ' ') {
      current += c;
    } else {
      words.push_back(current);
      current.clear();
    }
  }
  static const std::vector<std::string> vocab = with_specials(spanish_number_lexicon());
  return token_ids(vocab, words);
}

std::vector<int64_t> digit_ids(int64_t n) {
  if (n < 0) fail("digit_ids: expected a number >= 0, got ", n);
  return number_digits(n);
}

SeqTask number_words_task(const NumberWordsTaskConfig& cfg) {
  const char* op = "number_words_task";
  if (cfg.min_number < 0 || cfg.max_number > kMaxSpanishNumber || cfg.min_number > cfg.max_number)
    fail(op, ": need 0 <= min_number <= max_number <= ", kMaxSpanishNumber, ", got ", cfg.min_number, "..",
         cfg.max_number);
  const int64_t range = cfg.max_number - cfg.min_number + 1;
  if (cfg.n_train < 0 || cfg.n_test < 0 || cfg.n_train + cfg.n_test > range)
    fail(op, ": ", range, " numbers in ", cfg.min_number, "..", cfg.max_number, " cannot give n_train = ", cfg.n_train,
         " and n_test = ", cfg.n_test);
  SeqTask task;
  task.name = cfg.words_to_digits ? "number_words_to_digits" : "digits_to_number_words";
  const std::vector<std::string> words = with_specials(spanish_number_lexicon());
  const std::vector<std::string> digits = with_specials(numerals(10));
  task.src_tokens = cfg.words_to_digits ? words : digits;
  task.tgt_tokens = cfg.words_to_digits ? digits : words;
  task.src_vocab = int64_t(task.src_tokens.size());
  task.tgt_vocab = int64_t(task.tgt_tokens.size());
  // A random order of the whole range: the first n_test numbers are held out, the next n_train
  // are for training, so no number is in both.
  Rng rng(cfg.seed);
  const std::vector<int64_t> order = rng.permutation(range);
  for (int64_t k = 0; k < cfg.n_test + cfg.n_train; ++k) {
    const int64_t n = cfg.min_number + order[size_t(k)];
    SeqPair p{spanish_number_ids(n), digit_ids(n)};
    if (!cfg.words_to_digits) std::swap(p.src, p.tgt);
    (k < cfg.n_test ? task.test : task.train).push_back(std::move(p));
  }
  return task;
}

Seq2SeqBatch sample_batch(const SeqTask& task, int64_t batch, Rng& rng) {
  return task_batch(task, sample_pairs(task.train, batch, rng));
}

Seq2SeqBatch task_batch(const SeqTask& task, const std::vector<SeqPair>& pairs) {
  return make_seq2seq_batch(pairs, task.pad, task.bos, task.eos);
}

std::vector<std::string> token_strings(const std::vector<std::string>& vocab, const std::vector<int64_t>& ids) {
  std::vector<std::string> out;
  for (int64_t id : ids) {
    if (id < 0 || id >= int64_t(vocab.size()))
      fail("token_strings: id ", id, " is outside a vocabulary of ", vocab.size(), " tokens");
    out.push_back(vocab[size_t(id)]);
  }
  return out;
}

std::string join_tokens(const std::vector<std::string>& vocab, const std::vector<int64_t>& ids,
                        const std::string& separator) {
  std::string out;
  for (const std::string& s : token_strings(vocab, ids)) out += (out.empty() ? "" : separator) + s;
  return out;
}

std::vector<int64_t> token_ids(const std::vector<std::string>& vocab, const std::vector<std::string>& tokens) {
  std::vector<int64_t> out;
  for (const std::string& t : tokens) {
    auto it = std::find(vocab.begin(), vocab.end(), t);
    if (it == vocab.end()) fail("token_ids: \"", t, "\" is not in the vocabulary");
    out.push_back(int64_t(it - vocab.begin()));
  }
  return out;
}

LmExample lm_example(const SeqPair& pair, int64_t ignore) {
  if (pair.src.empty() || pair.tgt.empty()) fail("lm_example: source and target must both be non-empty");
  std::vector<int64_t> all = pair.src;
  all.insert(all.end(), pair.tgt.begin(), pair.tgt.end());
  LmExample ex;
  ex.x.assign(all.begin(), all.end() - 1);
  ex.y.assign(all.begin() + 1, all.end());
  for (size_t t = 0; t + 1 < pair.src.size(); ++t) ex.y[t] = ignore;
  return ex;
}

}  // namespace atn
