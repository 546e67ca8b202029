"""Specification: how the round 11 voices are read (issue 11). Lists of values of one property
joined by 'and' wherever the clause puts them, and 'only' after the verb."""

from __future__ import annotations

from rules_reading import activities, read

from assistant.spec import AttributeCondition, OrGroup


def _attributes(got) -> dict[str, AttributeCondition]:
    return {c.attribute: c for c in got.spec.conditions if isinstance(c, AttributeCondition)}


# -- 'and' between values of one property --------------------------------------------------------


def test_two_values_joined_by_and_are_either_even_when_a_place_comes_between(saas):
    got = read(saas, "healthcare and education accounts in North America")
    attrs = _attributes(got)
    assert attrs["industry"].op == "in"
    assert set(attrs["industry"].value) == {"healthcare", "education"}
    assert "country" in attrs
    assert any("either of them" in a for a in got.assumptions)


def test_two_generations_joined_by_and_are_either_range(retail):
    got = read(retail, "Gen X and baby boomers in the UK")
    groups = [c for c in got.spec.conditions if isinstance(c, OrGroup)]
    assert len(groups) == 1
    ranges = sorted(c.value for c in groups[0].conditions)
    assert ranges == [["1946-01-01", "1964-12-31"], ["1965-01-01", "1980-12-31"]]
    assert _attributes(got)["country"].value == "GB"


def test_overlapping_ranges_joined_by_and_both_hold(retail):
    got = read(retail, "customers aged 30 to 50 and aged 40 to 60")
    assert not [c for c in got.spec.conditions if isinstance(c, OrGroup)]


# -- 'only' after the verb -----------------------------------------------------------------------


def test_only_after_the_verb_is_all_of_the_activity(retail):
    for request in (
        "customers who bought only in the app in the last 3 months",
        "clients who buy since 3 months only by the application",
        "customers who bought in the app only",
    ):
        (share,) = activities(read(retail, request))
        assert share.measure == "share" and share.value == 100, request
        assert share.share_of is not None and share.share_of.filters == {"channel": ["app"]}


def test_only_before_a_count_after_the_verb_is_still_exactly(retail):
    (count,) = activities(read(retail, "customers who bought only 2 times last year"))
    assert (count.measure, count.op, count.value) == ("count", "=", 2)
