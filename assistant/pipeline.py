"""The analyst path: SQL in, guarded and sandboxed segment result out."""

from __future__ import annotations

import time
from datetime import date

from assistant.catalog import Catalog
from assistant.executor import ExecutionError, Executor
from assistant.guard import GuardError, check_sql
from assistant.profile import SegmentResult, segment_result


def data_as_of(executor: Executor, catalog: Catalog) -> date:
    """The data's anchor date as the catalog declares it (a query, a date, or today)."""
    return executor.anchor(catalog.anchor_sql) or date.today()


def run_sql(
    executor: Executor, sql: str, catalog: Catalog, *, with_profile: bool = True
) -> SegmentResult:
    """Validate `sql` with the guard, run it in the sandbox and profile the customers it returns.

    Errors never escape: the result carries a message a marketer or analyst can act on.
    """
    started = time.perf_counter()
    try:
        guarded = check_sql(sql, executor.schema(), binder=executor.explain)
        result = segment_result(
            executor,
            guarded.sql,
            data_as_of(executor, catalog),
            catalog=catalog,
            with_profile=with_profile,
        )
    except (GuardError, ExecutionError) as exc:
        reason = getattr(exc, "reason", None) or str(exc)
        result = SegmentResult(sql=sql, error=reason)
    result.elapsed_ms = round((time.perf_counter() - started) * 1000, 1)
    return result
