"""The UI in a real browser (Debian's chromium, no network), through every button a marketer or
analyst has: ask, a counted suggestion for a vague request, an idea card, an SQL edit refused and
then fixed, save, refresh, compare, Download CSV (the file read and its rows counted against the
CLI), new segment and a refinement.

Each state is photographed into a temporary folder (or $UI_SCREENSHOTS) for a person to look at.
"""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from contract import reachable_sql
from ui_server import running_ui

from assistant.ui.app import PLOTS

CHROMIUM = Path("/usr/bin/chromium")
CLI = Path(sys.executable).parent / "segment-assistant"  # the installed console script
MISSION = "frequent outdoor buyers with three transactions last month and no campaign engagement"
VAGUE = "the best segment to target for a winter sports campaign"
TYPO_SQL = "SELECT customer_id FROM customers WHERE loyalty_tir = 'gold'"
GOLD_SQL = "SELECT customer_id FROM customers WHERE loyalty_tier = 'gold'"
FRANCE_SQL = "SELECT customer_id FROM customers WHERE country = 'FR'"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-dev-shm-usage",
]
WAIT_MS = 60_000

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(), reason="Debian chromium is not installed (run `make browser`)"
)


@pytest.fixture(scope="module")
def ui_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A database of the UI's own: the server process opens it, so no fixture may share it."""
    from assistant.datagen import build_demo_database

    path = tmp_path_factory.mktemp("ui") / "retail.duckdb"
    build_demo_database(path, customers=2000, seed=7, as_of=date(2026, 9, 30))
    return path


