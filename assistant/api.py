"""The public façade for analysts, notebooks, the CLI and the UI.

    from assistant import Assistant
    a = Assistant.open("data/tpcds.duckdb", catalog="schemas/tpcds.yaml")
    answer = a.ask("women in Texas who bought in store in the last 90 days")
    answer.count, answer.sql, answer.funnel, answer.assumptions

One `Assistant` holds the data (a sandboxed executor), the catalog that says what the data means
and the backend that reads requests; everything else is reached through it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from assistant.answer import Answer, Session, answer
from assistant.backends.base import Backend
from assistant.catalog import Catalog, catalog_for
from assistant.executor import Executor
from assistant.pipeline import data_as_of, run_sql
from assistant.profile import SegmentResult


@dataclass
class Assistant:
    """A segment assistant over one database and its catalog."""

    executor: Executor
    catalog: Catalog
    backend: Backend

    @classmethod
    def open(
        cls,
        db: Path | str,
        catalog: Path | str | Catalog | None = None,
        backend: str | Backend = "auto",
        **backend_options: Any,
    ) -> Assistant:
        """Open `db` with `catalog` (a path, a loaded Catalog, or None to find it: see
        `assistant.catalog.catalog_path_for`) and a backend by name (rules, openai, replay,
        auto) or instance."""
        from assistant.backends.factory import make_backend

        executor = Executor(Path(db))
        loaded = catalog if isinstance(catalog, Catalog) else None
        if loaded is None:
            loaded = catalog_for(db, catalog, set(executor.schema()))
        if isinstance(backend, str):
            backend = make_backend(backend, catalog=loaded, **backend_options)
        return cls(executor, loaded, backend)

    @property
    def as_of(self) -> date:
        """The date 'today', 'last month' … are relative to (the catalog's anchor)."""
        return data_as_of(self.executor, self.catalog)

    def ask(
        self,
        request: str,
        session: Session | None = None,
        *,
        ideas: bool = True,
        profile: bool = True,
        as_of: date | None = None,
    ) -> Answer:
        """Answer one request (a follow-up when `session` carries an earlier segment)."""
        return answer(
            request,
            backend=self.backend,
            executor=self.executor,
            session=session,
            as_of=as_of,
            with_profile=profile,
            with_ideas=ideas and profile,
            catalog=self.catalog,
        )

    def run_sql(self, sql: str, *, profile: bool = True) -> SegmentResult:
        """Run an analyst's SQL through the same guard and sandbox."""
        return run_sql(self.executor, sql, self.catalog, with_profile=profile)

    def ideas(self, request: str | None = None) -> Any:
        """Segmentation ideas for a request's segment, or for the whole base."""
        found = self.ask(request or "all customers", ideas=True)
        return found.ideas

    def session(self) -> Session:
        return Session()
