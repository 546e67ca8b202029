"""Boolean logic typed with brackets: "(reward preference points or loyalty tier gold) and income
band 200k+", "country in US, CA and (used workflows or used integrations)".

A bracket with an "or" in it that is an operand of an "and", or one that narrows what was said
before it ("(only people who ordered last year)"), is read alone, and so is the rest of the
request: the audience is both. (Read as one sentence, an "or" inside the bracket could bind
to what follows it.) A bracket that glosses ("(June to August)") or that no "and" joins is left
to the grammar.
"""

from __future__ import annotations

import re

_OR = r"[^()]*\bor\b[^()]*"
_LEADING = re.compile(rf"^\s*\((?P<group>{_OR})\)\s*,?\s*and\s+(?P<rest>\S.*)$", re.IGNORECASE)
_TRAILING = re.compile(rf"^(?P<rest>.*\S)\s+and\s*\((?P<group>{_OR})\)\s*[.?!]?\s*$", re.IGNORECASE)


# "… twice as many orders this year as last year (only people who ordered last year)": a
# bracket that narrows the audience said before it
_ONLY = re.compile(
    r"^(?P<rest>.*\S)\s*\(\s*(?:only|just|but\s+only|and\s+only)\s+(?P<group>(?:people|customers|"
    r"those|ones|accounts|users|buyers|shoppers|clients|members|anyone)\b[^()]+)\)\s*[.?!]?\s*$",
    re.IGNORECASE,
)


def operands(request: str) -> tuple[str, str] | None:
    """(the bracket's words, the rest of the request), or None."""
    for pattern in (_LEADING, _TRAILING, _ONLY):
        m = pattern.match(request)
        if m is not None:
            return m.group("group").strip(), m.group("rest").strip()
    return None
