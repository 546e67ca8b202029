"""Specification of suggested segmentation ideas (assistant.ideas) and the `ideas` command."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from assistant.catalog import Roles, load_catalog
from assistant.compiler import compile_spec as _compile_spec
from assistant.guard import check_sql
from assistant.ideas import (
    MIN_CUSTOMERS,
    MIN_SHARE,
    NOT_DIFFERENT,
    OVERLAP,
    STANDOUT,
    TOO_SMALL,
    IdeasResult,
    ideas_notes,
    own_categories,
)
from assistant.ideas import suggest_ideas as _suggest_ideas
from assistant.profile import catalog_as_of
from assistant.spec import (
    Activity,
    ActivityCondition,
    AttributeCondition,
    NotGroup,
    SegmentRef,
    SegmentSpec,
)
from assistant.windows import Trailing

CATALOG = load_catalog()


def compile_spec(spec: SegmentSpec, as_of):
    return _compile_spec(spec, as_of, CATALOG)


def suggest_ideas(executor, spec, as_of, catalog=CATALOG, **kw) -> IdeasResult:
    return _suggest_ideas(executor, spec, as_of, catalog, **kw)


def bought(*categories: str) -> ActivityCondition:
    return ActivityCondition(
        activity=Activity(source="purchases", filters={"category": list(categories)})
    )


OUTDOOR_IN_TEXAS = SegmentSpec(
    title="Outdoor buyers in Texas",
    conditions=[bought("Outdoor"), AttributeCondition(attribute="region", op="=", value="Texas")],
)
PARENTS = {
    "whole base": None,
    "outdoor buyers": SegmentSpec(title="Outdoor buyers", conditions=[bought("Outdoor")]),
    "women in Texas": SegmentSpec(
        conditions=[
            AttributeCondition(attribute="gender", op="=", value="female"),
            AttributeCondition(attribute="region", op="=", value="Texas"),
        ]
    ),
    # Bavaria is in Germany, so nobody is both.
    "empty": SegmentSpec(
        conditions=[
            AttributeCondition(attribute="country", op="=", value="US"),
            AttributeCondition(attribute="region", op="=", value="Bavaria"),
        ]
    ),
}


@pytest.fixture(scope="module")
def as_of(executor):
    return catalog_as_of(executor, CATALOG)


@pytest.fixture(scope="module")
def results(executor, as_of) -> dict[str, IdeasResult]:
    return {name: suggest_ideas(executor, spec, as_of) for name, spec in PARENTS.items()}


def distinct_count(executor, sql: str) -> int:
    return executor.scalar(f"SELECT count(DISTINCT customer_id) FROM ({sql}) AS q")


def base_count(executor) -> int:
    return executor.scalar("SELECT count(*) FROM customers")


def targets(result: IdeasResult):
    for idea in result.ideas:
        yield idea.title, idea.sql, idea.count, idea.share
        for part in idea.parts:
            yield f"{idea.title} / {part.label}", part.sql, part.count, part.share


@pytest.mark.parametrize("name", list(PARENTS))
def test_every_parent_gets_four_to_eight_ideas(results, name):
    ideas = results[name].ideas
    assert 4 <= len(ideas) <= 8
    assert len({idea.title for idea in ideas}) == len(ideas)
    assert all(idea.title and idea.type and idea.rationale for idea in ideas)


@pytest.mark.parametrize("name", list(PARENTS))
def test_every_idea_and_part_counts_exactly_what_its_guarded_sql_returns(executor, results, name):
    base = base_count(executor)
    for title, sql, count, share in targets(results[name]):
        check_sql(sql, executor.schema())
        assert distinct_count(executor, sql) == count, title
        assert share == pytest.approx(count / base, abs=1e-4), title


@pytest.mark.parametrize("name", list(PARENTS))
def test_specs_compile_to_the_same_sql(results, as_of, name):
    for idea in results[name].ideas:
        spec = SegmentSpec.model_validate(idea.spec)
        assert compile_spec(spec, as_of).sql == idea.sql, idea.title
        for part in idea.parts:
            assert compile_spec(SegmentSpec.model_validate(part.spec), as_of).sql == part.sql


def test_the_parent_summary_counts_the_parent(executor, results):
    outdoor = results["outdoor buyers"].parent
    assert outdoor.title == "Outdoor buyers"
    assert outdoor.count == distinct_count(executor, outdoor.sql) > 0
    assert results["whole base"].parent.count == base_count(executor)
    assert results["empty"].parent.count == 0


@pytest.mark.parametrize("name", ["whole base", "outdoor buyers", "women in Texas"])
def test_split_parts_partition_the_parent(executor, results, name):
    result = results[name]
    splits = [idea for idea in result.ideas if idea.parts]
    assert splits
    for idea in splits:
        union = "\nUNION ALL\n".join(f"SELECT customer_id FROM ({p.sql}) AS q" for p in idea.parts)
        rows, distinct, inside = executor.query(
            f"""SELECT count(*), count(DISTINCT customer_id),
                       count(*) FILTER (WHERE customer_id IN (
                           SELECT customer_id FROM ({result.parent.sql}) AS p))
                FROM ({union}) AS parts"""
        ).rows[0]
        assert rows == distinct == inside == result.parent.count, idea.title
        assert sum(p.count for p in idea.parts) == result.parent.count


def test_a_split_headline_is_one_of_its_parts_and_named_in_the_rationale(results):
    for result in results.values():
        for idea in (i for i in result.ideas if i.parts):
            headline = next(p for p in idea.parts if p.sql == idea.sql)
            assert headline.count == idea.count
            assert headline.label in idea.rationale


def test_the_whole_base_is_split_by_rfm_and_has_no_look_alikes(results):
    ideas = results["whole base"].ideas
    assert any(idea.type == "RFM" and len(idea.parts) > 3 for idea in ideas)
    assert not any(idea.title.startswith("Look-alikes") for idea in ideas)


def test_look_alikes_are_outside_the_parent_and_of_its_own_category(executor, as_of):
    result = suggest_ideas(executor, OUTDOOR_IN_TEXAS, as_of, limit=20)  # every candidate
    look_alikes = [idea for idea in result.ideas if idea.title.startswith("Look-alikes")]
    assert [idea.title for idea in look_alikes] == ["Look-alikes: other Outdoor buyers"]
    for idea in look_alikes:
        overlap = executor.scalar(
            f"""SELECT count(*) FROM ({idea.sql}) AS a
                WHERE customer_id IN (SELECT customer_id FROM ({result.parent.sql}) AS p)"""
        )
        assert overlap == 0
        assert idea.count == distinct_count(executor, idea.sql) > 0
        # Independently: 12-month Outdoor buyers outside Texas-and-Outdoor-ever.
        window = f"t.transaction_ts >= DATE '{as_of}' + 1 - INTERVAL 12 MONTH"
        expected = executor.scalar(
            f"""SELECT count(DISTINCT t.customer_id) FROM transactions t
                JOIN transaction_items i USING (transaction_id) JOIN products p USING (product_id)
                WHERE t.status = 'completed' AND p.category = 'Outdoor' AND {window}
                  AND t.customer_id NOT IN (SELECT customer_id FROM ({result.parent.sql}) AS q)"""
        )
        assert idea.count == expected


def test_look_alikes_of_a_category_segment_stay_in_its_categories(executor, results):
    # Every 12-month Outdoor buyer is an Outdoor buyer: no look-alike of another category.
    ideas = results["outdoor buyers"].ideas
    assert not any(idea.title.startswith("Look-alikes") for idea in ideas)


def test_own_categories_are_those_the_spec_buys():
    assert own_categories(CATALOG, OUTDOOR_IN_TEXAS) == ["Outdoor"]
    never = SegmentSpec(conditions=[NotGroup(condition=bought("Toys"))])
    zero = bought("Toys").model_copy(update={"op": "=", "value": 0})
    assert own_categories(CATALOG, never) == []
    assert own_categories(CATALOG, SegmentSpec(conditions=[zero])) == []
    windowed = bought("Home", "Toys").model_copy(update={"window": Trailing(n=3, unit="months")})
    assert own_categories(CATALOG, SegmentSpec(conditions=[windowed])) == ["Home", "Toys"]
    assert own_categories(CATALOG, None) == []


def test_without_roles_only_attribute_ideas_remain_with_notes(executor, as_of):
    bare = CATALOG.model_copy(update={"roles": Roles()})
    spec = PARENTS["women in Texas"]
    result = suggest_ideas(executor, spec, as_of, bare)
    assert result.ideas and all(idea.type in ("attribute", "geographic") for idea in result.ideas)
    assert result.notes == ideas_notes(bare)
    assert len(result.notes) == 6  # five models and the look-alikes
    for idea in result.ideas:
        assert distinct_count(executor, idea.sql) == idea.count
    assert ideas_notes(CATALOG) == []


def test_geography_splits_at_the_level_that_divides_the_parent(results):
    # Everyone in "women in Texas" lives in the US and in Texas: the split is by city.
    geo = [i for i in results["women in Texas"].ideas if i.type == "geographic"]
    assert geo and all(idea.title.startswith("Split by city") for idea in geo)
    whole = [i for i in results["whole base"].ideas if i.type == "geographic"]
    assert all(idea.title.startswith("Split by country") for idea in whole)


def expected_flags(count: int, parent_count: int, base: int, inside: bool) -> list[str]:
    flags = []
    if count < MIN_CUSTOMERS or count < MIN_SHARE * base:
        flags.append(TOO_SMALL)
    if inside and parent_count and count > OVERLAP * parent_count:
        flags.append(NOT_DIFFERENT)
    return flags


@pytest.mark.parametrize("name", ["outdoor buyers", "women in Texas"])
def test_part_flags_follow_the_size_and_overlap_rules(executor, results, name):
    base, parent = base_count(executor), results[name].parent.count
    for idea in results[name].ideas:
        for part in idea.parts:
            assert part.flags == expected_flags(part.count, parent, base, inside=True)


def test_a_tiny_segment_is_flagged_and_broadened_first(executor, as_of):
    tiny = SegmentSpec(
        conditions=[
            AttributeCondition(attribute="customer_id", op="<=", value=30),
            AttributeCondition(attribute="country", op="=", value="US"),
        ]
    )
    result = suggest_ideas(executor, tiny, as_of)
    assert 0 < result.parent.count < MIN_CUSTOMERS
    first = result.ideas[0]
    assert first.type == "broadened" and first.count > result.parent.count
    assert distinct_count(executor, first.sql) == first.count
    within = [
        idea
        for idea in result.ideas
        if idea.type != "broadened" and not idea.title.startswith("Look-alikes")
    ]
    assert within and all(TOO_SMALL in idea.flags for idea in within)


def test_an_idea_that_is_the_parent_again_is_not_shown(executor, as_of):
    # The high-value core of the champions is the champions themselves.
    champions = SegmentSpec(conditions=[SegmentRef(model="rfm", label="champions")])
    result = suggest_ideas(executor, champions, as_of, limit=20)  # every candidate
    assert not any(idea.title.startswith("High-value core") for idea in result.ideas)
    for idea in result.ideas:
        if not idea.parts and idea.type not in ("broadened", "look_alike"):
            inside = distinct_count(executor, f"({idea.sql}) INTERSECT ({result.parent.sql})")
            assert inside < 0.95 * result.parent.count, idea.title


def test_a_segment_that_names_no_category_gets_no_look_alikes(executor, as_of):
    women = SegmentSpec(conditions=[AttributeCondition(attribute="gender", op="=", value="female")])
    result = suggest_ideas(executor, women, as_of, limit=20)
    assert not any(idea.title.startswith("Look-alikes") for idea in result.ideas)


def test_a_broadening_idea_says_what_the_segment_has_now(executor, as_of):
    tiny = SegmentSpec(
        conditions=[
            AttributeCondition(attribute="country", op="=", value="CA"),
            AttributeCondition(attribute="company_industry", op="=", value="finance"),
        ]
    )
    result = suggest_ideas(executor, tiny, as_of)
    broadened = [idea for idea in result.ideas if idea.type == "broadened"]
    assert broadened
    now = f"instead of {result.parent.count:,}" if result.parent.count else "instead of none"
    assert all(now in idea.rationale for idea in broadened)


def test_ideas_are_ranked_by_score_and_deterministic(executor, as_of, results):
    again = suggest_ideas(executor, PARENTS["outdoor buyers"], as_of)
    assert again.model_dump() == results["outdoor buyers"].model_dump()
    scores = [idea.score for idea in again.ideas if idea.type != "broadened"]
    assert scores == sorted(scores, reverse=True)


def test_an_empty_parent_gets_ideas_over_the_whole_base(executor, results):
    ideas = results["empty"].ideas
    assert sum(idea.count for idea in ideas) > 0
    assert any(idea.parts for idea in ideas)


def test_a_raw_sql_parent_gets_ideas_without_specs(executor, as_of):
    sql = "SELECT customer_id FROM customers WHERE loyalty_tier IN ('gold', 'platinum')"
    assert not suggest_ideas(executor, None, as_of, parent_sql=sql).notes
    result = suggest_ideas(executor, None, as_of, parent_sql=sql)
    assert result.parent.count == distinct_count(executor, sql)
    assert 4 <= len(result.ideas) <= 8
    for title, idea_sql, count, _ in targets(result):
        assert distinct_count(executor, idea_sql) == count, title
    assert all(idea.spec is None for idea in result.ideas)


def test_the_ideas_command_prints_one_json_object(demo_db: Path, tmp_path: Path):
    from assistant.cli_ideas import ideas

    # A private copy: the command's executor must not share a file with other tests' connections.
    db = tmp_path / "retail.duckdb"
    shutil.copyfile(demo_db, db)
    app = typer.Typer()
    app.command("ideas")(ideas)
    app.command("noop")(lambda: None)  # two commands keep "ideas" a subcommand
    run = CliRunner().invoke(
        app, ["ideas", "outdoor buyers", "--db", str(db), "--backend", "rules", "--format", "json"]
    )
    assert run.exit_code == 0, run.output
    payload = json.loads(run.stdout)
    assert set(payload) == {"parent", "ideas", "notes"}
    assert payload["parent"]["count"] > 0
    keys = {"title", "type", "rationale", "spec", "sql", "count", "share", "flags", "parts"}
    assert all(keys <= set(idea) for idea in payload["ideas"])
    assert 4 <= len(payload["ideas"]) <= 8


# --- what sets a segment apart ---------------------------------------------------------------


def _alone(spec: dict, as_of) -> str:
    """The SQL of a part's own condition (the last one), without the parent's."""
    own = SegmentSpec.model_validate(spec)
    return compile_spec(own.model_copy(update={"conditions": own.conditions[-1:]}), as_of).sql


def test_a_parts_lift_is_its_share_of_the_parent_over_its_share_of_the_base(
    executor, as_of, results
):
    result = results["outdoor buyers"]
    parent, base = result.parent.count, base_count(executor)
    checked = 0
    for idea in result.ideas:
        for part in idea.parts:
            if part.lift is None:
                continue
            everyone = distinct_count(executor, _alone(part.spec, as_of))
            assert part.lift == pytest.approx((part.count / parent) / (everyone / base), rel=1e-2)
            checked += 1
    assert checked


def test_a_split_card_is_titled_by_the_part_it_opens(results):
    for result in results.values():
        for idea in (i for i in result.ideas if i.parts):
            headline = next(p for p in idea.parts if p.count == idea.count and p.sql == idea.sql)
            assert headline.label in idea.title
            if "stand out" in idea.title:
                assert headline.lift >= STANDOUT
                rivals = [p.lift for p in idea.parts if not p.flags and p.lift]
                assert headline.lift == max(rivals)


def test_a_split_on_what_the_request_asks_compares_nothing(results):
    # Every woman in Texas lives in Texas: its cities are not "over-represented", only asked.
    geo = [i for i in results["women in Texas"].ideas if i.type == "geographic"]
    assert geo and all(p.lift is None for i in geo for p in i.parts)
    assert not any("stand out" in i.title for i in geo)


VARIED = {
    "outdoor buyers": PARENTS["outdoor buyers"],
    "women in Texas": PARENTS["women in Texas"],
    "champions": SegmentSpec(conditions=[SegmentRef(model="rfm", label="champions")]),
    "lapsed": SegmentSpec(conditions=[SegmentRef(model="lifecycle", label="lapsed")]),
    "Germany": SegmentSpec(
        conditions=[AttributeCondition(attribute="country", op="=", value="DE")]
    ),
    "electronics buyers": SegmentSpec(conditions=[bought("Electronics")]),
}


def test_varied_segments_get_different_first_cards(executor, as_of):
    firsts = {
        name: suggest_ideas(executor, spec, as_of).ideas[0].title for name, spec in VARIED.items()
    }
    assert len(set(firsts.values())) == len(firsts), firsts


def test_broadening_from_the_answers_step_flags_counts_the_same(executor, as_of):
    # A too-small parent: its "Without: …" ideas count from the per-customer step table.
    spec = SegmentSpec(
        conditions=[
            AttributeCondition(attribute="gender", op="=", value="female"),
            AttributeCondition(attribute="region", op="=", value="Texas"),
            bought("Outdoor"),
        ]
    )
    compiled = compile_spec(spec, as_of)
    with executor.pinned() as pinned:
        pinned.query(f"CREATE OR REPLACE TEMP TABLE steps_probe AS {compiled.steps_sql}")
        fast = suggest_ideas(pinned, spec, as_of, steps_table="steps_probe")
        plain = suggest_ideas(pinned, spec, as_of)
    broadened = [(i.title, i.count) for i in fast.ideas if i.type == "broadened"]
    assert broadened and broadened == [
        (i.title, i.count) for i in plain.ideas if i.type == "broadened"
    ]


def test_look_alikes_from_the_profiles_category_spend_are_the_same(executor, as_of):
    from assistant.profile import segment_result

    spec = OUTDOOR_IN_TEXAS
    sql = compile_spec(spec, as_of).sql
    profiled = segment_result(executor, sql, as_of, CATALOG)
    assert profiled._category_spend
    spend = profiled._category_spend
    fast = suggest_ideas(executor, spec, as_of, category_spend=spend, limit=30)
    plain = suggest_ideas(executor, spec, as_of, limit=30)

    def looks(result):
        return [(i.title, i.count, i.rationale) for i in result.ideas if i.title.startswith("Look")]

    assert looks(fast) and looks(fast) == looks(plain)
