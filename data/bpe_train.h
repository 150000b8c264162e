// Learning byte-pair-encoding merges (Sennrich et al., 2016; byte-level as in GPT-2).
//
// Start from the text's bytes (tokens 0..255). Repeatedly take the adjacent pair of tokens
// that occurs most often, give it a new token (merge i makes token 256 + i) and replace its
// occurrences from left to right ("aaa" with a+a -> "Xa"). Ties go to the smallest pair
// (left id, then right id), so the merges depend on nothing but the text. Training stops early
// when no pair occurs twice: a merge that saves one token is not worth a vocabulary entry.
#pragma once
#include <cstdint>
#include <string_view>
#include <vector>

namespace atn {

struct BpeMerge {
  int64_t left = 0, right = 0;  // the pair of token ids this merge joins
  bool operator==(const BpeMerge&) const = default;
};

// The naive way, as minbpe teaches it: after every merge, count every pair again. O(n) work
// per merge; kept as the reference the fast version is tested against.
std::vector<BpeMerge> bpe_train_naive(std::string_view text, int64_t n_merges);

// The same merges, computed with pair counts that are updated where a merge happens: each
// occurrence of the merged pair changes the counts of its neighbours only. Work is
// proportional to the number of occurrences actually merged, so 1 MB trains in well under a
// second. Error when n_merges < 0 or the text is longer than 2^31 - 1 bytes.
std::vector<BpeMerge> bpe_train(std::string_view text, int64_t n_merges);

}  // namespace atn
