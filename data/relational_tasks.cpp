#include "data/relational_tasks.h"

#include <algorithm>
#include <set>
#include <vector>

#include "tensor/rng.h"

namespace atn {
namespace {

// Random binary sprites, any two differing in at least 3 of their pixels.
std::vector<std::vector<real>> make_sprites(int64_t count, int64_t pixels, Rng& rng) {
  std::vector<std::vector<real>> sprites;
  for (int64_t attempts = 0; int64_t(sprites.size()) < count; ++attempts) {
    if (attempts == 100 * count + 1000)
      fail("same_different_task: cannot find ", count, " sprites of ", pixels, " pixels that differ in 3 pixels");
    std::vector<real> s(static_cast<size_t>(pixels));
    for (real& v : s) v = rng.bernoulli(0.5) ? 1 : 0;
    const bool far_enough = std::all_of(sprites.begin(), sprites.end(), [&](const std::vector<real>& o) {
      int64_t d = 0;
      for (size_t i = 0; i < s.size(); ++i) d += s[i] != o[i];
      return d >= 3;
    });
    if (far_enough) sprites.push_back(std::move(s));
  }
  return sprites;
}

// `k` different values drawn from [lo, hi), in random order.
std::vector<int64_t> distinct_draws(int64_t k, int64_t lo, int64_t hi, Rng& rng) {
  std::vector<int64_t> out;
  while (int64_t(out.size()) < k) {
    const int64_t v = lo + int64_t(rng.below(uint64_t(hi - lo)));
    if (std::find(out.begin(), out.end(), v) == out.end()) out.push_back(v);
  }
  return out;
}

}  // namespace

RelationalTask same_different_task(const SameDifferentConfig& cfg) {
  const char* op = "same_different_task";
  const int64_t L = cfg.n_objects, s = cfg.sprite_size, D = s * s;
  if (L < 2) fail(op, ": n_objects must be at least 2, got ", L);
  if (s < 2) fail(op, ": sprite_size must be at least 2, got ", s);
  if (cfg.heldout_sprites < L || cfg.n_sprites - cfg.heldout_sprites < L)
    fail(op, ": training and held-out sprites must each number at least n_objects (", L, "), got ",
         cfg.n_sprites - cfg.heldout_sprites, " and ", cfg.heldout_sprites);
  if (cfg.n_train < 0 || cfg.n_test < 0) fail(op, ": n_train and n_test must be >= 0");
  if (!(cfg.noise_std >= 0)) fail(op, ": noise_std must be >= 0, got ", cfg.noise_std);
  Rng rng(cfg.seed);
  Rng noise_rng(cfg.seed ^ 0x9E3779B97F4A7C15ull);  // noise on its own stream
  const auto sprites = make_sprites(cfg.n_sprites, D, rng);
  RelationalTask task;
  task.name = "same_different";
  task.n_classes = 2;
  task.objects = Tensor::zeros({cfg.n_sprites, D});
  for (int64_t k = 0; k < cfg.n_sprites; ++k)
    for (int64_t p = 0; p < D; ++p) task.objects[k * D + p] = sprites[size_t(k)][size_t(p)];

  // Examples of a split use sprites [lo, hi) only.
  auto make_split = [&](int64_t n, int64_t lo, int64_t hi) {
    RelationalSplit split{Tensor::zeros({n, L, D}), Tensor::zeros({n}), Tensor::zeros({n, 1, s, L * s})};
    const std::vector<int64_t> order = rng.permutation(n);  // where example k goes: labels not alternating
    for (int64_t k = 0; k < n; ++k) {
      const bool same = k % 2 == 1;
      std::vector<int64_t> ids = distinct_draws(same ? L - 1 : L, lo, hi, rng);
      if (same) {
        // The first sprite goes to two places i < j chosen uniformly, the others fill the rest.
        const std::vector<int64_t> draws = ids;
        std::vector<int64_t> pair = distinct_draws(2, 0, L, rng);
        std::sort(pair.begin(), pair.end());
        ids.assign(size_t(L), draws[0]);
        size_t next = 1;
        for (int64_t i = 0; i < L; ++i)
          if (i != pair[0] && i != pair[1]) ids[size_t(i)] = draws[next++];
      }
      const int64_t row = order[size_t(k)];
      split.y[row] = same ? 1 : 0;
      for (int64_t i = 0; i < L; ++i)
        for (int64_t p = 0; p < D; ++p) {
          const real v = sprites[size_t(ids[size_t(i)])][size_t(p)] +
                         (cfg.noise_std > 0 ? noise_rng.normal(0, cfg.noise_std) : real(0));
          split.x[(row * L + i) * D + p] = v;
          // Pixel (p / s, p % s) of sprite i sits at column i·s + p % s of the image.
          split.images[(row * s + p / s) * L * s + i * s + p % s] = v;
        }
    }
    return split;
  };
  task.test = make_split(cfg.n_test, cfg.n_sprites - cfg.heldout_sprites, cfg.n_sprites);
  task.train = make_split(cfg.n_train, 0, cfg.n_sprites - cfg.heldout_sprites);
  return task;
}

RelationalTask order_task(const OrderTaskConfig& cfg) {
  const char* op = "order_task";
  if (cfg.n_primary < 1 || cfg.n_secondary < 1 || cfg.attribute_dim < 1)
    fail(op, ": n_primary, n_secondary and attribute_dim must be positive");
  const int64_t n_objects = cfg.n_primary * cfg.n_secondary, L = cfg.length, A = cfg.attribute_dim, D = 2 * A;
  if (L < 2 || L > n_objects) fail(op, ": length must be in 2..", n_objects, " (the number of objects), got ", L);
  if (cfg.n_train < 0 || cfg.n_test < 0) fail(op, ": n_train and n_test must be >= 0");
  // Distinct ordered sequences available: n_objects · (n_objects - 1) · ... (L factors).
  double available = 1;
  for (int64_t i = 0; i < L; ++i) available *= double(n_objects - i);
  if (double(cfg.n_train + cfg.n_test) > available / 2)
    fail(op, ": only ", available, " different sequences; ask for at most half of them");

  Rng rng(cfg.seed);
  const Tensor primary = Tensor::randn({cfg.n_primary, A}, rng);
  const Tensor secondary = Tensor::randn({cfg.n_secondary, A}, rng);
  RelationalTask task;
  task.name = "order";
  task.n_classes = L;
  task.objects = Tensor::zeros({n_objects, D});
  for (int64_t k = 0; k < n_objects; ++k)
    for (int64_t a = 0; a < A; ++a) {
      task.objects[k * D + a] = primary[(k / cfg.n_secondary) * A + a];
      task.objects[k * D + A + a] = secondary[(k % cfg.n_secondary) * A + a];
    }

  std::set<std::vector<int64_t>> used;
  auto make_split = [&](int64_t n) {
    RelationalSplit split{Tensor::zeros({n, L, D}), Tensor::zeros({n, L}), Tensor()};
    for (int64_t k = 0; k < n; ++k) {
      std::vector<int64_t> ids;
      do ids = distinct_draws(L, 0, n_objects, rng);
      while (!used.insert(ids).second);
      for (int64_t i = 0; i < L; ++i) {
        // Object index = place in the order, so the rank counts the smaller indices present.
        const int64_t rank = std::count_if(ids.begin(), ids.end(), [&](int64_t o) { return o < ids[size_t(i)]; });
        split.y[k * L + i] = real(rank);
        for (int64_t f = 0; f < D; ++f) split.x[(k * L + i) * D + f] = task.objects[ids[size_t(i)] * D + f];
      }
    }
    return split;
  };
  task.test = make_split(cfg.n_test);
  task.train = make_split(cfg.n_train);
  return task;
}

}  // namespace atn
