"""The one small interface every backend implements: rules, OpenAI-compatible LLM, replay."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import TYPE_CHECKING, Protocol

from pydantic import BaseModel, Field
from pydantic.json_schema import SkipJsonSchema

from assistant.spec import SegmentSpec

if TYPE_CHECKING:
    from assistant.catalog import Catalog


class TokenUsage(BaseModel):
    prompt_tokens: int = 0
    completion_tokens: int = 0
    total_tokens: int = 0
    prompt_card_tokens: int | None = None  # size of the rendered schema card + few-shots we sent


class Clarification(BaseModel):
    """A question back to the user instead of a segment, with requests they can click or type."""

    question: str
    suggestions: list[str] = Field(default_factory=list)
    # The suggestions are readings of this very request ("Victoria, Australia"): counted as they
    # are, never replaced by choices built from the words it names.
    readings: SkipJsonSchema[bool] = False  # not the model's to say: not in its answer schema


class Draft(BaseModel):
    """Another reader's attempt at the same request (the hybrid backend's rules parse), which a
    model is asked to confirm or correct rather than read the request from scratch."""

    spec: SegmentSpec | None = None
    unused: list[str] = Field(default_factory=list)  # words the draft could not use
    question: str | None = None  # what the draft would have asked back instead


class Turn(BaseModel):
    """Context a backend gets with each request: the data's date and the segment so far."""

    request: str
    as_of: date
    current: SegmentSpec | None = None
    history: list[str] = Field(default_factory=list)
    draft: Draft | None = None


class Interpretation(BaseModel):
    """What a backend understood. Exactly one of spec / sql / clarification / refusal is the answer.

    `reset` says the user asked to start over (then `spec` may be None with no clarification).
    """

    spec: SegmentSpec | None = None
    sql: str | None = None
    clarification: Clarification | None = None
    refusal: str | None = None
    unrecognized: list[str] = Field(default_factory=list)
    assumptions: list[str] = Field(default_factory=list)
    reset: bool = False
    tokens: TokenUsage | None = None
    attempts: int = 1
    raw: str | None = None  # the model's raw answer, kept for cassettes and debugging


# Compiles and guards a candidate; returns None when it is valid, else the error to feed back.
Validator = Callable[[Interpretation], str | None]


class BackendError(Exception):
    """A backend could not answer (timeout, rate limit, server error, malformed output…).

    The message is written for the user; `kind` is a short code for tests and reports.
    """

    def __init__(self, message: str, kind: str = "backend") -> None:
        super().__init__(message)
        self.kind = kind


class Backend(Protocol):
    """A backend reads requests for one catalog (`catalog`: what the data means)."""

    name: str
    catalog: Catalog

    def interpret(self, turn: Turn, validate: Validator | None = None) -> Interpretation:
        """Understand one request. LLM backends use `validate` to repair their own answers."""
        ...
