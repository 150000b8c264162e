// K-FAC: Kronecker-factored approximate curvature (Martens & Grosse, "Optimizing Neural Networks
// with Kronecker-factored Approximate Curvature", ICML 2015), for Linear layers.
//
// The idea. For a layer y = W̄ ā (W̄ = [W b], ā = [a; 1] with a bias, a alone without), the
// gradient of one example's loss is g āᵀ with g = ∂ℓ/∂y, so that layer's block of the Fisher is
//   F = E[(ā āᵀ) ⊗ (g gᵀ)]  ≈  E[ā āᵀ] ⊗ E[g gᵀ] = A ⊗ G       (pretend ā and g independent)
// and since (A ⊗ G)⁻¹ = A⁻¹ ⊗ G⁻¹, the natural gradient needs only two small inverses:
//   ΔW̄ = (G + λ_G I)⁻¹ ∇W̄ (A + λ_A I)⁻¹,      W̄ ← W̄ − lr·ΔW̄.
// A is [in(+1), in(+1)] and G [out, out], instead of one [out·(in+1)]² matrix. Layers are treated
// as independent (block-diagonal F); every other parameter (embeddings, norms, ...) goes to a
// fallback optimizer (Adam unless you pass another).
//
// Where g comes from: the Fisher wants y drawn from the MODEL's predictive distribution.
//   Sampled   (true Fisher, Martens & Grosse's choice): one ŷ per example drawn from the model
//             (a class from softmax(z) for Categorical; z + N(0, I) for Gaussian), backpropagated
//             in an extra pass: g = ∂(−log p(ŷ|z))/∂y.
//   Exact     (true Fisher, expectation taken exactly): C extra passes, seeding example n with
//             √a_c (e_c − a) (Categorical: Σ_c of their outer products is diag(a) − a aᵀ) or e_c
//             (Gaussian: Σ_c e_c e_cᵀ = I). Deterministic; for small output sizes C.
//   Empirical (the data's targets): g from the training loss's own backward; no extra pass.
//             Cheaper, but it is not the Fisher (Kunstner et al., "Limitations of the empirical
//             Fisher approximation", NeurIPS 2019).
// Normalization: G is the average of g gᵀ over PER-EXAMPLE gradients g = ∂ℓ_n/∂y_n. The extra
// passes seed ℓ_n directly, so they get those. A mean loss L = (1/N) Σ ℓ_n instead gives
// ∂L/∂y_n = g_n / N, so in Empirical mode the captured gradient is multiplied by N: by
// `loss_examples` if set, else by the number of rows the layer saw in that call (right when the
// loss is a mean over exactly those rows, as cross_entropy's is; set loss_examples = 1 for a
// summed loss). ∇W̄ itself is the mean loss's gradient, the one F is the Fisher of: with
// Gaussian outputs, use L = (C/2)·mse(z, y) = (1/N) Σ ½‖z_n − y_n‖² (see exact_fisher.h).
//
// Statistics: per step, A_batch = mean over rows of ā āᵀ and G_batch = mean of g gᵀ (double).
// Running averages A ← ρA + (1−ρ)A_batch (ρ = decay); the first update takes the batch as is,
// so the factors never carry a bias towards 0 (a tiny A would make A⁻¹ explode). The damped
// inverses are recomputed (Cholesky, optim/cholesky.h) at a layer's 1st update and then every
// inverse_every updates, and used in between: the factors change slowly, the inverses cost n³.
// Factors and inverses are stored as float tensors (the optimizer's buffers, which state_dict
// saves exactly); the sums, the Cholesky and the preconditioning products run in double.
// lr()/set_lr() are K-FAC's own; the fallback keeps its lr (fallback()->set_lr(...)).
//
// Damping: factored Tikhonov damping (Martens & Grosse 2015, §6.3): (A ⊗ G + λI) is replaced by
// (A + π√λ I) ⊗ (G + √λ/π I) with π = √((tr A / dim A) / (tr G / dim G)), which puts the same
// relative damping on both factors whatever their scales. pi_damping = false uses π = 1.
// Weight decay (optional) is L2: λ_wd·W̄ is added to ∇W̄ before the preconditioning.
// Left out for clarity: the paper's momentum, its adaptive λ (Levenberg–Marquardt) and its
// rescaling of the step by a quadratic model; here lr and λ are fixed by the caller.
//
// HOW A MODEL FEEDS K-FAC (Linear is not changed): where the model calls layer(x), it calls
// kfac.track(layer, x) instead. track runs the Linear as usual, adds its input rows to A, and
// passes the output through an identity op "kfac_capture" whose backward sees ∂L/∂y on its way
// down (for G) and hands it on unchanged. Outside a K-FAC run the model calls layer(x).
//   struct Net : Module {
//     Linear fc1, fc2;  Kfac* kfac = nullptr;
//     Var lin(Linear& l, const Var& x) { return kfac ? kfac->track(l, x) : l(x); }
//     Var forward(const Var& x) { return lin(fc2, tanh(lin(fc1, x))); }
//   };
//   Kfac opt(net, {.lr = 0.1f, .fisher = KfacFisher::Sampled});  // every Linear of net; the rest → Adam
//   net.kfac = &opt;
//   for (...) {
//     Var logits = net.forward(x);
//     opt.fisher_pass(logits);                 // Sampled/Exact only: extra backward over a copy of the tape
//     backward(cross_entropy(logits, y));      // the training gradient (Empirical: also G)
//     opt.step();  opt.zero_grad();
//   }
// A tracked layer must be used on the path to the loss; a layer with a gradient but no statistics
// since the last step is an error. Statistics gathered by a forward pass are kept until step(),
// so run evaluation under NoGrad (track then records nothing). The Kfac object must outlive the
// tapes that hold its capture ops. Examples (rows) are assumed independent: in a sequence model
// every position counts as an example, the usual K-FAC approximation.
#pragma once
#include <functional>
#include <memory>
#include <string>
#include <utility>

