#include "models/batch_parts.h"

#include <cmath>
#include <functional>
#include <vector>

#include "autograd/backward_in_parts.h"
#include "tensor/error.h"
#include "tensor/shape_ops.h"

namespace atn {

namespace {
int64_t counted_targets(const Tensor& targets) {
  int64_t n = 0;
  for (real t : targets) n += t != -1;
  return n;
}
}  // namespace

real backward_in_batch_parts(LanguageModel& model, const Tensor& idx, const Tensor& targets, int64_t parts,
                             bool concurrently, real scale) {
  const std::string who = model.type_name() + " backward_in_batch_parts";
  if (idx.dim() != 2) fail(who, ": idx must be [B, T], got ", to_string(idx.shape()));
  if (targets.shape() != idx.shape())
    fail(who, ": targets ", to_string(targets.shape()), " do not match the ids ", to_string(idx.shape()));
  const int64_t B = idx.size(0);
  if (!std::isfinite(scale)) fail(who, ": scale is ", scale, "; it must be finite");
  if (parts < 1 || parts > B) fail(who, ": parts must be from 1 to the batch size ", B, ", got ", parts);
  std::vector<int64_t> rows(size_t(parts), B / parts);  // the first B mod parts blocks one row longer
  for (int64_t p = 0; p < B % parts; ++p) ++rows[size_t(p)];
  const std::vector<Tensor> idx_parts = split(idx, 0, rows), target_parts = split(targets, 0, rows);
  const int64_t total = counted_targets(targets);
  if (total == 0) fail(who, ": every target is -1 (ignored); there is nothing to predict");

  std::vector<std::function<Var()>> losses;
  std::vector<real> weights, scaled;
  for (size_t p = 0; p < idx_parts.size(); ++p) {
    const int64_t counted = counted_targets(target_parts[p]);
    if (counted == 0) continue;
    losses.push_back([&model, x = idx_parts[p], y = target_parts[p]] { return model.training_loss(x, y); });
    weights.push_back(real(double(counted) / double(total)));
    scaled.push_back(real(double(scale) * double(counted) / double(total)));
  }
  const std::vector<real> part_losses = backward_in_parts(losses, scaled, concurrently);
  double mean = 0;
  for (size_t p = 0; p < part_losses.size(); ++p) mean += double(weights[p]) * double(part_losses[p]);
  return real(mean);
}

}  // namespace atn
