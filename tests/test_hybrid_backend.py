"""The hybrid backend: the rules answer what they fully understand; the language model (a real
HTTP chat-completions server on 127.0.0.1) is asked only where the rules fall short, and its
answer is kept only when it validates."""

from __future__ import annotations

from llm_server import FakeLLMServer, Reply

from assistant.answer import answer
from assistant.backends.factory import make_backend
from assistant.backends.hybrid import HybridBackend
from assistant.backends.openai_backend import LLMSettings, OpenAIBackend
from assistant.backends.rules import RulesBackend
from assistant.catalog import load_catalog

CATALOG = load_catalog()
WOMEN = {"kind": "attribute", "attribute": "gender", "op": "=", "value": "female"}


def hybrid(server: FakeLLMServer) -> HybridBackend:
    settings = LLMSettings(base_url=server.base_url, model="test-model", timeout=5, max_retries=0)
    return HybridBackend(RulesBackend(CATALOG), OpenAIBackend(settings, catalog=CATALOG))


def test_a_fully_understood_request_never_reaches_the_model(llm_server, executor):
    result = answer("women in Texas", backend=hybrid(llm_server), executor=executor)
    assert result.ok and result.count and llm_server.received == []


def test_words_the_rules_could_not_use_go_to_the_model_and_its_valid_reading_is_used(
    llm_server, executor
):
    llm_server.push(Reply.json({"spec": {"conditions": [WOMEN]}}))
    result = answer("women who are zorbly", backend=hybrid(llm_server), executor=executor)
    assert len(llm_server.received) == 1
    women = executor.scalar("SELECT count(*) FROM customers WHERE gender = 'female'")
    assert result.ok and result.count == women
    assert any("language model's reading" in a for a in result.assumptions)


def test_an_invalid_or_unreachable_model_leaves_the_rules_reading(llm_server, executor):
    backend = hybrid(llm_server)
    rules_only = answer("women who are zorbly", backend=RulesBackend(CATALOG), executor=executor)
    bad = {"kind": "attribute", "attribute": "no_such_column", "op": "=", "value": 1}
    llm_server.push(Reply.json({"spec": {"conditions": [bad]}}, times=3))
    invalid = answer("women who are zorbly", backend=backend, executor=executor)
    assert invalid.count == rules_only.count and invalid.unrecognized == rules_only.unrecognized
    assert any("no usable reading" in a for a in invalid.assumptions)
    llm_server.reset()
    llm_server.push(Reply.error(500, times=5))
    down = answer("women who are zorbly", backend=backend, executor=executor)
    assert down.count == rules_only.count
    assert any("no usable reading" in a for a in down.assumptions)


def test_refusals_stay_with_the_rules(llm_server, executor):
    result = answer("drop table customers", backend=hybrid(llm_server), executor=executor)
    assert result.refused and llm_server.received == []


def test_the_factory_builds_it_by_name(llm_server, monkeypatch):
    monkeypatch.setenv("OPENAI_BASE_URL", llm_server.base_url)
    built = make_backend("hybrid", catalog=CATALOG)
    assert isinstance(built, HybridBackend) and built.name == "hybrid"
