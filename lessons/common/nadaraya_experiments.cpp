// Lección 01, pasos 2 y 3: Nadaraya–Watson y su ancho aprendido (ver nadaraya_experiments.h).
#include "lessons/common/nadaraya_experiments.h"

#include "autograd/ops_basic.h"
#include "autograd/ops_math.h"
#include "autograd/ops_shape.h"
#include "autograd/tape.h"
#include "nn/attention/scores.h"
#include "optim/adam.h"

namespace lesson01 {

double ecm(const Tensor& a, const Tensor& b) {
  double s = 0;
  for (int64_t i = 0; i < a.numel(); ++i) s += double(a[i] - b[i]) * (a[i] - b[i]);
  return s / double(a.numel());
}

Nadaraya nadaraya_watson(const ConfigNadaraya& cfg) {
  Nadaraya r{.datos = regression_toy({.seed = cfg.semilla}), .regresiones = {}};
  NoGrad sin_cinta;
  for (Kernel k : {Kernel::gaussian, Kernel::boxcar, Kernel::epanechnikov}) {
    NadarayaWatson nw(k, cfg.ancho);
    auto [pred, pesos] = nw(constant(r.datos.x_test), constant(r.datos.x_train), constant(r.datos.y_train));
    r.regresiones.push_back({k, pred.value(), pesos.value(), ecm(pred.value(), r.datos.y_test)});
  }
  return r;
}

ConfigAncho config_ancho(const LessonOptions& o) { return {.semilla = o.seed}; }

Ancho aprender_ancho(const ConfigAncho& cfg) {
  const RegressionToy d = regression_toy({.seed = cfg.semilla});
  NadarayaWatson nw(Kernel::gaussian, cfg.ancho_inicial);
  const int64_t n = d.x_train.numel();
  const Var x = constant(d.x_train), y = constant(d.y_train.reshape({n, 1}));
  Tensor permitido = Tensor::ones({n, n});  // 1 = puede mirar; 0 en la diagonal si se deja fuera
  if (cfg.dejar_uno_fuera)
    for (int64_t i = 0; i < n; ++i) permitido.at({i, i}) = 0;
  auto perdida_de = [&] {
    // Lo mismo que NadarayaWatson::forward, escrito a mano para poder poner la máscara:
    // u_ij = (x_i − x_j)/h, puntaje −u²/2, α = softmax con la diagonal tapada, predicción α·y.
    const Var u = (unsqueeze(x, 1) - unsqueeze(x, 0)) * exp(-nw.log_width);
    const Var pred = attend(square(u) * real(-0.5), y, permitido).context;  // [n, 1]
    return mean(square(pred - y));
  };
  auto error_de_prueba = [&] {
    NoGrad sin_cinta;
    return ecm(nw(constant(d.x_test), x, constant(d.y_train)).prediction.value(), d.y_test);
  };
  Ancho r;
  r.error_inicial = error_de_prueba();
  Adam opt(nw.parameters(), {.lr = cfg.lr});
  for (int paso = 0; paso < cfg.pasos; ++paso) {
    Var perdida = perdida_de();
    r.anchos.push_back(nw.width()), r.perdidas.push_back(perdida.item());
    backward(perdida);
    opt.step();
    opt.zero_grad();
  }
  {
    NoGrad sin_cinta;
    r.anchos.push_back(nw.width()), r.perdidas.push_back(perdida_de().item());
  }
  r.error_final = error_de_prueba();
  return r;
}

}  // namespace lesson01
