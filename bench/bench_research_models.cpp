// One training step (forward, backward, optimizer) of each language model of atencion at the
// same size, as tokens per second: the plain GPT (fused causal attention, AdamW), the
// natural-attention GPT (explicit softmax that keeps its energies, attention-informed AdamW) and
// the adaptive-span GPT (banded attention: each query reads W = floor(max z) + R + 1 keys), the
// latter at two spans, and the Dual Attention Transformer (2 self-attention + 2 relational heads). V=65 T=64 d=128 L=4 h=4 B=12 on 1 thread, as bench_gpt.cpp. Measured with
// the -O2 build (make run FILE=bench/bench_research_models.cpp) on the shared 2-core machine at
// load 10.5, so every line is slow by the same factor (bench_gpt's quiet figure is 78 ms/step):
//   gpt (AdamW)                          203.7 ms/step  3770 tokens/s
//   natural (attention-informed AdamW)   203.2 ms/step  3780 tokens/s
//   adaptive-span (z = 0, R = 16)        207.9 ms/step  3694 tokens/s   952 query-key pairs per layer
//   adaptive-span (z = S = 64, R = 16)   244.5 ms/step  3142 tokens/s  2080 (the causal 2080)
// At T = 64 attention is a small part of the step (the MLPs and the head dominate), so the band
// saves little time; the cost of the unfused, banded softmax shows at full span.
// The dat line, measured later in one run at load 5.8 (gpt 120.3 ms/step in the same run):
//   dat (2 SA + 2 RA heads, AdamW)       146.9 ms/step  5227 tokens/s   (1.22× the GPT's step)
// RA adds the relations (n_r = 2 extra q/k projections), W_v on the symbols, the [n, n, n_r]
// aggregation and the symbol retriever (an attention over 64 library symbols) in every block. Each line is the
// best of several timed steps after warm-up steps, with the 1-minute load average.
// The vision lines (ViT against DATVision, 2 SA + 2 RA heads with symbolic symbols, on 12 random
// 3×32×32 images, patches of 4 → 65 tokens, d = 128, L = 4), measured with ARGS="--quick" at load 9.0:
//   vit (AdamW)                          619.5 ms/step  19 images/s  1259 tokens/s
//   dat-vision (2 SA + 2 RA heads)       675.1 ms/step  18 images/s  1155 tokens/s   (1.09× the ViT's step)
//
// ARGS="--quick" times fewer steps.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <memory>

#include "autograd/tape.h"
#include "models/adaptive_span_gpt.h"
#include "models/dat_lm.h"
#include "models/dat_vision.h"
#include "models/gpt.h"
#include "models/natural_gpt.h"
#include "models/vit.h"
#include "optim/adam.h"
#include "optim/attention_informed.h"
#include "tensor/thread_pool.h"

namespace {

using Clock = std::chrono::steady_clock;

double load_average() {
  double load[1] = {0};
  return getloadavg(load, 1) == 1 ? load[0] : -1;
}

constexpr int64_t kV = 65, kT = 64, kD = 128, kL = 4, kH = 4, kB = 12;

// `warmup` untimed calls of step, then the best (minimum) wall time of `timed` calls, in ms.
double best_step_ms(const std::function<void()>& step, int warmup, int timed) {
  for (int i = 0; i < warmup; ++i) step();
  double best_ms = 1e300;
  for (int i = 0; i < timed; ++i) {
    const auto start = Clock::now();
    step();
    best_ms = std::min(best_ms, std::chrono::duration<double, std::milli>(Clock::now() - start).count());
  }
  return best_ms;
}

void bench(const char* name, atn::LanguageModel& model, atn::Optimizer& opt, int warmup, int timed,
           const std::string& note = "") {
  atn::Rng rng(1);
  atn::Tensor x({kB, kT}), y({kB, kT});
  auto step = [&] {
    for (atn::real& v : x) v = atn::real(rng.below(uint64_t(kV)));
    for (atn::real& v : y) v = atn::real(rng.below(uint64_t(kV)));
    atn::backward(model.training_loss(x, y), {.keep_intermediate_grads = false});
    opt.step();
    model.after_update();
    opt.zero_grad();
  };
  const double best_ms = best_step_ms(step, warmup, timed);
  std::printf("%-34s V=%lld T=%lld d=%lld L=%lld h=%lld B=%lld threads=1: %6.1f ms/step, %7.0f tokens/s%s, load %.1f\n",
              name, (long long)kV, (long long)kT, (long long)kD, (long long)kL, (long long)kH, (long long)kB, best_ms,
              double(kB * kT) / (best_ms / 1000.0), note.c_str(), load_average());
  std::fflush(stdout);
}

// The vision models: one step on a batch of random 32×32 RGB images (patches of 4: 64 patches and
// [CLS], d = 128, 4 layers, 4 heads, 10 classes), as images and tokens per second.
constexpr int64_t kImage = 32, kPatch = 4, kChannels = 3, kClasses = 10, kImages = 12;

void bench_images(const char* name, const std::function<atn::Var(const atn::Tensor&, const atn::Tensor&)>& loss,
                  atn::Optimizer& opt, int warmup, int timed) {
  atn::Rng rng(1);
  atn::Tensor labels({kImages});
  auto step = [&] {
    const atn::Tensor images = atn::Tensor::randn({kImages, kChannels, kImage, kImage}, rng);
    for (atn::real& v : labels) v = atn::real(rng.below(uint64_t(kClasses)));
    atn::backward(loss(images, labels), {.keep_intermediate_grads = false});
    opt.step();
    opt.zero_grad();
  };
  const double best_ms = best_step_ms(step, warmup, timed);
  const int64_t tokens = (kImage / kPatch) * (kImage / kPatch) + 1;
  std::printf("%-34s %lldx%lldx%lld P=%lld d=%lld L=%lld h=%lld B=%lld threads=1: %6.1f ms/step, %5.0f images/s, "
              "%6.0f tokens/s, load %.1f\n",
              name, (long long)kChannels, (long long)kImage, (long long)kImage, (long long)kPatch, (long long)kD,
              (long long)kL, (long long)kH, (long long)kImages, best_ms, double(kImages) / (best_ms / 1000.0),
              double(kImages * tokens) / (best_ms / 1000.0), load_average());
  std::fflush(stdout);
}

}  // namespace

