"""Example requests on the empty page, one per kind of segmentation, from the catalog.

The catalog's `examples` say what to try on that data; tests check each one answers non-empty
with the offline rules backend, so a first-time visitor's click always produces a segment.
"""

from __future__ import annotations

from assistant.catalog import Catalog


def example_messages(catalog: Catalog) -> list[dict[str, str]]:
    """The chatbot's `examples`: the request is sent, the type is shown with it."""
    return [
        {"text": request, "display_text": f"{kind}: {request}"}
        for kind, request in catalog.examples.items()
    ]
