// safetensors I/O: exact bytes, round trips bit for bit, files written the way other tools
// write them, every kind of damaged file, safe saving; and the small JSON reader beneath it.
#include <gtest/gtest.h>

#include <bit>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>

#include "tensor/json.h"
#include "tensor/safetensors.h"

namespace atn {
namespace {

namespace fs = std::filesystem;

std::string le64(uint64_t v) {
  std::string out;
  for (int i = 0; i < 8; ++i) out += char((v >> (8 * i)) & 0xFF);
  return out;
}
std::string le32(uint32_t v) { return le64(v).substr(0, 4); }

// A file from its parts: 8-byte little-endian header length, header text, data buffer.
std::string crafted(std::string_view header, std::string_view data = "") {
  return le64(header.size()) + std::string(header) + std::string(data);
}

// The message of the Error that reading these bytes throws ("" if it does not throw).
std::string load_error(const std::string& bytes) {
  try {
    from_safetensors_bytes(bytes, "crafted.safetensors");
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

std::string save_error(const SafeTensorsFile& file) {
  try {
    to_safetensors_bytes(file);
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

std::vector<uint32_t> bits(const Tensor& t) {
  std::vector<uint32_t> out;
  for (real v : t) out.push_back(std::bit_cast<uint32_t>(float(v)));
  return out;
}

// A fresh folder under the system temp folder, removed with everything in it at the end.
struct TempFolder {
  fs::path path;
  TempFolder() {
    path = fs::temp_directory_path() /
           ("atn_safetensors_" + std::to_string(std::chrono::steady_clock::now().time_since_epoch().count()));
    fs::create_directories(path);
  }
  ~TempFolder() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
  std::string file(const std::string& name) const { return (path / name).string(); }
  size_t count() const { return size_t(std::distance(fs::directory_iterator(path), fs::directory_iterator())); }
};

TEST(Safetensors, ExactBytesOfASmallFile) {
  SafeTensorsFile file;
  file.floats["a"] = Tensor::from({1.0f, -2.0f});
  file.ints["z"] = IntTensor{.shape = {}, .values = {5}};
  file.metadata["k"] = "v";
  // Header keys in name order after "__metadata__"; in the data the I64 tensor comes first
  // (8-byte elements before 4-byte ones) although its name sorts last.
  // Length: 26 ({"__metadata__":{"k":"v"},) + 54 ("a" entry and comma) + 52 ("z" entry and "}")
  // = 132, padded with 4 spaces to 136, a multiple of 8.
  const std::string header =
      R"({"__metadata__":{"k":"v"},"a":{"dtype":"F32","shape":[2],"data_offsets":[8,16]},)"
      R"("z":{"dtype":"I64","shape":[],"data_offsets":[0,8]}}    )";
  ASSERT_EQ(header.size(), 136u);
  // 136 = 0x88; 5 as int64 LE; 1.0f = 0x3F800000 and -2.0f = 0xC0000000, each little-endian.
  std::string expected = std::string("\x88\0\0\0\0\0\0\0", 8) + header;
  expected += std::string("\x05\0\0\0\0\0\0\0", 8) + std::string("\0\0\x80\x3F", 4) + std::string("\0\0\0\xC0", 4);
  EXPECT_EQ(to_safetensors_bytes(file), expected);
}

TEST(Safetensors, EmptyFileIsAnEmptyObject) {
  // "{}" padded to 8 bytes, no data.
  EXPECT_EQ(to_safetensors_bytes({}), crafted("{}      "));
  const SafeTensorsFile back = from_safetensors_bytes(crafted("{}"));
  EXPECT_TRUE(back.floats.empty() && back.ints.empty() && back.metadata.empty());
}

TEST(Safetensors, RoundTripBitForBit) {
  const float inf = std::numeric_limits<float>::infinity();
  SafeTensorsFile file;
  file.floats["w"] = Tensor::from({-0.0f, std::bit_cast<float>(0x7FC12345u), std::bit_cast<float>(0x7F800001u), inf,
                                   -inf, std::numeric_limits<float>::denorm_min(), std::numeric_limits<float>::max(),
                                   0.1f},
                                  {2, 4});
  file.floats["scalar"] = Tensor::scalar(-3.5f);
  file.floats["empty"] = Tensor(Shape{3, 0, 2});
  file.floats["peso_ñ_注意"] = Tensor::from({1, 2, 3});
  file.floats["we\"ird\\name\n\x01"] = Tensor::from({4});
  file.ints["ids"] = IntTensor{{3}, {std::numeric_limits<int64_t>::min(), std::numeric_limits<int64_t>::max(), -1}};
  file.ints["step"] = IntTensor{{}, {1234567890123}};
  file.ints["none"] = IntTensor{{0}, {}};
  file.metadata["format"] = "pt";
  file.metadata["nota"] = "comillas \" barra \\ salto \n tab \t control \x1f año";

  TempFolder folder;
  const std::string path = folder.file("model.safetensors");
  save_safetensors(path, file);
  EXPECT_EQ(folder.count(), 1u);  // the temporary file is gone
  const SafeTensorsFile back = load_safetensors(path);

  ASSERT_EQ(back.floats.size(), file.floats.size());
  for (const auto& [name, t] : file.floats) {
    ASSERT_TRUE(back.floats.count(name)) << name;
    EXPECT_EQ(back.floats.at(name).shape(), t.shape()) << name;
    EXPECT_EQ(bits(back.floats.at(name)), bits(t)) << name;  // -0, NaN payloads, denormals kept
  }
  EXPECT_EQ(back.ints, file.ints);
  EXPECT_EQ(back.metadata, file.metadata);
  // Writing what was read gives the same bytes again.
  EXPECT_EQ(to_safetensors_bytes(back), to_safetensors_bytes(file));
}

TEST(Safetensors, LoadsAFileWrittenByAnotherTool) {
  // Like a writer that keeps insertion order and pretty-prints: no padding, spaces and newlines,
  // "__metadata__" in the middle, keys of an entry in another order, a \u escape in a name, and
  // data in an order unrelated to the key order.
  const std::string header =
      "{\"b\": {\"dtype\": \"F32\", \"shape\": [2, 1], \"data_offsets\": [16, 24]},\n"
      " \"__metadata__\": {\"format\": \"pt\"},\n"
      " \"a\": {\"data_offsets\": [0, 16], \"shape\": [2], \"dtype\": \"I64\"},\n"
      " \"\\u00f1\": {\"dtype\": \"F32\", \"shape\": [0], \"data_offsets\": [24, 24]}\n}";
  // a = [7, -1] as int64; b = [0.5, -3.25]: 0.5f = 0x3F000000, -3.25f = -(1.625·2^1) = 0xC0500000.
  const std::string data =
      le64(7) + le64(uint64_t(-1)) + le32(0x3F000000u) + le32(0xC0500000u);
  const SafeTensorsFile file = from_safetensors_bytes(crafted(header, data));
  EXPECT_EQ(file.ints.at("a"), (IntTensor{{2}, {7, -1}}));
  EXPECT_EQ(file.floats.at("b").shape(), (Shape{2, 1}));
  EXPECT_EQ(file.floats.at("b").to_vector(), (std::vector<real>{0.5f, -3.25f}));
  EXPECT_EQ(file.floats.at("ñ").shape(), (Shape{0}));
  EXPECT_EQ(file.metadata, (std::map<std::string, std::string>{{"format", "pt"}}));
}

TEST(Safetensors, TooShortOrBadHeaderLength) {
  EXPECT_NE(load_error("abc").find("shorter than the 8-byte header length"), std::string::npos);
  EXPECT_NE(load_error("").find("crafted.safetensors"), std::string::npos);
  // Says 100 header bytes follow, but only 2 do.
  EXPECT_NE(load_error(le64(100) + "{}").find("larger than the 2 bytes"), std::string::npos);
  // 2^63: refused before any allocation is attempted.
  EXPECT_NE(load_error(le64(uint64_t(1) << 63) + "{}").find("absurd"), std::string::npos);
}

// Each damaged header below differs from a good one in one way; the message must say which.
TEST(Safetensors, DamagedHeadersAreReportedPrecisely) {
  const std::string w = R"("w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]})";
  const std::string eight(8, '\0');
  ASSERT_EQ(load_error(crafted("{" + w + "}", eight)), "");  // the good one

  struct Case {
    std::string header, data, needle;
  };
  const std::vector<Case> cases = {
      // Not JSON.
      {R"({"w":{"dtype":"F32")", eight, "unexpected end of text"},
      {R"({"w":tru})", eight, "not valid JSON"},
      {"{'w':1}", eight, "expected a string key"},
      {"{} x", "", "after the value"},
      {"{\"\xFF\":1}", "", "invalid UTF-8"},
      {R"({"\ud800":1})", "", "surrogate"},
      {"{\"a\nb\":1}", "", "control"},
      {R"({"w":[1,]})", "", "unexpected character ']'"},
      {"{\"w\":" + std::string(1000, '['), "", "nesting deeper"},
      // Not the right structure.
      {"[1,2]", "", "header is an array, not a JSON object"},
      {R"({"w":3})", eight, R"(tensor "w" is a number, not an object)"},
      {R"({"w":{"shape":[2],"data_offsets":[0,8]}})", eight, R"(missing "dtype")"},
      {R"({"w":{"dtype":"F32","data_offsets":[0,8]}})", eight, R"(missing "shape")"},
      {R"({"w":{"dtype":"F32","shape":[2]}})", eight, R"(missing "data_offsets")"},
      {R"({"w":{"dtype":32,"shape":[2],"data_offsets":[0,8]}})", eight, R"("dtype" is a number, not a string)"},
      {R"({"w":{"dtype":"F32","shape":"2","data_offsets":[0,8]}})", eight, R"("shape" is a string, not an array)"},
      {R"({"w":{"dtype":"F32","shape":[2],"data_offsets":[8]}})", eight, "must hold 2 numbers"},
      {R"({"w":{"dtype":"F32","shape":[2],"data_offsets":["0","8"]}})", eight, "is a string, not a number"},
      {R"({"__metadata__":"pt",)" + w + "}", eight, R"("__metadata__" is a string)"},
      {R"({"__metadata__":{"n":1},)" + w + "}", eight, "not a string"},
      // Dtypes and shapes.
      {R"({"w":{"dtype":"F16","shape":[4],"data_offsets":[0,8]}})", eight, R"(unsupported dtype "F16")"},
      {R"({"w":{"dtype":"f32","shape":[2],"data_offsets":[0,8]}})", eight, R"(unsupported dtype "f32")"},
      {R"({"w":{"dtype":"F32","shape":[-2],"data_offsets":[0,8]}})", eight, "is negative (-2)"},
      {R"({"w":{"dtype":"F32","shape":[2.0],"data_offsets":[0,8]}})", eight, "is not an integer (2.0)"},
      {R"({"w":{"dtype":"F32","shape":[2e0],"data_offsets":[0,8]}})", eight, "is not an integer (2e0)"},
      {R"({"w":{"dtype":"F32","shape":[99999999999999999999],"data_offsets":[0,8]}})", eight, "too large"},
      {R"({"w":{"dtype":"F32","shape":[4294967296,4294967296],"data_offsets":[0,8]}})", eight, "too many elements"},
      // A zero size makes the tensor empty but its other sizes must still be representable.
      {R"({"w":{"dtype":"F32","shape":[0,4294967296,4294967296],"data_offsets":[0,0]}})", "", "too many elements"},
      // Offsets.
      {R"({"w":{"dtype":"F32","shape":[2],"data_offsets":[-1,8]}})", eight, "data_offsets begin is negative"},
      {R"({"w":{"dtype":"F32","shape":[0],"data_offsets":[8,0]}})", eight, "end before they begin"},
      {R"({"w":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}})", eight,
       "hold 8 bytes but shape [3] of F32 needs 12"},
      {R"({"w":{"dtype":"I64","shape":[2],"data_offsets":[0,16]}})", eight, "out of range"},
      {R"({"w":{"dtype":"F32","shape":[2],"data_offsets":[8,16]}})", std::string(16, '\0'), "hole before tensor \"w\""},
      {"{" + w + R"(,"v":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}})", std::string(12, '\0'),
       R"(tensor "v" (data_offsets [4, 12]) overlaps tensor "w")"},
      {"{" + w + "}", std::string(12, '\0'), "bytes [8, 12) at the end of the data buffer belong to no tensor"},
      // The same name twice, also when spelled differently: \u0077 is "w".
      {"{" + w + "," + w + "}", eight, R"(duplicate key "w")"},
      {"{" + w + R"(,"\u0077":{"dtype":"F32","shape":[0],"data_offsets":[8,8]}})", eight, R"(duplicate key "w")"},
  };
  for (const Case& c : cases) {
    const std::string message = load_error(crafted(c.header, c.data));
    EXPECT_NE(message.find(c.needle), std::string::npos) << "header: " << c.header << "\nmessage: " << message;
    EXPECT_NE(message.find("crafted.safetensors"), std::string::npos) << message;
  }
}

TEST(Safetensors, TruncatedDataIsReported) {
  SafeTensorsFile file;
  file.floats["w"] = Tensor::from({1, 2, 3});
  const std::string bytes = to_safetensors_bytes(file);
  const std::string message = load_error(bytes.substr(0, bytes.size() - 1));
  EXPECT_NE(message.find("truncated"), std::string::npos) << message;
  EXPECT_NE(message.find("tensor \"w\""), std::string::npos) << message;
}

TEST(Safetensors, BadInputToSaveIsRefused) {
  SafeTensorsFile both;
  both.floats["x"] = Tensor::from({1});
  both.ints["x"] = IntTensor{{1}, {1}};
  EXPECT_NE(save_error(both).find("used by an F32 and an I64 tensor"), std::string::npos);

  SafeTensorsFile reserved;
  reserved.floats["__metadata__"] = Tensor::from({1});
  EXPECT_NE(save_error(reserved).find("reserved"), std::string::npos);

  SafeTensorsFile count;
  count.ints["ids"] = IntTensor{{2, 2}, {1, 2, 3}};
  EXPECT_NE(save_error(count).find("3 values for shape [2, 2]"), std::string::npos);

  SafeTensorsFile negative;
  negative.ints["ids"] = IntTensor{{-1}, {}};
  EXPECT_NE(save_error(negative).find("negative size"), std::string::npos);

  SafeTensorsFile huge;  // empty, yet its strides would overflow: the reader would refuse it
  huge.ints["ids"] = IntTensor{{int64_t(1) << 40, int64_t(1) << 40, 0}, {}};
  EXPECT_NE(save_error(huge).find("too many elements"), std::string::npos);

  SafeTensorsFile undefined;
  undefined.floats["w"] = Tensor();
  EXPECT_NE(save_error(undefined).find("undefined"), std::string::npos);

  SafeTensorsFile not_utf8;
  not_utf8.floats["\xC3("] = Tensor::from({1});
  EXPECT_NE(save_error(not_utf8).find("not valid UTF-8"), std::string::npos);
  SafeTensorsFile bad_metadata;
  bad_metadata.metadata["k"] = "\xED\xA0\x80";  // a UTF-16 surrogate encoded as UTF-8: not allowed
  EXPECT_NE(save_error(bad_metadata).find("metadata value"), std::string::npos);
}

TEST(Safetensors, SavingReplacesWholeFilesOrNothing) {
  TempFolder folder;
  const std::string path = folder.file("m.safetensors");
  save_safetensors(path, {{"a", Tensor::from({1, 2})}});
  save_safetensors(path, {{"b", Tensor::from({3})}}, {{"epoch", "2"}});  // replaces the first
  const SafeTensorsFile loaded = load_safetensors(path);
  EXPECT_EQ(loaded.floats.size(), 1u);
  EXPECT_EQ(loaded.floats.at("b").to_vector(), std::vector<real>{3});
  EXPECT_EQ(loaded.metadata.at("epoch"), "2");

  // Refused input leaves the old file as it was.
  SafeTensorsFile refused;
  refused.floats["__metadata__"] = Tensor::from({9});
  EXPECT_THROW(save_safetensors(path, refused), Error);
  EXPECT_EQ(load_safetensors_floats(path).at("b").to_vector(), std::vector<real>{3});

  // A folder in the way of the rename: an Error, and no temporary file left behind.
  const std::string blocked = folder.file("blocked.safetensors");
  fs::create_directory(blocked);
  fs::create_directory(fs::path(blocked) / "inside");  // a non-empty folder cannot be replaced
  try {
    save_safetensors(blocked, {{"a", Tensor::from({1})}});
    ADD_FAILURE() << "saving over a folder did not throw";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("cannot replace"), std::string::npos) << e.what();
  }
  EXPECT_EQ(folder.count(), 2u);  // m.safetensors and the folder
  EXPECT_TRUE(fs::is_directory(blocked));

  // A missing folder: nothing can be created.
  try {
    save_safetensors(folder.file("no/such/folder/m.safetensors"), {{"a", Tensor::from({1})}});
    ADD_FAILURE() << "saving into a missing folder did not throw";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("cannot create"), std::string::npos) << e.what();
  }
  EXPECT_EQ(folder.count(), 2u);
}

TEST(Safetensors, LoadingMissingFilesAndFolders) {
  TempFolder folder;
  const std::string missing = folder.file("missing.safetensors");
  try {
    load_safetensors(missing);
    ADD_FAILURE() << "no error for a missing file";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("cannot open"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find(missing), std::string::npos) << e.what();
  }
  EXPECT_THROW(load_safetensors(folder.path.string()), Error);

  // A file with an I64 tensor is not silently truncated to its floats.
  SafeTensorsFile file;
  file.ints["ids"] = IntTensor{{1}, {3}};
  save_safetensors(folder.file("ids.safetensors"), file);
  EXPECT_THROW(load_safetensors_floats(folder.file("ids.safetensors")), Error);
}

TEST(SafetensorsJson, ParsesEveryKindOfValue) {
  const Json v = parse_json(R"( {"n": null, "t": true, "f": false, "x": -1.5e3,
                                  "s": "a\"\\\/\b\f\n\r\t\u00e9\ud83d\ude00",
                                  "a": [1, [2], {}], "o": {"k": "v"}} )");
  ASSERT_EQ(v.kind, Json::Kind::Object);
  ASSERT_EQ(v.members.size(), 7u);
  EXPECT_EQ(v.members[0].key, "n");  // file order is kept
  EXPECT_EQ(v.find("n")->kind, Json::Kind::Null);
  EXPECT_TRUE(v.find("t")->boolean);
  EXPECT_FALSE(v.find("f")->boolean);
  EXPECT_EQ(v.find("x")->text, "-1.5e3");
  // é is U+00E9 = C3 A9 in UTF-8; U+1F600 (the pair D83D DE00) is F0 9F 98 80.
  EXPECT_EQ(v.find("s")->text, "a\"\\/\b\f\n\r\t\xC3\xA9\xF0\x9F\x98\x80");
  EXPECT_EQ(v.find("a")->items.size(), 3u);
  EXPECT_EQ(v.find("a")->items[1].items[0].text, "2");
  EXPECT_EQ(v.find("o")->find("k")->text, "v");
  EXPECT_EQ(v.find("missing"), nullptr);
}

