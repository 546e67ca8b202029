"""The phrase index the rules parser reads requests with.

It is built from three editable files: the catalog (values, measures, predicates, derived
attributes, terms), the segmentation models (named segments) and `schemas/lexicon.yaml` (grammar
words). Every phrase is normalised exactly like a request, so matching is a dictionary look-up.
"""

from __future__ import annotations

import difflib
import re
from collections import defaultdict
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import yaml

from assistant.catalog import Catalog
from assistant.config import SCHEMAS_DIR
from assistant.rules.text import normalize

LEXICON_PATH = SCHEMAS_DIR / "lexicon.yaml"

# When one phrase means several things, the kind earlier in this list wins; within a kind the
# parser resolves by context (e.g. "email" is a campaign channel next to "opened").
PRIORITY = (
    "refuse", "term", "same_time", "since_then", "before_then", "afterwards", "segment_model",
    "model_alias",
    "signup",
    "recency", "share", "first", "rank", "aggregate",
    "between",
    "comparator", "negation", "measure", "predicate", "verb", "field", "value", "column",
    "band",
    "derived", "age", "unit", "ago", "unknown", "money_verb", "conjunction", "stopword",
)  # fmt: skip
GRAMMAR_KINDS = {"negation", "comparator", "conjunction", "between", "rank"}
# Kinds of meaning the catalog gives a phrase (the rest are the grammar's own words).
_CATALOG_KINDS = frozenset(
    ("term", "segment_model", "model_alias", "measure", "predicate", "verb", "field", "value")
    + ("column", "derived", "band", "signup")
)


@dataclass(frozen=True)
class Meaning:
    """One thing a phrase can mean. `kind` is from PRIORITY; the other fields depend on it."""

    kind: str
    name: str = ""  # measure/term/derived/predicate name, comparator op, conjunction type, unit
    table: str | None = None
    column: str | None = None
    value: str | None = None
    source: str | None = None  # activity source for verbs
    extra: tuple[tuple[str, Any], ...] = ()

    def get(self, key: str, default: Any = None) -> Any:
        return dict(self.extra).get(key, default)


@dataclass
class Lexicon:
    phrases: dict[tuple[str, ...], list[Meaning]] = field(default_factory=dict)
    vocabulary: frozenset[str] = frozenset()
    max_len: int = 1
    grammar: dict[str, Any] = field(default_factory=dict)

    def match(
        self, words: list[str], start: int, skip: frozenset[str] = frozenset()
    ) -> tuple[int, list[Meaning]]:
        """Longest phrase starting at `start`: (length, meanings), or (0, []) when none.

        Meanings of a kind in `skip` are ignored (a term's definition may not use terms).
        """
        for length in range(min(self.max_len, len(words) - start), 0, -1):
            meanings = self.phrases.get(tuple(words[start : start + length]), [])
            meanings = [
                m
                for m in meanings
                if m.kind not in skip and not ("term" in skip and m.get("beside_term"))
            ]
            if meanings:
                return self._filler_yields(words, start, length, meanings)
        return 0, []

    def _filler_yields(
        self, words: list[str], start: int, length: int, meanings: list[Meaning]
    ) -> tuple[int, list[Meaning]]:
        """'with an email address': a filler phrase ('an email') never hides a catalog phrase
        that starts inside it and goes on past its end ('email address'): the filler ends there."""
        if length < 2 or any(m.kind != "stopword" for m in meanings):
            return length, meanings
        for inner in range(1, length):
            longer, found = self.match(words, start + inner)
            if inner + longer > length and any(m.kind in _CATALOG_KINDS for m in found):
                return inner, [Meaning("stopword")]
        return length, meanings

    def correct(self, word: str) -> str | None:
        """The vocabulary word a misspelling most likely meant ("outdor" -> "outdoor")."""
        if len(word) < 5 or not word.isalpha() or word in self.vocabulary:
            return None
        candidates = [w for w in self.vocabulary if len(w) >= 5 and abs(len(w) - len(word)) <= 2]
        close = difflib.get_close_matches(word, candidates, n=1, cutoff=0.84)
        if not close:
            # "wmoen": two letters swapped in a short word score under the cutoff; one such
            # word and no other is the one meant
            close = sorted(w for w in _swapped(word) if w in self.vocabulary and len(w) >= 5)
            close = close if len(close) == 1 else []
        if not close or _another_verb_form(word, close[0]) or _opposite(word, close[0]):
            return None
        return close[0]


