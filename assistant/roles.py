"""The catalog's roles as SQL: the rows and customer properties the analysis features read.

The segmentation models, the profile, Kotler's checks and the ideas never name a table: they ask
this module for "the purchases", "the revenue", "the engagement events", "who is reachable by
email" of the catalog at hand. Every rows query returns one row per event row with
`customer_id`, `ts`, `instance`, `amount` (NULL where the event has none) and any extras.

A feature whose role the catalog does not define is switched off: the functions here return None
and `missing_note` words the one-line note the feature shows instead.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date
from typing import TYPE_CHECKING, Any

from assistant.compiler import activity_source, property_expr, sql_literal
from assistant.datagraph import EventRows, filter_sql
from assistant.spec import Activity, ActivityCondition, type_kind

if TYPE_CHECKING:
    from assistant.catalog import Catalog

# Enumerated properties with more values than this are not traits (a city, a postcode).
MAX_TRAIT_VALUES = 50
# activity_source needs an as_of only for windows; the rows here are unwindowed.
_NO_WINDOW = date(2000, 1, 1)


def missing_note(feature: str, role: str) -> str:
    """The one line a switched-off feature shows."""
    return f"{feature}: switched off (the catalog defines no roles.{role})"


# --- the entity ----------------------------------------------------------------------------------


def entity_table(catalog: Catalog) -> str:
    return catalog.entity.table


def entity_key(catalog: Catalog) -> str:
    """The entity key qualified by its table (what compiled conditions refer to)."""
    return f"{catalog.entity.table}.{catalog.entity.key}"


def property_sql(catalog: Catalog, name: str, as_of: date) -> str:
    """SQL for a customer property over the (unaliased) entity table; derived ones at as_of."""
    return property_expr(catalog, name, as_of)


# --- event rows ----------------------------------------------------------------------------------


def rows_sql(
    catalog: Catalog,
    event: str,
    *,
    filters: Mapping[str, Any] | None = None,
    predicates: list[str] | None = None,
    fields: Mapping[str, str] | None = None,
    customers: str | None = None,
) -> str:
    """One row per row of `event` matching its `where`, the filters (the event's defaults for the
    fields they do not name) and the predicates: customer_id, ts, instance, amount, and each of
    `fields` (output name -> event field). A field on the event's lines (an order's items) makes
    the lines the rows, as the compiler does, so their amounts are the items' own.

    `customers` names a relation of customer_id (a segment's members): only their rows, filtered
    where the rows are read (at 1M customers, a segment's category spend joined to the members
    afterwards took 2.6 s, filtered first 0.13 s)."""
    wanted = dict(fields or {})
    condition = ActivityCondition(
        activity=Activity(
            source=event, filters=dict(filters or {}), predicates=list(predicates or [])
        ),
        measure="distinct" if wanted else "count",
        field=next(iter(wanted.values()), None),
    )
    source = activity_source(condition, catalog, _NO_WINDOW)
    serving = catalog.events[source.event_name]
    extra = {name: source.field(field) for name, field in wanted.items()}
    if not serving.instance:
        extra["instance"] = "NULL"
    if not serving.amount:
        extra["amount"] = "NULL"
    rows = source.rows
    if customers is not None:
        rows.where = [*rows.where, f"{rows.customer} IN (SELECT customer_id FROM {customers})"]
    return rows.rows_sql(extra=extra)


def purchases_sql(
    catalog: Catalog, fields: Mapping[str, str] | None = None, customers: str | None = None
) -> str | None:
    """The purchases rows (roles.purchases); None when the catalog has no purchases role."""
    name = catalog.roles.purchases
    return None if name is None else rows_sql(catalog, name, fields=fields, customers=customers)


def count_sql(catalog: Catalog, event: str, alias: str) -> str:
    """How to count events over its rows: count(*), or distinct instances when a row is finer
    than one event (as the compiler counts)."""
    spec = catalog.events[event]
    if not spec.instance:
        return "count(*)"
    if spec.union:
        return f"count(DISTINCT {alias}.instance)"
    table, column = catalog.graph.qualify(spec.table, spec.instance)
    if table == spec.table and catalog.tables[table].key == [column]:
        return "count(*)"
    return f"count(DISTINCT {alias}.instance)"


def purchases_count_sql(catalog: Catalog, alias: str) -> str:
    assert catalog.roles.purchases is not None
    return count_sql(catalog, catalog.roles.purchases, alias)


def revenue_measure(catalog: Catalog) -> Any | None:
    """The revenue measure when it is usable (a sum of a field), else None."""
    name = catalog.roles.revenue
    measure = catalog.measures.get(name) if name else None
    if measure is None or measure.aggregate != "sum" or measure.field is None:
        return None
    return measure


def revenue_sql(catalog: Catalog, customers: str | None = None) -> str | None:
    """The revenue rows: customer_id, ts and `revenue` (the revenue measure's field)."""
    measure = revenue_measure(catalog)
    if measure is None:
        return None
    return rows_sql(
        catalog,
        measure.event,
        filters=measure.filters,
        predicates=measure.predicates,
        fields={"revenue": measure.field},
        customers=customers,
    )


def revenue_is_purchase_amount(catalog: Catalog) -> bool:
    """Whether revenue is simply the sum of the purchases' own amount (one scan serves both)."""
    measure = revenue_measure(catalog)
    purchases = catalog.roles.purchases
    if measure is None or purchases is None:
        return False
    event = catalog.events[purchases]
    return (
        measure.event == purchases
        and not measure.filters
        and not measure.predicates
        and measure.field == event.amount
    )


def engagement_sql(catalog: Catalog) -> str | None:
    """The engagement rows (roles.engagement, with the event's default filters)."""
    name = catalog.roles.engagement
    return None if name is None else rows_sql(catalog, name)


def messages_sql(catalog: Catalog) -> str | None:
    """The rows of the messages measure (roles.messages), with its filters and predicates."""
    name = catalog.roles.messages
    measure = catalog.measures.get(name) if name else None
    if measure is None:
        return None
    return rows_sql(catalog, measure.event, filters=measure.filters, predicates=measure.predicates)


def category_sql(catalog: Catalog, customers: str | None = None) -> str | None:
    """Purchases rows with their `category` (roles.category); on lines when the field is there,
    so `amount` is then what was spent on that category."""
    category = catalog.roles.category
    if category is None or catalog.roles.purchases is None:
        return None
    return purchases_sql(catalog, fields={"category": category}, customers=customers)


# --- contact -------------------------------------------------------------------------------------


def channels(catalog: Catalog) -> list[str]:
    return list(catalog.roles.contact)


def unsubscribed_sql(catalog: Catalog, channel: str | None = None) -> str | None:
    """Unsubscribe rows (customer_id, ts) of one channel, or of every channel; None if none."""
    picked = [channel] if channel is not None else channels(catalog)
    by_event: dict[str, list[dict[str, Any]]] = {}
    for name in picked:
        unsub = catalog.roles.contact[name].unsubscribed
        if unsub is not None:
            by_event.setdefault(unsub.event, []).append(dict(unsub.filters))
    parts = []
    for event, rules in by_event.items():
        if len(rules) == 1:
            rows = rows_sql(catalog, event, filters=rules[0])
        else:  # several channels' rules on one event: one scan, any rule matches
            rows = _any_rule_rows(catalog, event, rules)
        parts.append(f"SELECT customer_id, ts FROM (\n{_indent(rows)}\n) AS u")
    return "\nUNION ALL\n".join(parts) or None


def _any_rule_rows(catalog: Catalog, event: str, rules: list[dict[str, Any]]) -> str:
    graph = catalog.graph
    defaults = catalog.events[event].defaults
    ors = []
    for rule in rules:
        filters = {**{k: v for k, v in defaults.items() if k not in rule}, **rule}
        ands = [filter_sql(graph.field(event, k).sql, v, sql_literal) for k, v in filters.items()]
        ors.append("(" + " AND ".join(ands or ["TRUE"]) + ")")
    rows = EventRows(graph, event)
    rows.add_condition("(" + " OR ".join(ors) + ")")
    spec = catalog.events[event]
    extra = {} if spec.instance else {"instance": "NULL"}
    if not spec.amount:
        extra["amount"] = "NULL"
    return rows.rows_sql(extra=extra)


def consent_sql(catalog: Catalog, channel: str, as_of: date) -> str:
    """The channel's consent as a boolean over the entity table (unknown = no consent)."""
    return (
        f"coalesce({property_sql(catalog, catalog.roles.contact[channel].consent, as_of)}, FALSE)"
    )


def reachable_sql(catalog: Catalog, channel: str, as_of: date) -> str:
    """Reachable on a channel: consent is true AND no unsubscribe event of that channel, ever.

    An unsubscribed customer is never reachable on that channel, whatever their consent column
    says; exports use this same rule."""
    consent = consent_sql(catalog, channel, as_of)
    unsub = unsubscribed_sql(catalog, channel)
    if unsub is None:
        return consent
    return (
        f"({consent}\n AND {entity_key(catalog)} NOT IN (\n"
        f"  SELECT customer_id FROM (\n{_indent(unsub, 4)}\n  ) AS unsubscribed\n"
        "  WHERE customer_id IS NOT NULL))"
    )


# --- customer traits -----------------------------------------------------------------------------


def property_values(catalog: Catalog, name: str) -> dict[str, str]:
    """Enumerated values of a property -> display label ({} when it is not enumerated)."""
    derived = catalog.derived.get(name)
    if derived is not None:
        return {key: band.label or key for key, band in derived.bands.items()}
    place = catalog.property_column(name)
    if place is None:
        return {}
    column = catalog.tables[place[0]].columns[place[1]]
    if column.values_from:
        table, _, col = column.values_from.rpartition(".")
        column = catalog.tables[table].columns[col]
    return {key: value.label or key for key, value in (column.values or {}).items()}


def property_type(catalog: Catalog, name: str) -> str:
    if name in catalog.derived:
        return type_kind(catalog.derived[name].type)
    table, column = catalog.property_column(name)
    return type_kind(catalog.tables[table].columns[column].type)


def trait_properties(
    catalog: Catalog, *, max_values: int = MAX_TRAIT_VALUES, geography: bool = True
) -> list[str]:
    """Customer properties worth comparing segments on: enumerated, not yes/no, not a consent,
    at most `max_values` values; the geography roles first (or left out)."""
    consents = {contact.consent for contact in catalog.roles.contact.values()}
    geo = list(catalog.roles.geography)
    found = [g for g in geo if geography and 0 < len(property_values(catalog, g)) <= max_values]
    for name in catalog.property_names():
        if name in geo or name in consents or name == catalog.entity.key:
            continue
        values = property_values(catalog, name)
        if 2 <= len(values) <= max_values and property_type(catalog, name) != "boolean":
            found.append(name)
    return found


_QUALIFIED = re.compile(r"\b[A-Za-z_]\w*\.([A-Za-z_]\w*)\b")


def property_roots(catalog: Catalog, name: str) -> set[str]:
    """The stored properties a property is read from: itself, or for a derived one the columns
    its SQL reads and what its bands are on (age and generation both come from a birth date).
    Two properties with common roots say the same thing about a customer in different words; the
    geography levels are one hierarchy, so every level has them all as roots."""
    geo = set(catalog.roles.geography)
    if name in geo:
        return geo
    derived = catalog.derived.get(name)
    if derived is None:
        return {name}
    roots = set(_QUALIFIED.findall(derived.sql))
    if derived.bands_on and derived.bands_on != name:
        roots |= property_roots(catalog, derived.bands_on)
    return roots or {name}


def value_label(catalog: Catalog, name: str, value: Any) -> str:
    """A stored value as people say it: its catalog label, else the value itself."""
    if value is None:
        return "unknown"
    key = ("true" if value else "false") if isinstance(value, bool) else str(value)
    return property_values(catalog, name).get(key, key)


def _indent(sql: str, spaces: int = 2) -> str:
    pad = " " * spaces
    return "\n".join(pad + line for line in sql.splitlines())
