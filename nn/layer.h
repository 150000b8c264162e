// Layer: a Module with one input and one output, the kind Sequential can chain.
#pragma once
#include "nn/module.h"

namespace atn {

class Layer : public Module {
 public:
  virtual Var forward(const Var& x) = 0;
  Var operator()(const Var& x) { return forward(x); }
};

}  // namespace atn
