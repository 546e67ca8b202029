"""The semantic catalog (schemas/retail.yaml) loads, matches the demo data and resolves synonyms."""

from __future__ import annotations

import os
import re
from datetime import date
from pathlib import Path

import duckdb
import pytest
from contract import CONTRACT, ENUMS

from assistant import datagen_data
from assistant.catalog import Catalog, CatalogError, load_catalog, parse_catalog
from assistant.config import SCHEMAS_DIR
from assistant.introspect import live_schema

# The contract's enumerations, plus columns whose values are the product categories.
CONTRACT_VALUES: dict[tuple[str, str], set[str]] = {
    **ENUMS,
    ("campaigns", "target_category"): ENUMS[("products", "category")],
    ("web_sessions", "viewed_category"): ENUMS[("products", "category")],
}


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_catalog()


@pytest.fixture(scope="module")
def db(demo_db: Path):
    con = duckdb.connect(str(demo_db), read_only=True)
    yield con
    con.close()


# --- loading and lookup -------------------------------------------------------------------------


def test_default_catalog_loads_with_every_contract_table(catalog: Catalog) -> None:
    assert catalog.version == 2
    assert catalog.dataset.anchor.sql == "SELECT max(as_of) FROM dataset_info"
    assert set(catalog.tables) == set(CONTRACT)
    assert (catalog.entity.table, catalog.entity.key) == ("customers", "customer_id")


def test_load_catalog_is_cached_per_file(catalog: Catalog) -> None:
    assert load_catalog() is catalog
    assert load_catalog(SCHEMAS_DIR / "retail.yaml") is catalog


def test_an_edited_catalog_file_is_read_again(tmp_path: Path) -> None:
    path = tmp_path / "mine.yaml"
    original = (SCHEMAS_DIR / "retail.yaml").read_text(encoding="utf-8")
    path.write_text(original, encoding="utf-8")
    first = load_catalog(path)
    path.write_text(original.replace("name: retail", "name: edited"), encoding="utf-8")
    # Force a different mtime even on coarse-grained file systems.
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
    assert load_catalog(path).dataset.name == "edited"
    assert first.dataset.name == "retail"


def test_table_and_column_accessors(catalog: Catalog) -> None:
    assert catalog.table("customers").key == ["customer_id"]
    assert catalog.column("customers", "gender").null_means
    assert catalog.column("products", "list_price").type == "DECIMAL(10,2)"
    with pytest.raises(KeyError, match="no table 'shoppers'"):
        catalog.table("shoppers")
    with pytest.raises(KeyError, match="no column customers.age"):
        catalog.column("customers", "age")


def test_schema_maps_every_table_to_column_types(catalog: Catalog) -> None:
    schema = catalog.schema()
    assert schema["transactions"]["transaction_ts"] == "TIMESTAMP"
    assert schema["transactions"]["total_amount"] == "DECIMAL(12,2)"
    assert schema["customers"]["email_opt_in"] == "BOOLEAN"
    assert all(types for types in schema.values())


# --- agreement with the data --------------------------------------------------------------------


def test_catalog_matches_demo_database_tables_columns_and_types(catalog, db) -> None:
    assert catalog.check_against(live_schema(db)) == []


def test_check_against_reports_each_kind_of_mismatch(catalog: Catalog) -> None:
    schema = {t: dict(cols) for t, cols in catalog.schema().items()}
    del schema["support_tickets"]
    schema["loyalty_events"] = {"id": "INTEGER"}
    del schema["customers"]["email"]
    schema["customers"]["nickname"] = "VARCHAR"
    schema["products"]["list_price"] = "DOUBLE"
    problems = catalog.check_against(schema)
    assert len(problems) == 5
    joined = "\n".join(problems)
    assert "support_tickets is in the catalog but not in the database" in joined
    assert "loyalty_events is in the database but not in the catalog" in joined
    assert "customers.email is in the catalog but not in the database" in joined
    assert "customers.nickname is in the database but not in the catalog" in joined
    assert "products.list_price has type DOUBLE in the database but DECIMAL(10,2)" in joined


def enumerated_columns(catalog: Catalog) -> list[tuple[str, str]]:
    return [
        (t, c)
        for t, table in catalog.tables.items()
        for c, column in table.columns.items()
        if column.is_enumerated
    ]