#include "nn/linear.h"
#include "optim/exact_fisher.h"

namespace atn {

enum class KfacFisher { Sampled, Exact, Empirical };

struct KfacConfig {
  real lr = 0.1f;
  real damping = 1e-3f;  // λ (0 allowed: then the factors must be positive definite)
  bool pi_damping = true;
  real decay = 0.95f;          // ρ of the running averages, in [0, 1)
  int64_t inverse_every = 10;  // k: refresh the inverses every k updates of a layer
  real weight_decay = 0;       // L2 on W and b
  KfacFisher fisher = KfacFisher::Sampled;
  Likelihood likelihood = Likelihood::Categorical;  // what fisher_pass's outputs parameterize
  real loss_examples = 0;                           // Empirical only: N of the mean loss (0: the rows of each call)
  uint64_t seed = 0;                                // Sampled only: the generator of ŷ
  real fallback_lr = 1e-3f;                         // lr of the default fallback (Adam)
};

class Kfac : public Optimizer {
 public:
  // Makes the fallback optimizer for the parameters K-FAC does not handle.
  using Fallback = std::function<std::unique_ptr<Optimizer>(std::vector<Var>)>;

  // Every Linear in the model (found through named_modules) is handled by K-FAC; all other
  // parameters go to `fallback` (default: Adam with lr = cfg.fallback_lr). params() is
  // model.parameters(), in that order.
  explicit Kfac(Module& model, KfacConfig cfg = {}, Fallback fallback = {});
  // The given (name, layer) pairs, and the other parameters for the fallback.
  Kfac(std::vector<std::pair<std::string, Linear*>> layers, std::vector<Var> others, KfacConfig cfg = {},
       Fallback fallback = {});

  // layer(x), recording the statistics K-FAC needs (see the top of this file).
  Var track(Linear& layer, const Var& x);
  // The extra backward pass(es) of the Sampled and Exact modes, over a copy of the current tape:
  // call after the forward pass and before backward(loss). outputs: the model's [..., C] logits
  // (Categorical) or means (Gaussian). Calling it twice averages two samples.
  void fisher_pass(const Var& outputs);
  // Updates the factors, refreshes the inverses when due, preconditions and applies the
  // gradients of the Linear layers; then steps the fallback.
  void step() override;

  // The base state (step counts; for each layer's weight: kfac_A, kfac_G, kfac_A_inv, kfac_G_inv),
  // the fallback's state under "fallback.", and the sampler's state as "kfac.rng".
  StateDict state_dict() const override;
  void load_state_dict(const StateDict& state) override;

  const KfacConfig& config() const { return cfg_; }
  Optimizer* fallback() const { return fallback_.get(); }  // nullptr when there is nothing else
  size_t num_layers() const { return slots_.size(); }
  const std::string& layer_name(size_t layer) const;
  // Layer i's running factors and damped inverses (undefined before its first update).
  Tensor factor_a(size_t layer) const { return layer_buffer(layer, "kfac_A"); }
  Tensor factor_g(size_t layer) const { return layer_buffer(layer, "kfac_G"); }
  Tensor inverse_a(size_t layer) const { return layer_buffer(layer, "kfac_A_inv"); }
  Tensor inverse_g(size_t layer) const { return layer_buffer(layer, "kfac_G_inv"); }
  // Per parameter (params() order): the K-FAC direction ΔW or Δb of the last step, before lr;
  // undefined for fallback parameters and for layers the last step skipped.
  const std::vector<Tensor>& last_direction() const { return direction_; }
  // The same flattened like flat_grad(params()), with zeros where K-FAC did not move anything:
  // ready for cosine() against exact_fisher.h's directions.
  std::vector<double> last_direction_flat() const;

 protected:
  std::vector<std::string> buffer_names(size_t i) const override;
  Shape buffer_shape(size_t i, const std::string& name) const override;

 private:
  static constexpr size_t kNone = size_t(-1);
  struct Slot {
    std::string name;
    Linear* linear = nullptr;
    size_t weight = kNone, bias = kNone;  // positions in params_
    int64_t a_dim = 0, g_dim = 0;         // in (+1 with a bias), out
    DMatrix a_sum, g_sum;                 // this step's Σ ā āᵀ and Σ g gᵀ (upper triangles)
    int64_t a_rows = 0, g_rows = 0;
  };
  enum class Phase { Training, Fisher };

  Kfac(std::vector<Var> all, std::vector<std::pair<std::string, Linear*>> layers, KfacConfig cfg, Fallback fallback);
  void capture(size_t slot, const Tensor& g);
  void update_layer(Slot& s);
  void refresh_inverses(const Slot& s);
  Tensor layer_buffer(size_t layer, const std::string& name) const;

  KfacConfig cfg_;
  std::vector<Slot> slots_;
  std::vector<size_t> others_;  // positions in params_ of the fallback's parameters
  std::unique_ptr<Optimizer> fallback_;
  Rng rng_;
  Phase phase_ = Phase::Training;
  bool count_rows_ = true;  // Exact mode counts the rows once over its C passes
  std::vector<Tensor> direction_;
};

}  // namespace atn
