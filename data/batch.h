// Batches of token sequences of different lengths: padding, padding masks, and the shifted
// decoder input/target pairs that a sequence-to-sequence model trains on.
//
// Token ids are whole numbers stored in float Tensors (the project's rule); in std::vector form
// they are int64_t. Every sequence is padded on the right.
#pragma once
#include <cstdint>
#include <vector>

#include "tensor/rng.h"
#include "tensor/tensor.h"

namespace atn {

// ids [B, T] (T = the longest sequence, or min_length if larger), right-padded with pad_id;
// mask [B, T] with 1 on real tokens and 0 on padding.
struct PaddedBatch {
  Tensor ids;
  Tensor mask;
};

// atn::Error on an empty list, when every sequence is empty, or on an id that is negative or too
// large to be held exactly in a float (>= 2^24).
PaddedBatch pad_sequences(const std::vector<std::vector<int64_t>>& seqs, int64_t pad_id, int64_t min_length = 0);

// One example of a sequence-to-sequence task: token ids of the source and of the target.
// The target holds neither [bos] nor [eos]: the helpers below add them.
struct SeqPair {
  std::vector<int64_t> src, tgt;
};

// Teacher forcing (Vaswani et al. 2017, §3.1: "the output embeddings are offset by one
// position"). The decoder learns to predict
//     target = tgt + [eos]              (or tgt alone when eos < 0: a task without an end symbol)
// from
//     input  = [bos] + target[0 .. n-2]  (the target shifted right by one; same length).
// With an eos this is input = [bos] + tgt. Without one (the Annotated Transformer's copy task)
// the last target token is never fed back, as in its Batch: tgt[:, :-1] / tgt[:, 1:].
std::vector<int64_t> decoder_target(const std::vector<int64_t>& tgt, int64_t eos);
std::vector<int64_t> decoder_input(const std::vector<int64_t>& tgt, int64_t bos, int64_t eos);

// A padded batch ready for an encoder–decoder: src, the decoder input and the decoder target.
// tgt_in and tgt_out have the same shape; tgt_out.mask says which positions count in the loss.
struct Seq2SeqBatch {
  PaddedBatch src;      // [B, S]
  PaddedBatch tgt_in;   // [B, T] = [bos] + tgt (shifted right)
  PaddedBatch tgt_out;  // [B, T] = tgt + [eos]
};
Seq2SeqBatch make_seq2seq_batch(const std::vector<SeqPair>& pairs, int64_t pad, int64_t bos, int64_t eos);

// `batch` pairs drawn uniformly with replacement (as nanoGPT's get_batch draws windows).
std::vector<SeqPair> sample_pairs(const std::vector<SeqPair>& pairs, int64_t batch, Rng& rng);

// One epoch: the pairs in a random order, cut into batches of `batch` (the last one may be
// shorter). Every pair appears exactly once.
std::vector<std::vector<SeqPair>> epoch_batches(const std::vector<SeqPair>& pairs, int64_t batch, Rng& rng);

// The ids of a padded row, without its padding (mask == 0): the inverse of pad_sequences.
std::vector<int64_t> unpad_row(const PaddedBatch& batch, int64_t row);

}  // namespace atn
