"""The Gradio Blocks: the chat on the left, the current segment on the right, and `launch`.

Wiring only: every decision lives in `chat.py`, `library.py` and `render.py`, plain functions
the tests drive without a browser.
"""

from __future__ import annotations

import logging
import os
import threading
from datetime import date

# Set before gradio is imported: it reads this once, and the app must never phone home.
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

import tempfile  # noqa: E402
from collections.abc import Iterator  # noqa: E402
from dataclasses import dataclass, field  # noqa: E402
from functools import partial  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

import gradio as gr  # noqa: E402

from assistant.ui import chat, library, render, style  # noqa: E402
from assistant.ui.examples import example_messages  # noqa: E402
from assistant.ui.state import AppContext, ChatState  # noqa: E402
from assistant.ui.suggest import MAX_IDEAS  # noqa: E402

MAX_SUGGESTIONS = 4
CONCURRENCY = 4
WORKING = "_Working on it…_"
# The chart slots' element ids: top categories, then the profile's breakdowns.
PLOTS = (
    "plot-top_categories",
    *(f"plot-breakdown-{i}" for i in range(render.BREAKDOWN_SLOTS)),
)
# A card is a gr.HTML, so it gets a click from the mouse and, for keyboard users, Enter/Space.
CARD_JS = """
element.addEventListener('click', () => trigger('click'));
element.addEventListener('keydown', (e) => {
  if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); trigger('click'); }
});
"""

# After "Download CSV" wrote the file, the browser saves it: the button downloads (the file box
# stays as a link to it). The function gets the File component's value, whose `url` Gradio
# serves.
DOWNLOAD_JS = """
(file) => {
  if (!file || !file.url) return;
  const link = document.createElement('a');
  link.href = file.url;
  link.download = file.orig_name || 'segment.csv';
  document.body.appendChild(link);
  link.click();
  link.remove();
}
"""

log = logging.getLogger(__name__)


@dataclass
class Widgets:
    """The components handlers update; `panel()` and `_render` agree on their order."""

    state: gr.State
    chat: gr.Chatbot
    headline: gr.HTML
    kpis: gr.HTML
    plots: list[gr.BarPlot]
    sample: gr.Dataframe
    members_note: gr.Markdown
    sql: gr.Code
    sql_error: gr.Markdown
    suggestions: list[gr.Button]
    nearest: gr.Button
    ideas_note: gr.Markdown
    ideas: list[gr.HTML]
    extra: dict[str, Any] = field(default_factory=dict)

    def panel(self) -> list[Any]:
        return [
            self.state,
            self.chat,
            *self.plots,
            self.sample,
            self.members_note,
            self.sql,
            self.sql_error,
            *self.suggestions,
            *self.idea_outputs()[1:],
        ]

    def idea_outputs(self) -> list[Any]:
        """What depends on the ideas and Kotler's checks (filled later for clicked segments)."""
        shown = [self.headline, self.kpis, self.nearest, self.ideas_note, *self.ideas]
        return [self.state, *shown]


def _render(state: ChatState) -> list[Any]:
    """Values for `Widgets.panel()`, from one session's state."""
    segment = state.segment
    charts = render.profile_charts(segment.profile if segment else None)
    shown = segment is not None  # no empty chart frames or tables before there is a segment
    values: list[Any] = [
        state,
        state.messages,
        *(_plot(chart, visible=shown) for chart in charts),
        gr.update(value=render.sample_frame(segment.sample if segment else []), visible=shown),
        gr.update(visible=not shown),
        render.sql_editor_text(state),  # a refused edit keeps its text; the reason beside it
        render.sql_error_markdown(state.sql_error, refused=state.sql_refused),
    ]
    labels = state.suggestion_labels or state.suggestions
    values += [_slot(labels, i) for i in range(MAX_SUGGESTIONS)]
    return values + _render_ideas(state)[1:]


def _plot(chart: render.Chart, *, visible: bool) -> Any:
    """A chart slot: shown only with data, its count axis in whole numbers."""
    if chart.empty or not visible:
        return gr.update(value=chart.frame, visible=False)
    top = render.count_axis_top(chart.frame)
    return gr.update(
        value=chart.frame, visible=True, title=chart.title, sort=chart.sort, y_lim=[0, top]
    )


