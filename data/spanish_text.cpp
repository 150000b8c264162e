#include "data/spanish_text.h"

#include <algorithm>
#include <string_view>
#include <vector>

#include "data/spanish_lexicon.h"
#include "tensor/error.h"
#include "tensor/rng.h"

namespace atn {

using namespace lexicon;

std::string spanish_number_word(int n) {
  static const char* const small[30] = {
      "cero", "uno", "dos", "tres", "cuatro", "cinco", "seis", "siete", "ocho", "nueve",
      "diez", "once", "doce", "trece", "catorce", "quince", "dieciséis", "diecisiete", "dieciocho",
      "diecinueve", "veinte", "veintiuno", "veintidós", "veintitrés", "veinticuatro", "veinticinco",
      "veintiséis", "veintisiete", "veintiocho", "veintinueve"};
  static const char* const tens[10] = {"", "", "", "treinta", "cuarenta", "cincuenta",
                                       "sesenta", "setenta", "ochenta", "noventa"};
  if (n < 0 || n > 99) fail("spanish_number_word: ", n, " is not in [0, 99]");
  if (n < 30) return small[n];
  return n % 10 == 0 ? tens[n / 10] : std::string(tens[n / 10]) + " y " + small[n % 10];
}

namespace {

// The four forms of an adjective from its masculine singular (see Adjective in the lexicon).
std::string agree(const Adjective& adj, Gender g, bool plural) {
  std::string s = adj.lemma;
  const bool fem = g == Gender::Fem;
  const auto ends = [&s](std::string_view e) { return s.size() >= e.size() && s.compare(s.size() - e.size(), e.size(), e) == 0; };
  if (ends("o")) {
    if (fem) s.back() = 'a';
    if (plural) s += 's';
  } else if (ends("or")) {  // trabajador, trabajadora, trabajadores, trabajadoras
    s += fem ? (plural ? "as" : "a") : (plural ? "es" : "");
  } else if (ends("z")) {  // feliz, felices
    if (plural) s.replace(s.size() - 1, 1, "ces");
  } else if (plural) {     // grande -> grandes, azul -> azules
    s += ends("e") ? "s" : "es";
  }
  return s + adj.tail;
}

const char* definite(Gender g, bool plural) {
  return g == Gender::Fem ? (plural ? "las" : "la") : (plural ? "los" : "el");
}
const char* indefinite(Gender g, bool plural) {
  return g == Gender::Fem ? (plural ? "unas" : "una") : (plural ? "unos" : "un");
}
const char* clitic(Gender g, bool plural) {
  return g == Gender::Fem ? (plural ? "las" : "la") : (plural ? "los" : "lo");
}

// "a" + "el mercado" = "al mercado"; "de" + "el río" = "del río".
std::string with_preposition(const char* prep, const std::string& phrase) {
  const std::string p = prep;
  if ((p == "a" || p == "de") && phrase.rfind("el ", 0) == 0) return p + "l " + phrase.substr(3);
  return p + " " + phrase;
}

// Uppercase the first letter (after any dash, ¿, ¡ or space): ASCII and Latin-1 letters.
std::string capitalize(std::string s) {
  for (size_t i = 0; i < s.size(); ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c >= 'a' && c <= 'z') {
      s[i] = static_cast<char>(c - 32);
      return s;
    }
    if (c >= 'A' && c <= 'Z') return s;
    if (c == 0xC3 && i + 1 < s.size()) {  // Latin-1 letters are C3 80..C3 BF
      const auto d = static_cast<unsigned char>(s[i + 1]);
      if (d >= 0xA0 && d <= 0xBE && d != 0xB7) s[i + 1] = static_cast<char>(d - 0x20);
      if (d >= 0x80 && d <= 0xBE) return s;
    }
  }
  return s;
}

// Calling someone drops the article: "la abuela Toña" -> "abuela Toña".
std::string vocative(const std::string& name) {
  if (name.rfind("el ", 0) == 0 || name.rfind("la ", 0) == 0) return name.substr(3);
  return name;
}

std::string lowercase_first(std::string s) {
  if (!s.empty() && s[0] >= 'A' && s[0] <= 'Z') s[0] = static_cast<char>(s[0] + 32);
  return s;
}

struct NounPhrase {
  std::string text;
  Gender gender = Gender::Masc;
  bool plural = false;
};

// Everything a chapter keeps fixed, and the random source for what it does not.
class ChapterWriter {
 public:
  ChapterWriter(Rng& rng, const NounPhrase& object, const Person& a, const Person& b, const Place& p)
      : rng_(rng), obj_(object), a_(a), b_(b), p_(p) {}

  std::string fill(std::string_view tmpl);
  void new_paragraph() { named_ = false; }

