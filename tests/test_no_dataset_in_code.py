"""The engine knows no dataset: tables, columns and values of any one schema live in catalogs.

Only the demo data generator (assistant/demo, assistant/datagen*) may name the demo's tables.
"""

from __future__ import annotations

import re
from pathlib import Path

import yaml

PACKAGE = Path(__file__).resolve().parent.parent / "assistant"
DEMO_CATALOG = PACKAGE.parent / "schemas" / "retail.yaml"
ALLOWED = ("demo/", "datagen")


def _engine_files() -> list[Path]:
    return [
        p
        for p in PACKAGE.rglob("*.py")
        if not any(part in p.relative_to(PACKAGE).as_posix() for part in ALLOWED)
    ]


def _demo_names() -> set[str]:
    """The demo catalog's table names and its distinctive enumerated values."""
    catalog = yaml.safe_load(DEMO_CATALOG.read_text())
    names = set(catalog["tables"])
    generic = {"customers", "products", "campaigns"}  # ordinary English words in comments
    return names - generic


def test_no_engine_module_names_a_demo_table():
    pattern = re.compile(r"\b(" + "|".join(sorted(_demo_names())) + r")\b")
    hits = [
        f"{path.relative_to(PACKAGE)}:{number}: {line.strip()}"
        for path in _engine_files()
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if pattern.search(line)
    ]
    assert hits == []


def test_no_engine_module_names_a_demo_value_or_alias():
    pattern = re.compile(r"customers c\b|['\"](Outdoor|completed|total_amount)['\"]")
    hits = [
        f"{path.relative_to(PACKAGE)}:{number}: {line.strip()}"
        for path in _engine_files()
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if pattern.search(line)
    ]
    assert hits == []
