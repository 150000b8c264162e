// Synthetic sequence tasks (data/seq_tasks.h): every generated target is checked against the
// task's definition computed independently here, splits never overlap, same seed → same task.
#include <gtest/gtest.h>

#include <algorithm>
#include <set>

#include "data/number_words.h"
#include "data/seq_tasks.h"
#include "tensor/error.h"

namespace atn {
namespace {

using Ids = std::vector<int64_t>;

std::set<Ids> sources(const std::vector<SeqPair>& pairs) {
  std::set<Ids> out;
  for (const auto& p : pairs) out.insert(p.src);
  return out;
}

// Distinct sources within the task, none shared between train and test.
void expect_disjoint_splits(const SeqTask& task) {
  const auto train = sources(task.train), test = sources(task.test);
  EXPECT_EQ(train.size(), task.train.size()) << task.name << ": repeated training source";
  EXPECT_EQ(test.size(), task.test.size()) << task.name << ": repeated test source";
  for (const auto& s : test) ASSERT_FALSE(train.count(s)) << task.name << ": a test source is also in train";
}

void expect_same_pairs(const std::vector<SeqPair>& a, const std::vector<SeqPair>& b) {
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].src, b[i].src);
    EXPECT_EQ(a[i].tgt, b[i].tgt);
  }
}

TEST(SeqTasks, CopyIsTheAnnotatedTransformers) {
  const SeqTask task = copy_task();
  EXPECT_EQ(task.src_vocab, 11);
  EXPECT_EQ(task.tgt_vocab, 11);
  EXPECT_EQ(task.pad, 0);
  EXPECT_EQ(task.bos, 1);
  EXPECT_LT(task.eos, 0);
  EXPECT_EQ(task.train.size(), 6000u);
  EXPECT_EQ(task.test.size(), 200u);
  EXPECT_EQ(task.src_tokens[0], "[pad]");
  EXPECT_EQ(task.src_tokens[10], "10");
  std::vector<int> counts(11, 0);
  for (const auto* split : {&task.train, &task.test})
    for (const auto& p : *split) {
      ASSERT_EQ(p.src.size(), 10u);
      EXPECT_EQ(p.src[0], 1);
      EXPECT_EQ(p.tgt, Ids(p.src.begin() + 1, p.src.end()));
      for (int64_t s : p.tgt) {
        ASSERT_GE(s, 1);
        ASSERT_LE(s, 10);
        counts[size_t(s)]++;
      }
    }
  for (int s = 1; s <= 10; ++s) EXPECT_NEAR(counts[size_t(s)] / (6200.0 * 9), 0.1, 0.01) << s;
  expect_disjoint_splits(task);
  // The decoder sees [1, x1..x8] and predicts [x1..x9]: src[:-1] and src[1:].
  const Seq2SeqBatch b = task_batch(task, {task.train[0]});
  const Ids src = task.train[0].src;
  EXPECT_EQ(unpad_row(b.tgt_in, 0), Ids(src.begin(), src.end() - 1));
  EXPECT_EQ(unpad_row(b.tgt_out, 0), Ids(src.begin() + 1, src.end()));
  EXPECT_THROW(copy_task({.vocab = 2}), Error);
  EXPECT_THROW(copy_task({.length = 1}), Error);
}

TEST(SeqTasks, ReverseTargetsAreReversedSources) {
  const SeqTask task = reverse_task({.n_symbols = 5, .min_length = 2, .max_length = 6, .n_train = 800, .n_test = 100});
  EXPECT_EQ(task.src_vocab, 8);
  EXPECT_EQ(task.src_tokens, (std::vector<std::string>{"[pad]", "[bos]", "[eos]", "0", "1", "2", "3", "4"}));
  std::set<size_t> lengths;
  for (const auto* split : {&task.train, &task.test})
    for (const auto& p : *split) {
      lengths.insert(p.src.size());
      ASSERT_EQ(p.tgt.size(), p.src.size());
      for (size_t i = 0; i < p.src.size(); ++i) {
        ASSERT_GE(p.src[i], 3);
        ASSERT_LT(p.src[i], 8);
        EXPECT_EQ(p.tgt[i], p.src[p.src.size() - 1 - i]);
      }
    }
  EXPECT_EQ(lengths, (std::set<size_t>{2, 3, 4, 5, 6}));
  expect_disjoint_splits(task);
  EXPECT_THROW(reverse_task({.min_length = 5, .max_length = 4}), Error);
  // 2 symbols of length 1..2 give only 6 distinct sequences.
  EXPECT_THROW(reverse_task({.n_symbols = 2, .min_length = 1, .max_length = 2, .n_train = 6, .n_test = 1}), Error);
}

