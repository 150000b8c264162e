// Tokenizers: char (UTF-8 code points), word (specials, fixed vocabulary), the shared
// interface (make_tokenizer, to_json / tokenizer_from_json) and their errors.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "data/char_tokenizer.h"
#include "data/corpus.h"
#include "data/utf8.h"
#include "data/word_tokenizer.h"
#include "tensor/error.h"
#include "tensor/rng.h"

namespace atn {
namespace {

using Ids = std::vector<int64_t>;

// Runs fn and returns the message of the Error it throws ("" when it throws none).
template <class Fn>
std::string error_of(Fn fn) {
  try {
    fn();
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

// A random valid UTF-8 string mixing 1-, 2-, 3- and 4-byte characters.
std::string random_utf8(Rng& rng, int n_chars) {
  static const std::vector<char32_t> pool = {'a', 'z', ' ', '\n', '\0', U'ñ', U'á', U'¿', U'¡', U'€', U'中', U'😀', 0x10FFFF, 0x7F, 0x80, 0x7FF, 0x800, 0xFFFF, 0x10000};
  std::string s;
  for (int i = 0; i < n_chars; ++i) {
    // Half from the pool of edge cases, half any scalar value in a random plane.
    char32_t cp = pool[size_t(rng.below(pool.size()))];
    if (rng.bernoulli(0.5)) {
      do cp = char32_t(rng.below(0x110000)); while (cp >= 0xD800 && cp <= 0xDFFF);
    }
    utf8_append(s, cp);
  }
  return s;
}

TEST(Utf8, DecodeGivesCodePointsAndOffsets) {
  const auto cps = utf8_decode("añ¿€😀", "t");
  ASSERT_EQ(cps.size(), 5u);
  EXPECT_EQ(cps[1].value, U'ñ');
  EXPECT_EQ(cps[2].value, U'¿');
  EXPECT_EQ(cps[3].value, U'€');
  EXPECT_EQ(cps[4].value, U'😀');
  EXPECT_EQ(cps[4].offset, 1u + 2 + 2 + 3);
  EXPECT_EQ(utf8_length("añ¿€😀"), 5);
  EXPECT_EQ(utf8_lower("ÁRBOL Ñandú ÜBER É×"), "árbol ñandú über é×");
}

TEST(Utf8, InvalidBytesAreNamedWithTheirOffset) {
  EXPECT_NE(error_of([] { utf8_decode("ab\xFF", "who"); }).find("who: invalid UTF-8 at byte 2 (0xFF)"), std::string::npos);
  // A truncated sequence, an overlong form and an encoded surrogate.
  EXPECT_NE(error_of([] { check_utf8("hola \xC3", "w"); }).find("at byte 5"), std::string::npos);
  EXPECT_NE(error_of([] { check_utf8("x\xC0\xAF", "w"); }).find("at byte 1"), std::string::npos);
  EXPECT_NE(error_of([] { check_utf8("ñ\xED\xA0\x80", "w"); }).find("at byte 2"), std::string::npos);
  EXPECT_THROW(utf8_encode(0xD800), Error);
  EXPECT_THROW(utf8_encode(0x110000), Error);
}

TEST(CharTokenizer, SpanishCharactersAreOneTokenEach) {
  CharTokenizer tok("¿Qué pasó, señor? ¡Ándale!");
  const Ids ids = tok.encode("ñ");
  ASSERT_EQ(ids.size(), 1u);
  EXPECT_EQ(tok.token(ids[0]), "ñ");
  EXPECT_EQ(tok.encode("¿ñé¡Á").size(), 5u);
  // The vocabulary is sorted by code point: ' ' (0x20) first, then '!' (0x21), ...
  EXPECT_EQ(tok.code_point(0), U' ');
  EXPECT_EQ(tok.code_point(1), U'!');
  for (int64_t i = 1; i < tok.vocab_size(); ++i) EXPECT_LT(tok.code_point(i - 1), tok.code_point(i));
  EXPECT_EQ(tok.kind(), "char");
}

TEST(CharTokenizer, RoundTripsRandomUtf8) {
  Rng rng(3);
  for (int trial = 0; trial < 200; ++trial) {
    const std::string s = random_utf8(rng, 1 + int(rng.below(40)));
    const CharTokenizer tok(s);
    const Ids ids = tok.encode(s);
    EXPECT_EQ(int64_t(ids.size()), utf8_length(s));
    EXPECT_EQ(tok.decode(ids), s);
  }
}

TEST(CharTokenizer, ErrorsNameTheByteAndTheCharacter) {
  CharTokenizer tok("abc ñ");
  EXPECT_NE(error_of([&] { tok.encode("ab\xC3(c"); }).find("CharTokenizer::encode: invalid UTF-8 at byte 2"), std::string::npos);
  const std::string unknown = error_of([&] { tok.encode("añx"); });
  EXPECT_NE(unknown.find("'x' (U+0078) at byte 3 is not in the vocabulary"), std::string::npos) << unknown;
  EXPECT_NE(error_of([&] { tok.decode({0, 5}); }).find("id 5 is out of range [0, 5)"), std::string::npos);
  EXPECT_THROW(tok.decode({-1}), Error);
  EXPECT_THROW(CharTokenizer(""), Error);
  EXPECT_THROW(CharTokenizer::from_alphabet("abca"), Error);
}

TEST(CharTokenizer, FixedAlphabetKeepsItsOrder) {
  const CharTokenizer tok = CharTokenizer::from_alphabet("zyñ");
  EXPECT_EQ(tok.encode("ñzy"), (Ids{2, 0, 1}));
  EXPECT_EQ(tok.id_of(U'ñ'), 2);
  EXPECT_FALSE(tok.contains(U'a'));
}

TEST(WordTokenizer, TrainedVocabularyStartsWithSpecialsThenByFrequency) {
  const WordTokenizer tok("el perro come  el hueso\n\tel perro");
  EXPECT_EQ(tok.pad_id(), 0);
  EXPECT_EQ(tok.bos_id(), 1);
  EXPECT_EQ(tok.eos_id(), 2);
  EXPECT_EQ(tok.unk_id(), 3);
  EXPECT_EQ(tok.mask_id(), 4);
  // el (3 times), perro (2), then come and hueso (1 each, in byte order).
  EXPECT_EQ(tok.words(), (std::vector<std::string>{"[pad]", "[bos]", "[eos]", "[unk]", "[mask]", "el", "perro", "come", "hueso"}));
  EXPECT_EQ(tok.encode("[bos] el gato come [eos]"), (Ids{1, 5, 3, 7, 2}));
  EXPECT_EQ(tok.decode(tok.encode("  el   perro\ncome ")), "el perro come");
  EXPECT_EQ(tok.kind(), "word");
}

TEST(WordTokenizer, CourseVocabularyHasBosZeroEosOneAndNoUnk) {
  const WordTokenizer tok = WordTokenizer::from_words(course_vocabulary());
  EXPECT_EQ(tok.vocab_size(), 15);
  EXPECT_EQ(tok.bos_id(), 0);
  EXPECT_EQ(tok.eos_id(), 1);
  EXPECT_EQ(tok.unk_id(), -1);
  EXPECT_EQ(tok.pad_id(), -1);
  // Every word of the nine sentences is in it, and nothing else is needed.
  for (const std::string& s : nine_sentences()) EXPECT_EQ(tok.decode(tok.encode(s)), s);
  EXPECT_EQ(tok.encode("[bos] un gato come"), (Ids{0, tok.id("un"), tok.id("gato"), tok.id("come")}));
  const std::string err = error_of([&] { tok.encode("el perro ladra"); });
  EXPECT_NE(err.find("\"ladra\" is not in the vocabulary"), std::string::npos) << err;
}

TEST(WordTokenizer, LowercaseAndPunctuationOptions) {
  const WordTokenizer lower("El Niño ÁRBOL el", {.lowercase = true});
  EXPECT_EQ(lower.encode("EL"), lower.encode("el"));
  EXPECT_TRUE(lower.contains("niño"));
  EXPECT_TRUE(lower.contains("árbol"));
  const WordTokenizer punct("¿Qué pasó? ¡Nada, nada!", {.split_punctuation = true});
  EXPECT_EQ(punct.split("¿Qué pasó?"), (std::vector<std::string>{"¿", "Qué", "pasó", "?"}));
  EXPECT_EQ(punct.decode(punct.encode("¿Qué pasó?  ¡Nada, nada!")), "¿Qué pasó? ¡Nada, nada!");
  const WordTokenizer capped("a a a b b c", {.max_words = 2});
  EXPECT_EQ(capped.vocab_size(), 5 + 2);
  EXPECT_EQ(capped.encode("c"), (Ids{capped.unk_id()}));
}

TEST(WordTokenizer, BadInputIsAnError) {
  const WordTokenizer tok("uno dos");
  EXPECT_NE(error_of([&] { tok.encode("uno \xFF"); }).find("invalid UTF-8 at byte 4"), std::string::npos);
  EXPECT_THROW(tok.word(7), Error);
  EXPECT_THROW(tok.id("tres"), Error);
  EXPECT_THROW(WordTokenizer::from_words({}), Error);
  EXPECT_THROW(WordTokenizer::from_words({"a", "b", "a"}), Error);
  EXPECT_THROW(WordTokenizer::from_words({"a b"}), Error);
  EXPECT_THROW(WordTokenizer::from_words({""}), Error);
  EXPECT_THROW(WordTokenizer("x", {.max_words = -1}), Error);
}

TEST(Tokenizer, MakeTokenizerAndJsonRoundTripForEveryKind) {
  // Quotes, backslashes, control characters and NUL must survive the JSON too.
  const std::string text = "¿Dónde está el niño?\n—En la plaza, con su papá.\t\"Sí\" \\ fin" + std::string(1, '\0') + "\x01.";
  for (const std::string kind : {"char", "word", "bpe"}) {
    const auto tok = make_tokenizer(kind, text, 20);
    EXPECT_EQ(tok->kind(), kind);
    const auto back = tokenizer_from_json(tok->to_json());
    EXPECT_EQ(back->kind(), kind);
    EXPECT_EQ(back->vocab_size(), tok->vocab_size());
    EXPECT_EQ(back->to_json(), tok->to_json());
    EXPECT_EQ(back->encode(text), tok->encode(text));
    if (kind != "word") {
      EXPECT_EQ(back->decode(back->encode(text)), text);
    }
  }
  EXPECT_THROW(make_tokenizer("sentencepiece", text), Error);
}

TEST(Tokenizer, MalformedJsonIsAnErrorNamingTheProblem) {
  auto msg = [](const std::string& json) { return error_of([&] { tokenizer_from_json(json); }); };
  EXPECT_NE(msg("{\"kind\":").find("tokenizer_from_json: json:"), std::string::npos);
  EXPECT_NE(msg("[1,2]").find("expected a JSON object"), std::string::npos);
  EXPECT_NE(msg("{}").find("missing field \"kind\""), std::string::npos);
  EXPECT_NE(msg("{\"kind\":\"xyz\"}").find("unknown kind \"xyz\""), std::string::npos);
  EXPECT_NE(msg("{\"kind\":\"char\"}").find("missing field \"chars\""), std::string::npos);
  EXPECT_NE(msg("{\"kind\":\"char\",\"chars\":\"aba\"}").find("appears twice"), std::string::npos);
  EXPECT_NE(msg("{\"kind\":\"word\",\"lowercase\":1,\"split_punctuation\":false,\"words\":[\"a\"]}").find("\"lowercase\" must be a boolean"), std::string::npos);
  EXPECT_NE(msg("{\"kind\":\"word\",\"lowercase\":false,\"split_punctuation\":false,\"words\":[\"a\",2]}").find("must hold strings"), std::string::npos);
  EXPECT_NE(msg("{\"kind\":\"bpe\",\"merges\":[[97,98],[256]]}").find("merge 1 must be an array of two ids"), std::string::npos);
  EXPECT_NE(msg("{\"kind\":\"bpe\",\"merges\":[[97,1.5]]}").find("expected an integer, got 1.5"), std::string::npos);
  EXPECT_NE(msg("{\"kind\":\"bpe\",\"merges\":[[97,256]]}").find("merge 0 joins [97, 256]"), std::string::npos);
  EXPECT_NE(msg("{\"kind\":\"bpe\",\"merges\":[[97,98],[97,98]]}").find("merge 1 repeats merge 0"), std::string::npos);
}

}  // namespace
}  // namespace atn
