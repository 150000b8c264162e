#include "nn/dropout.h"

#include <sstream>

#include "autograd/ops_dropout.h"

namespace atn {

Dropout::Dropout(real p_, Rng& rng) : p(p_), rng_(rng) {
  if (!(p >= 0 && p < 1)) fail("Dropout: p must be in [0, 1), got ", p);
}

Var Dropout::forward(const Var& x) { return dropout(x, p, rng_, training()); }

std::string Dropout::type_name() const {
  std::ostringstream os;
  os << "Dropout(p=" << p << ")";
  return os.str();
}

}  // namespace atn
