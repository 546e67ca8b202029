"""Specification of the Kotler extras: reachability, differentiators, revenue share, why zero."""

from __future__ import annotations

from collections import Counter
from datetime import date

import pytest

from assistant import roles
from assistant.answer import Answer, Session, answer
from assistant.backends.rules import RulesBackend
from assistant.catalog import Roles, load_catalog
from assistant.compiler import compile_spec as _compile_spec
from assistant.guard import check_sql
from assistant.kotler import (
    MIN_LIFT,
    MIN_MEMBERS,
    MIN_SUPPORT,
    EnrichedAnswer,
    differentiators,
    enrich_answer,
    kotler_notes,
    reachability,
    revenue_share,
    why_zero,
)
from assistant.profile import catalog_as_of
from assistant.spec import Activity, ActivityCondition, AttributeCondition, SegmentSpec
from assistant.windows import Trailing

CATALOG = load_catalog()
BARE = CATALOG.model_copy(update={"roles": Roles()})


def compile_spec(spec: SegmentSpec, as_of: date):
    return _compile_spec(spec, as_of, CATALOG)


def bought(*categories: str) -> Activity:
    return Activity(source="purchases", filters={"category": list(categories)})


OUTDOOR = SegmentSpec(conditions=[ActivityCondition(activity=bought("Outdoor"))])
# Bavaria is in Germany: the second step empties the segment.
EMPTY = SegmentSpec(
    conditions=[
        AttributeCondition(attribute="loyalty_tier", op="in", value=["gold", "platinum"]),
        AttributeCondition(attribute="region", op="=", value="Bavaria"),
        AttributeCondition(attribute="country", op="=", value="US"),
    ]
)


@pytest.fixture(scope="module")
def as_of(executor) -> date:
    return catalog_as_of(executor, CATALOG)


@pytest.fixture(scope="module")
def outdoor_sql(as_of) -> str:
    return compile_spec(OUTDOOR, as_of).sql


def _unsubscribed_from(channel: str, alias: str = "c") -> str:
    return f"""EXISTS (SELECT 1 FROM campaign_events e JOIN campaigns k USING (campaign_id)
                       WHERE e.customer_id = {alias}.customer_id AND e.event_type = 'unsubscribed'
                         AND k.channel = '{channel}')"""


def test_reachability_matches_an_independent_count(executor, outdoor_sql):
    reach = reachability(executor, outdoor_sql, CATALOG)
    members = f"SELECT DISTINCT customer_id FROM ({outdoor_sql}) AS q"
    # Reachable = opted in on the channel and never unsubscribed from it.
    email, sms, push = (
        f"(coalesce({c}_opt_in, FALSE) AND NOT {_unsubscribed_from(c)})"
        for c in ("email", "sms", "push")
    )
    expected = executor.query(
        f"""SELECT sum(CASE WHEN {email} THEN 1 ELSE 0 END),
                   sum(CASE WHEN {sms} THEN 1 ELSE 0 END),
                   sum(CASE WHEN {push} THEN 1 ELSE 0 END),
                   sum(CASE WHEN {email} OR {sms} OR {push} THEN 1 ELSE 0 END),
                   sum(CASE WHEN EXISTS (SELECT 1 FROM campaign_events e
                                         WHERE e.customer_id = c.customer_id
                                           AND e.event_type = 'unsubscribed')
                            THEN 1 ELSE 0 END),
                   count(*)
            FROM customers c WHERE customer_id IN ({members})"""
    ).rows[0]
    assert reach is not None
    assert [
        reach.channels["email"],
        reach.channels["sms"],
        reach.channels["push"],
        reach.any_channel,
        reach.unsubscribed,
        reach.total,
    ] == [int(v) for v in expected]
    assert reach.total > 0 and reach.any_channel <= reach.total
    assert reach.share("email") == round(reach.channels["email"] / reach.total, 4)


