"""Running eval cases: each case through `answer()` like any front end, then its SQL and the gold
SQL on every eval database (Spider-style test-suite accuracy: a case passes only when the customer
ids match on all of them).

Cases are grouped by their suite's schema; each schema has its own catalog, databases and
backend (built for that catalog), see `resolve_targets`:

- `retail` (the default): the demo databases built from seeds 1..N (cached in data/eval), with
  schemas/retail.yaml; or one `--db` (its catalog found by assistant.catalog.catalog_path_for).
- `tpcds`: one TPC-DS DuckDB file (`--tpcds-db`, $SEGMENT_ASSISTANT_TPCDS_DB, default
  data/tpcds.duckdb) with schemas/tpcds.yaml; skipped with the reason when either is missing.
- any other name: the `--db` and `--catalog` given for it.

The backend interprets each turn once, on the first database (its answer depends on the request
and as_of, not on the rows); the SQL it produced is then run on every database.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from assistant.answer import Answer, Session, answer
from assistant.backends.base import Backend, BackendError, Interpretation, Turn, Validator
from assistant.catalog import (
    DEFAULT_CATALOG_PATH,
    SCHEMAS_DIR,
    Catalog,
    catalog_path_for,
    load_catalog,
)
from assistant.evals.report import CaseResult, DatabaseDiff, SchemaRun
from assistant.evals.scorer import EXAMPLE_IDS, Outcome, TurnScore, score_turn
from assistant.evals.suite import DEFAULT_SCHEMA, Case, Expectation
from assistant.executor import ExecutionError, Executor

DEFAULT_EVAL_DIR = Path("data/eval")
DEFAULT_EVAL_CUSTOMERS = 1500
DEFAULT_AS_OF = date(2026, 9, 30)
MAX_IDS = 10_000_000  # fetch every customer id: the sets are compared whole

TPCDS_SCHEMA = "tpcds"
TPCDS_DB_ENV = "SEGMENT_ASSISTANT_TPCDS_DB"
DEFAULT_TPCDS_DB = Path("data/tpcds.duckdb")
TPCDS_CATALOG = SCHEMAS_DIR / "tpcds.yaml"

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


class TargetError(Exception):
    """The command line does not say where a schema's cases should run."""


@dataclass
class Target:
    """Where one schema's cases run: its catalog and databases, or why they are skipped."""

    schema: str
    catalog: Catalog | None = None
    catalog_path: Path | None = None
    databases: list[Path] = field(default_factory=list)
    seeds: list[int] = field(default_factory=list)
    skipped: str | None = None

    def run_meta(self, cases: int = 0, as_of: date | None = None) -> SchemaRun:
        return SchemaRun(
            catalog=str(self.catalog_path) if self.catalog_path else None,
            databases=[p.name for p in self.databases],
            seeds=list(self.seeds),
            as_of=as_of.isoformat() if as_of else None,
            cases=cases,
            skipped=self.skipped,
        )


def default_tpcds_db() -> Path:
    return Path(os.environ.get(TPCDS_DB_ENV) or DEFAULT_TPCDS_DB)


def resolve_targets(
    schemas: Sequence[str],
    *,
    db: Path | None = None,
    catalog: Path | None = None,
    tpcds_db: Path | None = None,
    seeds: int = 3,
    data_dir: Path = DEFAULT_EVAL_DIR,
    customers: int = DEFAULT_EVAL_CUSTOMERS,
) -> dict[str, Target]:
    """The database(s) and catalog for each schema the selected suites name.

    `db` / `catalog` are for a schema other than the two built-in ones; when every suite is of
    one built-in schema they stand in for its data instead (`--db demo.duckdb` with the demo
    suites: one database instead of the seeds; `--db small.duckdb` with the TPC-DS suite).
    Demo databases are built (and cached) only when retail cases will run on them.
    Raises TargetError when a custom schema has no `--db`, or several custom schemas are mixed.
    """
    wanted = list(dict.fromkeys(schemas))
    custom = [s for s in wanted if s not in (DEFAULT_SCHEMA, TPCDS_SCHEMA)]
    if len(custom) > 1:
        raise TargetError(
            f"the suites are for schemas {', '.join(custom)}: --db/--catalog serve one of them; "
            "run one schema at a time"
        )
    if custom and db is None:
        raise TargetError(
            f"suites of schema {custom[0]!r} need its data: pass --db DATABASE "
            "(and --catalog CATALOG unless it sits beside the database as X.catalog.yaml)"
        )
    # Which schema --db / --catalog belong to: the custom one, else the only one, else retail.
    owner = custom[0] if custom else (wanted[0] if len(wanted) == 1 else DEFAULT_SCHEMA)
    if db is None and catalog is not None and owner != TPCDS_SCHEMA:
        raise TargetError("--catalog needs --db: the database that catalog describes")
    targets: dict[str, Target] = {}
    for schema in wanted:
        if schema == owner and db is not None:
            targets[schema] = _given_target(schema, db, catalog)
        elif schema == TPCDS_SCHEMA:
            given = catalog if owner == TPCDS_SCHEMA else None
            targets[schema] = _tpcds_target(tpcds_db or default_tpcds_db(), given)
        elif schema == DEFAULT_SCHEMA:
            paths = ensure_databases(seeds, folder=data_dir, customers=customers)
            targets[schema] = Target(
                schema,
                catalog=load_catalog(DEFAULT_CATALOG_PATH),
                catalog_path=_shown(DEFAULT_CATALOG_PATH),
                databases=paths,
                seeds=list(range(1, seeds + 1)),
            )
    return targets


