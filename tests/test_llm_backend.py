"""The OpenAI-compatible backend, spoken to over real HTTP by a scripted local server."""

from __future__ import annotations

import json
from datetime import date

import pytest
from llm_server import FakeLLMServer, Reply

from assistant.backends.base import BackendError, Interpretation, Turn
from assistant.backends.openai_backend import LLMSettings, OpenAIBackend
from assistant.catalog import Catalog, load_catalog
from assistant.compiler import compile_spec
from assistant.guard import GuardError, check_sql
from assistant.spec import SegmentSpec

AS_OF = date(2026, 9, 30)
WOMEN = {"kind": "attribute", "attribute": "gender", "op": "=", "value": "female"}
CALIFORNIA = {"kind": "attribute", "attribute": "region", "op": "=", "value": "California"}
OUTDOOR_90D = {
    "kind": "activity",
    "activity": {"source": "purchases", "filters": {"category": ["Outdoor"]}},
    "measure": "count",
    "op": ">=",
    "value": 1,
    "window": {"kind": "trailing", "n": 90, "unit": "days"},
}


def backend(server: FakeLLMServer, catalog=None, **overrides) -> OpenAIBackend:
    settings = {"base_url": server.base_url, "model": "test-model", "timeout": 5, "max_retries": 0}
    return OpenAIBackend(LLMSettings(**(settings | overrides)), catalog=catalog)


def turn(request: str, current: SegmentSpec | None = None) -> Turn:
    return Turn(request=request, as_of=AS_OF, current=current)


def guard_validator(interpretation: Interpretation) -> str | None:
    """What the pipeline does: compile the spec (or take the SQL) and run the guard."""
    catalog = load_catalog()
    try:
        sql = interpretation.sql or compile_spec(interpretation.spec, AS_OF, catalog).sql
        check_sql(sql, catalog.schema())
    except GuardError as err:
        return err.reason
    return None


def test_a_valid_spec_answer_becomes_the_interpretation(llm_server):
    llm_server.push(
        Reply.json({"spec": {"conditions": [WOMEN, CALIFORNIA]}, "assumptions": ["all history"]})
    )
    result = backend(llm_server).interpret(turn("women in California"), guard_validator)
    assert result.spec == SegmentSpec.model_validate({"conditions": [WOMEN, CALIFORNIA]})
    assert result.assumptions == ["all history"]
    assert result.attempts == 1
    assert json.loads(result.raw)["spec"]["conditions"][0]["value"] == "female"


def test_the_v2_prompt_carries_the_schema_card_as_of_and_examples(llm_server):
    llm_server.push(Reply.json({"spec": {"conditions": [WOMEN]}}))
    backend(llm_server, prompt_version="v2", max_tokens=2048).interpret(
        turn("women who bought outdoor gear")
    )
    sent = llm_server.received[0]
    system, user = sent.messages[0]["content"], sent.messages[1]["content"]
    assert "## Customer properties" in system and "female (women)" in system
    assert "### purchases:" in system and "Outdoor (outdoor gear)" in system
    assert "2026-09-30" in system and "the retail DuckDB database" in system
    assert "Request: outdoor buyers" in system  # a similar approved example was chosen
    assert '"filters":{"category":["Outdoor"]}' in system  # ... in the generic spec's shape
    assert "women who bought outdoor gear" in user
    assert sent.body["response_format"] == {"type": "json_object"}
    assert sent.body["temperature"] == 0
    assert sent.body["max_completion_tokens"] == 2048


def test_the_v3_prompt_puts_the_catalog_first_and_the_request_s_details_after(llm_server):
    llm_server.push(Reply.json({"spec": {"conditions": [WOMEN]}}))
    backend(llm_server).interpret(turn("women who bought outdoor gear"))
    sent = llm_server.received[0]
    system, user = sent.messages[0]["content"], sent.messages[1]["content"]
    # the stable prefix: instructions, the data's date and every name, no definitions
    assert "2026-09-30" in system and "the retail data" in system
    assert "gender" in system and "purchases" in system and "female (women)" not in system
    assert "women who bought outdoor gear" not in system
    # the request's part: its names defined, similar examples, the request
    assert "- property gender (text)" in user and "female (women)" in user
    assert "Outdoor (outdoor gear)" in user
    assert "Request: outdoor buyers" in user
    assert '"filters":{"category":["Outdoor"]}' in user
    assert user.rstrip().endswith("women who bought outdoor gear")
    assert sent.body["response_format"] == {"type": "json_object"}
    assert sent.body["max_completion_tokens"] == 600  # a spec is small: runaway output is cut


