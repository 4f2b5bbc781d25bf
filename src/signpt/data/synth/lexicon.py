"""The shared concept inventory (with real words in English, German and Spanish) and the sign lexicons.

Every synthetic sign language maps each concept to one sign (``Sign``): dominant handshape (and an optional
handshape change), palm orientation, start and end location, movement, one or two hands (symmetric,
alternating, or a passive base hand) and an optional non-manual component. Lexicons are random but
deterministic per (seed, language); about a quarter of the signs are shared across the languages (cognates),
and each lexicon contains minimal pairs that differ only in the handshape and pairs that differ only in the
non-manual component.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field, replace

import numpy as np

from signpt.data.synth.hand import HANDSHAPES, ORIENTATIONS
from signpt.data.synth.motion import BASE_LOCATIONS, LOCATIONS, NONMANUALS


@dataclass(frozen=True)
class Concept:
    """One meaning. `words` maps a spoken language to its word data (see the tables below)."""

    id: str
    category: str   # person animal thing mass place verb_t verb_i adj time wh neg
    words: dict
    tags: frozenset = frozenset()

    def word(self, lang: str) -> str:
        """Citation form (lemma) in a spoken language."""
        return self.words[lang][0]


# nouns: id, tags, en, de (word, gender), es (word, gender)
_NOUNS = """
person man|h man Mann:m hombre:m
person woman|h woman Frau:f mujer:f
person child|h child Kind:n niño:m
person son|h son Sohn:m hijo:m
person daughter|h daughter Tochter:f hija:f
person teacher|h teacher Lehrer:m profesor:m
person doctor|h doctor Ärztin:f médica:f
person friend|h friend Freund:m amigo:m
person mother|h mother Mutter:f madre:f
person father|h father Vater:m padre:m
person brother|h brother Bruder:m hermano:m
person sister|h sister Schwester:f hermana:f
person baby|h baby Baby:n bebé:m
person student|h student Studentin:f estudiante:m
animal dog|fast dog Hund:m perro:m
animal cat cat Katze:f gato:m
animal bird|fast bird Vogel:m pájaro:m
animal horse|fast horse Pferd:n caballo:m
animal fish|food fish Fisch:m pez:m
animal cow cow Kuh:f vaca:f
thing book|read|carry book Buch:n libro:m
thing ball|throw|carry ball Ball:m pelota:f
thing apple|food|throw apple Apfel:m manzana:f
thing car|fast|wash car Auto:n coche:m
thing house house Haus:n casa:f
thing phone|lose|carry phone Telefon:n teléfono:m
thing letter|read|carry letter Brief:m carta:f
thing cake|food|cook cake Kuchen:m pastel:m
thing flower flower Blume:f flor:f
thing tree tree Baum:m árbol:m
thing chair|carry chair Stuhl:m silla:f
thing table table Tisch:m mesa:f
thing computer|carry computer Computer:m ordenador:m
thing shoe|wash|lose shoe Schuh:m zapato:m
thing hat|wash|lose hat Hut:m sombrero:m
thing key|lose|throw key Schlüssel:m llave:f
thing bike|fast|wash bike Fahrrad:n bicicleta:f
thing bag|carry|lose bag Tasche:f bolsa:f
thing picture picture Bild:n cuadro:m
thing egg|food|cook|throw egg Ei:n huevo:m
mass bread|food bread Brot:n pan:m
mass water|drink|temp water Wasser:n agua:f
mass coffee|drink|temp coffee Kaffee:m café:m
mass milk|drink|temp milk Milch:f leche:f
mass money|lose money Geld:n dinero:m
mass juice|drink juice Saft:m zumo:m
mass cheese|food cheese Käse:m queso:m
mass soup|food|cook|temp soup Suppe:f sopa:f
place school school Schule:f escuela:f
place city city Stadt:f ciudad:f
place park park Park:m parque:m
place shop shop Laden:m tienda:f
place hospital hospital Krankenhaus:n hospital:m
place church church Kirche:f iglesia:f
place beach beach Strand:m playa:f
place garden garden Garten:m jardín:m
place station station Bahnhof:m estación:f
place office office Büro:n oficina:f
place library library Bibliothek:f biblioteca:f
place restaurant restaurant Restaurant:n restaurante:m
"""
# transitive verbs: id|object-selector ; en base,3sg,past ; de inf,3sg,past[,dat] ; es inf,3sg,pret[,a]
_VERBS_T = """
see|concrete see,sees,saw sehen,sieht,sah ver,ve,vio,a
eat|food eat,eats,ate essen,isst,aß comer,come,comió
drink|drink drink,drinks,drank trinken,trinkt,trank beber,bebe,bebió
read|read read,reads,read lesen,liest,las leer,lee,leyó
buy|buyable buy,buys,bought kaufen,kauft,kaufte comprar,compra,compró
want|buyable want,wants,wanted wollen,will,wollte querer,quiere,quiso
have|ownable have,has,had haben,hat,hatte tener,tiene,tuvo
find|findable find,finds,found finden,findet,fand encontrar,encuentra,encontró,a
help|human help,helps,helped helfen,hilft,half,dat ayudar,ayuda,ayudó,a
love|animate love,loves,loved lieben,liebt,liebte amar,ama,amó,a
visit|visitable visit,visits,visited besuchen,besucht,besuchte visitar,visita,visitó,a
cook|cook cook,cooks,cooked kochen,kocht,kochte cocinar,cocina,cocinó
need|buyable need,needs,needed brauchen,braucht,brauchte necesitar,necesita,necesitó
carry|carry carry,carries,carried tragen,trägt,trug llevar,lleva,llevó
sell|buyable sell,sells,sold verkaufen,verkauft,verkaufte vender,vende,vendió
draw|concrete draw,draws,drew zeichnen,zeichnet,zeichnete dibujar,dibuja,dibujó,a
wash|wash wash,washes,washed waschen,wäscht,wusch lavar,lava,lavó,a
throw|throw throw,throws,threw werfen,wirft,warf lanzar,lanza,lanzó
lose|lose lose,loses,lost verlieren,verliert,verlor perder,pierde,perdió
"""
# intransitive verbs: id|motion-or-place ; forms as above
_VERBS_I = """
go|to go,goes,went gehen,geht,ging ir,va,fue
come|to come,comes,came kommen,kommt,kam venir,viene,vino
sleep|in sleep,sleeps,slept schlafen,schläft,schlief dormir,duerme,durmió
work|in work,works,worked arbeiten,arbeitet,arbeitete trabajar,trabaja,trabajó
play|in play,plays,played spielen,spielt,spielte jugar,juega,jugó
run|in run,runs,ran laufen,läuft,lief correr,corre,corrió
wait|in wait,waits,waited warten,wartet,wartete esperar,espera,esperó
dance|in dance,dances,danced tanzen,tanzt,tanzte bailar,baila,bailó
swim|in swim,swims,swam schwimmen,schwimmt,schwamm nadar,nada,nadó
sing|in sing,sings,sang singen,singt,sang cantar,canta,cantó
laugh|none laugh,laughs,laughed lachen,lacht,lachte reír,ríe,rió
cry|none cry,cries,cried weinen,weint,weinte llorar,llora,lloró
"""
# adjectives: id|applies-to ; en ; de ; es m,f,copula
_ADJS = """
big|concrete big groß grande,grande,ser
small|concrete small klein pequeño,pequeña,ser
good|concrete good gut bueno,buena,ser
bad|concrete bad schlecht malo,mala,ser
new|artifact new neu nuevo,nueva,ser
old|concrete old alt viejo,vieja,ser
happy|animate happy glücklich contento,contenta,estar
sad|animate sad traurig triste,triste,estar
tired|animate tired müde cansado,cansada,estar
hungry|animate hungry hungrig hambriento,hambrienta,estar
beautiful|concrete beautiful schön bonito,bonita,ser
red|artifact red rot rojo,roja,ser
blue|artifact blue blau azul,azul,ser
green|artifact green grün verde,verde,ser
hot|temp hot heiß caliente,caliente,estar
cold|temp cold kalt frío,fría,estar
fast|fast fast schnell rápido,rápida,ser
young|animate young jung joven,joven,ser
"""
# time words: id|tense ; en ; de (gloss with hyphens) ; es
_TIMES = """
today|present today heute hoy
now|present now jetzt ahora
yesterday|past yesterday gestern ayer
tomorrow|future tomorrow morgen mañana
tonight|future tonight heute_Abend esta_noche
later|future later später más_tarde
"""
_OTHER = """
wh where where wo dónde
wh what what was qué
wh who who wer quién
neg not not nicht no
"""
SPOKEN = ("en", "de", "es")


def _parse() -> tuple[Concept, ...]:
    out = []
    for line in _NOUNS.strip().splitlines():
        cat, head, en, de, es = line.split()
        cid, *tags = head.split("|")
        dw, dg = de.split(":")
        ew, eg = es.split(":")
        out.append(Concept(cid, cat, {"en": (en,), "de": (dw, dg), "es": (ew, eg)}, frozenset(tags)))
    for cat, block in (("verb_t", _VERBS_T), ("verb_i", _VERBS_I)):
        for line in block.strip().splitlines():
            head, en, de, es = line.split()
            cid, sel = head.split("|")
            out.append(Concept(cid, cat, {"en": tuple(en.split(",")), "de": tuple(de.split(",")),
                                          "es": tuple(es.split(","))}, frozenset([sel])))
    for line in _ADJS.strip().splitlines():
        head, en, de, es = line.split()
        cid, sel = head.split("|")
        out.append(Concept(cid, "adj", {"en": (en,), "de": (de,), "es": tuple(es.split(","))}, frozenset([sel])))
    for line in _TIMES.strip().splitlines():
        head, en, de, es = line.split()
        cid, tense = head.split("|")
        out.append(Concept(cid, "time", {"en": (en,), "de": (de.replace("_", " "),),
                                         "es": (es.replace("_", " "),)}, frozenset([tense])))
    for line in _OTHER.strip().splitlines():
        cat, cid, en, de, es = line.split()
        out.append(Concept(cid, cat, {"en": (en,), "de": (de,), "es": (es,)}))
    return tuple(out)


CONCEPTS: tuple[Concept, ...] = _parse()
"""The concept inventory (120 concepts), in a fixed order; the ISLR class index is the position in it."""
CONCEPT = {c.id: c for c in CONCEPTS}


def gloss_of(concept_id: str, spoken: str) -> str:
    """Gloss token of a concept in the sign language paired with `spoken`: the lemma upper-cased,
    spaces as hyphens (e.g. "BOOK", "BUCH", "LIBRO", "HEUTE-ABEND")."""
    return CONCEPT[concept_id].word(spoken).upper().replace(" ", "-")


@dataclass(frozen=True)
class Sign:
    """Phonological parameters of one sign (see ``motion.py`` for the names)."""

    concept: str
    handshape: str
    end_handshape: str
    orientation: str
    end_orientation: str
    start: str
    end: str
    movement: str
    repeat: int = 1
    plane: int = 0          # circle plane: 0 frontal, 1 horizontal, 2 sagittal
    direction: float = 1.0  # arc / circle / twist direction
    hands: str = "one"      # one | sym | alt | base
    hand_gap: float = 0.15  # distance between the hands of a two-handed sign, metres
    base_handshape: str = "B"
    base_orientation: str = "up_fwd"
    base_location: str = "neutral"
    nonmanual: str = "none"
    offset: tuple = (0.0, 0.0, 0.0)  # small per-sign shift of the location, metres
    mouthing: str = ""      # the spoken word silently mouthed with the sign ("" = none), see `add_mouthings`

    def key(self) -> tuple:
        """The contrastive parameters: two signs with equal keys look the same (up to the small offset)."""
        d = dict(self.__dict__)
        for k in ("concept", "offset", "hand_gap"):
            d.pop(k)
        if self.hands != "base":
            d.pop("base_handshape"), d.pop("base_orientation"), d.pop("base_location")
        if self.hands == "base":
            d.pop("start"), d.pop("end")
        if self.movement != "circle":
            d.pop("plane")
        if self.movement not in ("arc", "circle", "twist"):
            d.pop("direction")
        if self.movement not in ("tap", "shake", "circle"):
            d.pop("repeat")
        return tuple(sorted(d.items()))


@dataclass
class Lexicon:
    """The signs of one synthetic sign language.

    signs: concept id -> Sign. handshape_pairs / nonmanual_pairs: (concept a, concept b) whose signs differ
    only in the handshape / only in the non-manual component."""

    sign_language: str
    spoken_language: str
    signs: dict
    handshape_pairs: list = field(default_factory=list)
    nonmanual_pairs: list = field(default_factory=list)

    def gloss(self, concept_id: str) -> str:
        return gloss_of(concept_id, self.spoken_language)


_FACE_LOCS = ("forehead", "eyes", "nose", "mouth", "chin", "cheek", "ear", "temple")
_COMMON_SHAPES = ("B", "5", "1", "A", "S", "C", "O", "flatO", "V", "bentB", "L", "claw")
_HANDS_P = {"one": 0.55, "sym": 0.2, "alt": 0.1, "base": 0.15}
_MOVE_P = {"straight": 0.22, "arc": 0.14, "circle": 0.14, "tap": 0.16, "shake": 0.08, "wiggle": 0.08,
           "twist": 0.08, "hold": 0.1}


def _pick(rng, options, p=None):
    if isinstance(options, dict):
        keys = list(options)
        return keys[rng.choice(len(keys), p=np.asarray(list(options.values())) / sum(options.values()))]
    return options[rng.integers(len(options))]


def random_sign(concept_id: str, rng: np.random.Generator) -> Sign:
    """Draw a sign's parameters."""
    shapes = _COMMON_SHAPES if rng.random() < 0.6 else HANDSHAPES
    hs = _pick(rng, shapes)
    hands = _pick(rng, _HANDS_P)
    move = _pick(rng, _MOVE_P)
    orient = _pick(rng, tuple(ORIENTATIONS))
    if hands in ("sym", "alt"):
        start = _pick(rng, ("neutral", "neutral_high", "neutral_low", "chest", "stomach", "forehead", "cheek",
                            "neutral_dom", "side_dom"))
    else:
        start = _pick(rng, LOCATIONS)
    if move in ("straight", "arc"):
        near = [l for l in LOCATIONS if l != start]
        end = _pick(rng, near)
        if start in _FACE_LOCS and rng.random() < 0.7:   # face signs mostly move out to neutral space
            end = _pick(rng, ("neutral", "neutral_dom", "chest", "neutral_high"))
    else:
        end = start
    end_hs = hs
    if move in ("hold", "straight") and rng.random() < 0.35:
        end_hs = _pick(rng, [h for h in HANDSHAPES if h != hs])
    end_or = orient
    if move == "arc" and rng.random() < 0.3:
        end_or = _pick(rng, [o for o in ORIENTATIONS if o != orient])
    nm = "none" if rng.random() < 0.75 else _pick(rng, NONMANUALS[1:])
    return Sign(
        concept=concept_id, handshape=hs, end_handshape=end_hs, orientation=orient, end_orientation=end_or,
        start=start, end=end, movement=move, repeat=int(rng.integers(1, 4)) if move in ("tap", "shake", "circle")
        else 1, plane=int(rng.integers(3)), direction=float(rng.choice([-1.0, 1.0])), hands=hands,
        hand_gap=float(rng.uniform(0.1, 0.22)), base_handshape=_pick(rng, ("B", "S", "5", "A", "1", "C")),
        base_orientation=_pick(rng, ("up_fwd", "down_fwd", "in_fwd", "back_in")),
        base_location=_pick(rng, BASE_LOCATIONS), nonmanual=nm,
        offset=tuple(float(v) for v in rng.normal(0, 0.02, 3)),
    )


