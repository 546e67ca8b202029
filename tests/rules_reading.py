"""Shared by the rules specification tests: reading a request with a rules backend (the backends
on the three catalogs are the `retail`, `saas` and `tpcds` fixtures of conftest.py)."""

from __future__ import annotations

from datetime import date

from assistant.backends.base import Turn
from assistant.backends.rules import RulesBackend
from assistant.spec import ActivityCondition

AS_OF = date(2026, 9, 30)


def read(backend: RulesBackend, request: str, as_of: date = AS_OF):
    return backend.interpret(Turn(request=request, as_of=as_of))


def activities(got) -> list[ActivityCondition]:
    return [c for c in got.spec.conditions if isinstance(c, ActivityCondition)]