def _render_ideas(state: ChatState) -> list[Any]:
    """Values for `Widgets.idea_outputs()`."""
    segment = state.segment
    extras = segment.extras if segment else None
    kpis = render.kpi_html(segment.profile) if segment else render.EMPTY_PROFILE_HTML
    if extras is not None:
        kpis += render.insights_html(extras.differentiators, extras.revenue)
    cards = [render.idea_card_html(idea) for idea in state.ideas]
    nearest = [render.nearest_label(state.nearest)] if state.nearest else []
    return [
        state,
        render.headline_html(segment),
        kpis,
        _slot(nearest, 0),
        render.ideas_note(state.ideas, state.ideas_note),
        *(_slot(cards, i) for i in range(MAX_IDEAS)),
    ]


def _slot(labels: list[str], i: int) -> Any:
    if i < len(labels):
        return gr.update(value=labels[i], visible=True)
    return gr.update(visible=False)


def _echo(state: ChatState, text: str) -> tuple[list[dict[str, str]], str, str]:
    """Show the request at once, with a working note, before the slow part runs."""
    text = (text or "").strip()
    if not text:
        return state.messages, "", ""
    preview = [
        *state.messages,
        {"role": "user", "content": render.escape(text)},
        {"role": "assistant", "content": WORKING},
    ]
    return preview, "", text


def _echo_example(state: ChatState, evt: gr.SelectData):
    value = evt.value if isinstance(evt.value, dict) else {"text": str(evt.value)}
    return _echo(state, str(value.get("text", "")))


def _echo_suggestion(state: ChatState, index: int):
    return _echo(state, state.suggestions[index] if index < len(state.suggestions) else "")


# --- layout --------------------------------------------------------------------------------------


def _chat_column(
    examples: list[dict[str, str]],
) -> tuple[gr.Chatbot, gr.Textbox, gr.Button, gr.Button, list[gr.Button], gr.Button]:
    chatbot = gr.Chatbot(
        elem_id="chat",
        label="Conversation",
        show_label=False,
        height=560,
        examples=examples,
        placeholder="### Who do you want to reach?\nDescribe an audience or start from an example:",
        feedback_options=None,
        buttons=["copy"],
    )
    with gr.Row(elem_id="suggestions"):
        suggestions = [
            gr.Button(visible=False, size="sm", elem_id=f"suggestion-{i}")
            for i in range(MAX_SUGGESTIONS)
        ]
        nearest = gr.Button(visible=False, size="sm", variant="primary", elem_id="nearest")
    # The textbox takes the row; the buttons keep their natural width (scale=0) and never wrap.
    with gr.Row(elem_id="input-row"):
        request = gr.Textbox(
            elem_id="request",
            show_label=False,
            container=False,
            placeholder="Describe an audience, or refine it (“only women”)",
            scale=1,
            min_width=160,
            lines=1,
            max_lines=4,
        )
        send = gr.Button("Ask", variant="primary", elem_id="send", scale=0, min_width=72, size="md")
        new = gr.Button("New segment", elem_id="reset", scale=0, min_width=124, size="md")
    return chatbot, request, send, new, suggestions, nearest


def _plots() -> list[gr.BarPlot]:
    common: dict[str, Any] = {
        "x": "value",
        "height": 210,
        "x_title": " ",
        "y_lim": [0, None],
        "y_axis_format": ",d",  # whole customers and currency units, never "437.000000"
        "show_label": False,
        "visible": False,  # until there is a segment
    }
    plots = [
        gr.BarPlot(
            y="spend",
            y_title="spend",
            title=render.TOP_CATEGORIES_TITLE,
            sort="-y",
            elem_id=PLOTS[0],
            **common,
        )
    ]
    # The breakdowns' slots, two to a row; each gets its title from the profile it shows.
    slots = list(PLOTS[1:])
    for pair in (slots[:2], slots[2:]):
        with gr.Row():
            plots += [gr.BarPlot(y="customers", elem_id=slot, **common) for slot in pair]
    return plots


def _ideas_box() -> tuple[gr.Markdown, list[gr.HTML]]:
    with gr.Column(elem_id="ideas"):
        note = gr.Markdown(render.ideas_note([], ""), elem_id="ideas-note")
        with gr.Column(elem_id="ideas-grid"):
            cards = [
                gr.HTML(visible=False, elem_id=f"idea-{i}", js_on_load=CARD_JS)
                for i in range(MAX_IDEAS)
            ]
    return note, cards