@pytest.mark.parametrize("table,column", enumerated_columns(load_catalog()))
def test_every_value_in_the_data_is_in_the_catalog(catalog, db, table: str, column: str) -> None:
    found = db.execute(
        f'SELECT DISTINCT "{column}" FROM "{table}" WHERE "{column}" IS NOT NULL'
    ).fetchall()
    as_text = {str(v).lower() if isinstance(v, bool) else str(v) for (v,) in found}
    listed = set(catalog.column(table, column).values or {})
    assert as_text, f"{table}.{column} has no data to check"
    assert as_text <= listed, f"{table}.{column}: values missing from catalog: {as_text - listed}"


@pytest.mark.parametrize("table,column", sorted(CONTRACT_VALUES))
def test_every_contract_value_is_listed(catalog: Catalog, table: str, column: str) -> None:
    assert set(catalog.column(table, column).values or {}) == CONTRACT_VALUES[(table, column)]


def test_category_lists_match_products_category_everywhere(catalog: Catalog) -> None:
    categories = set(catalog.column("products", "category").values or {})
    assert set(catalog.column("campaigns", "target_category").values or {}) == categories
    assert set(catalog.column("web_sessions", "viewed_category").values or {}) == categories


def test_geography_and_subcategories_match_the_generator_exactly(catalog: Catalog) -> None:
    regions = {
        region: country
        for country, (_, by_region) in datagen_data.GEOGRAPHY.items()
        for region in by_region
    }
    region_values = catalog.column("customers", "region").values or {}
    assert set(region_values) == set(regions)
    assert {name: v.country for name, v in region_values.items()} == regions

    cities = {
        city
        for _, by_region in datagen_data.GEOGRAPHY.values()
        for _, names in by_region.values()
        for city in names
    }
    assert set(catalog.column("customers", "city").values or {}) == cities

    subcategories = {
        sub: category for category, (_, subs, _) in datagen_data.CATALOG.items() for sub in subs
    }
    sub_values = catalog.column("products", "subcategory").values or {}
    assert {name: v.category for name, v in sub_values.items()} == subcategories


def test_region_values_name_a_known_country(catalog: Catalog) -> None:
    countries = set(catalog.column("customers", "country").values or {})
    for name, value in (catalog.column("customers", "region").values or {}).items():
        assert value.country in countries, name


