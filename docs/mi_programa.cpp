// Atención causal con 2 cabezas sobre 6 tokens, entrenada con Adam: make run FILE=docs/mi_programa.cpp
#include <iostream>

#include "atencion.h"
using namespace atn;

int main() {
  Rng rng(1);
  MultiHeadAttention atencion({.d_model = 8, .n_heads = 2, .causal = true}, rng);
  Var x = constant(Tensor::randn({1, 6, 8}, rng));  // [lote, tokens, d_model]
  Adam opt(atencion.parameters(), {.lr = 0.01f});
  for (int paso = 0; paso <= 200; ++paso) {
    opt.zero_grad();
    Var perdida = mse(atencion.forward(x).output, x);  // que cada token se copie a sí mismo
    backward(perdida);
    opt.step();
    if (paso % 50 == 0) std::cout << "paso " << paso << "  pérdida " << perdida.item() << "\n";
  }
  NoGrad sin_cinta;
  Tensor pesos = atencion.forward(x, Tensor(), true).weights.value();     // [1, 2, 6, 6]
  std::cout << terminal_heatmap(narrow(pesos, 1, 0, 1).reshape({6, 6}));  // cabeza 0: fila = token
}