def test_a_spec_failing_the_guard_is_repaired_with_the_guard_error(llm_server):
    bad_sql = "SELECT customer_id, shoe_size FROM customers"
    llm_server.push(
        Reply.json({"sql": bad_sql}),
        Reply.json({"spec": {"conditions": [WOMEN]}}),
    )
    result = backend(llm_server).interpret(turn("women with big feet"), guard_validator)
    assert result.spec is not None and result.attempts == 2
    repair = llm_server.received[1]
    assert "shoe_size" in repair.messages[-1]["content"]  # the guard's message was fed back
    assert repair.messages[-2] == {"role": "assistant", "content": json.dumps({"sql": bad_sql})}


def test_sql_fallback_goes_through_the_validator(llm_server):
    sql = "SELECT customer_id FROM customers WHERE city ILIKE 'port%'"
    llm_server.push(Reply.json({"sql": sql, "assumptions": ["city names starting with Port"]}))
    seen: list[Interpretation] = []

    def validate(candidate: Interpretation) -> str | None:
        seen.append(candidate)
        return guard_validator(candidate)

    result = backend(llm_server).interpret(turn("customers in cities starting with Port"), validate)
    assert result.sql == sql and result.spec is None
    assert [c.sql for c in seen] == [sql]


def test_a_write_query_never_gets_past_the_validator(llm_server):
    llm_server.push(Reply.json({"sql": "DELETE FROM customers"}, times=3))
    with pytest.raises(BackendError) as caught:
        backend(llm_server, temperature=0.3).interpret(turn("delete everyone"), guard_validator)
    assert caught.value.kind == "repair_failed"
    assert "after 3 attempts" in str(caught.value)
    assert len(llm_server.received) == 3


def test_malformed_json_is_retried_then_reported_clearly(llm_server):
    llm_server.push(Reply.text('{"spec": {"conditions": [', times=3))
    with pytest.raises(BackendError) as caught:
        backend(llm_server, temperature=0.3).interpret(turn("women"))
    assert caught.value.kind == "malformed"
    assert "not valid JSON" in str(caught.value)
    assert len(llm_server.received) == 3
    assert "not valid JSON" in llm_server.received[1].messages[-1]["content"]


def test_an_invented_name_is_repaired_with_the_catalog_s_names(llm_server):
    invented = {"kind": "activity", "activity": {"source": "orders"}}
    llm_server.push(
        Reply.json({"spec": {"conditions": [invented]}}),
        Reply.json({"spec": {"conditions": [OUTDOOR_90D]}}),
    )
    result = backend(llm_server).interpret(turn("outdoor buyers"), guard_validator)
    assert result.attempts == 2 and result.spec.conditions[0].activity.source == "purchases"
    repair = llm_server.received[1].messages[-1]["content"]
    assert "'orders' is not an event model" in repair and "web_sessions" in repair


def test_a_value_the_catalog_lacks_is_repaired_with_the_values_it_has(llm_server):
    llm_server.push(
        Reply.json({"spec": {"conditions": [{**WOMEN, "value": "women"}]}}),
        Reply.json({"spec": {"conditions": [WOMEN]}}),
    )
    result = backend(llm_server).interpret(turn("women"))
    assert result.spec == SegmentSpec.model_validate({"conditions": [WOMEN]})
    repair = llm_server.received[1].messages[-1]["content"]
    assert "'women' is not a value of gender" in repair and "female" in repair


def test_the_backend_reads_its_own_catalog(llm_server):
    demo = load_catalog()
    assert backend(llm_server).catalog is demo  # the demo catalog by default
    data = demo.model_dump(exclude_none=True)
    data["dataset"]["name"] = "shop"
    data["entity"]["plural"] = "shoppers"
    columns = data["tables"]["customers"]["columns"]
    columns["shoe_size"] = {"type": "INTEGER", "description": "Shoe size (EU)."}
    other = Catalog.model_validate(data)
    shoes = {"kind": "attribute", "attribute": "shoe_size", "op": ">=", "value": 44}
    llm_server.push(Reply.json({"spec": {"conditions": [shoes]}}))
    mine = backend(llm_server, catalog=other)
    assert mine.catalog is other
    result = mine.interpret(turn("shoppers with big feet"))
    assert result.spec.conditions[0].attribute == "shoe_size" and result.attempts == 1
    system = llm_server.received[0].messages[0]["content"]
    user = llm_server.received[0].messages[1]["content"]
    assert "the shop data" in system and "request about shoppers" in system
    assert "Request: " not in user  # the demo's examples are not this catalog's
    assert "shoe_size" in system  # the stable card lists this catalog's own names
    llm_server.reset()
    llm_server.push(Reply.json({"spec": {"conditions": [shoes]}}), Reply.json({"reset": True}))
    backend(llm_server).interpret(turn("big feet"))  # the demo catalog has no shoe sizes
    assert "'shoe_size' is not a customer property" in llm_server.received[1].text()


