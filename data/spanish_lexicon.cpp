#include "data/spanish_lexicon.h"

namespace atn::lexicon {

namespace {
constexpr Gender M = Gender::Masc;
constexpr Gender F = Gender::Fem;
}  // namespace

const std::vector<Person>& people() {
  static const std::vector<Person> list = {
      {"Lupita", F, "la maestra de la primaria", 34, "cerca del río"},
      {"Mateo", M, "el hijo del panadero", 9, "junto a la panadería"},
      {"doña Carmen", F, "la dueña de la tiendita de la esquina", 72, "en la calle de los naranjos"},
      {"don Chuy", M, "el panadero", 58, "frente a la plaza"},
      {"Ximena", F, "la hermana mayor de Mateo", 15, "detrás de la iglesia"},
      {"Emiliano", M, "el mejor amigo de Mateo", 10, "a dos cuadras del mercado"},
      {"Valeria", F, "la doctora del pueblo", 43, "en la casa azul de la esquina"},
      {"Santiago", M, "el cartero", 27, "cerca de la estación de camiones"},
      {"Renata", F, "la nieta de doña Carmen", 12, "arriba del cerro"},
      {"don Ramiro", M, "el carpintero", 66, "en el callejón de las flores"},
      {"Fernanda", F, "la vecina de enfrente", 38, "cerca del río"},
      {"Diego", M, "el primo de Ximena", 13, "junto a la panadería"},
      {"la abuela Toña", F, "la mamá de don Chuy", 83, "en la calle de los naranjos"},
      {"Paco", M, "el chofer del camión", 45, "frente a la plaza"},
      {"Sofía", F, "la bibliotecaria", 52, "detrás de la iglesia"},
      {"Joaquín", M, "el sobrino del carpintero", 17, "a dos cuadras del mercado"},
      {"Mariana", F, "la estudiante de biología", 22, "en la casa azul de la esquina"},
      {"Rodrigo", M, "el músico de la plaza", 29, "cerca de la estación de camiones"},
      {"Itzel", F, "la niña que vende flores", 8, "arriba del cerro"},
      {"el profe Arturo", M, "el maestro de música", 63, "en el callejón de las flores"},
  };
  return list;
}

const std::vector<Place>& places() {
  static const std::vector<Place> list = {
      {"el mercado", M},         {"la plaza", F},           {"la panadería", F},
      {"la tiendita de la esquina", F}, {"el parque", M},   {"la biblioteca", F},
      {"la escuela", F},         {"el río", M},             {"la milpa", F},
      {"el zócalo", M},          {"la iglesia", F},         {"la estación de camiones", F},
      {"el tianguis", M},        {"la casa de la abuela", F}, {"el consultorio", M},
      {"la cocina", F},          {"el patio", M},           {"el taller de don Ramiro", M},
      {"la papelería", F},       {"la alameda", F},         {"el cerro", M},
      {"el kiosco", M},          {"la huerta", F},          {"el puente", M},
  };
  return list;
}

const std::vector<Noun>& nouns() {
  static const std::vector<Noun> list = {
      {"naranja", "naranjas", F, Food},   {"tamal", "tamales", M, Food},
      {"tortilla", "tortillas", F, Food}, {"elote", "elotes", M, Food},
      {"concha", "conchas", F, Food},     {"taco", "tacos", M, Food},
      {"manzana", "manzanas", F, Food},   {"mango", "mangos", M, Food},
      {"aguacate", "aguacates", M, Food}, {"pastel", "pasteles", M, Food},
      {"galleta", "galletas", F, Food},   {"jitomate", "jitomates", M, Food},
      {"sandía", "sandías", F, Food},     {"quesadilla", "quesadillas", F, Food},
      {"bicicleta", "bicicletas", F, Thing}, {"cuaderno", "cuadernos", M, Thing},
      {"guitarra", "guitarras", F, Thing},   {"sombrero", "sombreros", M, Thing},
      {"canasta", "canastas", F, Thing},     {"mochila", "mochilas", F, Thing},
      {"llave", "llaves", F, Thing},         {"lámpara", "lámparas", F, Thing},
      {"silla", "sillas", F, Thing},         {"mesa", "mesas", F, Thing},
      {"pelota", "pelotas", F, Thing},       {"papalote", "papalotes", M, Thing},
      {"caja", "cajas", F, Thing},           {"reloj", "relojes", M, Thing},
      {"rebozo", "rebozos", M, Thing},       {"piñata", "piñatas", F, Thing},
      {"paraguas", "paraguas", M, Thing},    {"jarrito", "jarritos", M, Thing},
      {"libro", "libros", M, Thing | Text},  {"carta", "cartas", F, Thing | Text},
      {"periódico", "periódicos", M, Text},  {"cuento", "cuentos", M, Text},
      {"revista", "revistas", F, Text},      {"receta", "recetas", F, Text},
      {"poema", "poemas", M, Text},          {"canción", "canciones", F, Text},
  };
  return list;
}

const std::vector<Adjective>& object_adjectives() {
  static const std::vector<Adjective> list = {
      {"rojo", Thing, ""},        {"azul", Thing, ""},      {"viejo", Thing | Text, ""},
      {"nuevo", Thing | Text, ""}, {"pequeño", Thing | Food, ""}, {"grande", Thing | Food, ""},
      {"bonito", Thing | Text, ""}, {"amarillo", Thing, ""}, {"verde", Thing | Food, ""},
      {"pesado", Thing, ""},      {"caro", Thing | Food, ""}, {"barato", Thing | Food, ""},
      {"roto", Thing, ""},        {"fresco", Food, ""},     {"dulce", Food, ""},
      {"caliente", Food, ""},     {"maduro", Food, ""},     {"rico", Food, ""},
      {"largo", Text, ""},        {"triste", Text, ""},     {"divertido", Text, ""},
      {"lleno", Thing, " de polvo"}, {"hecho", Food, " en casa"},
  };
  return list;
}

const std::vector<Adjective>& place_adjectives() {
  static const std::vector<Adjective> list = {
      {"tranquilo", 0, ""},  {"vacío", 0, ""},     {"lleno", 0, " de gente"}, {"limpio", 0, ""},
      {"oscuro", 0, ""},     {"ruidoso", 0, ""},   {"fresco", 0, ""},         {"silencioso", 0, ""},
      {"adornado", 0, " con papel picado"}, {"iluminado", 0, ""}, {"cerrado", 0, ""},
      {"mojado", 0, " por la lluvia"},
  };
  return list;
}

const std::vector<Adjective>& mood_adjectives() {
  static const std::vector<Adjective> list = {
      {"contento", 0, ""}, {"cansado", 0, ""},    {"preocupado", 0, ""}, {"nervioso", 0, ""},
      {"emocionado", 0, ""}, {"feliz", 0, ""},    {"triste", 0, ""},     {"enojado", 0, ""},
      {"tranquilo", 0, ""}, {"sorprendido", 0, ""}, {"aburrido", 0, ""}, {"orgulloso", 0, ""},
  };
  return list;
}

const std::vector<Verb>& verbs() {
  static const std::vector<Verb> list = {
      {"comprar", "compré", "compró", "compraron", "compraba", Food | Thing | Text},
      {"vender", "vendí", "vendió", "vendieron", "vendía", Food | Thing},
      {"preparar", "preparé", "preparó", "prepararon", "preparaba", Food},
      {"probar", "probé", "probó", "probaron", "probaba", Food},
      {"comer", "comí", "comió", "comieron", "comía", Food},
      {"buscar", "busqué", "buscó", "buscaron", "buscaba", Thing | Text},
      {"encontrar", "encontré", "encontró", "encontraron", "encontraba", Thing | Text},
      {"perder", "perdí", "perdió", "perdieron", "perdía", Thing},
      {"arreglar", "arreglé", "arregló", "arreglaron", "arreglaba", Thing},
      {"guardar", "guardé", "guardó", "guardaron", "guardaba", Thing | Food},
      {"limpiar", "limpié", "limpió", "limpiaron", "limpiaba", Thing},
      {"pintar", "pinté", "pintó", "pintaron", "pintaba", Thing},
      {"llevar", "llevé", "llevó", "llevaron", "llevaba", Thing | Food},
      {"regalar", "regalé", "regaló", "regalaron", "regalaba", Thing | Food | Text},
      {"leer", "leí", "leyó", "leyeron", "leía", Text},
      {"escribir", "escribí", "escribió", "escribieron", "escribía", Text},
      {"cargar", "cargué", "cargó", "cargaron", "cargaba", Thing},
      {"repartir", "repartí", "repartió", "repartieron", "repartía", Food | Text},
  };
  return list;
}

const std::vector<const char*>& time_openers() {
  static const std::vector<const char*> list = {
      "Esa mañana", "El domingo", "Al día siguiente", "Por la tarde", "Muy temprano",
      "Después de comer", "Esa noche", "Una semana después", "El lunes", "Al amanecer",
      "Antes de la comida", "Ese mismo día", "A media tarde", "El sábado en la mañana",
      "Cuando dejó de llover", "De regreso a casa",
  };
  return list;
}

const std::vector<const char*>& future_times() {
  static const std::vector<const char*> list = {
      "Mañana temprano", "El sábado en la tarde", "Ahorita mismo", "Después de la comida",
      "El domingo", "Hoy en la noche", "Pasado mañana",
  };
  return list;
}

const std::vector<const char*>& weather() {
  static const std::vector<const char*> list = {
      "Hacía mucho calor.", "Llovía sin parar desde la madrugada.",
      "El cielo estaba nublado y soplaba un viento frío.", "Hacía un sol espléndido.",
      "Empezaba a oscurecer y se prendieron las luces de la calle.",
      "Olía a tierra mojada.", "Se oían los cohetes de la fiesta a lo lejos.",
      "Hacía tanto frío que nadie quería salir.", "Por la ventana entraba el olor a pan recién hecho.",
  };
  return list;
}

const std::vector<const char*>& reasons() {
  static const std::vector<const char*> list = {
      "{B} no había llegado", "no encontraba {the_obj}", "al día siguiente empezaban las vacaciones",
      "nadie contestaba el teléfono", "su perro se había escapado otra vez",
      "le habían regalado {obj}", "{B} le había prometido ayudarle", "por fin había terminado la tarea",
      "había llovido toda la semana", "su equipo había ganado el partido", "tenía examen de matemáticas",
      "{P} estaba {place_adj}", "{B} se iba a vivir a Guadalajara", "ya casi era la fiesta del pueblo",
  };
  return list;
}

const std::vector<const char*>& sights() {
  static const std::vector<const char*> list = {
      "se veía el volcán nevado", "se veía la torre de la iglesia", "se veía todo el pueblo",
      "se veían los campos de maíz", "se veía el río que bajaba del cerro",
      "se veían las casas pintadas de colores", "se veía el camino a la ciudad",
  };
  return list;
}

// Narrative sentences. {A} is the chapter's protagonist, {B} the companion, {P} its place and
// {the_obj} its object; the other slots are drawn afresh each time (see ChapterWriter::slot).
const std::vector<const char*>& narrative_frames() {
  static const std::vector<const char*> list = {
      "{time}, {A} {did} {en_P}.",
      "{S}fue {a_P} para {task}.",
      "{A} y {B} fueron {a_place} a {task}.",
      "{P} estaba {place_adj}.",
      "{S}estaba muy {mood_A} porque {reason}.",
      "Todos los días, {A} {was_doing} {en_place}.",
      "{S}tenía {age_A} años y vivía {home_A}.",
      "En {place} había {num} personas esperando.",
      "{weather}",
      "{time}, {weather_lc}",
      "{S}le preguntó {a_B} si quería {task}.",
      "Cuando {A} llegó {a_P}, {B} ya {lo_A} estaba esperando.",
      "{S}no encontraba {the_obj} por ningún lado.",
      "Al final, {A} y {B} regresaron a casa muy {mood_AB}.",
      "{B} le dijo {a_A} que {the_obj} estaba {en_place}.",
      "{S}sonrió y siguió caminando hacia {place}.",
      "Desde {P} {sight}.",
      "{B_role} saludó {a_A} desde lejos.",
      "Mientras {A} {was_doing}, {B} {was_doing}.",
      "{S}guardó {the_obj} y salió {de_P}.",
      "{A} y {B} {did_AB} y después se sentaron a platicar {en_P}.",
      "{time}, {B} {did_gift}.",
      "{S}pensó que {B} tenía razón, pero no dijo nada.",
      "{S}se quedó {en_P} hasta las {hour_pm} de la tarde.",
      "{the_obj} costaba {price} pesos.",
      "{B} estaba {mood_B}, así que {A} le contó un chiste.",
      "{person} llegó corriendo {a_P} con {obj}.",
      "{S}recordó que tenía que {task} antes de las {hour}.",
      "{S}le enseñó {the_obj} {a_B}, que {lo_obj} miró con mucha atención.",
      "Nadie sabía quién había dejado {obj} {en_place}.",
  };
  return list;
}

// Dialogue paragraphs, one line per turn, in the Spanish way: a dash opens each turn and
// another one sets off who speaks.
const std::vector<std::vector<const char*>>& dialogue_frames() {
  static const std::vector<std::vector<const char*>> list = {
      {"—¿A dónde vas, {B_voc}? —preguntó {A}.", "—Voy {a_place} a {task} —contestó {B}—. ¿Vienes?",
       "—Ahorita no puedo, tengo que {task}.", "—Bueno, nos vemos al rato."},
      {"—¡{B_voc}! ¿Has visto {the_obj}?", "—No, ¿por qué? —respondió {B}.",
       "—Porque no {lo_obj} encuentro por ningún lado.", "—A lo mejor {lo_obj} dejaste {en_place}."},
      {"—¿Cuánto cuesta {the_obj}? —preguntó {A}.", "—{price} pesos —contestó {B}.",
       "—¡Híjole, está {caro_obj}! ¿No me {lo_obj} deja más barato?", "—Ándele, pues, nomás porque es usted."},
      {"—¿Qué onda, {B_voc}? ¿Cómo te fue?", "—Muy bien. Fui {a_place} y {did_1s}.",
       "—¡Qué padre! ¿Y luego?", "—Luego me encontré {a_person} y nos pusimos a platicar."},
      {"—¿Me ayudas a {task}? —le pidió {A} {a_B}.", "—Claro que sí. ¿Cuándo?",
       "—{future}, si puedes.", "—Va, ahí nos vemos."},
      {"—¡Qué {bonito_P} está {P}! —exclamó {A}.",
       "—Sí, es que mañana es la fiesta del pueblo —explicó {B}."},
      {"—¿Tienes hambre? —preguntó {B}.", "—Muchísima. ¿Vamos a comer algo?",
       "—Órale. Conozco un lugar cerca {de_P} donde venden {food_pl}."},
      {"—Oye, {B_voc}, ¿a qué hora sale el camión?", "—A las {hour}, creo.",
       "—Entonces hay que apurarnos."},
      {"—¡{B_voc}! —gritó {A} desde {place}.", "—¿Mande?", "—¿Me puedes traer {obj}?",
       "—Ahorita voy."},
      {"—No sé qué le pasa {a_B} —dijo {A}—. Hoy anda muy {mood_B}.",
       "—Déja{lo_B}, ya se le pasará —contestó {person}."},
      {"—¿Sabes qué? Ayer {did_1s} —le contó {A} {a_B}.", "—¿De veras? ¡No te creo!",
       "—Pregúntale {a_person} si no me crees."},
  };
  return list;
}

const std::vector<const char*>& title_frames() {
  static const std::vector<const char*> list = {
      "{A} y {the_obj}", "Una tarde {en_P}", "Lo que pasó {en_P}", "{B} y el secreto {de_A}",
      "El día que {A} {did}", "Camino {a_P}",
  };
  return list;
}

}  // namespace atn::lexicon