# --- synonyms -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "phrase,table,column,value",
    [
        ("hikers", "products", "category", "Outdoor"),
        ("Outdoor gear", "products", "category", "Outdoor"),
        ("camping gear", "products", "subcategory", "Camping"),
        ("gadgets", "products", "category", "Electronics"),
        ("tech", "products", "category", "Electronics"),
        ("makeup", "products", "category", "Beauty"),
        ("cosmetics", "products", "category", "Beauty"),
        ("skincare", "products", "category", "Beauty"),
        ("sneakers", "products", "category", "Footwear"),
        ("clothes", "products", "category", "Apparel"),
        ("kids toys", "products", "category", "Toys"),
        ("groceries", "products", "category", "Grocery"),
        ("furniture", "products", "category", "Home"),
        ("gym", "products", "category", "Sports"),
        ("tennis", "products", "subcategory", "Racket Sports"),
        ("Californians", "customers", "region", "California"),
        ("Texans", "customers", "region", "Texas"),
        ("New Yorkers", "customers", "region", "New York"),
        ("Bavarians", "customers", "region", "Bavaria"),
        ("Ontarians", "customers", "region", "Ontario"),
        ("Quebecers", "customers", "region", "Quebec"),
        ("Londoners", "customers", "city", "London"),
        ("iPhone users", "customers", "primary_device", "ios"),
        ("Apple users", "customers", "primary_device", "ios"),
        ("Android users", "customers", "primary_device", "android"),
        ("desktop users", "customers", "primary_device", "desktop"),
        ("PC", "customers", "primary_device", "desktop"),
        ("app shoppers", "transactions", "channel", "app"),
        ("in-store", "transactions", "channel", "store"),
        ("web", "transactions", "channel", "online"),
        ("buy now pay later", "transactions", "payment_method", "bnpl"),
        ("Klarna", "transactions", "payment_method", "bnpl"),
        ("gift card", "transactions", "payment_method", "gift_card"),
        ("PayPal", "transactions", "payment_method", "paypal"),
        ("women", "customers", "gender", "female"),
        ("men", "customers", "gender", "male"),
        ("the States", "customers", "country", "US"),
        ("USA", "customers", "country", "US"),
        ("America", "customers", "country", "US"),
        ("UK", "customers", "country", "GB"),
        ("Britain", "customers", "country", "GB"),
        ("Germany", "customers", "country", "DE"),
        ("France", "customers", "country", "FR"),
        ("Aussies", "customers", "country", "AU"),
        ("Canadians", "customers", "country", "CA"),
        ("retirees", "customers", "occupation", "retired"),
        ("students", "customers", "occupation", "student"),
        ("freelancers", "customers", "occupation", "self_employed"),
        ("stay-at-home parents", "customers", "occupation", "homemaker"),
        ("B2B", "customers", "customer_type", "business"),
        ("companies", "customers", "customer_type", "business"),
        ("enterprise", "customers", "company_size", "1000+"),
        ("outdoorsy", "customers", "lifestyle", "outdoor_adventurer"),
        ("eco-friendly shoppers", "customers", "lifestyle", "eco_conscious"),
        ("early adopters", "customers", "lifestyle", "tech_enthusiast"),
        ("parents", "customers", "lifestyle", "family_focused"),
        ("health-conscious", "customers", "lifestyle", "wellness_seeker"),
        ("bargain hunters", "customers", "lifestyle", "budget_conscious"),
        ("opened an email", "campaign_events", "event_type", "opened"),
        ("unsubscribed", "campaign_events", "event_type", "unsubscribed"),
        ("win-back", "campaigns", "campaign_type", "winback"),
        ("newsletter", "campaigns", "campaign_type", "newsletter"),
        ("complained about delivery", "support_tickets", "topic", "delivery"),
        ("billing issue", "support_tickets", "topic", "billing"),
        ("phone", "support_tickets", "channel", "phone"),
        ("firefox", "web_sessions", "browser", "firefox"),
        ("emailable", "customers", "email_opt_in", "true"),
    ],
)
def test_synonym_resolves(catalog: Catalog, phrase: str, table: str, column: str, value: str):
    assert (table, column, value) in {(s.table, s.column, s.value) for s in catalog.lookup(phrase)}


def test_a_shared_synonym_names_every_value_it_covers(catalog: Catalog) -> None:
    def values(phrase: str) -> set[str]:
        return {s.value for s in catalog.lookup(phrase)}

    assert values("VIP") == {"gold", "platinum"}
    assert values("SMB") == {"1-10", "11-50"}
    assert values("members") == {"bronze", "silver", "gold", "platinum"}


def test_value_synonyms_include_value_and_label_lower_cased(catalog: Catalog) -> None:
    synonyms = catalog.value_synonyms()
    gender = {
        s.phrase
        for s in synonyms
        if (s.table, s.column, s.value) == ("customers", "gender", "female")
    }
    assert {"female", "women"} <= gender
    assert all(s.phrase == s.phrase.lower().strip() for s in synonyms)
    assert len(synonyms) == len(set(synonyms))


def test_named_row_predicates_cover_csat_and_cart_abandonment(catalog, db) -> None:
    tickets = catalog.events["support_tickets"].predicates
    assert "unhappy" in tickets["dissatisfied"].synonyms
    assert "happy" in tickets["satisfied"].synonyms
    low = db.execute(
        f"SELECT max(csat_score) FROM support_tickets WHERE {tickets['dissatisfied'].sql}"
    ).fetchone()[0]
    assert low <= 2
    abandoned = catalog.events["web_sessions"].predicates["cart_abandoned"]
    assert "cart abandoners" in abandoned.synonyms
    flags = db.execute(
        f"SELECT DISTINCT added_to_cart, converted FROM web_sessions WHERE {abandoned.sql}"
    ).fetchall()
    assert flags == [(True, False)]


# --- terms follow the grammar the rules parser reads --------------------------------------------

QUANT = r"(?:at least|at most|more than|fewer than|less than|exactly)"
WINDOW = r"(?: in the last \d+ (?:days|weeks|months))?"


