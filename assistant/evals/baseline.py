"""Comparing a run with a baseline report: regressions and fixes case by case.

A run fails the comparison when any case that passed in the baseline fails now, or when accuracy
(passed / cases, over the cases both runs share) drops by more than the tolerance.
"""

from __future__ import annotations

from pydantic import BaseModel, Field

from assistant.evals.report import Report


class Change(BaseModel):
    id: str
    request: str
    reasons: list[str] = Field(default_factory=list)  # why it fails now (regressions)


class Comparison(BaseModel):
    baseline_accuracy: float
    accuracy: float
    tolerance: float
    regressions: list[Change] = Field(default_factory=list)
    fixes: list[Change] = Field(default_factory=list)
    new_cases: list[str] = Field(default_factory=list)
    removed_cases: list[str] = Field(default_factory=list)

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
    )


def _accuracy(passed: list[bool]) -> float:
    return sum(passed) / len(passed) if passed else 0.0


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
    if c.regressions:
        lines += ["### Regressions", ""]
        for change in c.regressions:
            lines.append(f"- {change.id}: {change.request!r}: {'; '.join(change.reasons)}")
        lines.append("")
    if c.fixes:
        lines += ["### Fixes", "", *[f"- {f.id}: {f.request!r}" for f in c.fixes], ""]
    return "\n".join(lines)
