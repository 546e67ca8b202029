"""Specification: a vague word the catalog says to ask about ("our best customers", "low usage")
is asked back with the readings the catalog gives, never guessed; each reading is a request the
grammar reads whole. Catalog terms with `choices` instead of `means` (issue 11: clarify instead of
guess, with 2-4 concrete choices)."""

from __future__ import annotations

from pathlib import Path

import pytest
from rules_reading import read

from assistant.catalog import CatalogError, load_catalog


@pytest.mark.parametrize(
    ("fixture", "request_text", "said"),
    [
        ("retail", "pull our best customers for a thank-you mailer", "best customers"),
        ("retail", "best clients in Texas", "best clients"),
        ("saas", "accounts with low usage", "low usage"),
        ("saas", "enterprise accounts that are barely using the product", "barely using"),
    ],
)
def test_a_vague_word_is_asked_about_with_the_catalogs_readings(
    request, fixture, request_text, said
):
    backend = request.getfixturevalue(fixture)
    got = read(backend, request_text)
    assert got.spec is None and got.clarification is not None
    assert said in got.clarification.question
    assert got.clarification.readings
    assert 2 <= len(got.clarification.suggestions) <= 4
    # every choice is the request itself with the word made precise, and reads whole
    for choice in got.clarification.suggestions:
        assert said not in choice.lower()
        answered = read(backend, choice)
        assert answered.spec is not None and answered.spec.conditions, choice


@pytest.mark.parametrize("fixture", ["retail", "saas", "tpcds"])
def test_every_asked_term_offers_readings_the_grammar_reads(request, fixture):
    backend = request.getfixturevalue(fixture)
    for name, term in backend.catalog.terms.items():
        for choice in term.choices:
            got = read(backend, f"customers: {choice}")
            assert got.spec is not None and not got.unrecognized, (name, choice)


def test_all_three_channels_is_a_purchase_in_each_channel(retail):
    said = read(retail, "customers who've ordered through all three channels")
    spelled = read(retail, "customers who bought in store, online and in the app")
    assert said.spec.conditions == spelled.spec.conditions
    assert not said.unrecognized


@pytest.mark.parametrize(
    ("term", "message"),
    [
        ("{description: d}", "either `means` or `choices`"),
        ("{description: d, means: x, choices: [a, b]}", "either `means` or `choices`"),
        ("{description: d, choices: [a]}", "2 to 4 readings"),
    ],
)
def test_a_term_needs_a_meaning_or_readings_to_ask_between(tmp_path: Path, term, message):
    text = (Path(__file__).parent.parent / "schemas" / "retail.yaml").read_text(encoding="utf-8")
    broken = text.replace("terms:\n", f"terms:\n  odd: {term}\n", 1)
    path = tmp_path / "broken.yaml"
    path.write_text(broken, encoding="utf-8")
    with pytest.raises(CatalogError, match=message):
        load_catalog(path)


@pytest.mark.parametrize(
    "request_text",
    [
        "who phoned us about a billing problem in the last 90 days?",
        "customers who texted us last month",
        "customers who rated us 1 or 2",
        "people who call us a lot about delivery",
    ],
)
def test_us_after_a_verb_of_contact_is_the_pronoun_not_the_country(retail, request_text):
    got = read(retail, request_text)
    said = repr(got.spec.conditions) if got.spec else repr(got.clarification)
    assert "'US'" not in said


def test_us_said_as_a_place_is_still_the_country(retail):
    got = read(retail, "customers in the us who called us")
    assert any(getattr(c, "attribute", None) == "country" for c in got.spec.conditions)


def test_a_terms_plural_said_as_a_modifier_is_the_term(retail):
    compound = read(retail, "big-basket shoppers in Germany")
    plural = read(retail, "big baskets in Germany")
    assert compound.spec.conditions == plural.spec.conditions
    assert not compound.unrecognized


@pytest.mark.parametrize("fixture", ["retail", "tpcds"])
def test_an_amount_without_a_number_is_asked_for_with_choices(request, fixture):
    backend = request.getfixturevalue(fixture)
    got = read(backend, "customers who buy a lot of electronics")
    assert got.spec is None and "a lot" in got.clarification.question
    assert got.clarification.suggestions
    for choice in got.clarification.suggestions:
        answered = read(backend, choice)
        assert answered.spec is not None and not answered.unrecognized, choice


def test_a_change_without_its_periods_is_asked_about(retail):
    got = read(retail, "customers whose spending has dropped off")
    assert got.spec is None and "compared with when" in got.clarification.question
    for choice in got.clarification.suggestions:
        assert read(retail, choice).spec is not None, choice


def test_a_change_with_its_periods_is_answered(retail):
    got = read(
        retail,
        "customers whose spending dropped in the last 6 months compared with the 6 months before",
    )
    assert got.spec is not None


def test_the_readings_of_a_vague_word_are_counted_with_the_users_other_words(executor, retail):
    from conftest import TEST_AS_OF

    from assistant.suggest import counted_readings

    got = read(retail, "pull our best customers for a thank-you mailer", TEST_AS_OF)
    counted = counted_readings(got.clarification.suggestions, executor, TEST_AS_OF, retail.catalog)
    assert [c.request for c in counted] == got.clarification.suggestions
    assert all(c.count > 0 for c in counted)
