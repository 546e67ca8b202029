"""The hybrid backend: the rules answer what they fully understand; the language model (a real
HTTP chat-completions server on 127.0.0.1) is asked only where the rules fall short, and its
answer is kept only when it validates."""

from __future__ import annotations

from llm_server import FakeLLMServer, Reply

from assistant.answer import answer
from assistant.backends.base import Draft
from assistant.backends.factory import make_backend
from assistant.backends.hybrid import HybridBackend
from assistant.backends.openai_backend import LLMSettings, OpenAIBackend, cassette_key
from assistant.backends.rules import RulesBackend
from assistant.catalog import load_catalog

CATALOG = load_catalog()
WOMEN = {"kind": "attribute", "attribute": "gender", "op": "=", "value": "female"}


def hybrid(server: FakeLLMServer, mode: str = "correct") -> HybridBackend:
    settings = LLMSettings(base_url=server.base_url, model="test-model", timeout=5, max_retries=0)
    model = OpenAIBackend(settings, catalog=CATALOG)
    return HybridBackend(RulesBackend(CATALOG), model, mode=mode)  # type: ignore[arg-type]


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


def test_in_correct_mode_the_model_sees_the_rules_draft_and_the_words_they_could_not_use(
    llm_server, executor
):
    llm_server.push(Reply.json({"spec": {"conditions": [WOMEN]}}))
    answer("women who are zorbly", backend=hybrid(llm_server), executor=executor)
    (sent,) = llm_server.received
    prompt = sent.messages[-1]["content"]
    assert "# Draft reading" in prompt and "'zorbly'" in prompt
    assert '"attribute":"gender"' in prompt.split("# Draft reading")[1]  # the rules' spec


def test_in_fallback_mode_the_model_reads_the_request_alone(llm_server, executor):
    llm_server.push(Reply.json({"spec": {"conditions": [WOMEN]}}))
    answer("women who are zorbly", backend=hybrid(llm_server, "fallback"), executor=executor)
    (sent,) = llm_server.received
    assert "Draft reading" not in sent.text()


def test_a_draft_is_part_of_the_cassette_key_and_keys_without_one_are_unchanged():
    plain = cassette_key("segment_system.v3", "women", None, 1, dataset="demo")
    assert plain == cassette_key("segment_system.v3", "women", None, 1, dataset="demo", draft=None)
    drafted = cassette_key("segment_system.v3", "women", None, 1, dataset="demo", draft=Draft())
    assert drafted != plain