def _given_target(schema: str, db: Path, catalog: Path | None) -> Target:
    if not db.exists():
        raise TargetError(f"no database at {db}")
    if schema == TPCDS_SCHEMA and catalog is None:
        return _tpcds_target(db, None)
    path = catalog_path_for(db, catalog)
    return Target(schema, catalog=load_catalog(path), catalog_path=_shown(path), databases=[db])


def _tpcds_target(db: Path, catalog: Path | None) -> Target:
    path = catalog or TPCDS_CATALOG
    if not path.exists():
        why = f"no TPC-DS catalog at {_shown(path)} yet"
        return Target(TPCDS_SCHEMA, catalog_path=_shown(path), databases=[db], skipped=why)
    if not db.exists():
        why = (
            f"no TPC-DS database at {db}: build one with `segment-assistant data tpcds --sf 0.1 "
            f"--path {db}` (or pass --tpcds-db / ${TPCDS_DB_ENV})"
        )
        return Target(TPCDS_SCHEMA, catalog_path=_shown(path), databases=[db], skipped=why)
    return Target(TPCDS_SCHEMA, catalog=load_catalog(path), catalog_path=_shown(path),
                  databases=[db])  # fmt: skip


def _shown(path: Path) -> Path:
    try:
        return Path(path).resolve().relative_to(Path.cwd())
    except ValueError:
        return Path(path)


class _KindRecorder:
    """Passes calls through and remembers the kind of a BackendError (answer() keeps only text)."""

    def __init__(self, inner: Backend) -> None:
        self.inner = inner
        self.name = inner.name
        self.model = getattr(inner, "model", None)
        self.catalog = getattr(inner, "catalog", None)
        self.last_kind: str | None = None
        self.calls: list = []  # the model calls of the turn (CallRecord), for LLM backends

    def interpret(self, turn: Turn, validate: Validator | None = None) -> Interpretation:
        self.last_kind = None
        try:
            return self.inner.interpret(turn, validate)
        except BackendError as err:
            self.last_kind = err.kind
            raise
        finally:
            self.calls += getattr(self.inner, "last_calls", None) or []


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


def data_as_of(executor: Executor, catalog: Catalog) -> date:
    """The anchor date of one database as its catalog declares it."""
    return executor.anchor(catalog.anchor_sql) or date.today()


def _gold_per_database(
    executors: Sequence[Executor], expect: Expectation, catalog: Catalog
) -> tuple[list[set[int] | None], list[str], str | None]:
    ids: list[set[int] | None] = []
    errors: list[str] = []
    shown = None
    for index, executor in enumerate(executors, start=1):
        try:
            sql = expect.gold_query(catalog, data_as_of(executor, catalog))
            shown = shown or sql
            ids.append(customer_ids(executor, sql or ""))
        except Exception as err:  # an unknown model, a failing query: this case fails, not the run
            ids.append(None)
            reason = getattr(err, "reason", None) or f"{type(err).__name__}: {err}"
            errors.append(f"database {index}: gold query failed: {reason}")
    return ids, errors, shown


