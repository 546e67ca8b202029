"""Prompt v3 fits a small local model: at most 2,000 tokens whole (system + user message,
counted with assistant.tokens) on the demo and TPC-DS catalogs, and its first part, the system
message, is byte-identical for every request on one catalog so a server's prefix cache keeps it.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from assistant.backends.base import BackendError, Turn
from assistant.backends.openai_backend import LLMSettings, OpenAIBackend
from assistant.catalog import load_catalog
from assistant.evals.suite import load_cases
from assistant.fewshot import examples_for
from assistant.tokens import count_tokens

ROOT = Path(__file__).resolve().parents[1]
LIMIT = 2000
CATALOGS = {
    "demo": ("schemas/retail.yaml", ["evals/suites", "evals/dev/demo.yaml"], date(2026, 9, 30)),
    "tpcds": ("schemas/tpcds.yaml", ["evals/tpcds/tpcds.yaml", "evals/tpcds/dev.yaml"],
              date(2003, 1, 2)),
}  # fmt: skip


class _NoServer:
    def complete(self, request):  # pragma: no cover - never called: only prompts are built
        raise BackendError("no server in this test")


def _backend(catalog_path: str, method: str = "json_schema") -> OpenAIBackend:
    settings = LLMSettings(method=method)
    catalog = load_catalog(ROOT / catalog_path)
    return OpenAIBackend(settings, catalog=catalog, transport=_NoServer())


def _requests(suites: list[str]) -> list[str]:
    cases = load_cases([ROOT / s for s in suites])
    return list(dict.fromkeys(r for case in cases for r in case.requests()))


def _size(messages: list[tuple[str, str]]) -> int:
    return sum(count_tokens(content) for _, content in messages)


@pytest.mark.parametrize("name", CATALOGS)
def test_every_suite_request_s_prompt_fits_in_2000_tokens(name):
    catalog_path, suites, as_of = CATALOGS[name]
    backend = _backend(catalog_path, "json_mode")  # its answer format line is the longer one
    requests = _requests(suites)
    assert len(requests) > 100
    sizes = {r: _size(backend.build_messages(Turn(request=r, as_of=as_of))[0]) for r in requests}
    worst = max(sizes, key=sizes.get)
    assert sizes[worst] <= LIMIT, (worst, sizes[worst])
    assert min(sizes.values()) > 800  # the catalog's names are all there


@pytest.mark.parametrize("name", CATALOGS)
def test_a_follow_up_with_a_long_current_segment_still_fits(name):
    catalog_path, suites, as_of = CATALOGS[name]
    backend = _backend(catalog_path)
    examples = examples_for(backend.catalog)
    current = max((e.spec for e in examples), key=lambda s: len(s.model_dump_json()))
    for request in ["only women", "make it the last 30 days", "and who never returned anything",
                    *_requests(suites)[:40]]:  # fmt: skip
        turn = Turn(request=request, as_of=as_of, current=current, history=["an earlier request"])
        messages, _ = backend.build_messages(turn)
        assert _size(messages) <= LIMIT, request
        assert current.model_dump_json(exclude_none=True) in messages[1][1]


@pytest.mark.parametrize("name", CATALOGS)
def test_the_system_message_is_byte_identical_across_requests(name):
    catalog_path, suites, as_of = CATALOGS[name]
    backend = _backend(catalog_path)
    requests = _requests(suites)[:60]
    systems = {backend.build_messages(Turn(request=r, as_of=as_of))[0][0] for r in requests}
    assert len(systems) == 1
    ((role, system),) = systems
    assert role == "system"
    for request in requests:  # the request and its details only ever go in the user message
        assert len(request.split()) < 4 or request not in system
    # a fresh backend on a freshly loaded catalog builds the very same bytes
    again = _backend(catalog_path).build_messages(Turn(request="anything", as_of=as_of))[0][0]
    assert again[1] == system


def test_the_request_s_part_names_what_it_uses_and_little_else():
    backend = _backend("schemas/tpcds.yaml")
    messages, _ = backend.build_messages(Turn(request="women in Texas", as_of=date(2003, 1, 2)))
    user = messages[1][1]
    assert "TX (Texas)" in user and "F (women)" in user
    assert "AK (Alaska)" not in user  # a long value list shows only the values said
    assert count_tokens(user) < 900