def _saved_tab() -> dict[str, Any]:
    w: dict[str, Any] = {}
    with gr.Row(elem_classes=["controls"]):
        w["name"] = gr.Textbox(
            label="Save the current segment as", elem_id="save-name", scale=4, max_lines=1
        )
        w["overwrite"] = gr.Checkbox(label="overwrite", value=False, scale=1)
        w["save"] = gr.Button("Save", variant="primary", elem_id="save", scale=1)
    w["save_status"] = gr.Markdown(elem_id="save-status")
    w["table"] = gr.Dataframe(
        label="Saved segments", elem_id="saved-list", elem_classes=["data-table"], interactive=False
    )
    with gr.Row(elem_classes=["controls"]):
        w["chosen"] = gr.Dropdown(
            label="Saved segment", choices=[], elem_id="saved-choice", scale=3
        )
        w["refresh"] = gr.Button("Refresh", elem_id="refresh", scale=1)
        w["refresh_all"] = gr.Button("Refresh all", elem_id="refresh-all", scale=1)
        w["export"] = gr.Button("Download CSV", elem_id="export", scale=1)
    w["detail"] = gr.Markdown(elem_id="saved-detail")
    w["history"] = gr.LinePlot(
        x="refreshed",
        y="customers",
        x_title="refreshed",
        y_lim=[0, None],
        y_axis_format=",d",
        height=180,
        show_label=False,
        elem_id="saved-history",
        visible=False,  # until a saved segment is chosen
    )
    w["file"] = gr.File(label="Members (CSV)", elem_id="download", interactive=False, visible=False)
    with gr.Row(elem_classes=["controls"]):
        w["a"] = gr.Dropdown(label="Compare", choices=[], elem_id="compare-a", scale=2)
        w["b"] = gr.Dropdown(label="with", choices=[], elem_id="compare-b", scale=2)
        w["compare"] = gr.Button("Compare", elem_id="compare", scale=1)
    w["comparison"] = gr.Markdown(elem_id="comparison")
    return w


def _layout(examples: list[dict[str, str]]) -> tuple[Widgets, dict[str, Any]]:
    with gr.Row(equal_height=True):
        gr.Markdown(
            "# Segment Assistant\nDescribe an audience in plain words; refine it by chatting.",
            elem_id="app-title",
        )
        status = gr.Markdown(elem_id="status")
    with gr.Row():
        with gr.Column(scale=5, min_width=420):
            chatbot, request, send, new, suggestions, nearest = _chat_column(examples)
        with gr.Column(scale=6, min_width=480):
            headline = gr.HTML(render.headline_html(None), elem_id="headline")
            ideas_note, ideas = _ideas_box()
            with gr.Tabs():
                with gr.Tab("Profile", id="profile-tab"):
                    kpis = gr.HTML(render.EMPTY_PROFILE_HTML, elem_id="kpis")
                    plots = _plots()
                with gr.Tab("Members", id="members-tab"):
                    members_note = gr.Markdown(render.EMPTY_MEMBERS, elem_id="members-note")
                    sample = gr.Dataframe(
                        elem_id="sample",
                        elem_classes=["data-table"],
                        label="Sample of members",
                        interactive=False,
                        visible=False,
                    )
                with gr.Tab("SQL", id="sql-tab"):
                    sql = gr.Code(
                        language="sql",
                        interactive=True,
                        lines=14,
                        elem_id="sql",
                        label="SQL: edit and run it (the guard checks it first)",
                    )
                    with gr.Row(elem_id="sql-run-row"):
                        run_sql = gr.Button("Run SQL", elem_id="run-sql", scale=0, min_width=110)
                        sql_error = gr.Markdown(elem_id="sql-error", scale=1)
                    dialect = gr.Dropdown(
                        choices=list(WAREHOUSES.items()),
                        value=None,
                        label="The same segment for your warehouse",
                        elem_id="dialect",
                    )
                    translated = gr.Code(
                        language="sql", interactive=False, lines=10, elem_id="sql-dialect",
                        visible=False,
                    )  # fmt: skip
                with gr.Tab("Saved", id="saved-tab"):
                    saved = _saved_tab()
    widgets = Widgets(
        state=gr.State(ChatState()),
        chat=chatbot,
        headline=headline,
        kpis=kpis,
        plots=plots,
        sample=sample,
        members_note=members_note,
        sql=sql,
        sql_error=sql_error,
        suggestions=suggestions,
        nearest=nearest,
        ideas_note=ideas_note,
        ideas=ideas,
    )
    controls = {
        "status": status, "request": request, "send": send, "new": new, "run_sql": run_sql,
        "dialect": dialect, "translated": translated,
    }  # fmt: skip
    return widgets, controls | {f"saved_{k}": v for k, v in saved.items()}


# --- events --------------------------------------------------------------------------------------


