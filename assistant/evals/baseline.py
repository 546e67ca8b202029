"""Comparing a run with a baseline report: regressions and fixes case by case.

A run fails the comparison when any case that passed in the baseline fails now, or when accuracy
(passed / cases, over the cases both runs share) drops by more than the tolerance. The comparison
covers every suite of the run, shown suite by suite: the cases of a suite (or schema) the baseline
never ran are "new", not regressions, and a baseline's cases that did not run now are "removed".
"""

from __future__ import annotations

from pydantic import BaseModel, Field

from assistant.evals.report import Report


class Change(BaseModel):
    id: str
    request: str
    reasons: list[str] = Field(default_factory=list)  # why it fails now (regressions)


class SuiteChange(BaseModel):
    """One suite's cases in both runs: passes over the shared cases, and how many are new."""

    schema_name: str = "retail"
    shared: int = 0
    baseline_passed: int = 0
    passed: int = 0
    new: int = 0
    new_passed: int = 0
    removed: int = 0


class Comparison(BaseModel):
    baseline_accuracy: float
    accuracy: float
    tolerance: float
    regressions: list[Change] = Field(default_factory=list)
    fixes: list[Change] = Field(default_factory=list)
    new_cases: list[str] = Field(default_factory=list)
    removed_cases: list[str] = Field(default_factory=list)
    per_suite: dict[str, SuiteChange] = Field(default_factory=dict)

    @property
    def failed(self) -> bool:
        dropped = self.baseline_accuracy - self.accuracy > self.tolerance + 1e-9
        return bool(self.regressions) or dropped


def compare_reports(current: Report, baseline: Report, tolerance: float = 0.0) -> Comparison:
    """Case-by-case differences; accuracies are over the cases present in both reports."""
    before = {c.id: c for c in baseline.cases}
    now = {c.id: c for c in current.cases}
    shared = [case_id for case_id in now if case_id in before]
    regressions = [
        Change(id=i, request=now[i].requests[-1], reasons=now[i].reasons)
        for i in shared
        if before[i].passed and not now[i].passed
    ]
    fixes = [
        Change(id=i, request=now[i].requests[-1])
        for i in shared
        if not before[i].passed and now[i].passed
    ]
    return Comparison(
        baseline_accuracy=_accuracy([before[i].passed for i in shared]),
        accuracy=_accuracy([now[i].passed for i in shared]),
        tolerance=tolerance,
        regressions=regressions,
        fixes=fixes,
        new_cases=[i for i in now if i not in before],
        removed_cases=[i for i in before if i not in now],
        per_suite=_per_suite(current, baseline),
    )


def _per_suite(current: Report, baseline: Report) -> dict[str, SuiteChange]:
    before = {c.id: c for c in baseline.cases}
    now_ids = {c.id for c in current.cases}
    suites: dict[str, SuiteChange] = {}
    for case in current.cases:
        row = suites.setdefault(case.suite, SuiteChange(schema_name=case.schema_name))
        old = before.get(case.id)
        if old is None:
            row.new += 1
            row.new_passed += case.passed
        else:
            row.shared += 1
            row.baseline_passed += old.passed
            row.passed += case.passed
    for case in baseline.cases:
        if case.id not in now_ids:
            row = suites.setdefault(case.suite, SuiteChange(schema_name=case.schema_name))
            row.removed += 1
    return dict(sorted(suites.items()))


def _accuracy(passed: list[bool]) -> float:
    return sum(passed) / len(passed) if passed else 0.0


def _share(passed: int, total: int) -> str:
    return f"{passed}/{total}" if total else "-"


def render_comparison(comparison: Comparison) -> str:
    """Markdown: the accuracy change, then regressions and fixes one by one."""
    c = comparison
    verdict = "FAILED" if c.failed else "ok"
    lines = [
        f"## Baseline comparison: {verdict}",
        "",
        f"accuracy {c.baseline_accuracy:.1%} -> {c.accuracy:.1%} (tolerance {c.tolerance:.1%}); "
        f"{len(c.regressions)} regressions, {len(c.fixes)} fixes, "
        f"{len(c.new_cases)} new, {len(c.removed_cases)} removed cases",
        "",
    ]
    if c.per_suite:
        lines += [
            "| suite | schema | baseline | now | new cases (passed) | removed |",
            "| --- | --- | --- | --- | --- | --- |",
            *[
                f"| {name} | {row.schema_name} | {_share(row.baseline_passed, row.shared)} | "
                f"{_share(row.passed, row.shared)} | {row.new} ({row.new_passed}) | "
                f"{row.removed} |"
                for name, row in c.per_suite.items()
            ],
            "",
        ]
    if c.regressions:
        lines += ["### Regressions", ""]
        for change in c.regressions:
            lines.append(f"- {change.id}: {change.request!r}: {'; '.join(change.reasons)}")
        lines.append("")
    if c.fixes:
        lines += ["### Fixes", "", *[f"- {f.id}: {f.request!r}" for f in c.fixes], ""]
    return "\n".join(lines)
