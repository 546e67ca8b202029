"""The schema card and few-shot examples the LLM prompt is built from."""

from __future__ import annotations

import re
from datetime import date

import pytest

from assistant.catalog import Catalog, load_catalog
from assistant.compiler import compile_spec
from assistant.config import SCHEMAS_DIR
from assistant.executor import Executor
from assistant.fewshot import examples_for, load_examples, render_examples, select_examples
from assistant.guard import check_sql
from assistant.schema_card import (
    full_schema_with_samples,
    full_schema_with_samples_tokens,
    render_schema_card,
)
from assistant.spec import SegmentSpec
from assistant.tokens import count_tokens

AS_OF = date(2026, 9, 30)  # the test database's (tests/conftest.py)


@pytest.fixture(scope="module")
def catalog():
    return load_catalog()


@pytest.fixture(scope="module")
def executor(demo_db):
    with Executor(demo_db) as ex:
        yield ex


def test_the_full_card_describes_every_property_event_value_and_term(catalog):
    card = render_schema_card(catalog)
    assert card.tables == list(catalog.tables)
    for expected in (
        "## Customer properties (attribute conditions)",
        "- gender (text): Self-reported gender.",
        "female (women)",
        "gold",
        "California",
        "- age (number, computed at as_of)",
        "### purchases: Completed orders",
        "Outdoor (outdoor gear)",
        "- predicate cart_abandoned:",
        "- spend (currency): Total spend",
        '{"activity":{"source":"purchases"},"measure":"sum","field":"total_amount"}',
        'vip: means "loyalty tier gold or platinum"',
        "- last_month: The previous calendar month",
        "champions (Champions)",
        "- purchase: A purchase",
        "## Roles",
        "- join transactions.customer_id -> customers.customer_id",
    ):
        assert expected in card.text, expected
    assert "also (name only)" not in card.text


def test_a_share_measure_is_written_with_share_of(catalog):
    text = render_schema_card(catalog, "bargain hunters").text
    assert (
        '{"activity":{"source":"purchases"},"measure":"share",'
        '"share_of":{"predicates":["discounted"]}}'
    ) in text


def test_hierarchical_values_are_grouped_by_parent(catalog):
    text = render_schema_card(catalog).text
    region_line = next(line for line in text.splitlines() if line.startswith("- region "))
    assert "Values by country: US: California" in region_line
    assert region_line.count("country US") == 0  # the parent is written once, not per value


def test_a_request_gets_full_definitions_only_for_what_it_uses(catalog):
    card = render_schema_card(catalog, "women who bought camping gear in the last 90 days")
    assert card.full["properties"] == ["gender"]
    assert card.full["events"] == ["purchases"]
    assert "- subcategory (text)" in card.text and "Camping" in card.text
    assert "### web_sessions" not in card.text and "### support_tickets" not in card.text
    assert "- past_n_days: The N days ending on as_of" in card.text
    assert "- last_month:" not in card.text and "last_month" in card.text  # by name only
    assert "country" in card.text and "Values by country" not in card.text
    assert card.tables == ["customers", "products", "transactions", "transaction_items"]
    full = render_schema_card(catalog)
    assert 0 < card.tokens < full.tokens / 3


def test_every_name_stays_on_the_card_by_name(catalog):
    text = render_schema_card(catalog, "women in California").text
    for name in [*catalog.property_names(), *catalog.events, *catalog.measures, *catalog.terms]:
        assert re.search(rf"\b{re.escape(name)}\b", text), name
    for name in catalog.tables:
        assert name in text


def test_events_come_from_their_words_or_their_values(catalog):
    clicked = render_schema_card(catalog, "people who clicked a winback campaign")
    assert clicked.full["events"] == ["campaign_events"]  # named by its values alone
    assert "winback (win-back)" in clicked.text and "clicked" in clicked.text
    assert clicked.tables == ["customers", "campaigns", "campaign_events"]
    bought = render_schema_card(catalog, "outdoor buyers")
    assert bought.full["events"] == ["purchases"]  # "buyers"; returns have categories too
    assert "- buyers_of_category:" in bought.text  # its phrase "{category} buyers" matched