def build_app(ctx: AppContext) -> gr.Blocks:
    """The whole page for one process; each visitor's state lives in a `gr.State`."""
    with gr.Blocks(title="Segment Assistant", analytics_enabled=False) as demo:
        w, c = _layout(example_messages(ctx.catalog))
        _wire_chat(ctx, w, c)
        refresh_lists, lists = _wire_saved(ctx, w, c)
        # Read when the page opens, so segments saved in other sessions show up.
        demo.load(lambda: _status(ctx), None, c["status"], queue=False).then(
            refresh_lists, None, lists
        )
    return demo


def _wire_chat(ctx: AppContext, w: Widgets, c: dict[str, Any]) -> None:
    pending = gr.State("")

    def answer(state: ChatState, text: str, progress=gr.Progress()) -> Iterator[list[Any]]:
        report = lambda fraction, message: progress(fraction, desc=message)  # noqa: E731
        for current in chat.submit_live(ctx, state, text, report):
            yield _render(current)

    def ideas(state: ChatState) -> list[Any]:
        return _render_ideas(chat.load_ideas(ctx, state))

    # A chat answer arrives with its ideas and Kotler's checks, so one step renders everything.
    def flow(trigger, echo, inputs) -> None:
        trigger(echo, inputs, [w.chat, c["request"], pending], queue=False).then(
            answer, [w.state, pending], w.panel()
        )

    flow(c["request"].submit, _echo, [w.state, c["request"]])
    flow(c["send"].click, _echo, [w.state, c["request"]])
    flow(w.chat.example_select, _echo_example, [w.state])
    for i, button in enumerate(w.suggestions):
        flow(button.click, partial(_echo_suggestion, index=i), [w.state])

    c["new"].click(lambda s: _render(chat.reset(ctx, s)), w.state, w.panel(), queue=False)
    # The editor's query for another warehouse, whenever either changes.
    c["dialect"].change(_translated, [w.sql, c["dialect"]], c["translated"], queue=False)
    w.sql.change(_translated, [w.sql, c["dialect"]], c["translated"], queue=False)
    c["run_sql"].click(
        lambda s, sql: _render(chat.run_edited_sql(ctx, s, sql)), [w.state, w.sql], w.panel()
    ).then(ideas, w.state, w.idea_outputs())
    # A clicked segment shows its count at once; its ideas and checks follow.
    for i, card in enumerate(w.ideas):
        card.click(partial(_run_idea, ctx, index=i), w.state, w.panel()).then(
            ideas, w.state, w.idea_outputs()
        )
    w.nearest.click(lambda s: _render(chat.run_nearest(ctx, s)), w.state, w.panel()).then(
        ideas, w.state, w.idea_outputs()
    )


# Label -> sqlglot dialect, for the SQL tab's "for your warehouse" choice.
WAREHOUSES = {
    "Spark / Databricks": "spark",
    "Trino / Presto": "trino",
    "Snowflake": "snowflake",
    "BigQuery": "bigquery",
    "PostgreSQL": "postgres",
}


def _translated(sql: str | None, dialect: str | None) -> Any:
    """The editor's query in `dialect` (read-only: it is run there, not here)."""
    from assistant.dialects import DialectError, transpile

    if not dialect or not (sql or "").strip():
        return gr.update(visible=False)
    name = next((k for k, v in WAREHOUSES.items() if v == dialect), dialect)
    try:
        text = transpile(sql or "", dialect)
    except DialectError as exc:
        text = f"-- This query could not be translated for {name}: {exc}"
    return gr.update(value=text, visible=True, label=f"For {name} (read-only)")


def _run_idea(ctx: AppContext, state: ChatState, index: int) -> list[Any]:
    return _render(chat.run_idea(ctx, state, index))


def _wire_saved(ctx: AppContext, w: Widgets, c: dict[str, Any]) -> tuple[Any, list[Any]]:
    table, chosen, a, b = c["saved_table"], c["saved_chosen"], c["saved_a"], c["saved_b"]
    lists = [table, chosen, a, b]

    def refresh_lists() -> list[Any]:
        names = library.saved_names(ctx)
        choices = gr.update(choices=names)
        return [library.saved_table(ctx), choices, choices, choices]

    def save(state: ChatState, name: str, overwrite: bool) -> list[Any]:
        return [library.save_current(ctx, state, name, overwrite=overwrite), *refresh_lists()]

    c["saved_save"].click(
        save, [w.state, c["saved_name"], c["saved_overwrite"]], [c["saved_save_status"], *lists]
    )
    chosen.change(partial(_history, ctx), chosen, [c["saved_detail"], c["saved_history"]])
    for button, target in ((c["saved_refresh"], chosen), (c["saved_refresh_all"], None)):
        button.click(
            partial(_refresh, ctx, everything=target is None),
            chosen,
            [c["saved_save_status"], c["saved_detail"], c["saved_history"], *lists],
        )
    c["saved_export"].click(
        partial(_export, ctx), chosen, [c["saved_file"], c["saved_save_status"]]
    ).then(None, c["saved_file"], js=DOWNLOAD_JS)
    c["saved_compare"].click(partial(library.compare, ctx), [a, b], c["saved_comparison"])
    return refresh_lists, lists


