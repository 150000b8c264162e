#include "train/cli_text.h"

#include <sstream>

#include "data/corpus.h"
#include "tensor/error.h"
#include "train/checkpoint_dir.h"

namespace atn {

std::string run_data_json(const RunData& r) {
  std::ostringstream os;
  os.precision(15);
  os << "{\"data\": " << json_quote(r.data) << ", \"tokenizer\": " << json_quote(r.tokenizer)
     << ", \"bpe_merges\": " << r.bpe_merges << ", \"batch\": " << r.batch << ", \"parts\": " << r.parts << ", \"val_fraction\": " << r.val_fraction
     << "}";
  return os.str();
}

RunData run_data_from_json(const Json& run, const std::string& where) {
  RunData r;
  r.data = string_member(run, "data", where);
  r.tokenizer = string_member(run, "tokenizer", where);
  r.bpe_merges = int_member(run, "bpe_merges", where);
  r.batch = int_member(run, "batch", where);
  // Runs saved before batch parts existed differentiated each batch whole.
  r.parts = run.find("parts") ? int_member(run, "parts", where) : 1;
  r.val_fraction = number_member(run, "val_fraction", where);
  if (r.batch < 1) fail("'", where, "': run.batch must be >= 1");
  if (r.parts < 1 || r.parts > r.batch) fail("'", where, "': run.parts must be from 1 to run.batch");
  if (!(r.val_fraction > 0 && r.val_fraction < 1)) fail("'", where, "': run.val_fraction must be in (0, 1)");
  return r;
}

std::string load_text(const std::string& path) { return path.empty() ? spanish_corpus() : read_text_file(path); }

std::string describe_source(const std::string& path) { return path.empty() ? "built-in corpus" : "'" + path + "'"; }

int64_t count_code_points(const std::string& text) {
  int64_t n = 0;
  for (unsigned char c : text) n += (c & 0xC0) != 0x80;
  return n;
}

std::string group_digits(int64_t n) {
  std::string digits = std::to_string(n < 0 ? -n : n), out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ' ';
    out += digits[i];
  }
  return n < 0 ? "-" + out : out;
}

}  // namespace atn
