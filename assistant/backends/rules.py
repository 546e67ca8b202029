"""The embedded default backend: deterministic, offline, grounded in the catalog."""

from __future__ import annotations

import functools
import re
from typing import TYPE_CHECKING

from pydantic import ValidationError

from assistant.backends.base import Clarification, Interpretation, Turn, Validator
from assistant.catalog import Catalog, load_catalog
from assistant.lexicon_cache import cached_lexicon
from assistant.rules import corrections, grouping
from assistant.rules.brief import flattened, sql_like, untitled
from assistant.rules.combine import is_unnarrowed
from assistant.rules.coverage import walk
from assistant.rules.homonyms import Homonym
from assistant.rules.lexicon import Lexicon
from assistant.rules.parser import ParseResult, RequestParser
from assistant.rules.refine import REFINED, activity_sources, detect_intent, refine, strip_command
from assistant.rules.steps import (
    ranked_steps,
    restated,
    split_steps,
    with_earlier_time,
    without_purpose_tail,
    without_scene,
)
from assistant.rules.timeparse import TimeParser
from assistant.spec import ActivityCondition, Condition, RankCondition, SegmentSpec

if TYPE_CHECKING:
    from collections.abc import Sequence

# The amount said with a number, in the choices offered for "buy a lot of …".
_AMOUNT_TAILS = ("at least 3 times in the last 12 months", "at least 6 times in the last 12 months")
EVERYONE = {"all customers", "everyone", "all", "everybody", "the whole base", "all of them"}


