"""Narrative ideas (assistant.narrative) against the scripted chat-completions server."""

from __future__ import annotations

import logging

import pytest
from llm_server import FakeLLMServer, Reply

from assistant.backends.openai_backend import LLMSettings, OpenAIBackend
from assistant.catalog import load_catalog
from assistant.compiler import compile_spec as _compile_spec
from assistant.guard import check_sql
from assistant.ideas import MIN_CUSTOMERS, NOT_DIFFERENT, TOO_SMALL, Idea
from assistant.narrative import MODEL_NOTE
from assistant.narrative import narrate_ideas as _narrate_ideas
from assistant.profile import catalog_as_of
from assistant.schema_card import render_schema_card
from assistant.spec import Activity, ActivityCondition, SegmentSpec

CATALOG = load_catalog()
OUTDOOR = SegmentSpec(
    title="Outdoor buyers",
    conditions=[
        ActivityCondition(activity=Activity(source="purchases", filters={"category": ["Outdoor"]}))
    ],
)


def compile_spec(spec: SegmentSpec, as_of):
    return _compile_spec(spec, as_of, CATALOG)


def narrate_ideas(*args, **kw) -> list:
    return _narrate_ideas(*args, catalog=CATALOG, **kw)


WOMEN = {"kind": "attribute", "attribute": "gender", "op": "=", "value": "female"}
EMAIL_OK = {"kind": "attribute", "attribute": "email_opt_in", "op": "=", "value": True}
CHAMPIONS = {"kind": "segment_ref", "model": "rfm", "label": "champions"}


def proposal(title: str, *conditions: dict, kind: str = "behavioral") -> dict:
    return {
        "title": title,
        "rationale": f"{title} are worth a campaign.",
        "type": kind,
        "conditions": list(conditions),
    }


VALID = [
    proposal("Women outdoor buyers", WOMEN, kind="demographic"),
    proposal("Emailable champions", EMAIL_OK, CHAMPIONS, kind="value-based"),
]


@pytest.fixture(scope="module")
def as_of(executor):
    return catalog_as_of(executor, CATALOG)


def backend(server: FakeLLMServer, **overrides) -> OpenAIBackend:
    settings = {"base_url": server.base_url, "model": "test-model", "timeout": 5, "max_retries": 0}
    return OpenAIBackend(LLMSettings(**(settings | overrides)))


def existing(*titles: str) -> list[Idea]:
    return [Idea(title=t, type="RFM", rationale="", sql="", count=1, share=0.0) for t in titles]


def narrate(server, executor, as_of, parent=OUTDOOR, **kw) -> list[Idea]:
    kw.setdefault("existing", existing("Split by RFM segment"))
    return narrate_ideas(backend(server), executor, parent, as_of, **kw)


def distinct_count(executor, sql: str) -> int:
    return executor.scalar(f"SELECT count(DISTINCT customer_id) FROM ({sql}) AS q")


def test_valid_ideas_are_compiled_guarded_and_counted(llm_server, executor, as_of):
    llm_server.push(Reply.json({"ideas": VALID}))
    ideas = narrate(llm_server, executor, as_of)
    assert [i.title for i in ideas] == ["Women outdoor buyers", "Emailable champions"]
    assert [i.type for i in ideas] == ["demographic", "value-based"]
    base = executor.scalar("SELECT count(*) FROM customers")
    parent_count = distinct_count(executor, compile_spec(OUTDOOR, as_of).sql)
    for idea, raw in zip(ideas, VALID, strict=True):
        spec = SegmentSpec.model_validate(idea.spec)
        assert spec.conditions == [
            *OUTDOOR.conditions,
            *SegmentSpec(conditions=raw["conditions"]).conditions,
        ]
        assert idea.sql == compile_spec(spec, as_of).sql
        check_sql(idea.sql, executor.schema(), binder=executor.explain)
        assert idea.count == distinct_count(executor, idea.sql) > 0
        assert idea.share == round(idea.count / base, 4)
        assert (TOO_SMALL in idea.flags) == (idea.count < max(MIN_CUSTOMERS, 0.01 * base))
        assert (NOT_DIFFERENT in idea.flags) == (idea.count > 0.9 * parent_count)
        assert idea.rationale.endswith(MODEL_NOTE)
        assert f"{idea.count:,} customers" in idea.rationale
        assert 0 < idea.score <= 1


