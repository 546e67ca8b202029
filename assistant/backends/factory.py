"""Choosing a backend by name: rules (default, offline), openai (any compatible server), replay."""

from __future__ import annotations

import os
from pathlib import Path

from assistant.backends.base import Backend, BackendError
from assistant.catalog import Catalog, load_catalog

BACKENDS = ("auto", "rules", "openai", "replay", "hybrid")


def llm_configured() -> bool:
    """An LLM is configured when an API key or a base URL is set in the environment."""
    return bool(os.environ.get("OPENAI_API_KEY") or os.environ.get("OPENAI_BASE_URL"))


def make_backend(
    name: str = "auto",
    *,
    catalog: Catalog | None = None,
    model: str | None = None,
    cassette: Path | None = None,
    record: Path | None = None,
    prompt_dir: Path | None = None,
) -> Backend:
    """Build a backend for `catalog` (default: the demo catalog); `auto` means the LLM when one
    is configured, else the rules backend; `hybrid` the rules with the LLM where they fall short."""
    catalog = catalog or load_catalog()
    if name not in BACKENDS:
        raise BackendError(f"Unknown backend '{name}'; choose one of {', '.join(BACKENDS)}.")
    if name == "auto":
        name = "openai" if llm_configured() else "rules"
    if record is not None and name not in ("openai", "hybrid"):
        raise BackendError(
            "--record keeps an LLM's answers: use it with --backend openai and a configured "
            "server (OPENAI_BASE_URL / OPENAI_API_KEY)."
        )
    if name == "rules":
        from assistant.backends.rules import RulesBackend

        return RulesBackend(catalog)
    if (
        name == "hybrid"
    ):  # rules first; the model (a cassette's answers if given) where they fall short
        from assistant.backends.hybrid import HybridBackend
        from assistant.backends.rules import RulesBackend

        llm = make_backend(
            "replay" if cassette is not None else "openai",
            catalog=catalog,
            model=model,
            cassette=cassette,
            record=record,
            prompt_dir=prompt_dir,
        )
        mode = os.environ.get("SEGMENT_ASSISTANT_HYBRID_MODE", "fallback")
        return HybridBackend(RulesBackend(catalog), llm, mode=mode)  # type: ignore[arg-type]
    if name == "openai":
        from assistant.backends.openai_backend import LLMSettings, OpenAIBackend

        settings = LLMSettings.from_env(model=model, prompt_dir=prompt_dir)
        return OpenAIBackend(settings, record_to=record, catalog=catalog)
    if cassette is None:
        raise BackendError("The replay backend needs a cassette file (--cassette FILE).")
    from assistant.backends.openai_backend import LLMSettings
    from assistant.backends.replay import ReplayBackend

    if not cassette.exists():
        raise BackendError(f"No cassette at {cassette}; record one with --record {cassette}.")
    return ReplayBackend(
        cassette, LLMSettings.from_env(model=model, prompt_dir=prompt_dir), catalog=catalog
    )