class RulesBackend:
    """Reads requests with the rules grammar; follow-ups edit the current spec."""

    name = "rules"

    def __init__(self, catalog: Catalog | None = None, lexicon: Lexicon | None = None) -> None:
        self.catalog = catalog or load_catalog()
        self.lexicon = lexicon or cached_lexicon(self.catalog)
        entity = self.catalog.entity
        table = self.catalog.tables.get(entity.table)
        self._audience = (entity.noun, entity.plural, *(table.synonyms if table else ()))

    def interpret(self, turn: Turn, validate: Validator | None = None) -> Interpretation:
        notes: list[str] = []

        @functools.cache
        def alone(words: str) -> ParseResult:
            # the brief and title readers ask about the same words more than once
            return RequestParser(self.catalog, self.lexicon, turn.as_of).parse(words)

        def understood(words: str) -> bool:
            got = alone(words)
            return bool(got.conditions) and not got.unknown_words and not got.unrecognized

        def about(words: str) -> set[str]:
            got = alone(words)
            if got.unknown_words or got.unrecognized:
                return set()
            return {_about(c) for c in walk(got.conditions)}

        request = sql_like(turn.request)
        brief = flattened(request, self.lexicon.grammar, understood)
        request = request if brief is None else brief.text
        if brief is not None:
            notes += brief.notes
        else:
            request, title = untitled(request, self.lexicon.grammar, understood, about)
            if title is not None:
                notes.append(f"'{title}:' read as the request's title, not a condition")
        request, scene = without_scene(request)
        if scene is not None:
            notes.append(f"'{scene}' read as the setting of the request, not a condition")
        request, purpose = without_purpose_tail(request)
        if purpose is not None:
            notes.append(f"'{purpose}' read as what the audience is for, not a condition")
        request, first = restated(request)
        if first is not None:
            notes.append(f"'{first}' read as what the words after it spell out")
        if request == turn.request:
            return self._interpret(turn, validate)
        update: dict = {"request": request}
        whole = brief is not None or any("title" in n or "setting" in n for n in notes)
        if whole and turn.current is not None:
            # a brief, a titled request or one that sets its scene describes a whole audience:
            # a new segment, not a follow-up on the one on screen
            update["current"] = None
            notes.append("a whole brief starts a new segment")
        got = self._interpret(turn.model_copy(update=update), validate)
        return got.model_copy(update={"assumptions": [*notes, *got.assumptions]})

    def _interpret(self, turn: Turn, validate: Validator | None = None) -> Interpretation:
        stepped = self._in_steps(turn, validate)
        if stepped is not None:
            return stepped
        grouped = self._grouped(turn, validate)
        if grouped is not None:
            return grouped
        corrected = self._self_corrected(turn, validate)
        if corrected is not None:
            return corrected
        parser = RequestParser(self.catalog, self.lexicon, turn.as_of)
        context = activity_sources(turn.current)
        parsed = parser.parse(turn.request, context=context)
        if parsed.refusal:
            return Interpretation(refusal=parsed.refusal)
        intent = detect_intent(
            parsed.normalized, self.lexicon.grammar, turn.current is not None, self._audience
        )
        if intent in ("remove", "replace"):
            # The command words ("drop the", "what about") are not part of the audience.
            command = strip_command(parsed.normalized, self.lexicon.grammar, intent)
            parsed = parser.parse(command, context=context)
        if intent == "reset":
            return Interpretation(reset=True, assumptions=["started over"])
        base = dict(unrecognized=parsed.unrecognized, assumptions=parsed.assumptions)
        if parsed.vague:
            return Interpretation(clarification=which_reading(turn.request, parsed.vague), **base)
        if not parsed.understood:
            if parsed.normalized in EVERYONE:
                return Interpretation(spec=SegmentSpec(), **base)
            return Interpretation(
                clarification=self._clarify(parsed.unknown_words or parsed.unrecognized), **base
            )
        if turn.current is not None and intent != "new":
            refined = refine(turn.current, parsed, intent, self.catalog)
            base["assumptions"] = refined.notes + parsed.assumptions
            return Interpretation(spec=refined.spec, **base)
        if turn.current is not None:
            # said after a segment, a request that names its own audience starts a new one
            base["assumptions"] = [
                "a new segment, not a refinement of the one on screen",
                *base["assumptions"],
            ]
        if not parsed.conditions:
            return Interpretation(
                clarification=self._clarify(parsed.unknown_words or parsed.unrecognized), **base
            )
        if parsed.homonyms:
            return Interpretation(clarification=which_place(turn.request, parsed.homonyms), **base)
        if parsed.unranked:
            ranked = self._rank_choices(turn, parsed.unranked)
            if ranked is not None:
                return Interpretation(clarification=ranked, **base)
        if parsed.unrecognized and all(_did_it_at_all(c) for c in parsed.conditions):
            # "customers who buy a lot": all that was understood is that they bought at all,
            # which is nearly everyone; the words that would narrow it were not understood
            return Interpretation(clarification=self._clarify(parsed.unrecognized), **base)
        vague = self._vague_amount(parsed.unrecognized, parsed.conditions)
        if vague:
            return Interpretation(clarification=self._ask_amount(turn, vague), **base)
        if parsed.guesses and len(parsed.unknown_words) > parsed.guesses:
            # "people near our flagship store": what was understood is only a guess, and most
            # of the words around it are unknown; ask, with choices.
            return Interpretation(clarification=self._clarify(parsed.unknown_words), **base)
        spec, unmade = _made(parsed.conditions)
        base["unrecognized"] = [*parsed.unrecognized, *unmade]
        if not spec.conditions:
            return Interpretation(clarification=self._clarify(base["unrecognized"]), **base)
        return Interpretation(spec=spec, **base)

    def _in_steps(self, turn: Turn, validate: Validator | None) -> Interpretation | None:
        """'start with everyone in Ohio. now keep only … then drop anybody who …': each step a
        follow-up on the segment the steps before it made."""
        steps = split_steps(turn.request)
        ranked = len(steps) < 2
        if ranked:
            steps = ranked_steps(turn.request)
        if len(steps) < 2:
            return None
        if RequestParser(self.catalog, self.lexicon, turn.as_of).refuses(turn.request):
            return None  # "SELECT …; DROP TABLE …" is refused whole, not read in steps
        times = TimeParser(turn.as_of)
        current, done = turn.current, []
        unrecognized: list[str] = []
        assumptions = [f"read as {len(steps)} steps, each refining the one before"]
        for step in steps:
            text = with_earlier_time(step, done, times)
            update = {"request": text, "current": ranked_first(current)}
            got = self.interpret(turn.model_copy(update=update), validate)
            if got.spec is None:
                return got  # a step it cannot read is asked about, never skipped
            if ranked and not done and not _has_rank(got.spec):
                return None  # ", then …" after anything but a ranking is read as one request
            current = got.spec
            done.append(text)
            unrecognized += [u for u in got.unrecognized if u not in unrecognized]
            assumptions += [a for a in got.assumptions if a not in assumptions]
        return Interpretation(spec=current, unrecognized=unrecognized, assumptions=assumptions)

    def _grouped(self, turn: Turn, validate: Validator | None) -> Interpretation | None:
        """'(A or B) and C': the bracket and the rest, each read alone; the audience is both."""
        split = grouping.operands(turn.request) if turn.current is None else None
        if split is None:
            return None
        parts = [
            self.interpret(turn.model_copy(update={"request": words}), validate) for words in split
        ]
        if any(p.spec is None or not p.spec.conditions for p in parts):
            return None
        group, rest = parts
        spec = rest.spec.model_copy(
            update={"conditions": [*rest.spec.conditions, *group.spec.conditions]}
        )  # type: ignore[union-attr]
        return Interpretation(
            spec=spec,
            unrecognized=list(dict.fromkeys([*rest.unrecognized, *group.unrecognized])),
            assumptions=list(
                dict.fromkeys(
                    [
                        f"'({split[0]})' read as one condition, with the rest",
                        *rest.assumptions,
                        *group.assumptions,
                    ]
                )
            ),
        )

    def _self_corrected(self, turn: Turn, validate: Validator | None) -> Interpretation | None:
        """'silver members - no wait, bronze - who …', 'in the past month - make it 2 months':
        a number or time said again replaces the one before it in the words; anything else
        replaces what the words before it say about the same thing, as a follow-up 'bronze
        instead' would."""
        text, fixes, said = corrections.all_found(turn.request)
        if not said:
            return None
        got = self.interpret(turn.model_copy(update={"request": text}), validate)
        for fix in fixes:
            if got.spec is None or not got.spec.conditions:
                return None
            update = {"request": f"{fix} instead", "current": got.spec}
            second = self.interpret(turn.model_copy(update=update), validate)
            if second.spec is None or second.spec == got.spec:
                return None
            if len(second.spec.conditions) > len(got.spec.conditions):
                return None  # nothing was replaced: "Texas, wait, who bought online" adds
            got = second.model_copy(
                update={
                    "unrecognized": list(dict.fromkeys([*got.unrecognized, *second.unrecognized])),
                    "assumptions": list(
                        dict.fromkeys([*got.assumptions, *_not_refined(second.assumptions)])
                    ),
                }
            )
        notes = [f"'{s.strip(' ,.;')}' corrects what was said before it" for s in said]
        return got.model_copy(
            update={"assumptions": list(dict.fromkeys([*notes, *got.assumptions]))}
        )

    def _rank_choices(self, turn: Turn, word: str) -> Clarification | None:
        """'the top accounts in EMEA': top by what, and how many? Offers the request ranked by
        each of the catalog's plain amounts (the ones the grammar reads back as a ranking)."""
        if _said_instead(turn.request, word, "") == turn.request:
            return None  # the word is not in the request as said
        choices = []
        for name, measure in self.catalog.measures.items():
            if measure.unit != "currency" or measure.filters or not measure.phrases:
                continue
            own = name.replace("_", " ")
            phrase = own if own in measure.phrases else measure.phrases[0]
            choice = f"{_said_instead(turn.request, word, f'{word} 10')} by {phrase}"
            reading = RequestParser(self.catalog, self.lexicon, turn.as_of).parse(choice)
            ranked = any(isinstance(c, RankCondition) for c in reading.conditions)
            if ranked and not reading.unrecognized and choice not in choices:
                choices.append(choice)
            if len(choices) == 3:
                break
        if not choices:
            return None
        question = f"'{word}' by what, and how many?"
        return Clarification(question=question, suggestions=choices, readings=True)

    def _vague_amount(self, unrecognized: list[str], conditions: list[Condition]) -> str | None:
        """'customers who buy a lot of electronics': the amount is a word, not a number, and
        every activity was read at its least ('at least one'), so the count would be a guess."""
        grammar = self.lexicon.grammar
        words = {*grammar.get("vague_amounts", []), *grammar.get("vague_changes", [])}
        said = next((u for u in unrecognized if u.split(" ")[0] in words), None)
        acts = [c for c in conditions if isinstance(c, ActivityCondition)]
        if said is None or not acts or not all(_at_its_least(c) for c in acts):
            return None
        return said

    def _ask_amount(self, turn: Turn, word: str) -> Clarification:
        choices = self._amount_choices(turn)
        if word in self.lexicon.grammar.get("vague_changes", []):
            question = (
                f"'{word}' compared with when? Say the two periods, e.g. spent less in the last "
                "6 months than in the 6 months before, or fewer purchases this year than last year."
            )
            return Clarification(question=question, suggestions=self._change_examples(turn))
        shown = f"a {word}" if word == "lot" else word
        question = (
            f"How much is '{shown}'? Give me a number to go on: how many times, or how much "
            "spend (e.g. at least 3 purchases in the last 6 months)."
        )
        if choices:
            return Clarification(question=question, suggestions=choices, readings=True)
        return Clarification(
            question=question, suggestions=list(self.catalog.examples.values())[:4]
        )

    def _change_examples(self, turn: Turn) -> list[str]:
        """Comparisons of a customer's own figures that the grammar reads on this catalog."""
        noun = self.catalog.entity.plural
        wanted = [
            f"{noun} who spent less in the last 6 months than in the 6 months before",
            f"{noun} with fewer purchases this year than last year",
        ]
        parser = RequestParser(self.catalog, self.lexicon, turn.as_of)
        return [w for w in wanted if not parser.parse(w).unrecognized]

    def _amount_choices(self, turn: Turn) -> list[str]:
        """'buy a lot of electronics': the request with the amount said as a number, each
        choice one the grammar reads whole."""
        amounts = sorted(self.lexicon.grammar.get("vague_amounts", []), key=len, reverse=True)
        said = "|".join(rf"(?:a\s+)?{re.escape(w)}(?:\s+of)?" for w in amounts)
        plain = re.sub(rf"\b(?:{said})\b", "", turn.request, flags=re.IGNORECASE).strip(" ?.!")
        plain = re.sub(r"\s{2,}", " ", plain)
        if plain == turn.request.strip(" ?.!"):
            return []
        parser = RequestParser(self.catalog, self.lexicon, turn.as_of)
        choices = [f"{plain} {tail}" for tail in _AMOUNT_TAILS]
        return [c for c in choices if (got := parser.parse(c)).conditions and not got.unrecognized]

    def _clarify(self, unrecognized: list[str]) -> Clarification:
        examples = list(self.catalog.examples.values())[:4]
        if unrecognized:
            words = ", ".join(f"'{w}'" for w in unrecognized[:6])
            question = (
                f"I couldn't find an audience in that request ({words} mean nothing to me yet). "
                "Which customers do you mean? You can name who they are (e.g. women in Texas), "
                "what they did (bought outdoor gear, opened an email) and when (last month)."
            )
        else:
            question = (
                "Which customers do you mean? Name who they are, what they did and when — "
                "for example:"
            )
        return Clarification(question=question, suggestions=examples)


