#include "data/bpe_tokenizer.h"

#include <algorithm>
#include <limits>

#include "tensor/error.h"

namespace atn {

namespace {

uint64_t pair_key(int64_t left, int64_t right) { return (uint64_t(left) << 32) | uint64_t(right); }

}  // namespace

BpeTokenizer BpeTokenizer::train(std::string_view text, int64_t n_merges) {
  return BpeTokenizer(bpe_train(text, n_merges));
}

BpeTokenizer::BpeTokenizer(std::vector<BpeMerge> merges) : merges_(std::move(merges)) {
  if (merges_.size() > size_t(std::numeric_limits<int32_t>::max()) - 256)
    fail("BpeTokenizer: too many merges (", merges_.size(), ")");
  for (int b = 0; b < 256; ++b) token_bytes_.emplace_back(1, static_cast<char>(b));
  for (size_t i = 0; i < merges_.size(); ++i) {
    const BpeMerge& m = merges_[i];
    const int64_t limit = 256 + int64_t(i);  // merge i may only join tokens made before it
    if (m.left < 0 || m.left >= limit || m.right < 0 || m.right >= limit)
      fail("BpeTokenizer: merge ", i, " joins [", m.left, ", ", m.right, "]; its ids must be in [0, ", limit, ")");
    const auto [it, fresh] = ranks_.emplace(pair_key(m.left, m.right), int64_t(i));
    if (!fresh) fail("BpeTokenizer: merge ", i, " repeats merge ", it->second, " [", m.left, ", ", m.right, "]");
    token_bytes_.push_back(token_bytes_[size_t(m.left)] + token_bytes_[size_t(m.right)]);
    if (m.left < 256 && m.right < 256) byte_pair_rank_[size_t(m.left * 256 + m.right)] = int32_t(i);
  }
}

BpeTokenizer BpeTokenizer::from_json(const Json& json) {
  const char* who = "tokenizer_from_json (bpe)";
  std::vector<BpeMerge> merges;
  for (const Json& m : json_member(json, "merges", Json::Kind::Array, who).items) {
    if (m.kind != Json::Kind::Array || m.items.size() != 2)
      fail(who, ": merge ", merges.size(), " must be an array of two ids");
    merges.push_back({json_integer(m.items[0], who), json_integer(m.items[1], who)});
  }
  try {
    return BpeTokenizer(std::move(merges));
  } catch (const Error& e) {
    fail(who, ": ", e.what());
  }
}

int64_t BpeTokenizer::rank_of(int64_t left, int64_t right) const {
  if (left < 256 && right < 256) return byte_pair_rank_[size_t(left * 256 + right)];
  const auto it = ranks_.find(pair_key(left, right));
  return it == ranks_.end() ? -1 : it->second;
}

std::vector<int64_t> BpeTokenizer::encode(std::string_view text) const {
  if (text.size() > size_t(std::numeric_limits<int32_t>::max()))
    fail("BpeTokenizer::encode: the text has ", text.size(), " bytes; at most 2^31 - 1 are supported");
  const auto n = int32_t(text.size());
  // The text as a linked list of tokens; a merge keeps the left position and unlinks the right.
  std::vector<int32_t> tok(text.size()), next(text.size()), prev(text.size());
  for (int32_t i = 0; i < n; ++i) {
    tok[size_t(i)] = static_cast<unsigned char>(text[size_t(i)]);
    next[size_t(i)] = i + 1 < n ? i + 1 : -1;
    prev[size_t(i)] = i - 1;
  }
  // pending[r]: left positions where the pair of merge r may sit. A merge only creates pairs
  // that hold its new token, and those belong to later merges, so handling r = 0, 1, 2, ...
  // in turn, each from left to right, is exactly applying the merges one after another.
  std::vector<std::vector<int32_t>> pending(merges_.size());
  auto note_pair_at = [&](int32_t i) {
    const int32_t j = next[size_t(i)];
    if (j < 0) return;
    const int64_t r = rank_of(tok[size_t(i)], tok[size_t(j)]);
    if (r >= 0) pending[size_t(r)].push_back(i);
  };
  for (int32_t i = 0; i + 1 < n; ++i) note_pair_at(i);
  for (size_t r = 0; r < merges_.size(); ++r) {
    const auto a = int32_t(merges_[r].left), b = int32_t(merges_[r].right);
    // Each list is filled during a single earlier merge (the one that made the newer of its
    // two tokens), from left to right, so it is sorted already; the check costs little.
    if (!std::is_sorted(pending[r].begin(), pending[r].end())) std::sort(pending[r].begin(), pending[r].end());
    for (const int32_t i : pending[r]) {
      // Stale when an earlier merge, or an overlapping one of these ("aaa"), changed the pair.
      const int32_t j = next[size_t(i)];
      if (tok[size_t(i)] != a || j < 0 || tok[size_t(j)] != b) continue;
      tok[size_t(i)] = int32_t(256 + r);
      tok[size_t(j)] = -1;
      next[size_t(i)] = next[size_t(j)];
      if (next[size_t(i)] >= 0) prev[size_t(next[size_t(i)])] = i;
      if (prev[size_t(i)] >= 0) note_pair_at(prev[size_t(i)]);
      note_pair_at(i);
    }
    std::vector<int32_t>().swap(pending[r]);  // done with it: free the memory
  }
  std::vector<int64_t> ids;
  for (int32_t i = n > 0 ? 0 : -1; i >= 0; i = next[size_t(i)]) ids.push_back(tok[size_t(i)]);
  return ids;
}

std::vector<int64_t> BpeTokenizer::encode_naive(std::string_view text) const {
  std::vector<int64_t> ids;
  for (char ch : text) ids.push_back(static_cast<unsigned char>(ch));
  while (ids.size() >= 2) {
    int64_t best = -1;  // the earliest merge that applies anywhere
    for (size_t i = 0; i + 1 < ids.size(); ++i) {
      const int64_t r = rank_of(ids[i], ids[i + 1]);
      if (r >= 0 && (best < 0 || r < best)) best = r;
    }
    if (best < 0) break;
    const BpeMerge& m = merges_[size_t(best)];
    std::vector<int64_t> merged;
    for (size_t i = 0; i < ids.size(); ++i) {
      if (i + 1 < ids.size() && ids[i] == m.left && ids[i + 1] == m.right) {
        merged.push_back(256 + best);
        ++i;
      } else {
        merged.push_back(ids[i]);
      }
    }
    ids = std::move(merged);
  }
  return ids;
}

std::string BpeTokenizer::decode(const std::vector<int64_t>& ids) const {
  std::string out;
  for (int64_t id : ids) out += token_bytes(id);
  return out;
}

const std::string& BpeTokenizer::token_bytes(int64_t id) const {
  if (id < 0 || id >= vocab_size()) fail("BpeTokenizer: id ", id, " is out of range [0, ", vocab_size(), ")");
  return token_bytes_[size_t(id)];
}

std::string BpeTokenizer::to_json() const {
  std::string s = "{\"kind\":\"bpe\",\"merges\":[";
  for (size_t i = 0; i < merges_.size(); ++i)
    s += (i ? ",[" : "[") + std::to_string(merges_[i].left) + "," + std::to_string(merges_[i].right) + "]";
  return s + "]}";
}

}  // namespace atn