 private:
  template <class T>
  const T& pick(const std::vector<T>& v) { return v[size_t(rng_.below(v.size()))]; }
  int number(int lo, int hi);  // in [lo, hi], never ending in 1 (no "veintiún" agreement)
  NounPhrase noun_phrase(unsigned categories);
  std::string verb_phrase(int form);  // 0 past 3s, 1 past 3p, 2 past 1s, 3 imperfect 3s, 4 infinitive
  std::string slot(std::string_view key);
  std::string food_plural();   // "tamales muy ricos"
  std::string did_and_gave();  // "arregló unas sillas y se las regaló a Itzel"
  std::string other_person() {  // someone who is neither A nor B
    for (;;) {
      const Person& x = pick(people());
      if (&x != &a_ && &x != &b_) return x.name;
    }
  }

  Rng& rng_;
  NounPhrase obj_;
  const Person& a_;
  const Person& b_;
  const Place& p_;
  bool named_ = false;  // whether this paragraph has named the protagonist yet
};

int ChapterWriter::number(int lo, int hi) {
  for (;;) {
    const int n = lo + int(rng_.below(uint64_t(hi - lo + 1)));
    if (n % 10 != 1 || n == 11) return n;
  }
}

NounPhrase ChapterWriter::noun_phrase(unsigned categories) {
  const Noun* noun = nullptr;
  while (noun == nullptr || (noun->category & categories) == 0) noun = &pick(nouns());
  const Adjective* adj = nullptr;
  if (rng_.bernoulli(0.5))
    while (adj == nullptr || (adj->category & noun->category) == 0) adj = &pick(object_adjectives());
  NounPhrase np;
  np.gender = noun->gender;
  const int shape = int(rng_.below(4));  // un libro / tres libros / unos libros / el libro
  np.plural = shape == 1 || shape == 2;
  if (shape == 0) np.text = std::string(indefinite(np.gender, false)) + " " + noun->singular;
  if (shape == 1) np.text = spanish_number_word(number(2, 12)) + " " + noun->plural;
  if (shape == 2) np.text = std::string(indefinite(np.gender, true)) + " " + noun->plural;
  if (shape == 3) np.text = std::string(definite(np.gender, false)) + " " + noun->singular;
  if (adj != nullptr) np.text += " " + agree(*adj, np.gender, np.plural);
  return np;
}

std::string ChapterWriter::verb_phrase(int form) {
  const Verb& v = pick(verbs());
  const char* word = form == 0 ? v.past_3s : form == 1 ? v.past_3p : form == 2 ? v.past_1s
                   : form == 3 ? v.imperf_3s : v.infinitive;
  return std::string(word) + " " + noun_phrase(v.objects).text;
}

std::string ChapterWriter::food_plural() {
  const Noun* noun = nullptr;
  while (noun == nullptr || (noun->category & Food) == 0) noun = &pick(nouns());
  const Adjective* adj = nullptr;
  while (adj == nullptr || (adj->category & Food) == 0) adj = &pick(object_adjectives());
  return std::string(noun->plural) + " muy " + agree(*adj, noun->gender, true);
}

std::string ChapterWriter::did_and_gave() {
  static const std::vector<std::string_view> giving = {"comprar", "preparar", "arreglar", "encontrar",
                                                       "pintar", "escribir", "limpiar"};
  const Verb* v = nullptr;
  while (v == nullptr || std::find(giving.begin(), giving.end(), v->infinitive) == giving.end()) v = &pick(verbs());
  const NounPhrase np = noun_phrase(v->objects);
  // The object comes back as a clitic that agrees with it: "se la regaló", "se los regaló".
  return std::string(v->past_3s) + " " + np.text + " y se " + clitic(np.gender, np.plural) + " regaló " +
         with_preposition("a", other_person());
}

std::string ChapterWriter::slot(std::string_view key) {
  const bool a_fem = a_.gender == Gender::Fem;
  const Gender both = a_fem && b_.gender == Gender::Fem ? Gender::Fem : Gender::Masc;
  const auto random_place = [this] { return std::string(pick(places()).phrase); };
  if (key == "A") return a_.name;
  if (key == "B") return b_.name;
  if (key == "B_role") return std::string(b_.name) + ", " + b_.role + ",";
  if (key == "lo_A") return a_fem ? "la" : "lo";
  if (key == "mood_A") return agree(pick(mood_adjectives()), a_.gender, false);
  if (key == "mood_B") return agree(pick(mood_adjectives()), b_.gender, false);
  if (key == "mood_AB") return agree(pick(mood_adjectives()), both, true);
  if (key == "person") return other_person();
  if (key == "a_person") return with_preposition("a", other_person());
  if (key == "a_A") return with_preposition("a", a_.name);
  if (key == "de_A") return with_preposition("de", a_.name);
  if (key == "a_B") return with_preposition("a", b_.name);
  if (key == "B_voc") return vocative(b_.name);
  if (key == "lo_B") return b_.gender == Gender::Fem ? "la" : "lo";
  if (key == "P") return p_.phrase;
  if (key == "a_P") return with_preposition("a", p_.phrase);
  if (key == "en_P") return with_preposition("en", p_.phrase);
  if (key == "de_P") return with_preposition("de", p_.phrase);
  if (key == "place_adj") return agree(pick(place_adjectives()), p_.gender, false);
  if (key == "bonito_P") return p_.gender == Gender::Fem ? "bonita" : "bonito";
  if (key == "place") return random_place();
  if (key == "a_place") return with_preposition("a", random_place());
  if (key == "en_place") return with_preposition("en", random_place());
  if (key == "de_place") return with_preposition("de", random_place());
  if (key == "the_obj") return obj_.text;
  if (key == "lo_obj") return clitic(obj_.gender, obj_.plural);
  if (key == "caro_obj") return obj_.gender == Gender::Fem ? "carísima" : "carísimo";
  if (key == "obj") return noun_phrase(Food | Thing | Text).text;
  if (key == "food_pl") return food_plural();
  if (key == "did_gift") return did_and_gave();
  if (key == "did") return verb_phrase(0);
  if (key == "did_AB") return verb_phrase(1);
  if (key == "did_1s") return verb_phrase(2);
  if (key == "was_doing") return verb_phrase(3);
  if (key == "task") return verb_phrase(4);
  if (key == "num") return spanish_number_word(number(2, 12));
  if (key == "age") return spanish_number_word(number(7, 89));
  if (key == "price") return spanish_number_word(number(15, 99));
  if (key == "hour") return spanish_number_word(number(2, 11));
  if (key == "hour_pm") return spanish_number_word(number(2, 7));
  if (key == "age_A") return spanish_number_word(a_.age);
  if (key == "home_A") return a_.home;
  if (key == "S") {
    // The protagonist as subject: named the first time in a paragraph, then mostly left
    // implicit, as Spanish does ("Fue al mercado").
    const bool name = !named_ || rng_.bernoulli(0.3);
    named_ = true;
    return name ? std::string(a_.name) + " " : std::string();
  }
  if (key == "time") return pick(time_openers());
  if (key == "future") return pick(future_times());
  if (key == "weather") return pick(weather());
  if (key == "weather_lc") return lowercase_first(pick(weather()));
  if (key == "reason") return fill(pick(reasons()));
  if (key == "sight") return pick(sights());
  fail("generate_spanish_text: unknown slot {", key, "}");
}

std::string ChapterWriter::fill(std::string_view tmpl) {
  std::string out;
  size_t i = 0;
  while (i < tmpl.size()) {
    const size_t open = tmpl.find('{', i);
    if (open == std::string_view::npos) break;
    const size_t close = tmpl.find('}', open);
    out.append(tmpl.substr(i, open - i));
    out += slot(tmpl.substr(open + 1, close - open - 1));
    i = close + 1;
  }
  if (i < tmpl.size()) out.append(tmpl.substr(i));
  return out;
}

std::string write_chapter(Rng& rng) {
  const auto& ps = people();
  const size_t ia = size_t(rng.below(ps.size()));
  size_t ib = size_t(rng.below(ps.size() - 1));
  if (ib >= ia) ++ib;  // a different person
  const Place& place = places()[size_t(rng.below(places().size()))];
  // The chapter's object: a thing with a fixed adjective, "la bicicleta roja".
  const Noun* noun = nullptr;
  while (noun == nullptr || (noun->category & Thing) == 0) noun = &nouns()[size_t(rng.below(nouns().size()))];
  const Adjective* adj = nullptr;
  while (adj == nullptr || (adj->category & Thing) == 0)
    adj = &object_adjectives()[size_t(rng.below(object_adjectives().size()))];
  const NounPhrase object{std::string(definite(noun->gender, false)) + " " + noun->singular + " " +
                              agree(*adj, noun->gender, false),
                          noun->gender, false};
  ChapterWriter w(rng, object, ps[ia], ps[ib], place);

  std::string text = capitalize(w.fill(title_frames()[size_t(rng.below(title_frames().size()))])) + "\n\n";
  const int n_paragraphs = 4 + int(rng.below(5));
  for (int p = 0; p < n_paragraphs; ++p) {
    if (p > 0 && rng.bernoulli(0.35)) {
      const auto& lines = dialogue_frames()[size_t(rng.below(dialogue_frames().size()))];
      for (const char* line : lines) text += capitalize(w.fill(line)) + "\n";
    } else {
      w.new_paragraph();
      std::vector<size_t> used;  // no template twice in a paragraph
      const int n_sentences = 3 + int(rng.below(5));
      for (int s = 0; s < n_sentences; ++s) {
        size_t t = size_t(rng.below(narrative_frames().size()));
        while (std::find(used.begin(), used.end(), t) != used.end()) t = size_t(rng.below(narrative_frames().size()));
        used.push_back(t);
        text += (s ? " " : "") + capitalize(w.fill(narrative_frames()[t]));
      }
      text += "\n";
    }
    text += "\n";
  }
  return text;
}

}  // namespace

std::string generate_spanish_text(uint64_t seed, size_t min_bytes) {
  Rng rng(seed);
  std::string text;
  while (text.size() < min_bytes) text += write_chapter(rng);
  return text;
}

}  // namespace atn
