"""The one base class of the errors the engine raises on purpose (with a kind and a reason)."""

from __future__ import annotations


class AssistantError(Exception):
    """A request, catalog, query or backend problem someone can act on.

    `kind` is a short code ("catalog", "guard", "compile", "backend" …); `reason` the sentence.
    """

    kind = "error"

    def __init__(self, reason: str = "", *args: object) -> None:
        super().__init__(reason, *args)
        self.reason = reason
