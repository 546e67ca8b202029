"""`segment-assistant ask` through the LLM backend, against a real local chat-completions server."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from llm_server import FakeLLMServer, Reply
from typer.testing import CliRunner

from assistant.cli import app

runner = CliRunner()
WOMEN = {"kind": "attribute", "attribute": "gender", "op": "=", "value": "female"}
CANADA = {"kind": "attribute", "attribute": "country", "op": "=", "value": "CA"}


@pytest.fixture
def llm(llm_server: FakeLLMServer, monkeypatch: pytest.MonkeyPatch) -> FakeLLMServer:
    server = llm_server
    monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    monkeypatch.setenv("SEGMENT_ASSISTANT_MODEL", "fixture-model")
    return server


@pytest.fixture(scope="module")
def db(demo_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    copy = tmp_path_factory.mktemp("ask_llm") / "retail.duckdb"
    shutil.copyfile(demo_db, copy)
    return copy


def ask(db: Path, request: str, *extra: str) -> tuple[int, dict]:
    result = runner.invoke(app, ["ask", request, "--format", "json", "--db", str(db), *extra])
    return result.exit_code, json.loads(result.output)


SMS_IDEA = {
    "title": "Canadian women reachable by SMS",
    "rationale": "SMS reaches them directly.",
    "type": "engagement",
    "conditions": [{"kind": "attribute", "attribute": "sms_opt_in", "op": "=", "value": True}],
}


def test_auto_uses_the_configured_llm_and_counts_like_the_rules_backend(llm, db, executor):
    llm.push(
        Reply.json({"spec": {"conditions": [WOMEN, CANADA]}}),
        Reply.json({"ideas": [SMS_IDEA]}),  # the model's own ideas, counted like the others
    )
    code, payload = ask(db, "women in Canada")
    assert code == 0, payload
    assert payload["backend"] == "openai" and payload["model"] == "fixture-model"
    expected = executor.scalar(
        "SELECT count(*) FROM customers WHERE gender = 'female' AND country = 'CA'"
    )
    assert payload["count"] == expected
    assert payload["tokens"]["total_tokens"] > 0
    assert "women in Canada" in llm.received[0].text()
    narrative = [i for i in payload["ideas"]["ideas"] if i["title"] == SMS_IDEA["title"]]
    assert narrative and narrative[0]["count"] == executor.scalar(
        "SELECT count(*) FROM customers WHERE gender = 'female' AND country = 'CA' AND sms_opt_in"
    )


def test_a_query_the_guard_refuses_is_repaired_by_the_model(llm, db):
    llm.push(
        Reply.json({"sql": "SELECT customer_id FROM customerz"}),
        Reply.json({"spec": {"conditions": [WOMEN]}}),
    )
    code, payload = ask(db, "women", "--backend", "openai")
    assert code == 0, payload
    assert payload["attempts"] == 2
    assert "customerz" in llm.received[1].text()  # the repair request carries the guard's reason


def test_an_unreachable_server_is_a_clear_error(monkeypatch, db):
    monkeypatch.setenv("OPENAI_BASE_URL", "http://127.0.0.1:9/v1")
    monkeypatch.setenv("SEGMENT_ASSISTANT_MODEL", "fixture-model")
    code, payload = ask(db, "women", "--backend", "openai")
    assert code == 1
    assert payload["error"]["kind"] == "failed" and payload["error"]["code"] == "connection"
    assert "127.0.0.1:9" in payload["error"]["reason"]


def test_record_then_replay_answers_without_the_server(llm, db, tmp_path, monkeypatch):
    cassette = tmp_path / "cassette.json"
    llm.push(Reply.json({"spec": {"conditions": [WOMEN, CANADA]}}))
    code, recorded = ask(db, "women in Canada", "--backend", "openai", "--record", str(cassette))
    assert code == 0 and cassette.exists()
    monkeypatch.setenv("OPENAI_BASE_URL", "http://127.0.0.1:9/v1")  # nothing listens there
    code, replayed = ask(db, "women in Canada", "--backend", "replay", "--cassette", str(cassette))
    assert code == 0, replayed
    assert replayed["count"] == recorded["count"]
    assert replayed["sql"] == recorded["sql"]
