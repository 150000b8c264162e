#include "optim/attention_informed.h"

#include <cmath>
#include <limits>

namespace atn {

namespace {

// Every grouped parameter, then the ungrouped ones: the order of params() and of the state dict.
std::vector<Var> all_params(const std::vector<EnergyGroup>& groups, std::vector<Var> ungrouped) {
  std::vector<Var> out;
  for (const auto& g : groups) out.insert(out.end(), g.params.begin(), g.params.end());
  out.insert(out.end(), ungrouped.begin(), ungrouped.end());
  return out;
}

}  // namespace

real mean_abs_finite(const Tensor& energies) {
  double sum = 0;
  int64_t count = 0;
  if (energies.defined())
    for (real e : energies)
      if (std::isfinite(e)) {
        sum += std::fabs(double(e));
        ++count;
      }
  return count > 0 ? real(sum / double(count)) : std::numeric_limits<real>::quiet_NaN();
}

AttentionInformedAdamW::AttentionInformedAdamW(std::vector<EnergyGroup> groups, std::vector<Var> ungrouped,
                                               AttentionInformedConfig cfg)
    : AdamW(all_params(groups, std::move(ungrouped)),
            {.lr = cfg.lr, .betas = cfg.betas, .eps = cfg.eps, .weight_decay = cfg.weight_decay},
            "AttentionInformedAdamW"),
      cfg_(cfg) {
  check_at_least("energy_scale", cfg.energy_scale, 0);
  if (!(cfg.alpha >= 0 && cfg.alpha <= 1)) fail(type_name(), ": alpha must be in [0, 1], got ", cfg.alpha);
  size_t next = 0;
  for (size_t gi = 0; gi < groups.size(); ++gi) {
    EnergyGroup& g = groups[gi];
    if (!g.energies) fail(type_name(), ": group ", gi, " ('", g.name, "') has no energy source");
    Group mine{g.name, {}, std::move(g.energies)};
    for (size_t k = 0; k < g.params.size(); ++k) mine.indices.push_back(next++);
    groups_.push_back(std::move(mine));
  }
  gains_.assign(groups_.size(), 1);
  mean_energies_.assign(groups_.size(), std::numeric_limits<real>::quiet_NaN());
}

std::vector<std::string> AttentionInformedAdamW::group_names() const {
  std::vector<std::string> names;
  for (const auto& g : groups_) names.push_back(g.name);
  return names;
}

real AttentionInformedAdamW::gain(real mean_abs_energy) const {
  if (std::isnan(mean_abs_energy)) return 1;
  const real t = std::tanh(cfg_.energy_scale * mean_abs_energy);
  return cfg_.mode == Mode::ScaleGradient ? 1 + t : 1 + (1 - cfg_.alpha) * t;
}

void AttentionInformedAdamW::step() {
  ++steps_;
  std::vector<bool> grouped(params_.size(), false);
  for (size_t gi = 0; gi < groups_.size(); ++gi) {
    // One scalar per block per step, read from the energies of the last forward pass.
    mean_energies_[gi] = mean_abs_finite(groups_[gi].energies());
    gains_[gi] = gain(mean_energies_[gi]);
    const bool on_grad = cfg_.mode == Mode::ScaleGradient;
    for (size_t i : groups_[gi].indices) {
      grouped[i] = true;
      if (params_[i].has_grad()) update_param(i, on_grad ? gains_[gi] : 1, on_grad ? 1 : gains_[gi]);
    }
  }
  for (size_t i = 0; i < params_.size(); ++i)
    if (!grouped[i] && params_[i].has_grad()) update_param(i);
}

}  // namespace atn
