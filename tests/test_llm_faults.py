"""LLM faults through the full answer path: every failure is a clear Answer.error, never a crash.

tests/test_llm_backend.py covers the backend on its own; here the same faults go through
`answer()` (validation, guard, sandbox, session) and we count the requests the server received
to show that retries are bounded.
"""

from __future__ import annotations

import json

import pytest
from llm_server import FakeLLMServer, Reply

from assistant.answer import Answer, Session, answer
from assistant.backends.openai_backend import MAX_ATTEMPTS, LLMSettings, OpenAIBackend
from assistant.spec import SegmentSpec

WOMEN = {"kind": "attribute", "attribute": "gender", "op": "=", "value": "female"}
CANADA = {"kind": "attribute", "attribute": "country", "op": "=", "value": "CA"}


@pytest.fixture(scope="module")
def women_count(executor) -> int:
    return executor.scalar("SELECT count(*) FROM customers WHERE gender = 'female'")


def ask(server: FakeLLMServer, executor, request="women", session=None, ideas=False, **settings):
    # Ideas off by default: with an LLM they make a second (narrative) call, tested on its own.
    options = {"base_url": server.base_url, "model": "test-model", "timeout": 5, "max_retries": 0}
    backend = OpenAIBackend(LLMSettings(**(options | settings)))
    return answer(request, backend=backend, executor=executor, session=session, with_ideas=ideas)


def assert_clear_failure(result: Answer, *phrases: str) -> None:
    assert result.error, "expected a message for the user"
    for phrase in phrases:
        assert phrase in result.error
    assert "Traceback" not in result.error and len(result.error) < 600
    assert result.sql is None and result.count is None and not result.ok


# --- transport faults ----------------------------------------------------------------------------


def test_a_server_slower_than_the_timeout_is_reported_after_bounded_retries(llm_server, executor):
    llm_server.push(Reply.json({"spec": {"conditions": [WOMEN]}}, delay=1.0, times=2))
    result = ask(llm_server, executor, timeout=0.2, max_retries=1)
    assert_clear_failure(result, "did not answer within 0.2 s", "1 retries")
    assert len(llm_server.received) == 2  # the call and its one retry


def test_a_burst_of_429s_is_ridden_out(llm_server, executor, women_count):
    llm_server.push(Reply.error(429, times=2), Reply.json({"spec": {"conditions": [WOMEN]}}))
    result = ask(llm_server, executor, max_retries=2)
    assert result.ok and result.count == women_count
    assert len(llm_server.received) == 3


def test_persistent_429s_stop_after_the_retry_budget(llm_server, executor):
    llm_server.push(Reply.error(429, times=10))
    result = ask(llm_server, executor, max_retries=2)
    assert_clear_failure(result, "rate limiting", "429", "Wait a minute")
    assert len(llm_server.received) == 3


def test_a_burst_of_500s_is_ridden_out(llm_server, executor, women_count):
    llm_server.push(
        Reply.error(500), Reply.error(502), Reply.json({"spec": {"conditions": [WOMEN]}})
    )
    result = ask(llm_server, executor, max_retries=2)
    assert result.ok and result.count == women_count


def test_persistent_server_errors_stop_after_the_retry_budget(llm_server, executor):
    llm_server.push(Reply.error(500, times=10))
    result = ask(llm_server, executor, max_retries=1)
    assert_clear_failure(result, "failed (HTTP 500)", "Try again later")
    assert len(llm_server.received) == 2


def test_an_unreachable_server_is_a_message_not_a_crash(executor):
    backend = OpenAIBackend(LLMSettings(base_url="http://127.0.0.1:9/v1", timeout=2, max_retries=0))
    result = answer("women", backend=backend, executor=executor)
    assert_clear_failure(result, "Cannot reach", "http://127.0.0.1:9/v1")


# --- broken answers ------------------------------------------------------------------------------

