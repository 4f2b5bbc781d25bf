"""A small grammar: random sentence plans, their gloss order in each sign language, and their translation
into English, German or Spanish.

The sign languages order glosses topic-first and verb-final (sl-alpha: TIME SUBJ OBJ VERB NOT,
sl-beta: TIME OBJ SUBJ VERB NOT, sl-gamma: TIME SUBJ OBJ NOT VERB, adjectives after the noun except in
sl-gamma), mark questions and negation also non-manually, and have no articles, copula or prepositions.
The spoken languages are SVO (German verb-second) and add articles, prepositions, auxiliaries ("does",
"will", "wird", "va a"), the copula and agreement. Yes/no questions differ from statements only in the
non-manual marking (eyebrows raised, head forward) and the translation.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from signpt.data.synth.lexicon import CONCEPT, CONCEPTS, gloss_of

ORDERS = {
    "sl-alpha": {"trans": "TSOV", "intr": "TSPV", "neg_before_verb": False, "adj_first": False},
    "sl-beta": {"trans": "TOSV", "intr": "TPSV", "neg_before_verb": False, "adj_first": False},
    "sl-gamma": {"trans": "TSOV", "intr": "TSPV", "neg_before_verb": True, "adj_first": True},
}
TEMPLATES = {"en": "This word is {}.", "de": "Das Wort ist {}.", "es": "La palabra es {}."}
"""Isolated signs become sentences (the paper's "apple" -> "This word is apple.")."""


@dataclass
class Clause:
    kind: str                     # trans | intr | pred | where | what | who
    subj: str | None = None
    subj_adj: str | None = None
    verb: str | None = None
    obj: str | None = None
    obj_adj: str | None = None
    place: str | None = None
    adj: str | None = None        # predicate adjective
    neg: bool = False


@dataclass
class Plan:
    """A sentence: one or two clauses, an optional time word (sets the tense), yes/no question flag."""

    clauses: list
    time: str | None = None
    yesno: bool = False
    meta: dict = field(default_factory=dict)

    @property
    def tense(self) -> str:
        return next(iter(CONCEPT[self.time].tags)) if self.time else "present"


def _of(cat: str, tag: str | None = None):
    return [c.id for c in CONCEPTS if c.category == cat and (tag is None or tag in c.tags)]


PERSONS, ANIMALS, THINGS, MASS, PLACES = _of("person"), _of("animal"), _of("thing"), _of("mass"), _of("place")
VERBS_T, VERBS_I, ADJS, TIMES = _of("verb_t"), _of("verb_i"), _of("adj"), _of("time")


def objects_of(verb: str) -> list[str]:
    """Nouns a transitive verb takes as object."""
    sel = next(iter(CONCEPT[verb].tags))
    nouns = PERSONS + ANIMALS + THINGS + MASS
    table = {
        "concrete": PERSONS + ANIMALS + THINGS, "human": PERSONS, "animate": PERSONS + ANIMALS,
        "visitable": PERSONS + PLACES, "buyable": THINGS + MASS, "ownable": ANIMALS + THINGS + ["money"],
        "findable": PERSONS + ANIMALS + THINGS + ["money"],
    }
    return table.get(sel) or [n for n in nouns if sel in CONCEPT[n].tags]


def adjectives_for(noun: str) -> list[str]:
    c = CONCEPT[noun]
    out = []
    for a in ADJS:
        sel = next(iter(CONCEPT[a].tags))
        ok = {"concrete": c.category in ("person", "animal", "thing", "place"),
              "artifact": c.category == "thing", "animate": c.category in ("person", "animal")}.get(sel)
        if ok is None:
            ok = sel in c.tags
        if ok:
            out.append(a)
    return out


def _maybe_adj(rng, noun, p) -> str | None:
    cands = adjectives_for(noun)
    return cands[rng.integers(len(cands))] if cands and rng.random() < p else None


def _pick(rng, xs):
    return xs[rng.integers(len(xs))]


def random_clause(rng: np.random.Generator, kind: str | None = None, question_ok: bool = True) -> Clause:
    kinds = ["trans", "trans", "trans", "intr", "intr", "pred"] + (["where", "what", "who"] if question_ok else [])
    kind = kind or _pick(rng, kinds)
    if kind in ("trans", "what", "who"):
        verb = _pick(rng, VERBS_T)
        subj = _pick(rng, PERSONS)
        obj = _pick(rng, objects_of(verb))
        while obj == subj:
            obj = _pick(rng, objects_of(verb))
        if kind == "what":
            return Clause("what", subj=subj, verb=verb)
        if kind == "who":
            return Clause("who", verb=verb, obj=obj)
        return Clause("trans", subj=subj, subj_adj=_maybe_adj(rng, subj, 0.25), verb=verb, obj=obj,
                      obj_adj=_maybe_adj(rng, obj, 0.3), neg=rng.random() < 0.15)
    if kind == "intr":
        verb = _pick(rng, VERBS_I)
        sel = next(iter(CONCEPT[verb].tags))
        animal_ok = verb in ("go", "come", "sleep", "run", "play", "swim", "wait")
        subj = _pick(rng, PERSONS + (ANIMALS if animal_ok else []))
        place = _pick(rng, PLACES) if sel != "none" and rng.random() < 0.75 else None
        return Clause("intr", subj=subj, subj_adj=_maybe_adj(rng, subj, 0.3), verb=verb, place=place,
                      neg=rng.random() < 0.15)
    if kind == "pred":
        subj = _pick(rng, PERSONS + ANIMALS + THINGS)
        return Clause("pred", subj=subj, adj=_pick(rng, adjectives_for(subj)), neg=rng.random() < 0.2)
    if kind == "where":
        subj = _pick(rng, PERSONS + ANIMALS + THINGS)
        return Clause("where", subj=subj, subj_adj=_maybe_adj(rng, subj, 0.6))
    raise ValueError(kind)


def random_plan(rng: np.random.Generator, min_signs: int = 3, max_signs: int = 10) -> Plan:
    """A random sentence plan with between min_signs and max_signs glosses (in every sign language)."""
    while True:
        c1 = random_clause(rng)
        plan = Plan([c1])
        if c1.kind not in ("where",) and rng.random() < 0.45:
            plan.time = _pick(rng, TIMES)
        if c1.kind in ("where",):
            plan.time = None
        if c1.kind in ("trans", "intr", "pred") and not c1.neg and plan.tense == "present" and rng.random() < 0.15:
            plan.yesno = True
        if c1.kind in ("trans", "intr", "pred") and not plan.yesno and rng.random() < 0.25:
            plan.clauses.append(random_clause(rng, _pick(rng, ["trans", "intr", "pred"])))
        n = len(concepts_of(plan, "sl-alpha"))
        if min_signs <= n <= max_signs:
            return plan


# ---------------------------------------------------------------- glosses
def _np_gloss(noun, adj, adj_first):
    if adj is None:
        return [noun]
    return [adj, noun] if adj_first else [noun, adj]


def concepts_of(plan: Plan, sign_language: str) -> list[str]:
    """The concept ids of the sentence in the sign language's order (one sign each)."""
    o = ORDERS[sign_language]
    out: list[str] = [plan.time] if plan.time else []
    for c in plan.clauses:
        S = _np_gloss(c.subj, c.subj_adj, o["adj_first"]) if c.subj else []
        if c.kind == "trans":
            O = _np_gloss(c.obj, c.obj_adj, o["adj_first"])
            V = (["not", c.verb] if o["neg_before_verb"] else [c.verb, "not"]) if c.neg else [c.verb]
            parts = {"S": S, "O": O, "V": V, "T": []}
            out += [g for k in o["trans"] for g in parts[k]]
        elif c.kind == "intr":
            V = (["not", c.verb] if o["neg_before_verb"] else [c.verb, "not"]) if c.neg else [c.verb]
            parts = {"S": S, "P": [c.place] if c.place else [], "V": V, "T": []}
            out += [g for k in o["intr"] for g in parts[k]]
        elif c.kind == "pred":
            out += S + [c.adj] + (["not"] if c.neg else [])
        elif c.kind == "where":
            out += S + ["where"]
        elif c.kind == "what":
            out += S + [c.verb, "what"]
        elif c.kind == "who":
            out += [c.obj, c.verb, "who"]
    return out


def glosses_of(plan: Plan, sign_language: str, spoken: str) -> list[str]:
    return [gloss_of(c, spoken) for c in concepts_of(plan, sign_language)]


def sentence_nonmanuals(plan: Plan, concepts: list[str]) -> list[tuple[str, int, int]]:
    """Sentence-level non-manual markers as (kind, first sign, last sign + 1): "question" (yes/no: brows up,
    head forward), "wh" (brows down, head forward), "negation" (head shake over the verb and NOT)."""
    out = []
    if plan.yesno:
        out.append(("question", 0, len(concepts)))
    if any(c.kind in ("where", "what", "who") for c in plan.clauses):
        out.append(("wh", 0, len(concepts)))
    for i, c in enumerate(concepts):
        if c == "not":
            j = i - 1 if i > 0 and CONCEPT[concepts[i - 1]].category.startswith("verb") else i
            k = i + 2 if i + 1 < len(concepts) and CONCEPT[concepts[i + 1]].category.startswith("verb") else i + 1
            out.append(("negation", j, k))
    return out


# ---------------------------------------------------------------- English
def _en_np(noun, adj, definite=True):
    w = CONCEPT[noun].word("en")
    phrase = f"{CONCEPT[adj].word('en')} {w}" if adj else w
    if definite:
        return "the " + phrase
    if CONCEPT[noun].category == "mass":
        return phrase
    return ("an " if phrase[0] in "aeiou" else "a ") + phrase


def _en_clause(c: Clause, tense: str, yesno: bool, time: str | None) -> str:
    W = lambda cid: CONCEPT[cid].words["en"]  # noqa: E731
    S = _en_np(c.subj, c.subj_adj) if c.subj else None
    t = f" {CONCEPT[time].word('en')}" if time else ""
    if c.kind in ("trans", "intr"):
        base, s3, past = W(c.verb)
        if c.kind == "trans":
            rest = " " + _en_np(c.obj, c.obj_adj, definite=CONCEPT[c.obj].category in ("person", "animal"))
        else:
            prep = {"to": "to", "in": "in"}.get(next(iter(CONCEPT[c.verb].tags)), "")
            rest = f" {prep} {_en_np(c.place, None)}" if c.place else ""
        if yesno:
            return f"does {S} {base}{rest}{t}"
        if c.neg:
            aux = {"present": "does not", "past": "did not", "future": "will not"}[tense]
            return f"{S} {aux} {base}{rest}{t}"
        v = {"present": s3, "past": past, "future": "will " + base}[tense]
        return f"{S} {v}{rest}{t}"
    if c.kind == "pred":
        a = CONCEPT[c.adj].word("en")
        if yesno:
            return f"is {S} {a}{t}"
        cop = {"present": "is", "past": "was", "future": "will be"}[tense]
        if c.neg:
            cop = {"present": "is not", "past": "was not", "future": "will not be"}[tense]
        return f"{S} {cop} {a}{t}"
    if c.kind == "where":
        return f"where is {S}"
    if c.kind == "what":
        base = W(c.verb)[0]
        aux = {"present": "does", "past": "did", "future": "will"}[tense]
        return f"what {aux} {S} {base}{t}"
    if c.kind == "who":
        base, s3, past = W(c.verb)
        v = {"present": s3, "past": past, "future": "will " + base}[tense]
        return f"who {v} {_en_np(c.obj, None)}{t}"
    raise ValueError(c.kind)


# ---------------------------------------------------------------- German
_DE_ART = {"def": {"nom": {"m": "der", "f": "die", "n": "das"}, "acc": {"m": "den", "f": "die", "n": "das"},
                   "dat": {"m": "dem", "f": "der", "n": "dem"}},
           "indef": {"nom": {"m": "ein", "f": "eine", "n": "ein"}, "acc": {"m": "einen", "f": "eine", "n": "ein"},
                     "dat": {"m": "einem", "f": "einer", "n": "einem"}}}
_DE_ADJ = {"def": {"nom": {"m": "e", "f": "e", "n": "e"}, "acc": {"m": "en", "f": "e", "n": "e"},
                   "dat": {"m": "en", "f": "en", "n": "en"}},
           "indef": {"nom": {"m": "er", "f": "e", "n": "es"}, "acc": {"m": "en", "f": "e", "n": "es"},
                     "dat": {"m": "en", "f": "en", "n": "en"}},
           "none": {"nom": {"m": "er", "f": "e", "n": "es"}, "acc": {"m": "en", "f": "e", "n": "es"},
                    "dat": {"m": "em", "f": "er", "n": "em"}}}


def _de_np(noun, adj, det="def", case="nom", neg=False):
    w, g = CONCEPT[noun].words["de"]
    a = ""
    if adj:
        stem = CONCEPT[adj].word("de")
        a = (stem[:-1] if stem.endswith("e") else stem) + _DE_ADJ["indef" if neg and det == "none" else det][case][g] + " "
    if det == "none":
        return ("k" + _DE_ART["indef"][case][g] + " " if neg else "") + a + w
    art = _DE_ART[det][case][g]
    if neg and det == "indef":
        art = "k" + art
    return f"{art} {a}{w}"


def _de_place(noun, prep):
    w, g = CONCEPT[noun].words["de"]
    if prep == "to":
        return {"m": "zum", "n": "zum", "f": "zur"}[g] + " " + w
    return {"m": "im", "n": "im", "f": "in der"}[g] + " " + w


def _de_clause(c: Clause, tense: str, yesno: bool, time: str | None) -> str:
    S = _de_np(c.subj, c.subj_adj) if c.subj else None
    T = CONCEPT[time].word("de") if time else None
    if c.kind in ("trans", "intr", "pred", "what", "who"):
        if c.kind == "pred":
            inf, s3, past = "sein", "ist", "war"
        else:
            inf, s3, past = CONCEPT[c.verb].words["de"][:3]
        fin = {"present": s3, "past": past, "future": "wird"}[tense]
        tail = inf if tense == "future" else ""
    if c.kind in ("trans", "intr", "pred"):
        neg_obj = False
        if c.kind == "trans":
            cat = CONCEPT[c.obj].category
            case = "dat" if "dat" in CONCEPT[c.verb].words["de"] else "acc"
            det = "def" if cat in ("person", "animal") else ("none" if cat == "mass" else "indef")
            neg_obj = c.neg and det != "def"
            middle = _de_np(c.obj, c.obj_adj, det, case, neg=neg_obj)
            middle += " nicht" if c.neg and not neg_obj else ""
        elif c.kind == "intr":
            prep = next(iter(CONCEPT[c.verb].tags))
            place = _de_place(c.place, prep) if c.place else ""
            middle = " ".join(x for x in ("nicht" if c.neg else "", place) if x)
        else:
            middle = ("nicht " if c.neg else "") + CONCEPT[c.adj].word("de")
        if yesno:
            words = [fin, S, middle, tail]
        elif T:
            words = [T, fin, S, middle, tail]
        else:
            words = [S, fin, middle, tail]
        return " ".join(w for w in words if w)
    if c.kind == "where":
        return f"wo ist {S}"
    if c.kind == "what":
        return " ".join(w for w in ("was", fin, S, T, tail) if w)
    if c.kind == "who":
        case = "dat" if "dat" in CONCEPT[c.verb].words["de"] else "acc"
        return " ".join(w for w in ("wer", fin, _de_np(c.obj, None, "def", case), T, tail) if w)
    raise ValueError(c.kind)


# ---------------------------------------------------------------- Spanish
def _es_np(noun, adj, det="def", personal_a=False):
    w, g = CONCEPT[noun].words["es"]
    if adj:
        m, f, _ = CONCEPT[adj].words["es"]
        w = f"{w} {m if g == 'm' else f}"
    if det == "none":
        art = ""
    elif det == "def":
        art = "el" if g == "m" or noun == "water" else "la"
    else:
        art = "un" if g == "m" else "una"
    phrase = f"{art} {w}".strip()
    if personal_a:
        phrase = "al " + phrase[3:] if phrase.startswith("el ") else "a " + phrase
    return phrase


def _es_place(noun, prep):
    np_ = _es_np(noun, None)
    if prep == "to":
        return "al " + np_[3:] if np_.startswith("el ") else "a " + np_
    return "en " + np_


def _es_clause(c: Clause, tense: str, yesno: bool, time: str | None) -> str:
    S = _es_np(c.subj, c.subj_adj) if c.subj else None
    T = CONCEPT[time].word("es") if time else None
    neg = "no " if c.neg else ""
    if c.kind in ("trans", "intr", "what", "who"):
        inf, s3, past = CONCEPT[c.verb].words["es"][:3]
        V = {"present": s3, "past": past, "future": "va a " + inf}[tense]
    if c.kind == "trans":
        cat = CONCEPT[c.obj].category
        det = "def" if cat in ("person", "animal") else ("none" if cat == "mass" else "indef")
        pa = cat == "person" and "a" in CONCEPT[c.verb].words["es"][3:]
        core = f"{S} {neg}{V} {_es_np(c.obj, c.obj_adj, det, personal_a=pa)}"
    elif c.kind == "intr":
        prep = next(iter(CONCEPT[c.verb].tags))
        core = f"{S} {neg}{V}" + (f" {_es_place(c.place, prep)}" if c.place else "")
    elif c.kind == "pred":
        m, f, cop = CONCEPT[c.adj].words["es"]
        g = CONCEPT[c.subj].words["es"][1]
        forms = {"ser": {"present": "es", "past": "era", "future": "va a ser"},
                 "estar": {"present": "está", "past": "estaba", "future": "va a estar"}}[cop]
        core = f"{S} {neg}{forms[tense]} {m if g == 'm' else f}"
    elif c.kind == "where":
        return f"dónde está {S}"
    elif c.kind == "what":
        return " ".join(w for w in ("qué", V, S, T) if w)
    elif c.kind == "who":
        pa = CONCEPT[c.obj].category == "person" and "a" in CONCEPT[c.verb].words["es"][3:]
        return " ".join(w for w in ("quién", V, _es_np(c.obj, None, "def", personal_a=pa), T) if w)
    return f"{T} {core}" if T else core


_REALISE = {"en": _en_clause, "de": _de_clause, "es": _es_clause}
_AND = {"en": "and", "de": "und", "es": "y"}


def translate(plan: Plan, spoken: str) -> str:
    """The sentence in a spoken language, capitalised and punctuated."""
    parts = []
    for i, c in enumerate(plan.clauses):
        parts.append(_REALISE[spoken](c, plan.tense, plan.yesno, plan.time if i == 0 else None))
    text = f" {_AND[spoken]} ".join(parts)
    question = plan.yesno or any(c.kind in ("where", "what", "who") for c in plan.clauses)
    text = text[0].upper() + text[1:]
    if spoken == "es" and question:
        return f"¿{text}?"
    return text + ("?" if question else ".")


def isolated_text(concept_id: str, spoken: str) -> str:
    """The template sentence of an isolated sign ("This word is apple.")."""
    return TEMPLATES[spoken].format(CONCEPT[concept_id].word(spoken))