def _refresh(ctx: AppContext, name: str | None, *, everything: bool) -> list[Any]:
    message = library.refresh(ctx, None if everything else name)
    detail, history = _history(ctx, name)
    names = library.saved_names(ctx)
    choices = gr.update(choices=names)
    return [message, detail, history, library.saved_table(ctx), choices, choices, choices]


def _history(ctx: AppContext, name: str | None) -> tuple[str, Any]:
    """The saved segment's detail and its size over time. The chart needs two measurements (a
    line through one point draws nothing; the detail states the one size)."""
    detail, frame = library.history(ctx, name)
    if len(frame) < 2:
        return detail, gr.update(visible=False)
    top = render.count_axis_top(frame, headroom=True)
    return detail, gr.update(value=frame, visible=True, y_lim=[0, top])


def _export(ctx: AppContext, name: str | None) -> tuple[Any, str]:
    path, message = library.export_csv(ctx, name)
    return gr.update(value=path, visible=path is not None), message


def _status(ctx: AppContext) -> str:
    return render.status_markdown(ctx.backend_label, str(ctx.executor.db_path), ctx.data_as_of())


# --- launching -----------------------------------------------------------------------------------


def make_context(
    db: Path | str | None = None,
    backend: str = "auto",
    workspace: Path | str | None = None,
    *,
    model: str | None = None,
    cassette: Path | None = None,
    catalog: Path | str | None = None,
) -> AppContext:
    """The shared context: one read-only executor per process, its catalog, a backend and the
    workspace."""
    from assistant.backends.factory import make_backend
    from assistant.catalog import catalog_for
    from assistant.config import default_db_path
    from assistant.executor import Executor
    from assistant.workspace import Workspace

    db_path = Path(db) if db else default_db_path()
    executor = Executor(db_path)
    loaded = catalog_for(db_path, catalog, set(executor.schema()))
    return AppContext(
        executor=executor,
        backend=make_backend(backend, catalog=loaded, model=model, cassette=cassette),
        workspace=Workspace(workspace, loaded)
        if workspace
        else Workspace.for_data(db_path, loaded),
        export_dir=Path(tempfile.mkdtemp(prefix="segment-assistant-")),
        catalog=loaded,
    )


def parse_auth(auth: str | None) -> tuple[str, str] | None:
    """ "user:pass" -> ("user", "pass"); None or "" means no login."""
    if not auth:
        return None
    user, sep, password = auth.partition(":")
    if not sep or not user or not password:
        raise ValueError('auth must look like "user:password"')
    return user, password


def _warm_up(ctx: AppContext) -> None:
    """Fill the whole-base caches the ideas use (model scoring, category buyers) while the page
    loads, so the first marketer does not wait for them (seconds at a million customers)."""
    from assistant.ideas import suggest_ideas

    try:
        as_of = ctx.data_as_of() or date.today()
        suggest_ideas(ctx.executor, None, as_of, catalog=ctx.catalog)
    except Exception:  # a missing or broken database is reported when someone asks
        log.warning("warm-up skipped", exc_info=True)


def launch(
    host: str = "127.0.0.1",
    port: int = 7860,
    db: Path | str | None = None,
    backend: str = "auto",
    auth: str | None = None,
    workspace: Path | str | None = None,
    *,
    model: str | None = None,
    cassette: Path | None = None,
    catalog: Path | str | None = None,
    quiet: bool = False,
) -> None:
    """Serve the UI until interrupted (local only unless `host` says otherwise; never shared)."""
    ctx = make_context(db, backend, workspace, model=model, cassette=cassette, catalog=catalog)
    threading.Thread(target=_warm_up, args=(ctx,), daemon=True, name="warm-up").start()
    demo = build_app(ctx)
    demo.queue(default_concurrency_limit=CONCURRENCY)
    demo.launch(
        server_name=host,
        server_port=port,
        auth=parse_auth(auth),
        share=False,
        inbrowser=False,
        show_error=False,
        quiet=quiet,
        ssr_mode=False,
        mcp_server=False,
        footer_links=[],
        allowed_paths=[str(ctx.export_dir)],
        theme=style.theme(),
        css=style.CSS,
    )
