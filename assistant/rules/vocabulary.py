"""How catalog things map onto the segment spec: sources, measures, filters, bands."""

from __future__ import annotations

from typing import Any

from assistant.rules.lexicon import Meaning
from assistant.spec import (
    CampaignEvents,
    Purchases,
    SupportTickets,
    WebSessions,
)

SOURCES = {
    "purchases": Purchases,
    "campaign_events": CampaignEvents,
    "web_sessions": WebSessions,
    "support_tickets": SupportTickets,
}


# Which activity source a table's values narrow.
TABLE_SOURCE = {
    "products": "purchases",
    "transactions": "purchases",
    "transaction_items": "purchases",
    "campaigns": "campaign_events",
    "campaign_events": "campaign_events",
    "web_sessions": "web_sessions",
    "support_tickets": "support_tickets",
}


# Catalog measure name -> (source, source filters, measure, field). Measures missing here are
# understood but cannot be expressed by the spec, and are reported as such.
MEASURES: dict[str, tuple[str, dict[str, Any], str, str | None]] = {
    "purchases": ("purchases", {}, "count", None),
    "spend": ("purchases", {}, "sum", "total_amount"),
    "average_order_value": ("purchases", {}, "avg", "total_amount"),
    "items_purchased": ("purchases", {}, "sum", "item_count"),
    "returns": ("purchases", {"statuses": ["returned"]}, "count", None),
    "cancellations": ("purchases", {"statuses": ["cancelled"]}, "count", None),
    "sessions": ("web_sessions", {}, "count", None),
    "sessions_without_purchase": ("web_sessions", {"converted": False}, "count", None),
    "abandoned_carts": ("web_sessions", {"cart_abandoned": True}, "count", None),
    "support_tickets": ("support_tickets", {}, "count", None),
    "dissatisfied_tickets": ("support_tickets", {"csat_max": 2}, "count", None),
    "campaign_engagements": ("campaign_events", {}, "count", None),
    "campaign_messages": ("campaign_events", {"event_types": ["delivered"]}, "count", None),
    "campaign_opens": ("campaign_events", {"event_types": ["opened"]}, "count", None),
    "campaign_clicks": ("campaign_events", {"event_types": ["clicked"]}, "count", None),
    "campaign_conversions": ("campaign_events", {"event_types": ["converted"]}, "count", None),
    "unsubscribes": ("campaign_events", {"event_types": ["unsubscribed"]}, "count", None),
}


# Catalog predicate (table.name) -> source filters.
PREDICATES: dict[str, tuple[str, dict[str, Any]]] = {
    "engaged": ("campaign_events", {}),
    "abandoned_cart": ("web_sessions", {"cart_abandoned": True}),
    "browsed_without_buying": ("web_sessions", {"converted": False}),
    "dissatisfied": ("support_tickets", {"csat_max": 2}),
    "satisfied": ("support_tickets", {"csat_min": 4}),
}


# (table, column) of an activity value -> (source, list filter field on that source).
VALUE_FILTERS: dict[tuple[str, str], tuple[str, str]] = {
    ("products", "category"): ("purchases", "categories"),
    ("products", "subcategory"): ("purchases", "subcategories"),
    ("products", "brand"): ("purchases", "brands"),
    ("products", "is_eco_friendly"): ("purchases", "eco_friendly"),
    ("transactions", "channel"): ("purchases", "channels"),
    ("transactions", "payment_method"): ("purchases", "payment_methods"),
    ("transactions", "status"): ("purchases", "statuses"),
    ("campaigns", "channel"): ("campaign_events", "channels"),
    ("campaigns", "campaign_type"): ("campaign_events", "campaign_types"),
    ("campaigns", "target_category"): ("campaign_events", "target_categories"),
    ("campaign_events", "event_type"): ("campaign_events", "event_types"),
    ("web_sessions", "device"): ("web_sessions", "devices"),
    ("web_sessions", "browser"): ("web_sessions", "browsers"),
    ("web_sessions", "viewed_category"): ("web_sessions", "viewed_categories"),
    ("web_sessions", "added_to_cart"): ("web_sessions", "added_to_cart"),
    ("web_sessions", "converted"): ("web_sessions", "converted"),
    ("support_tickets", "topic"): ("support_tickets", "topics"),
    ("support_tickets", "channel"): ("support_tickets", "channels"),
}


# A category word next to a campaign or browsing verb narrows that source instead of purchases.
CATEGORY_IN_CONTEXT = {
    "campaign_events": ("campaigns", "target_category"),
    "web_sessions": ("web_sessions", "viewed_category"),
}


BOOLEAN_FILTERS = {"eco_friendly", "added_to_cart", "converted"}


UNIT_DAYS = {"days": 1, "weeks": 7, "months": 30, "years": 365}


def value_target(value: Meaning, source: str) -> tuple[str, str] | None:
    """The filter of `source` a value narrows, if any (a category next to a campaign verb
    narrows the campaign's target category)."""
    target = VALUE_FILTERS.get((value.table, value.column))
    if value.table == "products" and value.column == "category" and source in CATEGORY_IN_CONTEXT:
        target = VALUE_FILTERS[CATEGORY_IN_CONTEXT[source]]
    return target if target and target[0] == source else None


def band_bounds(key: str) -> tuple[float, float] | None:
    """'<25k' -> (0, 25000), '25-50k' -> (25000, 50000), '200k+' -> (200000, inf), '1-10'."""
    text = key.replace(",", "").lower()
    scale = 1000 if "k" in text else 1
    text = text.replace("k", "")
    try:
        if text.startswith("<"):
            return 0.0, float(text[1:]) * scale
        if text.endswith("+"):
            return float(text[:-1]) * scale, float("inf")
        low, high = text.split("-")
        return float(low) * scale, float(high) * scale
    except ValueError:
        return None


def band_satisfies(bounds: tuple[float, float], op: str, low: float, high: float) -> bool:
    """A band qualifies when every value in it satisfies the comparison."""
    start, end = bounds
    return {
        ">": start >= low,
        ">=": start >= low,
        "<": end <= low,
        "<=": end <= low,
        "between": start >= low and end <= high,
        "=": start <= low < end,
    }.get(op, False)
