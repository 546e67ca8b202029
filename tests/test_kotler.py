"""Specification of the Kotler extras: reachability, differentiators, revenue share, why zero."""

from __future__ import annotations

from collections import Counter
from datetime import date

import pytest

from assistant.answer import Answer, Session, answer
from assistant.backends.rules import RulesBackend
from assistant.compiler import compile_spec
from assistant.guard import check_sql
from assistant.kotler import (
    MIN_LIFT,
    MIN_MEMBERS,
    MIN_SUPPORT,
    EnrichedAnswer,
    differentiators,
    enrich_answer,
    reachability,
    revenue_share,
    why_zero,
)
from assistant.profile import age_band_sql
from assistant.spec import (
    ActivityCondition,
    AttributeCondition,
    Purchases,
    SegmentSpec,
)
from assistant.windows import Trailing

OUTDOOR = SegmentSpec(conditions=[ActivityCondition(activity=Purchases(categories=["Outdoor"]))])
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
    return executor.as_of()


@pytest.fixture(scope="module")
def outdoor_sql(as_of) -> str:
    return compile_spec(OUTDOOR, as_of).sql


def test_reachability_matches_an_independent_count(executor, outdoor_sql):
    reach = reachability(executor, outdoor_sql)
    members = f"SELECT DISTINCT customer_id FROM ({outdoor_sql}) AS q"
    expected = executor.query(
        f"""SELECT sum(CASE WHEN email_opt_in THEN 1 ELSE 0 END),
                   sum(CASE WHEN sms_opt_in THEN 1 ELSE 0 END),
                   sum(CASE WHEN push_opt_in THEN 1 ELSE 0 END),
                   sum(CASE WHEN email_opt_in OR sms_opt_in OR push_opt_in THEN 1 ELSE 0 END),
                   sum(CASE WHEN EXISTS (SELECT 1 FROM campaign_events e
                                         WHERE e.customer_id = c.customer_id
                                           AND e.event_type = 'unsubscribed')
                            THEN 1 ELSE 0 END),
                   count(*)
            FROM customers c WHERE customer_id IN ({members})"""
    ).rows[0]
    assert [
        reach.email_opt_in,
        reach.sms_opt_in,
        reach.push_opt_in,
        reach.any_channel,
        reach.unsubscribed,
        reach.total,
    ] == [int(v) for v in expected]
    assert reach.total > 0 and reach.any_channel <= reach.total


def test_reachability_of_an_empty_segment_is_all_zero(executor, as_of):
    reach = reachability(executor, compile_spec(EMPTY, as_of).sql)
    assert reach.total == reach.any_channel == reach.unsubscribed == 0


def _attribute_rows(executor, as_of, where: str = "TRUE") -> list[dict]:
    result = executor.query(
        f"""SELECT lifestyle, loyalty_tier, country, region, gender, income_band, education,
                   occupation, marital_status, customer_type, primary_device, preferred_channel,
                   reward_preference, acquisition_channel, {age_band_sql(as_of)} AS age_band
            FROM customers c WHERE {where}""",
        max_rows=100_000,
    )
    return [dict(zip(result.columns, row, strict=True)) for row in result.rows]


def test_differentiators_lift_matches_an_independent_computation(executor, as_of, outdoor_sql):
    found = differentiators(executor, outdoor_sql, top=5, as_of=as_of)
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
    found = differentiators(executor, outdoor_sql, top=50, as_of=as_of)
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
    found = differentiators(executor, compile_spec(women, as_of).sql, top=50, as_of=as_of)
    assert not any(d.attribute == "gender" for d in found)


def test_revenue_share_matches_an_independent_sum(executor, as_of, outdoor_sql):
    share = revenue_share(executor, outdoor_sql, as_of=as_of)
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
    result = why_zero(executor, compiled, EMPTY, as_of)
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
                activity=Purchases(categories=["Toys"]),
                window=Trailing(n=1, unit="days"),
                op=">=",
                value=3,
            )
        ]
    )
    result = why_zero(executor, compile_spec(heavy_week, as_of), heavy_week, as_of)
    assert result.emptied_by is not None
    assert result.nearest is not None and result.nearest.title.startswith("Widen")
    assert result.nearest.count > 0


def test_why_zero_of_a_non_empty_segment_names_no_step(executor, as_of):
    result = why_zero(executor, compile_spec(OUTDOOR, as_of), OUTDOOR, as_of)
    assert result.emptied_by is None and result.nearest is None


def test_enrich_answer_adds_the_extras_for_what_was_answered(executor):
    session = Session()
    found = answer(
        "outdoor buyers", backend=RulesBackend(), executor=executor, session=session,
        with_profile=False,
    )  # fmt: skip
    extras = enrich_answer(found, executor, session.current)
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
    extras = enrich_answer(empty, executor, EMPTY)
    assert extras.why_zero is not None
    assert extras.why_zero.emptied_by == compiled.steps[2].label
    assert extras.reachability is None and extras.differentiators == []
    assert extras.ideas is not None and extras.ideas.parent.count == 0


def test_enrich_answer_adds_nothing_to_a_failed_answer(executor):
    failed = Answer(request="???", backend="rules", error="could not understand")
    assert enrich_answer(failed, executor, None).model_dump() == EnrichedAnswer().model_dump()
