"""Follow-ups in a conversation: what a new message does to the current segment.

"only women" narrows, "exclude gold members" adds a NOT, "what about Canada instead" replaces the
country, "make it the last 6 months" changes every activity window, "drop the age filter" removes
conditions, "start over" resets. A message that reads like a new request starts a new segment.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Literal

from assistant.rules.parser import ParseResult
from assistant.spec import (
    ActivityCondition,
    AndGroup,
    AttributeCondition,
    Condition,
    NotGroup,
    OrGroup,
    RankCondition,
    SegmentRef,
    SegmentSpec,
    add_condition,
    condition_key,
    remove_conditions,
    replace_condition,
)
from assistant.windows import AllTime, Window, describe

Intent = Literal["reset", "remove", "replace", "narrow", "new"]


@dataclass
class Refinement:
    spec: SegmentSpec | None
    intent: Intent
    notes: list[str] = field(default_factory=list)


# the note every follow-up that changes the segment on screen gives
REFINED = "changed the previous segment"


def _starts_with(text: str, phrases: list[str]) -> bool:
    return any(re.match(rf"{re.escape(p)}\b", text) for p in phrases)


def _contains(text: str, phrases: list[str]) -> bool:
    return any(re.search(rf"\b{re.escape(p)}\b", text) for p in phrases)


def detect_intent(
    normalized: str, grammar: dict[str, Any], has_current: bool, audience: tuple[str, ...] = ()
) -> Intent:
    """What a message does to the segment on screen. `audience` holds the catalog's own words
    for the people counted ('accounts'), beside the lexicon's ('customers', 'shoppers')."""
    words = grammar["refinement"]
    if _starts_with(normalized, words["reset"]) and len(normalized.split()) <= 4:
        return "reset"
    if not has_current:
        return "new"
    if _starts_with(normalized, words["remove"]):
        return "remove"
    if _starts_with(normalized, words["replace"]) or _contains(normalized, ["instead", "rather"]):
        return "replace"
    if _starts_with(normalized, words["narrow"]):
        return "narrow"
    if _starts_with(normalized, words["new"]):
        return "new"
    if _names_its_audience(normalized, [*words.get("audience", []), *audience], words):
        return "new"
    return "narrow"


def _names_its_audience(normalized: str, audience: list[str], words: dict[str, Any]) -> bool:
    """'gen z shoppers who looked at beauty …' says whom it counts near its start and nothing
    that points back at the segment on screen ('them', 'only', 'also'): a new request."""
    head = " ".join(normalized.split()[:AUDIENCE_REACH])
    return _contains(head, audience) and not _contains(normalized, words.get("follow_up", []))


# How far into a message its audience noun may come ('high-value gen z shoppers who …')
AUDIENCE_REACH = 5


def strip_command(normalized: str, grammar: dict[str, Any], intent: Intent) -> str:
    """The request without its leading command phrase and a trailing 'instead'."""
    for phrase in sorted(grammar["refinement"].get(intent, []), key=len, reverse=True):
        if re.match(rf"{re.escape(phrase)}\b", normalized):
            normalized = normalized[len(phrase) :].strip()
            break
    return re.sub(r"\b(instead|rather)\b", " ", normalized).strip()


def refine(
    current: SegmentSpec, parsed: ParseResult, intent: Intent, catalog: Any = None
) -> Refinement:
    if intent == "remove":
        return _remove(current, parsed, catalog)
    if not parsed.conditions and parsed.windows:
        return _rewindow(current, parsed.windows[-1])
    if intent == "replace":
        geography = set(catalog.roles.geography) if catalog is not None else set()
        return _replace(current, parsed.conditions, geography)
    return _narrow(current, parsed.conditions)


def activity_sources(spec: SegmentSpec | None) -> set[str]:
    """The activity sources a segment's top-level conditions count."""
    if spec is None:
        return set()
    return {
        c.activity.source
        for c in spec.conditions
        if isinstance(c, ActivityCondition | RankCondition)
    }


def _narrow(current: SegmentSpec, conditions: list[Condition]) -> Refinement:
    spec = current
    notes: list[str] = []
    for condition in conditions:
        merged = _narrowed_activity(spec, condition)
        if merged is not None:
            spec, note = merged
            notes.append(note)
        elif isinstance(condition, AttributeCondition) and _has_key(spec, condition):
            spec = replace_condition(spec, condition)
            notes.append(f"replaced the earlier {condition.attribute} condition")
        else:
            spec = add_condition(spec, condition)
    notes.insert(0, "refined the previous segment")
    return Refinement(spec, "narrow", notes)


