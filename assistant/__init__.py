"""Segment Assistant: plain-English customer segments on any schema a catalog describes.

from assistant import Assistant
a = Assistant.open("data/retail.duckdb")
a.ask("lapsed VIPs in Texas").count
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__all__ = ["Answer", "Assistant", "AssistantError", "Catalog", "SegmentSpec", "load_catalog"]

if TYPE_CHECKING:
    from assistant.answer import Answer
    from assistant.api import Assistant
    from assistant.catalog import Catalog, load_catalog
    from assistant.errors import AssistantError
    from assistant.spec import SegmentSpec

_WHERE = {
    "Answer": "assistant.answer",
    "Assistant": "assistant.api",
    "AssistantError": "assistant.errors",
    "Catalog": "assistant.catalog",
    "SegmentSpec": "assistant.spec",
    "load_catalog": "assistant.catalog",
}


def __getattr__(name: str) -> Any:
    # Lazy, so `import assistant.spec` does not pull in the whole engine.
    if name in _WHERE:
        import importlib

        return getattr(importlib.import_module(_WHERE[name]), name)
    raise AttributeError(f"module 'assistant' has no attribute {name!r}")
