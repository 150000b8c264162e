#include "tensor/safetensors.h"

#include <algorithm>
#include <bit>
#include <filesystem>
#include <fstream>
#include <limits>
#include <tuple>

#include "tensor/atomic_file.h"
#include "tensor/json.h"

namespace atn {

// F32 data is IEEE 754 binary32 and we copy its bits, so the host's float must be exactly that.
static_assert(sizeof(float) == 4 && std::numeric_limits<float>::is_iec559, "safetensors: float must be IEEE binary32");

namespace {

constexpr std::string_view kMetadataKey = "__metadata__";
// The reference implementation refuses headers over 100 MB; we check before allocating one.
constexpr uint64_t kMaxHeaderBytes = 100'000'000;

// --- Little-endian bytes, spelled out with shifts so the code is right on any host. ---

void put_u32(std::string& out, uint32_t v) {
  for (int i = 0; i < 4; ++i) out += char((v >> (8 * i)) & 0xFF);
}
void put_u64(std::string& out, uint64_t v) {
  for (int i = 0; i < 8; ++i) out += char((v >> (8 * i)) & 0xFF);
}
uint32_t get_u32(const char* p) {
  uint32_t v = 0;
  for (int i = 3; i >= 0; --i) v = (v << 8) | static_cast<unsigned char>(p[i]);
  return v;
}
uint64_t get_u64(const char* p) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | static_cast<unsigned char>(p[i]);
  return v;
}

// --- Writing. ---

// "[2,3]": compact JSON like the reference writer (serde_json), no spaces.
std::string json_shape(const Shape& shape) {
  std::string out = "[";
  for (size_t i = 0; i < shape.size(); ++i) {
    if (i) out += ',';
    out += std::to_string(shape[i]);
  }
  return out + "]";
}

void check_utf8(std::string_view s, const char* what) {
  if (first_invalid_utf8(s) != std::string_view::npos)
    fail("save_safetensors: ", what, " ", json_quote(s), " is not valid UTF-8 (JSON text must be)");
}

void check_name(const std::string& name) {
  check_utf8(name, "tensor name");
  if (name == kMetadataKey) fail("save_safetensors: \"__metadata__\" is reserved and cannot name a tensor");
}

// True when the product of the non-zero sizes, in bytes, fits in int64: the rule the reader
// applies, so that whatever we write can be read back. Counting without the zeros keeps
// strides representable; checking before each multiplication keeps the product from wrapping.
bool shape_fits(const Shape& shape, uint64_t item_bytes) {
  const uint64_t limit = uint64_t(std::numeric_limits<int64_t>::max()) / item_bytes;
  uint64_t product = 1;
  for (int64_t s : shape) {
    if (s < 0 || (s > 0 && uint64_t(s) > limit / product)) return false;
    if (s > 0) product *= uint64_t(s);
  }
  return true;
}

// --- Reading. ---

// Every reading error names the source (usually the file path) first.
template <class... Parts>
[[noreturn]] void bad(const std::string& source, const Parts&... parts) {
  fail("safetensors '", source, "': ", parts...);
}

// "an array", "a string", ... for messages.
std::string a_kind(Json::Kind kind) {
  const std::string name = kind_name(kind);
  if (kind == Json::Kind::Null) return name;
  return (name[0] == 'a' || name[0] == 'o' ? "an " : "a ") + name;
}

// A JSON number that must be a whole number in [0, 2^64): shape sizes and data offsets.
uint64_t read_uint(const std::string& source, const std::string& what, const Json& v) {
  if (v.kind != Json::Kind::Number) bad(source, what, " is ", a_kind(v.kind), ", not a number");
  if (v.text[0] == '-') bad(source, what, " is negative (", v.text, ")");
  if (v.text.find_first_of(".eE") != std::string::npos) bad(source, what, " is not an integer (", v.text, ")");
  uint64_t n = 0;
  for (char c : v.text) {
    const auto digit = uint64_t(c - '0');
    if (n > (std::numeric_limits<uint64_t>::max() - digit) / 10) bad(source, what, " is too large (", v.text, ")");
    n = n * 10 + digit;
  }
  return n;
}

const Json& require(const std::string& source, const std::string& who, const Json& entry, const char* key,
                    Json::Kind kind) {
  const Json* v = entry.find(key);
  if (!v) bad(source, who, ": missing \"", key, "\"");
  if (v->kind != kind) bad(source, who, ": \"", key, "\" is ", a_kind(v->kind), ", not ", a_kind(kind));
  return *v;
}

// One tensor as the header describes it.
struct Entry {
  std::string name;
  bool is_int = false;  // I64, else F32
  Shape shape;
  uint64_t begin = 0, end = 0;  // bytes [begin, end) of the data buffer
};

// Checks one header entry on its own: types, dtype, shape, and that its byte range has the
// right size and lies inside the buffer of `data_size` bytes. How the ranges fit together is
// checked afterwards, once all are known.
Entry read_entry(const std::string& source, const std::string& name, const Json& v, uint64_t data_size) {
  const std::string who = "tensor " + json_quote(name);  // quoted: control characters print escaped
  if (v.kind != Json::Kind::Object)
    bad(source, who, " is ", a_kind(v.kind), ", not an object with dtype, shape and data_offsets");
  // Other keys in the entry are ignored, as the reference reader does.
  Entry e;
  e.name = name;
  const std::string& dtype = require(source, who, v, "dtype", Json::Kind::String).text;
  if (dtype == "I64") e.is_int = true;
  else if (dtype != "F32") bad(source, who, ": unsupported dtype ", json_quote(dtype), " (atencion reads F32 and I64)");
  const uint64_t item_bytes = e.is_int ? 8 : 4;

  // Sizes are multiplied with overflow checks: a hostile shape such as [2^40, 2^40] must give an
  // error, not a wrapped-around small count. Zero sizes are left out of the product so that
  // strides (products of trailing sizes) stay representable even for an empty tensor.
  const uint64_t limit = uint64_t(std::numeric_limits<int64_t>::max()) / item_bytes;
  uint64_t product = 1;
  bool empty = false;
  const Json& shape = require(source, who, v, "shape", Json::Kind::Array);
  for (const Json& d : shape.items) {
    const uint64_t size = read_uint(source, who + ": a size in \"shape\"", d);
    if (size != 0 && size > limit / product) {
      std::string sizes;
      for (const Json& s : shape.items) sizes += (sizes.empty() ? "" : ", ") + s.text;
      bad(source, who, ": shape [", sizes, "] has too many elements");
    }
    e.shape.push_back(int64_t(size));
    if (size == 0) empty = true;
    else product *= size;
  }
  const uint64_t count = empty ? 0 : product;

  const auto& offsets = require(source, who, v, "data_offsets", Json::Kind::Array).items;
  if (offsets.size() != 2)
    bad(source, who, ": \"data_offsets\" must hold 2 numbers [begin, end], not ", offsets.size());
  e.begin = read_uint(source, who + ": data_offsets begin", offsets[0]);
  e.end = read_uint(source, who + ": data_offsets end", offsets[1]);
  const std::string range = "data_offsets [" + std::to_string(e.begin) + ", " + std::to_string(e.end) + "]";
  if (e.end < e.begin) bad(source, who, ": ", range, " end before they begin");
  if (e.end - e.begin != count * item_bytes)
    bad(source, who, ": ", range, " hold ", e.end - e.begin, " bytes but shape ", to_string(e.shape), " of ", dtype,
        " needs ", count * item_bytes);
  if (e.end > data_size)
    bad(source, who, ": ", range, " out of range: the data buffer has only ", data_size, " bytes (truncated file?)");
  return e;
}

std::map<std::string, std::string> read_metadata(const std::string& source, const Json& v) {
  if (v.kind != Json::Kind::Object) bad(source, "\"__metadata__\" is ", a_kind(v.kind), ", not an object of strings");
  std::map<std::string, std::string> out;
  for (const JsonMember& m : v.members) {
    if (m.value.kind != Json::Kind::String)
      bad(source, "\"__metadata__\" value of ", json_quote(m.key), " is ", a_kind(m.value.kind), ", not a string");
    out[m.key] = m.value.text;
  }
  return out;
}

// The byte ranges must tile [0, data_size) exactly: sorted by start, each begins where the
// previous one ended. This is what makes a file safe to map: no tensor aliases another and no
// bytes hide between them. (Empty tensors have begin == end and fit anywhere on the seam.)
void check_tiling(const std::string& source, std::vector<const Entry*> order, uint64_t data_size) {
  std::sort(order.begin(), order.end(), [](const Entry* a, const Entry* b) {
    return std::tie(a->begin, a->end, a->name) < std::tie(b->begin, b->end, b->name);
  });
  uint64_t covered = 0;
  const Entry* previous = nullptr;
  for (const Entry* e : order) {
    if (e->begin < covered)
      bad(source, "tensor ", json_quote(e->name), " (data_offsets [", e->begin, ", ", e->end, "]) overlaps tensor ",
          json_quote(previous->name), " (data_offsets [", previous->begin, ", ", previous->end, "])");
    if (e->begin > covered)
      bad(source, "bytes [", covered, ", ", e->begin, ") of the data buffer belong to no tensor (a hole before tensor ",
          json_quote(e->name), ")");
    covered = e->end;
    previous = e;
  }
  if (covered != data_size)
    bad(source, "bytes [", covered, ", ", data_size, ") at the end of the data buffer belong to no tensor");
}

}  // namespace