def _narrowed_activity(spec: SegmentSpec, condition: Condition) -> tuple[SegmentSpec, str] | None:
    """'only sms campaigns' after 'clicked a campaign': a bare filter (at least one such event,
    any time) narrows the activity already in the segment instead of adding a second one."""
    if not (
        isinstance(condition, ActivityCondition)
        and condition.measure == "count"
        and condition.op == ">="
        and condition.value == 1
        and condition.window == AllTime()
    ):
        return None
    act = condition.activity
    if not act.filters and not act.predicates:
        return None
    for index, existing in enumerate(spec.conditions):
        if (
            isinstance(existing, ActivityCondition | RankCondition)
            and existing.activity.source == act.source
            and not getattr(existing, "ranked_first", False)  # who was ranked stays as it was
        ):
            before = existing.activity
            activity = before.model_copy(
                update={
                    "filters": {**before.filters, **act.filters},
                    "predicates": [
                        *before.predicates,
                        *(p for p in act.predicates if p not in before.predicates),
                    ],
                }
            )
            conditions = list(spec.conditions)
            conditions[index] = existing.model_copy(update={"activity": activity})
            named = ", ".join(
                [f"{k} {_shown(v)}" for k, v in act.filters.items()]
                + [p.replace("_", " ") for p in act.predicates]
            )
            return spec.model_copy(update={"conditions": conditions}), f"narrowed it to {named}"
    return None


def _shown(value: Any) -> str:
    if isinstance(value, list):
        return " or ".join(str(v) for v in value)
    return str(value.model_dump() if hasattr(value, "model_dump") else value)


def _replace(current: SegmentSpec, conditions: list[Condition], geography: set[str]) -> Refinement:
    spec = current
    notes = [REFINED]
    for condition in conditions:
        # "what about France instead": a new place replaces the old one at every level.
        if isinstance(condition, AttributeCondition) and condition.attribute in geography:
            others = geography - {condition.attribute}
            spec = remove_conditions(
                spec,
                lambda c, others=others: (
                    isinstance(c, AttributeCondition) and c.attribute in others
                ),
            )
        key = condition_key(condition)
        if key is None or not _has_key(spec, condition):
            key = _loose_key(condition)
            spec = remove_conditions(spec, lambda c, key=key: _loose_key(c) == key)
            spec = add_condition(spec, condition)
        else:
            spec = replace_condition(spec, condition)
    return Refinement(spec, "replace", notes)


def _remove(current: SegmentSpec, parsed: ParseResult, catalog: Any) -> Refinement:
    targets = set(parsed.mentions)
    targets |= {k for c in parsed.conditions if (k := _loose_key(c))}

    def matches(condition: Condition) -> bool:
        return bool(_mentions_of(condition, catalog) & targets)

    spec = remove_conditions(current, matches)
    removed = len(_flatten(current.conditions)) - len(_flatten(spec.conditions))
    note = f"removed {removed} condition(s)" if removed else "found no matching condition to remove"
    return Refinement(spec, "remove", [note])


def _rewindow(current: SegmentSpec, window: Window) -> Refinement:
    changed = 0

    def rewrite(condition: Condition) -> Condition:
        nonlocal changed
        if (
            isinstance(condition, ActivityCondition | RankCondition)
            and condition.measure != "days_since_last"
        ):
            changed += 1
            return condition.model_copy(update={"window": window})
        if isinstance(condition, AndGroup | OrGroup):
            return condition.model_copy(
                update={"conditions": [rewrite(c) for c in condition.conditions]}
            )
        if isinstance(condition, NotGroup):
            return condition.model_copy(update={"condition": rewrite(condition.condition)})
        return condition

    spec = current.model_copy(update={"conditions": [rewrite(c) for c in current.conditions]})
    note = (
        f"changed the time window of {changed} condition(s) to {describe(window)}"
        if changed
        else "the segment has no activity condition whose time window could change"
    )
    return Refinement(spec, "replace", [note])


def _has_key(spec: SegmentSpec, condition: Condition) -> bool:
    key = condition_key(condition)
    return key is not None and any(condition_key(c) == key for c in spec.conditions)


def _loose_key(condition: Condition) -> str | None:
    """Coarser than condition_key: the attribute, the activity source, or the segment model."""
    match condition:
        case AttributeCondition(attribute=attribute):
            return f"attribute:{attribute}"
        case ActivityCondition() | RankCondition():
            return f"source:{condition.activity.source}"
        case SegmentRef(model=model):
            return f"segment_ref:{model}"
        case NotGroup(condition=inner):
            return _loose_key(inner)
    return None


def _mentions_of(condition: Condition, catalog: Any = None) -> set[str]:
    keys = {_loose_key(condition)} - {None}
    if isinstance(condition, AttributeCondition) and catalog is not None:
        # Age, its bands and birth-date ranges (generations) are one thing to replace.
        family = _age_family(catalog)
        if condition.attribute in family:
            keys |= {f"attribute:{name}" for name in family}
    return keys  # type: ignore[return-value]


def _age_family(catalog: Any) -> set[str]:
    """The age property, its bands, and birth-date bands (generations)."""
    age = catalog.roles.age
    if not age:
        return set()
    family = {age}
    for name, derived in catalog.derived.items():
        if derived.bands_on == age:
            family.add(name)
        elif derived.bands_on and derived.bands:
            family |= {name, derived.bands_on}
    return family


def _flatten(conditions: list[Condition]) -> list[Condition]:
    out: list[Condition] = []
    for c in conditions:
        if isinstance(c, AndGroup | OrGroup):
            out += _flatten(c.conditions)
        elif isinstance(c, NotGroup):
            out += _flatten([c.condition])
        else:
            out.append(c)
    return out