def test_unsubscribed_members_are_never_reachable_on_that_channel(
    demo_db, tmp_path, outdoor_sql, as_of
):
    # Real data is not always consistent: someone unsubscribed whose consent column still says
    # yes. The demo data withdraws consent on unsubscribing, so a copy re-creates the mismatch.
    import shutil

    import duckdb

    from assistant.executor import Executor

    copy = tmp_path / "stale_consent.duckdb"
    shutil.copy(demo_db, copy)
    with duckdb.connect(str(copy)) as con:
        unsubscribed = _unsubscribed_from("email", "customers")
        con.execute(f"UPDATE customers SET email_opt_in = TRUE WHERE {unsubscribed}")
    with Executor(copy) as executor:
        opted_out = executor.scalar(
            f"""SELECT count(*) FROM customers c
                WHERE customer_id IN (SELECT customer_id FROM ({outdoor_sql}) AS q)
                  AND email_opt_in AND {_unsubscribed_from("email")}"""
        )
        assert opted_out > 0  # the copy has such people: the rule is exercised
        opted_in = executor.scalar(
            f"""SELECT count(*) FROM customers c
                WHERE customer_id IN (SELECT customer_id FROM ({outdoor_sql}) AS q)
                AND email_opt_in"""
        )
        reach = reachability(executor, outdoor_sql, CATALOG)
        assert reach is not None and reach.channels["email"] == opted_in - opted_out
        rule = roles.reachable_sql(CATALOG, "email", as_of)
        unsubscribed = _unsubscribed_from("email", "customers")
        assert not executor.scalar(
            f"SELECT count(*) FROM customers WHERE {rule} AND {unsubscribed}"
        )


def test_reachability_of_an_empty_segment_is_all_zero(executor, as_of):
    reach = reachability(executor, compile_spec(EMPTY, as_of).sql, CATALOG)
    assert reach is not None
    assert reach.total == reach.any_channel == reach.unsubscribed == 0


def test_checks_whose_roles_are_absent_give_a_note_not_an_error(executor, as_of, outdoor_sql):
    assert reachability(executor, outdoor_sql, BARE) is None
    assert revenue_share(executor, outdoor_sql, BARE, as_of=as_of) is None
    assert kotler_notes(CATALOG) == []
    notes = kotler_notes(BARE)
    assert len(notes) == 2 and all("roles." in note and "\n" not in note for note in notes)
    # Differentiators need no role: the catalog's trait properties are enough.
    assert differentiators(executor, outdoor_sql, BARE, as_of=as_of)


TRAITS = roles.trait_properties(CATALOG)


def _attribute_rows(executor, as_of, where: str = "TRUE") -> list[dict]:
    assert {"lifestyle", "loyalty_tier", "country", "gender", "age_band"} <= set(TRAITS)
    age = f"date_part('year', age(DATE '{as_of}', birth_date))"
    age_band = (
        f"CASE WHEN {age} < 25 THEN '18-24' WHEN {age} < 35 THEN '25-34' "
        f"WHEN {age} < 45 THEN '35-44' WHEN {age} < 55 THEN '45-54' "
        f"WHEN {age} < 65 THEN '55-64' ELSE '65+' END"
    )
    generation = (
        "CASE WHEN year(birth_date) >= 1997 THEN 'gen_z' WHEN year(birth_date) >= 1981 "
        "THEN 'millennials' WHEN year(birth_date) >= 1965 THEN 'gen_x' "
        "WHEN year(birth_date) >= 1946 THEN 'baby_boomers' ELSE 'silent' END"
    )
    derived = {"age_band": age_band, "generation": generation}
    columns = ", ".join(f"{derived.get(t, t)} AS {t}" for t in TRAITS)
    result = executor.query(
        f"SELECT {columns} FROM customers c WHERE {where}",
        max_rows=100_000,
    )
    return [dict(zip(result.columns, row, strict=True)) for row in result.rows]


