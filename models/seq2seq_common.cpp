#include "models/seq2seq_common.h"

#include "nn/attention/masks.h"

namespace atn {

Tensor ids_tensor(const std::vector<int64_t>& ids) {
  Tensor t({1, int64_t(ids.size())});
  for (size_t i = 0; i < ids.size(); ++i) t[int64_t(i)] = real(ids[i]);
  return t;
}

void check_token_batch(const char* op, const char* what, const Tensor& ids, const Tensor& mask) {
  if (!ids.defined() || ids.dim() != 2 || ids.size(0) < 1 || ids.size(1) < 1)
    fail(op, ": ", what, " must be token ids [batch, length] with batch, length >= 1, got ",
         ids.defined() ? to_string(ids.shape()) : std::string("an undefined tensor"));
  if (!mask.defined()) return;
  if (mask.shape() != ids.shape())
    fail(op, ": the mask of ", what, " is ", to_string(mask.shape()), ", not ", to_string(ids.shape()), " like ", what);
  check_mask(mask, op);
}

}  // namespace atn
