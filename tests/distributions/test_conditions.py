"""Limiting conditions on recipients: operators, OR within a field, AND between fields."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from smsurvey.distributions.conditions import (
    Condition,
    Conditions,
    Field,
    Operator,
    describe,
    matches,
)

ANN: dict[str, Any] = {
    "first_name": "Ann",
    "last_name": "Lee",
    "email": "ann.lee@example.com",
    "embedded_data": {"Store": "12", "Region": " North ", "Visits": 3, "Role": "Store Manager"},
}
NAMELESS: dict[str, Any] = {"first_name": None, "last_name": "", "email": None}


def first_name(operator: str, value: str | None = None) -> Condition:
    return Condition(Field.FIRST_NAME, Operator(operator), value)


def embedded(name: str, operator: str, value: str | None = None) -> Condition:
    return Condition(Field.EMBEDDED, Operator(operator), value, name=name)


def holds(condition: Condition, contact: dict[str, Any] = ANN) -> bool:
    return matches(Conditions((condition,)), contact)


# --- operators -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("operator", "value", "expected"),
    [
        ("equals", "Ann", True),
        ("equals", " aNN ", True),
        ("equals", "An", False),
        ("not_equals", "ann", False),
        ("not_equals", "Bob", True),
        ("contains", "nn", True),
        ("contains", "x", False),
        ("not_contains", "NN", False),
        ("not_contains", "x", True),
        ("starts_with", "a", True),
        ("starts_with", "nn", False),
        ("is_empty", None, False),
        ("is_not_empty", None, True),
    ],
)
def test_operators(operator: str, value: str | None, expected: bool) -> None:
    assert holds(first_name(operator, value)) is expected


@pytest.mark.parametrize(
    ("condition", "expected"),
    [
        (first_name("is_empty"), True),
        (first_name("is_not_empty"), False),
        (Condition(Field.LAST_NAME, Operator.IS_EMPTY), True),  # "" is empty
        (first_name("not_equals", "Ann"), True),
        (first_name("equals", "Ann"), False),
        (embedded("Store", "is_empty"), True),  # no embedded data at all
        (Condition(Field.ROLE, Operator.NOT_CONTAINS, "manager"), True),
    ],
)
def test_missing_values_are_empty(condition: Condition, expected: bool) -> None:
    assert holds(condition, NAMELESS) is expected


def test_embedded_fields_are_read_by_name() -> None:
    assert holds(embedded("Store", "equals", "12"))
    assert not holds(embedded("Store", "equals", "13"))
    assert holds(embedded("Region", "equals", "north"))  # spaces around the value ignored
    assert holds(embedded("Visits", "equals", "3"))  # values other than text compare as text
    assert holds(embedded("Missing", "is_empty"))
    assert not holds(embedded("store", "is_not_empty"))  # field names are exact


def test_role_is_the_embedded_field_role() -> None:
    assert holds(Condition(Field.ROLE, Operator.EQUALS, "store manager"))
    assert holds(Condition(Field.ROLE, Operator.STARTS_WITH, "Store"))
    assert not holds(Condition(Field.ROLE, Operator.EQUALS, "Cashier"))


@pytest.mark.parametrize(
    ("operator", "value", "expected"),
    [
        ("equals", "lee", True),  # the last name
        ("equals", "ANN.LEE@EXAMPLE.COM", True),  # the email
        ("equals", "Ann Lee", False),  # each value alone, not the full name
        ("contains", "example", True),
        ("starts_with", "le", True),
        ("is_not_empty", None, True),
        ("not_equals", "Ann", False),  # one of them equals Ann
        ("not_equals", "Bob", True),
        ("not_contains", "example.com", False),
        ("not_contains", "test", True),
        ("is_empty", None, False),  # not all empty
    ],
)
def test_name_or_email_is_any_of_three(operator: str, value: str | None, expected: bool) -> None:
    condition = Condition(Field.NAME_OR_EMAIL, Operator(operator), value)
    assert holds(condition) is expected


def test_name_or_email_is_empty_only_when_all_three_are() -> None:
    assert holds(Condition(Field.NAME_OR_EMAIL, Operator.IS_EMPTY), NAMELESS)
    assert not holds(Condition(Field.NAME_OR_EMAIL, Operator.IS_EMPTY), {"email": "a@b.c"})


# --- OR within a field, AND between fields ---------------------------------------------------


def test_conditions_on_the_same_field_are_joined_with_or() -> None:
    stores = Conditions((embedded("Store", "equals", "11"), embedded("Store", "equals", "12")))
    assert matches(stores, ANN)
    assert not matches(stores, {"embedded_data": {"Store": "13"}})
    roles = Conditions(
        (
            Condition(Field.ROLE, Operator.EQUALS, "Cashier"),
            Condition(Field.ROLE, Operator.CONTAINS, "manager"),
        )
    )
    assert matches(roles, ANN)


def test_conditions_on_different_fields_are_joined_with_and() -> None:
    both = Conditions((first_name("equals", "Ann"), embedded("Store", "equals", "12")))
    assert matches(both, ANN)
    assert not matches(both, {**ANN, "first_name": "Bob"})
    assert not matches(both, {**ANN, "embedded_data": {"Store": "13"}})


def test_two_embedded_fields_are_different_fields() -> None:
    conditions = Conditions((embedded("Store", "equals", "12"), embedded("Region", "equals", "x")))
    assert not matches(conditions, ANN)


def test_or_and_and_together() -> None:
    conditions = Conditions(
        (
            embedded("Store", "equals", "11"),
            first_name("starts_with", "A"),
            embedded("Store", "equals", "12"),
            Condition(Field.ROLE, Operator.IS_NOT_EMPTY),
        )
    )
    assert matches(conditions, ANN)
    assert not matches(conditions, {**ANN, "embedded_data": {"Store": "12"}})  # no role


def test_no_conditions_is_everyone() -> None:
    assert matches(Conditions(), ANN)
    assert matches(Conditions(), {})
    assert describe(Conditions()) == "everyone"


# --- validation --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "field", [Field.FIRST_NAME, Field.LAST_NAME, Field.NAME_OR_EMAIL], ids=lambda f: f.value
)
def test_name_fields_may_be_used_once(field: Field) -> None:
    twice = (Condition(field, Operator.EQUALS, "a"), Condition(field, Operator.EQUALS, "b"))
    label = field.value.replace("_", " ")
    with pytest.raises(ValueError, match=f"^{label} may be used in only one condition$"):
        Conditions(twice)


def test_each_name_field_once_together_is_fine() -> None:
    conditions = Conditions(
        (
            Condition(Field.FIRST_NAME, Operator.EQUALS, "Ann"),
            Condition(Field.LAST_NAME, Operator.EQUALS, "Lee"),
            Condition(Field.NAME_OR_EMAIL, Operator.CONTAINS, "example"),
        )
    )
    assert matches(conditions, ANN)
    assert len(conditions.groups) == 3


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("surname", "equals", "x"), "unknown condition field 'surname' \\(use first_name, "),
        (("first_name", "matches", "x"), "unknown condition operator 'matches' \\(use equals, "),
        (("first_name", "equals", None), "equals needs a text value to compare first name with"),
        (("first_name", "contains", "  "), "contains needs a text value"),
        (("embedded", "equals", 12, "Store"), "equals needs a text value to compare Store with"),
        (("first_name", "is_empty", "x"), "is_empty takes no value"),
        (("embedded", "equals", "x"), "an embedded data condition needs the field's name"),
        (("embedded", "equals", "x", " "), "an embedded data condition needs the field's name"),
        (("role", "equals", "x", "Role"), "a role condition takes no field name"),
    ],
)
def test_bad_conditions_are_refused(args: tuple[Any, ...], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        Condition(*args)


def test_strings_become_enums() -> None:
    condition = Condition("role", "is_empty")  # type: ignore[arg-type]
    assert condition.field is Field.ROLE
    assert condition.operator is Operator.IS_EMPTY


# --- JSON --------------------------------------------------------------------------------------

SOME = Conditions(
    (
        first_name("equals", "Ann"),
        embedded("Store No", "equals", "12"),
        embedded("Store No", "equals", "13"),
        Condition(Field.ROLE, Operator.IS_NOT_EMPTY),
    )
)


def test_json_shape() -> None:
    assert SOME.to_json() == {
        "conditions": [
            {"field": "first_name", "operator": "equals", "value": "Ann"},
            {"field": "embedded", "name": "Store No", "operator": "equals", "value": "12"},
            {"field": "embedded", "name": "Store No", "operator": "equals", "value": "13"},
            {"field": "role", "operator": "is_not_empty"},
        ]
    }
    assert Conditions.from_json(SOME.to_json()) == SOME


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"conditions": {}}, "conditions must be"),
        ({}, "conditions must be"),
        ({"conditions": [], "mode": "any"}, "conditions must be"),
        ({"conditions": [{"field": "first_name"}]}, "needs a field and an operator"),
        ({"conditions": [{"field": "role", "operator": "is_empty", "x": 1}]}, "unknown .* keys: x"),
        (
            {"conditions": [{"field": "last_name", "operator": "is_empty"}] * 2},
            "last name may be used in only one condition",
        ),
    ],
)
def test_bad_json_is_refused(data: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        Conditions.from_json(data)


# --- describe ----------------------------------------------------------------------------------


def test_describe() -> None:
    conditions = Conditions(
        (
            first_name("equals", "Ann"),
            embedded("Store", "equals", "12"),
            Condition(Field.ROLE, Operator.IS_EMPTY),
        )
    )
    assert describe(conditions) == "first name is Ann, and Store is 12, and role is empty"


def test_describe_lists_values_of_one_operator_together() -> None:
    conditions = Conditions(
        (
            embedded("Store", "equals", "12"),
            Condition(Field.NAME_OR_EMAIL, Operator.NOT_CONTAINS, "test"),
            embedded("Store", "equals", "13"),
            embedded("Store", "starts_with", "9"),
            embedded("Store", "is_empty"),
        )
    )
    assert describe(conditions) == (
        "Store is 12 or 13 or starts with 9 or is empty, and name or email does not contain test"
    )


# --- properties ----------------------------------------------------------------------------------

texts = st.text(alphabet="aAbB ", max_size=4)
values = st.one_of(st.none(), texts)
contacts = st.fixed_dictionaries(
    {
        "first_name": values,
        "last_name": values,
        "email": values,
        "embedded_data": st.dictionaries(st.sampled_from(["Store", "Role"]), values),
    }
)


@st.composite
def conditions(draw: st.DrawFn) -> Condition:
    field = draw(st.sampled_from(Field))
    operator = draw(st.sampled_from(Operator))
    needs_value = operator not in (Operator.IS_EMPTY, Operator.IS_NOT_EMPTY)
    value = draw(texts.filter(str.strip)) if needs_value else None
    name = draw(st.sampled_from(["Store", "Role"])) if field == Field.EMBEDDED else None
    return Condition(field, operator, value, name)


def valid_sets(items: list[Condition]) -> bool:
    once = (Field.FIRST_NAME, Field.LAST_NAME, Field.NAME_OR_EMAIL)
    names = [item.field for item in items if item.field in once]
    return len(names) == len(set(names))


condition_sets = st.lists(conditions(), max_size=6).filter(valid_sets)

OPPOSITES = [
    (Operator.EQUALS, Operator.NOT_EQUALS),
    (Operator.CONTAINS, Operator.NOT_CONTAINS),
    (Operator.IS_NOT_EMPTY, Operator.IS_EMPTY),
]


@given(condition_sets)
def test_json_round_trip(items: list[Condition]) -> None:
    original = Conditions(tuple(items))
    assert Conditions.from_json(original.to_json()) == original


@given(condition_sets, contacts)
def test_matches_is_and_of_ors_whatever_the_order(
    items: list[Condition], contact: dict[str, Any]
) -> None:
    by_field: dict[object, list[bool]] = {}
    for item in items:
        by_field.setdefault(item.key, []).append(holds(item, contact))
    expected = all(any(results) for results in by_field.values())
    assert matches(Conditions(tuple(items)), contact) is expected
    assert matches(Conditions(tuple(reversed(items))), contact) is expected


@given(conditions(), contacts)
def test_opposite_operators_disagree(condition: Condition, contact: dict[str, Any]) -> None:
    for positive, negative in OPPOSITES:
        if condition.operator == positive:
            opposite = Condition(condition.field, negative, condition.value, condition.name)
            assert holds(condition, contact) is not holds(opposite, contact)