TEST(SeqTasks, SortEnumeratesEverySequenceOnce) {
  const SeqTask task = sort_task();
  EXPECT_EQ(task.src_tokens, (std::vector<std::string>{"[pad]", "[bos]", "[eos]", "0", "1", "2"}));
  EXPECT_EQ(task.train.size() + task.test.size(), 729u);  // 3^6
  EXPECT_EQ(task.test.size(), 182u);                      // round(729 / 4)
  expect_disjoint_splits(task);
  for (const auto* split : {&task.train, &task.test})
    for (const auto& p : *split) {
      ASSERT_EQ(p.src.size(), 6u);
      // Sorted, and a rearrangement of the source: count each digit.
      EXPECT_TRUE(std::is_sorted(p.tgt.begin(), p.tgt.end()));
      for (int64_t d = 3; d < 6; ++d)
        EXPECT_EQ(std::count(p.src.begin(), p.src.end(), d), std::count(p.tgt.begin(), p.tgt.end(), d));
    }
  // The split is random: the test set is not, say, the first sequences in counting order.
  EXPECT_NE(task.test[0].src, (Ids{3, 3, 3, 3, 3, 3}));
  EXPECT_THROW(sort_task({.test_fraction = 1}), Error);
  EXPECT_THROW(sort_task({.length = 30, .n_digits = 10}), Error);
}

// a+b read back from the token strings with std::stoll, independently of how the task wrote them.
TEST(SeqTasks, AdditionTargetsAreTheSums) {
  for (bool reversed : {false, true}) {
    const SeqTask task = addition_task({.digits = 3, .n_train = 2000, .n_test = 300, .reverse_answer = reversed});
    EXPECT_EQ(task.src_vocab, 14);
    EXPECT_EQ(task.src_tokens[13], "+");
    int64_t biggest = 0;
    for (const auto* split : {&task.train, &task.test})
      for (const auto& p : *split) {
        const std::string src = join_tokens(task.src_tokens, p.src, "");
        std::string sum = join_tokens(task.tgt_tokens, p.tgt, "");
        if (reversed) std::reverse(sum.begin(), sum.end());
        const size_t plus = src.find('+');
        ASSERT_NE(plus, std::string::npos) << src;
        const int64_t a = std::stoll(src.substr(0, plus)), b = std::stoll(src.substr(plus + 1));
        ASSERT_EQ(std::to_string(a) + "+" + std::to_string(b), src) << "leading zeros or stray tokens";
        EXPECT_EQ(sum, std::to_string(a + b)) << src;
        biggest = std::max({biggest, a, b});
      }
    EXPECT_GT(biggest, 900);
    expect_disjoint_splits(task);
  }
  // One-digit operands: exactly 100 problems, all of them asked for.
  const SeqTask all = addition_task({.digits = 1, .n_train = 90, .n_test = 10});
  EXPECT_EQ(sources(all.train).size() + sources(all.test).size(), 100u);
  EXPECT_THROW(addition_task({.digits = 1, .n_train = 95, .n_test = 10}), Error);
}

TEST(SeqTasks, NumberWordsPairsReadBackAndTestNumbersAreHeldOut) {
  const SeqTask task = number_words_task({.n_train = 5000, .n_test = 500, .seed = 3});
  EXPECT_EQ(task.src_vocab, int64_t(spanish_number_lexicon().size()) + 3);
  EXPECT_EQ(task.tgt_vocab, 13);
  std::set<int64_t> train_numbers, test_numbers;
  for (const auto* split : {&task.train, &task.test})
    for (const auto& p : *split) {
      const int64_t n = std::stoll(join_tokens(task.tgt_tokens, p.tgt, ""));
      ASSERT_EQ(spanish_to_number(join_tokens(task.src_tokens, p.src, " ")), n);
      (split == &task.train ? train_numbers : test_numbers).insert(n);
    }
  EXPECT_EQ(train_numbers.size(), 5000u);
  EXPECT_EQ(test_numbers.size(), 500u);
  for (int64_t n : test_numbers) ASSERT_FALSE(train_numbers.count(n)) << n << " is in both splits";
  EXPECT_GT(*train_numbers.rbegin(), 990000);  // drawn from the whole range
  // Same seed, same task; another seed, another held-out set.
  const SeqTask again = number_words_task({.n_train = 5000, .n_test = 500, .seed = 3});
  expect_same_pairs(task.train, again.train);
  expect_same_pairs(task.test, again.test);
  EXPECT_NE(number_words_task({.n_train = 10, .n_test = 500, .seed = 4}).test[0].src, task.test[0].src);
  // More training numbers keep the held-out set.
  expect_same_pairs(number_words_task({.n_train = 100, .n_test = 500, .seed = 3}).test, task.test);
}