std::string to_safetensors_bytes(const SafeTensorsFile& file) {
  // Everything is checked before the first byte is produced, so nothing below can fail.
  for (const auto& [name, t] : file.floats) {
    check_name(name);
    if (!t.defined()) fail("save_safetensors: tensor ", json_quote(name), " is undefined (no storage)");
    if (!shape_fits(t.shape(), 4))
      fail("save_safetensors: tensor ", json_quote(name), " has too many elements: ", t.shape());
    if (file.ints.count(name))
      fail("save_safetensors: name ", json_quote(name), " is used by an F32 and an I64 tensor");
  }
  for (const auto& [name, t] : file.ints) {
    check_name(name);
    for (int64_t s : t.shape)
      if (s < 0) fail("save_safetensors: tensor ", json_quote(name), " has a negative size in shape ", t.shape);
    if (!shape_fits(t.shape, 8))
      fail("save_safetensors: tensor ", json_quote(name), " has too many elements: ", t.shape);
    if (int64_t(t.values.size()) != numel(t.shape))
      fail("save_safetensors: tensor ", json_quote(name), " has ", t.values.size(), " values for shape ",
           to_string(t.shape));
  }
  for (const auto& [key, value] : file.metadata) {
    check_utf8(key, "metadata key");
    check_utf8(value, "metadata value");
  }

  // Data layout: the 8-byte I64 elements first, then the 4-byte F32 ones. The header is padded
  // so the buffer starts at a multiple of 8 in the file, hence every tensor starts aligned to
  // its element size, which readers that map the file into memory rely on.
  std::map<std::string, std::string> entries;  // name -> its JSON object; a map sorts the names
  uint64_t data_size = 0;
  auto add_entry = [&](const std::string& name, const char* dtype, const Shape& shape, uint64_t bytes) {
    entries[name] = std::string("{\"dtype\":\"") + dtype + "\",\"shape\":" + json_shape(shape) + ",\"data_offsets\":[" +
                    std::to_string(data_size) + "," + std::to_string(data_size + bytes) + "]}";
    data_size += bytes;
  };
  for (const auto& [name, t] : file.ints) add_entry(name, "I64", t.shape, 8 * uint64_t(t.values.size()));
  for (const auto& [name, t] : file.floats) add_entry(name, "F32", t.shape(), 4 * uint64_t(t.numel()));

  std::string header = "{";
  if (!file.metadata.empty()) {
    header += json_quote(kMetadataKey) + ":{";
    for (auto it = file.metadata.begin(); it != file.metadata.end(); ++it) {
      if (it != file.metadata.begin()) header += ',';
      header += json_quote(it->first);
      header += ':';
      header += json_quote(it->second);
    }
    header += "}";
    if (!entries.empty()) header += ",";
  }
  for (auto it = entries.begin(); it != entries.end(); ++it) {
    if (it != entries.begin()) header += ',';
    header.append(json_quote(it->first)).append(":").append(it->second);
  }
  header += "}";
  header.append((8 - header.size() % 8) % 8, ' ');  // trailing spaces are JSON whitespace

  std::string out;
  out.reserve(8 + header.size() + data_size);
  put_u64(out, header.size());
  out += header;
  for (const auto& [name, t] : file.ints)
    for (int64_t v : t.values) put_u64(out, std::bit_cast<uint64_t>(v));
  // `real` may be a wider type in a test build; the file format stores float32 regardless.
  for (const auto& [name, t] : file.floats)
    for (real v : t) put_u32(out, std::bit_cast<uint32_t>(float(v)));
  return out;
}

