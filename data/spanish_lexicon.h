// The vocabulary of the generated Spanish corpus (data/spanish_text.h): people, places,
// things, adjectives and verbs, each with what agreement needs (gender, plural, verb forms),
// and the sentence frames. Kept apart from the generator so a reader can add a word or a
// sentence without reading the code that fills them.
#pragma once
#include <vector>

namespace atn::lexicon {

enum class Gender { Masc, Fem };

struct Person {
  const char* name;  // "doña Carmen"
  Gender gender;
  const char* role;  // an apposition: "la dueña de la tiendita"
  int age;           // the same in every chapter, so a model can learn it
  const char* home;  // "cerca del río"
};

struct Place {
  const char* phrase;  // with its article: "el mercado" (so "a" + it contracts to "al mercado")
  Gender gender;
};

// Object categories, so verbs get objects that make sense ("preparó tamales", not "preparó una silla").
enum Category : unsigned { Food = 1, Thing = 2, Text = 4 };

struct Noun {
  const char* singular;
  const char* plural;
  Gender gender;
  unsigned category;
};

// An adjective by its masculine singular form; the other three forms follow Spanish rules
// (rojo/roja/rojos/rojas, grande/grandes, azul/azules, feliz/felices, trabajador/trabajadora).
struct Adjective {
  const char* lemma;
  unsigned category;  // the nouns it may describe (places use their own list)
  const char* tail;   // words after it: "lleno" + " de gente"
};

struct Verb {
  const char* infinitive;  // "comprar"
  const char* past_1s;     // "compré"     (pretérito)
  const char* past_3s;     // "compró"
  const char* past_3p;     // "compraron"
  const char* imperf_3s;   // "compraba"   (copretérito)
  unsigned objects;        // categories of its objects
};

const std::vector<Person>& people();
const std::vector<Place>& places();
const std::vector<Noun>& nouns();
const std::vector<Adjective>& object_adjectives();
const std::vector<Adjective>& place_adjectives();
const std::vector<Adjective>& mood_adjectives();  // for people: "cansado", "feliz"
const std::vector<Verb>& verbs();
const std::vector<const char*>& time_openers();   // "Esa mañana"
const std::vector<const char*>& future_times();   // "Mañana temprano"
const std::vector<const char*>& weather();        // whole sentences
const std::vector<const char*>& reasons();        // clauses after "porque", with {slots}
const std::vector<const char*>& sights();         // "se veía el volcán nevado"

// Sentence frames with {slots} that data/spanish_text.cpp fills (ChapterWriter::slot lists
// them): {A} is the chapter's protagonist, {B} the companion, {P} its place, {the_obj} its
// object; {S} is {A} as a subject that may be left implicit; the rest is drawn each time.
const std::vector<const char*>& narrative_frames();
const std::vector<std::vector<const char*>>& dialogue_frames();  // one line per turn
const std::vector<const char*>& title_frames();

}  // namespace atn::lexicon
