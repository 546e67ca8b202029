"""Narrative ideas: with an LLM configured, the model may propose extra segmentation ideas.

The model only proposes (a title, a rationale, a segmentation type and spec conditions to AND onto
the parent); it never counts or writes SQL. Every proposal is then built exactly like a
data-driven idea in `assistant.ideas`: parent spec plus its conditions, compile_spec, check_sql
with the executor's schema and binder, distinct customers counted in the data, share of the base
and the same Kotler flags. A proposal that fails any step, or that nobody is in, is dropped and
logged; a failing model call costs the narrative ideas (an empty list), never the answer.

The prompt carries only described values: the schema card, the parent's plain-English
explanation and size, and the titles of the ideas already shown; never customer rows.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import date
from typing import Any, Literal, get_args

from pydantic import BaseModel, Field, ValidationError

from assistant.backends.base import BackendError
from assistant.backends.openai_backend import (
    ChatOpenAITransport,
    ChatRequest,
    OpenAIBackend,
    RawAnswer,
    Transport,
    cassette_key,
)
from assistant.catalog import Catalog
from assistant.compiler import compile_spec
from assistant.executor import ExecutionError, Executor
from assistant.guard import GuardError, check_sql
from assistant.ideas import MIN_CUSTOMERS, MIN_SHARE, NOT_DIFFERENT, OVERLAP, TOO_SMALL, Idea
from assistant.profile import count_segment
from assistant.prompts import load_prompt
from assistant.schema_card import render_schema_card
from assistant.spec import Condition, SegmentSpec, json_schema_for

PROMPT_NAME = "narrative_ideas"
MODEL_NOTE = "(suggested by the model)"
# The score formula of assistant.ideas needs an actionability weight per kind of idea; a model's
# idea is untested by our own rules, so it sits below the win-back / core ideas.
ACTIONABILITY = 0.7

SegmentationType = Literal[
    "demographic", "geographic", "psychographic", "behavioral", "firmographic", "technographic",
    "needs-based", "value-based", "lifecycle", "engagement", "RFM",
]  # fmt: skip

log = logging.getLogger(__name__)


class Proposal(BaseModel):
    """One idea as the model must phrase it."""

    title: str = Field(min_length=1, max_length=120)
    rationale: str = Field(min_length=1, max_length=600)
    type: SegmentationType
    conditions: list[Condition] = Field(min_length=1)


class _Reply(BaseModel):
    # Items stay raw here so one bad idea is dropped on its own instead of sinking the others.
    ideas: list[Any]


@dataclass(frozen=True)
class _Parent:
    spec: SegmentSpec
    explanation: str
    count: int
    base: int


# --- entry point ---------------------------------------------------------------------------------


def narrate_ideas(
    backend: OpenAIBackend,
    executor: Executor,
    parent: SegmentSpec | None,
    as_of: date,
    *,
    existing: list[Idea],
    catalog: Catalog,
    count: int = 3,
) -> list[Idea]:
    """Up to `count` model-proposed ideas for `parent` (None: the whole base), each validated
    against `catalog` (its names, its compiled and guarded SQL)."""
    if count <= 0:
        return []
    context = _parent(executor, parent, as_of, catalog)
    titles = [idea.title for idea in existing]
    request = _request(backend, context, as_of, titles, count, catalog)
    try:
        raw = _transport(backend).complete(request)
    except BackendError as err:
        log.warning("narrative ideas skipped: the model call failed (%s): %s", err.kind, err)
        return []
    seen = {title.casefold() for title in titles}
    ideas = []
    for item in _items(raw, backend.settings.max_answer_chars):
        idea = _build(item, context, executor, as_of, seen, catalog)
        if idea is not None:
            ideas.append(idea)
            seen.add(idea.title.casefold())
        if len(ideas) == count:
            break
    return ideas


def _parent(
    executor: Executor, parent: SegmentSpec | None, as_of: date, catalog: Catalog
) -> _Parent:
    spec = parent or SegmentSpec()
    compiled = compile_spec(spec, as_of, catalog)
    count, base = count_segment(executor, compiled.sql, catalog)
    if not count and spec.conditions:
        # As in assistant.ideas: an empty parent has nothing to narrow, the whole base stands in.
        return _parent(executor, SegmentSpec(), as_of, catalog)
    return _Parent(spec, compiled.explanation, count, base)


# --- the model call ------------------------------------------------------------------------------


def _request(
    backend: OpenAIBackend,
    parent: _Parent,
    as_of: date,
    titles: list[str],
    count: int,
    catalog: Catalog,
) -> ChatRequest:
    settings = backend.settings
    prompt = load_prompt(PROMPT_NAME, settings.prompt_version, settings.prompt_dir)
    text = prompt.render(
        as_of=as_of.isoformat(),
        count=count,
        types=", ".join(get_args(SegmentationType)),
        spec_schema=json.dumps(json_schema_for(catalog), separators=(",", ":")),
        parent=_parent_text(parent),
        size=f"{parent.count:,} {catalog.entity.plural} "
        f"({_pct(parent.count / max(parent.base, 1))} of "
        f"{parent.base:,})",
        existing="\n".join(f"- {title}" for title in titles) or "(none)",
        schema_card=render_schema_card(catalog, parent.explanation).text,
    )
    # Keyed like interpret()'s calls so recording and replay transports work unchanged.
    asked = json.dumps({"existing": titles, "count": count, "as_of": as_of.isoformat()})
    key = cassette_key(prompt.id, asked, parent.spec, 1)
    return ChatRequest(messages=[("user", text)], key=key)


def _parent_text(parent: _Parent) -> str:
    title = parent.spec.title
    return f"{title}: {parent.explanation}" if title else parent.explanation


def _transport(backend: OpenAIBackend) -> Transport:
    """The backend's own transport, in JSON mode.

    With json_schema or function_calling the backend's client forces the segment-answer schema on
    every reply; these ideas have a shape of their own, so a real server gets a JSON-mode client
    built the same way (same settings, same error mapping)."""
    transport = backend.transport
    if isinstance(transport, ChatOpenAITransport) and backend.settings.method != "json_mode":
        return ChatOpenAITransport(backend.settings.model_copy(update={"method": "json_mode"}))
    return transport


def _items(raw: RawAnswer, max_chars: int) -> list[Any]:
    """The raw idea objects of the answer; [] (logged) when the answer is unusable as a whole."""
    text = _unfenced(raw.text.strip())
    if raw.finish_reason == "length" or len(text) > max_chars:
        log.warning("narrative ideas skipped: the answer was cut off or too long")
        return []
    try:
        return _Reply.model_validate_json(text).ideas
    except ValidationError as err:
        log.warning("narrative ideas skipped: the answer is not the expected JSON (%s)", err)
        return []


def _unfenced(text: str) -> str:
    # Small local models wrap JSON in Markdown fences even in JSON mode.
    if text.startswith("```"):
        text = text.split("\n", 1)[1] if "\n" in text else ""
        text = text.rsplit("```", 1)[0]
    return text.strip()


# --- building one idea ---------------------------------------------------------------------------


def _build(
    item: Any,
    parent: _Parent,
    executor: Executor,
    as_of: date,
    seen: set[str],
    catalog: Catalog,
) -> Idea | None:
    """The proposal as a validated, guarded, counted Idea; None (logged) when it fails a step."""
    try:
        # The catalog in the context checks names and values: a made-up column fails here.
        proposal = Proposal.model_validate(item, context={"catalog": catalog})
    except ValidationError as err:
        title = item.get("title") if isinstance(item, dict) else None
        log.info("narrative idea dropped: %r is not a valid idea (%s)", title, _first_error(err))
        return None
    if proposal.title.casefold() in seen:
        log.info("narrative idea dropped: %r repeats an idea already shown", proposal.title)
        return None
    spec = parent.spec.model_copy(
        update={
            "title": proposal.title,
            "conditions": [*parent.spec.conditions, *proposal.conditions],
        }
    )
    try:
        sql = compile_spec(spec, as_of, catalog).sql
        check_sql(sql, executor.schema(), binder=executor.explain)
        members, _ = count_segment(executor, sql, catalog)
    except (ValueError, GuardError, ExecutionError) as err:  # CompileError is a ValueError
        reason = getattr(err, "reason", None) or str(err)
        log.info("narrative idea dropped: %r cannot be run (%s)", proposal.title, reason)
        return None
    if not members:
        log.info("narrative idea dropped: nobody is in %r", proposal.title)
        return None
    return _idea(proposal, spec, sql, members, parent, catalog.entity.plural)


def _idea(
    proposal: Proposal, spec: SegmentSpec, sql: str, count: int, parent: _Parent, plural: str
) -> Idea:
    flags = _flags(count, parent)
    share = round(count / parent.base, 4) if parent.base else 0.0
    noun = "this segment" if parent.spec.conditions else f"all {plural}"
    rationale = (
        f"{proposal.rationale.strip().rstrip('.')} — {count:,} {plural}, "
        f"{_pct(count / max(parent.count, 1))} of {noun} {MODEL_NOTE}"
    )
    return Idea(
        title=proposal.title,
        type=proposal.type,
        rationale=rationale,
        # Not exclude_defaults: that would drop the `kind` tags SegmentSpec needs to read it back.
        spec=spec.model_dump(mode="json", exclude_none=True),
        sql=sql,
        count=count,
        share=share,
        flags=flags,
        score=_score(count, flags, parent),
    )


def _flags(count: int, parent: _Parent) -> list[str]:
    """assistant.ideas' Kotler rules for a narrowing of the parent."""
    flags = []
    if count < MIN_CUSTOMERS or count < MIN_SHARE * parent.base:
        flags.append(TOO_SMALL)
    if parent.count and count > OVERLAP * parent.count:
        flags.append(NOT_DIFFERENT)
    return flags


def _score(count: int, flags: list[str], parent: _Parent) -> float:
    """assistant.ideas' usefulness score of a single narrowing."""
    fraction = count / parent.count if parent.count else 0.0
    size = 0.0 if TOO_SMALL in flags else (1.0 if 0.05 <= fraction <= 0.6 else 0.5)
    difference = 0.0 if NOT_DIFFERENT in flags else 1 - fraction
    return round(0.4 * size + 0.35 * max(difference, 0.0) + 0.25 * ACTIONABILITY, 6)


def _first_error(err: ValidationError) -> str:
    item = err.errors()[0]
    where = ".".join(str(p) for p in item["loc"]) or "idea"
    got = repr(item.get("input"))[:80]
    more = len(err.errors()) - 1
    return f"{where}: {item['msg']}; got {got}" + (f"; and {more} more" if more > 0 else "")


def _pct(fraction: float) -> str:
    return f"{fraction:.0%}"