SafeTensorsFile from_safetensors_bytes(std::string_view bytes, const std::string& source) {
  if (bytes.size() < 8)
    bad(source, "the file is only ", bytes.size(), " bytes, shorter than the 8-byte header length");
  const uint64_t header_size = get_u64(bytes.data());
  if (header_size > kMaxHeaderBytes)
    bad(source, "header length ", header_size, " is absurd (the format's limit is ", kMaxHeaderBytes,
        " bytes): not a safetensors file?");
  if (header_size > bytes.size() - 8)
    bad(source, "header length ", header_size, " is larger than the ", bytes.size() - 8,
        " bytes that follow it (truncated file?)");
  const std::string_view data = bytes.substr(8 + header_size);

  Json root;
  try {
    root = parse_json(bytes.substr(8, header_size));
  } catch (const Error& e) {
    bad(source, "header is not valid JSON: ", e.what());
  }
  if (root.kind != Json::Kind::Object) bad(source, "header is ", a_kind(root.kind), ", not a JSON object");

  // Duplicate names were already rejected by parse_json, which compares keys after unescaping.
  SafeTensorsFile file;
  std::vector<Entry> entries;
  for (const JsonMember& m : root.members) {
    if (m.key == kMetadataKey) file.metadata = read_metadata(source, m.value);
    else entries.push_back(read_entry(source, m.key, m.value, data.size()));
  }
  std::vector<const Entry*> order;
  for (const Entry& e : entries) order.push_back(&e);
  check_tiling(source, order, data.size());

  // Only now, with every range known to lie inside `data`, are the tensors allocated and filled.
  for (const Entry& e : entries) {
    const char* p = data.data() + e.begin;
    if (e.is_int) {
      IntTensor t{.shape = e.shape, .values = std::vector<int64_t>((e.end - e.begin) / 8)};
      for (size_t i = 0; i < t.values.size(); ++i) t.values[i] = std::bit_cast<int64_t>(get_u64(p + 8 * i));
      file.ints.emplace(e.name, std::move(t));
    } else {
      std::vector<real> values((e.end - e.begin) / 4);
      for (size_t i = 0; i < values.size(); ++i) values[i] = real(std::bit_cast<float>(get_u32(p + 4 * i)));
      file.floats.emplace(e.name, Tensor(e.shape, std::move(values)));
    }
  }
  return file;
}

