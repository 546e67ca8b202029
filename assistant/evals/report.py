"""Eval reports: per-case results, totals, tables per schema, tag and suite, JSON and Markdown.

A run may cover several schemas (the demo `retail`, `tpcds`, a customer's own): every case
records its schema, and the report has a table per schema and a tag table with a column per
schema. "Empty gold" marks a case whose gold query returned no customers on some database: the
case is still scored (an empty answer matches it), but its pass says little, so it is listed.

Estimated cost uses PRICES, US dollars per million prompt / completion tokens, by model name
(prefix match, longest first; published list prices when this table was written; local and replay
models cost nothing). Unknown models are reported with no cost rather than a guess.
"""

from __future__ import annotations

import json
import math
import statistics
from datetime import datetime
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

PRICES: dict[str, tuple[float, float]] = {
    "gpt-4o-mini": (0.15, 0.60),
    "gpt-4o": (2.50, 10.00),
    "gpt-4.1-nano": (0.10, 0.40),
    "gpt-4.1-mini": (0.40, 1.60),
    "gpt-4.1": (2.00, 8.00),
    "gpt-5-nano": (0.05, 0.40),
    "gpt-5-mini": (0.25, 2.00),
    "gpt-5": (1.25, 10.00),
    "o4-mini": (1.10, 4.40),
}
FREE_PREFIXES = ("replay:", "rules", "test-model", "scripted")


def estimate_cost(model: str | None, prompt_tokens: int, completion_tokens: int) -> float | None:
    """Dollars for the tokens at the model's list price; None when the price is unknown."""
    if not model:
        return None
    if model.startswith(FREE_PREFIXES):
        return 0.0
    for name in sorted(PRICES, key=len, reverse=True):
        if model.startswith(name):
            prompt_price, completion_price = PRICES[name]
            return (prompt_tokens * prompt_price + completion_tokens * completion_price) / 1e6
    return None


class DatabaseDiff(BaseModel):
    database: int
    missing: list[int] = Field(default_factory=list)  # first few gold ids not produced
    extra: list[int] = Field(default_factory=list)  # first few produced ids not in gold
    missing_count: int = 0
    extra_count: int = 0


class CaseResult(BaseModel):
    """One case's result, as the JSON report stores it."""

    model_config = ConfigDict(populate_by_name=True, serialize_by_alias=True)

    id: str
    suite: str
    schema_name: str = Field("retail", alias="schema")
    tags: list[str]
    requests: list[str]
    passed: bool
    reasons: list[str] = Field(default_factory=list)
    checks: dict[str, bool] = Field(default_factory=dict)
    expects_sql: bool = False
    valid_sql: bool | None = None
    expected_sql: str | None = None
    produced_sql: str | None = None
    outcome: str = ""  # segment / refusal / clarification / error
    error_kind: str | None = None
    diffs: list[DatabaseDiff] = Field(default_factory=list)
    empty_gold: list[int] = Field(default_factory=list)  # databases where gold returned nobody
    # Wrong customers with nothing said about it: no word reported as not understood.
    silent: bool = False
    elapsed_ms: float = 0.0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    # The language model's calls (LLM backends): how its answers came and what they cost.
    llm_calls: int = 0
    clean_json: int = 0  # calls whose raw answer was one JSON object as it came
    recovered_json: int = 0  # calls that needed lenient recovery (fences, prose, ==)
    repairs: int = 0  # calls after a turn's first one
    truncated: int = 0  # calls cut off by max_tokens
    prompt_sizes: list[int] = Field(default_factory=list)  # per turn: its first call's prompt
    model_ms: list[float] = Field(default_factory=list)  # per turn: the server's time (recorded)


class Rate(BaseModel):
    passed: int = 0
    total: int = 0

    @property
    def rate(self) -> float | None:
        return self.passed / self.total if self.total else None


class Totals(BaseModel):
    cases: int
    passed: int
    accuracy: float
    execution_accuracy: Rate
    valid_sql: Rate
    refusals: Rate
    clarifications: Rate
    assumption_checks: Rate
    empty_gold: int = 0  # cases whose gold query returned no customers on some database
    silent_wrong: int = 0  # failed cases whose answer reported nothing it could not use
    latency_p50_ms: float
    latency_p95_ms: float
    prompt_tokens: int
    completion_tokens: int
    estimated_cost_usd: float | None
    llm: LLMTotals | None = None  # only for backends that call a language model