def test_differentiators_lift_matches_an_independent_computation(executor, as_of, outdoor_sql):
    found = differentiators(executor, outdoor_sql, CATALOG, top=5, as_of=as_of)
    assert found
    members = _attribute_rows(
        executor, as_of, f"customer_id IN (SELECT customer_id FROM ({outdoor_sql}) AS q)"
    )
    everyone = _attribute_rows(executor, as_of)
    for d in found:
        seg_n = Counter(str(m[d.attribute]) for m in members)[d.value]
        base_n = Counter(str(m[d.attribute]) for m in everyone)[d.value]
        lift = (seg_n / len(members)) / (base_n / len(everyone))
        assert d.lift == pytest.approx(lift, abs=0.005), d
        assert d.segment_share == pytest.approx(seg_n / len(members), abs=1e-4)
        assert d.base_share == pytest.approx(base_n / len(everyone), abs=1e-4)


def test_differentiators_are_the_highest_lifts_with_enough_support(executor, as_of, outdoor_sql):
    found = differentiators(executor, outdoor_sql, CATALOG, top=50, as_of=as_of)
    lifts = [d.lift for d in found]
    assert lifts == sorted(lifts, reverse=True)
    members = _attribute_rows(
        executor, as_of, f"customer_id IN (SELECT customer_id FROM ({outdoor_sql}) AS q)"
    )
    everyone = _attribute_rows(executor, as_of)
    # Independently: the single best lift over these attributes among well-supported values.
    best = 0.0
    for attribute in members[0]:
        seg = Counter(m[attribute] for m in members if m[attribute] is not None)
        base = Counter(m[attribute] for m in everyone if m[attribute] is not None)
        for value, n in seg.items():
            if n >= max(MIN_MEMBERS, MIN_SUPPORT * len(members)) and n < len(members):
                best = max(best, (n / len(members)) / (base[value] / len(everyone)))
    assert best >= MIN_LIFT
    assert found[0].lift >= round(best, 2)
    assert all(d.lift >= MIN_LIFT for d in found)
    assert "x the base rate" in found[0].text


def test_a_segment_defined_by_an_attribute_is_not_told_its_own_definition(executor, as_of):
    women = SegmentSpec(conditions=[AttributeCondition(attribute="gender", op="=", value="female")])
    found = differentiators(executor, compile_spec(women, as_of).sql, CATALOG, top=50, as_of=as_of)
    assert not any(d.attribute == "gender" for d in found)


def test_revenue_share_matches_an_independent_sum(executor, as_of, outdoor_sql):
    share = revenue_share(executor, outdoor_sql, CATALOG, as_of=as_of)
    assert share is not None
    window = (
        "status = 'completed' AND CAST(transaction_ts AS DATE) "
        f"BETWEEN DATE '{as_of}' - INTERVAL 364 DAY AND DATE '{as_of}'"
    )
    seg_revenue = executor.scalar(
        f"""SELECT sum(total_amount) FROM transactions WHERE {window}
            AND customer_id IN (SELECT customer_id FROM ({outdoor_sql}) AS q)"""
    )
    base_revenue = executor.scalar(f"SELECT sum(total_amount) FROM transactions WHERE {window}")
    assert share.revenue_12m == pytest.approx(float(seg_revenue), abs=0.01)
    assert share.revenue_share == pytest.approx(float(seg_revenue / base_revenue), abs=1e-4)
    count = executor.scalar(f"SELECT count(DISTINCT customer_id) FROM ({outdoor_sql}) AS q")
    assert share.customer_share == pytest.approx(count / 2000, abs=1e-4)


