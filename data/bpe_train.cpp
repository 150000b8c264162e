#include "data/bpe_train.h"

#include <algorithm>
#include <limits>
#include <map>
#include <queue>
#include <unordered_map>

#include "tensor/error.h"

namespace atn {

namespace {

void check_args(std::string_view text, int64_t n_merges, const char* who) {
  if (n_merges < 0) fail(who, ": the number of merges must be >= 0, got ", n_merges);
  if (text.size() > size_t(std::numeric_limits<int32_t>::max()))
    fail(who, ": the text has ", text.size(), " bytes; at most 2^31 - 1 are supported");
}

// A pair of token ids as one 64-bit key; comparing keys compares (left, right) in order.
uint64_t pair_key(int32_t left, int32_t right) { return (uint64_t(uint32_t(left)) << 32) | uint32_t(right); }
BpeMerge pair_of(uint64_t key) { return {int64_t(key >> 32), int64_t(key & 0xFFFFFFFFu)}; }

// The sequence as a doubly linked list over byte positions: a merge keeps the left position
// and unlinks the right one, so positions (and the occurrence lists that point at them) stay valid.
struct TokenList {
  std::vector<int32_t> tok, prev, next;  // tok = -1 marks a position merged into its left neighbour
  explicit TokenList(std::string_view text) : tok(text.size()), prev(text.size()), next(text.size()) {
    const auto n = int32_t(text.size());
    for (int32_t i = 0; i < n; ++i) {
      tok[size_t(i)] = static_cast<unsigned char>(text[size_t(i)]);
      prev[size_t(i)] = i - 1;
      next[size_t(i)] = i + 1 < n ? i + 1 : -1;
    }
  }
};

struct PairStats {
  int64_t count = 0;               // adjacent occurrences in the current sequence (overlaps too)
  std::vector<int32_t> positions;  // where it may occur (left position); checked before use
};

// Max-heap entry: the most frequent pair first, ties to the smallest pair. Counts in the heap
// may be stale (too high, never too low); pop_best re-checks them against PairStats.
struct HeapEntry {
  int64_t count;
  uint64_t key;
  bool operator<(const HeapEntry& o) const { return count != o.count ? count < o.count : key > o.key; }
};

}  // namespace

std::vector<BpeMerge> bpe_train_naive(std::string_view text, int64_t n_merges) {
  check_args(text, n_merges, "bpe_train_naive");
  std::vector<int64_t> seq(text.begin(), text.end());
  for (int64_t& t : seq) t = static_cast<unsigned char>(t);
  std::vector<BpeMerge> merges;
  for (int64_t m = 0; m < n_merges; ++m) {
    std::map<std::pair<int64_t, int64_t>, int64_t> counts;  // ordered, so ties go to the smallest pair
    for (size_t i = 0; i + 1 < seq.size(); ++i) ++counts[{seq[i], seq[i + 1]}];
    std::pair<int64_t, int64_t> best{};
    int64_t best_count = 0;
    for (const auto& [pair, count] : counts)
      if (count > best_count) best = pair, best_count = count;
    if (best_count < 2) break;
    const int64_t new_id = 256 + m;
    std::vector<int64_t> merged;
    for (size_t i = 0; i < seq.size(); ++i) {
      if (i + 1 < seq.size() && seq[i] == best.first && seq[i + 1] == best.second) {
        merged.push_back(new_id);
        ++i;
      } else {
        merged.push_back(seq[i]);
      }
    }
    seq = std::move(merged);
    merges.push_back({best.first, best.second});
  }
  return merges;
}

std::vector<BpeMerge> bpe_train(std::string_view text, int64_t n_merges) {
  check_args(text, n_merges, "bpe_train");
  TokenList list(text);
  std::unordered_map<uint64_t, PairStats> stats;
  {
    // The first count is over byte pairs: a flat table of slots is much faster than hashing
    // every position of a long text.
    std::vector<int32_t> slot(65536, -1);
    std::vector<std::pair<uint64_t, PairStats>> found;
    for (size_t i = 0; i + 1 < text.size(); ++i) {
      const size_t k = size_t(list.tok[i]) * 256 + size_t(list.tok[i + 1]);
      if (slot[k] < 0) {
        slot[k] = int32_t(found.size());
        found.push_back({pair_key(list.tok[i], list.tok[i + 1]), PairStats{}});
      }
      PairStats& s = found[size_t(slot[k])].second;
      ++s.count;
      s.positions.push_back(int32_t(i));
    }
    for (auto& [key, s] : found) stats.emplace(key, std::move(s));
  }
  std::priority_queue<HeapEntry> heap;
  for (const auto& [key, s] : stats) heap.push({s.count, key});

  auto pop_best = [&]() -> HeapEntry {
    while (!heap.empty()) {
      const HeapEntry top = heap.top();
      heap.pop();
      const auto it = stats.find(top.key);
      const int64_t now = it == stats.end() ? 0 : it->second.count;
      if (now == top.count) return top;
      if (now > 0) heap.push({now, top.key});  // stale: counts only fell since this entry was pushed
    }
    return {0, 0};
  };

  std::vector<BpeMerge> merges;
  std::vector<uint64_t> grown;  // pairs that gained occurrences in this merge
  for (int64_t m = 0; m < n_merges; ++m) {
    const HeapEntry best = pop_best();
    if (best.count < 2) break;
    const auto a = int32_t(best.key >> 32), b = int32_t(best.key & 0xFFFFFFFFu);
    const auto c = int32_t(256 + m);
    std::vector<int32_t> positions = std::move(stats[best.key].positions);
    if (!std::is_sorted(positions.begin(), positions.end())) std::sort(positions.begin(), positions.end());
    auto add = [&](uint64_t key, int64_t delta, int32_t where) {
      PairStats& s = stats[key];
      s.count += delta;
      if (delta > 0) {
        s.positions.push_back(where);
        grown.push_back(key);
      }
    };
    grown.clear();
    for (const int32_t i : positions) {
      // Earlier merges (and earlier occurrences of this one, as in "aaa") may have changed it.
      const int32_t j = list.next[size_t(i)];
      if (list.tok[size_t(i)] != a || j < 0 || list.tok[size_t(j)] != b) continue;
      add(best.key, -1, i);
      const int32_t p = list.prev[size_t(i)], n = list.next[size_t(j)];
      if (p >= 0) {
        add(pair_key(list.tok[size_t(p)], a), -1, p);
        add(pair_key(list.tok[size_t(p)], c), +1, p);
      }
      if (n >= 0) {
        add(pair_key(b, list.tok[size_t(n)]), -1, i);
        add(pair_key(c, list.tok[size_t(n)]), +1, i);
      }
      list.tok[size_t(i)] = c;
      list.tok[size_t(j)] = -1;
      list.next[size_t(i)] = n;
      if (n >= 0) list.prev[size_t(n)] = i;
    }
    stats.erase(best.key);
    std::sort(grown.begin(), grown.end());
    grown.erase(std::unique(grown.begin(), grown.end()), grown.end());
    for (const uint64_t key : grown) {
      const auto it = stats.find(key);
      if (it != stats.end() && it->second.count > 0) heap.push({it->second.count, key});
    }
    merges.push_back(pair_of(best.key));
  }
  return merges;
}

}  // namespace atn
