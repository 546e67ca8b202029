"""Customer traits: computed once per data version and anchor, kept beside the database, and
every figure read from them equals the same figure computed from the events directly."""

from __future__ import annotations

import hashlib
import os
import shutil
from pathlib import Path

import duckdb
import pytest

from assistant import traits
from assistant.backends.rules import RulesBackend
from assistant.catalog import load_catalog
from assistant.executor import Executor
from assistant.profile import catalog_as_of, twelve_month_window
from assistant.ui import chat
from assistant.ui.state import AppContext, ChatState
from assistant.workspace import Workspace

CATALOG = load_catalog()


@pytest.fixture
def fresh_db(demo_db: Path, tmp_path: Path) -> Path:
    """A private copy: no traits built for it yet, in this process or beside it."""
    copy = tmp_path / "retail.duckdb"
    shutil.copyfile(demo_db, copy)
    return copy


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_traits_are_written_beside_the_database_and_read_back_after_a_restart(fresh_db):
    before = _digest(fresh_db)
    with Executor(fresh_db) as first:
        built = traits.get(first, CATALOG, catalog_as_of(first, CATALOG))
        assert built.source == "built"
        everything = f"SELECT * FROM {built.relation} ORDER BY customer_id"
        rows = first.query(everything, max_rows=10**6)
    folder = fresh_db.parent / f".{fresh_db.name}.traits"
    assert sorted(p.suffix for p in folder.iterdir()) == [".json", ".parquet", ".parquet"]
    with Executor(fresh_db) as restarted:  # a new process would see the same files
        again = traits.get(restarted, CATALOG, catalog_as_of(restarted, CATALOG))
        read = restarted.query(
            f"SELECT * FROM {again.relation} ORDER BY customer_id", max_rows=10**6
        )
    assert again.source == "file"
    assert read.rows == rows.rows and len(rows.rows) > 0
    assert again.totals == built.totals
    assert _digest(fresh_db) == before  # the data itself is never written


def test_changed_data_gets_new_traits_not_the_old_file(fresh_db):
    with Executor(fresh_db) as executor:
        traits.get(executor, CATALOG, catalog_as_of(executor, CATALOG))
    stat = fresh_db.stat()
    os.utime(fresh_db, ns=(stat.st_atime_ns, stat.st_mtime_ns + 10**9))  # a new data version
    with Executor(fresh_db) as executor:
        rebuilt = traits.get(executor, CATALOG, catalog_as_of(executor, CATALOG))
    assert rebuilt.source == "built"


def test_a_damaged_cache_file_is_rebuilt_not_trusted(fresh_db):
    with Executor(fresh_db) as executor:
        traits.get(executor, CATALOG, catalog_as_of(executor, CATALOG))
    folder = fresh_db.parent / f".{fresh_db.name}.traits"
    for path in folder.iterdir():
        path.write_bytes(b"not parquet")
    with Executor(fresh_db) as executor:
        again = traits.get(executor, CATALOG, catalog_as_of(executor, CATALOG))
    assert again.source == "built"


def test_trait_figures_equal_the_events_read_directly(executor, demo_db):
    as_of = catalog_as_of(executor, CATALOG)
    built = traits.get(executor, CATALOG, as_of)
    start, end = twelve_month_window(as_of)
    got = executor.query(
        f"SELECT count(*), sum(purchases_12m), round(sum(amount_12m), 2), max(last_ts), "
        f"count(*) FILTER (WHERE unsubscribed) FROM {built.relation}"
    ).rows[0]
    con = duckdb.connect(str(demo_db), read_only=True)
    expected = con.execute(
        f"""SELECT (SELECT count(*) FROM customers),
                   count(*) FILTER (WHERE transaction_ts >= DATE '{start}'
                                    AND transaction_ts < DATE '{end}' + 1),
                   CAST(round(sum(total_amount) FILTER (WHERE transaction_ts >= DATE '{start}'
                                    AND transaction_ts < DATE '{end}' + 1), 2) AS DOUBLE),
                   max(transaction_ts),
                   (SELECT count(DISTINCT customer_id) FROM campaign_events
                    WHERE event_type = 'unsubscribed')
            FROM transactions WHERE status = 'completed'"""
    ).fetchone()
    con.close()
    assert tuple(got) == tuple(expected)


