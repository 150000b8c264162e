#include "models/dat_seq2seq.h"

#include <cmath>

#include "autograd/ops_basic.h"
#include "nn/init.h"

namespace atn {

namespace {

DATSeq2SeqConfig validated(DATSeq2SeqConfig c) {
  if (c.src_vocab < 1 || c.tgt_vocab < 1 || c.max_len < 1 || c.n_layers_enc < 1 || c.n_layers_dec < 1)
    fail("DATSeq2Seq: src_vocab, tgt_vocab, max_len, n_layers_enc and n_layers_dec must be positive, got ", c.src_vocab,
         ", ", c.tgt_vocab, ", ", c.max_len, ", ", c.n_layers_enc, ", ", c.n_layers_dec);
  c.block.block = c.max_len;  // the positional retriever's table and the default library size
  c.block.n_layer = c.n_layers_enc + c.n_layers_dec;
  c.block = validated_dat_config(c.block, "DATSeq2Seq");
  if (c.block.rope)
    fail("DATSeq2Seq: rope is for the language model (DATLM); the seq2seq model adds sinusoidal positions, as the spec");
  return c;
}

MultiHeadAttentionConfig cross_config(const DATConfig& c) {
  return {.d_model = c.d_model, .n_heads = c.n_heads_sa + c.n_heads_ra, .qkv_bias = false, .out_bias = false};
}

}  // namespace

DATDecoderBlock::DATDecoderBlock(const DATConfig& c, Rng& rng)
    : post_norm(c.post_norm), self_block(c, rng, true), norm_cross(c.d_model, true), cross_attn(cross_config(c), rng) {
  register_module("self_block", self_block);
  register_module("norm_cross", norm_cross);
  register_module("cross_attn", cross_attn);
}

Var DATDecoderBlock::forward(const Var& x, const Var& memory, const Var& symbols) {
  DATBlock& b = self_block;
  if (post_norm) {
    Var y = b.norm1(x + b.dual_attn.forward(x, symbols));
    y = norm_cross(y + cross_attn.forward(y, memory).output);
    return b.norm2(y + b.ff(y));
  }
  Var y = x + b.dual_attn.forward(b.norm1(x), symbols);
  y = y + cross_attn.forward(norm_cross(y), memory).output;
  return y + b.ff(b.norm2(y));
}

DATSeq2Seq::DATSeq2Seq(const DATSeq2SeqConfig& config, Rng& rng)
    : cfg_(validated(config)),
      src_embed(cfg_.src_vocab, cfg_.block.d_model, rng),
      tgt_embed(cfg_.tgt_vocab, cfg_.block.d_model, rng),
      positions(cfg_.block.d_model, cfg_.max_len),
      enc_norm(cfg_.block.d_model, true),
      dec_norm(cfg_.block.d_model, true),
      encoder(cfg_.n_layers_enc, cfg_.block, rng),
      decoder(cfg_.n_layers_dec, cfg_.block, rng),
      head(cfg_.block.d_model, cfg_.tgt_vocab, rng, false) {
  register_module("src_embed", src_embed);
  register_module("tgt_embed", tgt_embed);
  register_module("positions", positions);
  const int64_t depth = cfg_.n_layers_enc + cfg_.n_layers_dec;  // scales the residual init
  register_module("encoder", encoder);
  register_module("decoder", decoder);
  for (int64_t i = 0; i < encoder.size(); ++i) init_dat_block(encoder[i], rng, depth);
  for (int64_t i = 0; i < decoder.size(); ++i) init_dat_block(decoder[i].self_block, rng, depth);
  register_module("enc_norm", enc_norm);
  register_module("dec_norm", dec_norm);
  register_module("head", head);
  retriever_ = make_dat_retriever(cfg_.block, rng);
  if (retriever_) register_module("symbol_retriever", *retriever_);
  init_dat_retriever(retriever_.get(), rng);
  init::gpt2(src_embed.weight.value(), rng);
  init::gpt2(tgt_embed.weight.value(), rng);
  init::gpt2(head.weight.value(), rng);
  if (cfg_.tie_embeddings) head.weight = tgt_embed.weight;  // one parameter
}

Var DATSeq2Seq::embed(Embedding& table, const Tensor& ids, int64_t vocab, const char* what) {
  if (ids.dim() != 2 || ids.size(1) < 1 || ids.size(1) > cfg_.max_len)
    fail("DATSeq2Seq: ", what, " ids must be [B, T] with 1 <= T <= max_len=", cfg_.max_len, ", got ",
         to_string(ids.shape()));
  for (real id : ids)
    if (!(id >= 0 && id < real(vocab) && id == std::floor(id)))
      fail("DATSeq2Seq: ", what, " token id ", id, " is not a whole number in [0, ", vocab, ")");
  return positions(table(ids) * std::sqrt(real(cfg_.block.d_model)));
}

Var DATSeq2Seq::encode(const Tensor& src) {
  Var x = embed(src_embed, src, cfg_.src_vocab, "source");
  for (int64_t i = 0; i < encoder.size(); ++i) x = encoder[i].forward(x, retriever_ ? retriever_->forward(x) : Var());
  return enc_norm(x);
}

Var DATSeq2Seq::decode(const Tensor& tgt, const Var& memory) {
  Var y = embed(tgt_embed, tgt, cfg_.tgt_vocab, "target");
  if (memory.dim() != 3 || memory.size(0) != tgt.size(0) || memory.size(2) != cfg_.block.d_model)
    fail("DATSeq2Seq: memory ", to_string(memory.shape()), " is not [B, S, d_model] for target ",
         to_string(tgt.shape()));
  for (int64_t i = 0; i < decoder.size(); ++i)
    y = decoder[i].forward(y, memory, retriever_ ? retriever_->forward(y) : Var());
  return head(dec_norm(y));
}

}  // namespace atn
