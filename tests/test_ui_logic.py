"""The UI's event handlers as plain functions: what a person sees after each action."""

from __future__ import annotations

import csv
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from assistant.answer import answer
from assistant.backends.rules import RulesBackend
from assistant.guard import GuardError, check_sql
from assistant.ui import chat, library, render
from assistant.catalog import load_catalog

EXAMPLES = list(load_catalog().examples.items())
MISSION_REQUEST = dict(EXAMPLES)["Behavioral"]
from assistant.ui.state import AppContext, ChatState
from assistant.workspace import Workspace


@pytest.fixture(scope="module")
def backend() -> RulesBackend:
    return RulesBackend()


@pytest.fixture
def ctx(executor, backend, tmp_path: Path) -> AppContext:
    return AppContext(
        executor=executor,
        backend=backend,
        workspace=Workspace(tmp_path / "workspace.duckdb"),
        export_dir=tmp_path,
    )


def ask(ctx: AppContext, *requests: str, state: ChatState | None = None) -> ChatState:
    state = state or ChatState()
    for request in requests:
        state = chat.submit(ctx, state, request)
    return state


def count_of(ctx: AppContext, sql: str) -> int:
    return ctx.executor.scalar(f"SELECT count(DISTINCT customer_id) FROM ({sql}) q")


def test_a_request_is_answered_with_size_assumptions_and_funnel(ctx):
    state = ask(ctx, MISSION_REQUEST)
    expected = answer(MISSION_REQUEST, backend=ctx.backend, executor=ctx.executor)

    assert [m["role"] for m in state.messages] == ["user", "assistant"]
    reply = state.messages[-1]["content"]
    assert f"**{expected.count:,} customers (" in reply
    assert f"of {expected.base_count:,})" in reply
    assert render.escape("last month = 2026-08-01 … 2026-08-31") in reply
    assert "| Funnel step | Customers |" in reply
    for step in expected.funnel:
        assert f"| {render.escape(step.label)} | {step.count:,} |" in reply
    assert state.segment is not None
    assert state.segment.count == expected.count == count_of(ctx, state.segment.sql)
    assert state.segment.profile is not None and state.segment.sample
    assert f'data-count="{expected.count}"' in render.headline_html(state.segment)


def test_a_follow_up_refines_the_current_segment(ctx):
    state = ask(ctx, "customers in Canada")
    canada = state.segment.count
    state = ask(ctx, "only women", state=state)

    women_in_canada = ctx.executor.scalar(
        "SELECT count(*) FROM customers WHERE country = 'CA' AND gender = 'female'"
    )
    assert state.segment.count == women_in_canada < canada
    assert state.segment.request == "customers in Canada; only women"
    assert len(state.messages) == 4


def test_new_segment_resets_the_conversation(ctx):
    state = ask(ctx, "customers in Canada")
    state = chat.reset(ctx, state)

    assert state.segment is None and state.messages == [] and state.session.current is None
    state = ask(ctx, "only women", state=state)
    women = ctx.executor.scalar("SELECT count(*) FROM customers WHERE gender = 'female'")
    assert state.segment.count == women


def test_typing_start_over_clears_the_segment(ctx):
    state = ask(ctx, "customers in Canada", "start over")

    assert state.segment is None
    assert state.messages[-1]["content"] == "Started over. Describe a new audience."


def test_unsafe_sql_edit_is_refused_with_the_guards_reason(ctx):
    state = ask(ctx, "customers in Canada")
    before = state.segment
    unsafe = "DELETE FROM customers"
    with pytest.raises(GuardError) as refusal:
        check_sql(unsafe, ctx.executor.schema(), binder=ctx.executor.explain)

    state = chat.run_edited_sql(ctx, state, unsafe)

    assert state.sql_error == refusal.value.reason
    assert state.segment is before
    assert ctx.executor.scalar("SELECT count(*) FROM customers") == before.base_count


def test_a_safe_sql_edit_becomes_the_current_segment(ctx):
    state = ask(ctx, "customers in Canada")
    sql = "SELECT customer_id FROM customers WHERE country = 'CA' AND loyalty_tier = 'gold'"

    state = chat.run_edited_sql(ctx, state, sql)

    assert state.sql_error is None
    assert state.segment.count == count_of(ctx, sql)
    assert state.segment.backend == "sql" and state.session.current is None
    assert f"**{state.segment.count:,} customers" in state.messages[-1]["content"]