TEST(SeqTasks, NumberWordsSmallRangeAndOtherDirection) {
  const SeqTask task =
      number_words_task({.min_number = 0, .max_number = 999, .n_train = 900, .n_test = 100, .words_to_digits = false});
  EXPECT_EQ(task.src_tokens[3], "0");
  EXPECT_EQ(task.tgt_tokens[3], "cero");
  std::set<int64_t> all;
  for (const auto* split : {&task.train, &task.test})
    for (const auto& p : *split) {
      const int64_t n = std::stoll(join_tokens(task.src_tokens, p.src, ""));
      ASSERT_EQ(number_to_spanish(n), join_tokens(task.tgt_tokens, p.tgt, " "));
      all.insert(n);
    }
  EXPECT_EQ(all.size(), 1000u);
  EXPECT_EQ(*all.rbegin(), 999);
  EXPECT_THROW(number_words_task({.max_number = 999, .n_train = 950, .n_test = 100}), Error);
  EXPECT_THROW(number_words_task({.max_number = 1000000}), Error);
  EXPECT_THROW(number_words_task({.min_number = 5, .max_number = 4}), Error);
}

TEST(SeqTasks, EncodingNewNumbers) {
  const SeqTask task = number_words_task({.n_train = 1, .n_test = 1});
  EXPECT_EQ(token_strings(task.src_tokens, spanish_number_ids(234)),
            (std::vector<std::string>{"doscientos", "treinta", "y", "cuatro"}));
  EXPECT_EQ(join_tokens(task.tgt_tokens, digit_ids(2024), ""), "2024");
  EXPECT_EQ(token_ids(task.src_tokens, {"veintiún", "mil"}), spanish_number_ids(21000));
  EXPECT_THROW(token_ids(task.src_tokens, {"perro"}), Error);
  EXPECT_THROW(token_strings(task.tgt_tokens, {13}), Error);
  EXPECT_THROW(digit_ids(-5), Error);
}

TEST(SeqTasks, SameSeedSameTasks) {
  expect_same_pairs(copy_task({.n_train = 300}).train, copy_task({.n_train = 300}).train);
  expect_same_pairs(reverse_task({.seed = 9}).test, reverse_task({.seed = 9}).test);
  expect_same_pairs(sort_task({.seed = 2}).test, sort_task({.seed = 2}).test);
  expect_same_pairs(addition_task({.seed = 4}).train, addition_task({.seed = 4}).train);
  EXPECT_NE(copy_task({.n_train = 300, .seed = 2}).train[0].src, copy_task({.n_train = 300}).train[0].src);
  EXPECT_NE(sort_task({.seed = 3}).test[0].src, sort_task({.seed = 2}).test[0].src);
}

TEST(SeqTasks, SampleBatchUsesTheTaskSpecials) {
  const SeqTask task = reverse_task({.n_train = 50, .n_test = 5});
  Rng a(1), b(1);
  const Seq2SeqBatch x = sample_batch(task, 8, a), y = sample_batch(task, 8, b);
  EXPECT_EQ(x.src.ids.to_vector(), y.src.ids.to_vector());
  ASSERT_EQ(x.tgt_in.ids.size(0), 8);
  for (int64_t r = 0; r < 8; ++r) {
    const Ids in = unpad_row(x.tgt_in, r), out = unpad_row(x.tgt_out, r), src = unpad_row(x.src, r);
    EXPECT_EQ(in.front(), task.bos);
    EXPECT_EQ(out.back(), task.eos);
    EXPECT_EQ(Ids(out.begin(), out.end() - 1), Ids(src.rbegin(), src.rend()));
  }
}

TEST(SeqTasks, LmExampleIsMinGPTsLayout) {
  // minGPT: x = (src + tgt)[:-1], y = (src + tgt)[1:] with the first |src|-1 targets ignored.
  const LmExample ex = lm_example({{3, 5, 4}, {3, 4, 5}}, -1);
  EXPECT_EQ(ex.x, (Ids{3, 5, 4, 3, 4}));
  EXPECT_EQ(ex.y, (Ids{-1, -1, 3, 4, 5}));
  EXPECT_THROW(lm_example({{}, {3}}), Error);
}

}  // namespace
}  // namespace atn
