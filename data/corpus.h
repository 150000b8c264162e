// Built-in text, nothing downloaded: the course's nine sentences and a Spanish corpus, plus
// reading any UTF-8 file a student brings.
#pragma once
#include <string>
#include <vector>

namespace atn {

// The course's nine sentences (SYLLABUS, "Shared toy data"): "el perro come un hueso", ...
std::vector<std::string> nine_sentences();

// The course's 15-word vocabulary for them: "[bos]" (id 0), "[eos]" (id 1), then the 13 words
// in the order they first appear. WordTokenizer::from_words(course_vocabulary()) is the
// course's tokenizer; x = [bos] + sentence, y = sentence + [eos].
std::vector<std::string> course_vocabulary();

// About 300 kB of Spanish prose written by data/spanish_text.h with a fixed seed: chapters
// about the people of a small Mexican town, with dialogue, agreement, accents, ñ, ¿? and ¡!.
// Generated on first use (a few milliseconds) and kept; the same text on every machine.
std::string spanish_corpus();

// The whole file. Error naming the path when it cannot be opened or read, and naming the
// byte offset when it is not valid UTF-8. A UTF-8 byte-order mark at the start is dropped.
std::string read_text_file(const std::string& path);

}  // namespace atn
