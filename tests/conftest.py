"""Shared fixtures: one small deterministic demo database per test session."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from llm_server import FakeLLMServer

from assistant.backends.rules import RulesBackend
from assistant.catalog import SCHEMAS_DIR, load_catalog

TEST_CUSTOMERS = 2000
TEST_SEED = 7
TEST_AS_OF = date(2026, 9, 30)


@pytest.fixture(scope="session")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Path to a small demo database built once for the whole session (treat as read-only)."""
    from assistant.datagen import build_demo_database

    path = tmp_path_factory.mktemp("data") / "retail.duckdb"
    build_demo_database(path, customers=TEST_CUSTOMERS, seed=TEST_SEED, as_of=TEST_AS_OF)
    return path


@pytest.fixture(scope="session")
def executor(demo_db: Path, tmp_path_factory: pytest.TempPathFactory):
    """A sandboxed Executor on a private copy of the demo database.

    DuckDB allows one configuration per open file and process: the copy keeps this sandboxed
    connection from clashing with tests that open `demo_db` with plain duckdb.connect.
    """
    import shutil

    from assistant.executor import Executor

    copy = tmp_path_factory.mktemp("sandboxed") / "retail.duckdb"
    shutil.copyfile(demo_db, copy)
    with Executor(copy) as ex:
        yield ex


@pytest.fixture(scope="session")
def fake_server() -> Iterator[FakeLLMServer]:
    """A real chat-completions server on 127.0.0.1 that answers from a script."""
    with FakeLLMServer.running() as server:
        yield server


@pytest.fixture
def llm_server(fake_server: FakeLLMServer) -> FakeLLMServer:
    """The running fake server with an empty script and no recorded requests."""
    fake_server.reset()
    return fake_server


# The rules backend on each of the three catalogs (a module may define its own of these names).
@pytest.fixture(scope="session")
def retail() -> RulesBackend:
    return RulesBackend()


@pytest.fixture(scope="session")
def saas() -> RulesBackend:
    return RulesBackend(load_catalog(SCHEMAS_DIR / "saas.yaml"))


@pytest.fixture(scope="session")
def tpcds() -> RulesBackend:
    return RulesBackend(load_catalog(SCHEMAS_DIR / "tpcds.yaml"))