def test_terms_bring_what_their_meaning_needs(catalog):
    card = render_schema_card(catalog, "big spenders in Texas")
    assert card.full["terms"] == ["high_value"]
    assert 'high_value: means "spent at least $1500 in the last 12 months"' in card.text
    assert "spend" in card.full["measures"] and "purchases" in card.full["events"]
    assert card.full["properties"] == ["region"]


def test_a_follow_up_keeps_the_names_of_the_segment_it_refines(catalog):
    current = SegmentSpec.model_validate(
        {
            "conditions": [
                {"kind": "attribute", "attribute": "loyalty_tier", "op": "=", "value": "gold"},
                {
                    "kind": "activity",
                    "activity": {"source": "web_sessions", "filters": {"device": ["ios"]}},
                },
            ]
        },
        context={"catalog": catalog},
    )
    card = render_schema_card(catalog, "make it the last 30 days", current=current)
    assert "loyalty_tier" in card.full["properties"]
    assert "web_sessions" in card.full["events"]
    assert "- device (text)" in card.text and "- past_n_days:" in card.text


def test_a_segment_model_named_gets_its_labels(catalog):
    card = render_schema_card(catalog, "RFM champions")
    assert "- rfm: champions (Champions)" in card.text
    assert "abc" in card.text and "- abc:" not in card.text


def test_long_value_lists_are_summarised_but_keep_the_values_asked_for(catalog):
    text = render_schema_card(catalog, "customers in Heidelberg").text
    city = next(line for line in text.splitlines() if line.startswith("- city "))
    assert "known values" in city and "Heidelberg" in city


def test_nothing_on_the_card_comes_from_python_rather_than_the_catalog(catalog):
    data = catalog.model_dump(exclude_none=True)
    data["dataset"]["name"] = "shop"
    data["entity"]["noun"], data["entity"]["plural"] = "shopper", "shoppers"
    data["events"]["visits"] = data["events"].pop("web_sessions")
    for measure in data["measures"].values():
        if measure["event"] == "web_sessions":
            measure["event"] = "visits"
    other = Catalog.model_validate(data)
    text = render_schema_card(other).text
    assert "Dataset shop:" in text and "## Shopper properties" in text
    assert "### visits:" in text and "### web_sessions" not in text


def test_the_card_never_contains_raw_data_rows(catalog, executor):
    text = render_schema_card(catalog).text
    rows = executor.query(
        "SELECT email, first_name || ' ' || last_name FROM customers LIMIT 50"
    ).rows
    names = executor.query("SELECT product_name FROM products LIMIT 50").rows
    campaigns = executor.query("SELECT campaign_name FROM campaigns LIMIT 50").rows
    for (value,) in [*((r[0],) for r in rows), *((r[1],) for r in rows), *names, *campaigns]:
        assert value not in text, value
    assert "free text" in text


def test_token_counts_are_local_and_consistent(catalog, executor):
    card = render_schema_card(catalog, "women in California")
    assert card.tokens == count_tokens(card.text) > 0
    baseline = full_schema_with_samples(executor)
    assert "CREATE TABLE customers" in baseline and "3 rows from customers" in baseline
    assert full_schema_with_samples_tokens(executor) == count_tokens(baseline) > 0


# --- few-shot examples ----------------------------------------------------------------------------


def test_there_are_25_to_40_approved_examples():
    assert 25 <= len(load_examples()) <= 40


def test_every_approved_example_compiles_and_passes_the_guard(catalog, executor):
    schema = executor.schema()
    for example in load_examples(catalog=catalog):
        compiled = compile_spec(example.spec, AS_OF, catalog)
        check_sql(compiled.sql, schema, binder=executor.explain)