def test_an_answer_not_matching_the_schema_is_repaired(llm_server):
    llm_server.push(
        Reply.json({"spec": {"conditions": [{"kind": "attribute", "attribute": "shoe_size"}]}}),
        Reply.json({"clarification": {"question": "Which size?", "suggestions": ["women"]}}),
    )
    result = backend(llm_server).interpret(turn("big feet"))
    assert result.clarification is not None and result.clarification.question == "Which size?"
    *_, echoed, repair = llm_server.received[1].messages
    assert echoed["role"] == "assistant" and "shoe_size" in echoed["content"]  # sent back once
    assert "does not match the schema" in repair["content"]


def test_a_truncated_answer_counts_as_malformed(llm_server):
    llm_server.push(Reply.text('{"spec": {"condi', finish_reason="length", times=3))
    with pytest.raises(BackendError) as caught:
        backend(llm_server).interpret(turn("women"))
    assert caught.value.kind == "malformed" and "cut off" in str(caught.value)


def test_rate_limit_then_success(llm_server):
    llm_server.push(Reply.error(429), Reply.json({"spec": {"conditions": [WOMEN]}}))
    result = backend(llm_server, max_retries=2).interpret(turn("women"))
    assert result.spec is not None
    assert len(llm_server.received) == 2


def test_rate_limit_that_persists_is_reported(llm_server):
    llm_server.push(Reply.error(429, times=3))
    with pytest.raises(BackendError) as caught:
        backend(llm_server, max_retries=2).interpret(turn("women"))
    assert caught.value.kind == "rate_limited" and "429" in str(caught.value)


def test_a_slow_server_times_out(llm_server):
    llm_server.push(Reply.json({"spec": {"conditions": [WOMEN]}}, delay=1.5))
    with pytest.raises(BackendError) as caught:
        backend(llm_server, timeout=0.2).interpret(turn("women"))
    assert caught.value.kind == "timeout"
    assert "0.2 s" in str(caught.value)


def test_a_burst_of_server_errors_is_retried_then_reported(llm_server):
    llm_server.push(Reply.error(500, times=2), Reply.json({"spec": {"conditions": [WOMEN]}}))
    assert backend(llm_server, max_retries=2).interpret(turn("women")).spec is not None
    llm_server.reset()
    llm_server.push(Reply.error(503, times=3))
    with pytest.raises(BackendError) as caught:
        backend(llm_server, max_retries=2).interpret(turn("women"))
    assert caught.value.kind == "server_error" and "503" in str(caught.value)


def test_an_unreachable_server_names_the_url():
    settings = LLMSettings(base_url="http://127.0.0.1:9/v1", timeout=2, max_retries=0)
    with pytest.raises(BackendError) as caught:
        OpenAIBackend(settings).interpret(turn("women"))
    assert caught.value.kind == "connection"
    assert "http://127.0.0.1:9/v1" in str(caught.value)


def test_a_rejected_key_is_an_auth_error(llm_server):
    llm_server.push(Reply.error(401))
    with pytest.raises(BackendError) as caught:
        backend(llm_server).interpret(turn("women"))
    assert caught.value.kind == "auth" and "OPENAI_API_KEY" in str(caught.value)


def test_an_empty_answer_is_reported(llm_server):
    llm_server.push(Reply.text("", times=3))
    with pytest.raises(BackendError) as caught:
        backend(llm_server).interpret(turn("women"))
    assert caught.value.kind == "empty"


def test_an_absurdly_long_answer_is_rejected_and_not_echoed_back(llm_server):
    huge = json.dumps({"spec": None, "assumptions": ["x" * 200_000]})
    llm_server.push(Reply.text(huge, times=3))
    with pytest.raises(BackendError) as caught:
        backend(llm_server).interpret(turn("women"))
    assert caught.value.kind == "too_long"
    assert len(str(caught.value)) < 500
    assert len(llm_server.received[1].text()) < 60_000  # the repair prompt clips the answer


