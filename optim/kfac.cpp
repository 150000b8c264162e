#include "optim/kfac.h"

#include <cmath>

#include "optim/adam.h"
#include "tensor/elementwise.h"
#include "tensor/softmax.h"

namespace atn {

namespace {

// The Rng state (6 words of 64 bits) travels as 24 floats of 16 bits each: exact in float.
constexpr size_t kRngChunks = 24;

Tensor rng_to_tensor(const Rng& rng) {
  const std::vector<uint64_t> words = rng.state();
  Tensor t({int64_t(kRngChunks)});
  for (size_t i = 0; i < kRngChunks; ++i) t[int64_t(i)] = real((words[i / 4] >> (16 * (i % 4))) & 0xFFFF);
  return t;
}

// sum += scale² · Σ_rows v vᵀ over the rows v of t [..., d] (v = [row; 1] when append_one);
// only the upper triangle is written.
void add_outer(DMatrix& sum, const Tensor& t, bool append_one, double scale) {
  const int64_t d = t.size(-1), rows = t.numel() / d, dim = d + (append_one ? 1 : 0);
  if (sum.rows == 0) sum = DMatrix(dim, dim);
  std::vector<double> v(size_t(dim), 1.0);
  const real* p = t.data();
  for (int64_t r = 0; r < rows; ++r) {
    for (int64_t i = 0; i < d; ++i) v[size_t(i)] = scale * double(p[r * d + i]);
    for (int64_t i = 0; i < dim; ++i) {
      const double vi = v[size_t(i)];
      if (vi == 0) continue;
      for (int64_t j = i; j < dim; ++j) sum(i, j) += vi * v[size_t(j)];
    }
  }
}

double mean_diagonal(const DMatrix& m) {
  double t = 0;
  for (int64_t i = 0; i < m.rows; ++i) t += m(i, i);
  return t / double(m.rows);
}

std::vector<std::pair<std::string, Linear*>> linears_of(Module& model) {
  std::vector<std::pair<std::string, Linear*>> out;
  for (auto& [name, m] : model.named_modules())
    if (auto* lin = dynamic_cast<Linear*>(m)) out.emplace_back(name.empty() ? "linear" : name, lin);
  return out;
}

std::vector<Var> params_of(const std::vector<std::pair<std::string, Linear*>>& layers, std::vector<Var> others) {
  std::vector<Var> all;
  for (const auto& [name, lin] : layers) {
    if (!lin) fail("Kfac: layer '", name, "' is a null pointer");
    all.push_back(lin->weight);
    if (lin->bias.defined()) all.push_back(lin->bias);
  }
  all.insert(all.end(), others.begin(), others.end());
  return all;
}

}  // namespace

Kfac::Kfac(Module& model, KfacConfig cfg, Fallback fallback)
    : Kfac(model.parameters(), linears_of(model), cfg, std::move(fallback)) {}

Kfac::Kfac(std::vector<std::pair<std::string, Linear*>> layers, std::vector<Var> others, KfacConfig cfg,
           Fallback fallback)
    : Kfac(params_of(layers, std::move(others)), layers, cfg, std::move(fallback)) {}

Kfac::Kfac(std::vector<Var> all, std::vector<std::pair<std::string, Linear*>> layers, KfacConfig cfg, Fallback fallback)
    : Optimizer(std::move(all), cfg.lr, "Kfac"), cfg_(cfg), rng_(cfg.seed) {
  check_at_least("damping", cfg.damping, 0);
  check_in_unit("decay", cfg.decay);
  check_at_least("weight_decay", cfg.weight_decay, 0);
  check_at_least("loss_examples", cfg.loss_examples, 0);
  check_at_least("fallback_lr", cfg.fallback_lr, 0);
  if (cfg.inverse_every < 1) fail(name_, ": inverse_every must be >= 1, got ", cfg.inverse_every);
  if (layers.empty()) fail(name_, ": no Linear layer to precondition (use another optimizer)");

  auto position = [&](const Var& v) {
    for (size_t i = 0; i < params_.size(); ++i)
      if (params_[i].same_as(v)) return i;
    return kNone;
  };
  std::vector<bool> taken(params_.size(), false);
  for (auto& [name, lin] : layers) {
    Slot s;
    s.name = name;
    s.linear = lin;
    s.weight = position(lin->weight);
    if (s.weight == kNone) fail(name_, ": the weight of layer '", name, "' is not among the parameters");
    if (lin->bias.defined()) {
      s.bias = position(lin->bias);
      if (s.bias == kNone) fail(name_, ": the bias of layer '", name, "' is not among the parameters");
    }
    for (const auto& other : slots_)
      if (other.linear == lin) fail(name_, ": layer '", name, "' is given twice (also as '", other.name, "')");
    s.a_dim = lin->in_features + (lin->bias.defined() ? 1 : 0);
    s.g_dim = lin->out_features;
    taken[s.weight] = true;
    if (s.bias != kNone) taken[s.bias] = true;
    slots_.push_back(std::move(s));
  }
  std::vector<Var> rest;
  for (size_t i = 0; i < params_.size(); ++i)
    if (!taken[i]) {
      others_.push_back(i);
      rest.push_back(params_[i]);
    }
  if (!rest.empty()) {
    fallback_ = fallback ? fallback(rest) : std::make_unique<Adam>(rest, AdamConfig{.lr = cfg.fallback_lr});
    if (!fallback_) fail(name_, ": the fallback factory returned no optimizer");
  }
  direction_.resize(params_.size());
}

const std::string& Kfac::layer_name(size_t layer) const {
  if (layer >= slots_.size()) fail(name_, ": layer ", layer, " out of range (", slots_.size(), " layers)");
  return slots_[layer].name;
}

std::vector<std::string> Kfac::buffer_names(size_t i) const {
  for (const auto& s : slots_)
    if (s.weight == i) return {"kfac_A", "kfac_G", "kfac_A_inv", "kfac_G_inv"};
  return {};
}

Shape Kfac::buffer_shape(size_t i, const std::string& name) const {
  for (const auto& s : slots_)
    if (s.weight == i)
      return name == "kfac_A" || name == "kfac_A_inv" ? Shape{s.a_dim, s.a_dim} : Shape{s.g_dim, s.g_dim};
  return params_[i].shape();
}

Tensor Kfac::layer_buffer(size_t layer, const std::string& name) const {
  layer_name(layer);  // checks the index
  const auto& buffers = buffers_[slots_[layer].weight];
  auto it = buffers.find(name);
  return it == buffers.end() ? Tensor() : it->second;
}

std::vector<double> Kfac::last_direction_flat() const {
  std::vector<double> out;
  for (size_t i = 0; i < params_.size(); ++i)
    for (int64_t k = 0; k < params_[i].numel(); ++k)
      out.push_back(direction_[i].defined() ? double(direction_[i][k]) : 0.0);
  return out;
}

Var Kfac::track(Linear& layer, const Var& x) {
  size_t k = 0;
  while (k < slots_.size() && slots_[k].linear != &layer) ++k;
  if (k == slots_.size()) fail(name_, ".track: ", layer.type_name(), " is not one of this optimizer's layers");
  Var y = layer(x);  // the Linear itself, unchanged (it checks x's shape)
  // No gradient will flow (NoGrad, or nothing trainable upstream): nothing to learn from.
  if (!y.requires_grad()) return y;
  Slot& s = slots_[k];
  add_outer(s.a_sum, x.value(), s.bias != kNone, 1.0);
  s.a_rows += x.numel() / layer.in_features;
  // The identity op whose backward sees ∂L/∂y. It captures y (a handle) to pass the gradient on.
  return record("kfac_capture", y.value(), {y}, [this, k, y](const Tensor& g) {
    capture(k, g);
    y.accumulate_grad(g);
  });
}

void Kfac::capture(size_t k, const Tensor& g) {
  Slot& s = slots_[k];
  const int64_t rows = g.numel() / s.g_dim;
  if (phase_ == Phase::Fisher) {
    // The extra passes seed each example's own loss: g already is per example.
    add_outer(s.g_sum, g, false, 1.0);
    if (count_rows_) s.g_rows += rows;
  } else if (cfg_.fisher == KfacFisher::Empirical) {
    // The training loss is a mean over N examples: ∂L/∂y_n = g_n / N, so multiply by N.
    const double n = cfg_.loss_examples > 0 ? double(cfg_.loss_examples) : double(rows);
    add_outer(s.g_sum, g, false, n);
    s.g_rows += rows;
  }
}

void Kfac::fisher_pass(const Var& outputs) {
  if (cfg_.fisher == KfacFisher::Empirical)
    fail(name_, ".fisher_pass: not used in Empirical mode (G comes from backward(loss) itself)");
  if (!outputs.defined() || outputs.dim() < 1 || outputs.numel() == 0)
    fail(name_, ".fisher_pass: outputs must be [..., C] with at least one number");
  const int64_t c = outputs.size(-1), n = outputs.numel() / c;
  // A diverged model (lr too large) gives NaN or infinite outputs; say so here rather than let
  // the sampler below fail with a message about its weights.
  for (const float x : outputs.value().to_vector())
    if (!std::isfinite(x)) fail(name_, ".fisher_pass: the outputs hold NaN or infinity (has training diverged? try a smaller lr)");
  const bool categorical = cfg_.likelihood == Likelihood::Categorical;
  const Tensor probs = categorical ? softmax(outputs.value()) : Tensor();
  Tensor seed = Tensor::zeros(outputs.shape());
  struct PhaseGuard {  // back to Training even if a pass throws
    Kfac& k;
    ~PhaseGuard() {
      k.phase_ = Phase::Training;
      k.count_rows_ = true;
    }
  } guard{*this};
  phase_ = Phase::Fisher;
  if (cfg_.fisher == KfacFisher::Sampled) {
    // Seed = ∂(−log p(ŷ|z))/∂z for ŷ drawn from the model: a − e_ŷ (Categorical), z − ŷ = −ε
    // (Gaussian; its sign does not matter in g gᵀ, so ε itself).
    for (int64_t r = 0; r < n; ++r) {
      real* row = seed.data() + r * c;
      if (categorical) {
        const real* a = probs.data() + r * c;
        for (int64_t j = 0; j < c; ++j) row[j] = a[j];
        row[rng_.categorical(a, c)] -= 1;
      } else {
        for (int64_t j = 0; j < c; ++j) row[j] = rng_.normal();
      }
    }
    vjp(outputs, seed, {});
    return;
  }
  // Exact: E_ŷ[g gᵀ] as a sum of C outer products, one backward pass per class.
  for (int64_t cls = 0; cls < c; ++cls) {
    for (int64_t r = 0; r < n; ++r) {
      real* row = seed.data() + r * c;
      if (categorical) {
        const real* a = probs.data() + r * c;
        const real root = std::sqrt(a[cls]);
        for (int64_t j = 0; j < c; ++j) row[j] = root * ((j == cls ? 1 : 0) - a[j]);
      } else {
        for (int64_t j = 0; j < c; ++j) row[j] = j == cls ? 1 : 0;
      }
    }
    count_rows_ = cls == 0;
    vjp(outputs, seed, {});
  }
}

void Kfac::step() {
  ++steps_;
  for (auto& s : slots_) {
    const bool has_grad = params_[s.weight].has_grad() || (s.bias != kNone && params_[s.bias].has_grad());
    direction_[s.weight] = Tensor();
    if (s.bias != kNone) direction_[s.bias] = Tensor();
    if (has_grad) update_layer(s);
    s.a_sum = DMatrix();
    s.g_sum = DMatrix();
    s.a_rows = s.g_rows = 0;
  }
  if (fallback_) {
    for (size_t i : others_)
      if (params_[i].has_grad()) ++param_steps_[i];
    fallback_->step();
  }
}

void Kfac::update_layer(Slot& s) {
  if (s.a_rows == 0)
    fail(name_, ".step: layer '", s.name,
         "' has a gradient but no input statistics: call kfac.track(layer, x) "
         "instead of layer(x) in the forward pass");
  if (s.g_rows == 0)
    fail(name_, ".step: layer '", s.name, "' has no output-gradient statistics: ",
         cfg_.fisher == KfacFisher::Empirical
             ? "was backward(loss) run through kfac.track?"
             : "call kfac.fisher_pass(outputs) after the forward pass and before backward(loss)");
  const int64_t t = ++param_steps_[s.weight];
  if (s.bias != kNone) ++param_steps_[s.bias];

  // Running averages; the first update takes the batch statistics as they are.
  auto update_factor = [&](const char* name, const DMatrix& sum, int64_t rows) {
    Tensor& f = buffer(s.weight, name);
    const double keep = t == 1 ? 0.0 : double(cfg_.decay);
    for (int64_t i = 0; i < sum.rows; ++i)
      for (int64_t j = i; j < sum.cols; ++j) {
        const double batch = sum(i, j) / double(rows);
        const double v = keep * double(f.at({i, j})) + (1 - keep) * batch;
        f.at({i, j}) = f.at({j, i}) = real(v);
      }
  };
  update_factor("kfac_A", s.a_sum, s.a_rows);
  update_factor("kfac_G", s.g_sum, s.g_rows);
  if ((t - 1) % cfg_.inverse_every == 0) refresh_inverses(s);

  // ∇W̄ = [∇W ∇b] (+ λ_wd·W̄), [out, a_dim], in double.
  const Var& w = params_[s.weight];
  const int64_t out = s.g_dim, in = s.linear->in_features;
  DMatrix grad(out, s.a_dim);
  const real wd = cfg_.weight_decay;
  for (int64_t o = 0; o < out; ++o) {
    for (int64_t i = 0; i < in; ++i)
      grad(o, i) = (w.has_grad() ? double(w.grad()[o * in + i]) : 0.0) + wd * double(w.value()[o * in + i]);
    if (s.bias != kNone) {
      const Var& b = params_[s.bias];
      grad(o, in) = (b.has_grad() ? double(b.grad()[o]) : 0.0) + wd * double(b.value()[o]);
    }
  }
  // ΔW̄ = (G + λ_G I)⁻¹ ∇W̄ (A + λ_A I)⁻¹
  const DMatrix delta = matmul(matmul(DMatrix::from(buffer(s.weight, "kfac_G_inv")), grad),
                               DMatrix::from(buffer(s.weight, "kfac_A_inv")));
  Tensor dw({out, in}), db({out});
  for (int64_t o = 0; o < out; ++o) {
    for (int64_t i = 0; i < in; ++i) dw[o * in + i] = real(delta(o, i));
    if (s.bias != kNone) db[o] = real(delta(o, in));
  }
  Var wv = w;  // a copy of the handle: the same parameter, writable
  axpy_(wv.value(), -lr_, dw);
  direction_[s.weight] = dw;
  if (s.bias != kNone) {
    Var bv = params_[s.bias];
    axpy_(bv.value(), -lr_, db);
    direction_[s.bias] = db;
  }
}

void Kfac::refresh_inverses(const Slot& s) {
  const DMatrix a = DMatrix::from(buffer(s.weight, "kfac_A")), g = DMatrix::from(buffer(s.weight, "kfac_G"));
  // Factored Tikhonov damping: π balances the two factors' average eigenvalues (mean diagonal).
  double pi = 1;
  if (cfg_.pi_damping) {
    const double ta = mean_diagonal(a), tg = mean_diagonal(g);
    if (ta > 0 && tg > 0) pi = std::sqrt(ta / tg);
  }
  const double root = std::sqrt(double(cfg_.damping));
  auto invert = [&](const DMatrix& m, double lambda, const char* factor, const char* buffer_name) {
    try {
      buffer(s.weight, buffer_name).copy_from(spd_inverse(add_diagonal(m, lambda)).to_tensor());
    } catch (const Error& e) {
      fail(name_, ".step: layer '", s.name, "', factor ", factor, " + ", lambda, "·I: ", e.what());
    }
  };
  invert(a, pi * root, "A", "kfac_A_inv");
  invert(g, root / pi, "G", "kfac_G_inv");
}

StateDict Kfac::state_dict() const {
  StateDict out = Optimizer::state_dict();
  if (fallback_)
    for (auto& [key, value] : fallback_->state_dict()) out["fallback." + key] = value;
  out["kfac.rng"] = rng_to_tensor(rng_);
  return out;
}

void Kfac::load_state_dict(const StateDict& state) {
  StateDict own, theirs;
  const std::string prefix = "fallback.";
  for (const auto& [key, value] : state) {
    if (fallback_ && key.compare(0, prefix.size(), prefix) == 0)
      theirs[key.substr(prefix.size())] = value;
    else if (key != "kfac.rng")
      own[key] = value;
  }
  // The sampler's state: 24 whole numbers in [0, 2^16).
  auto it = state.find("kfac.rng");
  if (it == state.end()) fail(name_, ".load_state_dict: the state does not match the optimizer; missing: kfac.rng");
  const Tensor& chunks = it->second;
  if (chunks.shape() != Shape{int64_t(kRngChunks)})
    fail(name_, ".load_state_dict: kfac.rng has shape ", to_string(chunks.shape()), " (expected [24])");
  std::vector<uint64_t> words(6, 0);
  for (size_t i = 0; i < kRngChunks; ++i) {
    const real v = chunks[int64_t(i)];
    if (!(v >= 0 && v < 65536 && v == std::floor(v)))
      fail(name_, ".load_state_dict: kfac.rng[", i, "] = ", v, " is not a whole number in [0, 65536)");
    words[i / 4] |= uint64_t(v) << (16 * (i % 4));
  }
  // Ours first (it checks everything before changing anything); if the fallback then rejects its
  // part, put ours back, so that a failed load changes nothing.
  const StateDict before = Optimizer::state_dict();
  Optimizer::load_state_dict(own);
  if (fallback_) {
    try {
      fallback_->load_state_dict(theirs);
    } catch (...) {
      Optimizer::load_state_dict(before);
      throw;
    }
  }
  rng_.set_state(words);
  for (auto& s : slots_) {  // statistics of a forward pass before the load belong to another run
    s.a_sum = s.g_sum = DMatrix();
    s.a_rows = s.g_rows = 0;
  }
}

}  // namespace atn
