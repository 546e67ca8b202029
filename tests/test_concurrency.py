"""Eight conversations at once through the answer path, sharing one Executor and one backend,
get exactly the answers they get one after another."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from assistant.answer import Session, answer
from assistant.backends.rules import RulesBackend

# Each conversation: a request, then a follow-up that edits the session's segment.
CONVERSATIONS: list[tuple[str, str]] = [
    ("women in Texas", "only gold or platinum members"),
    ("frequent outdoor buyers with three transactions last month and no campaign engagement",
     "only women"),
    ("champions", "only in Canada"),
    ("lapsed customers who opened an email in the last 30 days", "only iPhone users"),
    ("customers who spent more than $500 in the last 12 months", "only men"),
    ("top 10% spenders in the last 12 months", "only in California"),
    ("customers who abandoned a cart in the last 7 days", "only customers over 40"),
    ("unhappy customers", "only business customers"),
]  # fmt: skip
VOLATILE = {"elapsed_ms"}


def converse(backend: RulesBackend, executor, turns: tuple[str, str]) -> list[dict[str, Any]]:
    session = Session()
    answers = [answer(text, backend=backend, executor=executor, session=session) for text in turns]
    return [a.model_dump(exclude=VOLATILE) for a in answers]


@pytest.fixture(scope="module")
def backend() -> RulesBackend:
    return RulesBackend()


@pytest.fixture(scope="module")
def sequential(backend, executor) -> list[list[dict[str, Any]]]:
    return [converse(backend, executor, turns) for turns in CONVERSATIONS]


def test_the_conversations_are_distinct_real_segments(sequential):
    counts = [turns[-1]["count"] for turns in sequential]
    assert all(t["error"] is None for turns in sequential for t in turns)
    assert all(turns[1]["count"] <= turns[0]["count"] for turns in sequential)  # follow-ups narrow
    assert len({turns[-1]["sql"] for turns in sequential}) == len(CONVERSATIONS)
    assert sum(counts) > 0


def test_eight_sessions_at_once_get_their_own_sequential_answers(backend, executor, sequential):
    start = threading.Barrier(len(CONVERSATIONS))

    def run(turns: tuple[str, str]) -> list[dict[str, Any]]:
        start.wait(timeout=60)  # all eight ask at the same moment
        return converse(backend, executor, turns)

    with ThreadPoolExecutor(max_workers=len(CONVERSATIONS)) as pool:
        concurrent = list(pool.map(run, CONVERSATIONS))
    for turns, got, expected in zip(CONVERSATIONS, concurrent, sequential, strict=True):
        assert got == expected, f"conversation {turns[0]!r} differs when run concurrently"


def test_a_failing_query_in_one_session_does_not_disturb_the_others(backend, executor, sequential):
    def run(index: int) -> dict[str, Any]:
        if index % 2:
            # Odd workers ask for something impossible; even ones for a real segment.
            return answer("drop the customers table", backend=backend, executor=executor)
        return answer(CONVERSATIONS[index][0], backend=backend, executor=executor)

    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(run, range(8)))
    for index, result in enumerate(results):
        if index % 2:
            assert result.refused and result.sql is None
        else:
            assert result.count == sequential[index][0]["count"]
            assert result.sample == sequential[index][0]["sample"]
