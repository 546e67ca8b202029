"""The segment workspace: saving, refreshing, comparing, exporting and deleting segments."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
import threading
from datetime import date
from pathlib import Path

import duckdb
import pytest
import typer
from pydantic import ValidationError
from typer.testing import CliRunner

from assistant import workspace as workspace_module
from assistant.cli_segments import segments_app
from assistant.executor import Executor, SandboxSettings
from assistant.guard import check_sql
from assistant.workspace import SavedSegmentIn, Workspace, WorkspaceError

CANADA = "SELECT customer_id FROM customers WHERE country = 'CA'"
GOLD = "SELECT customer_id FROM customers WHERE loyalty_tier IN ('gold', 'platinum')"
OUTDOOR_BUYERS = """
    SELECT DISTINCT t.customer_id FROM transactions t
    JOIN transaction_items i ON i.transaction_id = t.transaction_id
    JOIN products p ON p.product_id = i.product_id
    WHERE t.status = 'completed' AND p.category = 'Outdoor'"""
AS_OF = date(2026, 9, 30)
PROJECT_ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def executor(demo_db: Path):
    with Executor(demo_db) as ex:
        yield ex


@pytest.fixture
def ws(tmp_path: Path) -> Workspace:
    return Workspace(tmp_path / "segments.duckdb")


def members(executor: Executor, sql: str) -> set[int]:
    """The segment's members computed here, independently of the workspace."""
    result = executor.query(f"SELECT DISTINCT customer_id FROM ({sql}) q", max_rows=1_000_000)
    return {row[0] for row in result.rows}


def base_size(executor: Executor) -> int:
    return executor.scalar("SELECT count(*) FROM customers")


def save(ws: Workspace, executor: Executor, name: str, sql: str, **kwargs) -> object:
    return ws.save(SavedSegmentIn(name=name, sql=sql), executor, **kwargs)


# --- save / list / show --------------------------------------------------------------------------


def test_a_saved_segment_round_trips_through_list_and_show(ws: Workspace, executor: Executor):
    spec = {"conditions": [{"kind": "attribute", "column": "country", "value": "CA"}]}
    saved = ws.save(
        SavedSegmentIn(
            name="Canadians", sql=CANADA, request="customers in Canada", spec=spec, backend="rules"
        ),
        executor,
    )
    expected = len(members(executor, CANADA))
    assert expected > 0
    assert saved.count == expected
    assert saved.share == pytest.approx(expected / base_size(executor), abs=1e-4)
    assert saved.as_of == AS_OF

    shown = ws.show("Canadians")
    assert (shown.request, shown.spec, shown.backend) == ("customers in Canada", spec, "rules")
    assert shown.sql == check_sql(CANADA, executor.schema()).sql  # the guarded form is stored
    assert [(p.count, p.as_of) for p in shown.history] == [(expected, AS_OF)]
    assert shown.created_at == shown.refreshed_at == shown.history[0].refreshed_at

    listed = ws.list()
    assert [(s.name, s.count, s.share) for s in listed] == [("Canadians", expected, saved.share)]


def test_list_is_empty_and_creates_nothing_before_the_first_save(ws: Workspace):
    assert ws.list() == []
    assert not ws.path.exists()


def test_a_duplicate_name_is_refused_unless_overwriting(ws: Workspace, executor: Executor):
    save(ws, executor, "VIP", GOLD)
    with pytest.raises(WorkspaceError, match="already exists"):
        save(ws, executor, "vip", CANADA)  # names match case-insensitively
    assert ws.show("VIP").sql == check_sql(GOLD, executor.schema()).sql

    ws.refresh("VIP", executor)
    replaced = save(ws, executor, "VIP", CANADA, overwrite=True)
    assert replaced.count == len(members(executor, CANADA))
    # A new definition starts a new history: the old sizes measured something else.
    assert len(ws.show("VIP").history) == 1
    assert [s.name for s in ws.list()] == ["VIP"]


@pytest.mark.parametrize(
    "name", ["", " leading", "trailing ", "x" * 65, "semi;colon", "new\nline", "quote's"]
)
def test_invalid_names_are_refused_with_a_clear_message(ws: Workspace, name: str):
    with pytest.raises(ValidationError, match="Invalid segment name"):
        SavedSegmentIn(name=name, sql=CANADA)
    with pytest.raises(WorkspaceError, match="Invalid segment name"):
        ws.show(name)


@pytest.mark.parametrize("name", ["a", "x" * 64, "Q3 high-value_buyers 2"])
def test_valid_names_are_accepted(ws: Workspace, executor: Executor, name: str):
    assert save(ws, executor, name, CANADA).name == name


