// Small relational tasks for the Dual Attention Transformer (DAT, Altabaa & Lafferty 2024,
// /work/shared/specs/dual-attention.md): the answer depends on relations between objects
// (equal? which is larger?), not on what any one object is.
//
// Each example is a short sequence of objects, every object a feature vector: x [N, L, D].
// A sequence model reads the L objects as L tokens (a Linear layer embeds each one).
#pragma once
#include <cstdint>
#include <string>

#include "tensor/tensor.h"

namespace atn {

struct RelationalSplit {
  Tensor x;       // [N, L, D]: L objects of D features
  Tensor y;       // same/different: [N] (0 or 1); order: [N, L], the rank of each object
  Tensor images;  // same/different only: [N, 1, s, L·s], the L sprites side by side
};

struct RelationalTask {
  RelationalSplit train, test;
  int64_t n_classes = 0;  // classes of each entry of y
  Tensor objects;         // the object library [n_objects, D] the examples are made of
  std::string name;
};

// Same/different, after the "same" task of the relational games (Shanahan et al. 2020, "An
// explicitly relational neural network architecture"), on which DAT is tested: are two of the
// objects identical? Objects are random binary sprites of sprite_size × sprite_size pixels
// (D = sprite_size²; any two differ in at least 3 pixels). The last heldout_sprites sprites
// appear only in the test split and the others only in training, so the test measures whether
// the model compares objects rather than memorising them. Labels are balanced: a positive
// example repeats one sprite at two random places (the rest all different), a negative one has
// n_objects different sprites. images lays the sprites side by side, so a ViT with patches of
// sprite_size sees exactly x as its patch tokens (row-major pixels).
struct SameDifferentConfig {
  int64_t n_sprites = 32;
  int64_t sprite_size = 4;
  int64_t heldout_sprites = 8;
  int64_t n_objects = 2;
  int64_t n_train = 2000;
  int64_t n_test = 500;
  real noise_std = 0;  // N(0, noise_std²) added to every pixel (its own random stream)
  uint64_t seed = 1;
};
RelationalTask same_different_task(const SameDifferentConfig& cfg = {});

// Order, a small version of the object-sorting task of the Abstractor (Altabaa, Webb, Cohen &
// Lafferty, "Abstractors and relational cross-attention", ICLR 2024, arXiv 2304.00195), the
// predecessor of DAT's relational attention: objects have two attributes, a primary
// one with n_primary values and a secondary one with n_secondary values, each value a random
// N(0, 1) vector of attribute_dim features; an object is the concatenation of its two vectors
// (D = 2 · attribute_dim), and objects are ordered by primary value, then secondary value.
// A sequence holds `length` different objects in random order; y[n, i] is the rank (0 = the
// smallest) of object i in its sequence, and sorting the sequence means putting object i at
// place y[n, i]. No sequence appears in both splits. objects[k] is object k in that order:
// primary k / n_secondary, secondary k % n_secondary.
struct OrderTaskConfig {
  int64_t n_primary = 4;
  int64_t n_secondary = 8;
  int64_t attribute_dim = 4;
  int64_t length = 5;
  int64_t n_train = 2000;
  int64_t n_test = 500;
  uint64_t seed = 1;
};
RelationalTask order_task(const OrderTaskConfig& cfg = {});

}  // namespace atn
