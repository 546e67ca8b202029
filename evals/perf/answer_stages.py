"""Where one answer's time goes: every query an answer runs, timed, slowest first.

    python evals/perf/answer_stages.py data/bench/retail-1000000.duckdb "champions in Texas"

The first request warms the caches (whole-base model scores, category buyers); each request
after it is timed as a marketer refining in chat would feel it.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from assistant.answer import answer
from assistant.backends.rules import RulesBackend
from assistant.catalog import catalog_for
from assistant.executor import Executor, PinnedExecutor

WARM_UP = "women in Texas"


def main(argv: list[str]) -> int:
    if len(argv) < 2:
        print(__doc__)
        return 2
    db, requests = Path(argv[0]), argv[1:]
    timings: list[tuple[float, str]] = []
    for cls in (Executor, PinnedExecutor):
        original = cls.query

        def timed(self, sql, *args, _original=original, **kwargs):
            started = time.perf_counter()
            try:
                return _original(self, sql, *args, **kwargs)
            finally:
                timings.append((time.perf_counter() - started, " ".join(sql.split())[:100]))

        cls.query = timed
    executor = Executor(db)
    catalog = catalog_for(db, None, set(executor.schema()))
    backend = RulesBackend(catalog)
    started = time.perf_counter()
    answer(WARM_UP, backend=backend, executor=executor, catalog=catalog)
    print(f"first answer (cold caches): {time.perf_counter() - started:.2f} s")
    for request in requests:
        timings.clear()
        started = time.perf_counter()
        result = answer(request, backend=backend, executor=executor, catalog=catalog)
        total = time.perf_counter() - started
        print(f"\n{request!r}: {result.count:,} customers, {total:.2f} s, {len(timings)} queries")
        for seconds, sql in sorted(timings, reverse=True)[:8]:
            print(f"  {seconds:6.2f} s  {sql}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
