#include "optim/optimizer.h"

#include <cmath>
#include <set>
#include <sstream>

namespace atn {

namespace {

// Counts travel as floats; every whole number up to 2^24 is exact.
constexpr double kMaxExactCount = 16777216.0;

std::string param_key(size_t i, const std::string& name) { return "param." + std::to_string(i) + "." + name; }

}  // namespace

Optimizer::Optimizer(std::vector<Var> params, real lr, std::string name)
    : name_(std::move(name)), params_(std::move(params)), lr_(0) {
  if (params_.empty()) fail(name_, ": got an empty parameter list");
  for (size_t i = 0; i < params_.size(); ++i) {
    if (!params_[i].defined()) fail(name_, ": parameter ", i, " is undefined");
    // The same parameter twice would be updated twice per step with the buffers of two slots.
    for (size_t j = 0; j < i; ++j)
      if (params_[i].same_as(params_[j])) fail(name_, ": parameter ", i, " is the same Var as parameter ", j);
  }
  set_lr(lr);
  param_steps_.assign(params_.size(), 0);
  buffers_.resize(params_.size());
}

void Optimizer::zero_grad() {
  for (auto& p : params_) p.zero_grad();
}

void Optimizer::set_lr(real lr) {
  check_at_least("lr", lr, 0);
  lr_ = lr;
}

void Optimizer::check_at_least(const char* what, real value, real low) const {
  // Written as !(value >= low) so that NaN fails too.
  if (!(value >= low) || std::isinf(value)) fail(name_, ": ", what, " must be finite and >= ", low, ", got ", value);
}

void Optimizer::check_in_unit(const char* what, real value) const {
  if (!(value >= 0 && value < 1)) fail(name_, ": ", what, " must be in [0, 1), got ", value);
}

Tensor& Optimizer::buffer(size_t i, const std::string& name, real init) {
  auto it = buffers_[i].find(name);
  if (it == buffers_[i].end()) it = buffers_[i].emplace(name, Tensor(buffer_shape(i, name), init)).first;
  return it->second;
}

StateDict Optimizer::state_dict() const {
  auto count = [&](int64_t n) {
    if (double(n) > kMaxExactCount) fail(name_, ".state_dict: step count ", n, " does not fit exactly in a float");
    return Tensor::scalar(real(n));
  };
  StateDict out;
  out["step"] = count(steps_);
  out["lr"] = Tensor::scalar(lr_);
  for (size_t i = 0; i < params_.size(); ++i) {
    out[param_key(i, "step")] = count(param_steps_[i]);
    // Deep copies: the caller may keep the dict while training goes on, and it must not change.
    for (const auto& [name, t] : buffers_[i]) out[param_key(i, name)] = t.clone();
  }
  return out;
}

void Optimizer::load_state_dict(const StateDict& state) {
  std::vector<std::string> missing, unexpected, wrong, bad;
  std::set<std::string> expected;
  // Looks up `key`, which must exist with `shape`; returns nullptr (and notes why) otherwise.
  auto expect = [&](const std::string& key, const Shape& shape) -> const Tensor* {
    expected.insert(key);
    auto it = state.find(key);
    if (it == state.end()) {
      missing.push_back(key);
      return nullptr;
    }
    if (it->second.shape() != shape) {
      wrong.push_back(key + " " + to_string(it->second.shape()) + " (expected " + to_string(shape) + ")");
      return nullptr;
    }
    return &it->second;
  };
  // A count: a whole number in [0, 2^24]; -1 when absent or bad.
  auto count = [&](const std::string& key) -> int64_t {
    const Tensor* t = expect(key, {});
    if (!t) return -1;
    const double v = (*t)[0];
    if (!(v >= 0 && v <= kMaxExactCount && v == std::floor(v))) {
      bad.push_back(key + " = " + std::to_string(v) + " (expected a whole number >= 0)");
      return -1;
    }
    return int64_t(v);
  };

  const int64_t steps = count("step");
  real lr = 0;
  if (const Tensor* t = expect("lr", {})) {
    lr = (*t)[0];
    if (!(lr >= 0) || std::isinf(lr)) bad.push_back("lr = " + std::to_string(lr) + " (expected finite and >= 0)");
  }
  std::vector<int64_t> param_steps(params_.size());
  for (size_t i = 0; i < params_.size(); ++i) {
    param_steps[i] = count(param_key(i, "step"));
    // A parameter that has been updated has all its buffers; one that has not has none.
    if (param_steps[i] > 0)
      for (const auto& name : buffer_names(i)) expect(param_key(i, name), buffer_shape(i, name));
  }
  for (const auto& [key, _] : state)
    if (!expected.count(key)) unexpected.push_back(key);

  if (!missing.empty() || !unexpected.empty() || !wrong.empty() || !bad.empty()) {
    std::ostringstream os;
    os << name_ << ".load_state_dict: the state does not match the optimizer";
    auto list = [&](const char* what, const std::vector<std::string>& items) {
      if (items.empty()) return;
      os << "; " << what << ": ";
      for (size_t i = 0; i < items.size(); ++i) os << (i ? ", " : "") << items[i];
    };
    list("missing", missing);
    list("unexpected", unexpected);
    list("wrong shape", wrong);
    list("bad value", bad);
    throw Error(os.str());
  }

  steps_ = steps;
  lr_ = lr;
  param_steps_ = param_steps;
  for (size_t i = 0; i < params_.size(); ++i) {
    buffers_[i].clear();
    if (param_steps[i] > 0)
      for (const auto& name : buffer_names(i)) buffers_[i][name] = state.at(param_key(i, name)).clone();
  }
}

}  // namespace atn