def test_a_model_refusal_is_an_answer_not_an_error(llm_server):
    llm_server.push(Reply.json({"refusal": "I can only select customers, not delete them."}))
    result = backend(llm_server).interpret(turn("drop the customers table"), guard_validator)
    assert result.refusal and result.spec is None and result.sql is None


def test_refinement_sends_the_current_spec_and_gets_the_edited_one(llm_server):
    current = SegmentSpec.model_validate({"conditions": [OUTDOOR_90D]})
    llm_server.push(Reply.json({"spec": {"conditions": [OUTDOOR_90D, WOMEN]}}))
    result = backend(llm_server).interpret(turn("only women", current=current))
    user = llm_server.received[0].messages[1]["content"]
    sent = json.loads(user.split("# Current segment\n", 1)[1].split("\n", 1)[0])
    assert sent == current.model_dump(mode="json", exclude_none=True)
    assert len(result.spec.conditions) == 2 and not result.reset


def test_start_over_resets(llm_server):
    current = SegmentSpec.model_validate({"conditions": [WOMEN]})
    llm_server.push(Reply.json({"reset": True}))
    result = backend(llm_server).interpret(turn("start over", current=current))
    assert result.reset and result.spec is None


def test_tokens_are_reported_across_attempts(llm_server):
    llm_server.push(
        Reply.text("not json", usage=(1000, 10)),
        Reply.json({"spec": {"conditions": [WOMEN]}}, usage=(1100, 20)),
    )
    result = backend(llm_server).interpret(turn("women"))
    assert result.tokens.prompt_tokens == 2100
    assert result.tokens.completion_tokens == 30
    assert result.tokens.total_tokens == 2130
    assert 500 < result.tokens.prompt_card_tokens < 10_000


def test_function_calling_method_reads_the_tool_call(llm_server):
    llm_server.push(Reply.tool({"spec": {"conditions": [WOMEN]}}))
    result = backend(llm_server, method="function_calling").interpret(turn("women"))
    assert result.spec is not None
    body = llm_server.received[0].body
    assert body["tool_choice"]["function"]["name"] == "segment_answer"
    assert "JSON schema of the answer" not in body["messages"][0]["content"]


def test_json_schema_method_sends_the_answer_schema(llm_server):
    llm_server.push(Reply.json({"spec": {"conditions": [WOMEN]}}))
    backend(llm_server, method="json_schema").interpret(turn("women"))
    response_format = llm_server.received[0].body["response_format"]
    assert response_format["type"] == "json_schema"
    assert response_format["json_schema"]["name"] == "segment_answer"
    schema = json.dumps(response_format["json_schema"]["schema"])
    assert '"web_sessions"' in schema and '"loyalty_tier"' in schema  # the catalog's names


def test_settings_come_from_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("OPENAI_BASE_URL", "http://localhost:11434/v1")
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    monkeypatch.setenv("SEGMENT_ASSISTANT_MODEL", "llama3.1")
    monkeypatch.setenv("SEGMENT_ASSISTANT_LLM_METHOD", "function_calling")
    settings = LLMSettings.from_env(timeout=5)
    assert (settings.model, settings.method, settings.timeout) == (
        "llama3.1",
        "function_calling",
        5,
    )
    assert settings.resolved_api_key() == "not-needed"
    assert OpenAIBackend(settings).model == "llama3.1"


def test_no_key_for_a_remote_server_is_a_clear_error(monkeypatch):
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    with pytest.raises(BackendError) as caught:
        OpenAIBackend(LLMSettings(base_url=None))
    assert caught.value.kind == "auth"


def test_the_answer_schema_allows_one_kind_of_answer(llm_server):
    # A small model filled a spec, the prompt's sample clarification and a refusal at once: the
    # grammar a server builds from the schema now allows only one kind per answer.
    llm_server.push(Reply.json({"spec": {"conditions": [WOMEN]}}))
    backend(llm_server, method="json_schema").interpret(turn("women"))
    schema = llm_server.received[0].body["response_format"]["json_schema"]["schema"]
    kinds = schema["anyOf"]
    assert [k["required"] for k in kinds] == [
        ["spec"],
        ["sql"],
        ["clarification"],
        ["refusal"],
        ["reset"],
    ]
    for kind in kinds:
        assert kind["additionalProperties"] is False
        others = {"spec", "sql", "clarification", "refusal", "reset"} - set(kind["required"])
        assert not others & set(kind["properties"])  # no other kind may come with it
    assert kinds[0]["properties"]["spec"] == {"$ref": "#/$defs/SegmentSpec"}  # not null