def test_sql_the_guard_refuses_is_not_saved(ws: Workspace, executor: Executor):
    with pytest.raises(WorkspaceError, match="refused"):
        save(ws, executor, "drop", "DROP TABLE customers")
    with pytest.raises(WorkspaceError, match="customer_id"):
        save(ws, executor, "no id", "SELECT country FROM customers")
    assert ws.list() == []


def test_unknown_names_give_a_clear_error(ws: Workspace, executor: Executor, tmp_path: Path):
    save(ws, executor, "Canadians", CANADA)
    calls = [
        lambda: ws.show("ghost"),
        lambda: ws.delete("ghost"),
        lambda: ws.refresh("ghost", executor),
        lambda: ws.compare("Canadians", "ghost", executor),
        lambda: ws.export("ghost", executor, tmp_path / "ghost.csv"),
    ]
    for call in calls:
        with pytest.raises(WorkspaceError, match="No saved segment named 'ghost'.*Canadians"):
            call()


def test_delete_forgets_the_segment_and_frees_its_name(ws: Workspace, executor: Executor):
    save(ws, executor, "Canadians", CANADA)
    save(ws, executor, "Gold", GOLD)
    ws.delete("canadians")
    assert [s.name for s in ws.list()] == ["Gold"]
    assert len(save(ws, executor, "Canadians", GOLD).history) == 1


# --- refresh -------------------------------------------------------------------------------------


def test_refresh_appends_a_history_point(ws: Workspace, executor: Executor):
    save(ws, executor, "Canadians", CANADA)
    save(ws, executor, "Outdoor buyers", OUTDOOR_BUYERS)
    [refreshed] = ws.refresh("Canadians", executor)
    assert [p.count for p in refreshed.history] == [len(members(executor, CANADA))] * 2
    assert refreshed.refreshed_at == refreshed.history[-1].refreshed_at

    everything = ws.refresh(None, executor)
    assert {s.name: len(s.history) for s in everything} == {"Canadians": 3, "Outdoor buyers": 2}
    assert all(s.error is None for s in everything)


def test_refresh_on_other_data_re_runs_the_definition(
    ws: Workspace, executor: Executor, tmp_path: Path
):
    from assistant.datagen import build_demo_database

    save(ws, executor, "Outdoor buyers", OUTDOOR_BUYERS)
    other_db = tmp_path / "other.duckdb"
    build_demo_database(other_db, customers=300, seed=1)
    with Executor(other_db) as other:
        [refreshed] = ws.refresh("Outdoor buyers", other)
        expected = len(members(other, OUTDOOR_BUYERS))
        other_base = base_size(other)
    counts = [p.count for p in refreshed.history]
    assert counts == [len(members(executor, OUTDOOR_BUYERS)), expected]
    assert counts[0] != counts[1]
    assert refreshed.count == expected
    assert refreshed.share == pytest.approx(expected / other_base, abs=1e-4)


def test_a_refresh_failure_is_reported_per_segment(
    ws: Workspace, executor: Executor, tmp_path: Path
):
    save(ws, executor, "Canadians", CANADA)
    save(ws, executor, "Gold", GOLD)
    # Data whose catalog lost a column: one definition still works, the other no longer can.
    slim_db = tmp_path / "slim.duckdb"
    with duckdb.connect(str(slim_db)) as con:
        con.execute("CREATE TABLE customers (customer_id INTEGER, country VARCHAR)")
        con.execute("INSERT INTO customers VALUES (1, 'CA'), (2, 'US'), (3, 'CA')")
    with Executor(slim_db) as slim:
        results = {s.name: s for s in ws.refresh(None, slim)}
    assert results["Canadians"].error is None
    assert results["Canadians"].count == 2
    assert results["Canadians"].history[-1].as_of is None  # its catalog's anchor is not there
    assert "loyalty_tier" in results["Gold"].error
    assert len(ws.show("Gold").history) == 1


# --- compare -------------------------------------------------------------------------------------


def test_compare_counts_equal_set_arithmetic_in_sql(ws: Workspace, executor: Executor):
    save(ws, executor, "Gold", GOLD)
    save(ws, executor, "Outdoor buyers", OUTDOOR_BUYERS)
    comparison = ws.compare("gold", "Outdoor buyers", executor)

    def count(query: str) -> int:
        return executor.scalar(f"SELECT count(*) FROM ({query}) q")

    only_a = count(f"{GOLD} EXCEPT ({OUTDOOR_BUYERS})")
    both = count(f"{GOLD} INTERSECT ({OUTDOOR_BUYERS})")
    only_b = count(f"({OUTDOOR_BUYERS}) EXCEPT {GOLD}")
    assert min(only_a, both, only_b) > 0  # the fixture data makes this a real overlap
    assert (comparison.a, comparison.b) == ("Gold", "Outdoor buyers")
    assert (comparison.only_a, comparison.both, comparison.only_b) == (only_a, both, only_b)
    assert comparison.jaccard == pytest.approx(both / (only_a + both + only_b), abs=1e-4)


