"""The write rules of `AreaScope`, without the HTTP layer."""

import pytest

from sofifi_api.auth.areas import (
    EVERY_AREA,
    AreaOutOfScope,
    AreaScope,
    refuse_stored_outside,
    refuse_uncovered_fields,
)

OBA_UTARA = AreaScope(("82.72.02",))


def test_unrestricted_scope_accepts_any_field_even_a_missing_area() -> None:
    refuse_uncovered_fields(EVERY_AREA, [("area_codes.0", "82.71"), ("area_code", None)])


def test_covered_fields_are_accepted() -> None:
    refuse_uncovered_fields(
        OBA_UTARA, [("area_codes.0", "82.72.02.1003"), ("area_codes.1", "82.72.02-guraping")]
    )


def test_uncovered_fields_are_refused_naming_each_field_not_its_code() -> None:
    with pytest.raises(AreaOutOfScope) as refused:
        refuse_uncovered_fields(
            OBA_UTARA,
            [("area_codes.0", "82.72.02.1003"), ("area_codes.1", "82.72.01.1001")],
        )

    assert refused.value.status == 403
    assert refused.value.extensions == {}
    assert [error.field for error in refused.value.errors or []] == ["area_codes.1"]
    assert "82.72.01.1001" not in refused.value.detail


def test_a_missing_area_is_refused_for_a_restricted_scope() -> None:
    with pytest.raises(AreaOutOfScope) as refused:
        refuse_uncovered_fields(OBA_UTARA, [("area_code", None)])

    assert refused.value.extensions == {}
    assert [error.field for error in refused.value.errors or []] == ["area_code"]


def test_a_code_sharing_only_a_text_prefix_is_not_covered() -> None:
    with pytest.raises(AreaOutOfScope):
        refuse_uncovered_fields(AreaScope(("82.72.02.100",)), [("area_code", "82.72.02.1003")])


def test_stored_row_wholly_in_scope_may_change() -> None:
    refuse_stored_outside(OBA_UTARA, ["82.72.02.1003", "82.72.02"], what="program")


def test_stored_row_partly_outside_is_refused_naming_the_outside_codes() -> None:
    with pytest.raises(AreaOutOfScope) as refused:
        refuse_stored_outside(
            OBA_UTARA, ["82.72.02.1003", "82.72.01.1001", "82.71"], what="program"
        )

    assert refused.value.extensions == {"area_codes": ["82.71", "82.72.01.1001"]}
    assert "82.71, 82.72.01.1001" in refused.value.detail


def test_stored_row_without_an_area_is_refused_to_a_restricted_scope() -> None:
    with pytest.raises(AreaOutOfScope):
        refuse_stored_outside(OBA_UTARA, [None], what="organization")


def test_unrestricted_scope_may_change_any_stored_row() -> None:
    refuse_stored_outside(EVERY_AREA, [None, "82.71"], what="organization")
