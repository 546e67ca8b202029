"""Rules first, the language model where the rules fall short.

The rules backend answers in milliseconds and is right on what it understands; a small local
model takes tens of seconds and is often wrong (see the README's LLM table). So the model is
asked only when the rules' reading is incomplete: words it could not use (`unrecognized`), or a
question back instead of a segment. The model's answer is kept only if it passes the same
validator (compile + guard + bind); otherwise, or when the model cannot be reached, the rules'
answer stands, and the assumptions say which reading was used and why.

Two ways to ask (`mode`): `fallback` gives the model the request alone, as the openai backend
would; `correct` also gives it the rules' draft (their spec, the words they could not use, the
question they would ask) to confirm or correct, which asks less of a small model than a reading
from scratch. The README's LLM section has both measured.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Literal

from assistant.backends.base import Backend, BackendError, Draft, Interpretation, Turn, Validator

if TYPE_CHECKING:
    from assistant.catalog import Catalog

log = logging.getLogger(__name__)

Mode = Literal["fallback", "correct"]
MODES: tuple[Mode, ...] = ("fallback", "correct")


class HybridBackend:
    """The `Backend` interface over a rules backend and a language-model backend."""

    name = "hybrid"

    def __init__(self, rules: Backend, model: Backend, mode: Mode = "correct") -> None:
        if mode not in MODES:
            raise BackendError(f"Unknown hybrid mode '{mode}'; choose one of {', '.join(MODES)}.")
        self.rules, self.model_backend, self.mode = rules, model, mode
        self.catalog: Catalog = rules.catalog
        self.model = getattr(model, "model", None)

    def interpret(self, turn: Turn, validate: Validator | None = None) -> Interpretation:
        first = self.rules.interpret(turn, validate)
        if not needs_model(first):
            return first
        left = ", ".join(f"'{w}'" for w in first.unrecognized[:4]) or "the request"
        if self.mode == "correct":
            turn = turn.model_copy(update={"draft": draft_of(first)})
        try:
            second = self.model_backend.interpret(turn, validate)
        except BackendError as exc:
            log.warning("hybrid: the model could not answer %r: %s", turn.request, exc)
            return _noted(first, f"the language model gave no usable reading ({exc}); the rules'")
        if _usable(second, validate):
            return _noted(second, f"the rules could not use {left}: the language model's reading")
        return _noted(first, "the language model gave no usable reading; the rules'")


def needs_model(reading: Interpretation) -> bool:
    """Whether the rules' reading is incomplete enough to ask the model."""
    if reading.refusal or reading.reset:
        return False  # a refusal is the guard's call and a reset is understood
    return bool(reading.unrecognized) or reading.clarification is not None


def draft_of(reading: Interpretation) -> Draft:
    question = reading.clarification.question if reading.clarification else None
    return Draft(spec=reading.spec, unused=reading.unrecognized, question=question)


def _usable(reading: Interpretation, validate: Validator | None) -> bool:
    if reading.refusal or (reading.spec is None and not reading.sql):
        return False
    return validate is None or validate(reading) is None


def _noted(reading: Interpretation, note: str) -> Interpretation:
    return reading.model_copy(update={"assumptions": [*reading.assumptions, note]})
