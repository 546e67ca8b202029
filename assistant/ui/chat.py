"""The chat's event handlers as plain functions of (context, state, input) -> state.

Gradio calls them through `app.py`; tests call them directly. None of them raises: whatever goes
wrong becomes a chat message or an inline error.
"""

from __future__ import annotations

import copy
import logging
from collections.abc import Callable, Iterator

from assistant import traits
from assistant.answer import Answer, Session, answer, sql_query_error
from assistant.kotler import EnrichedAnswer
from assistant.pipeline import run_sql
from assistant.profile import SegmentResult
from assistant.ui import render
from assistant.ui.state import AppContext, ChatState, IdeaView, Segment
from assistant.ui.suggest import extras_for, idea_views, nearest_view

Progress = Callable[[float, str], None]
log = logging.getLogger(__name__)


def _no_progress(fraction: float, message: str) -> None:
    return None


def _fail(state: ChatState, what: str, exc: Exception) -> ChatState:
    # The details go to the server log; the person sees a sentence, never a traceback.
    log.exception("%s failed", what)
    state.say("assistant", f"**Something went wrong while {what}:** {render.escape(str(exc))}")
    return state


def submit(
    ctx: AppContext, state: ChatState, text: str, progress: Progress = _no_progress
) -> ChatState:
    """Answer one request; a follow-up refines the current segment."""
    for _ in submit_live(ctx, state, text, progress):
        pass  # the same state, updated in place at each step
    return state


def submit_live(
    ctx: AppContext, state: ChatState, text: str, progress: Progress = _no_progress
) -> Iterator[ChatState]:
    """`submit`, showing the count first while the customer traits are still being prepared
    (just after start at a million customers): the profile and ideas replace it when ready."""
    text = (text or "").strip()
    if not text:
        yield state
        return
    state.say("user", render.escape(text))
    progress(0.1, "Understanding the request")
    interim = _count_first(ctx, state, text)
    if interim is not None:
        state.say("assistant", interim)
        yield state
        progress(0.5, "Preparing the profile and ideas")
    try:
        result = answer(
            text,
            backend=ctx.backend,
            executor=ctx.executor,
            session=state.session,
            catalog=ctx.catalog,
        )
    except Exception as exc:
        if interim is not None:
            state.messages.pop()
        yield _fail(state, "answering", exc)
        return
    progress(0.9, "Writing the answer")
    if interim is not None:
        state.messages.pop()  # the whole answer replaces the count
    _take_answer(state, result, text)
    yield state


def _count_first(ctx: AppContext, state: ChatState, text: str) -> str | None:
    """The count alone, when the whole answer would wait for the traits; else None."""
    as_of = ctx.data_as_of()
    if as_of is None or traits.ready(ctx.executor, ctx.catalog, as_of):
        return None
    try:
        quick = answer(
            text,
            backend=ctx.backend,
            executor=ctx.executor,
            session=copy.deepcopy(state.session),  # the real turn comes next
            catalog=ctx.catalog,
            with_profile=False,
        )
    except Exception:
        log.exception("counting %r first failed", text)
        return None
    if not quick.ok or quick.count is None:
        return None
    return (
        render.answer_markdown(quick)
        + "\n\n_Preparing who they are and ideas for them (first answer after start)…_"
    )


def _take_answer(state: ChatState, result: Answer, text: str) -> None:
    state.last = result
    state.say("assistant", render.answer_markdown(result))
    state.suggestions = list(result.suggestions)
    counted = {choice.request: choice.count for choice in result.choices}
    state.suggestion_labels = [
        f"{text} · {counted[text]:,}" if text in counted else text for text in state.suggestions
    ]
    state.nearest = nearest_view(result.why_zero)
    if result.reset:
        _clear_segment(state)
        _clear_sql_error(state)
    elif result.ok and result.count is not None and result.sql is not None:
        _clear_sql_error(state)  # the editor shows the new segment's SQL
        request = _definition(state, text)
        state.segment = Segment(
            sql=result.sql,
            request=request,
            title=_title(result, state.session.current is not None, request),
            spec=state.session.current,
            backend=result.model or result.backend,
            count=result.count,
            share=result.share or 0.0,
            base_count=result.base_count or 0,
            profile=result.profile,
            sample=result.sample,
            extras=_extras_of(result),
        )
        state.ideas, state.ideas_note = idea_views(result.ideas)


def _extras_of(result: Answer) -> EnrichedAnswer:
    # The answer path already ran Kotler's checks and the ideas: reuse them, never recompute.
    return EnrichedAnswer(
        ideas=result.ideas,
        reachability=result.reachability,
        differentiators=result.differentiators,
        revenue=result.revenue,
        why_zero=result.why_zero,
    )


def _title(result: Answer, has_spec: bool, request: str) -> str:
    # A spec's explanation is compiled from its conditions, so it names what is counted now;
    # SQL from a model has no conditions to describe, so its request names it.
    return result.explanation if has_spec and result.explanation else request


