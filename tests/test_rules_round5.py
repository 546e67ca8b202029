"""Round 5 of 'understanding that generalizes': gaps found by blind outsider development cases.

Each test states one mechanism on the catalogs, never one request: a value said inside a longer
phrase belongs to that phrase's own events or to nothing.
"""

from __future__ import annotations

from datetime import date

import pytest

from assistant.backends.base import Turn
from assistant.backends.rules import RulesBackend
from assistant.catalog import SCHEMAS_DIR, load_catalog
from assistant.spec import ActivityCondition

AS_OF = date(2026, 9, 30)


@pytest.fixture(scope="module")
def retail() -> RulesBackend:
    return RulesBackend()


@pytest.fixture(scope="module")
def saas() -> RulesBackend:
    return RulesBackend(load_catalog(SCHEMAS_DIR / "saas.yaml"))


@pytest.fixture(scope="module")
def tpcds() -> RulesBackend:
    return RulesBackend(load_catalog(SCHEMAS_DIR / "tpcds.yaml"))


def read(backend: RulesBackend, request: str, as_of: date = AS_OF):
    return backend.interpret(Turn(request=request, as_of=as_of))


def activities(got) -> list[ActivityCondition]:
    return [c for c in got.spec.conditions if isinstance(c, ActivityCondition)]


# -- a value inside a longer phrase ----------------------------------------------------------------


def test_a_value_inside_a_phrase_is_a_field_of_that_phrases_events_not_another_activity(retail):
    # 'in the app' is also a purchase channel; inside "browsed in the app" it is the session's
    got = read(retail, "customers who browsed in the app last month")
    (only,) = activities(got)
    assert only.activity.source == "web_sessions" and only.activity.filters == {"browser": ["app"]}


def test_a_value_of_a_joined_table_inside_a_phrase_still_filters_the_event(retail):
    # "opened an email": 'email' is the campaign's channel, a field of campaign events
    (only,) = activities(read(retail, "opened an email in the last 30 days"))
    assert only.activity.filters == {"event_type": ["opened"], "channel": ["email"]}
