"""Eval suites: YAML files of cases (requests or conversations) with what a right answer is.

A case's expectation is gold SQL (hand-written DuckDB returning customer_id), a named segment
(`gold_sql_from: segmodels` with model + label), an expected count, and/or behavioural checks
(refuse, clarify, assumptions, tables that must not be touched).

A suite file may start with `schema: <name>`: which data its cases are about (default `retail`,
the demo). The runner picks the databases and the catalog per schema (see assistant.evals.runner).

Gold SQL may write `{as_of}` for the catalog's anchor date (`catalog.anchor_sql`: a subquery, a
DATE literal or current_date) and `{end}` for the exclusive end of the data (the anchor + 1 day),
so it stays right whatever date a database is anchored at, and `{segment:MODEL:LABEL}` for the
members of a named segment (a subquery built by assistant.segmodels.membership_sql).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

if TYPE_CHECKING:
    from assistant.catalog import Catalog

TAGS = (
    "demographic", "geographic", "psychographic", "behavioral", "firmographic", "technographic",
    "needs", "value", "RFM", "ABC", "lifecycle", "engagement", "multi-turn", "adversarial",
    "ambiguous",
)  # fmt: skip
DEFAULT_SCHEMA = "retail"  # the demo data (assistant.datagen) and schemas/retail.yaml
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

    def gold_query(self, catalog: Catalog, as_of: date) -> str | None:
        """The gold SQL to run: `{as_of}` / `{end}` from the catalog's anchor, named segments
        built for `as_of` (the anchor's value on the database at hand)."""
        if self.gold_sql_from == "segmodels":
            return _membership(self.model or "", self.label or "", as_of, catalog)
        if self.gold_sql:
            sql = expand_anchor(self.gold_sql, catalog)
            return SEGMENT_PLACEHOLDER.sub(
                lambda m: f"({_membership(m.group(1), m.group(2), as_of, catalog)})", sql
            )
        return None


def anchor_sql(catalog: Catalog) -> tuple[str, str]:
    """SQL for `{as_of}` (the catalog's anchor date) and `{end}` (the day after it)."""
    as_of = catalog.anchor_sql
    return as_of, f"({as_of} + INTERVAL 1 DAY)"


def expand_anchor(sql: str, catalog: Catalog) -> str:
    """`{as_of}` and `{end}` in gold SQL replaced by the catalog's anchor expressions."""
    as_of, end = anchor_sql(catalog)
    return sql.replace("{as_of}", as_of).replace("{end}", end)


def _membership(model: str, label: str, as_of: date, catalog: Catalog) -> str:
    from assistant.segmodels import membership_sql

    return membership_sql(model, label, as_of, catalog)


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
    schema_name: str = DEFAULT_SCHEMA  # the suite's `schema:`, filled in by the loader

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
    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    name: str
    # `schema:` in the file; which data (database + catalog) the cases are about.
    schema_name: str = Field(DEFAULT_SCHEMA, alias="schema", pattern=r"^[A-Za-z0-9_.\-]+$")
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
        case.schema_name = suite.schema_name
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