def test_why_zero_names_the_emptying_step_and_a_non_empty_nearest_variant(executor, as_of):
    compiled = compile_spec(EMPTY, as_of)
    result = why_zero(executor, compiled, EMPTY, as_of, CATALOG)
    assert result.emptied_by == compiled.steps[2].label  # the US step after Bavaria
    assert [n for _, n in result.funnel][-1] == 0
    nearest = result.nearest
    assert nearest is not None and nearest.count > 0
    check_sql(nearest.sql, executor.schema())
    assert executor.scalar(f"SELECT count(DISTINCT customer_id) FROM ({nearest.sql}) AS q") == (
        nearest.count
    )
    assert compile_spec(SegmentSpec.model_validate(nearest.spec), as_of).sql == nearest.sql


def test_why_zero_widens_a_window_before_dropping_the_condition(executor, as_of):
    heavy_week = SegmentSpec(
        conditions=[
            ActivityCondition(
                activity=bought("Toys"),
                window=Trailing(n=1, unit="days"),
                op=">=",
                value=3,
            )
        ]
    )
    result = why_zero(executor, compile_spec(heavy_week, as_of), heavy_week, as_of, CATALOG)
    assert result.emptied_by is not None
    assert result.nearest is not None and result.nearest.title.startswith("Widen")
    assert result.nearest.count > 0


def test_why_zero_of_a_non_empty_segment_names_no_step(executor, as_of):
    result = why_zero(executor, compile_spec(OUTDOOR, as_of), OUTDOOR, as_of, CATALOG)
    assert result.emptied_by is None and result.nearest is None


def test_enrich_answer_adds_the_extras_for_what_was_answered(executor):
    session = Session()
    found = answer(
        "outdoor buyers", backend=RulesBackend(), executor=executor, session=session,
        with_profile=False,
    )  # fmt: skip
    extras = enrich_answer(found, executor, session.current, CATALOG)
    assert extras.ideas is not None and 4 <= len(extras.ideas.ideas) <= 8
    assert extras.ideas.parent.count == found.count
    assert extras.reachability is not None and extras.reachability.total == found.count
    assert extras.differentiators and extras.revenue is not None
    assert extras.why_zero is None


def test_enrich_answer_explains_an_empty_answer(executor, as_of):
    compiled = compile_spec(EMPTY, as_of)
    empty = Answer(
        request="gold or platinum customers in Bavaria in the US",
        backend="rules",
        spec=EMPTY.model_dump(mode="json"),
        sql=compiled.sql,
        count=0,
        as_of=as_of,
    )
    extras = enrich_answer(empty, executor, EMPTY, CATALOG)
    assert extras.why_zero is not None
    assert extras.why_zero.emptied_by == compiled.steps[2].label
    assert extras.reachability is None and extras.differentiators == []
    assert extras.ideas is not None and extras.ideas.parent.count == 0


def test_enrich_answer_adds_nothing_to_a_failed_answer(executor):
    failed = Answer(request="???", backend="rules", error="could not understand")
    assert enrich_answer(failed, executor, None, CATALOG).model_dump() == (
        EnrichedAnswer().model_dump()
    )


def test_enrich_answer_with_a_bare_catalog_leaves_out_what_it_cannot_compute(executor, as_of):
    women = SegmentSpec(conditions=[AttributeCondition(attribute="gender", op="=", value="female")])
    compiled = _compile_spec(women, as_of, BARE)
    count = executor.scalar(f"SELECT count(DISTINCT customer_id) FROM ({compiled.sql}) AS q")
    found = Answer(
        request="women",
        backend="rules",
        spec=women.model_dump(mode="json"),
        sql=compiled.sql,
        count=count,
        as_of=as_of,
    )
    extras = enrich_answer(found, executor, women, BARE)
    assert extras.reachability is None and extras.revenue is None
    assert extras.differentiators
    assert extras.ideas is not None and extras.ideas.ideas
    assert not any(idea.type in ("RFM", "ABC", "lifecycle") for idea in extras.ideas.ideas)
    assert set(kotler_notes(BARE)) <= set(extras.notes)
    assert any("rfm" in note for note in extras.notes)