def _rng(*keys) -> np.random.Generator:
    h = hashlib.sha256("/".join(str(k) for k in keys).encode()).digest()
    return np.random.default_rng(int.from_bytes(h[:8], "little"))


def build_lexicon(sign_language: str, spoken_language: str, seed: int = 0, shared: float = 0.25,
                  handshape_pairs: int = 12, nonmanual_pairs: int = 8) -> Lexicon:
    """Deterministic lexicon of one sign language for all ``CONCEPTS``.

    shared: fraction of concepts whose sign is a cognate (the same for every language at this seed).
    handshape_pairs / nonmanual_pairs: how many minimal pairs of each kind to build."""
    rng = _rng("lexicon", seed, sign_language)
    ids = [c.id for c in CONCEPTS]
    signs: dict[str, Sign] = {}
    seen: set = set()

    def add(cid: str, sign: Sign) -> bool:
        if sign.key() in seen:
            return False
        seen.add(sign.key())
        signs[cid] = sign
        return True

    order = list(rng.permutation(len(ids)))
    pair_a = [ids[i] for i in order[:handshape_pairs + nonmanual_pairs]]
    pair_b = [ids[i] for i in order[handshape_pairs + nonmanual_pairs:2 * (handshape_pairs + nonmanual_pairs)]]
    for cid in ids:
        if cid in pair_b:
            continue
        crng = _rng("cognate", seed, cid)
        while True:
            src = crng if (crng.random() < shared) else rng
            if add(cid, random_sign(cid, src)):
                break
    hs_pairs, nm_pairs = [], []
    for k, (a, b) in enumerate(zip(pair_a, pair_b)):
        sa = signs[a]
        while True:
            if k < handshape_pairs:
                hs = _pick(rng, [h for h in HANDSHAPES if h != sa.handshape])
                cand = replace(sa, concept=b, handshape=hs,
                               end_handshape=hs if sa.end_handshape == sa.handshape else sa.end_handshape)
            else:
                nm = _pick(rng, [n for n in NONMANUALS if n != sa.nonmanual])
                cand = replace(sa, concept=b, nonmanual=nm)
            if add(b, cand):
                break
        (hs_pairs if k < handshape_pairs else nm_pairs).append((a, b))
    signs = add_mouthings({cid: signs[cid] for cid in ids}, spoken_language, seed, sign_language)
    return Lexicon(sign_language, spoken_language, signs, hs_pairs, nm_pairs)


