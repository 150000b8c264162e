// AttentionInformedAdamW: the "attention-informed optimizer" of the natural-attention project,
// rebuilt from its description (specs/natural-attention.md). It is AdamW plus one number per
// transformer block: the mean size of that block's attention energies E = QKᵀ/√d_h.
//
// Each block's parameters form a group with an energy source (a function returning the block's
// last stored energies [B, H, Lq, Lk]); the other parameters (embeddings, final LayerNorm, head)
// are ungrouped and get no gain. On step(), for each group:
//   ē = mean of |E| over the finite entries (masked entries are −inf and are left out)
//   ScaleGradient (the original rule):  g ← (1 + tanh(s·ē)) · g, then plain AdamW
//   ScaleUpdate (the later variant):    u = m̂/(√v̂+ε);  u ← u·(1 + (1−α)·tanh(s·ē));
//                                       u ← u + λθ;  θ ← θ − lr·u
// The gain is 1 when the source gives an undefined tensor or no finite entry. (ScaleUpdate's
// θ − lr·(gain·u + λθ) is computed in AdamW's order, θ − lr·λ·θ − lr·gain·u: the same update.)
//
// What to measure rather than believe: Adam divides m̂ by √v̂, so a gradient scaled by a
// constant c gives m̂ and √v̂ both scaled by c and the same step (up to ε). A gain in [1, 2)
// that changes slowly therefore does almost nothing in ScaleGradient mode. ScaleUpdate acts
// after the normalization and is a per-block learning-rate multiplier in [1, 1.5).
//
// Upstream the loop is: backward → clip the global grad norm to 1.0 → step, so the gain is
// applied after clipping; here it is too (step() reads the gradients without changing them).
#pragma once
#include <functional>
#include <string>

#include "optim/adam.h"

namespace atn {

enum class EnergyGainMode { ScaleGradient, ScaleUpdate };

struct AttentionInformedConfig {
  real lr = 1e-3f;
  Betas betas = {};
  real eps = 1e-8f;
  real weight_decay = 0.01f;  // decoupled, as in AdamW
  real energy_scale = 0.1f;   // s
  EnergyGainMode mode = EnergyGainMode::ScaleGradient;
  real alpha = 0.5f;  // ScaleUpdate only: the gain is 1 + (1 − α)·tanh(s·ē)
};

// The parameters of one block and where to read its attention energies.
struct EnergyGroup {
  std::string name;  // for printing, e.g. "blocks.0"
  std::vector<Var> params;
  std::function<Tensor()> energies;
};

// Mean of |E| over the entries that are finite; NaN when E is undefined or has none.
real mean_abs_finite(const Tensor& energies);

class AttentionInformedAdamW : public AdamW {
 public:
  using Mode = EnergyGainMode;
  AttentionInformedAdamW(std::vector<EnergyGroup> groups, std::vector<Var> ungrouped, AttentionInformedConfig cfg = {});
  void step() override;

  // The gain each group received at the last step (1 before the first), its ē (NaN when the
  // energies were missing), and the group names, in the order the groups were given.
  const std::vector<real>& last_gains() const { return gains_; }
  const std::vector<real>& last_mean_energies() const { return mean_energies_; }
  std::vector<std::string> group_names() const;
  const AttentionInformedConfig& attention_config() const { return cfg_; }

  // The gain for a given ē (NaN → 1) under this optimizer's mode, s and α.
  real gain(real mean_abs_energy) const;

 private:
  struct Group {
    std::string name;
    std::vector<size_t> indices;  // positions in params()
    std::function<Tensor()> energies;
  };
  AttentionInformedConfig cfg_;
  std::vector<Group> groups_;
  std::vector<real> gains_, mean_energies_;
};

}  // namespace atn
