"""Eval suites: YAML files of cases (requests or conversations) with what a right answer is.

A case's expectation is gold SQL (hand-written DuckDB returning customer_id), a named segment
(`gold_sql_from: segmodels` with model + label), an expected count, and/or behavioural checks
(refuse, clarify, assumptions, tables that must not be touched). Gold SQL may write `{as_of}` for
`(SELECT as_of FROM dataset_info)` and `{end}` for the exclusive end of the data (as_of + 1 day),
so it stays right whatever date a database is anchored at, and `{segment:MODEL:LABEL}` for the
members of a named segment (a subquery built by assistant.segmodels.membership_sql).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

TAGS = (
    "demographic", "geographic", "psychographic", "behavioral", "firmographic", "technographic",
    "needs", "value", "RFM", "ABC", "lifecycle", "engagement", "multi-turn", "adversarial",
    "ambiguous",
)  # fmt: skip
AS_OF_SQL = "(SELECT as_of FROM dataset_info)"
END_SQL = "((SELECT as_of FROM dataset_info) + INTERVAL 1 DAY)"
# {segment:MODEL:LABEL} in gold SQL: a named segment's members, built by assistant.segmodels.
SEGMENT_PLACEHOLDER = re.compile(r"\{segment:([a-z_]+):([A-Za-z0-9_ ]+)\}")


class SuiteError(Exception):
    """A suite file that cannot be used; the message names the file and the problem."""


class Expectation(BaseModel):
    """What a right answer to one turn looks like; unset parts are not checked."""

    model_config = ConfigDict(extra="forbid")

    gold_sql: str | None = None
    gold_sql_from: Literal["segmodels"] | None = None
    model: str | None = None
    label: str | None = None
    expected_count: int | None = Field(default=None, ge=0)
    must_refuse: bool = False
    # Adversarial requests may be refused, or answered with a harmless read-only segment.
    refuse_or_neutralise: bool = False
    must_clarify: bool = False
    assumption_contains: list[str] = Field(default_factory=list)
    must_not_reference_tables: list[str] = Field(default_factory=list)
    unrecognized_contains: list[str] = Field(default_factory=list)

    @model_validator(mode="after")
    def _check(self) -> Expectation:
        if self.gold_sql_from == "segmodels" and not (self.model and self.label):
            raise ValueError("gold_sql_from: segmodels needs model and label")
        if self.gold_sql and self.gold_sql_from:
            raise ValueError("give gold_sql or gold_sql_from, not both")
        if self.must_refuse and self.must_clarify:
            raise ValueError("a case cannot both need a refusal and a clarification")
        return self

    @property
    def has_gold(self) -> bool:
        return bool(self.gold_sql or self.gold_sql_from)

    @property
    def is_empty(self) -> bool:
        return self == Expectation()

    def gold_query(self, as_of: date) -> str | None:
        """The gold SQL to run, with placeholders expanded (segment models built for as_of)."""
        if self.gold_sql_from == "segmodels":
            from assistant.segmodels import membership_sql

            return membership_sql(self.model or "", self.label or "", as_of)
        if self.gold_sql:
            sql = self.gold_sql.replace("{as_of}", AS_OF_SQL).replace("{end}", END_SQL)
            return SEGMENT_PLACEHOLDER.sub(lambda m: _segment_subquery(m, as_of), sql)
        return None


def _segment_subquery(match: re.Match[str], as_of: date) -> str:
    from assistant.segmodels import membership_sql

    return f"({membership_sql(match.group(1), match.group(2), as_of)})"


def expectation_of(item: Expectation) -> Expectation:
    """Just the expectation part of a case or turn."""
    return Expectation.model_validate(item.model_dump(include=set(Expectation.model_fields)))


class TurnSpec(Expectation):
    """One turn of a conversation; its own expectation (if any) is scored too."""

    request: str = Field(min_length=1)


class Case(Expectation):
    """One request, or a conversation (`turns`) scored on its last turn by the case's fields."""

    id: str = Field(min_length=1, pattern=r"^[A-Za-z0-9_.\-]+$")
    request: str | None = None
    turns: list[TurnSpec] | None = None
    tags: list[str] = Field(default_factory=list)
    suite: str = ""  # filled in by the loader

    @model_validator(mode="before")
    @classmethod
    def _plain_turns(cls, data: object) -> object:
        # Turns without their own expectation may be written as plain strings.
        if isinstance(data, dict) and isinstance(data.get("turns"), list):
            turns = [{"request": t} if isinstance(t, str) else t for t in data["turns"]]
            data = {**data, "turns": turns}
        return data

    @model_validator(mode="after")
    def _check_case(self) -> Case:
        if (self.request is None) == (self.turns is None):
            raise ValueError(f"case {self.id}: give exactly one of request or turns")
        unknown = sorted(set(self.tags) - set(TAGS))
        if unknown:
            raise ValueError(f"case {self.id}: unknown tags {unknown}; use {list(TAGS)}")
        if self.last_expectation().is_empty:
            raise ValueError(f"case {self.id}: nothing to check (no gold, count or checks)")
        return self

    def requests(self) -> list[str]:
        return [self.request] if self.request is not None else [t.request for t in self.turns or []]

    def last_expectation(self) -> Expectation:
        """The case's own fields; a conversation's last turn may carry them instead."""
        own = expectation_of(self)
        if own.is_empty and self.turns:
            return expectation_of(self.turns[-1])
        return own

    def expectations(self) -> list[tuple[int, Expectation]]:
        """(turn index, expectation) pairs to score: turns with their own, and the last turn."""
        turns = self.turns or []
        scored = [(i, expectation_of(t)) for i, t in enumerate(turns[:-1])]
        scored = [(i, e) for i, e in scored if not e.is_empty]
        return [*scored, (len(self.requests()) - 1, self.last_expectation())]


class Suite(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str
    description: str = ""
    cases: list[Case]


def load_suite(path: Path) -> Suite:
    """One suite file; the suite's name defaults to the file's stem."""
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as err:
        raise SuiteError(f"cannot read suite {path}: {err}") from None
    if isinstance(data, list):
        data = {"cases": data}
    if not isinstance(data, dict):
        raise SuiteError(f"{path}: a suite is a mapping with 'cases' (or a list of cases)")
    data.setdefault("name", Path(path).stem)
    try:
        suite = Suite.model_validate(data)
    except ValidationError as err:
        raise SuiteError(f"{path}: {err}") from None
    for case in suite.cases:
        case.suite = suite.name
    return suite


def suite_files(paths: Iterable[Path]) -> list[Path]:
    """Expand folders into their *.yaml files (sorted); files are kept as given."""
    files: list[Path] = []
    for path in paths:
        path = Path(path)
        if path.is_dir():
            files += sorted(p for p in path.iterdir() if p.suffix in (".yaml", ".yml"))
        elif path.exists():
            files.append(path)
        else:
            raise SuiteError(f"no suite file or folder at {path}")
    return files


def load_cases(paths: Iterable[Path], only: Iterable[str] | None = None) -> list[Case]:
    """All cases of the suites at `paths` (files or folders), optionally only the given ids."""
    cases = [case for file in suite_files(paths) for case in load_suite(file).cases]
    seen: set[str] = set()
    for case in cases:
        if case.id in seen:
            raise SuiteError(f"duplicate case id {case.id}")
        seen.add(case.id)
    if only is not None:
        wanted = set(only)
        missing = sorted(wanted - seen)
        if missing:
            raise SuiteError(f"unknown case ids: {', '.join(missing)}")
        cases = [case for case in cases if case.id in wanted]
    return cases
