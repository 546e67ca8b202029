"""A small TPC-DS database for tests, built once and cached across sessions, keyed by scale factor.

Use the plain function anywhere (`from tpcds_fixture import tpcds_database`), or the session
fixture: add `from tpcds_fixture import tpcds_db  # noqa: F401` to a conftest.py, or wrap it in a
test module's own fixture. The file lives at <cache dir>/tpcds-sf{sf}.duckdb ($XDG_CACHE_HOME or
~/.cache, then segment-assistant/) and is reused when present; treat it as read-only. The first
build creates the scratch venv (pip install duckdb==1.5.5 duckdb-extension-tpcds==1.5.5 from
PyPI, ~8 s); the build itself takes about 5 s at the default sf=0.1.
"""

from __future__ import annotations

import os
from pathlib import Path

import duckdb
import pytest

from assistant.demo.tpcds import SMALL_SF, anchor_date, build_tpcds, cache_dir, file_lock

TPCDS_TEST_SF = float(os.environ.get("SEGMENT_ASSISTANT_TPCDS_TEST_SF", SMALL_SF))


def tpcds_cache_path(sf: float = TPCDS_TEST_SF) -> Path:
    return cache_dir() / f"tpcds-sf{sf:g}.duckdb"


def _usable(path: Path) -> bool:
    try:
        with duckdb.connect(str(path), read_only=True) as con:
            return con.execute("SELECT count(*) FROM customer").fetchall()[0][0] > 0
    except duckdb.Error:
        return False


def tpcds_database(sf: float = TPCDS_TEST_SF) -> Path:
    """The cached TPC-DS database at scale factor `sf`, built first if missing or unreadable."""
    path = tpcds_cache_path(sf)
    with file_lock(path.with_name(path.name + ".lock")):
        if not (path.exists() and _usable(path)):
            build_tpcds(path, sf)
    return path


def tpcds_anchor(path: Path) -> str:
    """The anchor date (last sale day, ISO) of a TPC-DS database: what `{as_of}` stands for."""
    with duckdb.connect(str(path), read_only=True) as con:
        return anchor_date(con).isoformat()


@pytest.fixture(scope="session")
def tpcds_db() -> Path:
    """Path to the small cached TPC-DS database (sf=0.1 unless overridden; read-only)."""
    return tpcds_database()
