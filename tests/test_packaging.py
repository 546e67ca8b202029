"""A wheel carries what the engine reads: every catalog, the grammar, prompt and few-shot file."""

from __future__ import annotations

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_every_data_file_is_package_data_of_the_wheel():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    mapped = config["package-dir"]
    patterns = config["package-data"]
    for package, folder in mapped.items():
        assert package in config["packages"]
        shipped = {p for pattern in patterns[package] for p in (ROOT / folder).glob(pattern)}
        present = {p for p in (ROOT / folder).iterdir() if p.is_file()}
        assert present - shipped == set(), f"{folder}: not shipped"


def test_installed_copies_find_the_packaged_data(monkeypatch, tmp_path):
    import assistant.config as config

    missing = tmp_path / "no-source-tree"
    assert config._shipped(missing, "schemas") == config._PACKAGED / "schemas"
    assert config._shipped(ROOT / "schemas", "schemas") == ROOT / "schemas"
