// What both encoder–decoders (models/seq2seq_rnn.h, models/transformer.h) share around their
// inputs and outputs: the checks of token batches and what greedy decoding returns. (The decoder
// input, the target shifted right, is built by data/batch.h: decoder_input, make_seq2seq_batch.)
#pragma once
#include <vector>

#include "tensor/tensor.h"

namespace atn {

// Token ids of one sequence as a [1, n] tensor (the project keeps ids in float tensors).
Tensor ids_tensor(const std::vector<int64_t>& ids);

// Checks a batch of ids [B, T] (T ≥ 1) and, if defined, its mask: same shape, only 0 and 1.
// `op` and `what` name the caller and the argument in the error ("Transformer::encode: src ...").
void check_token_batch(const char* op, const char* what, const Tensor& ids, const Tensor& mask = Tensor());

// What greedy decoding returns for each sequence of a batch.
struct Seq2SeqDecoded {
  std::vector<std::vector<int64_t>> tokens;  // per sequence, without bos, cut before eos
  // Per sequence [len, S]: row t is where the decoder looked when it produced tokens[t] (zero
  // on padded source positions). The RNN's attention weights, or the Transformer's last
  // cross-attention averaged over the heads; undefined tensors for an RNN without attention.
  std::vector<Tensor> alignments;
};

}  // namespace atn