BROKEN = {
    "truncated": (Reply.text('{"spec": {"conditions": [{"kind": "attr', finish_reason="length"),
                  "cut off"),
    "malformed JSON": (Reply.text('{"spec": {"conditions": [}'), "not valid JSON"),
    "prose instead of JSON": (Reply.text("Sure! Here are the women you asked for."),
                              "not valid JSON"),
    "a JSON list": (Reply.text(json.dumps([{"spec": None}])), "one JSON object"),
    "empty": (Reply.text(""), "empty"),
    "whitespace only": (Reply.text("  \n\t "), "empty"),
    "absurdly long": (Reply.text(json.dumps({"assumptions": ["y" * 100_000]})),
                      "characters long"),
    "two answers at once": (Reply.json({"spec": {"conditions": [WOMEN]}, "sql": "SELECT 1"}),
                            "exactly one of"),
    "nothing at all": (Reply.json({}), "none of spec"),
}  # fmt: skip


@pytest.mark.parametrize(("reply", "phrase"), BROKEN.values(), ids=BROKEN.keys())
def test_a_broken_answer_is_repaired_a_bounded_number_of_times(llm_server, executor, reply, phrase):
    reply.times = MAX_ATTEMPTS + 5  # the server would keep answering badly for ever
    llm_server.push(reply)
    result = ask(llm_server, executor, temperature=0.2)
    assert_clear_failure(result, f"after {MAX_ATTEMPTS} attempts", phrase)
    assert len(llm_server.received) == MAX_ATTEMPTS


@pytest.mark.parametrize(("reply", "phrase"), BROKEN.values(), ids=BROKEN.keys())
def test_at_temperature_0_the_same_broken_answer_twice_ends_the_repairs(
    llm_server, executor, reply, phrase
):
    # The third prompt would be the second one again, so its answer would be too.
    reply.times = MAX_ATTEMPTS + 5
    llm_server.push(reply)
    result = ask(llm_server, executor)
    assert_clear_failure(result, "after 2 attempts", phrase)
    assert len(llm_server.received) == 2


def test_a_broken_answer_followed_by_a_good_one_succeeds(llm_server, executor, women_count):
    llm_server.push(
        Reply.text('{"spec": '), Reply.text(""), Reply.json({"spec": {"conditions": [WOMEN]}})
    )
    result = ask(llm_server, executor)
    assert result.ok and result.count == women_count
    assert result.attempts == 3
    assert "not valid JSON" in llm_server.received[1].messages[-1]["content"]


def test_the_repair_prompt_never_echoes_an_absurd_answer_in_full(llm_server, executor):
    llm_server.push(Reply.text("x" * 500_000, times=MAX_ATTEMPTS))
    ask(llm_server, executor)
    assert all(len(r.text()) < 80_000 for r in llm_server.received)


def test_a_failing_narrative_call_costs_the_ideas_not_the_segment(
    llm_server, executor, women_count
):
    llm_server.push(Reply.json({"spec": {"conditions": [WOMEN]}}), Reply.error(500, times=50))
    result = ask(llm_server, executor, ideas=True, max_retries=1)
    assert result.ok and result.error is None and result.count == women_count
    assert result.ideas is not None  # the catalog's own ideas are still there
    # one interpretation call, then at most one narrative attempt per repair, each retried once
    assert 2 <= len(llm_server.received) <= 1 + MAX_ATTEMPTS * 2


# --- the conversation survives a fault -----------------------------------------------------------


def test_a_failed_turn_leaves_the_session_as_it_was(llm_server, executor):
    session = Session()
    llm_server.push(Reply.json({"spec": {"conditions": [WOMEN]}}))
    first = ask(llm_server, executor, session=session)
    assert first.ok
    llm_server.push(Reply.error(500, times=5), Reply.text("{", times=5))
    failed = ask(llm_server, executor, "only in Canada", session=session, max_retries=1)
    assert failed.error and session.current == SegmentSpec.model_validate({"conditions": [WOMEN]})
    llm_server.reset()
    llm_server.push(Reply.json({"spec": {"conditions": [WOMEN, CANADA]}}))
    refined = ask(llm_server, executor, "only in Canada", session=session)
    assert refined.ok and 0 < refined.count < first.count
    user = llm_server.received[0].messages[1]["content"]
    sent = json.loads(user.split("# Current segment\n", 1)[1].split("\n", 1)[0])
    assert sent == {"conditions": [WOMEN], "title": None} or sent["conditions"] == [WOMEN]
