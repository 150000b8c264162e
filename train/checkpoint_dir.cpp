#include "train/checkpoint_dir.h"

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "tensor/error.h"
#include "viz/svg.h"

namespace atn {

namespace {
const char* kFormat = "atencion-checkpoint-1";

std::string read_whole_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) fail("cannot open '", path, "'");
  std::ostringstream os;
  os << in.rdbuf();
  return os.str();
}
}  // namespace

std::string checkpoint_weights_path(const std::string& dir) { return (std::filesystem::path(dir) / "ckpt.safetensors").string(); }
std::string checkpoint_json_path(const std::string& dir) { return (std::filesystem::path(dir) / "ckpt.json").string(); }

void write_checkpoint_json(const std::string& dir, int64_t step, const std::map<std::string, std::string>& members) {
  std::string text = "{\n  \"format\": " + json_quote(kFormat) + ",\n  \"step\": " + std::to_string(step);
  for (const auto& [key, value] : members) {
    if (key == "format" || key == "step") fail("write_checkpoint_json: '", key, "' is written by the checkpoint itself");
    try {
      parse_json(value);
    } catch (const Error& e) {
      fail("write_checkpoint_json: the value of '", key, "' is not JSON: ", e.what());
    }
    text += ",\n  " + json_quote(key) + ": " + value;
  }
  text += "\n}\n";
  std::filesystem::create_directories(dir);
  svg::write_file_atomically(checkpoint_json_path(dir), text);
}

CheckpointJson read_checkpoint_json(const std::string& dir) {
  const std::string path = checkpoint_json_path(dir);
  if (!std::filesystem::exists(path)) fail("'", path, "' does not exist (not a checkpoint folder?)");
  CheckpointJson out;
  try {
    out.root = parse_json(read_whole_file(path));
  } catch (const Error& e) {
    fail("'", path, "': ", e.what());
  }
  if (out.root.kind != Json::Kind::Object) fail("'", path, "': expected a JSON object");
  if (string_member(out.root, "format", path) != kFormat)
    fail("'", path, "': format is not ", kFormat);
  out.step = int_member(out.root, "step", path);
  if (out.step < 0) fail("'", path, "': step must be >= 0");
  return out;
}

const Json& member_of(const Json& object, const std::string& key, const std::string& where) {
  const Json* v = object.kind == Json::Kind::Object ? object.find(key) : nullptr;
  if (!v) fail("'", where, "': missing \"", key, "\"");
  return *v;
}

double number_member(const Json& object, const std::string& key, const std::string& where) {
  const Json& v = member_of(object, key, where);
  if (v.kind != Json::Kind::Number) fail("'", where, "': \"", key, "\" must be a number, got ", kind_name(v.kind));
  return std::stod(v.text);
}

int64_t int_member(const Json& object, const std::string& key, const std::string& where) {
  const Json& v = member_of(object, key, where);
  if (v.kind != Json::Kind::Number || v.text.find_first_of(".eE") != std::string::npos)
    fail("'", where, "': \"", key, "\" must be a whole number");
  try {
    return std::stoll(v.text);
  } catch (const std::exception&) {
    fail("'", where, "': \"", key, "\" is out of range: ", v.text);
  }
}

bool bool_member(const Json& object, const std::string& key, const std::string& where) {
  const Json& v = member_of(object, key, where);
  if (v.kind != Json::Kind::Bool) fail("'", where, "': \"", key, "\" must be true or false");
  return v.boolean;
}

std::string string_member(const Json& object, const std::string& key, const std::string& where) {
  const Json& v = member_of(object, key, where);
  if (v.kind != Json::Kind::String) fail("'", where, "': \"", key, "\" must be a string");
  return v.text;
}

std::string float_text(real v) {
  char buf[32];
  for (int digits = 6; digits <= 9; ++digits) {
    std::snprintf(buf, sizeof buf, "%.*g", digits, double(v));
    if (std::strtof(buf, nullptr) == v) break;
  }
  return buf;
}

std::string to_json_text(const Json& value) {
  switch (value.kind) {
    case Json::Kind::Null: return "null";
    case Json::Kind::Bool: return value.boolean ? "true" : "false";
    case Json::Kind::Number: return value.text;
    case Json::Kind::String: return json_quote(value.text);
    case Json::Kind::Array: {
      std::string s = "[";
      for (size_t i = 0; i < value.items.size(); ++i) s += (i ? "," : "") + to_json_text(value.items[i]);
      return s + "]";
    }
    case Json::Kind::Object: {
      std::string s = "{";
      for (size_t i = 0; i < value.members.size(); ++i)
        s += (i ? "," : "") + json_quote(value.members[i].key) + ":" + to_json_text(value.members[i].value);
      return s + "}";
    }
  }
  return "null";
}

}  // namespace atn
