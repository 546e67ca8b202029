"""The rules backend's lexicon is built once and read back by later runs; anything it is made
from changing builds a new one, and a damaged file is rebuilt, never trusted."""

from __future__ import annotations

from datetime import date

from assistant import lexicon_cache
from assistant.backends.base import Turn
from assistant.backends.rules import RulesBackend
from assistant.catalog import DEFAULT_CATALOG_PATH, parse_catalog

REQUESTS = ["women in Texas who bought outdoor gear in the last 90 days", "lapsed VIPs in Canada"]


def load_catalog(path=DEFAULT_CATALOG_PATH):
    """A fresh load, as in a new process (load_catalog keeps one per file in memory)."""
    return parse_catalog(open(path, encoding="utf-8").read())


def _read(catalog, folder):
    return RulesBackend(catalog, lexicon_cache.cached_lexicon(catalog, folder))


def _specs(backend):
    return [
        backend.interpret(Turn(request=r, as_of=date(2026, 9, 30))).model_dump() for r in REQUESTS
    ]


def test_a_later_run_reads_the_lexicon_back_and_reads_requests_the_same(tmp_path):
    first = _read(load_catalog(), tmp_path)
    assert len(list(tmp_path.glob("*.pickle"))) == 1
    again = _read(load_catalog(), tmp_path)
    assert again.lexicon is not first.lexicon  # from the file, not this process's memory
    assert _specs(again) == _specs(first)


def test_another_catalog_gets_its_own_lexicon(tmp_path):
    _read(load_catalog(), tmp_path)
    _read(load_catalog("schemas/saas.yaml"), tmp_path)
    assert len(list(tmp_path.glob("*.pickle"))) == 2


def test_a_damaged_file_is_rebuilt(tmp_path):
    built = _read(load_catalog(), tmp_path)
    for path in tmp_path.glob("*.pickle"):
        path.write_bytes(b"not a pickle")
    again = _read(load_catalog(), tmp_path)
    assert _specs(again) == _specs(built)
