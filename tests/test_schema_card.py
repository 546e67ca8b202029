"""The schema card and few-shot examples the LLM prompt is built from."""

from __future__ import annotations

import pytest

from assistant.catalog import load_catalog
from assistant.compiler import compile_spec
from assistant.executor import Executor
from assistant.fewshot import load_examples, render_examples, select_examples
from assistant.guard import check_sql
from assistant.schema_card import (
    full_schema_with_samples,
    full_schema_with_samples_tokens,
    render_schema_card,
)
from assistant.tokens import count_tokens

AS_OF_TEXT = "2026-09-30"


@pytest.fixture(scope="module")
def catalog():
    return load_catalog()


@pytest.fixture(scope="module")
def executor(demo_db):
    with Executor(demo_db) as ex:
        yield ex


def test_the_full_card_describes_every_table_value_and_term(catalog):
    card = render_schema_card(catalog)
    assert card.tables == list(catalog.tables)
    for expected in (
        "## customers:",
        "## transactions:",
        "- gender VARCHAR",
        "female (women)",
        "gold",
        "California",
        "Outdoor",
        "completed",
        "- age INTEGER (customers)",
        'vip: means "loyalty tier gold or platinum"',
        "champions (Champions)",
        "- purchase: A purchase",
    ):
        assert expected in card.text, expected


def test_hierarchical_values_are_grouped_by_parent(catalog):
    text = render_schema_card(catalog).text
    region_line = next(line for line in text.splitlines() if line.startswith("- region "))
    assert "Values by country: US: California" in region_line
    assert region_line.count("country US") == 0  # the parent is written once, not per value


def test_a_narrow_request_with_max_tables_keeps_only_what_it_needs(catalog):
    card = render_schema_card(catalog, "women who bought camping gear last month", max_tables=4)
    assert card.tables == ["dataset_info", "customers", "products", "transactions",
                           "transaction_items"]  # fmt: skip
    assert "## web_sessions" not in card.text and "## support_tickets" not in card.text
    assert "Camping" in card.text
    full = render_schema_card(catalog)
    assert 0 < card.tokens < full.tokens


def test_join_paths_come_with_the_tables_they_connect(catalog):
    card = render_schema_card(catalog, "men who opened an email newsletter", max_tables=3)
    assert "campaign_events" in card.tables and "customers" in card.tables
    assert "transactions" not in card.tables
    products = render_schema_card(catalog, "bought eco friendly products", max_tables=4)
    assert {"products", "transaction_items", "transactions"} <= set(products.tables)


def test_a_request_about_customers_only_gets_customers(catalog):
    card = render_schema_card(catalog, "women in California", max_tables=1)
    assert card.tables == ["dataset_info", "customers"]


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
    card = render_schema_card(catalog, "women in California", max_tables=1)
    assert card.tokens == count_tokens(card.text) > 0
    baseline = full_schema_with_samples(executor)
    assert "CREATE TABLE customers" in baseline and "3 rows from customers" in baseline
    assert full_schema_with_samples_tokens(executor) == count_tokens(baseline) > 0


# --- few-shot examples ----------------------------------------------------------------------------


def test_there_are_25_to_40_approved_examples():
    assert 25 <= len(load_examples()) <= 40


def test_every_approved_example_compiles_and_passes_the_guard(executor):
    schema = executor.schema()
    for example in load_examples():
        compiled = compile_spec(example.spec, executor.as_of())
        check_sql(compiled.sql, schema, binder=executor.explain)


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
    assert text.startswith('Request: RFM champions\nAnswer: {"spec": ')
    assert '"model":"rfm"' in text
