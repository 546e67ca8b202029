"""Replay: answer from a cassette of recorded model answers, through the OpenAI backend's own
parsing, validation and repair path (only the transport differs), so demos and tests need no
server and no key.

A cassette is a JSON file: {"version": 1, "entries": {key: {"request", "raw", "usage",
"finish_reason", "elapsed_ms"}}}, where key = cassette_key(prompt version, request, current spec
JSON, attempt, dataset=the catalog's name); elapsed_ms is the server's time when it was recorded.
A call the server failed is an entry {"request", "error", "kind"}: the replay fails the same way.
`RecordingTransport` writes every answer of a real transport into one.
"""

from __future__ import annotations

import json
import os
import tempfile
import threading
from pathlib import Path
from typing import Any

from assistant.backends.base import BackendError, TokenUsage
from assistant.backends.openai_backend import (
    ChatRequest,
    LLMSettings,
    OpenAIBackend,
    RawAnswer,
    Transport,
)
from assistant.catalog import Catalog

CASSETTE_VERSION = 1


def read_cassette(path: Path) -> dict[str, dict[str, Any]]:
    """The entries of a cassette; an absent file is an empty cassette."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, json.JSONDecodeError) as err:
        raise BackendError(f"Cannot read the cassette {path}: {err}", kind="replay_miss") from None
    if not isinstance(data, dict) or not isinstance(data.get("entries"), dict):
        raise BackendError(f"{path} is not a cassette (no 'entries' mapping)", kind="replay_miss")
    return data["entries"]


def write_cassette(path: Path, entries: dict[str, dict[str, Any]]) -> None:
    """Write atomically: a crash mid-write must not leave a half cassette behind."""
    path.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(
        {"version": CASSETTE_VERSION, "entries": entries}, indent=2, ensure_ascii=False
    )
    fd, tmp = tempfile.mkstemp(prefix=path.name + ".", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text + "\n")
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


class CassetteTransport:
    """Answers recorded model calls by key; a miss is a clear error, never a network call."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._entries = read_cassette(self.path)

    def complete(self, request: ChatRequest) -> RawAnswer:
        entry = self._entries.get(request.key)
        if entry is None:
            raise BackendError(
                f"No recorded answer for this request in {self.path} — re-record with --record",
                kind="replay_miss",
            )
        if "error" in entry:  # the server failed this call when it was recorded
            raise BackendError(entry["error"], kind=entry.get("kind") or "backend")
        return RawAnswer(
            text=entry["raw"],
            usage=TokenUsage.model_validate(entry.get("usage") or {}),
            finish_reason=entry.get("finish_reason"),
            elapsed_ms=entry.get("elapsed_ms"),
        )


class RecordingTransport:
    """Passes calls to a real transport and saves every answer in the cassette."""

    def __init__(self, inner: Transport, path: Path) -> None:
        self.inner = inner
        self.path = Path(path)
        self._lock = threading.Lock()

    def complete(self, request: ChatRequest) -> RawAnswer:
        try:
            answer = self.inner.complete(request)
        except BackendError as err:
            # Kept too, so a replay fails the same way (a context overflow, a timeout).
            self._save(request, {"request": _last_user_message(request), "error": str(err),
                                 "kind": err.kind})  # fmt: skip
            raise
        entry = {
            "request": _last_user_message(request),
            "raw": answer.text,
            "usage": answer.usage.model_dump(exclude_none=True),
            "finish_reason": answer.finish_reason,
        }
        if answer.elapsed_ms is not None:
            entry["elapsed_ms"] = answer.elapsed_ms
        self._save(request, entry)
        return answer

    def _save(self, request: ChatRequest, entry: dict[str, Any]) -> None:
        with self._lock:
            entries = read_cassette(self.path)
            entries[request.key] = entry
            write_cassette(self.path, entries)


def _last_user_message(request: ChatRequest) -> str:
    # Kept only so people can read a cassette; lookups use the key.
    users = [content for role, content in request.messages if role == "user"]
    return users[-1] if users else ""


class ReplayBackend(OpenAIBackend):
    """The OpenAI backend answering from a cassette instead of a server."""

    name = "replay"

    def __init__(
        self,
        cassette: Path,
        settings: LLMSettings | None = None,
        *,
        catalog: Catalog | None = None,
    ) -> None:
        super().__init__(
            settings or LLMSettings.from_env(),
            catalog=catalog,
            transport=CassetteTransport(Path(cassette)),
        )
        self.model = f"replay:{Path(cassette).name}"
