"""The answer path: request -> backend -> spec -> compiled SQL -> guard -> sandbox -> answer.

One function, `answer`, serves the CLI, the chat REPL and the UI alike; a `Session` carries the
conversation (the current segment) between turns. Nothing here raises for bad input: every
failure becomes an `Answer` with a message for the person asking.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any, Literal

from pydantic import BaseModel, Field, PrivateAttr

from assistant.backends.base import Backend, BackendError, Interpretation, TokenUsage, Turn
from assistant.catalog import Catalog
from assistant.compiler import (
    CompiledSegment,
    CompileError,
    all_steps,
    audience_key,
    compile_spec,
    funnel_counts_sql,
    funnel_sql,
    run_funnel,
)
from assistant.executor import ExecutionError, Executor
from assistant.guard import GuardError, check_sql
from assistant.ideas import IdeasResult
from assistant.kotler import Differentiator, Reachability, RevenueShare, WhyZero
from assistant.narrowing import narrowed
from assistant.pipeline import data_as_of
from assistant.profile import Profile, segment_result
from assistant.spec import SegmentSpec
from assistant.suggest import Choice, choices_for, counted_readings

MAX_REQUEST_CHARS = 4000
MEMBERS_TABLE = "answer_members"  # a TEMP table on the turn's own cursor (see answer())
MEMBERS_SQL = f"SELECT customer_id FROM {MEMBERS_TABLE}"
STEPS_TABLE = "answer_steps"  # per-customer step flags of the current answer (a temp table)
log = logging.getLogger(__name__)


class QueryError(BaseModel):
    """Why a turn or a query has no count, for scripts (the CLI's JSON `error`).

    `kind` is "refused" (the request or its SQL was not allowed: nothing ran) or "failed" (it
    was allowed but could not be answered: a timeout, a backend or database error); `code` is
    the short code of the guard, executor or backend; `reason` is the sentence for people.
    """

    kind: Literal["refused", "failed"]
    code: str
    reason: str


def query_error(exc: Exception) -> QueryError:
    """The QueryError an exception of the answer path stands for."""
    reason = getattr(exc, "reason", None) or str(exc)
    code = getattr(exc, "kind", None) or ("compile" if isinstance(exc, CompileError) else "error")
    refused = isinstance(exc, GuardError) or (isinstance(exc, BackendError) and code == "refused")
    return QueryError(kind="refused" if refused else "failed", code=code, reason=reason)


def sql_query_error(executor: Executor, sql: str, reason: str) -> QueryError:
    """Classify the error `assistant.pipeline.run_sql` reported for `sql` (it keeps only the
    sentence): a query the guard refuses is "refused", one it lets through failed when run."""
    try:
        check_sql(sql, executor.schema(), binder=executor.explain)
    except (GuardError, ExecutionError) as exc:
        found = query_error(exc)
        return found.model_copy(update={"reason": reason})
    return QueryError(kind="failed", code="execution", reason=reason)


class FunnelStepCount(BaseModel):
    label: str
    count: int


class Answer(BaseModel):
    """Everything one turn produced (the CLI's JSON; the UI renders it)."""

    request: str
    backend: str
    model: str | None = None
    spec: dict[str, Any] | None = None
    sql: str | None = None
    count: int | None = None
    share: float | None = None
    base_count: int | None = None
    funnel: list[FunnelStepCount] = Field(default_factory=list)
    explanation: str | None = None
    assumptions: list[str] = Field(default_factory=list)
    unrecognized: list[str] = Field(default_factory=list)
    clarification: str | None = None
    suggestions: list[str] = Field(default_factory=list)
    # The suggestions with how many customers each finds and why it is offered.
    choices: list[Choice] = Field(default_factory=list)
    # The profile's per-category spend of the members, reused by the look-alike ideas.
    _category_spend: list[dict[str, Any]] | None = PrivateAttr(default=None)
    refused: bool = False
    reset: bool = False
    error: str | None = None
    elapsed_ms: float = 0.0
    tokens: TokenUsage | None = None
    attempts: int = 1
    as_of: date | None = None
    profile: Profile | None = None
    sample: list[dict[str, Any]] = Field(default_factory=list)
    # Kotler's questions and what to try next (filled when the answer path runs with ideas).
    ideas: IdeasResult | None = None
    reachability: Reachability | None = None
    differentiators: list[Differentiator] = Field(default_factory=list)
    revenue: RevenueShare | None = None
    why_zero: WhyZero | None = None
    # `error` classified (refused or failed, and a code); the CLI's JSON shows it as `error`.
    failure: QueryError | None = Field(default=None, exclude=True)

    @property
    def ok(self) -> bool:
        return self.error is None and self.clarification is None and self.sql is not None

    def fail(self, kind: Literal["refused", "failed"], code: str, reason: str) -> None:
        """Record why this turn has no segment (`error` for people, `failure` for scripts)."""
        self.error = reason
        self.failure = QueryError(kind=kind, code=code, reason=reason)


@dataclass
class Session:
    """One conversation: the segment so far and what was asked."""

    current: SegmentSpec | None = None
    current_sql: str | None = None
    history: list[str] = field(default_factory=list)

    def reset(self) -> None:
        self.current = None
        self.current_sql = None


@dataclass
class Prepared:
    """A candidate turned into guarded SQL."""

    sql: str
    compiled: CompiledSegment | None = None


def prepare(
    interpretation: Interpretation, executor: Executor, as_of: date, catalog: Catalog
) -> Prepared:
    """Compile (spec) or take (SQL) the candidate and pass it through the guard.

    Raises CompileError, GuardError or ExecutionError with the reason.
    """
    compiled = None
    if interpretation.spec is not None:
        compiled = compile_spec(interpretation.spec, as_of, catalog)
        sql = compiled.sql
    elif interpretation.sql:
        sql = interpretation.sql
    else:
        raise CompileError("the answer contained neither a segment spec nor SQL")
    guarded = check_sql(sql, executor.schema(), binder=executor.explain)
    return Prepared(sql=guarded.sql if compiled is None else sql, compiled=compiled)


def answer(
    request: str,
    *,
    backend: Backend,
    executor: Executor,
    session: Session | None = None,
    as_of: date | None = None,
    with_profile: bool = True,
    with_ideas: bool | None = None,
    catalog: Catalog | None = None,
) -> Answer:
    """Answer one request in a conversation. Never raises for bad input.

    `with_ideas` (default on; needs `with_profile`) adds segmentation ideas, reachability,
    differentiators, revenue share and, for an empty segment, why it is empty. `catalog`
    (default: the backend's) says what the data means.
    """
    started = time.perf_counter()
    session = session or Session()
    catalog = catalog or backend.catalog
    result = Answer(request=request, backend=backend.name, model=getattr(backend, "model", None))
    # One cursor for the whole turn: the segment's members are computed once into a temp table
    # that the profile, ideas and Kotler's figures all read (at 1M customers, ~1 s per reuse).
    with executor.pinned() as pinned:
        try:
            _answer_into(result, request, backend, pinned, session, as_of, with_profile, catalog)
        except (GuardError, ExecutionError, CompileError, BackendError) as exc:
            failure = query_error(exc)
            result.fail(failure.kind, failure.code, failure.reason)
        except Exception as exc:  # a bug must cost one answer, not the app
            log.exception("answering %r failed", request)
            result.fail(
                "failed",
                "internal",
                f"Something went wrong answering this request ({type(exc).__name__}: {exc}).",
            )
        if result.ok and with_profile and (with_ideas is None or with_ideas):
            _enrich(result, pinned, session.current, catalog)
            _narrate(result, backend, pinned, session.current, catalog)
    result.elapsed_ms = round((time.perf_counter() - started) * 1000, 1)
    return result


def _answer_into(
    result: Answer,
    request: str,
    backend: Backend,
    executor: Executor,
    session: Session,
    as_of: date | None,
    with_profile: bool,
    catalog: Catalog,
) -> None:
    if not request.strip():
        result.clarification = "Describe the customers you are looking for."
        return
    if len(request) > MAX_REQUEST_CHARS:
        result.fail(
            "refused",
            "too_long",
            f"That request is {len(request):,} characters long; keep it under "
            f"{MAX_REQUEST_CHARS:,} and describe one audience at a time.",
        )
        return
    anchor = as_of or data_as_of(executor, catalog)
    result.as_of = anchor
    turn = Turn(request=request, as_of=anchor, current=session.current, history=session.history)

    def validate(candidate: Interpretation) -> str | None:
        try:
            prepare(candidate, executor, anchor, catalog)
        except (GuardError, ExecutionError, CompileError, ValueError) as exc:
            return getattr(exc, "reason", None) or str(exc)
        return None

    interpretation = backend.interpret(turn, validate)
    session.history.append(request)
    _copy_interpretation(result, interpretation)
    if interpretation.refusal:
        result.refused = True
        result.fail("refused", "request", interpretation.refusal)
        return
    if interpretation.reset and interpretation.spec is None:
        session.reset()
        result.reset = True
        return
    if interpretation.clarification:
        _clarify(result, interpretation, executor, anchor, catalog)
        return
    prepared = prepare(interpretation, executor, anchor, catalog)
    _run(result, prepared, executor, anchor, with_profile, catalog)
    session.current = interpretation.spec
    session.current_sql = prepared.sql


def _clarify(
    result: Answer,
    interpretation: Interpretation,
    executor: Executor,
    anchor: date,
    catalog: Catalog,
) -> None:
    """The question back, with choices built from what the request does name, each counted."""
    asked = interpretation.clarification
    assert asked is not None
    result.clarification = asked.question
    result.suggestions = asked.suggestions
    if asked.readings:
        try:
            result.choices = counted_readings(asked.suggestions, executor, anchor, catalog)
        except (ExecutionError, CompileError, ValueError):
            log.exception("counting the readings of %r failed", result.request)
        return
    try:
        found = choices_for(result.request, executor, anchor, catalog, examples=asked.suggestions)
    except (ExecutionError, CompileError, ValueError):
        log.exception("choices for %r failed", result.request)
        return
    if not found.choices:
        return
    result.choices = found.choices
    result.suggestions = [choice.request for choice in found.choices]
    if found.reading:
        result.clarification = (
            f"'{found.reading}' can mean several things. Which do you mean? Pick one, or say "
            "by what (spend, orders, recency) and how many."
        )
    elif found.named:
        names = " and ".join(f"'{name}'" for name in found.named)
        result.clarification = (
            f"That names {names} but not who to target. These audiences come from the data — "
            "pick one, or say who you mean (who they are, what they did, and when)."
        )
        # A word the choices are built from ("winter") was used, not left out.
        used = {name.lower() for name in found.named}
        result.unrecognized = [w for w in result.unrecognized if w.lower() not in used]


def _enrich(result: Answer, executor: Executor, spec: SegmentSpec | None, catalog: Catalog) -> None:
    """Ideas and Kotler's extras; the segment itself stands even when these fail."""
    from assistant.kotler import enrich_answer

    try:
        steps = STEPS_TABLE if result.funnel and len(result.funnel) > 1 else None
        extras = enrich_answer(
            result,
            executor,
            spec,
            catalog,
            members_sql=MEMBERS_SQL,
            steps_table=steps,
            category_spend=result._category_spend,
        )
    except Exception as exc:
        log.exception("ideas for %r failed", result.request)
        result.assumptions.append(f"ideas and reachability could not be computed ({exc})")
        return
    result.ideas = extras.ideas
    result.reachability = extras.reachability
    result.differentiators = extras.differentiators
    result.revenue = extras.revenue
    result.why_zero = extras.why_zero


def _narrate(
    result: Answer,
    backend: Backend,
    executor: Executor,
    spec: SegmentSpec | None,
    catalog: Catalog,
) -> None:
    """With an LLM, the model may add ideas; each is compiled, guarded and counted first."""
    from assistant.backends.openai_backend import OpenAIBackend

    # A raw-SQL segment (spec None) has no conditions for the model to build on.
    if not isinstance(backend, OpenAIBackend) or result.ideas is None or spec is None:
        return
    from assistant.narrative import narrate_ideas

    try:
        result.ideas.ideas += narrate_ideas(
            backend, executor, spec, result.as_of, existing=result.ideas.ideas, catalog=catalog
        )
    except Exception:
        log.exception("narrative ideas for %r failed", result.request)


def _copy_interpretation(result: Answer, interpretation: Interpretation) -> None:
    result.unrecognized = list(interpretation.unrecognized)
    result.assumptions = list(interpretation.assumptions)
    result.tokens = interpretation.tokens
    result.attempts = interpretation.attempts
    if interpretation.spec is not None:
        result.spec = interpretation.spec.model_dump(mode="json", exclude_none=True)


def _with_ignored(explanation: str, unrecognized: list[str]) -> str:
    """Words that could change the count but were not used are said up front, not only in a
    side list: "I ignored 'afterwards' (…): Customers who …"."""
    if not unrecognized:
        return explanation
    shown = ", ".join(f"'{w}'" for w in unrecognized[:4]) + (" …" if len(unrecognized) > 4 else "")
    return f"I ignored {shown}; the count below does not use it. {explanation}"


def _narrowed_funnel(compiled: CompiledSegment, catalog: Catalog) -> CompiledSegment:
    """The count path reads the flags cumulatively only, so each activity step may start from
    the customers the property steps before it kept (`assistant.narrowing`)."""
    if len(compiled.steps) < 2:
        return compiled
    entity = (catalog.entity.table, audience_key(catalog))
    conditions = narrowed([s.condition_sql for s in compiled.steps], entity)
    if conditions == [s.condition_sql for s in compiled.steps]:
        return compiled
    return replace(compiled, funnel_sql=funnel_sql(entity, conditions))


def _run(
    result: Answer,
    prepared: Prepared,
    executor: Executor,
    as_of: date,
    with_profile: bool,
    catalog: Catalog,
) -> None:
    result.sql = prepared.sql
    compiled = prepared.compiled
    members_from_steps = compiled is not None and compiled.steps_sql is not None and with_profile
    if compiled is not None:
        result.explanation = _with_ignored(compiled.explanation, result.unrecognized)
        result.assumptions += [a for a in compiled.assumptions if a not in result.assumptions]
        if members_from_steps:
            # One evaluation of the conditions feeds both the funnel and the members table.
            executor.query(f"CREATE OR REPLACE TEMP TABLE {STEPS_TABLE} AS {compiled.steps_sql}")
            counts = executor.query(funnel_counts_sql(STEPS_TABLE, len(compiled.steps))).rows[0]
            labels = ["All customers", *(step.label for step in compiled.steps)]
            funnel = list(zip(labels, (int(n) for n in counts), strict=True))
        else:
            funnel = run_funnel(executor, _narrowed_funnel(compiled, catalog))
        result.funnel = [FunnelStepCount(label=label, count=count) for label, count in funnel]
    else:
        result.explanation = "Customers returned by the SQL query."
    if result.funnel and not with_profile:
        # The funnel already counted everyone and the final audience: no second pass.
        base, count = result.funnel[0].count, result.funnel[-1].count
        result.count, result.base_count = count, base
        result.share = round(count / base, 4) if base else 0.0
        return
    if members_from_steps:
        assert compiled is not None
        source = f"{STEPS_TABLE} WHERE {all_steps(len(compiled.steps))}"
    else:
        source = f"({prepared.sql}) AS q"
    executor.query(
        f"CREATE OR REPLACE TEMP TABLE {MEMBERS_TABLE} AS SELECT DISTINCT customer_id FROM {source}"
    )
    segment = segment_result(
        executor, MEMBERS_SQL, as_of, catalog=catalog, with_profile=with_profile
    )
    result.count, result.share, result.base_count = segment.count, segment.share, segment.base_count
    result.profile, result.sample = segment.profile, segment.sample
    result._category_spend = segment._category_spend
