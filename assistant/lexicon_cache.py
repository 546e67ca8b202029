"""The rules backend's lexicon kept in the user's cache between runs.

Building it from a catalog normalises every phrase of the catalog and the grammar (~0.4 s at
rest, over 1 s on a busy machine): the largest part of a one-off `segment-assistant ask`. The
file is named by a hash of everything the lexicon is made from — the catalog as loaded, the
grammar and segment-model files, and the source of the code that builds it — so any change
builds a new one; an unreadable file is rebuilt, never trusted.
"""

from __future__ import annotations

import hashlib
import logging
import os
import pickle
import sys
import tempfile
from functools import lru_cache
from pathlib import Path

from assistant.catalog import Catalog
from assistant.config import PROJECT_ROOT, SCHEMAS_DIR, user_cache_dir
from assistant.rules.lexicon import Lexicon, lexicon_for

LEXICON_KEY = "rules.lexicon"  # lexicon_for's key: a lexicon read back serves it too
FORMAT = "lexicon-v1"
KEEP_FILES = 12  # the newest ones; older lexicons (other catalogs, older code) are removed
log = logging.getLogger(__name__)
_CODE = (PROJECT_ROOT / "assistant", ("rules", "segmodels.py", "catalog.py", "lexicon_cache.py"))


def cached_lexicon(catalog: Catalog, folder: Path | None = None) -> Lexicon:
    """The catalog's lexicon: built once per loaded catalog, read back from disk when a run
    before built the same one."""

    def load(c: Catalog) -> Lexicon:
        path = (folder or user_cache_dir("lexicon")) / f"{_digest(c)}.pickle"
        found = _read(path)
        if found is not None:
            return found
        built = lexicon_for(c)  # not cached on `c` yet: this builds it
        _write(path, built)
        return built

    return catalog.cached(LEXICON_KEY, load)


def _digest(catalog: Catalog) -> str:
    sha = hashlib.sha256(f"{FORMAT} {sys.version_info[:2]}".encode())
    sha.update(catalog.model_dump_json().encode())
    for name in ("lexicon.yaml", "segment_models.yaml"):
        path = SCHEMAS_DIR / name
        sha.update(path.read_bytes() if path.is_file() else b"")
    sha.update(_code_digest().encode())
    return sha.hexdigest()[:24]


@lru_cache(maxsize=1)
def _code_digest() -> str:
    """The source of the code that builds a lexicon: read once per process, not per catalog."""
    sha = hashlib.sha256()
    root, members = _CODE
    for member in members:
        target = root / member
        files = sorted(target.rglob("*.py")) if target.is_dir() else [target]
        for file in files:
            if file.is_file():
                sha.update(file.read_bytes())
    return sha.hexdigest()


def _read(path: Path) -> Lexicon | None:
    try:
        with path.open("rb") as handle:
            found = pickle.load(handle)
    except FileNotFoundError:
        return None
    except Exception:  # a damaged or foreign file: rebuild
        log.warning("lexicon cache %s unreadable; rebuilding", path)
        return None
    return found if isinstance(found, Lexicon) else None


def _write(path: Path, lexicon: Lexicon) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=path.parent, delete=False, suffix=".partial") as out:
            pickle.dump(lexicon, out, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(out.name, path)
        for old in sorted(path.parent.glob("*.pickle"), key=_age)[KEEP_FILES:]:
            old.unlink(missing_ok=True)
    except OSError as err:  # a read-only home still answers, just slower next time
        log.info("lexicon cache not written (%s)", err)


def _age(path: Path) -> float:
    try:
        return -path.stat().st_mtime
    except OSError:
        return 0.0