def test_a_vague_request_offers_clickable_suggestions_that_work(ctx):
    state = ask(ctx, "people who like stuff")

    assert state.segment is None and state.suggestions
    suggestion = state.suggestions[0]
    state = chat.choose_suggestion(ctx, state, 0)
    assert state.messages[-2]["content"] == render.escape(suggestion)
    assert state.segment is not None and state.segment.count == count_of(ctx, state.segment.sql)


def test_request_text_is_shown_not_interpreted(ctx):
    state = ask(ctx, "<img src=x onerror=alert(1)> customers in **Canada**")

    shown = state.messages[0]["content"]
    assert "<img" not in shown and "**" not in shown


@pytest.mark.parametrize(("kind", "request_text"), EXAMPLES, ids=[k for k, _ in EXAMPLES])
def test_every_example_on_the_empty_page_is_understood(ctx, kind, request_text):
    state = ask(ctx, request_text)

    assert state.last is not None
    assert state.last.unrecognized == [] and state.last.clarification is None, kind
    assert state.segment is not None and state.segment.count > 0


def test_ideas_are_offered_and_running_one_shows_its_count(ctx):
    state = chat.load_ideas(ctx, ask(ctx, "customers in Canada"))

    assert state.ideas, state.ideas_note
    idea = state.ideas[0]
    state = chat.run_idea(ctx, state, 0)
    assert state.segment.count == idea.count == count_of(ctx, idea.sql)
    assert state.segment.request == idea.run_title
    assert f"{idea.count:,} customers" in state.messages[-1]["content"]


