// The exact Fisher information matrix of a small model, and the natural-gradient step it gives.
//
// A model with parameters θ (all P numbers, flattened in the order of the parameter list) maps
// an input x to outputs z(x; θ) ∈ R^C that define a distribution p(y | z) over the target y.
// The Fisher information is the covariance of the score ∇θ log p(y|x), with y drawn from the
// MODEL (not the data):
//   F = E_x E_{y~p(·|x)} [∇θ log p(y|x) ∇θ log p(y|x)ᵀ] = E_x [Jᵀ H J],   J = ∂z/∂θ  [C, P],
// where H is the Fisher of the output distribution with respect to z:
//   Categorical (softmax classifier):    p = a = softmax(z),  H = diag(a) − a aᵀ
//   Gaussian (regression, variance 1):   p = N(z, I),          H = I,  so F = E_x[Jᵀ J]
// (Martens, "New insights and perspectives on the natural gradient method", JMLR 2020.)
// The natural gradient is F⁻¹∇L; with Tikhonov damping λ (F is singular as soon as two
// parameter directions change z the same way, e.g. adding a constant to every softmax bias):
//   (F + λI) x = g,   θ ← θ − lr·x.
//
// Scale matters: F above is the Fisher of the MEAN negative log-likelihood over the N examples
// (rows), so g must be the gradient of that same mean:
//   Categorical: cross_entropy(logits, targets) with the default mean reduction.
//   Gaussian:    (1/N)·Σ_n ½‖z_n − y_n‖² = (C/2)·mse(z, y)   (mse averages over N·C numbers).
// With that pairing, lr = 1 and λ → 0, one step on a linear least-squares model lands exactly
// on the least-squares solution (the natural gradient is then Newton's method).
//
// How J is computed here: one backward pass per output number, each seeding one z_{n,c} with 1
// and reading the parameters' gradients (a vector-Jacobian product, vjp below). That is N·C
// passes over one recorded forward, so this is for tiny models only: P² memory for F and
// P³/3 for its Cholesky. Examples must be independent (no batch statistics across rows).
//
// Use, in a training loop (the Fisher needs the tape, which backward(loss) consumes):
//   ExactNaturalGradient opt(model.parameters(), {.lr = 1, .damping = 1e-3f});
//   Var logits = model(x);
//   opt.fisher_pass(logits);                    // F on this batch, before backward(loss)
//   backward(cross_entropy(logits, targets));
//   opt.step();  opt.zero_grad();
// Or, to compare directions in a lesson: exact_fisher(...), natural_gradient(F, flat_grad(ps), λ),
// diagonal_natural_gradient(F, g, λ), cosine(d1, d2).
#pragma once
#include <vector>

#include "autograd/tape.h"
#include "autograd/vjp.h"
#include "optim/cholesky.h"
#include "optim/optimizer.h"

namespace atn {

// The output distribution p(y | z) whose Fisher we take (see the top of this file).
enum class Likelihood { Categorical, Gaussian };

// Flattening θ: the parameters' numbers one after another, each row-major, in list order.
int64_t flat_size(const std::vector<Var>& params);
std::vector<double> flat_grad(const std::vector<Var>& params);  // zeros where there is no grad
// θ ← θ + scale·delta (delta flattened as above).
void add_to_params(const std::vector<Var>& params, const std::vector<double>& delta, double scale);

// J = ∂z/∂θ for outputs z [..., C] recorded on the current tape: one row per output number
// (row n·C + c is ∂z_{n,c}/∂θ, n running over the flattened leading axes), P columns.
DMatrix output_jacobian(const Var& outputs, const std::vector<Var>& params);
// F = (1/N) Σ_n J_nᵀ H_n J_n from that Jacobian and the output values [..., C] (softmax is
// taken here for Categorical: pass logits).
DMatrix fisher_from_jacobian(const DMatrix& jacobian, const Tensor& outputs, Likelihood likelihood);
// Both at once: the exact Fisher [P, P] of the mean negative log-likelihood over the rows.
DMatrix exact_fisher(const Var& outputs, const std::vector<Var>& params, Likelihood likelihood);

// x with (F + λI) x = g, by Cholesky.
std::vector<double> natural_gradient(const DMatrix& fisher, const std::vector<double>& grad, double damping);
// x_i = g_i / (F_ii + λ): the diagonal approximation of the Fisher (what Adam's second moment
// resembles, with the empirical Fisher and a square root).
std::vector<double> diagonal_natural_gradient(const DMatrix& fisher, const std::vector<double>& grad, double damping);
// aᵀb / (‖a‖‖b‖): how much two update directions agree (0 when either is zero).
double cosine(const std::vector<double>& a, const std::vector<double>& b);

struct ExactFisherConfig {
  real lr = 1;
  real damping = 1e-3f;  // λ
  Likelihood likelihood = Likelihood::Categorical;
};

// The exact natural-gradient optimizer. step() moves EVERY parameter (a parameter without a
// gradient counts as g = 0 there, but F couples it to the others), by θ ← θ − lr·(F + λI)⁻¹g
// with the F of the last fisher_pass(). Nothing but the step count and lr is saved: F is
// recomputed for every batch.
class ExactNaturalGradient : public Optimizer {
 public:
  explicit ExactNaturalGradient(std::vector<Var> params, ExactFisherConfig cfg = {});
  // Computes F on the current tape from the model's outputs; call it after the forward pass
  // and before backward(loss). The tape is left intact.
  void fisher_pass(const Var& outputs);
  void step() override;

  const ExactFisherConfig& config() const { return cfg_; }
  const DMatrix& fisher() const { return fisher_; }                         // of the last fisher_pass
  const std::vector<double>& last_direction() const { return direction_; }  // x of the last step

 private:
  ExactFisherConfig cfg_;
  DMatrix fisher_;
  bool fresh_ = false;  // a fisher_pass since the last step
  std::vector<double> direction_;
};

}  // namespace atn
