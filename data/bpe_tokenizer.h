// BpeTokenizer: byte-level byte-pair encoding, as GPT-2 and Karpathy's minbpe do it (without
// GPT-2's regex pre-split: merges may cross spaces). Tokens 0..255 are the bytes themselves and
// merge i makes token 256 + i, so any byte string encodes, invalid UTF-8 and NUL included,
// and decode(encode(s)) == s exactly. A token may hold part of a UTF-8 character, so decoding
// a slice of ids may give bytes that are not valid UTF-8.
//
//   BpeTokenizer bpe = BpeTokenizer::train(spanish_corpus(), 256);   // vocab_size() == 512
//   std::vector<int64_t> ids = bpe.encode("el perro come");
#pragma once
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "data/bpe_train.h"
#include "data/tokenizer.h"

namespace atn {

class BpeTokenizer : public Tokenizer {
 public:
  // Learns up to n_merges merges on the bytes of `text` (see data/bpe_train.h: fewer when no
  // pair occurs twice any more).
  static BpeTokenizer train(std::string_view text, int64_t n_merges);
  // Error when merge i refers to a token that does not exist yet (id >= 256 + i) or repeats a pair.
  explicit BpeTokenizer(std::vector<BpeMerge> merges);
  static BpeTokenizer from_json(const Json& json);

  // Applies the merges in the order they were learned: merge 0 at every place it fits, from
  // left to right, then merge 1, and so on. Lists of candidate positions per merge make this
  // one pass over the text instead of one pass per merge (encode_naive).
  std::vector<int64_t> encode(std::string_view text) const override;
  std::vector<int64_t> encode_naive(std::string_view text) const;  // minbpe's loop, for tests
  std::string decode(const std::vector<int64_t>& ids) const override;  // Error: id out of range
  int64_t vocab_size() const override { return int64_t(token_bytes_.size()); }
  std::string kind() const override { return "bpe"; }
  std::string to_json() const override;  // {"kind":"bpe","merges":[[101,32],...]}

  const std::vector<BpeMerge>& merges() const { return merges_; }
  const std::string& token_bytes(int64_t id) const;  // the bytes a token stands for

 private:
  int64_t rank_of(int64_t left, int64_t right) const;  // merge index, or -1

  std::vector<BpeMerge> merges_;
  std::vector<std::string> token_bytes_;            // id -> bytes
  std::unordered_map<uint64_t, int64_t> ranks_;     // (left, right) -> merge index
  std::vector<int32_t> byte_pair_rank_ = std::vector<int32_t>(65536, -1);  // the same for two bytes, faster
};

}  // namespace atn
