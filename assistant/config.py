"""Where things live and the settings users can change through the environment."""

from __future__ import annotations

import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
_PACKAGED = Path(__file__).resolve().parent / "_data"


def _shipped(in_repository: Path, packaged: str) -> Path:
    """A folder of the source tree, or the copy a wheel carries under assistant/_data."""
    return in_repository if in_repository.is_dir() else _PACKAGED / packaged


SCHEMAS_DIR = _shipped(PROJECT_ROOT / "schemas", "schemas")
PROMPTS_DIR = _shipped(PROJECT_ROOT / "prompts", "prompts")
FEWSHOT_DIR = _shipped(PROJECT_ROOT / "evals" / "fewshot", "fewshot")


def default_db_path() -> Path:
    """The demo database: `SEGMENT_ASSISTANT_DB`, else `./data/retail.duckdb`."""
    return Path(os.environ.get("SEGMENT_ASSISTANT_DB", "data/retail.duckdb"))


def default_workspace_path(db_path: Path | None = None) -> Path:
    """Saved segments live beside the data unless `SEGMENT_ASSISTANT_WORKSPACE` says otherwise."""
    env = os.environ.get("SEGMENT_ASSISTANT_WORKSPACE")
    if env:
        return Path(env)
    db = db_path or default_db_path()
    return db.with_name(db.stem + ".workspace.duckdb")


def user_cache_dir(*parts: str) -> Path:
    """segment-assistant's folder in the user's cache ($XDG_CACHE_HOME or ~/.cache), and below."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base, "segment-assistant", *parts)
