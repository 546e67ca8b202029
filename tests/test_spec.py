"""The segment spec: strict JSON round trips, validation, refinement helpers, committed schema."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date

import pytest
from pydantic import ValidationError

from assistant.catalog import load_catalog
from assistant.config import PROJECT_ROOT
from assistant.spec import (
    SCHEMA_PATH,
    Activity,
    ActivityCondition,
    AndGroup,
    AttributeCondition,
    NotGroup,
    OrGroup,
    RankCondition,
    SegmentRef,
    SegmentSpec,
    ShareOf,
    add_condition,
    export_json_schema,
    json_schema_for,
    negate,
    remove_conditions,
    replace_condition,
)
from assistant.windows import Between, Calendar, Trailing

CATALOG = load_catalog()
OUTDOOR_3_LAST_MONTH = ActivityCondition(
    activity=Activity(source="purchases", filters={"category": ["Outdoor"]}),
    op=">=",
    value=3,
    window=Calendar(period="last_month"),
)
NO_ENGAGEMENT = ActivityCondition(activity=Activity(source="campaign_events"), op="=", value=0)


def validate(data: dict) -> SegmentSpec:
    return SegmentSpec.model_validate(data, context={"catalog": CATALOG})


def every_kind_spec() -> SegmentSpec:
    return SegmentSpec(
        title="Everything",
        conditions=[
            AttributeCondition(attribute="age", op="between", value=[25, 34]),
            AttributeCondition(attribute="gender", op="is_null"),
            AttributeCondition(attribute="signup_date", op=">=", value="2025-01-01"),
            OUTDOOR_3_LAST_MONTH,
            NO_ENGAGEMENT,
            ActivityCondition(
                activity=Activity(
                    source="web_sessions",
                    filters={"device": ["ios"]},
                    predicates=["cart_abandoned"],
                ),
                window=Trailing(n=30, unit="days"),
            ),
            ActivityCondition(
                activity=Activity(source="support_tickets", predicates=["dissatisfied"]),
                measure="avg",
                field="csat_score",
                op="<",
                value=3,
                window=Between(start=date(2026, 1, 1), end=date(2026, 3, 31)),
            ),
            ActivityCondition(
                activity=Activity(source="purchases", filters={"total_amount": {"min": 100}}),
                measure="share",
                share_of=ShareOf(filters={"channel": ["app"]}),
                op=">",
                value=50,
            ),
            RankCondition(
                activity=Activity(source="purchases"),
                measure="sum",
                field="total_amount",
                n=10,
                unit="percent",
            ),
            SegmentRef(model="rfm", label="Champions"),
            OrGroup(
                conditions=[
                    AttributeCondition(attribute="country", op="in", value=["US", "CA"]),
                    NotGroup(
                        condition=AttributeCondition(attribute="loyalty_tier", op="=", value="none")
                    ),
                ]
            ),
        ],
    )


def test_json_round_trip_preserves_every_condition_kind() -> None:
    spec = every_kind_spec()
    text = spec.model_dump_json()
    assert SegmentSpec.model_validate_json(text) == spec
    assert SegmentSpec.model_validate(json.loads(text)) == spec
    assert validate(json.loads(text)) == spec  # and every name in it is the demo catalog's


def test_defaults_are_a_count_of_at_least_one_over_all_history() -> None:
    condition = ActivityCondition(activity=Activity(source="purchases"))
    assert (condition.measure, condition.op, condition.value) == ("count", ">=", 1)
    assert condition.window.kind == "all_time"
    assert condition.activity.filters == {} and condition.activity.predicates == []
    # What a source means by default (engagement = opened, clicked, converted) is the catalog's.
    assert CATALOG.events["campaign_events"].defaults == {
        "event_type": ["opened", "clicked", "converted"]
    }


def test_minimal_llm_style_json_is_accepted() -> None:
    spec = validate(
        {
            "conditions": [
                {"kind": "attribute", "attribute": "country", "op": "=", "value": "DE"},
                {"kind": "activity", "activity": {"source": "purchases"}, "op": "=", "value": 0},
                {
                    "kind": "activity",
                    "activity": {"source": "web_sessions", "filters": {"converted": False}},
                },
            ]
        }
    )
    assert isinstance(spec.conditions[1], ActivityCondition)
    assert spec.conditions[1].value == 0
    assert spec.conditions[2].activity.filters == {"converted": False}


def test_without_a_catalog_names_are_not_checked() -> None:
    # The shape alone: any name goes; the catalog in the validation context checks the names.
    payload = {"kind": "attribute", "attribute": "c_birth_country", "op": "=", "value": "PERU"}
    SegmentSpec.model_validate({"conditions": [payload]})
    with pytest.raises(ValidationError):
        validate({"conditions": [payload]})


@pytest.mark.parametrize(
    "payload",
    [
        {"kind": "attribute", "attribute": "shoe_size", "op": "=", "value": 42},
        {"kind": "attribute", "attribute": "country", "op": "=", "value": "USA"},
        {"kind": "attribute", "attribute": "country", "op": "in", "value": "US"},
        {"kind": "attribute", "attribute": "age", "op": "between", "value": [40, 30]},
        {"kind": "attribute", "attribute": "age", "op": ">", "value": "thirty"},
        {"kind": "attribute", "attribute": "signup_date", "op": ">", "value": "last year"},
        {"kind": "attribute", "attribute": "email_opt_in", "op": "=", "value": "yes"},
        {"kind": "attribute", "attribute": "gender", "op": "is_null", "value": "female"},
        {"kind": "attribute", "attribute": "city", "op": "=", "value": "Paris", "extra": 1},
        {"kind": "activity", "activity": {"source": "orders"}},
        {"kind": "activity", "activity": {"source": "purchases", "categories": ["Outdoor"]}},
        {"kind": "activity", "activity": {"source": "purchases", "filters": {"shoe": ["x"]}}},
        {
            "kind": "activity",
            "activity": {"source": "purchases", "filters": {"category": ["Outdoors"]}},
        },
        {"kind": "activity", "activity": {"source": "purchases", "predicates": ["cart_abandoned"]}},
        {"kind": "activity", "activity": {"source": "purchases"}, "measure": "sum"},
        {"kind": "activity", "activity": {"source": "purchases"}, "field": "total_amount"},
        {
            "kind": "activity",
            "activity": {"source": "web_sessions"},
            "measure": "sum",
            "field": "total_amount",
        },  # fmt: skip
        {"kind": "activity", "activity": {"source": "purchases"}, "measure": "share"},
        {"kind": "activity", "activity": {"source": ""}},
        {"kind": "rank", "activity": {"source": "purchases"}, "n": 150, "unit": "percent"},
        {"kind": "or", "conditions": []},
    ],
)
def test_invalid_conditions_are_rejected(payload: dict) -> None:
    with pytest.raises(ValidationError):
        validate({"conditions": [payload]})


def test_an_invented_name_is_rejected_with_the_names_there_are() -> None:
    with pytest.raises(ValidationError) as caught:
        validate({"conditions": [{"kind": "activity", "activity": {"source": "orders"}}]})
    assert "'orders' is not an event model" in str(caught.value)
    assert "purchases" in str(caught.value) and "web_sessions" in str(caught.value)


def test_add_condition_appends_without_mutating() -> None:
    spec = SegmentSpec(conditions=[OUTDOOR_3_LAST_MONTH])
    refined = add_condition(spec, NO_ENGAGEMENT)
    assert refined.conditions == [OUTDOOR_3_LAST_MONTH, NO_ENGAGEMENT]
    assert spec.conditions == [OUTDOOR_3_LAST_MONTH]


def test_replace_condition_swaps_the_same_attribute_in_place() -> None:
    age = AttributeCondition(attribute="age", op=">=", value=30)
    spec = SegmentSpec(conditions=[age, OUTDOOR_3_LAST_MONTH])
    older = AttributeCondition(attribute="age", op=">=", value=40)
    assert replace_condition(spec, older).conditions == [older, OUTDOOR_3_LAST_MONTH]


def test_replace_condition_matches_activity_by_source_filters_and_measure() -> None:
    spec = SegmentSpec(conditions=[OUTDOOR_3_LAST_MONTH, NO_ENGAGEMENT])
    five = OUTDOOR_3_LAST_MONTH.model_copy(update={"value": 5})
    assert replace_condition(spec, five).conditions == [five, NO_ENGAGEMENT]
    apparel = ActivityCondition(
        activity=Activity(source="purchases", filters={"category": ["Apparel"]})
    )
    assert replace_condition(spec, apparel).conditions == [*spec.conditions, apparel]


def test_remove_conditions_reaches_into_groups_and_drops_empty_ones() -> None:
    us = AttributeCondition(attribute="country", op="=", value="US")
    gold = AttributeCondition(attribute="loyalty_tier", op="=", value="gold")
    spec = SegmentSpec(
        conditions=[
            OrGroup(conditions=[us, gold]),
            NotGroup(condition=us),
            OUTDOOR_3_LAST_MONTH,
        ]
    )

    def is_country(c: object) -> bool:
        return isinstance(c, AttributeCondition) and c.attribute == "country"

    refined = remove_conditions(spec, is_country)
    assert refined.conditions == [OrGroup(conditions=[gold]), OUTDOOR_3_LAST_MONTH]


def test_negate_wraps_all_conditions_and_unwraps_again() -> None:
    spec = SegmentSpec(title="t", conditions=[OUTDOOR_3_LAST_MONTH, NO_ENGAGEMENT])
    negated = negate(spec)
    assert negated.conditions == [
        NotGroup(condition=AndGroup(conditions=[OUTDOOR_3_LAST_MONTH, NO_ENGAGEMENT]))
    ]
    assert negate(negated) == spec
    with pytest.raises(ValueError):
        negate(SegmentSpec())


def test_committed_schema_file_is_up_to_date() -> None:
    committed = json.loads(SCHEMA_PATH.read_text())
    assert committed == export_json_schema(), "run `python -m assistant.spec`"


def test_schema_describes_the_condition_kinds() -> None:
    text = json.dumps(export_json_schema())
    for kind in ("attribute", "activity", "rank", "segment_ref", "and", "or", "not"):
        assert f'"const": "{kind}"' in text
    assert '"additionalProperties": false' in text


def test_module_entry_point_writes_the_schema(tmp_path) -> None:
    # Run against a copy so the test never rewrites the committed file.
    script = (
        "import sys, pathlib; from assistant.spec import write_json_schema; "
        "write_json_schema(pathlib.Path(sys.argv[1]))"
    )
    target = tmp_path / "schema.json"
    subprocess.run([sys.executable, "-c", script, str(target)], check=True, cwd=PROJECT_ROOT)
    assert json.loads(target.read_text()) == export_json_schema()
    assert target.read_text() == SCHEMA_PATH.read_text()


def test_the_catalog_schema_names_the_catalog_s_properties_events_fields_and_predicates() -> None:
    schema = json_schema_for(CATALOG)
    defs = schema["$defs"]
    assert defs["AttributeCondition"]["properties"]["attribute"]["enum"] == (
        CATALOG.property_names()
    )
    assert defs["Activity"]["properties"]["source"]["enum"] == list(CATALOG.events)
    assert "cart_abandoned" in defs["Activity"]["properties"]["predicates"]["items"]["enum"]
    field = defs["ActivityCondition"]["properties"]["field"]["anyOf"][0]["enum"]
    assert {"total_amount", "category", "csat_score"} <= set(field)
    assert "enum" not in json.dumps(export_json_schema()["$defs"]["Activity"])  # generic file