def test_examples_are_for_their_own_catalog_only(catalog):
    assert examples_for(catalog) == load_examples(catalog=catalog)
    data = catalog.model_dump(exclude_none=True)
    data["dataset"]["name"] = "shop"
    other = Catalog.model_validate(data)
    assert examples_for(other) == []
    with pytest.raises(ValueError, match="for dataset 'retail'"):
        load_examples(catalog=other)


def test_an_example_naming_what_the_catalog_lacks_fails_to_load(catalog, tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "dataset: retail\nexamples:\n  - request: shoe sizes\n    spec: {conditions: "
        "[{kind: activity, activity: {source: purchases, filters: {shoe_size: [44]}}}]}\n"
    )
    with pytest.raises(ValueError, match="shoe_size"):
        load_examples(bad, catalog)


def test_the_most_similar_examples_are_chosen_deterministically():
    chosen = select_examples("women in Texas who bought camping gear in the last 30 days")
    assert len(chosen) == 4
    requests = [e.request for e in chosen]
    assert "people who bought camping gear in the last 90 days" in requests
    assert requests == [
        e.request
        for e in select_examples("women in Texas who bought camping gear in the last 30 days")
    ]


def test_examples_render_as_answer_json():
    text = render_examples(select_examples("RFM champions", k=1))
    assert text.startswith('Request: RFM champions\nAnswer: {"spec":{"conditions":')
    assert '"model":"rfm"' in text
    outdoor = render_examples(select_examples("outdoor buyers", k=1))
    assert '"activity":{"source":"purchases","filters":{"category":["Outdoor"]}}' in outdoor
    assert '"measure":"count"' in outdoor and '"predicates"' not in outdoor


def test_a_stored_code_that_is_also_a_word_is_named_only_in_capitals(catalog):
    data = catalog.model_dump(exclude_none=True)
    data["tables"]["customers"]["columns"]["country"]["values"]["IN"] = {"label": "India"}
    other = Catalog.model_validate(data)
    assert "country" not in render_schema_card(other, "women in Texas").full["properties"]
    assert "country" in render_schema_card(other, "women in IN").full["properties"]
    assert "country" in render_schema_card(other, "women in India").full["properties"]


def test_an_event_verb_of_several_words_matches_in_any_order(catalog):
    data = catalog.model_dump(exclude_none=True)
    data["events"]["web_sessions"]["verbs"] = ["browsed online"]
    other = Catalog.model_validate(data)
    card = render_schema_card(other, "people who browsed shoes online last week")
    assert "web_sessions" in card.full["events"]


@pytest.mark.parametrize("name", ["tpcds", "saas"])
def test_other_catalogs_get_a_card_too(name):
    path = SCHEMAS_DIR / f"{name}.yaml"
    if not path.exists():
        pytest.skip(f"no {path}")
    other = load_catalog(path)
    full = render_schema_card(other)
    assert other.entity.table in full.text and all(e in full.text for e in other.events)
    card = render_schema_card(other, "customers who bought something last month")
    assert 0 < card.tokens < full.tokens / 2


def test_a_union_event_is_described_by_its_members_shared_fields(catalog):
    data = catalog.model_dump(exclude_none=True)
    data["events"]["any_order"] = {
        "union": ["purchases", "returns"],
        "description": "A purchase or a return.",
        "noun": "order",
        "verbs": ["ordered"],
    }
    other = Catalog.model_validate(data)
    card = render_schema_card(other, "customers who ordered outdoor gear")
    assert "any_order" in card.full["events"]
    assert "### any_order: A purchase or a return. (any of purchases, returns)" in card.text
    block = card.text.split("### any_order")[1].split("###")[0]
    assert "- category (text)" in block and "Outdoor (outdoor gear)" in block
    assert {"transactions", "transaction_items", "products"} <= set(card.tables)
    assert "### any_order" in render_schema_card(other).text
