"""An answer runs no query twice: every figure is computed once per turn (warm caches)."""

from __future__ import annotations

import collections

import pytest

from assistant.answer import answer
from assistant.backends.rules import RulesBackend
from assistant.catalog import load_catalog
from assistant.executor import Executor, PinnedExecutor

REQUESTS = [
    "frequent outdoor buyers with three transactions last month and no campaign engagement",
    "champions in Texas",
    "customers in Germany",
    "women who spent more than $300 on outdoor gear in the last quarter",
]
MAX_QUERIES = 16  # the segment, its funnel, profile, sample, ideas and Kotler's figures


@pytest.fixture
def counted(monkeypatch):
    seen: collections.Counter[str] = collections.Counter()
    for cls in (Executor, PinnedExecutor):
        original = cls.query

        def query(self, sql, *args, _original=original, **kwargs):
            seen[sql] += 1
            return _original(self, sql, *args, **kwargs)

        monkeypatch.setattr(cls, "query", query)
    return seen


def test_no_query_runs_twice_in_one_answer(executor, counted):
    catalog = load_catalog()
    backend = RulesBackend(catalog)
    answer("women in Texas", backend=backend, executor=executor, catalog=catalog)  # warm caches
    for request in REQUESTS:
        counted.clear()
        result = answer(request, backend=backend, executor=executor, catalog=catalog)
        assert result.count is not None and result.ideas is not None, request
        twice = [sql[:80] for sql, n in counted.items() if n > 1]
        assert twice == [], request
        assert sum(counted.values()) <= MAX_QUERIES, (request, sum(counted.values()))
