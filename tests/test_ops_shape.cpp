// Differentiable layout and selection ops (autograd/ops_shape.h): gradcheck on random shapes
// (with broadcasting for where/masked_fill), accumulation of repeated indices, ties, errors.
#include <gtest/gtest.h>

#include <cmath>

#include "autograd/gradcheck.h"
#include "autograd/ops_basic.h"
#include "autograd/ops_shape.h"
#include "tensor/rng.h"
#include "tests/test_util.h"

namespace atn {
namespace {

using namespace testing_util;

using V = std::vector<real>;
void expect_gradcheck(const GradcheckFn& fn, const Vars& inputs, const std::string& what) {
  const auto r = gradcheck(fn, inputs);
  EXPECT_TRUE(r.ok) << what << "\n" << r.report;
}

TEST(OpsShape, GradcheckReshapeAndFriends) {
  Rng rng(1);
  const Var a = rand_param({2, 3, 4}, rng);
  expect_gradcheck([](const Vars& v) { return reshape(v[0], {4, -1}); }, {a}, "reshape");
  expect_gradcheck([](const Vars& v) { return flatten(v[0]); }, {a}, "flatten");
  expect_gradcheck([](const Vars& v) { return flatten(v[0], 1); }, {a}, "flatten(1)");
  expect_gradcheck([](const Vars& v) { return squeeze(unsqueeze(v[0], 1) * 2.0f, 1); }, {a}, "(un)squeeze");
  EXPECT_EQ(flatten(a, 0, 1).shape(), (Shape{6, 4}));
  EXPECT_EQ(flatten(Var(Tensor::scalar(3))).shape(), (Shape{1}));
}

TEST(OpsShape, GradcheckTransposeAndPermute) {
  Rng rng(2);
  for (const Shape& s : {Shape{3, 4}, Shape{2, 3, 4}, Shape{2, 1, 3, 2}}) {
    const Var a = rand_param(s, rng);
    expect_gradcheck([](const Vars& v) { return transpose(v[0]); }, {a}, "transpose " + to_string(s));
    expect_gradcheck([](const Vars& v) { return transpose(v[0], 0, -1); }, {a}, "transpose(0,-1) " + to_string(s));
  }
  const Var b = rand_param({2, 3, 4, 2}, rng);
  expect_gradcheck([](const Vars& v) { return permute(v[0], {0, 2, 1, 3}); }, {b}, "permute heads");
  expect_gradcheck([](const Vars& v) { return permute(v[0], {3, -2, 0, 1}); }, {b}, "permute");
}

TEST(OpsShape, GradcheckSlicing) {
  Rng rng(3);
  const Var a = rand_param({4, 5, 3}, rng);
  expect_gradcheck([](const Vars& v) { return narrow(v[0], 1, 1, 3); }, {a}, "narrow");
  expect_gradcheck([](const Vars& v) { return narrow(v[0], -1, -2, 2); }, {a}, "narrow negative");
  expect_gradcheck([](const Vars& v) { return slice(v[0], 0, 1, to_end, 2); }, {a}, "slice step 2");
  expect_gradcheck([](const Vars& v) { return slice(v[0], 1, -4, -1, 3); }, {a}, "slice negative");
  // The same input sliced twice, overlapping: both regions' gradients add up.
  expect_gradcheck([](const Vars& v) { return narrow(v[0], 1, 0, 3) * narrow(v[0], 1, 2, 3); }, {a}, "overlap");
}

TEST(OpsShape, GradcheckConcatSplitChunk) {
  Rng rng(4);
  const Var a = rand_param({2, 3}, rng), b = rand_param({2, 1}, rng), c = rand_param({2, 2}, rng);
  const Var k = constant(Tensor::randn({2, 2}, rng));  // a constant part receives nothing
  expect_gradcheck([](const Vars& v) { return concat({v[0], v[1], v[2]}, 1); }, {a, b, c}, "concat");
  expect_gradcheck([k](const Vars& v) { return concat({v[2], k, v[0]}, -1); }, {a, b, c}, "concat with const");
  expect_gradcheck([](const Vars& v) { return concat({v[0], v[0]}, 0); }, {a}, "concat twice");

  const Var x = rand_param({3, 6, 2}, rng);
  // Pieces reordered and scaled differently, so each region's gradient is distinguishable.
  expect_gradcheck(
      [](const Vars& v) {
        auto p = split(v[0], 1, {1, 3, 2});
        return concat({p[2] * 3.0f, p[0], p[1] * -2.0f}, 1);
      },
      {x}, "split");
  expect_gradcheck(
      [](const Vars& v) {
        auto p = chunk(v[0], 3, 1);
        return p[0] * p[2];  // the middle piece is unused: its region gets zero gradient
      },
      {x}, "chunk");
  const Var y = rand_param({2, 7}, rng);
  const std::vector<Var> pieces = chunk(y, 3, 1);  // 3, 3, 1 as torch.chunk
  ASSERT_EQ(pieces.size(), 3u);
  EXPECT_EQ(pieces[2].shape(), (Shape{2, 1}));
  EXPECT_EQ(pieces[2].value().to_vector(), (V{y.value()[6], y.value()[13]}));
  expect_gradcheck(
      [](const Vars& v) {
        auto p = chunk(v[0], 3, 1);
        return concat({p[2] * 2.0f, p[0], p[1] * -3.0f}, 1);
      },
      {y}, "chunk with a short last piece");
}

TEST(OpsShape, SplitPieceBackwardWritesOnlyItsRegion) {
  // x = [[0, 1, 2, 3]]: gradient of sum(piece 1) with pieces {1, 2, 1} is [[0, 1, 1, 0]].
  const Var x = param(Tensor::arange(4).reshape({1, 4}));
  const auto pieces = split(x, 1, {1, 2, 1});
  EXPECT_EQ(pieces[1].value().to_vector(), (V{1, 2}));
  backward(sum(pieces[1]));
  EXPECT_EQ(x.grad().to_vector(), (V{0, 1, 1, 0}));
}

TEST(OpsShape, GradcheckIndexing) {
  Rng rng(5);
  const Var a = rand_param({4, 3}, rng);
  const Tensor ids = Tensor::from({3, 0, 3, 1, 0, 0}, {2, 3});
  expect_gradcheck([ids](const Vars& v) { return embedding(v[0], ids); }, {a}, "embedding");
  expect_gradcheck([](const Vars& v) { return index_select(v[0], 1, Tensor::from({2, 2, 0})); }, {a}, "index_select");
  const Var b = rand_param({2, 4, 3}, rng);
  const Tensor index = Tensor::from({0, 3, 3, 1, 2, 2, 0, 0, 1, 3, 3, 3}, {2, 2, 3});  // repeats included
  expect_gradcheck([index](const Vars& v) { return gather(v[0], 1, index); }, {b}, "gather");
}

TEST(OpsShape, EmbeddingBackwardAccumulatesRepeatedIds) {
  // ids [0, 2, 0] with output gradient rows g0, g1, g2: row 0 of the weight's gradient is
  // g0 + g2 = [1, 2] + [5, 6] = [6, 8], row 2 is g1 = [3, 4], row 1 (never looked up) is 0.
  const Var w = param(Tensor::zeros({3, 2}));
  const Var e = embedding(w, Tensor::from({0, 2, 0}));
  backward(e, Tensor::from({1, 2, 3, 4, 5, 6}, {3, 2}));
  EXPECT_EQ(w.grad().to_vector(), (V{6, 8, 0, 0, 3, 4}));
}

TEST(OpsShape, MaxForwardAndGradcheck) {
  // [[1, 5, 2], [7, 0, 3]]: max over axis 1 = [5, 7], over axis 0 = [7, 5, 3].
  const Var a = param(Tensor::from({1, 5, 2, 7, 0, 3}, {2, 3}));
  EXPECT_EQ(max(a, 1).value().to_vector(), (V{5, 7}));
  EXPECT_EQ(max(a, 0, true).value().shape(), (Shape{1, 3}));
  EXPECT_EQ(max(a, 0, true).value().to_vector(), (V{7, 5, 3}));
  backward(sum(max(a, 1)));
  EXPECT_EQ(a.grad().to_vector(), (V{0, 1, 0, 1, 0, 0}));

  // Distinct values (a shuffled arange, 0.1 apart) so ±eps never changes the argmax.
  Rng rng(6);
  const auto order = rng.permutation(24);
  Tensor t({2, 3, 4});
  for (int64_t i = 0; i < 24; ++i) t[i] = real(order[size_t(i)]) * 0.1f;
  const Var b = param(t);
  for (int64_t axis : {0, 1, 2, -1})
    for (bool keep : {false, true})
      expect_gradcheck([=](const Vars& v) { return max(v[0], axis, keep); }, {b}, "max axis " + std::to_string(axis));
}

TEST(OpsShape, MaxBackwardGoesToTheFirstTie) {
  // Row [3, 1, 3]: both 3s are maximal; the gradient goes to the first only.
  const Var a = param(Tensor::from({3, 1, 3, 2, 2, 2}, {2, 3}));
  backward(sum(max(a, -1)));
  EXPECT_EQ(a.grad().to_vector(), (V{1, 0, 0, 1, 0, 0}));
}

TEST(OpsShape, MaskedFillForwardBackwardAndGradcheck) {
  // Fill columns 0 and 3 of a [3, 4] with -inf: those get zero gradient, the rest pass it on.
  const Var a = param(Tensor::ones({3, 4}));
  const Tensor mask = Tensor::from({1, 0, 0, 1}, {1, 4});
  const Var m = masked_fill(a, mask, -INFINITY);
  EXPECT_TRUE(std::isinf(m.value().at({2, 3})));
  EXPECT_EQ(m.value().at({2, 2}), 1);
  backward(m, Tensor::full({3, 4}, 2));
  EXPECT_EQ(a.grad().to_vector(), (V{0, 2, 2, 0, 0, 2, 2, 0, 0, 2, 2, 0}));

  Rng rng(7);
  const Var b = rand_param({3, 4}, rng), c = rand_param({2, 3, 4}, rng);
  expect_gradcheck([mask](const Vars& v) { return masked_fill(v[0], mask, 0.5f); }, {b}, "mask [1, 4] on [3, 4]");
  const Tensor causal = Tensor::from({0, 1, 1, 1, 0, 0, 1, 1, 0, 0, 0, 1}, {3, 4});
  expect_gradcheck([causal](const Vars& v) { return masked_fill(v[0], causal, -5); }, {c}, "mask [3, 4] on [2, 3, 4]");
}

TEST(OpsShape, WhereGradcheckWithBroadcasting) {
  Rng rng(8);
  const Tensor cond = Tensor::from({1, 0, 0, 1}, {1, 4});
  const Var a = rand_param({3, 4}, rng), b = rand_param({3, 1}, rng), s = rand_param({}, rng);
  expect_gradcheck([cond](const Vars& v) { return where(cond, v[0], v[1]); }, {a, b}, "where [1,4] [3,4] [3,1]");
  expect_gradcheck([cond](const Vars& v) { return where(cond, v[1], v[0]); }, {a, b}, "where swapped");
  expect_gradcheck([cond](const Vars& v) { return where(cond, v[0], v[1]); }, {b, s}, "where to [3, 4] from scalar");
  // Hand-checked: cond [1, 0] picks a then b; a [2] gets [g0, 0], b scalar gets g1.
  const Var x = param(Tensor::from({1, 2})), y = param(Tensor::scalar(9));
  const Var w = where(Tensor::from({1, 0}), x, y);
  EXPECT_EQ(w.value().to_vector(), (V{1, 9}));
  backward(w, Tensor::from({10, 20}));
  EXPECT_EQ(x.grad().to_vector(), (V{10, 0}));
  EXPECT_EQ(y.grad().item(), 20);
}

TEST(OpsShape, TapeRecordsOneEntryPerOpAndNothingWithoutGrad) {
  Tape::current().clear();
  const Var a = param(Tensor::zeros({2, 3}));
  const auto parts = split(transpose(a), 0, {1, 2});
  EXPECT_EQ(Tape::current().size(), 3u);  // transpose + one entry per piece
  Tape::current().clear();
  const Var k = constant(Tensor::zeros({2, 3}));
  (void)concat({transpose(k), transpose(k)}, 0);
  EXPECT_EQ(Tape::current().size(), 0u);
}

TEST(OpsShape, ErrorsThroughVars) {
  const Var a = param(Tensor::zeros({2, 3}));
  EXPECT_THROW(permute(a, {1, 1}), Error);
  EXPECT_THROW(transpose(a, 0, 2), Error);
  EXPECT_THROW(transpose(Var(Tensor::zeros({3}))), Error);
  EXPECT_THROW(reshape(a, {4, 2}), Error);
  EXPECT_THROW(flatten(a, 1, 0), Error);
  EXPECT_THROW(narrow(a, 1, 2, 2), Error);
  EXPECT_THROW(slice(a, 1, 0, 2, 0), Error);
  EXPECT_THROW(concat({a, Var(Tensor::zeros({3, 3}))}, 1), Error);
  EXPECT_THROW(split(a, 1, {2, 2}), Error);
  EXPECT_THROW(chunk(a, 0, 1), Error);
  EXPECT_THROW(chunk(a, -1, 1), Error);
  EXPECT_THROW(index_select(a, 0, Tensor::from({2})), Error);
  EXPECT_THROW(embedding(a, Tensor::from({0.5f})), Error);
  EXPECT_THROW(gather(a, 0, Tensor::from({2}, {1, 1})), Error);
  EXPECT_THROW(max(a, 2), Error);
  EXPECT_THROW(max(Var(Tensor::zeros({2, 0})), 1), Error);  // empty axis has no max
  EXPECT_THROW(masked_fill(a, Tensor::zeros({2}), 0), Error);  // [2] does not broadcast to [2, 3]
  EXPECT_THROW(where(Tensor::zeros({2}), a, a), Error);
  Tape::current().clear();
}

}  // namespace
}  // namespace atn
