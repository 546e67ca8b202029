"""Recording real answers into a cassette, then replaying them with no server at all."""

from __future__ import annotations

import json
from datetime import date

import pytest
from llm_server import Reply

from assistant.backends.base import BackendError, Turn
from assistant.backends.openai_backend import LLMSettings, OpenAIBackend
from assistant.backends.replay import ReplayBackend
from assistant.catalog import Catalog, load_catalog
from assistant.spec import SegmentSpec

AS_OF = date(2026, 9, 30)
WOMEN = {"kind": "attribute", "attribute": "gender", "op": "=", "value": "female"}
CANADA = {"kind": "attribute", "attribute": "country", "op": "=", "value": "CA"}


def reject_first_sql(candidate):
    return "Column shoe_size does not exist" if candidate.sql else None


def test_recorded_answers_replay_to_the_same_interpretation(llm_server, tmp_path):
    cassette = tmp_path / "answers.json"
    settings = LLMSettings(base_url=llm_server.base_url, timeout=5, max_retries=0)
    llm_server.push(
        Reply.json({"spec": {"conditions": [WOMEN]}}, usage=(900, 12)),
        Reply.json({"sql": "SELECT customer_id, shoe_size FROM customers"}),
        Reply.json({"spec": {"conditions": [WOMEN, CANADA]}}),
    )
    recorder = OpenAIBackend(settings, record_to=cassette)
    first = recorder.interpret(Turn(request="women", as_of=AS_OF))
    current = first.spec
    refined = recorder.interpret(
        Turn(request="only in Canada", as_of=AS_OF, current=current), reject_first_sql
    )
    assert refined.attempts == 2
    calls_before = len(llm_server.received)  # nothing below may reach the server

    replay = ReplayBackend(cassette, LLMSettings(base_url="http://127.0.0.1:9/v1"))
    assert replay.name == "replay"
    assert replay.interpret(Turn(request="women", as_of=AS_OF)) == first
    again = replay.interpret(
        Turn(request="only in Canada", as_of=AS_OF, current=current), reject_first_sql
    )
    assert again == refined
    assert again.spec == SegmentSpec.model_validate({"conditions": [WOMEN, CANADA]})
    assert len(llm_server.received) == calls_before
    entries = json.loads(cassette.read_text())["entries"]
    assert len(entries) == 3 and all("raw" in e for e in entries.values())


def test_a_request_not_in_the_cassette_is_a_clear_miss(tmp_path):
    cassette = tmp_path / "empty.json"
    replay = ReplayBackend(cassette, LLMSettings(base_url="http://127.0.0.1:9/v1"))
    with pytest.raises(BackendError) as caught:
        replay.interpret(Turn(request="men in Texas", as_of=AS_OF))
    assert caught.value.kind == "replay_miss"
    assert str(cassette) in str(caught.value) and "--record" in str(caught.value)


def test_a_different_current_spec_is_a_different_recording(llm_server, tmp_path):
    cassette = tmp_path / "answers.json"
    settings = LLMSettings(base_url=llm_server.base_url, timeout=5, max_retries=0)
    llm_server.push(Reply.json({"spec": {"conditions": [WOMEN]}}))
    OpenAIBackend(settings, record_to=cassette).interpret(Turn(request="women", as_of=AS_OF))
    replay = ReplayBackend(cassette, settings)
    current = SegmentSpec.model_validate({"conditions": [CANADA]})
    with pytest.raises(BackendError) as caught:
        replay.interpret(Turn(request="women", as_of=AS_OF, current=current))
    assert caught.value.kind == "replay_miss"


def test_answers_recorded_for_one_catalog_are_not_replayed_for_another(llm_server, tmp_path):
    cassette = tmp_path / "answers.json"
    settings = LLMSettings(base_url=llm_server.base_url, timeout=5, max_retries=0)
    llm_server.push(Reply.json({"spec": {"conditions": [WOMEN]}}))
    OpenAIBackend(settings, record_to=cassette).interpret(Turn(request="women", as_of=AS_OF))
    demo = load_catalog()
    assert ReplayBackend(cassette, settings, catalog=demo).catalog is demo
    data = demo.model_dump(exclude_none=True)
    data["dataset"]["name"] = "another_shop"
    other = ReplayBackend(cassette, settings, catalog=Catalog.model_validate(data))
    with pytest.raises(BackendError) as caught:
        other.interpret(Turn(request="women", as_of=AS_OF))
    assert caught.value.kind == "replay_miss"