def which_place(request: str, homonyms: list[Homonym]) -> Clarification:
    """'Which Victoria do you mean?', each choice the request with the name made plain."""
    first = homonyms[0]
    question = f"Which {first.label} do you mean: {' or '.join(first.choices)}?"
    return _readings(request, first, question)


def which_reading(request: str, vague: list[Homonym]) -> Clarification:
    """'our best customers': the catalog names the readings such a word can have; each choice
    is the request with the word replaced by one of them, counted as it stands."""
    first = vague[0]
    readings = ", ".join(first.choices[:-1]) + f" or {first.choices[-1]}"
    return _readings(request, first, f"Which '{first.text}' do you mean: {readings}?")


def _readings(request: str, said: Homonym, question: str) -> Clarification:
    choices = [_said_instead(request, said.text, c) for c in said.choices]
    return Clarification(question=question, suggestions=choices, readings=True)


def _has_rank(spec: SegmentSpec) -> bool:
    return any(isinstance(c, RankCondition) for c in spec.conditions)


def ranked_first(spec: SegmentSpec | None) -> SegmentSpec | None:
    """The segment so far with its rankings taken first: a later step narrows the ranked list
    ('the top 50 …, then drop …') rather than changing who is ranked."""
    if spec is None or not _has_rank(spec):
        return spec
    plain = [c for c in spec.conditions if not isinstance(c, RankCondition)]
    ranks = [
        c.model_copy(update={"ranked_first": True})
        for c in spec.conditions
        if isinstance(c, RankCondition)
    ]
    return spec.model_copy(update={"conditions": [*plain, *ranks]})


