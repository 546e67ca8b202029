"""Per-browser-session state and the process-wide context the handlers share.

`ChatState` lives in a `gr.State`, so every visitor has their own copy; `AppContext` holds only
things that are safe to share: the read-only executor, the backend and the workspace file.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from assistant.answer import Answer, Session
from assistant.backends.base import Backend
from assistant.catalog import Catalog
from assistant.executor import ExecutionError, Executor
from assistant.kotler import EnrichedAnswer
from assistant.pipeline import data_as_of
from assistant.profile import Profile
from assistant.spec import SegmentSpec
from assistant.workspace import Workspace


@dataclass
class AppContext:
    """Shared by all sessions of one app process."""

    executor: Executor
    backend: Backend
    workspace: Workspace
    export_dir: Path
    catalog: Catalog

    @property
    def backend_label(self) -> str:
        model = getattr(self.backend, "model", None)
        return f"{self.backend.name} · {model}" if model else self.backend.name

    def data_as_of(self) -> date | None:
        """The data's as_of date, or None while the database is missing or unreadable."""
        try:
            return data_as_of(self.executor, self.catalog)
        except ExecutionError:
            return None


@dataclass
class PartView:
    """One part of a split idea, as its card lists it."""

    label: str
    count: int
    share: float
    flags: list[str] = field(default_factory=list)


@dataclass
class IdeaView:
    """One suggested segment, as much of `assistant.ideas.Idea` as the panel shows.

    `run_title` names what clicking runs: for a split that is its headline part, not the split.
    """

    title: str
    type: str
    rationale: str
    sql: str
    spec: SegmentSpec | None = None
    count: int | None = None
    share: float | None = None
    flags: list[str] = field(default_factory=list)
    parts: list[PartView] = field(default_factory=list)
    headline_part: str | None = None

    @property
    def run_title(self) -> str:
        return f"{self.title}: {self.headline_part}" if self.headline_part else self.title


@dataclass
class Segment:
    """The segment on screen: how it was defined and what running it returned."""

    sql: str
    request: str | None
    spec: SegmentSpec | None
    backend: str
    count: int
    share: float
    base_count: int
    profile: Profile | None = None
    sample: list[dict[str, Any]] = field(default_factory=list)
    # Kotler's checks and the ideas; None until computed (chat answers arrive with them).
    extras: EnrichedAnswer | None = None
    # What the headline calls it: the current spec in words, so it follows every refinement
    # ("what about France instead"), where `request` keeps the whole thread as asked.
    title: str | None = None


@dataclass
class ChatState:
    """One visitor's conversation and everything shown beside it."""

    session: Session = field(default_factory=Session)
    messages: list[dict[str, str]] = field(default_factory=list)
    segment: Segment | None = None
    last: Answer | None = None
    suggestions: list[str] = field(default_factory=list)
    suggestion_labels: list[str] = field(default_factory=list)  # with each one's count
    ideas: list[IdeaView] = field(default_factory=list)
    ideas_note: str = ""
    nearest: IdeaView | None = None  # the nearest non-empty variant of an empty segment
    # A refused or failed SQL edit: the reason, whether it was refused (vs failed when run), and
    # the analyst's text, kept in the editor so the suggested fix can be applied to it.
    sql_error: str | None = None
    sql_refused: bool = True
    sql_text: str | None = None

    def say(self, role: str, content: str) -> None:
        self.messages.append({"role": role, "content": content})
