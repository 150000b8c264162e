// The SdpaOptions the sdpa tests build again and again: causal or not, with an optional mask.
#pragma once
#include <utility>

#include "nn/attention/sdpa.h"

namespace atn::testing_util {

inline SdpaOptions sdpa_options(bool causal, Tensor mask = Tensor()) {
  SdpaOptions o;
  o.causal = causal;
  o.mask = std::move(mask);
  return o;
}

}  // namespace atn::testing_util