class LLMTotals(BaseModel):
    """How the language model's answers came: per request (turn) and per call."""

    requests: int  # turns that called the model
    calls: int
    clean_json_rate: float  # calls answered with one clean JSON object
    recovered_json: int  # calls parsed only after lenient recovery
    repairs: int
    repairs_per_request: float
    truncated: int  # calls cut off at max_tokens
    prompt_size_median: float  # the first call's prompt of a turn, counted by assistant.tokens
    prompt_size_max: int
    model_latency_p50_ms: float  # the server's time per turn (as recorded, in a replay)
    model_latency_p95_ms: float


class SchemaRun(BaseModel):
    """Where one schema's cases ran (or why they did not)."""

    catalog: str | None = None
    databases: list[str] = Field(default_factory=list)
    seeds: list[int] = Field(default_factory=list)
    as_of: str | None = None
    cases: int = 0
    skipped: str | None = None  # why this schema's cases did not run


class RunMeta(BaseModel):
    backend: str
    model: str | None = None
    prompt_dir: str | None = None
    cassette: str | None = None
    databases: list[str] = Field(default_factory=list)
    seeds: list[int] = Field(default_factory=list)
    as_of: str | None = None
    suites: list[str] = Field(default_factory=list)
    schemas: dict[str, SchemaRun] = Field(default_factory=dict)
    started: str = Field(default_factory=lambda: datetime.now().isoformat(timespec="seconds"))
    note: str | None = None


class Report(BaseModel):
    meta: RunMeta
    totals: Totals
    per_tag: dict[str, Rate]
    per_suite: dict[str, Rate]
    per_schema: dict[str, Rate] = Field(default_factory=dict)
    per_schema_tag: dict[str, dict[str, Rate]] = Field(default_factory=dict)
    cases: list[CaseResult]

    def case(self, case_id: str) -> CaseResult | None:
        return next((c for c in self.cases if c.id == case_id), None)