def outcome_of(
    result: Answer,
    error_kind: str | None,
    expect: Expectation,
    executors: Sequence[Executor],
    catalog: Catalog,
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
        outcome.gold_ids, gold_errors, expected_sql = _gold_per_database(executors, expect, catalog)
        outcome.run_errors += gold_errors
    return outcome, expected_sql


def run_case(
    case: Case, backend: Backend, executors: Sequence[Executor], catalog: Catalog | None = None
) -> CaseResult:
    """Every turn of a case through answer() with `catalog` (default: the backend's); never
    raises."""
    catalog = catalog or backend.catalog
    recorder = _KindRecorder(backend)
    session = Session()
    expectations = dict(case.expectations())
    result = CaseResult(
        id=case.id,
        suite=case.suite,
        schema=case.schema_name,
        tags=list(case.tags),
        requests=case.requests(),
        passed=True,
    )
    for index, request in enumerate(case.requests()):
        recorder.calls = []
        produced = _answer_turn(request, recorder, executors[0], session, catalog)
        _add_usage(result, produced)
        _add_calls(result, recorder.calls)
        expect = expectations.get(index)
        if expect is None:
            continue
        outcome, expected_sql = outcome_of(produced, recorder.last_kind, expect, executors, catalog)
        score = score_turn(expect, outcome)
        _merge(result, score, outcome, expected_sql, len(case.requests()) > 1, index)
    return result


def _answer_turn(
    request: str, backend: Backend, executor: Executor, session: Session, catalog: Catalog
) -> Answer:
    try:
        return answer(request, backend=backend, executor=executor, session=session,
                      with_profile=False, catalog=catalog)  # fmt: skip
    except Exception as err:  # a crash is a failed case, not a failed run
        return Answer(request=request, backend=backend.name, error=f"crashed: {err!r}")


def _add_usage(result: CaseResult, produced: Answer) -> None:
    result.elapsed_ms = round(result.elapsed_ms + produced.elapsed_ms, 1)
    if produced.tokens is not None:
        result.prompt_tokens += produced.tokens.prompt_tokens
        result.completion_tokens += produced.tokens.completion_tokens


def _add_calls(result: CaseResult, calls: list) -> None:
    """A turn's model calls: clean or recovered JSON, repairs, truncation, prompt and time."""
    if not calls:
        return
    result.llm_calls += len(calls)
    result.clean_json += sum(c.clean for c in calls)
    result.recovered_json += sum(bool(c.recovered) for c in calls)
    result.repairs += sum(c.attempt > 1 for c in calls)
    result.truncated += sum(c.finish_reason == "length" for c in calls)
    result.prompt_sizes.append(calls[0].prompt_size)
    timed = [c.elapsed_ms for c in calls if c.elapsed_ms is not None]
    if timed:
        result.model_ms.append(round(sum(timed), 1))


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
    if not score.passed and outcome.sql is not None and not outcome.unrecognized:
        result.silent = True
    result.reasons += [prefix + reason for reason in score.reasons]
    for name, ok in score.checks.items():
        result.checks[name] = result.checks.get(name, True) and ok
    if score.valid_sql is not None:
        result.expects_sql = True
        result.valid_sql = score.valid_sql and result.valid_sql is not False
    result.expected_sql = expected_sql or result.expected_sql
    result.produced_sql = outcome.sql
    result.error_kind = outcome.error_kind or result.error_kind
    result.empty_gold = sorted(set(result.empty_gold) | set(score.empty_gold))
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
    catalog: Catalog | None = None,
    jobs: int = 1,
    progress: Progress | None = None,
) -> list[CaseResult]:
    """Results in the order of `cases`, all on one schema's `executors` with its `catalog`
    (default: the backend's); `jobs` > 1 runs cases on threads (the executor and the backends
    are thread-safe; every case has its own session)."""
    if not executors:
        raise ValueError("an eval run needs at least one database")

    def one(case: Case) -> CaseResult:
        result = run_case(case, backend, executors, catalog)
        if progress is not None:
            progress(result)
        return result

    if jobs <= 1:
        return [one(case) for case in cases]
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        return list(pool.map(one, cases))


def run_schemas(
    cases: Sequence[Case],
    targets: Mapping[str, Target],
    backends: Mapping[str, Backend],
    *,
    jobs: int = 1,
    progress: Progress | None = None,
) -> tuple[list[CaseResult], dict[str, SchemaRun]]:
    """Every case on its schema's target with that schema's backend (built for its catalog);
    cases of a skipped schema are left out. Results keep the order of `cases`."""
    results: dict[str, CaseResult] = {}
    runs: dict[str, SchemaRun] = {}
    for schema, target in targets.items():
        mine = [case for case in cases if case.schema_name == schema]
        if target.skipped or target.catalog is None:
            runs[schema] = target.run_meta(cases=0)
            continue
        with ExitStack() as stack:
            executors = [stack.enter_context(Executor(path)) for path in target.databases]
            done = run_cases(
                mine,
                backends[schema],
                executors,
                catalog=target.catalog,
                jobs=jobs,
                progress=progress,
            )
            as_of = data_as_of(executors[0], target.catalog)
        results.update((r.id, r) for r in done)
        runs[schema] = target.run_meta(cases=len(done), as_of=as_of)
    return [results[case.id] for case in cases if case.id in results], runs
