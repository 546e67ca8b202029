"""Running eval cases: each case through `answer()` like any front end, then its SQL and the gold
SQL on every eval database (Spider-style test-suite accuracy: a case passes only when the customer
ids match on all of them).

The backend interprets each turn once, on the first database (its answer depends on the request
and as_of, not on the rows); the SQL it produced is then run on every database.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from pathlib import Path

from assistant.answer import Answer, Session, answer
from assistant.backends.base import Backend, BackendError, Interpretation, Turn, Validator
from assistant.evals.report import CaseResult, DatabaseDiff
from assistant.evals.scorer import EXAMPLE_IDS, Outcome, TurnScore, score_turn
from assistant.evals.suite import Case, Expectation
from assistant.executor import ExecutionError, Executor

DEFAULT_EVAL_DIR = Path("data/eval")
DEFAULT_EVAL_CUSTOMERS = 1500
DEFAULT_AS_OF = date(2026, 9, 30)
MAX_IDS = 10_000_000  # fetch every customer id: the sets are compared whole

Progress = Callable[[CaseResult], None]


def generator_version() -> str:
    """A hash of the data generator's source: a changed generator must not reuse cached data."""
    import hashlib

    import assistant.datagen as datagen

    digest = hashlib.sha256()
    for path in sorted(Path(datagen.__file__).parent.glob("datagen*.py")):
        digest.update(path.read_bytes())
    return digest.hexdigest()[:10]


def eval_database_path(folder: Path, seed: int, customers: int, as_of: date) -> Path:
    name = f"retail-s{seed}-c{customers}-{as_of.isoformat()}-{generator_version()}.duckdb"
    return folder / name


def ensure_databases(
    seeds: int,
    *,
    folder: Path = DEFAULT_EVAL_DIR,
    customers: int = DEFAULT_EVAL_CUSTOMERS,
    as_of: date = DEFAULT_AS_OF,
) -> list[Path]:
    """Small demo databases with seeds 1..N, built once and cached in `folder`."""
    from assistant.datagen import build_demo_database

    paths = []
    for seed in range(1, seeds + 1):
        path = eval_database_path(folder, seed, customers, as_of)
        if not path.exists():
            folder.mkdir(parents=True, exist_ok=True)
            # Build beside the target and rename: a parallel run never sees a half-built file.
            fd, tmp = tempfile.mkstemp(prefix=path.stem, suffix=".duckdb", dir=folder)
            os.close(fd)
            Path(tmp).unlink()
            try:
                build_demo_database(Path(tmp), customers=customers, seed=seed, as_of=as_of)
                os.replace(tmp, path)
            finally:
                Path(tmp).unlink(missing_ok=True)
        paths.append(path)
    return paths


class _KindRecorder:
    """Passes calls through and remembers the kind of a BackendError (answer() keeps only text)."""

    def __init__(self, inner: Backend) -> None:
        self.inner = inner
        self.name = inner.name
        self.model = getattr(inner, "model", None)
        self.last_kind: str | None = None

    def interpret(self, turn: Turn, validate: Validator | None = None) -> Interpretation:
        self.last_kind = None
        try:
            return self.inner.interpret(turn, validate)
        except BackendError as err:
            self.last_kind = err.kind
            raise


def customer_ids(executor: Executor, sql: str) -> set[int]:
    """The distinct customer ids a segment query returns."""
    wrapped = f"SELECT DISTINCT customer_id FROM ({sql.strip().rstrip(';')}) AS segment"
    result = executor.query(wrapped, max_rows=MAX_IDS)
    return {int(row[0]) for row in result.rows if row[0] is not None}


def _ids_per_database(
    executors: Sequence[Executor], sql: str | None
) -> tuple[list[set[int] | None], list[str]]:
    ids: list[set[int] | None] = []
    errors: list[str] = []
    for index, executor in enumerate(executors, start=1):
        if sql is None:
            ids.append(None)
            continue
        try:
            ids.append(customer_ids(executor, sql))
        except ExecutionError as err:
            ids.append(None)
            errors.append(f"database {index}: {err.reason}")
    return ids, errors


def _gold_per_database(
    executors: Sequence[Executor], expect: Expectation
) -> tuple[list[set[int] | None], list[str], str | None]:
    ids: list[set[int] | None] = []
    errors: list[str] = []
    shown = None
    for index, executor in enumerate(executors, start=1):
        sql = expect.gold_query(executor.as_of() or DEFAULT_AS_OF)
        shown = shown or sql
        try:
            ids.append(customer_ids(executor, sql or ""))
        except ExecutionError as err:
            ids.append(None)
            errors.append(f"database {index}: gold query failed: {err.reason}")
    return ids, errors, shown


