"""Where things live and the settings users can change through the environment."""

from __future__ import annotations

import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SCHEMAS_DIR = PROJECT_ROOT / "schemas"
PROMPTS_DIR = PROJECT_ROOT / "prompts"


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
