// safetensors: Hugging Face's tensor file format, read and written by hand.
//
// A file is three parts (https://github.com/huggingface/safetensors, README "Format"):
//
//   8 bytes    N, the length of the header: an unsigned 64-bit integer, little-endian
//   N bytes    the header, a UTF-8 JSON object, for example
//                {"__metadata__":{"format":"pt"},
//                 "w":{"dtype":"F32","shape":[2,3],"data_offsets":[0,24]}}
//              "__metadata__" (optional) maps strings to strings; every other key names a
//              tensor. Writers pad the header with spaces so the data starts 8-byte aligned.
//   the rest   the data buffer: each tensor's elements, little-endian, row-major, at
//              [begin, end) counted from the start of the buffer. The tensors tile the buffer
//              exactly: no overlaps, no holes, nothing left over.
//
// atencion keeps float32 tensors (dtype F32) and int64 tensors (dtype I64: token ids, step
// counters); any other dtype is reported as unsupported. This is the format PyTorch users
// save state dicts in; following the specification to the letter is what lets a file cross
// between the two (tests/test_safetensors.cpp checks exact bytes and foreign-style files).
//
// Reading never trusts the file: every length and offset is checked against the bytes that
// are really there before anything is allocated, and each problem throws atn::Error naming
// the file, the tensor and what is wrong.
#pragma once
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "tensor/shape.h"
#include "tensor/tensor.h"

namespace atn {

// An int64 tensor as plain data (atencion's Tensor holds floats only).
struct IntTensor {
  Shape shape;
  std::vector<int64_t> values;  // row-major, numel(shape) of them

  bool operator==(const IntTensor&) const = default;
};

// Everything a safetensors file holds. Names are unique across `floats` and `ints`.
struct SafeTensorsFile {
  std::map<std::string, Tensor> floats;         // dtype F32
  std::map<std::string, IntTensor> ints;        // dtype I64
  std::map<std::string, std::string> metadata;  // "__metadata__"; left out of the file when empty
};

// In memory. The bytes are reproducible: header keys in name order ("__metadata__" first),
// compact JSON, and in the data buffer the I64 tensors first, then the F32 ones, each group
// in name order, so every tensor starts at a multiple of its element size.
std::string to_safetensors_bytes(const SafeTensorsFile& file);
// `source` names the bytes in error messages (load_safetensors passes the path).
SafeTensorsFile from_safetensors_bytes(std::string_view bytes, const std::string& source = "<memory>");

// On disk. Saving writes a temporary file next to `path` and renames it over `path` only once
// everything is written, so a failure (full disk, bad directory) never leaves a half-written
// file behind; it throws Error and removes the temporary file.
void save_safetensors(const std::string& path, const SafeTensorsFile& file);
SafeTensorsFile load_safetensors(const std::string& path);

// Convenience for the common case of float tensors only (a model's state dict).
void save_safetensors(const std::string& path, const std::map<std::string, Tensor>& tensors,
                      const std::map<std::string, std::string>& metadata = {});
// Throws if the file also holds I64 tensors rather than silently dropping them.
std::map<std::string, Tensor> load_safetensors_floats(const std::string& path);

}  // namespace atn