# Mouthings: in DGS, BSL, NGT and other European sign languages a large part of the signs (most nouns, fewer
# verbs and adjectives) are accompanied by the silent articulation of the corresponding spoken word, often
# reduced to its first syllables (Boyes Braem & Sutton-Spence 2001, "The hands are the head of the mouth";
# corpus counts for DGS/BSL put mouthings on roughly half of all manual signs, on most nouns). They carry
# lexical information (they tell manual homonyms apart) that survives a change of signer.
MOUTHING_RATE = {"thing": 0.8, "person": 0.8, "place": 0.8, "animal": 0.8, "mass": 0.8, "time": 0.7,
                 "adj": 0.5, "verb_t": 0.4, "verb_i": 0.4, "wh": 0.6, "neg": 0.0}


def add_mouthings(signs: dict, spoken_language: str, seed: int, sign_language: str) -> dict:
    """`signs` with the `mouthing` of each sign drawn (deterministically) at its category's MOUTHING_RATE:
    the citation form of the word in `spoken_language`, lower-cased. The negation sign has none (its
    non-manual is the grammatical head shake, ``grammar.sentence_nonmanuals``)."""
    out = {}
    for cid, sign in signs.items():
        c = CONCEPT[cid]
        rate = MOUTHING_RATE.get(c.category, 0.5)
        if _rng("mouthing", seed, sign_language, cid).random() < rate:
            sign = replace(sign, mouthing=c.word(spoken_language).lower())
        out[cid] = sign
    return out