int main(int argc, char** argv) {
  const bool quick = argc > 1 && std::strcmp(argv[1], "--quick") == 0;
  const int warmup = quick ? 1 : 3, timed = quick ? 3 : 9;
  atn::set_num_threads(1);
  {
    atn::Rng rng(1);
    atn::GPT gpt({.vocab = kV, .block = kT, .n_layer = kL, .n_head = kH, .d_model = kD}, rng);
    atn::AdamW opt(gpt.parameters(), {.lr = 1e-3f, .weight_decay = 0.1f});
    bench("gpt (AdamW)", gpt, opt, warmup, timed);
  }
  {
    atn::Rng rng(1);
    atn::NaturalGPT nat({.vocab = kV, .block = kT, .n_layer = kL, .n_head = kH, .d_model = kD}, rng);
    atn::AttentionInformedAdamW opt(nat.energy_groups(), nat.ungrouped_parameters());
    bench("natural (attention-informed AdamW)", nat, opt, warmup, timed);
  }
  {
    // DAT: 2 self-attention + 2 relational heads (head_dim 32, as the GPT's), symbolic symbols
    // (64 library symbols, one retriever shared by the 4 blocks), GELU FF 4d.
    atn::Rng rng(1);
    atn::DATLM dat({.vocab = kV, .block = kT, .n_layer = kL, .d_model = kD, .n_heads_sa = kH / 2, .n_heads_ra = kH / 2},
                   rng);
    atn::AdamW opt(dat.parameters(), {.lr = 1e-3f, .weight_decay = 0.1f});
    bench("dat (2 SA + 2 RA heads, AdamW)", dat, opt, warmup, timed);
  }
  {
    atn::Rng rng(1);
    atn::ViT vit({.image_size = kImage, .patch = kPatch, .channels = kChannels, .n_classes = kClasses, .d_model = kD,
                  .n_layer = kL, .n_head = kH},
                 rng);
    atn::AdamW opt(vit.parameters(), {.lr = 1e-3f, .weight_decay = 0.1f});
    bench_images("vit (AdamW)", [&](const atn::Tensor& x, const atn::Tensor& y) { return vit.loss(x, y); }, opt,
                 warmup, timed);
  }
  {
    atn::Rng rng(1);
    atn::DATVision dat({.image_height = kImage,
                        .image_width = kImage,
                        .patch = kPatch,
                        .channels = kChannels,
                        .n_classes = kClasses,
                        .n_layer = kL,
                        .block = {.d_model = kD, .n_heads_sa = kH / 2, .n_heads_ra = kH / 2}},
                       rng);
    atn::AdamW opt(dat.parameters(), {.lr = 1e-3f, .weight_decay = 0.1f});
    bench_images("dat-vision (2 SA + 2 RA heads)", [&](const atn::Tensor& x, const atn::Tensor& y) { return dat.loss(x, y); },
                 opt, warmup, timed);
  }
  // Spans that stay put (λ = 0, c clamped where it is set): the window W decides the cost.
  for (float c : {0.0f, 1.0f}) {
    atn::Rng rng(1);
    atn::AdaptiveSpanGPT span({.vocab = kV,
                               .block = kT,
                               .n_layer = kL,
                               .n_head = kH,
                               .d_model = kD,
                               .max_span = kT,
                               .ramp = 16,
                               .span_init = c,
                               .span_loss = 0},
                              rng);
    atn::AdamW opt(span.parameters(), {.lr = 0, .weight_decay = 0});
    const std::string note = ", " + std::to_string(span.keys_read(kT) / kL) +
                             " query-key pairs per layer (causal: " + std::to_string(kT * (kT + 1) / 2) + ")";
    bench(c == 0 ? "adaptive-span (z = 0, R = 16)" : "adaptive-span (z = S = 64, R = 16)", span, opt, warmup, timed,
          note);
  }
}