def test_a_segment_compared_with_itself_overlaps_fully(ws: Workspace, executor: Executor):
    save(ws, executor, "Canadians", CANADA)
    comparison = ws.compare("Canadians", "Canadians", executor)
    assert (comparison.only_a, comparison.only_b, comparison.jaccard) == (0, 0, 1.0)


# --- export --------------------------------------------------------------------------------------


def expected_rows(executor: Executor, sql: str, fields: list[str]) -> list[tuple]:
    columns = ", ".join(fields)
    return executor.query(
        f"SELECT {columns} FROM customers WHERE customer_id IN ({sql}) ORDER BY customer_id",
        max_rows=1_000_000,
    ).rows


def test_csv_export_holds_the_members_with_the_default_contact_fields(
    ws: Workspace, executor: Executor, tmp_path: Path
):
    save(ws, executor, "Canadians", CANADA)
    target = tmp_path / "canadians.csv"
    result = ws.export("Canadians", executor, target, reach="all")

    with open(target, newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    fields = ["customer_id", "first_name", "last_name", "email"]
    expected = expected_rows(executor, CANADA, fields)
    assert rows[0] == fields
    assert rows[1:] == [[str(v) for v in row] for row in expected]
    assert (result.rows, result.fields, result.format) == (len(expected), fields, "csv")


def test_an_export_by_default_leaves_out_whom_no_channel_may_contact(
    ws: Workspace, executor: Executor, tmp_path: Path
):
    from contract import reachable_sql

    save(ws, executor, "Canadians", CANADA)
    result = ws.export("Canadians", executor, tmp_path / "reachable.csv")
    with open(tmp_path / "reachable.csv", newline="", encoding="utf-8") as handle:
        ids = {int(row["customer_id"]) for row in csv.DictReader(handle)}
    expected = {row[0] for row in executor.query(reachable_sql(CANADA)).rows}
    assert ids == expected and result.reach == "any"
    assert result.excluded == len(expected_rows(executor, CANADA, ["customer_id"])) - len(ids) > 0
    email = ws.export("Canadians", executor, tmp_path / "email.csv", reach="email")
    assert email.rows < result.rows
    with pytest.raises(WorkspaceError, match="Unknown contact channel"):
        ws.export("Canadians", executor, tmp_path / "x.csv", reach="fax")


def test_parquet_export_keeps_requested_fields_and_their_types(
    ws: Workspace, executor: Executor, tmp_path: Path
):
    # More members than the executor's default row cap, so the export must lift it.
    save(ws, executor, "Everyone", "SELECT customer_id FROM customers")
    fields = ["customer_id", "email", "gender", "birth_date", "email_opt_in", "company_size"]
    target = tmp_path / "everyone.parquet"
    sandbox = Executor(executor.db_path, SandboxSettings(max_rows=100))
    with sandbox:
        result = ws.export("Everyone", sandbox, target, fmt="parquet", fields=fields, reach="all")

    with duckdb.connect() as con:
        read_back = con.execute(
            "SELECT * FROM read_parquet(?) ORDER BY customer_id", [str(target)]
        ).fetchall()
        described = con.execute(f"DESCRIBE SELECT * FROM read_parquet('{target}')").fetchall()
    expected = expected_rows(executor, "SELECT customer_id FROM customers", fields)
    assert len(expected) == base_size(executor) > 100
    assert read_back == expected  # NULL genders and company sizes survive as NULL
    declared = executor.schema()["customers"]
    assert [(row[0], row[1]) for row in described] == [(f, declared[f]) for f in fields]
    assert result.rows == len(expected)


def test_unknown_export_fields_are_refused_before_writing(
    ws: Workspace, executor: Executor, tmp_path: Path
):
    save(ws, executor, "Canadians", CANADA)
    with pytest.raises(WorkspaceError, match="Unknown export field.*'favourite_colour'"):
        ws.export("Canadians", executor, tmp_path / "x.csv", fields=["email", "favourite_colour"])
    with pytest.raises(WorkspaceError, match="Unknown export format"):
        ws.export("Canadians", executor, tmp_path / "x.xlsx", fmt="xlsx")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["segments.duckdb", "segments.duckdb.lock"]


def test_a_crash_mid_export_leaves_no_partial_or_temp_file(
    ws: Workspace, executor: Executor, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    save(ws, executor, "Canadians", CANADA)
    out = tmp_path / "out"
    out.mkdir()
    previous = out / "canadians.csv"
    previous.write_text("last week's export\n")
    real_write_batch = workspace_module._write_batch
    written: list[int] = []

    def crash_after_first_batch(writer, batch):
        if written:
            raise OSError("disk unplugged")
        real_write_batch(writer, batch)
        written.append(len(batch))

    monkeypatch.setattr(workspace_module, "EXPORT_BATCH_ROWS", 10)
    monkeypatch.setattr(workspace_module, "_write_batch", crash_after_first_batch)
    with pytest.raises(OSError, match="disk unplugged"):
        ws.export("Canadians", executor, previous)
    with pytest.raises(OSError, match="disk unplugged"):
        ws.export("Canadians", executor, out / "new.csv")

    assert written == [10]  # rows really were written before the crash
    assert [p.name for p in out.iterdir()] == ["canadians.csv"]
    assert previous.read_text() == "last week's export\n"


def test_a_parquet_export_that_fails_before_the_rename_leaves_nothing(
    ws: Workspace, executor: Executor, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    save(ws, executor, "Canadians", CANADA)
    out = tmp_path / "out"
    out.mkdir()

    def fail(path: Path) -> None:
        assert path.stat().st_size > 0  # the temp file was fully written
        raise OSError("fsync failed")

    monkeypatch.setattr(workspace_module, "_fsync", fail)
    with pytest.raises(OSError, match="fsync failed"):
        ws.export("Canadians", executor, out / "c.parquet", fmt="parquet")
    assert list(out.iterdir()) == []


def test_a_save_that_fails_midway_leaves_the_previous_state(
    ws: Workspace, executor: Executor, monkeypatch: pytest.MonkeyPatch
):
    save(ws, executor, "Gold", GOLD)

    def fail_after_the_segment_row(con, key, point):
        raise RuntimeError("power cut")

    monkeypatch.setattr(workspace_module, "_insert_point", fail_after_the_segment_row)
    with pytest.raises(RuntimeError, match="power cut"):
        save(ws, executor, "Canadians", CANADA)
    with pytest.raises(RuntimeError, match="power cut"):
        save(ws, executor, "Gold", CANADA, overwrite=True)
    monkeypatch.undo()

    assert [s.name for s in ws.list()] == ["Gold"]
    gold = ws.show("Gold")
    assert gold.sql == check_sql(GOLD, executor.schema()).sql and len(gold.history) == 1


# --- concurrency ---------------------------------------------------------------------------------


def test_concurrent_threads_saving_leave_the_workspace_consistent(
    ws: Workspace, executor: Executor
):
    errors: list[str] = []

    def saver(i: int) -> None:
        for name in (f"thread {i}", "contested"):
            try:
                save(ws, executor, name, CANADA if i % 2 else GOLD)
            except WorkspaceError as err:
                errors.append(str(err))

    threads = [threading.Thread(target=saver, args=(i,)) for i in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    names = [s.name for s in ws.list()]
    assert sorted(names) == sorted(["contested"] + [f"thread {i}" for i in range(6)])
    assert len(errors) == 5 and all("already exists" in e for e in errors)
    assert all(len(ws.show(name).history) == 1 for name in names)


WRITER_SCRIPT = """
import sys
from assistant.executor import Executor, SandboxSettings
from assistant.workspace import SavedSegmentIn, Workspace
ws, prefix = Workspace(sys.argv[2]), sys.argv[3]
with Executor(sys.argv[1]) as ex:
    for i in range(4):
        sql = "SELECT customer_id FROM customers WHERE country = 'CA'"
        ws.save(SavedSegmentIn(name=f"{prefix} {i}", sql=sql), ex)
        ws.refresh(None, ex)
"""


def test_concurrent_processes_saving_leave_the_workspace_consistent(ws: Workspace, demo_db: Path):
    command = [sys.executable, "-c", WRITER_SCRIPT, str(demo_db), str(ws.path)]
    procs = [
        subprocess.Popen([*command, prefix], cwd=PROJECT_ROOT, stderr=subprocess.PIPE, text=True)
        for prefix in ("left", "right")
    ]
    for proc in procs:
        _, stderr = proc.communicate(timeout=240)
        assert proc.returncode == 0, stderr

    segments = ws.list()
    assert sorted(s.name for s in segments) == sorted(
        f"{prefix} {i}" for prefix in ("left", "right") for i in range(4)
    )
    counts = {s.count for s in segments}
    assert len(counts) == 1
    for segment in segments:
        history = ws.show(segment.name).history
        assert len(history) >= 1 and {p.count for p in history} == counts


# --- command line --------------------------------------------------------------------------------


@pytest.fixture
def cli(demo_db: Path, tmp_path: Path):
    app = typer.Typer()
    app.add_typer(segments_app, name="segments")
    runner = CliRunner()
    options = ["--db", str(demo_db), "--workspace", str(tmp_path / "cli.duckdb")]

    def run(*args: str):
        return runner.invoke(app, ["segments", *args, *options])

    return run


def test_cli_save_list_show_refresh_delete(cli, executor: Executor):
    expected = len(members(executor, CANADA))
    saved = cli("save", "Canadians", "--sql", CANADA, "--format", "json")
    assert saved.exit_code == 0, saved.output
    assert json.loads(saved.stdout)["count"] == expected

    listed = json.loads(cli("list", "--format", "json").stdout)
    assert [(s["name"], s["count"]) for s in listed["segments"]] == [("Canadians", expected)]
    assert "Canadians" in cli("list").stdout

    refreshed = json.loads(cli("refresh", "--format", "json").stdout)
    assert len(refreshed["segments"][0]["history"]) == 2
    shown = cli("show", "Canadians")
    assert (
        shown.exit_code == 0 and "size history" in shown.stdout and f"{expected:,}" in shown.stdout
    )

    assert json.loads(cli("delete", "Canadians", "--format", "json").stdout) == {
        "deleted": "Canadians"
    }
    assert json.loads(cli("list", "--format", "json").stdout) == {"segments": []}


def test_cli_compare_and_export(cli, executor: Executor, tmp_path: Path):
    assert cli("save", "Gold", "--sql", GOLD).exit_code == 0
    assert cli("save", "Canadians", "--sql", CANADA).exit_code == 0
    compared = json.loads(cli("compare", "Gold", "Canadians", "--format", "json").stdout)
    both = len(members(executor, GOLD) & members(executor, CANADA))
    assert compared["both"] == both

    target = tmp_path / "gold.parquet"
    exported = cli("export", "Gold", "--to", str(target), "--fields", "customer_id, email")
    assert exported.exit_code == 0, exported.output
    with duckdb.connect() as con:
        rows = con.execute("SELECT * FROM read_parquet(?)", [str(target)]).fetchall()
    from contract import reachable_sql

    assert len(rows) == len(members(executor, reachable_sql(GOLD))) and len(rows[0]) == 2
    assert "cannot be contacted" in exported.output
    everyone = cli("export", "Gold", "--to", str(target), "--reach", "all")
    assert everyone.exit_code == 0, everyone.output
    with duckdb.connect() as con:
        count = con.execute("SELECT count(*) FROM read_parquet(?)", [str(target)]).fetchone()[0]
    assert count == len(members(executor, GOLD))


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["show", "ghost"], "No saved segment named 'ghost'"),
        (["save", "bad;name", "--sql", CANADA], "Invalid segment name"),
        (["save", "x", "--sql", "DELETE FROM customers"], "refused"),
        (["save", "x"], "exactly one of --sql or --request"),
        (["export", "ghost", "--to", "members.xlsx"], "name it .csv or .parquet"),
    ],
)
def test_cli_errors_exit_non_zero_with_the_message(cli, args: list[str], message: str):
    result = cli(*args)
    assert result.exit_code != 0
    assert message in " ".join(result.output.split())
    assert isinstance(result.exception, SystemExit)  # a clean exit, not a traceback


def test_cli_errors_in_json_are_one_json_object(cli):
    result = cli("show", "ghost", "--format", "json")
    assert result.exit_code == 1
    assert "No saved segment named 'ghost'" in json.loads(result.stdout)["error"]


def test_cli_saves_a_plain_english_request_with_its_spec(cli, executor: Executor):
    result = cli(
        "save", "Canada", "--request", "customers in Canada", "--backend", "rules",
        "--format", "json",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    saved = json.loads(result.stdout)
    assert (saved["request"], saved["backend"]) == ("customers in Canada", "rules")
    assert saved["spec"] is not None
    assert saved["count"] == len(members(executor, saved["sql"])) == len(members(executor, CANADA))


def test_cli_a_request_that_is_not_understood_is_not_saved(cli):
    result = cli("save", "Noise", "--request", "blah blah", "--backend", "rules")
    assert result.exit_code == 1
    assert "could not be saved as a segment" in " ".join(result.output.split())
    assert json.loads(cli("list", "--format", "json").stdout) == {"segments": []}
