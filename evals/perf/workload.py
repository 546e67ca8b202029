"""What the benchmark asks: the 20 representative segments and the request list for parsing."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
RULES_CASES = ROOT / "tests" / "test_rules_backend.py"
SUITES_DIR = ROOT / "evals" / "suites"
LEXICON = ROOT / "schemas" / "lexicon.yaml"

# Named segment models, multi-condition engagement and the mission's own example; every one is
# answered by the rules backend (checked at the start of each run) so timings are comparable.
SEGMENTS: list[str] = [
    "frequent outdoor buyers with three transactions last month and no campaign engagement",
    "champions",
    "champions in Texas",
    "ABC class A customers",
    "top 10% spenders in the last 12 months",
    "lapsed customers",
    "lapsed customers who opened an email in the last 30 days",
    "women in California who bought outdoor gear in the last 90 days",
    "customers who spent more than $500 in the last 12 months",
    "customers with an average order value above $150",
    "customers who opened an email in the last 30 days",
    "customers with no campaign engagement in the last 90 days",
    "customers who abandoned a cart in the last 7 days",
    "customers with more than 10 sessions in the last 30 days",
    "unhappy customers",
    "customers who haven't bought since March",
    "outdoor buyers but not gold members",
    "customers who converted from a winback campaign",
    "customers who have never purchased",
    "customers who spent over 1k on electronics",
]


def parsing_requests() -> list[str]:
    """Every request of the rules test CASES, the lexicon's examples and evals/suites if present."""
    requests = [*_rules_cases(), *_lexicon_examples(), *_suite_requests(), *SEGMENTS]
    return list(dict.fromkeys(r for r in requests if r.strip()))


def _rules_cases() -> list[str]:
    if not RULES_CASES.exists():
        return []
    if str(RULES_CASES.parent) not in sys.path:
        sys.path.insert(0, str(RULES_CASES.parent))  # the test imports its helpers (contract.py)
    spec = importlib.util.spec_from_file_location("_rules_cases", RULES_CASES)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)  # the test module only defines data and test functions
    return [request for request, _ in module.CASES]


def _lexicon_examples() -> list[str]:
    grammar = (yaml.safe_load(LEXICON.read_text()) if LEXICON.exists() else None) or {}
    return [str(e) for e in grammar.get("examples", [])]


def _suite_requests() -> list[str]:
    # Suites are YAML lists of cases with a `request` key (or plain strings).
    found: list[str] = []
    for path in sorted(SUITES_DIR.glob("**/*.y*ml")) if SUITES_DIR.exists() else []:
        data = yaml.safe_load(path.read_text()) or []
        items = data.get("cases", []) if isinstance(data, dict) else data
        for item in items:
            text = item.get("request") if isinstance(item, dict) else item
            if isinstance(text, str):
                found.append(text)
    return found
