"""A call the server failed while recording is kept in the cassette, so the replay fails the
same way (the same kind and message) instead of reporting a missing answer."""

from __future__ import annotations

from datetime import date

import pytest

from assistant.backends.base import BackendError, Turn
from assistant.backends.openai_backend import ChatRequest, LLMSettings, OpenAIBackend
from assistant.backends.replay import CassetteTransport, RecordingTransport, read_cassette

OVERFLOW = "request (5201 tokens) exceeds the available context size (4096 tokens)"


class _Overflowing:
    def complete(self, request: ChatRequest):
        raise BackendError(OVERFLOW, kind="bad_request")


def test_a_failed_call_is_recorded_and_replayed_as_the_same_error(tmp_path):
    cassette = tmp_path / "c.json"
    live = OpenAIBackend(LLMSettings(), transport=RecordingTransport(_Overflowing(), cassette))
    turn = Turn(request="women", as_of=date(2026, 9, 30))
    with pytest.raises(BackendError) as recorded:
        live.interpret(turn)
    (entry,) = read_cassette(cassette).values()
    assert entry["kind"] == "bad_request" and entry["error"] == OVERFLOW
    replayed = OpenAIBackend(LLMSettings(), transport=CassetteTransport(cassette))
    with pytest.raises(BackendError) as again:
        replayed.interpret(turn)
    assert again.value.kind == recorded.value.kind and str(again.value) == str(recorded.value)