void save_safetensors(const std::string& path, const SafeTensorsFile& file) {
  // Bad input throws before any file is touched.
  write_file_atomically(path, to_safetensors_bytes(file), "save_safetensors");
}

SafeTensorsFile load_safetensors(const std::string& path) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) fail("load_safetensors: '", path, "' is a folder, not a file");
  std::ifstream in(path, std::ios::binary);
  if (!in) fail("load_safetensors: cannot open '", path, "' (missing file?)");
  // Read in chunks rather than trusting a size reported up front.
  std::string bytes;
  char chunk[1 << 16];
  while (in.read(chunk, sizeof chunk) || in.gcount() > 0) bytes.append(chunk, size_t(in.gcount()));
  if (in.bad()) fail("load_safetensors: error while reading '", path, "'");
  return from_safetensors_bytes(bytes, path);
}

void save_safetensors(const std::string& path, const std::map<std::string, Tensor>& tensors,
                      const std::map<std::string, std::string>& metadata) {
  save_safetensors(path, SafeTensorsFile{.floats = tensors, .ints = {}, .metadata = metadata});
}

std::map<std::string, Tensor> load_safetensors_floats(const std::string& path) {
  SafeTensorsFile file = load_safetensors(path);
  if (!file.ints.empty())
    fail("load_safetensors_floats: '", path, "' also holds I64 tensor ", json_quote(file.ints.begin()->first),
         " (use load_safetensors to get it)");
  return std::move(file.floats);
}

}  // namespace atn
