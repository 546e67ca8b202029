"""The UI in a real browser (Debian's chromium, no network): ask, try an idea, edit SQL, save."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from ui_server import running_ui

CHROMIUM = Path("/usr/bin/chromium")
CLI = Path(sys.executable).parent / "segment-assistant"  # the installed console script
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
MISSION = "frequent outdoor buyers with three transactions last month and no campaign engagement"
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


def cli_answer(db: Path, request: str) -> dict:
    done = subprocess.run(
        [str(CLI), "ask", request, "--format", "json"] + ["--db", str(db), "--backend", "rules"],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return json.loads(done.stdout)


def headline_count(page) -> str | None:
    return page.get_attribute("#headline .headline-count", "data-count")


def test_marketer_journey_in_the_browser(ui_db: Path, tmp_path: Path):
    sync_api = pytest.importorskip("playwright.sync_api")
    expected = cli_answer(ui_db, MISSION)
    ARTIFACTS.mkdir(exist_ok=True)
    blocked: list[str] = []

    with (
        running_ui(ui_db, tmp_path / "workspace.duckdb", tmp_path / "server.log") as url,
        sync_api.sync_playwright() as playwright,
    ):
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        try:
            page = browser.new_page(viewport={"width": 1440, "height": 1100})
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
            page.goto(url)
            _ask(page, MISSION)
            assert headline_count(page) == str(expected["count"])
            chat = page.inner_text("#chat")
            assert f"{expected['count']:,} customers" in chat
            assert "last month = 2026-08-01" in chat and "Funnel step" in chat
            assert "rules" in page.inner_text("#status")
            reach = expected["reachability"]
            for channel in ("email_opt_in", "any_channel", "unsubscribed"):
                chip = page.locator(f'#headline [data-reach="{channel}"]')
                assert chip.get_attribute("data-count") == str(reach[channel])

            _try_first_idea(page)
            _refuse_unsafe_sql(page)
            _save(page, "Outdoor quiet buyers")
            page.screenshot(path=str(ARTIFACTS / "ui-browser.png"), full_page=True)
        finally:
            browser.close()
    assert blocked == [], f"the page tried to reach the network: {blocked}"


def _ask(page, request: str) -> None:
    page.fill("#request textarea", request)
    page.click("#send")
    page.wait_for_function(
        "() => document.querySelector('#headline .headline-count')?.dataset.count !== ''"
    )


def _try_first_idea(page) -> None:
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


def _refuse_unsafe_sql(page) -> None:
    page.get_by_role("tab", name="SQL").click()
    editor = page.locator("#sql .cm-content")
    editor.click()
    page.keyboard.press("Control+A")
    page.keyboard.type("DELETE FROM customers")
    before = headline_count(page)
    page.click("#run-sql")
    page.wait_for_function(
        "() => document.querySelector('#sql-error')?.innerText.includes('Refused')"
    )
    assert headline_count(page) == before


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