def clause_is_parseable(clause: str, catalog: Catalog) -> bool:
    measures = sorted(
        (p for m in catalog.measures.values() for p in m.phrases), key=len, reverse=True
    )
    measure = "(?:" + "|".join(re.escape(p) for p in measures) + ")"
    patterns = [
        rf"{QUANT} \d+ {measure}{WINDOW}",
        rf"no {measure}{WINDOW}",
        rf"{measure} {QUANT} \$?\d+%?{WINDOW}",
        r"last purchase more than \d+ days ago",
        r"signed up (?:in the last \d+ days|more than \d+ days ago)",
    ]
    if any(re.fullmatch(p, clause) for p in patterns):
        return True
    return _is_value_list_clause(clause, catalog) or _read_whole(clause, catalog)


def _read_whole(clause: str, catalog: Catalog) -> bool:
    """A clause outside the plain patterns ('at least 1 store purchase') still passes when the
    rules grammar reads it whole: one condition, no word left over."""
    from assistant.rules.lexicon import lexicon_for
    from assistant.rules.parser import RequestParser

    parsed = RequestParser(catalog, lexicon_for(catalog), date(2026, 9, 30)).parse(clause)
    return len(parsed.conditions) == 1 and not parsed.unrecognized


def _is_value_list_clause(clause: str, catalog: Catalog) -> bool:
    for table in catalog.tables.values():
        for column in table.columns.values():
            for name in column.synonyms:
                if column.values and clause.startswith(name + " "):
                    rest = clause[len(name) + 1 :]
                    listed = re.split(r", | or ", rest)
                    return all(v in column.values for v in listed)
    return False


def test_every_term_has_a_description_and_a_precise_meaning(catalog: Catalog) -> None:
    expected = {
        "frequent",
        "high_value",
        "vip",
        "new",
        "active",
        "inactive",
        "lapsed",
        "loyal",
        "churned",
        "one_time_buyer",
        "repeat_buyer",
        "bargain_hunter",
        "window_shopper",
        "cart_abandoner",
        "engaged",
        "unengaged",
        "unsubscribed",
    }
    assert expected <= set(catalog.terms)
    for name, term in catalog.terms.items():
        assert term.description and (term.means or term.choices), name


@pytest.mark.parametrize("name", sorted(n for n, t in load_catalog().terms.items() if t.means))
def test_term_meaning_uses_the_documented_grammar(catalog: Catalog, name: str) -> None:
    for clause in catalog.terms[name].means.split(" and "):
        assert clause_is_parseable(clause, catalog), f"{name}: cannot parse {clause!r}"


def test_documented_thresholds(catalog: Catalog) -> None:
    assert catalog.terms["frequent"].means == "at least 6 purchases in the last 12 months"
    assert catalog.terms["lapsed"].means == (
        "no purchases in the last 180 days and at least 1 purchase"
    )
    assert catalog.terms["vip"].means == "loyalty tier gold or platinum"


# --- SQL fragments run on the demo data ---------------------------------------------------------


def test_every_measure_compiles_and_runs_per_customer(catalog, db) -> None:
    from assistant.compiler import compile_spec
    from assistant.spec import Activity, ActivityCondition, SegmentSpec, ShareOf

    for name, m in catalog.measures.items():
        activity = Activity(source=m.event, filters=m.filters, predicates=m.predicates)
        share = ShareOf(predicates=m.predicates) if m.aggregate == "share" else None
        if share is not None:
            activity = Activity(source=m.event)
        condition = ActivityCondition(
            activity=activity, measure=m.aggregate, field=m.field, share_of=share, value=1
        )
        sql = compile_spec(SegmentSpec(conditions=[condition]), date(2026, 9, 30), catalog).sql
        db.execute(sql).fetchall()  # every measure is valid DuckDB over the catalog's graph
        assert name


def test_a_purchase_is_a_completed_transaction(catalog, db) -> None:
    from assistant.datagraph import EventRows

    rows = EventRows(catalog.graph, "purchases").rows_sql()
    counted = db.execute(f"SELECT count(*) FROM ({rows})").fetchone()[0]
    completed = db.execute(
        "SELECT count(*) FROM transactions WHERE status = 'completed'"
    ).fetchone()[0]
    assert counted == completed > 0


def test_derived_attributes_compute_consistent_values(catalog, db) -> None:
    d = catalog.derived
    rows = db.execute(
        f"SELECT {catalog.fill(d['age'].sql)}, {catalog.fill(d['age_band'].sql)}, "
        f"{catalog.fill(d['generation'].sql)}, year(birth_date), "
        f"{catalog.fill(d['tenure_days'].sql)} "
        "FROM customers"
    ).fetchall()
    for age, band_name, generation, birth_year, tenure in rows:
        assert 18 <= age <= 85
        band = d["age_band"].bands[band_name]
        assert (band.min or 0) <= age <= (band.max or 200)
        gen = d["generation"].bands[generation]
        assert gen.min <= birth_year <= gen.max
        assert 0 <= tenure <= 3 * 366


