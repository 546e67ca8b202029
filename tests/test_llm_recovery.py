"""Lenient recovery is counted apart from clean answers, and the eval report shows it: clean
JSON rate, recovered answers, repairs per request, answers cut at max_tokens, prompt size and the
server's latency per request."""

from __future__ import annotations

import json
from datetime import date

from llm_server import Reply

from assistant.backends.base import TokenUsage, Turn
from assistant.backends.openai_backend import LLMSettings, OpenAIBackend, RawAnswer, parse_answer
from assistant.evals.report import CaseResult, RunMeta, build_report, render_markdown
from assistant.evals.runner import _add_calls

WOMEN = {"kind": "attribute", "attribute": "gender", "op": "=", "value": "female"}
ANSWER = json.dumps({"spec": {"conditions": [WOMEN]}})


def parse(text: str) -> tuple[object, list[str]]:
    fixes: list[str] = []
    result = parse_answer(RawAnswer(text=text, usage=TokenUsage()), 10_000, None, fixes)
    return result, fixes


def test_a_clean_answer_needs_no_fix():
    result, fixes = parse(ANSWER)
    assert fixes == [] and result.spec.conditions[0].attribute == "gender"


def test_fences_prose_and_double_equals_are_recovered_and_named():
    assert parse(f"```json\n{ANSWER}\n```")[1] == ["fences"]
    assert parse(f"Here is the segment:\n{ANSWER}\nHope it helps.")[1] == ["prose"]
    result, fixes = parse(ANSWER.replace('"="', '"=="'))
    assert fixes == ["=="] and result.spec.conditions[0].op == "="


def backend(server, **overrides):
    settings = {"base_url": server.base_url, "model": "m", "timeout": 5, "max_retries": 0}
    return OpenAIBackend(LLMSettings(**(settings | overrides)))


def test_each_call_is_recorded_with_how_its_answer_came(llm_server):
    llm_server.push(
        Reply.text('{"spec": {"conditions": [', finish_reason="length"),
        Reply.text(f"```\n{ANSWER}\n```", usage=(1500, 40)),
    )
    model = backend(llm_server)
    result = model.interpret(Turn(request="women", as_of=date(2026, 9, 30)))
    assert result.attempts == 2
    first, second = model.last_calls
    assert first.finish_reason == "length" and not first.clean and first.problem == "malformed"
    assert second.attempt == 2 and not second.clean and second.recovered == ("fences",)
    assert second.prompt_tokens == 1500 and second.completion_tokens == 40
    assert 800 < first.prompt_size < 2000  # counted here, on what was sent
    assert second.prompt_size > first.prompt_size  # the repair carries the previous answer
    assert first.elapsed_ms is not None and first.elapsed_ms >= 0


def test_the_report_shows_the_model_figures(llm_server):
    llm_server.push(Reply.json({"spec": {"conditions": [WOMEN]}}))
    model = backend(llm_server)
    model.interpret(Turn(request="women", as_of=date(2026, 9, 30)))
    clean = CaseResult(id="a", suite="s", tags=[], requests=["women"], passed=True)
    _add_calls(clean, model.last_calls)
    llm_server.push(Reply.text("not json"), Reply.text(f"```\n{ANSWER}\n```"))
    model.interpret(Turn(request="women", as_of=date(2026, 9, 30)))
    repaired = CaseResult(id="b", suite="s", tags=[], requests=["women"], passed=True)
    _add_calls(repaired, model.last_calls)
    report = build_report(RunMeta(backend="openai"), [clean, repaired])
    llm = report.totals.llm
    assert (llm.requests, llm.calls, llm.repairs, llm.recovered_json) == (2, 3, 1, 1)
    assert llm.clean_json_rate == round(1 / 3, 4) and llm.repairs_per_request == 0.5
    assert llm.prompt_size_max >= llm.prompt_size_median > 800
    text = render_markdown(report)
    assert "| clean JSON (calls) | 33.3% |" in text and "| repairs / request | 0.50 (1) |" in text
    assert build_report(RunMeta(backend="rules"), [CaseResult(
        id="c", suite="s", tags=[], requests=["x"], passed=True)]).totals.llm is None  # fmt: skip


def test_a_repair_fits_a_small_models_context_however_long_the_bad_answer(llm_server):
    # A runaway answer cut at max_tokens, then one whose problem lists many names: the repair
    # prompt (first prompt + the answer once + the problem) must stay within 4,096 tokens.
    runaway = '{"spec": {"conditions": [' + ", ".join(['{"kind": "attribute"}'] * 900)
    unknown = {"kind": "attribute", "attribute": "x" * 6000, "op": "=", "value": "y"}
    llm_server.push(
        Reply.text(runaway, finish_reason="length"),
        Reply.text(json.dumps({"spec": {"conditions": [unknown]}})),
        Reply.text(ANSWER),
    )
    model = backend(llm_server)
    result = model.interpret(Turn(request="women", as_of=date(2026, 9, 30)))
    assert result.attempts == 3
    first, *repairs = model.last_calls
    for call in repairs:
        assert call.prompt_size < 4096 - 600  # room left for a max_tokens answer
        assert call.prompt_size - first.prompt_size < 1_400
    sent = llm_server.received[-1].body["messages"]
    assert sum(m["content"].count('{"kind": "attribute"}') for m in sent) < 200  # echoed once, cut
