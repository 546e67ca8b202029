"""The UI's event handlers as plain functions: what a person sees after each action."""

from __future__ import annotations

import csv
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import gradio as gr
import pytest

from assistant.answer import answer
from assistant.backends.rules import RulesBackend
from assistant.catalog import DEFAULT_CATALOG_PATH, load_catalog
from assistant.guard import GuardError, check_sql
from assistant.ui import app, chat, library, render
from assistant.ui.state import AppContext, ChatState
from assistant.workspace import Workspace

EXAMPLES = list(load_catalog().examples.items())
MISSION_REQUEST = dict(EXAMPLES)["Behavioral"]


@pytest.fixture(scope="module")
def backend() -> RulesBackend:
    return RulesBackend()


@pytest.fixture
def ctx(executor, backend, tmp_path: Path) -> AppContext:
    catalog = load_catalog()
    return AppContext(
        executor=executor,
        backend=backend,
        workspace=Workspace(tmp_path / "workspace.duckdb", catalog),
        export_dir=tmp_path,
        catalog=catalog,
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

    assert state.sql_error == refusal.value.reason and state.sql_refused
    assert state.segment is before
    assert ctx.executor.scalar("SELECT count(*) FROM customers") == before.base_count


TYPO = "SELECT customer_id FROM customers WHERE loyalty_tir = 'gold'"


@pytest.mark.parametrize(
    ("edit", "reason"),
    [
        (TYPO, "Did you mean 'loyalty_tier'?"),
        ("DROP TABLE customers", "read-only"),
        ("SELECT * FROM read_csv('/etc/passwd')", "read_csv"),
    ],
)
def test_a_refused_sql_edit_keeps_its_text_beside_the_reason(ctx, edit, reason):
    state = ask(ctx, "customers in Canada")
    before = state.segment

    state = chat.run_edited_sql(ctx, state, edit)

    # The editor keeps what the analyst typed (it does not revert to the segment's SQL)...
    assert render.sql_editor_text(state) == edit
    assert app._render(state)[_panel_index("sql")] == edit
    # ...with the reason beside it, and the segment on screen unchanged.
    shown = app._render(state)[_panel_index("sql_error")]
    assert shown.startswith("**Refused:**") and render.escape(reason) in shown
    assert state.segment is before and render.headline_html(state.segment).count(
        f'data-count="{before.count}"'
    )


def test_a_refused_sql_edit_fixed_as_suggested_runs(ctx):
    state = chat.run_edited_sql(ctx, ask(ctx, "customers in Canada"), TYPO)
    fixed = render.sql_editor_text(state).replace("loyalty_tir", "loyalty_tier")

    state = chat.run_edited_sql(ctx, state, fixed)

    assert state.sql_error is None and state.sql_text is None
    assert state.segment.count == count_of(ctx, fixed) > 0
    assert render.sql_editor_text(state) == state.segment.sql
    assert app._render(state)[_panel_index("sql_error")] == ""


def test_an_edit_that_fails_when_run_says_so_and_keeps_its_text(ctx):
    edit = "SELECT customer_id FROM customers WHERE CAST(first_name AS INTEGER) = 1"
    state = chat.run_edited_sql(ctx, ask(ctx, "customers in Canada"), edit)

    assert render.sql_editor_text(state) == edit and not state.sql_refused
    assert app._render(state)[_panel_index("sql_error")].startswith("**Could not run:**")


def test_a_new_answer_puts_its_sql_back_in_the_editor(ctx):
    state = chat.run_edited_sql(ctx, ask(ctx, "customers in Canada"), TYPO)
    state = ask(ctx, "only women", state=state)

    assert state.sql_text is None and render.sql_editor_text(state) == state.segment.sql


def _panel_index(name: str) -> int:
    """Where a widget's value sits in `app._render`'s list (the order of `Widgets.panel`)."""
    order = ["state", "chat", *app.PLOTS, "sample", "members_note", "sql", "sql_error"]
    return order.index(name)


def test_the_title_follows_a_refinement(ctx):
    state = ask(ctx, "customers in Germany", "what about France instead")

    title = render.segment_title(state.segment)
    assert "France" in title and "Germany" not in title
    headline = render.headline_html(state.segment)
    assert f'<div class="headline-title" title="Asked: {state.segment.request}">' in headline
    assert state.segment.request == "customers in Germany; what about France instead"
    france = ctx.executor.scalar("SELECT count(*) FROM customers WHERE country = 'FR'")
    assert state.segment.count == france


def test_no_chart_or_table_frames_before_a_segment(ctx):
    values = app._render(ChatState())
    plots = values[_panel_index(app.PLOTS[0]) : _panel_index("sample") + 1]
    assert all(update["visible"] is False for update in plots)
    assert values[_panel_index("members_note")]["visible"] is True
    assert app._render_ideas(ChatState())[2] == render.EMPTY_PROFILE_HTML

    state = ask(ctx, "customers in Canada")
    values = app._render(state)
    plots = values[_panel_index(app.PLOTS[0]) : _panel_index("sample") + 1]
    assert all(update["visible"] is True for update in plots)
    assert values[_panel_index("members_note")]["visible"] is False


def test_the_charts_are_the_profiles_breakdowns_titled_by_property(ctx):
    state = ask(ctx, "customers in Canada")
    profile = state.segment.profile
    updates = app._render(state)[_panel_index(app.PLOTS[0]) : _panel_index("sample")]

    assert updates[0]["title"] == render.TOP_CATEGORIES_TITLE
    assert list(updates[0]["value"]["value"]) == [s.value for s in profile.top_categories]
    shown = [u for u in updates[1:] if u["visible"]]
    assert len(shown) == min(len(profile.breakdowns), render.BREAKDOWN_SLOTS) > 0
    for update, (name, shares) in zip(shown, profile.breakdowns.items(), strict=False):
        # Titled as a person calls the property: its first synonym in the catalog.
        label = ctx.catalog.property_label(name)
        assert update["title"] == label[:1].upper() + label[1:]
        assert list(update["value"]["customers"]) == [s.count for s in shares]


def test_count_axes_are_whole_numbers(ctx):
    import pandas as pd

    # Small counts would tick at 0.5: the axis then runs to 10; a line chart gets headroom.
    assert render.count_axis_top(pd.DataFrame({"customers": [3]})) == render.MIN_COUNT_AXIS
    assert render.count_axis_top(pd.DataFrame({"customers": [437]})) is None
    assert render.count_axis_top(pd.DataFrame({"customers": [2024]}), headroom=True) == 2500
    assert render.count_axis_top(pd.DataFrame({"customers": []})) == render.MIN_COUNT_AXIS


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
    from contract import reachable_sql

    reachable = ctx.executor.query(reachable_sql(state.segment.sql)).rows
    assert len(rows) == len(reachable) and f"{len(rows):,} members" in message
    assert f"{state.segment.count - len(rows):,} who cannot be contacted" in message
    assert {r["country"] for r in rows} == {"CA"}


def test_the_exported_file_is_one_gradio_serves(ctx):
    state = ask(ctx, "customers in Canada")
    library.save_current(ctx, state, "Canada")

    path, _ = library.export_csv(ctx, "Canada")

    # Gradio's File takes a str (a Path made the UI show "Error" and no file) in a folder the
    # app lets it serve.
    assert isinstance(path, str) and Path(path).is_relative_to(ctx.export_dir)
    served = gr.File(interactive=False).postprocess(path)
    assert served is not None and served.path == path
    assert library.export_csv(ctx, None)[0] is None


def test_the_apps_export_folder_is_temporary(executor, tmp_path):
    context = app.make_context(
        executor.db_path, "rules", tmp_path / "workspace.duckdb", catalog=DEFAULT_CATALOG_PATH
    )
    assert context.export_dir.is_relative_to(tempfile.gettempdir())


def test_size_history_is_labelled_per_measurement_in_time_order(ctx):
    state = ask(ctx, "customers in Canada")
    library.save_current(ctx, state, "Canada")
    for _ in range(2):
        library.refresh(ctx, "Canada")

    _, history = library.history(ctx, "Canada")

    labels = list(history["refreshed"])
    assert all(isinstance(label, str) for label in labels)  # text: no ".500" time ticks
    assert len(set(labels)) == len(labels) == 3 and labels == sorted(labels)
    assert list(history["customers"]) == [state.segment.count] * 3
    chart = app._history(ctx, "Canada")[1]
    top = render.count_axis_top(history, headroom=True)
    assert chart["visible"] is True and chart["y_lim"] == [0, top]


def test_the_size_chart_waits_for_a_second_measurement(ctx):
    library.save_current(ctx, ask(ctx, "customers in Canada"), "Canada")

    detail, chart = app._history(ctx, "Canada")

    assert "1 measurement(s)" in detail and chart["visible"] is False
    assert app._history(ctx, None)[1]["visible"] is False
    library.refresh(ctx, "Canada")
    assert app._history(ctx, "Canada")[1]["visible"] is True


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
    names = [name for name, _, _ in render.reach_chips(reach)]
    assert names == [*reach.channels, "any_channel", "unsubscribed"]
    for name, label, value in render.reach_chips(reach):
        assert f'data-reach="{name}" data-count="{value}"' in chips
        assert f"<b>{value:,}</b> {label}" in chips
    assert "<b>" in chips and " Email<" in chips and " SMS<" in chips


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
