// Helpers shared by the `atencion` subcommands: where the text comes from, how a run's data
// settings are stored in ckpt.json ("run"), and small formatting.
#pragma once
#include <cstdint>
#include <string>

#include "tensor/json.h"

namespace atn {

// The data settings of a training run, stored as ckpt.json's "run" member so that `--resume`
// and `eval` rebuild the same token stream and the same train/validation split.
struct RunData {
  std::string data{};  // path of the text file; empty: the built-in corpus (spanish_corpus())
  std::string tokenizer = "char";
  int64_t bpe_merges = 256;
  int64_t batch = 12;
  int64_t parts = 1;  // row blocks of each batch differentiated side by side (models/batch_parts.h)
  double val_fraction = 0.1;
};
std::string run_data_json(const RunData& r);
RunData run_data_from_json(const Json& run, const std::string& where);

// The text of `path`, or the built-in corpus when `path` is empty.
std::string load_text(const std::string& path);
// "built-in corpus" or "'path'".
std::string describe_source(const std::string& path);
// Unicode code points in UTF-8 text (bytes that do not continue a sequence).
int64_t count_code_points(const std::string& text);
// 1234567 → "1 234 567" (the thin grouping a Spanish reader expects).
std::string group_digits(int64_t n);

}  // namespace atn