TEST(SafetensorsJson, RejectsWhatIsNotJson) {
  for (const char* bad : {"", "01", "1.", ".5", "-", "+1", "1e", "[1 2]", "{\"a\" 1}", "nul", "\"abc", "\"\\x\"",
                          "\"\\u12\"", "\"\\udc00\"", "\"\\ud800x\"", "{\"a\":1,}", "[1]]", "\"\t\""})
    EXPECT_THROW(parse_json(bad), Error) << bad;
  EXPECT_NO_THROW(parse_json("[[1]]", 2));
  EXPECT_THROW(parse_json("[[[1]]]", 2), Error);
  try {
    parse_json("[1, x]");
    ADD_FAILURE();
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()), "json: unexpected character 'x' at byte 4");
  }
}

TEST(SafetensorsJson, QuoteAndParseAreInverse) {
  EXPECT_EQ(json_quote("a\"b\\c\n\x01"), R"("a\"b\\c\n\u0001")");
  std::string every;  // every byte 1..127, then multi-byte UTF-8
  for (int c = 1; c < 128; ++c) every += char(c);
  every += "ñ注意😀";
  EXPECT_EQ(parse_json(json_quote(every)).text, every);
  EXPECT_EQ(parse_json(json_quote(std::string("a\0b", 3))).text, std::string("a\0b", 3));
}

TEST(SafetensorsJson, Utf8Validation) {
  const auto npos = std::string_view::npos;
  EXPECT_EQ(first_invalid_utf8("plain ñ € 😀"), npos);
  EXPECT_EQ(first_invalid_utf8("ab\xC0\x80"), 2u);         // overlong encoding of NUL
  EXPECT_EQ(first_invalid_utf8("\xE0\x80\x80"), 0u);       // overlong 3-byte form
  EXPECT_EQ(first_invalid_utf8("\xED\xA0\x80"), 0u);       // UTF-16 surrogate D800
  EXPECT_EQ(first_invalid_utf8("\xF4\x90\x80\x80"), 0u);   // past U+10FFFF
  EXPECT_EQ(first_invalid_utf8("x\xE2\x82"), 1u);          // "€" cut short
  EXPECT_EQ(first_invalid_utf8("\x80"), 0u);               // a lone continuation byte
}

}  // namespace
}  // namespace atn
