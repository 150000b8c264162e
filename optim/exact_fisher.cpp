#include "optim/exact_fisher.h"

#include <cmath>

namespace atn {

namespace {

void check_params(const std::vector<Var>& params, const char* op) {
  for (size_t i = 0; i < params.size(); ++i) {
    if (!params[i].defined()) fail(op, ": parameter ", i, " is undefined");
    for (size_t j = 0; j < i; ++j)
      if (params[i].same_as(params[j])) fail(op, ": parameter ", i, " is the same Var as parameter ", j);
  }
}

void check_damping(double damping, const char* op) {
  if (!(damping >= 0) || std::isinf(damping)) fail(op, ": damping must be finite and >= 0, got ", damping);
}

// The outputs as rows [N, C] (N = product of the leading axes).
void output_rows(const Shape& shape, const char* op, int64_t& n, int64_t& c) {
  if (shape.empty() || numel(shape) == 0)
    fail(op, ": outputs must be [..., C] with at least one number, got ", to_string(shape));
  c = shape.back();
  n = numel(shape) / c;
}

}  // namespace

int64_t flat_size(const std::vector<Var>& params) {
  int64_t p = 0;
  for (const Var& v : params) p += v.numel();
  return p;
}

std::vector<double> flat_grad(const std::vector<Var>& params) {
  check_params(params, "flat_grad");
  std::vector<double> g;
  g.reserve(size_t(flat_size(params)));
  for (const Var& v : params)
    for (int64_t k = 0; k < v.numel(); ++k) g.push_back(v.has_grad() ? double(v.grad()[k]) : 0.0);
  return g;
}

void add_to_params(const std::vector<Var>& params, const std::vector<double>& delta, double scale) {
  check_params(params, "add_to_params");
  if (int64_t(delta.size()) != flat_size(params))
    fail("add_to_params: got ", delta.size(), " numbers for ", flat_size(params), " parameter values");
  size_t k = 0;
  for (Var v : params) {  // a copy of the handle: the same parameter, writable
    real* theta = v.value().data();
    for (int64_t j = 0; j < v.numel(); ++j) theta[j] = real(double(theta[j]) + scale * delta[k++]);
  }
}

DMatrix output_jacobian(const Var& outputs, const std::vector<Var>& params) {
  if (!outputs.defined()) fail("output_jacobian: the outputs are undefined");
  check_params(params, "output_jacobian");
  int64_t n = 0, c = 0;
  output_rows(outputs.shape(), "output_jacobian", n, c);
  DMatrix jac(n * c, flat_size(params));
  Tensor seed = Tensor::zeros(outputs.shape());
  for (int64_t r = 0; r < n * c; ++r) {
    // Seeding z_r with 1 and everything else with 0 makes backward compute ∂z_r/∂θ: row r of J.
    seed[r] = 1;
    const std::vector<Tensor> grads = vjp(outputs, seed, params);
    seed[r] = 0;
    int64_t col = 0;
    for (const Tensor& g : grads)
      for (int64_t k = 0; k < g.numel(); ++k) jac(r, col++) = double(g[k]);
  }
  return jac;
}

DMatrix fisher_from_jacobian(const DMatrix& jac, const Tensor& outputs, Likelihood likelihood) {
  int64_t n = 0, c = 0;
  output_rows(outputs.shape(), "fisher_from_jacobian", n, c);
  if (jac.rows != n * c)
    fail("fisher_from_jacobian: the Jacobian has ", jac.rows, " rows but the outputs ", to_string(outputs.shape()),
         " have ", n * c, " numbers");
  const int64_t p = jac.cols;
  DMatrix fisher(p, p);
  DMatrix hj(c, p);  // H_n J_n
  std::vector<double> a(static_cast<size_t>(c));
  for (int64_t row = 0; row < n; ++row) {
    const double* j_n = jac.data.data() + row * c * p;  // J_n: rows row·C .. row·C + C − 1
    if (likelihood == Likelihood::Categorical) {
      // a = softmax(z_n), in double, shifted by the max so exp cannot overflow.
      const real* z = outputs.data() + row * c;
      double zmax = z[0], total = 0;
      for (int64_t k = 1; k < c; ++k) zmax = std::max(zmax, double(z[k]));
      for (int64_t k = 0; k < c; ++k) total += a[size_t(k)] = std::exp(double(z[k]) - zmax);
      for (double& v : a) v /= total;
      // (diag(a) − a aᵀ) J_n, row k: a_k·(J_k − Σ_m a_m J_m). Never builds the C×C matrix H.
      std::vector<double> mean_row(size_t(p), 0.0);
      for (int64_t m = 0; m < c; ++m)
        for (int64_t q = 0; q < p; ++q) mean_row[size_t(q)] += a[size_t(m)] * j_n[m * p + q];
      for (int64_t k = 0; k < c; ++k)
        for (int64_t q = 0; q < p; ++q) hj(k, q) = a[size_t(k)] * (j_n[k * p + q] - mean_row[size_t(q)]);
    } else {
      for (int64_t k = 0; k < c * p; ++k) hj.data[size_t(k)] = j_n[k];  // H = I
    }
    // F += J_nᵀ (H_n J_n), only the upper triangle (F is symmetric; the lower one is mirrored).
    for (int64_t k = 0; k < c; ++k)
      for (int64_t i = 0; i < p; ++i) {
        const double jki = j_n[k * p + i];
        if (jki == 0) continue;
        for (int64_t q = i; q < p; ++q) fisher(i, q) += jki * hj(k, q);
      }
  }
  for (int64_t i = 0; i < p; ++i)
    for (int64_t q = i; q < p; ++q) {
      fisher(i, q) /= double(n);
      fisher(q, i) = fisher(i, q);
    }
  return fisher;
}

DMatrix exact_fisher(const Var& outputs, const std::vector<Var>& params, Likelihood likelihood) {
  return fisher_from_jacobian(output_jacobian(outputs, params), outputs.value(), likelihood);
}

std::vector<double> natural_gradient(const DMatrix& fisher, const std::vector<double>& grad, double damping) {
  check_damping(damping, "natural_gradient");
  if (fisher.rows != fisher.cols || fisher.rows != int64_t(grad.size()))
    fail("natural_gradient: Fisher ", to_string(Shape{fisher.rows, fisher.cols}), " does not match a gradient of ",
         grad.size(), " numbers");
  DMatrix g(int64_t(grad.size()), 1);
  g.data = grad;
  return spd_solve(add_diagonal(fisher, damping), g).data;
}

std::vector<double> diagonal_natural_gradient(const DMatrix& fisher, const std::vector<double>& grad, double damping) {
  check_damping(damping, "diagonal_natural_gradient");
  if (fisher.rows != fisher.cols || fisher.rows != int64_t(grad.size()))
    fail("diagonal_natural_gradient: Fisher ", to_string(Shape{fisher.rows, fisher.cols}),
         " does not match a gradient of ", grad.size(), " numbers");
  std::vector<double> x(grad.size());
  for (size_t i = 0; i < grad.size(); ++i) {
    const double d = fisher(int64_t(i), int64_t(i)) + damping;
    if (!(d > 0)) fail("diagonal_natural_gradient: F[", i, ", ", i, "] + λ = ", d, " is not positive (add damping?)");
    x[i] = grad[i] / d;
  }
  return x;
}

double cosine(const std::vector<double>& a, const std::vector<double>& b) {
  if (a.size() != b.size()) fail("cosine: vectors of ", a.size(), " and ", b.size(), " numbers");
  double ab = 0, aa = 0, bb = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    ab += a[i] * b[i];
    aa += a[i] * a[i];
    bb += b[i] * b[i];
  }
  return aa > 0 && bb > 0 ? ab / std::sqrt(aa * bb) : 0.0;
}

ExactNaturalGradient::ExactNaturalGradient(std::vector<Var> params, ExactFisherConfig cfg)
    : Optimizer(std::move(params), cfg.lr, "ExactNaturalGradient"), cfg_(cfg) {
  check_at_least("damping", cfg.damping, 0);
}

void ExactNaturalGradient::fisher_pass(const Var& outputs) {
  fisher_ = exact_fisher(outputs, params_, cfg_.likelihood);
  fresh_ = true;
}

void ExactNaturalGradient::step() {
  if (!fresh_)
    fail(name_,
         ".step: no Fisher for this batch; call fisher_pass(outputs) after the forward pass and before "
         "backward(loss)");
  ++steps_;
  direction_ = natural_gradient(fisher_, flat_grad(params_), cfg_.damping);
  add_to_params(params_, direction_, -double(lr_));
  for (auto& t : param_steps_) ++t;
  fresh_ = false;
}

}  // namespace atn
