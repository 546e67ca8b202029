"""Example requests on the empty page, one per kind of segmentation.

Each one is answered by the offline rules backend (tests/test_ui_logic.py checks it), so a
first-time visitor's click always produces a segment.
"""

from __future__ import annotations

MISSION_REQUEST = (
    "frequent outdoor buyers with three transactions last month and no campaign engagement"
)

# (segmentation type, request)
EXAMPLES: tuple[tuple[str, str], ...] = (
    ("Behavioral", MISSION_REQUEST),
    ("Value", "high-value customers"),
    ("RFM", "champions in Texas"),
    ("Lifecycle", "lapsed outdoor buyers"),
    ("Demographic", "women aged 25-34 in California"),
    ("Geographic", "eco-conscious shoppers in Germany"),
    ("Technographic", "android users in the UK"),
    ("Firmographic", "business customers in finance"),
)


def example_messages() -> list[dict[str, str]]:
    """The chatbot's `examples`: the request is sent, the type is shown with it."""
    return [{"text": request, "display_text": f"{kind}: {request}"} for kind, request in EXAMPLES]
