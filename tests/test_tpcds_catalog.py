"""schemas/tpcds.yaml: it loads, matches a generated TPC-DS database table by table and value by
value, and the specs it compiles select exactly the customers hand-written SQL selects.

The database is the small cached one of tests/tpcds_fixture.py (built on first use); without that
module, data/tpcds_small.duckdb; the tests skip only when neither is available.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import pytest

from assistant.catalog import Catalog, load_catalog
from assistant.compiler import compile_spec
from assistant.config import PROJECT_ROOT, SCHEMAS_DIR
from assistant.datagraph import Relation
from assistant.guard import check_sql
from assistant.introspect import live_schema
from assistant.spec import SegmentSpec

CATALOG_PATH = SCHEMAS_DIR / "tpcds.yaml"
SMALL_DB = PROJECT_ROOT / "data" / "tpcds_small.duckdb"


def _database() -> Path:
    try:
        from tpcds_fixture import tpcds_database
    except ImportError:
        tpcds_database = None
    if tpcds_database is not None:
        from assistant.demo.tpcds import TpcdsBuildError

        try:
            return tpcds_database()
        except TpcdsBuildError as error:
            if SMALL_DB.exists():
                return SMALL_DB
            pytest.skip(f"no TPC-DS test database: the build failed ({error})")
    if SMALL_DB.exists():
        return SMALL_DB
    pytest.skip(
        f"no TPC-DS test database: tests/tpcds_fixture.py is absent and so is {SMALL_DB} "
        "(build one with `segment-assistant data tpcds --sf 0.1 --path data/tpcds_small.duckdb`)"
    )


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_catalog(CATALOG_PATH)


@pytest.fixture(scope="module")
def con():
    with duckdb.connect(str(_database()), read_only=True) as connection:
        yield connection


@pytest.fixture(scope="module")
def as_of(con: duckdb.DuckDBPyConnection, catalog: Catalog) -> date:
    return con.execute(f"SELECT {catalog.anchor_sql}").fetchone()[0]


def spec(catalog: Catalog, *conditions: dict[str, Any]) -> SegmentSpec:
    return SegmentSpec.model_validate(
        {"conditions": list(conditions)}, context={"catalog": catalog}
    )


def activity(source: str, **kwargs: Any) -> dict[str, Any]:
    """An activity condition; `filters`/`predicates` go to the activity, the rest to the measure."""
    act = {"source": source}
    for key in ("filters", "predicates"):
        if key in kwargs:
            act[key] = kwargs.pop(key)
    return {"kind": "activity", "activity": act, **kwargs}


def last(n: int, unit: str) -> dict[str, Any]:
    return {"kind": "trailing", "n": n, "unit": unit}


def attribute(name: str, op: str, value: Any = None) -> dict[str, Any]:
    cond = {"kind": "attribute", "attribute": name, "op": op}
    return cond if value is None else {**cond, "value": value}


def audience(con, catalog: Catalog, segment: SegmentSpec, as_of: date) -> set[int]:
    compiled = compile_spec(segment, as_of, catalog)
    check_sql(compiled.sql, catalog.schema())  # what the pipeline runs must pass the guard
    return {row[0] for row in con.execute(compiled.sql).fetchall()}


def hand(con, sql: str, as_of: date) -> set[int]:
    """Hand-written SQL; {as_of} is the anchor, {end} the day after it (windows end before it)."""
    filled = sql.replace("{end}", f"(DATE '{as_of}' + INTERVAL 1 DAY)")
    filled = filled.replace("{as_of}", f"DATE '{as_of}'")
    return {row[0] for row in con.execute(filled).fetchall()}


# --- the catalog and the database agree -----------------------------------------------------------


def test_catalog_loads_with_its_roles(catalog: Catalog) -> None:
    assert catalog.version == 2
    assert catalog.entity.table == "customer"
    assert catalog.entity.key == "c_customer_sk"
    roles = catalog.roles
    # Purchases and revenue are all channels: a union of the store, web and catalog events.
    assert (roles.purchases, roles.revenue, roles.category) == ("purchases", "spend", "category")
    assert catalog.events["purchases"].union == [
        "store_purchases",
        "web_purchases",
        "catalog_purchases",
    ]
    assert catalog.events["returns"].union == ["store_returns", "web_returns", "catalog_returns"]
    assert roles.geography == ["country", "state", "city"]
    # No signup date, consent or campaign data in TPC-DS: those features stay off.
    assert roles.signup is None and roles.tenure is None and roles.contact == {}
    assert roles.engagement is None and roles.messages is None


def test_catalog_matches_database_tables_columns_and_types(catalog: Catalog, con) -> None:
    assert catalog.check_against(live_schema(con)) == []


def test_anchor_is_the_last_sale_day_of_any_channel(catalog: Catalog, con, as_of: date) -> None:
    from assistant.demo.tpcds import anchor_date

    assert as_of == anchor_date(con)
    last = con.execute(
        "SELECT max(d_date) FROM catalog_sales JOIN date_dim ON d_date_sk = cs_sold_date_sk"
    ).fetchone()[0]
    assert as_of >= last


def _stored(value: Any) -> str:
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    return str(value)


def test_every_value_in_the_data_is_enumerated(catalog: Catalog, con) -> None:
    missing = {}
    for t, table in catalog.tables.items():
        for c, column in table.columns.items():
            if not column.values:
                continue
            rows = con.execute(f"SELECT DISTINCT {c} FROM {t} WHERE {c} IS NOT NULL").fetchall()
            extra = {_stored(v) for (v,) in rows} - set(column.values)
            if extra:
                missing[f"{t}.{c}"] = sorted(extra)[:5]
    assert missing == {}


def test_enumerations_are_complete_lists(catalog: Catalog) -> None:
    def values(t: str, c: str) -> dict:
        return catalog.column(t, c).values or {}

    states = values("customer_address", "ca_state")
    assert len(states) == 51 and states["CA"].label == "California"
    assert states["TX"].label == "Texas" and "texans" in states["TX"].synonyms
    assert len(values("customer", "c_birth_country")) == 211
    assert set(values("item", "i_category")) == {
        "Books", "Children", "Electronics", "Home", "Jewelry", "Men", "Music", "Shoes", "Sports",
        "Women",
    }  # fmt: skip
    classes = values("item", "i_class")
    assert len(classes) == 99
    assert classes["swimwear"].category == "Women"
    assert classes["kids"].category is None and classes["kids"].note  # in Home and in Shoes
    assert set(values("customer_demographics", "cd_marital_status")) == {"M", "S", "D", "W", "U"}
    assert values("customer_demographics", "cd_gender")["F"].label == "women"
    # City, county and ZIP are many and grow with the scale factor: free text.
    for t, c in [("customer_address", "ca_city"), ("customer_address", "ca_county"),
                 ("customer_address", "ca_zip")]:  # fmt: skip
        assert not catalog.column(t, c).values
    # Brands are listed as sf=1 has them (a request names them: "amalgamalg #1"); a brand's
    # words without its number are a synonym for all of its numbered brands.
    brands = values("item", "i_brand")
    assert len(brands) >= 500 and "amalgamalg" in brands["amalgamalg #1"].synonyms


def test_relations_are_many_to_one_in_the_data(catalog: Catalog, con) -> None:
    problems = []
    for text in catalog.relations:
        r = Relation.parse(text)
        duplicates = con.execute(
            f"SELECT count(*) - count(DISTINCT {r.parent_column}) FROM {r.parent}"
        ).fetchone()[0]
        orphans = con.execute(
            f"SELECT count(*) FROM {r.child} c WHERE c.{r.child_column} IS NOT NULL AND NOT EXISTS "
            f"(SELECT 1 FROM {r.parent} p WHERE p.{r.parent_column} = c.{r.child_column})"
        ).fetchone()[0]
        if duplicates or orphans:
            problems.append(f"{text}: {duplicates} duplicate keys, {orphans} orphans")
    assert problems == []


def test_each_fact_table_reaches_date_dim_one_way(catalog: Catalog) -> None:
    graph = catalog.graph
    for name, event in catalog.events.items():
        if event.union:
            continue
        hops = graph.path(event.table, "date_dim", one_way=True)
        assert len(hops) == 1, name
        key = hops[0].on.split(" = ")[0]
        assert key.endswith(("_sold_date_sk", "_returned_date_sk")), (name, key)


# --- everything compiles and runs ---------------------------------------------------------------


def test_every_event_has_customers(catalog: Catalog, con, as_of: date) -> None:
    for name in catalog.events:
        assert audience(con, catalog, spec(catalog, activity(name)), as_of), name


def test_every_measure_compiles_and_runs(catalog: Catalog, con, as_of: date) -> None:
    for m in catalog.measures.values():
        cond = activity(m.event, measure=m.aggregate, op=">", value=0)
        if m.field and m.aggregate != "count":
            cond["field"] = m.field
        if m.predicates:
            if m.aggregate == "share":
                cond["share_of"] = {"predicates": list(m.predicates)}
            else:
                cond["activity"]["predicates"] = list(m.predicates)
        if m.filters:
            cond["activity"]["filters"] = dict(m.filters)
        audience(con, catalog, spec(catalog, cond), as_of)


def test_every_event_field_compiles(catalog: Catalog, con, as_of: date) -> None:
    for name, event in catalog.events.items():
        fields = catalog.graph.event_fields(name) if event.union else event.fields
        for field in fields:
            cond = activity(name, measure="distinct", field=field, op=">=", value=1)
            audience(con, catalog, spec(catalog, cond), as_of)


def test_every_property_and_band_compiles(catalog: Catalog, con, as_of: date) -> None:
    for name in catalog.property_names():
        audience(con, catalog, spec(catalog, attribute(name, "not_null")), as_of)
    for name, derived in catalog.derived.items():
        for band in derived.bands:
            found = audience(con, catalog, spec(catalog, attribute(name, "=", band)), as_of)
            if name == "generation" and band in ("gen_z", "greatest"):
                continue  # generated birth years run 1924..1992: these may be empty
            assert found, f"{name} = {band}"


def test_terms_parse_with_the_rules_grammar_and_run(catalog: Catalog, con, as_of: date) -> None:
    from assistant.rules.lexicon import lexicon_for
    from assistant.rules.parser import RequestParser

    parser = RequestParser(catalog, lexicon_for(catalog), as_of)
    for name, term in catalog.terms.items():
        if term.means is None:
            continue  # a term asked about: tests/test_rules_vague_terms.py reads its choices
        parsed = parser.parse(term.means)
        assert parsed.conditions and not parsed.unrecognized, (name, parsed.unrecognized)
        segment = SegmentSpec(conditions=parsed.conditions)
        audience(con, catalog, segment, as_of)


def test_examples_answer_non_empty_with_the_rules_backend(catalog, con, as_of: date) -> None:
    from assistant.backends.base import Turn
    from assistant.backends.rules import RulesBackend

    backend = RulesBackend(catalog)
    for kind, request in catalog.examples.items():
        answer = backend.interpret(Turn(request=request, as_of=as_of))
        assert answer.spec is not None and answer.spec.conditions, (kind, request)
        assert audience(con, catalog, answer.spec, as_of), (kind, request)


# --- compiled specs select the customers hand-written SQL selects -----------------------------

STORE_DATED = "store_sales JOIN date_dim ON d_date_sk = ss_sold_date_sk"
WEB_DATED = "web_sales JOIN date_dim ON d_date_sk = ws_sold_date_sk"
CATALOG_DATED = "catalog_sales JOIN date_dim ON d_date_sk = cs_sold_date_sk"
AGE = (
    "year({as_of}) - c_birth_year - CASE WHEN c_birth_month > month({as_of}) "
    "OR (c_birth_month = month({as_of}) AND c_birth_day > day({as_of})) THEN 1 ELSE 0 END"
)

CASES: dict[str, tuple[list[dict[str, Any]], str]] = {
    "women in Texas": (
        [attribute("gender", "=", "F"), attribute("state", "=", "TX")],
        """SELECT c_customer_sk FROM customer
        JOIN customer_demographics ON cd_demo_sk = c_current_cdemo_sk
        JOIN customer_address ON ca_address_sk = c_current_addr_sk
        WHERE cd_gender = 'F' AND ca_state = 'TX'""",
    ),
    "married, advanced degree, two or more cars": (
        [
            attribute("marital_status", "=", "M"),
            attribute("education", "=", "Advanced Degree"),
            attribute("car_ownership", "=", "two_or_more_cars"),
        ],
        """SELECT c_customer_sk FROM customer
        JOIN customer_demographics ON cd_demo_sk = c_current_cdemo_sk
        JOIN household_demographics ON hd_demo_sk = c_current_hdemo_sk
        WHERE cd_marital_status = 'M' AND cd_education_status = 'Advanced Degree'
        AND hd_vehicle_count >= 2""",
    ),
    "income over $150k in the Pacific time zone": (
        [attribute("income_band", "=", "150k+"), attribute("time_zone", "=", "pacific")],
        """SELECT c_customer_sk FROM customer
        JOIN household_demographics ON hd_demo_sk = c_current_hdemo_sk
        JOIN income_band ON ib_income_band_sk = hd_income_band_sk
        JOIN customer_address ON ca_address_sk = c_current_addr_sk
        WHERE ib_upper_bound > 150000 AND ca_gmt_offset = -8""",
    ),
    "aged 65 or more": (
        [attribute("age_band", "=", "65+")],
        f"SELECT c_customer_sk FROM customer WHERE {AGE} >= 65",
    ),
    "2+ store purchases in the last 12 months": (
        [activity("store_purchases", op=">=", value=2, window=last(12, "months"))],
        f"""SELECT ss_customer_sk FROM {STORE_DATED}
        WHERE ss_customer_sk IS NOT NULL
        AND d_date >= {{end}} - INTERVAL 12 MONTH AND d_date < {{end}}
        GROUP BY ss_customer_sk HAVING count(DISTINCT ss_ticket_number) >= 2""",
    ),
    "never bought online": (
        [activity("web_purchases", op="=", value=0)],
        f"""SELECT c_customer_sk FROM customer WHERE NOT EXISTS (
        SELECT 1 FROM {WEB_DATED} WHERE ws_bill_customer_sk = c_customer_sk)""",
    ),
    "web Books buyers in 2002": (
        [
            activity(
                "web_purchases",
                filters={"category": ["Books"]},
                window={"kind": "year", "year": 2002},
            )
        ],
        f"""SELECT DISTINCT ws_bill_customer_sk FROM {WEB_DATED}
        JOIN item ON i_item_sk = ws_item_sk
        WHERE ws_bill_customer_sk IS NOT NULL AND i_category = 'Books' AND d_year = 2002""",
    ),
    "over $20,000 on catalog orders in 2001": (
        [
            activity(
                "catalog_purchases",
                measure="sum",
                field="net_paid",
                op=">",
                value=20000,
                window={"kind": "year", "year": 2001},
            )
        ],
        f"""SELECT cs_bill_customer_sk FROM {CATALOG_DATED}
        WHERE cs_bill_customer_sk IS NOT NULL AND d_year = 2001
        GROUP BY cs_bill_customer_sk HAVING sum(cs_net_paid) > 20000""",
    ),
    "over $20,000 in store last year": (
        [
            activity(
                "store_purchases",
                measure="sum",
                field="net_paid",
                op=">",
                value=20000,
                window={"kind": "calendar", "period": "last_year"},
            )
        ],
        f"""SELECT ss_customer_sk FROM {STORE_DATED}
        WHERE ss_customer_sk IS NOT NULL AND d_year = year({{as_of}}) - 1
        GROUP BY ss_customer_sk HAVING sum(ss_net_paid) > 20000""",
    ),
    "top 25 by store spend": (
        [
            {
                "kind": "rank",
                "activity": {"source": "store_purchases"},
                "measure": "sum",
                "field": "net_paid",
                "direction": "top",
                "n": 25,
                "unit": "customers",
            }
        ],
        """SELECT ss_customer_sk FROM store_sales WHERE ss_customer_sk IS NOT NULL
        GROUP BY ss_customer_sk ORDER BY sum(ss_net_paid) DESC, ss_customer_sk LIMIT 25""",
    ),
    "more than 3 store returns": (
        [activity("store_returns", op=">", value=3)],
        # No time asked: returns without a date count too.
        """SELECT sr_customer_sk FROM store_returns WHERE sr_customer_sk IS NOT NULL
        GROUP BY sr_customer_sk HAVING count(DISTINCT sr_ticket_number) > 3""",
    ),
    "over $2,000 of catalog returns for quality issues": (
        [
            activity(
                "catalog_returns",
                predicates=["quality_issue"],
                measure="sum",
                field="return_amount",
                op=">",
                value=2000,
            )
        ],
        """SELECT cr_returning_customer_sk FROM catalog_returns
        JOIN date_dim ON d_date_sk = cr_returned_date_sk
        JOIN reason ON r_reason_sk = cr_reason_sk
        WHERE cr_returning_customer_sk IS NOT NULL AND r_reason_desc IN
        ('Package was damaged', 'Stopped working', 'Parts missing', 'Not working any more')
        GROUP BY cr_returning_customer_sk HAVING sum(cr_return_amount) > 2000""",
    ),
    "direct-mail Jewelry in store in the last 12 months": (
        [
            activity(
                "store_purchases",
                filters={"direct_mail": ["Y"], "category": ["Jewelry"]},
                window=last(12, "months"),
            )
        ],
        f"""SELECT DISTINCT ss_customer_sk FROM {STORE_DATED}
        JOIN promotion ON p_promo_sk = ss_promo_sk JOIN item ON i_item_sk = ss_item_sk
        WHERE ss_customer_sk IS NOT NULL AND p_channel_dmail = 'Y' AND i_category = 'Jewelry'
        AND d_date >= {{end}} - INTERVAL 12 MONTH AND d_date < {{end}}""",
    ),
    "any channel in the last 60 days": (
        [
            {
                "kind": "or",
                "conditions": [
                    activity(source, window=last(60, "days"))
                    for source in ("store_purchases", "web_purchases", "catalog_purchases")
                ],
            }
        ],
        f"""SELECT customer_id FROM (
        SELECT ss_customer_sk AS customer_id, d_date FROM {STORE_DATED}
        UNION ALL SELECT ws_bill_customer_sk, d_date FROM {WEB_DATED}
        UNION ALL SELECT cs_bill_customer_sk, d_date FROM {CATALOG_DATED})
        WHERE customer_id IS NOT NULL
        AND d_date >= {{end}} - INTERVAL 60 DAY AND d_date < {{end}}""",
    ),
    "bought in any channel in the last 60 days (the union)": (
        [activity("purchases", window=last(60, "days"))],
        f"""SELECT customer_id FROM (
        SELECT ss_customer_sk AS customer_id, d_date FROM {STORE_DATED}
        UNION ALL SELECT ws_bill_customer_sk, d_date FROM {WEB_DATED}
        UNION ALL SELECT cs_bill_customer_sk, d_date FROM {CATALOG_DATED})
        WHERE customer_id IS NOT NULL
        AND d_date >= {{end}} - INTERVAL 60 DAY AND d_date < {{end}}""",
    ),
    "10+ purchases across store, web and catalog": (
        [activity("purchases", op=">=", value=10)],
        f"""SELECT customer_id FROM (
        SELECT ss_customer_sk AS customer_id, 's' || ss_ticket_number AS p FROM {STORE_DATED}
        UNION ALL SELECT ws_bill_customer_sk, 'w' || ws_order_number FROM {WEB_DATED}
        UNION ALL SELECT cs_bill_customer_sk, 'c' || cs_order_number FROM {CATALOG_DATED})
        WHERE customer_id IS NOT NULL GROUP BY customer_id HAVING count(DISTINCT p) >= 10""",
    ),
    "over $5,000 on swimwear in any channel, on promotion": (
        [
            activity(
                "purchases",
                filters={"class": ["swimwear"], "promotion_applied": True},
                measure="sum",
                field="amount",
                op=">",
                value=5000,
            )
        ],
        """SELECT customer_id FROM (
        SELECT ss_customer_sk AS customer_id, ss_item_sk AS item, ss_promo_sk AS promo,
        ss_net_paid AS paid FROM store_sales
        UNION ALL SELECT ws_bill_customer_sk, ws_item_sk, ws_promo_sk, ws_net_paid FROM web_sales
        UNION ALL SELECT cs_bill_customer_sk, cs_item_sk, cs_promo_sk, cs_net_paid
        FROM catalog_sales) s JOIN item ON i_item_sk = s.item
        WHERE customer_id IS NOT NULL AND i_class = 'swimwear' AND promo IS NOT NULL
        GROUP BY customer_id HAVING sum(paid) > 5000""",
    ),
    "more than 5 returns in any channel": (
        [activity("returns", op=">", value=5)],
        """SELECT customer_id FROM (
        SELECT sr_customer_sk AS customer_id, 's' || sr_ticket_number AS r FROM store_returns
        UNION ALL SELECT wr_returning_customer_sk, 'w' || wr_order_number FROM web_returns
        UNION ALL SELECT cr_returning_customer_sk, 'c' || cr_order_number FROM catalog_returns)
        WHERE customer_id IS NOT NULL GROUP BY customer_id HAVING count(DISTINCT r) > 5""",
    ),
    "no store purchase for 180 days (or never)": (
        [activity("store_purchases", measure="days_since_last", op=">", value=180)],
        f"""SELECT c_customer_sk FROM customer WHERE c_customer_sk NOT IN (
        SELECT ss_customer_sk FROM {STORE_DATED} WHERE ss_customer_sk IS NOT NULL
        GROUP BY ss_customer_sk HAVING date_diff('day', max(d_date), {{as_of}}) <= 180)""",
    ),
    "5+ categories bought in store, in the evening": (
        [
            activity(
                "store_purchases",
                filters={"time_of_day": ["evening"]},
                measure="distinct",
                field="category",
                op=">=",
                value=5,
            )
        ],
        """SELECT ss_customer_sk FROM store_sales
        JOIN time_dim ON t_time_sk = ss_sold_time_sk JOIN item ON i_item_sk = ss_item_sk
        WHERE ss_customer_sk IS NOT NULL AND t_sub_shift = 'evening'
        GROUP BY ss_customer_sk HAVING count(DISTINCT i_category) >= 5""",
    ),
    "premium items (over $90) bought online on a weekend": (
        [activity("web_purchases", filters={"item_price": {"min": 90}, "weekend": ["Y"]})],
        f"""SELECT DISTINCT ws_bill_customer_sk FROM {WEB_DATED} JOIN item ON i_item_sk = ws_item_sk
        WHERE ws_bill_customer_sk IS NOT NULL AND i_current_price >= 90 AND d_weekend = 'Y'""",
    ),
    "women who are not big store spenders": (
        [
            attribute("gender", "=", "F"),
            {
                "kind": "not",
                "condition": activity(
                    "store_purchases",
                    measure="sum",
                    field="net_paid",
                    op=">=",
                    value=40000,
                    window=last(12, "months"),
                ),
            },
        ],
        f"""SELECT c_customer_sk FROM customer
        JOIN customer_demographics ON cd_demo_sk = c_current_cdemo_sk
        WHERE cd_gender = 'F' AND c_customer_sk NOT IN (
        SELECT ss_customer_sk FROM {STORE_DATED} WHERE ss_customer_sk IS NOT NULL
        AND d_date >= {{end}} - INTERVAL 12 MONTH AND d_date < {{end}}
        GROUP BY ss_customer_sk HAVING sum(ss_net_paid) >= 40000)""",
    ),
}


@pytest.mark.parametrize("name", list(CASES))
def test_compiled_spec_matches_hand_sql(name: str, catalog: Catalog, con, as_of: date) -> None:
    conditions, sql = CASES[name]
    got = audience(con, catalog, spec(catalog, *conditions), as_of)
    expected = hand(con, sql, as_of)
    assert got == expected
    customers = con.execute("SELECT count(*) FROM customer").fetchone()[0]
    assert 0 < len(got) < customers, f"{name}: {len(got)} of {customers} is not a real segment"
