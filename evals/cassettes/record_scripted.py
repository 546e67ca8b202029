"""Record evals/cassettes/scripted.json from SCRIPTED answers (not a real model's).

A local chat-completions server (tests/llm_server.py) serves the hand-written answers of
scripted_specs.yaml, one per turn, to the real OpenAI backend with record_to=the cassette, so the
cassette holds exactly what the replay backend needs for those cases.

Run from the repository root: .venv/bin/python evals/cassettes/record_scripted.py
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests"))

from llm_server import FakeLLMServer, Reply  # noqa: E402

from assistant.answer import Session, answer  # noqa: E402
from assistant.backends.openai_backend import LLMSettings, OpenAIBackend  # noqa: E402
from assistant.catalog import load_catalog  # noqa: E402
from assistant.evals.runner import ensure_databases  # noqa: E402
from assistant.evals.suite import load_cases  # noqa: E402
from assistant.executor import Executor  # noqa: E402

HERE = Path(__file__).resolve().parent
SPECS = HERE / "scripted_specs.yaml"
CASSETTE = HERE / "scripted.json"


def replies(item: Any) -> list[Reply]:
    """One turn's model replies: a text, a JSON answer, or {replies: [...]} for repairs."""
    if isinstance(item, dict) and "replies" in item:
        return [r for sub in item["replies"] for r in replies(sub)]
    return [Reply.text(item) if isinstance(item, str) else Reply.json(item)]


def main() -> int:
    scripted = yaml.safe_load(SPECS.read_text(encoding="utf-8"))["cases"]
    cases = {c.id: c for c in load_cases([ROOT / "evals/suites", ROOT / "evals/heldout"])}
    CASSETTE.unlink(missing_ok=True)
    db = ensure_databases(1, folder=ROOT / "data/eval")[0]
    problems = 0
    with FakeLLMServer.running() as server, Executor(db) as executor:
        settings = LLMSettings(base_url=server.base_url, model="scripted", max_retries=0)
        catalog = load_catalog()  # the demo catalog: the scripted specs use its names
        backend = OpenAIBackend(settings, record_to=CASSETTE, catalog=catalog)
        for entry in scripted:
            case, session = cases[entry["case"]], Session()
            for request, item in zip(case.requests(), entry["answers"], strict=True):
                server.push(*replies(item))
                result = answer(request, backend=backend, executor=executor, session=session,
                                with_profile=False, catalog=catalog)  # fmt: skip
                if result.error and not result.refused:
                    problems += 1
                    print(f"{case.id}: {result.error}", file=sys.stderr)
            print(f"recorded {case.id}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main())
