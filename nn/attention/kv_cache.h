// KVCache: the keys and values of the tokens already seen, kept for incremental decoding.
//
// A decoder generates one token at a time, and causal attention lets a new token look only at
// earlier ones, whose keys and values never change afterwards. So instead of recomputing the
// whole prefix at every step, each attention layer keeps them here and computes only the new
// token's query, key and value: one step costs O(T·d) instead of O(T²·d).
//
// One entry per attention layer (a decoder stack shares one KVCache, layer i uses entry i).
// Each entry holds keys and values [B, H_kv, T, d_head], H_kv the number of key/value heads:
// with grouped-query or multi-query attention the cache is smaller by n_heads / n_kv_heads,
// which is the point of those variants. Keys are stored after RoPE has rotated them (a key's
// rotation depends only on its own position, so it is done once, when it arrives).
//
// The cache holds Vars: usually generation runs under NoGrad and they are plain tensors, but
// with recording on, gradients flow back through the cached keys and values into the steps
// that produced them.
#pragma once
#include <vector>

#include "autograd/var.h"

namespace atn {

class KVCache {
 public:
  struct Entry {
    Var keys, values;  // [B, H_kv, T, d_head]; undefined while empty
    int64_t length() const { return keys.defined() ? keys.size(2) : 0; }
    // Appends new keys and values [B, H_kv, T_new, d_head] along the time axis. Checks that
    // batch, heads and d_head agree with what is already cached.
    void append(const Var& new_keys, const Var& new_values);
  };

  explicit KVCache(int64_t n_layers = 1);

  int64_t n_layers() const { return int64_t(entries_.size()); }
  Entry& layer(int64_t i);  // i in [0, n_layers)
  const Entry& layer(int64_t i) const;
  int64_t length(int64_t i = 0) const { return layer(i).length(); }  // tokens cached in layer i
  // Forgets everything (before a new sequence).
  void clear();

 private:
  std::vector<Entry> entries_;
};

}  // namespace atn