def outcome_of(
    result: Answer, error_kind: str | None, expect: Expectation, executors: Sequence[Executor]
) -> tuple[Outcome, str | None]:
    """Run the produced SQL (and the gold SQL when the expectation has one) everywhere."""
    outcome = Outcome(
        refused=result.refused,
        clarification=result.clarification,
        sql=result.sql,
        error=result.error,
        error_kind=error_kind,
        assumptions=list(result.assumptions),
        unrecognized=list(result.unrecognized),
    )
    expected_sql = None
    if result.sql is not None:
        outcome.predicted_ids, outcome.run_errors = _ids_per_database(executors, result.sql)
    if expect.has_gold:
        outcome.gold_ids, gold_errors, expected_sql = _gold_per_database(executors, expect)
        outcome.run_errors += gold_errors
    return outcome, expected_sql


def run_case(case: Case, backend: Backend, executors: Sequence[Executor]) -> CaseResult:
    """Every turn of a case through answer(); never raises."""
    recorder = _KindRecorder(backend)
    session = Session()
    expectations = dict(case.expectations())
    result = CaseResult(
        id=case.id, suite=case.suite, tags=list(case.tags), requests=case.requests(), passed=True
    )
    for index, request in enumerate(case.requests()):
        produced = _answer_turn(request, recorder, executors[0], session)
        _add_usage(result, produced)
        expect = expectations.get(index)
        if expect is None:
            continue
        outcome, expected_sql = outcome_of(produced, recorder.last_kind, expect, executors)
        score = score_turn(expect, outcome)
        _merge(result, score, outcome, expected_sql, len(case.requests()) > 1, index)
    return result


def _answer_turn(request: str, backend: Backend, executor: Executor, session: Session) -> Answer:
    try:
        return answer(request, backend=backend, executor=executor, session=session,
                      with_profile=False)  # fmt: skip
    except Exception as err:  # a crash is a failed case, not a failed run
        return Answer(request=request, backend=backend.name, error=f"crashed: {err!r}")


def _add_usage(result: CaseResult, produced: Answer) -> None:
    result.elapsed_ms = round(result.elapsed_ms + produced.elapsed_ms, 1)
    if produced.tokens is not None:
        result.prompt_tokens += produced.tokens.prompt_tokens
        result.completion_tokens += produced.tokens.completion_tokens


def _merge(
    result: CaseResult,
    score: TurnScore,
    outcome: Outcome,
    expected_sql: str | None,
    conversation: bool,
    index: int,
) -> None:
    prefix = f"turn {index + 1}: " if conversation else ""
    result.passed = result.passed and score.passed
    result.reasons += [prefix + reason for reason in score.reasons]
    for name, ok in score.checks.items():
        result.checks[name] = result.checks.get(name, True) and ok
    if score.valid_sql is not None:
        result.expects_sql = True
        result.valid_sql = score.valid_sql and result.valid_sql is not False
    result.expected_sql = expected_sql or result.expected_sql
    result.produced_sql = outcome.sql
    result.error_kind = outcome.error_kind or result.error_kind
    result.outcome = _outcome_word(outcome)
    result.diffs = [
        DatabaseDiff(
            database=i,
            missing=d.missing[:EXAMPLE_IDS],
            extra=d.extra[:EXAMPLE_IDS],
            missing_count=len(d.missing),
            extra_count=len(d.extra),
        )
        for i, d in enumerate(score.diffs, start=1)
        if d is not None and not d.equal
    ] or result.diffs


def _outcome_word(outcome: Outcome) -> str:
    if outcome.refused:
        return "refusal"
    if outcome.clarification is not None:
        return "clarification"
    if outcome.sql is not None:
        return "segment"
    return "error" if outcome.error else "nothing"


def run_cases(
    cases: Sequence[Case],
    backend: Backend,
    executors: Sequence[Executor],
    *,
    jobs: int = 1,
    progress: Progress | None = None,
) -> list[CaseResult]:
    """Results in the order of `cases`; `jobs` > 1 runs cases on threads (the executor and the
    backends are thread-safe; every case has its own session)."""
    if not executors:
        raise ValueError("an eval run needs at least one database")

    def one(case: Case) -> CaseResult:
        result = run_case(case, backend, executors)
        if progress is not None:
            progress(result)
        return result

    if jobs <= 1:
        return [one(case) for case in cases]
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        return list(pool.map(one, cases))
