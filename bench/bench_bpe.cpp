// Byte-level BPE speed on 1 MB of generated Spanish (data/spanish_text.h): training 256 merges
// with incremental pair counts, and encoding. Prints, e.g.
//   bpe train 1 MB 256 merges: 0.41 s
//   bpe encode 1 MB: 9.8 MB/s
// Each time is the best of a few runs: other programs can only make a run slower.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <functional>

#include "data/bpe_tokenizer.h"
#include "data/spanish_text.h"

namespace {

using Clock = std::chrono::steady_clock;

double best_seconds(const std::function<void()>& fn, int runs) {
  double best = 1e30;
  for (int r = 0; r < runs; ++r) {
    const auto start = Clock::now();
    fn();
    best = std::min(best, std::chrono::duration<double>(Clock::now() - start).count());
  }
  return best;
}

}  // namespace

int main() {
  const size_t mb = size_t(1) << 20;
  const std::string text = atn::generate_spanish_text(7, mb).substr(0, mb);
  std::vector<atn::BpeMerge> merges;
  const double train_s = best_seconds([&] { merges = atn::bpe_train(text, 256); }, 3);
  std::printf("bpe train 1 MB %zu merges: %.2f s\n", merges.size(), train_s);

  const atn::BpeTokenizer bpe(merges);
  size_t n_tokens = 0;
  const double encode_s = best_seconds([&] { n_tokens = bpe.encode(text).size(); }, 3);
  std::printf("bpe encode 1 MB: %.1f MB/s (%zu tokens, %.2f bytes per token)\n", 1.0 / encode_s, n_tokens,
              double(text.size()) / double(n_tokens));
  return 0;
}
