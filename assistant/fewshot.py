"""Approved request -> spec examples, and the few most similar to a request for the prompt.

Similarity is TF-IDF cosine over lower-cased words: deterministic, offline and good enough to
pick examples that share the request's vocabulary (categories, windows, channels).
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

from assistant.config import PROJECT_ROOT
from assistant.spec import SegmentSpec

DEFAULT_PATH = PROJECT_ROOT / "evals" / "fewshot" / "approved.yaml"
DEFAULT_K = 4
_WORD = re.compile(r"[a-z0-9$%+]+")


@dataclass(frozen=True)
class Example:
    request: str
    spec: SegmentSpec
    note: str | None = None


def load_examples(path: Path | None = None) -> list[Example]:
    """The approved examples (default evals/fewshot/approved.yaml), each spec validated."""
    resolved = (path or DEFAULT_PATH).resolve()
    return list(_load(resolved, resolved.stat().st_mtime_ns))


@lru_cache(maxsize=4)
def _load(path: Path, _mtime_ns: int) -> tuple[Example, ...]:
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    examples = []
    for i, item in enumerate(data.get("examples", [])):
        try:
            spec = SegmentSpec.model_validate(item["spec"])
        except Exception as err:
            raise ValueError(f"{path}: example {i + 1} ({item.get('request')!r}): {err}") from err
        examples.append(Example(request=item["request"], spec=spec, note=item.get("note")))
    return tuple(examples)


def words(text: str) -> list[str]:
    return _WORD.findall(text.lower())


def select_examples(
    request: str, k: int = DEFAULT_K, examples: list[Example] | None = None
) -> list[Example]:
    """The k examples most similar to `request`; ties keep file order, so the choice is stable."""
    pool = load_examples() if examples is None else examples
    if not pool or k <= 0:
        return []
    documents = [Counter(words(e.request)) for e in pool]
    idf = _idf(documents)
    query = _weights(Counter(words(request)), idf)
    scored = [(-_cosine(query, _weights(d, idf)), i) for i, d in enumerate(documents)]
    return [pool[i] for _, i in sorted(scored)[:k]]


def _idf(documents: list[Counter[str]]) -> dict[str, float]:
    n = len(documents)
    frequency = Counter(word for doc in documents for word in doc)
    return {word: math.log((1 + n) / (1 + df)) + 1 for word, df in frequency.items()}


def _weights(counts: Counter[str], idf: dict[str, float]) -> dict[str, float]:
    # Words no example uses carry no signal for choosing between examples.
    return {w: c * idf[w] for w, c in counts.items() if w in idf}


def _cosine(a: dict[str, float], b: dict[str, float]) -> float:
    dot = sum(v * b.get(w, 0.0) for w, v in a.items())
    norm = math.sqrt(sum(v * v for v in a.values())) * math.sqrt(sum(v * v for v in b.values()))
    return dot / norm if norm else 0.0


def render_examples(examples: list[Example]) -> str:
    """Examples as prompt text: the request, then the answer JSON the model should give."""
    blocks = [
        f"Request: {e.request}\nAnswer: "
        + '{"spec": '
        + e.spec.model_dump_json(exclude_none=True, exclude_defaults=False)
        + "}"
        for e in examples
    ]
    return "\n\n".join(blocks) if blocks else "(none)"