def test_category_spend_is_the_lines_own_amount_per_customer(executor, demo_db):
    as_of = catalog_as_of(executor, CATALOG)
    built = traits.get(executor, CATALOG, as_of)
    start, end = twelve_month_window(as_of)
    got = dict(
        executor.query(
            f"SELECT category, round(sum(amount), 2) FROM {built.categories} GROUP BY 1"
        ).rows
    )
    con = duckdb.connect(str(demo_db), read_only=True)
    expected = dict(
        con.execute(
            f"""SELECT p.category, CAST(round(sum(i.quantity * i.unit_price), 2) AS DOUBLE)
                FROM transaction_items i JOIN transactions t USING (transaction_id)
                JOIN products p USING (product_id)
                WHERE t.status = 'completed' AND t.transaction_ts >= DATE '{start}'
                  AND t.transaction_ts < DATE '{end}' + 1
                GROUP BY 1"""
        ).fetchall()
    )
    con.close()
    assert got == expected


def test_threads_asking_at_once_build_the_traits_once(fresh_db):
    import threading

    with Executor(fresh_db) as executor:
        as_of = catalog_as_of(executor, CATALOG)
        found: list[traits.Traits] = []
        workers = [
            threading.Thread(target=lambda: found.append(traits.get(executor, CATALOG, as_of)))
            for _ in range(4)
        ]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()
    assert len({id(t) for t in found}) == 1


def test_the_first_chat_answer_shows_the_count_before_the_traits_are_ready(fresh_db, tmp_path):
    with Executor(fresh_db) as executor:
        ctx = AppContext(
            executor=executor,
            backend=RulesBackend(CATALOG),
            workspace=Workspace(tmp_path / "workspace.duckdb", CATALOG),
            export_dir=tmp_path,
            catalog=CATALOG,
        )
        assert not traits.ready(executor, CATALOG, ctx.data_as_of())
        shown = [
            [m["content"] for m in state.messages]
            for state in chat.submit_live(ctx, ChatState(), "women in Texas")
        ]
        assert len(shown) == 2
        assert "Preparing who they are" in shown[0][-1]
        assert "Preparing" not in shown[1][-1] and len(shown[1]) == 2  # replaced, not added
        assert traits.ready(executor, CATALOG, ctx.data_as_of())
        later = [len(s.messages) for s in chat.submit_live(ctx, ChatState(), "men in Texas")]
        assert later == [2]  # once ready, one step


@pytest.fixture(scope="module")
def three_schemas(demo_db: Path, tmp_path_factory: pytest.TempPathFactory) -> list[tuple]:
    """The demo, a small SaaS database and the small TPC-DS one: three shapes of customer."""
    from tpcds_fixture import tpcds_database

    from assistant.demo.saas import build_saas

    saas = build_saas(tmp_path_factory.mktemp("saas_traits") / "saas.duckdb", accounts=300, seed=3)
    return [(demo_db, None), (saas, "schemas/saas.yaml"), (tpcds_database(), "schemas/tpcds.yaml")]


@pytest.mark.parametrize("schema", [0, 1, 2], ids=["demo", "saas", "tpcds"])
def test_value_counts_and_breakdowns_from_the_traits_equal_those_from_the_customer_table(
    three_schemas, schema
):
    from dataclasses import replace

    from assistant import profile, value_counts
    from assistant.catalog import catalog_for

    db, catalog_path = three_schemas[schema]
    with Executor(db) as executor, executor.pinned() as pinned:
        catalog = catalog_for(db, catalog_path, set(executor.schema()))
        as_of = catalog_as_of(executor, catalog)
        built = traits.get(executor, catalog, as_of)
        wanted = value_counts.default_properties(catalog)
        assert built.columns.has_properties(wanted)
        table, key = catalog.entity.table, f"{catalog.entity.table}.{catalog.entity.key}"
        members = f"SELECT {key} AS customer_id FROM {table} WHERE hash({key}) % 3 = 0"
        for subset in (members, None):
            plain = value_counts._counts_sql(subset, wanted, as_of, catalog, None)
            coded = value_counts._counts_sql(subset, wanted, as_of, catalog, built)
            assert "prop_" in coded and "prop_" not in plain
            assert value_counts._parse(pinned.query(coded, max_rows=10**6).rows, wanted) == (
                value_counts._parse(pinned.query(plain, max_rows=10**6).rows, wanted)
            )
        without = replace(built, columns=replace(built.columns, properties=()))
        from_traits = profile._ProfileQuery(members, as_of, catalog, built)
        from_table = profile._ProfileQuery(members, as_of, catalog, without)
        assert from_traits.sql() != from_table.sql()
        assert _unordered(pinned.query(from_traits.sql()).rows[0]) == _unordered(
            pinned.query(from_table.sql()).rows[0]
        )


def _unordered(row: tuple) -> list:
    # A list aggregate over a GROUPING SETS result has no order of its own.
    return [sorted(map(str, v)) if isinstance(v, list) else v for v in row]