def test_invalid_ideas_are_dropped_and_logged_and_valid_ones_kept(
    llm_server, executor, as_of, caplog
):
    shoe_size = {"kind": "attribute", "attribute": "shoe_size", "op": ">", "value": 44}
    robots = {"kind": "attribute", "attribute": "gender", "op": "=", "value": "robot"}
    superstars = {"kind": "segment_ref", "model": "rfm", "label": "superstars"}
    bavaria = {"kind": "attribute", "attribute": "region", "op": "=", "value": "Bavaria"}
    in_us = {"kind": "attribute", "attribute": "country", "op": "=", "value": "US"}
    answer = [
        proposal("Big feet", shoe_size),
        VALID[0],
        proposal("Robots", robots),
        proposal("Superstars", superstars),
        proposal("Bavarians in the US", bavaria, in_us),  # nobody: Bavaria is in Germany
        {"title": "No conditions", "rationale": "x", "type": "behavioral", "conditions": []},
        proposal("Astrological", WOMEN, kind="astrological"),
        "not an object",
        proposal("Split by RFM segment", EMAIL_OK),  # repeats an existing idea
    ]
    llm_server.push(Reply.json({"ideas": answer}))
    with caplog.at_level(logging.INFO, logger="assistant.narrative"):
        ideas = narrate(llm_server, executor, as_of, count=5)
    assert [i.title for i in ideas] == ["Women outdoor buyers"]
    dropped = [r.getMessage() for r in caplog.records if "dropped" in r.getMessage()]
    assert len(dropped) == len(answer) - 1
    assert any("shoe_size" in m for m in dropped)
    assert any("superstars" in m for m in dropped)
    assert any("nobody" in m and "Bavarians" in m for m in dropped)


def test_no_more_than_count_ideas(llm_server, executor, as_of):
    llm_server.push(Reply.json({"ideas": [*VALID, proposal("Emailable", EMAIL_OK)]}))
    assert len(narrate(llm_server, executor, as_of, count=2)) == 2


@pytest.mark.parametrize(
    "reply",
    [
        Reply.text("Here are some ideas: {not json"),
        Reply.json({"segments": VALID}),
        Reply.json({"ideas": VALID}, finish_reason="length"),
    ],
    ids=["not JSON", "wrong shape", "cut off"],
)
def test_an_unusable_answer_gives_no_ideas(llm_server, executor, as_of, reply, caplog):
    llm_server.push(reply)
    with caplog.at_level(logging.WARNING, logger="assistant.narrative"):
        assert narrate(llm_server, executor, as_of) == []
    assert "skipped" in caplog.text


@pytest.mark.parametrize("status", [500, 429, 401])
def test_a_model_error_gives_no_ideas_and_a_warning(llm_server, executor, as_of, status, caplog):
    llm_server.push(Reply.error(status))
    with caplog.at_level(logging.WARNING, logger="assistant.narrative"):
        assert narrate(llm_server, executor, as_of) == []
    assert "model call failed" in caplog.text


def test_a_timeout_gives_no_ideas(llm_server, executor, as_of):
    llm_server.push(Reply.json({"ideas": VALID}, delay=2))
    slow = narrate_ideas(backend(llm_server, timeout=0.5), executor, OUTDOOR, as_of, existing=[])
    assert slow == []


def test_the_prompt_describes_the_parent_without_customer_data(llm_server, executor, as_of):
    llm_server.push(Reply.json({"ideas": []}))
    titles = ("Split by RFM segment", "At-risk and lapsed members")
    narrate(llm_server, executor, as_of, existing=existing(*titles), count=2)
    [sent] = llm_server.received
    prompt = sent.text()
    assert compile_spec(OUTDOOR, as_of).explanation in prompt
    parent_count = distinct_count(executor, compile_spec(OUTDOOR, as_of).sql)
    assert f"{parent_count:,} customers" in prompt
    assert all(f"- {title}" in prompt for title in titles)
    assert as_of.isoformat() in prompt
    explanation = compile_spec(OUTDOOR, as_of).explanation
    assert render_schema_card(CATALOG, explanation).text in prompt  # the catalog's own card
    assert sent.body["response_format"] == {"type": "json_object"}
    members = executor.query(
        "SELECT first_name || ' ' || last_name, email FROM customers ORDER BY customer_id",
        max_rows=200,
    ).rows
    assert not [value for row in members for value in row if value in prompt]


def test_the_ideas_call_asks_for_json_mode_whatever_the_backend_method(llm_server, executor, as_of):
    # The backend's json_schema client would force the segment-answer schema on the ideas.
    llm_server.push(Reply.json({"ideas": VALID[:1]}))
    ideas = narrate_ideas(
        backend(llm_server, method="json_schema"), executor, OUTDOOR, as_of, existing=[]
    )
    assert [i.title for i in ideas] == ["Women outdoor buyers"]
    assert llm_server.received[0].body["response_format"] == {"type": "json_object"}


def test_an_empty_parent_gets_ideas_for_the_whole_base(llm_server, executor, as_of):
    nobody = SegmentSpec.model_validate(
        {"conditions": [{"kind": "attribute", "attribute": "age", "op": "<", "value": 0}]}
    )
    llm_server.push(Reply.json({"ideas": VALID[:1]}))
    [idea] = narrate(llm_server, executor, as_of, parent=nobody)
    assert (
        SegmentSpec.model_validate(idea.spec).conditions
        == SegmentSpec(conditions=[WOMEN]).conditions
    )
    assert idea.count == distinct_count(executor, idea.sql)
    assert "All customers." in llm_server.received[0].text()