def _at_its_least(condition: ActivityCondition) -> bool:
    """Read with no amount of its own: at least one of it, or any spend at all."""
    return condition.after is None and (condition.op, condition.value) in ((">=", 1), (">", 0))


def _did_it_at_all(condition: Condition) -> bool:
    """At least one of an activity, any kind, any time: what a bare verb says."""
    return (
        is_unnarrowed(condition)
        and isinstance(condition, ActivityCondition)
        and condition.measure == "count"
        and (condition.op, condition.value) == (">=", 1)
        and condition.window.kind == "all_time"
        and condition.after is None
    )


def _said_instead(request: str, word: str, replacement: str) -> str:
    """The request with the first `word` (any case) said as `replacement`."""
    pattern = re.compile(rf"\b{re.escape(word)}\b", re.IGNORECASE)
    return pattern.sub(lambda _m: replacement, request, count=1)


def _not_refined(notes: list[str]) -> list[str]:
    """A correction's notes without the follow-up's own ('changed the previous segment')."""
    return [n for n in notes if n != REFINED]


def _about(condition: Condition) -> str:
    """What a condition is about: its property, activity, model or kind."""
    for name in ("attribute", "model"):
        if isinstance(getattr(condition, name, None), str):
            return f"{name}:{getattr(condition, name)}"
    side = getattr(condition, "left", condition)
    activity = getattr(side, "activity", None)
    return f"activity:{activity.source}" if activity is not None else condition.kind


def _made(conditions: Sequence[Condition]) -> tuple[SegmentSpec, list[str]]:
    """The segment of the conditions the spec accepts, and a note for each it does not: a
    reading the grammar made but the spec cannot hold (a comparison of a thing to itself) is
    left out and said, never a crash and never silent."""
    try:
        return SegmentSpec(conditions=list(conditions)), []
    except ValidationError as exc:
        bad: dict[int, str] = {}
        for error in exc.errors():
            loc = error["loc"]
            if len(loc) > 1 and loc[0] == "conditions" and isinstance(loc[1], int):
                bad.setdefault(loc[1], str(error["msg"]).removeprefix("Value error, "))
        if not bad:
            raise
        kept = [c for i, c in enumerate(conditions) if i not in bad]
        notes = [
            f"one {conditions[i].kind} condition I read ({why}), so I left it out"
            for i, why in sorted(bad.items())
        ]
        spec, more = _made(kept)
        return spec, notes + more
