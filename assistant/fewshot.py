"""Approved request -> spec examples, and the few most similar to a request for the prompt.

Examples belong to one catalog: each file in evals/fewshot/ names its `dataset`, and every spec
in it is validated against that catalog, so a prompt never shows names another catalog has.

Similarity is TF-IDF cosine over lower-cased words: deterministic, offline and good enough to
pick examples that share the request's vocabulary (categories, windows, channels).
"""

from __future__ import annotations

import json
import math
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from assistant.catalog import Catalog, load_catalog
from assistant.config import FEWSHOT_DIR as _FEWSHOT_DIR
from assistant.spec import SegmentSpec

FEWSHOT_DIR = _FEWSHOT_DIR
DEFAULT_PATH = FEWSHOT_DIR / "approved.yaml"
DEFAULT_K = 4
_WORD = re.compile(r"[a-z0-9$%+]+")


@dataclass(frozen=True)
class Example:
    request: str
    spec: SegmentSpec
    note: str | None = None


def load_examples(path: Path | None = None, catalog: Catalog | None = None) -> list[Example]:
    """The approved examples of one file (default evals/fewshot/approved.yaml), each spec
    validated against `catalog` (default: the demo catalog), which must be the file's `dataset`."""
    catalog = catalog or load_catalog()
    resolved = (path or DEFAULT_PATH).resolve()
    dataset, examples = _read(resolved, catalog)
    if dataset is not None and dataset != catalog.dataset.name:
        raise ValueError(
            f"{resolved}: the examples are for dataset {dataset!r}, not {catalog.dataset.name!r}"
        )
    return list(examples)


def examples_for(catalog: Catalog, folder: Path = FEWSHOT_DIR) -> list[Example]:
    """Every approved example for this catalog's dataset: the files of `folder` whose `dataset`
    is the catalog's name (none for a catalog nobody has written examples for)."""
    found: list[Example] = []
    for path in sorted(folder.glob("*.yaml")):
        dataset, examples = _read(path.resolve(), catalog)
        if dataset == catalog.dataset.name:
            found += examples
    return found


def _read(path: Path, catalog: Catalog) -> tuple[str | None, tuple[Example, ...]]:
    # Cached on the loaded catalog (per file version): the prompt asks on every request.
    key = f"fewshot:{path}:{path.stat().st_mtime_ns}"
    return catalog.cached(key, lambda c: _parse(path, c))


def _parse(path: Path, catalog: Catalog) -> tuple[str | None, tuple[Example, ...]]:
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    dataset = data.get("dataset")
    if dataset is not None and dataset != catalog.dataset.name:
        return dataset, ()  # another catalog's examples: not validated against this one
    examples = []
    for i, item in enumerate(data.get("examples", [])):
        try:
            spec = SegmentSpec.model_validate(item["spec"], context={"catalog": catalog})
        except Exception as err:
            raise ValueError(f"{path}: example {i + 1} ({item.get('request')!r}): {err}") from err
        examples.append(Example(request=item["request"], spec=spec, note=item.get("note")))
    return dataset, tuple(examples)


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


def render_examples(examples: list[Example], *, terse: bool = False) -> str:
    """Examples as prompt text: the request, then the answer JSON the model should give;
    `terse` also leaves out the all-history window (the default), so answers copy less."""
    blocks = [
        f"Request: {e.request}\nAnswer: "
        + json.dumps(
            {"spec": _compact(e.spec.model_dump(mode="json", exclude_none=True), terse)},
            separators=(",", ":"),
            ensure_ascii=False,
        )  # fmt: skip
        for e in examples
    ]
    return "\n\n".join(blocks) if blocks else "(none)"


def _compact(value: Any, terse: bool = False) -> Any:
    """Drop empty filters / predicates lists (what a model may leave out), keep every other
    default (measure count, op >=, value 1) so the examples spell them out."""
    if isinstance(value, dict):
        return {
            k: _compact(v, terse)
            for k, v in value.items()
            if not (k in ("filters", "predicates") and v in ({}, []))
            and not (terse and k == "window" and v == {"kind": "all_time"})
        }
    if isinstance(value, list):
        return [_compact(v, terse) for v in value]
    return value