def _swapped(word: str) -> set[str]:
    """The words two neighbouring letters swapped make ('wmoen': 'women'). A letter changed
    is as often another real word ('matter' and 'master', 'point' and 'paint'), so that is
    left to be reported."""
    return {word[:i] + word[i + 1] + word[i] + word[i + 2 :] for i in range(len(word) - 1)} - {word}


_NEGATING_PREFIXES = ("un", "non", "non-", "in", "im", "dis", "ir", "il")


def _opposite(word: str, close: str) -> bool:
    """'unmarried' is no misspelt 'married' (nor 'subscribed' a misspelt 'unsubscribed'): a
    word that is the other with a negating prefix means its opposite."""
    return any(word == p + close or close == p + word for p in _NEGATING_PREFIXES)


def _another_verb_form(word: str, close: str) -> bool:
    """'sitting' is no misspelt 'setting': an -ing or -ed word one vowel away from another is
    most likely a different word, so it is reported, not corrected."""
    if len(word) != len(close) or not word.endswith(("ing", "ed")):
        return False
    diffs = [(a, b) for a, b in zip(word, close, strict=True) if a != b]
    return len(diffs) == 1 and all(ch in "aeiou" for ch in diffs[0])


def phrase_key(phrase: str) -> tuple[str, ...]:
    return tuple(re.findall(r"[a-z0-9&$%_+<]+|,", normalize(phrase)))


class _Builder:
    def __init__(self) -> None:
        self.index: dict[tuple[str, ...], list[Meaning]] = defaultdict(list)

    def add(self, phrase: str, meaning: Meaning) -> None:
        key = phrase_key(phrase)
        if key and meaning not in self.index[key]:
            self.index[key].append(meaning)

    def lexicon(self, grammar: dict[str, Any]) -> Lexicon:
        ordered = {
            key: sorted(meanings, key=lambda m: PRIORITY.index(m.kind))
            for key, meanings in self.index.items()
        }
        vocabulary = frozenset(word for key in ordered for word in key if word.isalpha())
        return Lexicon(ordered, vocabulary, max(len(k) for k in ordered), grammar)