def _llm_rows(llm: LLMTotals | None) -> list[str]:
    if llm is None:
        return []
    return [
        f"| model requests / calls | {llm.requests} / {llm.calls} |",
        f"| clean JSON (calls) | {llm.clean_json_rate:.1%} |",
        f"| recovered JSON (fences, prose, ==) | {llm.recovered_json} |",
        f"| repairs / request | {llm.repairs_per_request:.2f} ({llm.repairs}) |",
        f"| cut off at max_tokens | {llm.truncated} |",
        f"| prompt tokens per request, median / max | {llm.prompt_size_median:.0f} / "
        f"{llm.prompt_size_max} |",
        f"| model latency per request p50 / p95 | {llm.model_latency_p50_ms / 1000:.1f} s / "
        f"{llm.model_latency_p95_ms / 1000:.1f} s |",
    ]


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile (0 for no values)."""
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[rank - 1]


def _rate(results: list[CaseResult], check: str) -> Rate:
    relevant = [r for r in results if check in r.checks]
    return Rate(passed=sum(r.checks[check] for r in relevant), total=len(relevant))


def build_report(meta: RunMeta, results: list[CaseResult]) -> Report:
    """Totals and the per-tag / per-suite tables from the case results."""
    latencies = [r.elapsed_ms for r in results]
    prompt = sum(r.prompt_tokens for r in results)
    completion = sum(r.completion_tokens for r in results)
    assumption = [v for r in results for k, v in r.checks.items() if k.startswith("assumption:")]
    sql_cases = [r for r in results if r.expects_sql]
    totals = Totals(
        cases=len(results),
        passed=sum(r.passed for r in results),
        accuracy=round(sum(r.passed for r in results) / len(results), 4) if results else 0.0,
        execution_accuracy=_rate(results, "execution_match"),
        valid_sql=Rate(passed=sum(bool(r.valid_sql) for r in sql_cases), total=len(sql_cases)),
        refusals=Rate(
            passed=sum(
                r.checks.get("refused", r.checks.get("neutralised", False))
                for r in results
                if "refused" in r.checks or "neutralised" in r.checks
            ),
            total=sum("refused" in r.checks or "neutralised" in r.checks for r in results),
        ),
        clarifications=_rate(results, "clarified"),
        assumption_checks=Rate(passed=sum(assumption), total=len(assumption)),
        empty_gold=sum(bool(r.empty_gold) for r in results),
        silent_wrong=sum(r.silent for r in results),
        latency_p50_ms=percentile(latencies, 50),
        latency_p95_ms=percentile(latencies, 95),
        prompt_tokens=prompt,
        completion_tokens=completion,
        estimated_cost_usd=estimate_cost(meta.model or meta.backend, prompt, completion),
        llm=llm_totals(results),
    )
    return Report(
        meta=meta,
        totals=totals,
        per_tag=_group(results, lambda r: r.tags),
        per_suite=_group(results, lambda r: [r.suite]),
        per_schema=_group(results, lambda r: [r.schema_name]),
        per_schema_tag={
            schema: _group([r for r in results if r.schema_name == schema], lambda r: r.tags)
            for schema in sorted({r.schema_name for r in results})
        },
        cases=results,
    )


def llm_totals(results: list[CaseResult]) -> LLMTotals | None:
    """The model-call figures over the cases; None when no case called a model."""
    calls = sum(r.llm_calls for r in results)
    if not calls:
        return None
    sizes = [n for r in results for n in r.prompt_sizes]
    model_ms = [ms for r in results for ms in r.model_ms]
    repairs = sum(r.repairs for r in results)
    return LLMTotals(
        requests=len(sizes),
        calls=calls,
        clean_json_rate=round(sum(r.clean_json for r in results) / calls, 4),
        recovered_json=sum(r.recovered_json for r in results),
        repairs=repairs,
        repairs_per_request=round(repairs / len(sizes), 3) if sizes else 0.0,
        truncated=sum(r.truncated for r in results),
        prompt_size_median=statistics.median(sizes) if sizes else 0,
        prompt_size_max=max(sizes, default=0),
        model_latency_p50_ms=percentile(model_ms, 50),
        model_latency_p95_ms=percentile(model_ms, 95),
    )


def _group(results: list[CaseResult], keys) -> dict[str, Rate]:
    groups: dict[str, Rate] = {}
    for result in results:
        for key in keys(result):
            rate = groups.setdefault(key, Rate())
            rate.total += 1
            rate.passed += result.passed
    return dict(sorted(groups.items()))


def load_report(path: Path) -> Report:
    return Report.model_validate_json(Path(path).read_text(encoding="utf-8"))


def write_report(report: Report, folder: Path, stem: str = "report") -> tuple[Path, Path]:
    """Write <stem>.json and <stem>.md into folder; returns both paths."""
    folder.mkdir(parents=True, exist_ok=True)
    json_path, md_path = folder / f"{stem}.json", folder / f"{stem}.md"
    json_path.write_text(report_json(report), encoding="utf-8")
    md_path.write_text(render_markdown(report), encoding="utf-8")
    return json_path, md_path


def report_json(report: Report) -> str:
    data = report.model_dump(mode="json", by_alias=True)
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def _pct(rate: Rate) -> str:
    value = rate.rate
    return "n/a" if value is None else f"{value:.1%} ({rate.passed}/{rate.total})"


def render_markdown(report: Report) -> str:
    """A human-readable report: totals, the tables per schema, tag and suite, the skipped
    schemas and empty-gold cases, then every failure in full."""
    t, m = report.totals, report.meta
    cost = "n/a" if t.estimated_cost_usd is None else f"${t.estimated_cost_usd:.4f}"
    lines = [
        f"# Eval report: {m.backend}" + (f" ({m.model})" if m.model else ""),
        "",
        f"- started {m.started}; suites: {', '.join(m.suites)}",
    ]
    for name, run in m.schemas.items():
        lines.append(f"- schema {name}: {_where(run)}")
    if not m.schemas:
        lines.append(f"- as_of {m.as_of}; databases (seeds): {m.seeds or m.databases}")
    if m.prompt_dir:
        lines.append(f"- prompt dir: {m.prompt_dir}")
    if m.cassette:
        lines.append(f"- cassette: {m.cassette}")
    if m.note:
        lines.append(f"- note: {m.note}")
    lines += [
        "",
        "| metric | value |",
        "| --- | --- |",
        f"| cases passed | {t.passed}/{t.cases} ({t.accuracy:.1%}) |",
        f"| execution accuracy | {_pct(t.execution_accuracy)} |",
        f"| valid SQL | {_pct(t.valid_sql)} |",
        f"| refusals / neutralised | {_pct(t.refusals)} |",
        f"| clarifications | {_pct(t.clarifications)} |",
        f"| assumption checks | {_pct(t.assumption_checks)} |",
        f"| empty gold (cases) | {t.empty_gold} |",
        f"| wrong and silent (nothing reported) | {t.silent_wrong} |",
        f"| latency p50 / p95 | {t.latency_p50_ms:.0f} ms / {t.latency_p95_ms:.0f} ms |",
        f"| tokens (prompt / completion) | {t.prompt_tokens} / {t.completion_tokens} |",
        f"| estimated cost | {cost} |",
        *_llm_rows(t.llm),
        "",
        *_schema_table(report),
        *_tag_table(report),
        "## By suite",
        "",
        "| suite | schema | passed |",
        "| --- | --- | --- |",
        *[
            f"| {name} | {_suite_schema(report, name)} | {_pct(rate)} |"
            for name, rate in report.per_suite.items()
        ],
        "",
    ]
    skipped = [(name, run.skipped) for name, run in m.schemas.items() if run.skipped]
    if skipped:
        lines += ["## Skipped", "", *[f"- {name}: {why}" for name, why in skipped], ""]
    silent = [c for c in report.cases if c.silent]
    if silent:
        lines += [
            "## Wrong and silent",
            "",
            "These answers found other customers than the gold and reported no word they could "
            "not use: the worst kind of miss.",
            "",
            *[f"- {c.id} ({c.schema_name}): {c.requests[-1]}" for c in silent],
            "",
        ]
    empty = [c for c in report.cases if c.empty_gold]
    if empty:
        lines += [
            "## Empty gold",
            "",
            "The gold query returned no customers on these databases: the case is scored, but "
            "a pass only says the answer was empty too.",
            "",
            *[
                f"- {c.id} ({c.schema_name}; databases {', '.join(map(str, c.empty_gold))}): "
                f"{'passed' if c.passed else 'failed'}"
                for c in empty
            ],
            "",
        ]
    lines += ["## Failures", ""]
    failures = [c for c in report.cases if not c.passed]
    lines += [line for case in failures for line in _failure(case)] or ["None."]
    return "\n".join(lines) + "\n"


def _where(run: SchemaRun) -> str:
    if run.skipped:
        return f"skipped ({run.skipped})"
    where = f"seeds {run.seeds}" if run.seeds else ", ".join(run.databases)
    cases = f"{run.cases} case" + ("" if run.cases == 1 else "s")
    return f"{cases} on {where}; catalog {run.catalog}; as_of {run.as_of}"


def _schema_table(report: Report) -> list[str]:
    rows = []
    for name, rate in report.per_schema.items():
        cases = [c for c in report.cases if c.schema_name == name]
        execution = _rate(cases, "execution_match")
        empty = sum(bool(c.empty_gold) for c in cases)
        rows.append(f"| {name} | {_pct(rate)} | {_pct(execution)} | {empty} |")
    if not rows:
        return []
    return [
        "## By schema",
        "",
        "| schema | passed | execution accuracy | empty gold |",
        "| --- | --- | --- | --- |",
        *rows,
        "",
    ]


def _tag_table(report: Report) -> list[str]:
    schemas = list(report.per_schema_tag)
    if len(schemas) <= 1:
        return [
            "## By tag",
            "",
            "| tag | passed |",
            "| --- | --- |",
            *[f"| {tag} | {_pct(rate)} |" for tag, rate in report.per_tag.items()],
            "",
        ]
    head = " | ".join(schemas)
    rows = []
    for tag, rate in report.per_tag.items():
        cells = [_pct(report.per_schema_tag[s][tag]) if tag in report.per_schema_tag[s] else "-"
                 for s in schemas]  # fmt: skip
        rows.append(f"| {tag} | {' | '.join(cells)} | {_pct(rate)} |")
    return [
        "## By tag",
        "",
        f"| tag | {head} | all |",
        "| --- |" + " --- |" * (len(schemas) + 1),
        *rows,
        "",
    ]


def _suite_schema(report: Report, suite: str) -> str:
    found = {c.schema_name for c in report.cases if c.suite == suite}
    return ", ".join(sorted(found))


def _failure(case: CaseResult) -> list[str]:
    where = case.suite if case.schema_name == "retail" else f"{case.schema_name}/{case.suite}"
    lines = [f"### {case.id} ({where}; {', '.join(case.tags)})", ""]
    lines += [f"> {request}" for request in case.requests]
    lines += ["", *[f"- {reason}" for reason in case.reasons]]
    for diff in case.diffs:
        if diff.missing or diff.extra:
            lines.append(
                f"- database {diff.database}: first missing ids {diff.missing or '-'}, "
                f"first extra ids {diff.extra or '-'}"
            )
    if case.expected_sql:
        lines += ["", "Expected SQL:", "", "```sql", case.expected_sql.strip(), "```"]
    if case.produced_sql:
        lines += ["", "Produced SQL:", "", "```sql", case.produced_sql.strip(), "```"]
    return [*lines, ""]