def cli_json(db: Path, *args: str) -> dict:
    done = subprocess.run(
        [str(CLI), *args, "--format", "json", "--db", str(db)],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return json.loads(done.stdout)


def cli_answer(db: Path, request: str) -> dict:
    return cli_json(db, "ask", request, "--backend", "rules")


def cli_count(db: Path, sql: str) -> int:
    return cli_json(db, "sql", sql)["count"]


def headline_count(page) -> str | None:
    return page.get_attribute("#headline .headline-count", "data-count")


class Camera:
    """One numbered screenshot per state of the journey."""

    def __init__(self, page, folder: Path) -> None:
        self.page, self.folder, self.taken = page, folder, []
        folder.mkdir(parents=True, exist_ok=True)

    def __call__(self, name: str) -> Path:
        # Whatever is still loading (a clicked segment's ideas) finishes first.
        self.page.wait_for_function(
            "() => !document.querySelector('[data-testid=\"status-tracker\"]:not(.hide)')"
        )
        self.page.wait_for_timeout(400)  # let charts finish drawing
        path = self.folder / f"{len(self.taken) + 1:02d}-{name}.png"
        self.page.screenshot(path=str(path), full_page=True)
        self.taken.append(path)
        return path


def test_marketer_journey_in_the_browser(ui_db: Path, tmp_path: Path):
    sync_api = pytest.importorskip("playwright.sync_api")
    expected = cli_answer(ui_db, MISSION)
    offered = cli_answer(ui_db, VAGUE)["choices"]
    gold, france = cli_count(ui_db, GOLD_SQL), cli_count(ui_db, FRANCE_SQL)
    # Downloads keep only members some channel may contact (consent, never unsubscribed).
    reachable_gold = cli_count(ui_db, reachable_sql(GOLD_SQL))
    shots = Path(os.environ.get("UI_SCREENSHOTS") or tmp_path / "screenshots")
    blocked: list[str] = []

    with (
        running_ui(ui_db, tmp_path / "workspace.duckdb", tmp_path / "server.log") as url,
        sync_api.sync_playwright() as playwright,
    ):
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        try:
            page = browser.new_page(viewport={"width": 1440, "height": 1100}, accept_downloads=True)
            page.set_default_timeout(WAIT_MS)
            # Offline by construction: anything not served by the app itself is refused.
            page.route(
                "**/*",
                lambda route: (
                    route.continue_()
                    if route.request.url.startswith(url)
                    else (blocked.append(route.request.url), route.abort())
                ),
            )
            snap = Camera(page, shots)
            page.goto(url)
            page.wait_for_selector("#status strong, #status b")
            _nothing_drawn_before_a_segment(page)
            snap("empty")
            _ask_something_vague(page, offered)
            snap("clarified")
            _run_the_first_suggestion(page, offered)
            snap("suggestion")
            _new_segment(page)

            _ask(page, MISSION)
            assert headline_count(page) == str(expected["count"])
            chat = page.inner_text("#chat")
            assert f"{expected['count']:,} customers" in chat
            assert "last month = 2026-08-01" in chat and "Funnel step" in chat
            assert "rules" in page.inner_text("#status")
            reach = expected["reachability"]
            chips = {**reach["channels"], **{k: reach[k] for k in ("any_channel", "unsubscribed")}}
            assert "email" in chips
            for channel, members in chips.items():
                chip = page.locator(f'#headline [data-reach="{channel}"]')
                assert chip.get_attribute("data-count") == str(members), channel
            page.locator("#plot-top_categories").wait_for(state="visible")
            snap("answer")
            _save(page, "Outdoor quiet buyers")

            _try_first_idea(page)
            snap("idea")

            _sql_refused_keeps_the_text(page)
            snap("sql-refused")
            _sql_fixed_runs(page, gold)
            snap("sql-fixed")
            _sql_for_another_warehouse(page)
            snap("sql-spark")
            _save(page, "Gold customers")
            snap("saved")

            _refresh(page, "Outdoor quiet buyers", expected["count"])
            snap("refreshed")
            _compare(page, "Outdoor quiet buyers", "Gold customers", expected["count"], gold)
            snap("compared")
            _download(page, "Outdoor quiet buyers", reach["any_channel"], tmp_path)
            _download(page, "Gold customers", reachable_gold, tmp_path)
            snap("downloaded")

            _new_segment(page)
            _refine(page, france)
            snap("refined")
            _members_table_reads_well(page)
            snap("members")
            page.get_by_role("tab", name="Profile").click()
            snap("final")
        finally:
            browser.close()
    assert blocked == [], f"the page tried to reach the network: {blocked}"
    assert len(snap.taken) == 15 and all(path.stat().st_size > 0 for path in snap.taken)


# --- steps ---------------------------------------------------------------------------------------


def _ask(page, request: str) -> None:
    before = page.inner_text("#chat")
    page.fill("#request textarea", request)
    page.click("#send")
    page.wait_for_function(
        """before => document.querySelector('#chat')?.innerText !== before
             && !document.querySelector('#chat')?.innerText.includes('Working on it')
             && document.querySelector('#headline .headline-count')?.dataset.count !== ''""",
        arg=before,
    )


def _ask_something_vague(page, offered: list[dict]) -> None:
    """A vague request is answered with counted choices; a click on one runs it."""
    page.fill("#request textarea", VAGUE)
    page.click("#send")
    page.locator("#suggestion-0").wait_for(state="visible")
    labels = [page.inner_text(f"#suggestion-{i}") for i in range(len(offered))]
    assert labels == [f"{c['request']} · {c['count']:,}" for c in offered]
    assert "not who to target" in page.inner_text("#chat")


def _run_the_first_suggestion(page, offered: list[dict]) -> None:
    page.click("#suggestion-0")
    page.wait_for_function(
        "n => document.querySelector('#headline .headline-count')?.dataset.count === n",
        arg=str(offered[0]["count"]),
    )


def _nothing_drawn_before_a_segment(page) -> None:
    """No empty chart frames, tables or file boxes before there is something to show."""
    page.locator("#kpis .panel-empty").wait_for(state="visible")
    for chart in PLOTS:
        assert page.locator(f"#{chart}").is_hidden(), chart
    page.get_by_role("tab", name="Members").click()
    assert page.locator("#sample").is_hidden()
    page.locator("#members-note").wait_for(state="visible")
    page.get_by_role("tab", name="Saved").click()
    assert page.locator("#saved-history").is_hidden() and page.locator("#download").is_hidden()
    page.get_by_role("tab", name="Profile").click()


def _try_first_idea(page) -> None:
    page.get_by_role("tab", name="Profile").click()
    card = page.locator("#idea-0 .idea-card")
    card.wait_for(state="visible")
    title, count = card.get_attribute("data-title"), card.get_attribute("data-count")
    assert f"{int(count):,}" in card.inner_text(), "an idea's card shows its count"
    card.click()
    page.wait_for_function(
        "title => document.querySelector('#headline .headline-title')?.innerText === title",
        arg=title,
    )
    assert headline_count(page) == count


def _type_sql(page, sql: str) -> None:
    page.get_by_role("tab", name="SQL").click()
    page.locator("#sql .cm-content").click()
    page.keyboard.press("Control+A")
    page.keyboard.press("Delete")
    page.keyboard.insert_text(sql)


def _editor_text(page) -> str:
    return page.inner_text("#sql .cm-content").strip()


def _sql_refused_keeps_the_text(page) -> None:
    before = headline_count(page)
    _type_sql(page, TYPO_SQL)
    page.click("#run-sql")
    page.wait_for_function(
        "() => document.querySelector('#sql-error')?.innerText.includes('Refused')"
    )
    page.wait_for_timeout(500)  # a reverting editor would have reverted by now
    assert _editor_text(page) == TYPO_SQL, "the refused text stays in the editor"
    assert "Did you mean 'loyalty_tier'?" in page.inner_text("#sql-error")
    assert headline_count(page) == before


def _sql_fixed_runs(page, expected: int) -> None:
    # The fix the reason suggests, made to the text that stayed in the editor.
    page.locator("#sql .cm-content").click()
    page.keyboard.press("Control+End")
    for _ in range(len("tir = 'gold'")):
        page.keyboard.press("Backspace")
    page.keyboard.insert_text("tier = 'gold'")
    assert _editor_text(page) == GOLD_SQL
    page.click("#run-sql")
    page.wait_for_function(
        "() => document.querySelector('#headline .headline-title')?.innerText === 'Edited SQL'"
    )
    assert headline_count(page) == str(expected)
    assert page.inner_text("#sql-error").strip() == ""


def _save(page, name: str) -> None:
    page.get_by_role("tab", name="Saved").click()
    page.fill("#save-name textarea, #save-name input", name)
    page.click("#save")
    page.wait_for_function(
        "name => document.querySelector('#save-status')?.innerText.includes('Saved ' + name)",
        arg=name,
    )
    page.wait_for_function(
        "name => document.querySelector('#saved-list')?.innerText.includes(name)", arg=name
    )


def _sql_for_another_warehouse(page) -> None:
    """The editor's query, as Spark writes it (the same translation `ask --dialect` gives)."""
    from assistant.dialects import transpile

    _choose(page, "#dialect", "Spark / Databricks")
    page.locator("#sql-dialect").wait_for(state="visible")
    shown = page.inner_text("#sql-dialect .cm-content").strip()
    assert shown == transpile(GOLD_SQL, "spark")


def _choose(page, dropdown: str, name: str) -> None:
    box = page.locator(f"{dropdown} input")
    box.click()
    # Each dropdown has its own list of options in the page: pick from this one's.
    options = page.locator(f"#{box.get_attribute('aria-controls')}")
    options.get_by_role("option", name=name, exact=True).click()
    page.wait_for_function(
        "([sel, name]) => document.querySelector(sel + ' input')?.value === name",
        arg=[dropdown, name],
    )


def _refresh(page, name: str, count: int) -> None:
    page.get_by_role("tab", name="Saved").click()
    _choose(page, "#saved-choice", name)
    page.wait_for_function(
        "name => document.querySelector('#saved-detail')?.innerText.includes(name)", arg=name
    )
    assert page.locator("#saved-history").is_hidden()  # one measurement: no line to draw
    page.click("#refresh")
    page.wait_for_function(
        "() => document.querySelector('#saved-detail')?.innerText.includes('2 measurement(s)')"
    )
    page.locator("#saved-history").wait_for(state="visible")
    assert f"{count:,} → {count:,}" in page.inner_text("#saved-detail")
    assert f"{name}: {count:,} customers" in page.inner_text("#save-status")


def _compare(page, a: str, b: str, count_a: int, count_b: int) -> None:
    _choose(page, "#compare-a", a)
    _choose(page, "#compare-b", b)
    page.click("#compare")
    page.wait_for_function("() => document.querySelector('#comparison table') !== null")
    cells = page.locator("#comparison td").all_inner_texts()
    only_a, both, only_b = (int(c.replace(",", "")) for c in cells[:3])
    assert only_a + both == count_a and only_b + both == count_b


def _download(page, name: str, count: int, folder: Path) -> None:
    """Download CSV saves the file; its rows are the segment's reachable members, as the CLI
    counts them."""
    _choose(page, "#saved-choice", name)
    page.wait_for_function(
        "name => document.querySelector('#saved-detail')?.innerText.includes(name)", arg=name
    )
    with page.expect_download() as started:
        page.click("#export")
    download = started.value
    target = folder / download.suggested_filename
    download.save_as(target)
    with open(target, newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == count, f"{name}: {len(rows)} rows in the file, the CLI counts {count}"
    assert len({r["customer_id"] for r in rows}) == count and "email" in rows[0]
    page.wait_for_function(
        "n => document.querySelector('#save-status')?.innerText.includes(n + ' members of')",
        arg=f"{count:,}",
    )
    # The status and the file box are one update, but the browser may paint them a frame apart.
    page.locator("#download").wait_for(state="visible", timeout=10_000)
    assert "Error" not in page.inner_text("#download")


def _new_segment(page) -> None:
    page.click("#reset")
    page.wait_for_function(
        "() => document.querySelector('#headline .headline-count')?.dataset.count === ''"
    )
    page.get_by_role("tab", name="Profile").click()
    assert page.locator("#plot-top_categories").is_hidden()


def _refine(page, france: int) -> None:
    """After "what about France instead" the title says France, not Germany."""
    _ask(page, "customers in Germany")
    assert "Germany" in page.inner_text("#headline .headline-title")
    _ask(page, "what about France instead")
    page.wait_for_function(
        "n => document.querySelector('#headline .headline-count')?.dataset.count === n",
        arg=str(france),
    )
    title = page.locator("#headline .headline-title")
    assert "France" in title.inner_text() and "Germany" not in title.inner_text()
    assert "Germany" in title.get_attribute("title")  # the thread as asked, as a tooltip


def _members_table_reads_well(page) -> None:
    """Text font, whole words in headers, and a sideways scroll instead of a cut-off."""
    page.get_by_role("tab", name="Members").click()
    page.locator("#sample .header-cell").first.wait_for(state="visible")
    checks = page.evaluate(
        """() => {
          const cell = document.querySelector('#sample [role="gridcell"], #sample td');
          const heads = [...document.querySelectorAll('#sample .header-cell span')];
          const view = document.querySelector('#sample .virtual-table-viewport');
          const one_line = heads.every(h => h.getBoundingClientRect().height
            < 1.6 * parseFloat(getComputedStyle(h).lineHeight));
          view.scrollLeft = view.scrollWidth;
          return {font: getComputedStyle(cell).fontFamily, one_line,
                  scrolls: view.scrollWidth > view.clientWidth ? view.scrollLeft > 0 : true};
        }"""
    )
    assert "Mono" not in checks["font"] and "monospace" not in checks["font"], checks
    assert checks["one_line"], "a header broke mid-word"
    assert checks["scrolls"], "a wide table scrolls sideways"