def load_grammar(path: Path = LEXICON_PATH) -> dict[str, Any]:
    with path.open(encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def build_lexicon(
    catalog: Catalog,
    grammar: dict[str, Any],
    models: Any | None,
    offered: list[str] | None = None,
) -> Lexicon:
    """`offered`: the segment models this catalog's roles support (default: all of them); an
    unsupported model's labels ("new", "lost") stay ordinary words."""
    grammar = _with_table_names(grammar, catalog)
    builder = _Builder()
    _add_grammar(builder, grammar)
    _add_catalog(builder, catalog, grammar)
    if models is not None:
        negations = {w for phrase in grammar["negation"] for w in phrase_key(phrase)[:1]}
        names = models.names() if offered is None else offered
        _add_models(builder, models, names, negations, grammar.get("model_aliases", {}))
    _drop_values_shadowing_grammar(builder)
    return builder.lexicon(grammar)


def lexicon_for(catalog: Catalog) -> Lexicon:
    """The lexicon of one loaded catalog (built once per catalog)."""
    return catalog.cached("rules.lexicon", _build_for)


def _build_for(catalog: Catalog) -> Lexicon:
    try:
        from assistant.segmodels import available_models, load_models

        models, offered = load_models(), available_models(catalog)
    except (ImportError, FileNotFoundError):  # segment models are optional for custom catalogs
        models, offered = None, None
    return build_lexicon(catalog, load_grammar(), models, offered)


def _with_table_names(grammar: dict[str, Any], catalog: Catalog) -> dict[str, Any]:
    """`{tables}` in a refusal pattern stands for this catalog's table names."""
    names = "|".join(re.escape(t) for t in sorted(catalog.tables, key=len, reverse=True))
    refuse = {k: v.replace("{tables}", names) for k, v in grammar.get("refuse", {}).items()}
    return {**grammar, "refuse": refuse}


def _add_grammar(b: _Builder, g: dict[str, Any]) -> None:
    for phrase in g["negation"]:
        b.add(phrase, Meaning("negation"))
    for op, phrases in g["comparators"].items():
        for phrase in phrases:
            b.add(phrase, Meaning("comparator", name=op))
    for phrase in g["between"]:
        b.add(phrase, Meaning("between"))
    for kind, phrases in g["conjunctions"].items():
        for phrase in phrases:
            b.add(phrase, Meaning("conjunction", name=kind))
    for direction in ("top", "bottom"):
        for phrase in g["ranking"][direction]:
            b.add(phrase, Meaning("rank", name=direction))
    for phrase in g["age_words"]:
        b.add(phrase, Meaning("age"))
    for unit, phrases in g["units"].items():
        for phrase in phrases:
            b.add(phrase, Meaning("unit", name=unit))
    for phrase in g.get("unknown", []):
        b.add(phrase, Meaning("unknown"))
    for phrase in g["ago"]:
        b.add(phrase, Meaning("ago"))
    for phrase in g["signup_verbs"]:
        b.add(phrase, Meaning("signup"))
    for name, phrases in g.get("aggregates", {}).items():
        for phrase in phrases:
            b.add(phrase, Meaning("aggregate", name=name))
    for phrase in g.get("recency_words", []):
        b.add(phrase, Meaning("recency"))
    for phrase in g.get("share_words", []):
        b.add(phrase, Meaning("share"))
    for phrase in g.get("all_words", []):
        b.add(phrase, Meaning("share", name="all"))
    for phrase in g.get("first_words", []):
        b.add(phrase, Meaning("first"))
    for phrase in g.get("same_time", []):
        b.add(phrase, Meaning("same_time"))
    for phrase in g.get("since_then", []):
        b.add(phrase, Meaning("since_then"))
    for phrase in g.get("before_then", []):
        b.add(phrase, Meaning("before_then"))
    for phrase in g.get("afterwards", []):
        b.add(phrase, Meaning("afterwards"))
    for phrase in g.get("money_verbs", []):
        b.add(phrase, Meaning("money_verb"))
    for phrase in g["stopwords"]:
        b.add(phrase, Meaning("stopword"))


# Columns with at most this many values also read "<column> <stored value>" as the value.
_NAMED_VALUES = 30


def _add_catalog(b: _Builder, catalog: Catalog, g: dict[str, Any]) -> None:
    # A stored code that is also a plain word ("IN" for Indiana, "OR", "ME") names the value
    # only through its label and synonyms: "in store" is not "Indiana store".
    reserved = {phrase_key(w) for w in _plain_words(g)}
    customer_columns = {
        place for name in catalog.property_names() if (place := catalog.property_column(name))
    }
    for t, table in catalog.tables.items():
        for c, column in table.columns.items():
            for stored, value in (column.values or {}).items():
                meaning = Meaning("value", table=t, column=c, value=stored)
                # a stored code written with a comparison (">10000") reads as one ("more than
                # 10000"), never as the value: the value is said through its label and synonyms
                coded = phrase_key(stored) in reserved or any(ch in stored for ch in "<>=")
                own = [] if coded else [stored]
                for phrase in (*own, value.label, *value.synonyms):
                    if phrase:
                        b.add(phrase, meaning)
                if own and len(column.values or {}) <= _NAMED_VALUES:
                    # "status=active", "plan pro": the column named with its stored value is
                    # that value, whatever else the value's word alone means (a term)
                    for name in column.synonyms:
                        b.add(f"{name} {stored}", meaning)
            for phrase in column.synonyms:
                b.add(phrase, Meaning("column", table=t, column=c))
            if column.values and (t, c) not in customer_columns:
                # "3 categories", "5 departments": the plural of an enumerated column of the
                # things customers do names the column too (a count of its different values),
                # where it says nothing else.
                for phrase in column.synonyms:
                    plural = _plural(phrase)
                    if all(m.kind == "stopword" for m in b.index.get(phrase_key(plural), [])):
                        b.add(plural, Meaning("column", table=t, column=c))
    # The customers' own nouns ("accounts", "companies") say who, not which: filler words.
    entity = catalog.entity
    for phrase in (entity.noun, entity.plural, *catalog.tables[entity.table].synonyms):
        b.add(phrase, Meaning("stopword"))
    for name, event in catalog.events.items():
        for phrase in event.verbs:
            b.add(phrase, Meaning("verb", source=name))
        for phrase in event.recency:
            b.add(phrase, Meaning("recency", source=name))
        for fname, spec in event.fields.items():
            for phrase in spec.synonyms:
                b.add(phrase, Meaning("field", name=fname, source=name))
        for pname, predicate in event.predicates.items():
            for phrase in predicate.synonyms:
                b.add(phrase, Meaning("predicate", name=pname, table=event.table, source=name))
    for name, measure in catalog.measures.items():
        for phrase in measure.phrases:
            b.add(phrase, Meaning("measure", name=name, source=measure.event))
    for name, derived in catalog.derived.items():
        for phrase in derived.synonyms:
            b.add(phrase, Meaning("derived", name=name))
        for band_key, band in derived.bands.items():
            extra = (("min", band.min), ("max", band.max), ("label", band.label or band_key))
            for phrase in (band.label, *band.synonyms):
                if phrase:
                    b.add(phrase, Meaning("band", name=name, value=band_key, extra=extra))
    for name, term in catalog.terms.items():
        for phrase in (name.replace("_", " "), *term.synonyms):
            b.add(phrase, Meaning("term", name=name))
            single = _singular_compound(phrase)
            if single and phrase_key(single) not in b.index:
                # "big-basket shoppers": the term's plural noun said as a modifier
                b.add(single, Meaning("term", name=name))
    _add_base_forms(b)
    owned = {(catalog.entity.table, c) for c in catalog.tables[catalog.entity.table].columns}
    owned |= {tuple(p.column.split(".", 1)) for p in catalog.properties.values()}
    _add_singular_values(b, owned)


def _add_singular_values(b: _Builder, owned: set[tuple[str, ...]]) -> None:
    """'a <thing> or a <thing>': a value of what is bought or done, named in the plural, is said
    in the singular too, unless the singular already means something. Not a value of what a customer
    is ('experiences' as a reward preference): there the singular is an ordinary word."""
    for key, meanings in list(b.index.items()):
        values = [m for m in meanings if m.kind == "value"]
        if not values or len(values) != len(meanings):
            continue
        if any((m.table, m.column) in owned for m in values):
            continue
        single = singular_word(key[-1])
        if single is None:
            continue
        variant = (*key[:-1], single)
        if variant not in b.index:
            for m in values:
                b.add(" ".join(variant), m)


def singular_word(word: str) -> str | None:
    if len(word) < 3 or not word.endswith("s") or word.endswith(("ss", "us", "is", "'s")):
        return None
    if len(word) == 3 and word[1] in "aeiouy":
        return None  # "gas", "yes": no plural; "tvs", "pcs" are
    return word[:-3] + "y" if word.endswith("ies") else word[:-1]


def _add_base_forms(b: _Builder) -> None:
    """'didn't create a report', 'never export data', 'after raising a ticket': a catalog
    phrase that starts with a regular past tense ('created a report') is said in the base form
    after 'did not' too, and as a gerund."""
    for key, meanings in list(b.index.items()):
        verb = key[0]
        if len(verb) < 5 or not verb.endswith("ed"):
            continue
        kinds = [m for m in meanings if m.kind in ("value", "verb", "predicate")]
        if not kinds:
            continue
        if len(key) < 2:
            gerund = (verb[:-2] + "ing",)  # "opened" -> "opening", "clicked" -> "clicking"
            if gerund not in b.index:
                for m in kinds:
                    b.add(gerund[0], m)
            continue
        stems = {verb[:-1], verb[:-2]}
        if verb[-3] == verb[-4]:
            stems.add(verb[:-3])  # "logged in": log in
        stems.add(verb[:-2] + "ing")  # "after raising a ticket", "opening a ticket"
        for stem in stems:
            variant = (stem, *key[1:])
            if variant not in b.index:
                for m in kinds:
                    b.add(" ".join(variant), m)


def _singular_compound(phrase: str) -> str | None:
    """'big baskets' -> 'big basket': a phrase of two or more words ending in a plain plural."""
    words = phrase.split()
    stem = singular_word(words[-1]) if len(words) > 1 else None
    return " ".join([*words[:-1], stem]) if stem else None


def _plural(phrase: str) -> str:
    if phrase.endswith("y") and phrase[-2:-1] not in ("a", "e", "o", "u"):
        return phrase[:-1] + "ies"
    if phrase.endswith(("s", "x", "ch", "sh")):
        return phrase + "es"
    return phrase + "s"


def _plain_words(g: dict[str, Any]) -> list[str]:
    words = [*g.get("stopwords", []), *g.get("negation", []), *g.get("between", [])]
    for phrases in g.get("conjunctions", {}).values():
        words += phrases
    for phrases in g.get("comparators", {}).values():
        words += phrases
    return words


def _add_models(
    b: _Builder,
    models: Any,
    names_offered: list[str],
    negations: set[str],
    aliases: dict[str, list[str]],
) -> None:
    for model_name in names_offered:
        names = aliases.get(model_name, [model_name.replace("_", " ")])
        for label in models.get(model_name).labels:
            meaning = Meaning("segment_model", name=model_name, value=label.key)
            for spelling in {label.key.replace("_", " "), label.name, *label.synonyms}:
                words = phrase_key(spelling)
                if any(ch.isdigit() for ch in spelling):
                    continue  # "top 10%" is read by the grammar itself
                if words[0] in negations:
                    # "never bought" is read by the grammar itself, or names a catalog term;
                    # next to a term the label is there for "… the lifecycle model puts in
                    # never purchased" (a named model prefers its label to the term).
                    if any(m.kind == "term" for m in b.index.get(words, [])):
                        b.add(spelling, replace(meaning, extra=(("beside_term", True),)))
                    # "the rfm cannot lose them group": with the model named it is the label
                    for n in names:
                        b.add(f"{n} {spelling}", meaning)
                        b.add(f"{spelling} {n}", meaning)
                    continue
                # Qualified forms name the model outright: "lifecycle stage at risk".
                forms = [f"{n} {spelling}" for n in names] + [f"{spelling} {n}" for n in names]
                if len("".join(words)) <= 2:
                    # "A" and "B" are articles and letters: only qualified forms name ABC classes.
                    forms.append(f"{spelling} customers")
                else:
                    forms.append(spelling)
                for form in forms:
                    b.add(form, meaning)
        for name in names:  # "according to RFM": the model itself, to pick its labels
            b.add(name, Meaning("model_alias", name=model_name))


def _drop_values_shadowing_grammar(b: _Builder) -> None:
    # "none" is a stored loyalty tier, but in a request it is the word "none".
    for key, meanings in b.index.items():
        if any(m.kind in GRAMMAR_KINDS for m in meanings):
            b.index[key] = [m for m in meanings if m.kind in GRAMMAR_KINDS]