def test_generation_bands_are_contiguous(catalog: Catalog) -> None:
    bands = sorted(catalog.derived["generation"].bands.values(), key=lambda b: b.min)
    for older, younger in zip(bands, bands[1:], strict=False):
        assert younger.min == older.max + 1


def window_range(catalog: Catalog, db, name: str, **params) -> tuple:
    condition = catalog.fill(catalog.windows[name].sql, ts="transaction_ts", **params)
    return db.execute(
        f"SELECT min(transaction_ts)::DATE, max(transaction_ts)::DATE FROM transactions "
        f"WHERE {condition}"
    ).fetchone()


def test_calendar_windows_are_anchored_at_as_of(catalog, db) -> None:
    as_of = db.execute("SELECT as_of FROM dataset_info").fetchone()[0]
    assert as_of == date(2026, 9, 30)
    first, last = window_range(catalog, db, "last_month")
    assert (first.year, first.month) == (last.year, last.month) == (2026, 8)
    first, last = window_range(catalog, db, "this_month")
    assert first >= date(2026, 9, 1) and last <= as_of
    first, last = window_range(catalog, db, "last_year")
    assert first.year == last.year == 2025
    first, last = window_range(catalog, db, "past_n_days", n=30)
    assert first == date(2026, 9, 1) and last <= as_of  # same days as assistant.windows
    first, last = window_range(catalog, db, "in_year", year=2025)
    assert first.year == last.year == 2025
    first, last = window_range(catalog, db, "since_month", month=3)
    assert first >= date(2026, 3, 1) and last <= as_of


def test_every_window_fragment_is_valid_sql(catalog, db) -> None:
    for name, window in catalog.windows.items():
        if window.sql is None:
            continue
        sql = catalog.fill(window.sql, ts="transaction_ts", n=3, month=5, year=2025)
        db.execute(f"SELECT count(*) FROM transactions WHERE {sql}").fetchone()
        assert "{" not in sql, name


# --- malformed catalogs -------------------------------------------------------------------------

MINIMAL = """
version: 2
dataset: {name: t, anchor: {date: "2026-09-30"}, description: d}
entity: {table: customers, key: customer_id}
tables:
  customers:
    description: people
    key: customer_id
    columns:
      customer_id: {type: INTEGER, description: id}
      gender:
        type: VARCHAR
        description: g
        values: {female: {synonyms: [women]}}
"""


def test_minimal_catalog_is_accepted() -> None:
    assert parse_catalog(MINIMAL).lookup("women")[0].value == "female"


@pytest.mark.parametrize(
    "broken,expected",
    [
        (MINIMAL.replace("        type: VARCHAR\n", ""), "tables.customers.columns.gender.type"),
        (
            MINIMAL.replace("synonyms: [women]", "synonym: [women]"),
            "tables.customers.columns.gender.values.female.synonym",
        ),
        (MINIMAL.replace("key: customer_id", "key: person_id"), "person_id"),
        (MINIMAL + "relations: [orders.customer_id -> customers.customer_id]\n", "unknown table"),
        (MINIMAL.replace('{date: "2026-09-30"}', "TODO"), "anchor date is still TODO"),
        (MINIMAL.replace("entity: {table: customers", "entity: {table: people"), "entity.table"),
        (MINIMAL + "terms:\n  vip: {description: v, means: ''}\n", "terms.vip.means"),
        (MINIMAL.replace("version: 2", "version: [2"), "not valid YAML"),
        (MINIMAL + "version: 2\n", "duplicate key 'version'"),
    ],
)
def test_malformed_catalog_gives_a_clear_error(tmp_path: Path, broken: str, expected: str) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text(broken, encoding="utf-8")
    with pytest.raises(CatalogError) as info:
        load_catalog(path)
    message = str(info.value)
    assert message.startswith(str(path))
    assert expected in message


def test_missing_catalog_file_is_reported(tmp_path: Path) -> None:
    with pytest.raises(CatalogError, match="catalog file not found"):
        load_catalog(tmp_path / "absent.yaml")
