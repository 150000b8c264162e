#include "nn/attention/kv_cache.h"

#include "autograd/ops_shape.h"

namespace atn {

void KVCache::Entry::append(const Var& k, const Var& v) {
  if (k.dim() != 4 || v.shape() != k.shape())
    fail("KVCache: new keys ", to_string(k.shape()), " and values ", to_string(v.shape()),
         " must both be [B, H_kv, T_new, d_head]");
  if (keys.defined()) {
    const Shape& old = keys.shape();
    if (old[0] != k.size(0) || old[1] != k.size(1) || old[3] != k.size(3))
      fail("KVCache: new keys ", to_string(k.shape()), " do not match the cached ", to_string(old),
           " (batch, heads and d_head must agree)");
    // concat copies the whole cache at every step: O(T) per token, dwarfed by attention's own
    // O(T·d) and much plainer than a preallocated buffer with a fill pointer.
    keys = concat({keys, k}, 2);
    values = concat({values, v}, 2);
  } else {
    keys = k;
    values = v;
  }
}

KVCache::KVCache(int64_t n_layers) {
  if (n_layers < 1) fail("KVCache: n_layers must be >= 1, got ", n_layers);
  entries_.resize(size_t(n_layers));
}

KVCache::Entry& KVCache::layer(int64_t i) {
  if (i < 0 || i >= n_layers()) fail("KVCache: layer ", i, " out of range [0, ", n_layers(), ")");
  return entries_[size_t(i)];
}

const KVCache::Entry& KVCache::layer(int64_t i) const {
  if (i < 0 || i >= n_layers()) fail("KVCache: layer ", i, " out of range [0, ", n_layers(), ")");
  return entries_[size_t(i)];
}

void KVCache::clear() {
  for (Entry& e : entries_) e = Entry{};
}

}  // namespace atn
