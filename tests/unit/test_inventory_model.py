"""The AI system record: what is accepted and the message for what is not."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from assessments.inventory import AISystemInput, field_errors, is_material_change
from tests.factories import system_input


def errors_of(**overrides: object) -> dict[str, str]:
    with pytest.raises(ValidationError) as caught:
        system_input(**overrides)
    return field_errors(caught.value)


def test_valid_record_normalises_lists_and_text() -> None:
    system = system_input(
        name="  Loan Advisor  ", roles="ai_user;ai_provider;ai_user", geography=" EU ; UK ;"
    )
    assert system.name == "Loan Advisor"
    assert system.roles == ["ai_user", "ai_provider"]
    assert system.geography == ["EU", "UK"]


def test_required_fields_are_named() -> None:
    errors = errors_of(name="", purpose="   ", owner="")
    assert errors == {
        "name": "this field is required",
        "purpose": "this field is required",
        "owner": "this field is required",
    }


def test_unknown_vocabulary_value_lists_the_choices() -> None:
    errors = errors_of(lifecycle_stage="production")
    assert "'production' is not a known value" in errors["lifecycle_stage"]
    assert "'operation_monitoring' (Operation and monitoring)" in errors["lifecycle_stage"]


def test_lists_need_at_least_one_known_entry() -> None:
    assert errors_of(roles=[]) == {"roles": "choose at least one"}
    assert "not a known value" in errors_of(stakeholders=["aliens"])["stakeholders"]


def test_text_limits() -> None:
    assert errors_of(name="x" * 121) == {"name": "at most 120 characters, please"}
    assert errors_of(purpose="x" * 2001) == {"purpose": "at most 2000 characters, please"}
    assert "longer than 200" in errors_of(suppliers=["x" * 201])["suppliers"]


def test_special_category_data_implies_personal_data() -> None:
    errors = errors_of(personal_data=False, special_category_data=True)
    assert "tick 'Personal data'" in errors["special_category_data"]


def test_retired_status_and_stage_go_together() -> None:
    assert "status" in errors_of(status="retired")
    assert "status" in errors_of(lifecycle_stage="retired")
    assert system_input(status="retired", lifecycle_stage="retired").status == "retired"


def test_unknown_fields_are_refused() -> None:
    with pytest.raises(ValidationError):
        AISystemInput.model_validate({**system_input().model_dump(), "colour": "red"})


def test_material_change_detects_purpose_and_data_flags() -> None:
    before = system_input().model_dump(mode="json")
    assert is_material_change(before, {**before, "purpose": "Something else"})
    assert is_material_change(before, {**before, "personal_data": False})
    assert not is_material_change(before, {**before, "owner": "Someone else"})


def test_field_and_cross_field_errors_come_together() -> None:
    values = {
        **system_input().model_dump(),
        "suppliers": ["x" * 300],
        "personal_data": False,
        "special_category_data": True,
    }
    with pytest.raises(ValidationError) as caught:
        AISystemInput.model_validate(values)
    errors = field_errors(caught.value, values)
    assert set(errors) == {"suppliers", "special_category_data"}