def test_save_list_refresh_compare_and_export(ctx, tmp_path):
    state = ask(ctx, "customers in Canada")
    canada = state.segment.count

    assert "Saved **Canada**" in library.save_current(ctx, state, "Canada")
    assert "already exists" in library.save_current(ctx, state, "canada")
    assert "Not saved" in library.save_current(ctx, state, "bad/name")
    state = ask(ctx, "only women", state=state)
    library.save_current(ctx, state, "Canadian women")

    table = library.saved_table(ctx)
    assert list(table["name"]) == ["Canada", "Canadian women"]
    assert list(table["customers"]) == [canada, state.segment.count]
    assert "Canada: " in library.refresh(ctx, None)
    detail, history = library.history(ctx, "Canada")
    assert list(history["customers"]) == [canada, canada]
    assert f"{canada:,} → {canada:,}" in detail
    comparison = library.compare(ctx, "Canada", "Canadian women")
    assert f"| {canada - state.segment.count:,} | {state.segment.count:,} | 0 |" in comparison

    path, message = library.export_csv(ctx, "Canadian women")
    with open(path, newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == state.segment.count and f"{len(rows):,} members" in message
    assert {r["country"] for r in rows} == {"CA"}


def test_nothing_to_save_before_a_segment(ctx):
    assert library.save_current(ctx, ChatState(), "empty").startswith("Nothing to save")
    assert library.saved_table(ctx).empty


def test_two_sessions_keep_separate_state_when_used_at_once(ctx):
    threads = {
        "a": ("customers in Canada", "only women"),
        "b": ("android users in the UK", "exclude gold members"),
    }
    expected = {key: ask(ctx, *requests).segment.count for key, requests in threads.items()}

    def conversation(key: str) -> ChatState:
        state = ChatState()
        for _ in range(3):  # several turns so the two conversations interleave
            state = chat.reset(ctx, state)
            state = ask(ctx, *threads[key], state=state)
        return state

    with ThreadPoolExecutor(max_workers=2) as pool:
        results = dict(zip(threads, pool.map(conversation, threads), strict=True))

    for key, state in results.items():
        assert state.segment.count == expected[key]
        assert state.segment.request == "; ".join(threads[key])
        assert [m["content"] for m in state.messages if m["role"] == "user"] == [
            render.escape(r) for r in threads[key]
        ]
    assert results["a"].session is not results["b"].session


# --- Kotler's checks and ideas, as the panel shows them ------------------------------------------

EMPTY_REQUEST = "customers in Texas who live in Germany"


def test_reachability_chips_show_the_answers_reachability(ctx):
    state = ask(ctx, MISSION_REQUEST)
    reach = state.last.reachability

    assert reach is not None and reach.total == state.segment.count
    chips = render.headline_html(state.segment)
    for name, label in render.REACH_CHIPS:
        value = getattr(reach, name)
        assert f'data-reach="{name}" data-count="{value}"' in chips
        assert f"<b>{value:,}</b> {label}" in chips


def test_revenue_share_and_differentiators_are_in_the_profile(ctx):
    state = ask(ctx, MISSION_REQUEST)
    extras = state.segment.extras
    shown = render.insights_html(extras.differentiators, extras.revenue)

    assert state.last.revenue is not None and state.last.differentiators
    assert "of customers bring" in state.last.revenue.text
    assert render.html.escape(state.last.revenue.text) in shown
    for trait in state.last.differentiators:
        assert render.html.escape(trait.text) in shown


def test_an_empty_segment_says_why_and_its_nearest_variant_runs(ctx):
    # "Bavarians in Texas" reads as Bavaria OR Texas (not empty); this request is a real zero.
    state = ask(ctx, EMPTY_REQUEST)
    assert state.segment.count == 0 == count_of(ctx, state.segment.sql)
    why = state.last.why_zero
    assert why is not None and why.emptied_by and why.nearest is not None

    reply = state.messages[-1]["content"]
    assert "Why no one matches" in reply and render.escape(why.emptied_by) in reply
    assert render.escape(why.nearest.title) in reply
    assert state.nearest is not None and state.nearest.count == why.nearest.count

    state = chat.run_nearest(ctx, state)
    assert state.segment.count == why.nearest.count == count_of(ctx, why.nearest.sql)
    assert state.nearest is None and state.session.current is not None


def test_a_chat_turn_computes_ideas_once(ctx, monkeypatch):
    import assistant.kotler

    calls = []
    real = assistant.kotler.suggest_ideas

    def counting(*args, **kwargs):
        calls.append(args)
        return real(*args, **kwargs)

    monkeypatch.setattr(assistant.kotler, "suggest_ideas", counting)
    state = chat.load_ideas(ctx, ask(ctx, "customers in Canada"))

    assert len(calls) == 1
    expected = [idea.title for idea in state.last.ideas.ideas][: len(state.ideas)]
    assert [idea.title for idea in state.ideas] == expected

    state = chat.load_ideas(ctx, chat.run_idea(ctx, state, 0))  # no Answer: computed once here
    assert len(calls) == 2 and state.ideas and state.segment.extras is not None


def test_idea_cards_show_type_size_flags_and_parts(ctx):
    states = [ask(ctx, request) for request in (MISSION_REQUEST, "customers in Canada")]
    pairs = [
        (idea, view)
        for state in states
        for idea, view in zip(state.last.ideas.ideas, state.ideas, strict=False)
    ]
    flagged = next((i, v) for i, v in pairs if i.flags)
    split = next((i, v) for i, v in pairs if len(i.parts) > 1)

    for idea, view in (flagged, split):
        card = render.idea_card_html(view)
        assert f'<span class="badge type">{render.html.escape(idea.type)}</span>' in card
        assert f"<b>{idea.count:,}</b> · {idea.share:.1%}" in card
        for flag in idea.flags:
            assert f'<span class="badge flag">{render.FLAG_LABELS[flag]}</span>' in card
    idea, view = split
    card = render.idea_card_html(view)
    for part in sorted(idea.parts, key=lambda p: -p.count)[: render.MAX_PARTS]:
        assert f"{render.html.escape(part.label)} <b>{part.count:,}</b>" in card


def test_a_follow_up_refines_a_clicked_idea(ctx):
    state = ask(ctx, "customers in Canada")
    index = next(i for i, idea in enumerate(state.ideas) if idea.spec is not None)
    state = chat.run_idea(ctx, state, index)
    idea_sql, idea_count = state.segment.sql, state.segment.count

    state = ask(ctx, "only women", state=state)

    women = ctx.executor.scalar(
        "SELECT count(*) FROM customers WHERE gender = 'female' AND customer_id IN "
        f"(SELECT customer_id FROM ({idea_sql}) q)"
    )
    assert state.segment.count == women < idea_count
    assert state.segment.request.endswith("; only women")