def _clear_sql_error(state: ChatState) -> None:
    state.sql_error, state.sql_refused, state.sql_text = None, True, None


def _definition(state: ChatState, text: str) -> str:
    # A follow-up ("only women") names a change, not the audience: keep the whole thread.
    previous = state.segment.request if state.segment else None
    if previous and len(state.session.history) > 1 and state.session.current is not None:
        return f"{previous}; {text}"
    return text


def _clear_segment(state: ChatState) -> None:
    state.segment = None
    state.ideas, state.ideas_note, state.nearest = [], "", None


def reset(ctx: AppContext, state: ChatState | None = None) -> ChatState:
    """The "New segment" button: a fresh conversation."""
    return ChatState()


def choose_suggestion(
    ctx: AppContext, state: ChatState, index: int, progress: Progress = _no_progress
) -> ChatState:
    """A click on one of the clarifying question's suggestions sends it as the next request."""
    if not 0 <= index < len(state.suggestions):
        return state
    return submit(ctx, state, state.suggestions[index], progress)


def run_edited_sql(ctx: AppContext, state: ChatState, sql: str) -> ChatState:
    """The analyst path: the edited SQL goes through the same guard. A refusal stays inline,
    beside the analyst's text (kept as typed, so the suggested fix can be made to it); the
    segment on screen stays as it was."""
    sql = sql or ""
    try:
        result = run_sql(ctx.executor, sql, ctx.catalog)
        failure = sql_query_error(ctx.executor, sql, result.error) if result.error else None
    except Exception as exc:
        log.exception("run_sql failed")
        state.sql_error, state.sql_refused = f"Something went wrong: {exc}", False
        state.sql_text = sql
        return state
    if failure is not None:
        state.sql_error, state.sql_refused = failure.reason, failure.kind == "refused"
        state.sql_text = sql
        return state
    _clear_sql_error(state)
    segment = _segment_from_result(
        result, request=None, spec=None, backend="sql", title="Edited SQL"
    )
    _make_current(state, segment)
    state.say("user", "Run the edited SQL")
    state.say("assistant", render.sql_run_markdown(segment))
    return state


def _segment_from_result(result: SegmentResult, **definition) -> Segment:
    return Segment(
        sql=result.sql,
        count=result.count,
        share=result.share,
        base_count=result.base_count,
        profile=result.profile,
        sample=result.sample,
        **definition,
    )


def _make_current(state: ChatState, segment: Segment) -> None:
    # The session follows the panel, so the next follow-up refines what is on screen.
    state.session = Session(
        current=segment.spec, current_sql=segment.sql, history=list(state.session.history)
    )
    state.segment = segment
    state.suggestions, state.suggestion_labels, state.nearest = [], [], None
    state.ideas, state.ideas_note = [], ""
    _clear_sql_error(state)


def load_ideas(ctx: AppContext, state: ChatState) -> ChatState:
    """Compute ideas and Kotler's checks for a segment that came without them (edited SQL, a
    clicked idea); runs after its count is shown. Chat answers already carry theirs."""
    segment = state.segment
    if segment is None or segment.extras is not None:
        return state
    as_of = ctx.data_as_of()
    if as_of is None:
        state.ideas, state.ideas_note = [], "Ideas need the database."
        return state
    segment.extras, note = extras_for(ctx.executor, segment, as_of, ctx.catalog)
    state.ideas, state.ideas_note = idea_views(segment.extras.ideas)
    state.ideas_note = note or state.ideas_note
    state.nearest = nearest_view(segment.extras.why_zero)
    return state


def run_idea(ctx: AppContext, state: ChatState, index: int) -> ChatState:
    """Run a suggested idea and make it the current segment."""
    if not 0 <= index < len(state.ideas):
        return state
    return _run_view(ctx, state, state.ideas[index], "idea")


def run_nearest(ctx: AppContext, state: ChatState) -> ChatState:
    """Run the nearest non-empty variant offered for an empty segment."""
    if state.nearest is None:
        return state
    return _run_view(ctx, state, state.nearest, "nearest")


def _run_view(ctx: AppContext, state: ChatState, idea: IdeaView, backend: str) -> ChatState:
    state.say("user", f"Try “{render.escape(idea.run_title)}”")
    try:
        result = run_sql(ctx.executor, idea.sql, ctx.catalog)
    except Exception as exc:
        return _fail(state, "running the idea", exc)
    if result.error:
        state.say("assistant", f"**The idea could not be run:** {render.escape(result.error)}")
        return state
    segment = _segment_from_result(
        result, request=idea.run_title, title=idea.run_title, spec=idea.spec, backend=backend
    )
    _make_current(state, segment)
    state.say("assistant", render.idea_markdown(idea, segment))
    return state
