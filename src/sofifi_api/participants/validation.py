"""Checks of the personal data a request sends (NIK, phone, exact birth date).

Their messages never contain digits, so an error can never echo any part of the input.
"""

import re
from datetime import date
from typing import Any

from pydantic import ValidationError, ValidatorFunctionWrapHandler, field_validator
from pydantic_core import PydanticCustomError
from sqlmodel import Field

from sofifi_api.db import utcnow
from sofifi_api.schemas import Day, InputModel

EARLIEST_BIRTH_YEAR = 1900

NIK_MESSAGE = "nik must be exactly sixteen digits."
PHONE_MESSAGE = (
    "phone must be an Indonesian number: international form with the country code (plus sign "
    "optional) or national form with the leading zero; spaces, dashes, dots and brackets are "
    "allowed."
)
BIRTH_DATE_FORMAT_MESSAGE = "birth_date must be a calendar date written YYYY-MM-DD."
BIRTH_DATE_RANGE_MESSAGE = (
    "birth_date must lie between the start of the earliest accepted birth year and today."
)

_PHONE_SEPARATORS = re.compile(r"[\s\-.()]")
# National significant number: no trunk zero, eight to twelve digits (mobile and fixed lines).
_NATIONAL_NUMBER = re.compile(r"[1-9][0-9]{7,11}", re.ASCII)
_NIK = re.compile(r"[0-9]{16}", re.ASCII)
# What `normalise_phone` takes, as a JSON Schema pattern: separators may stand anywhere.
_SEPARATORS = r"[\s\-.()]*"
PHONE_PATTERN = (
    rf"^{_SEPARATORS}(\+{_SEPARATORS}6{_SEPARATORS}2|6{_SEPARATORS}2|0){_SEPARATORS}"
    rf"[1-9]({_SEPARATORS}[0-9]){{7,11}}{_SEPARATORS}$"
)


def normalise_phone(raw: str) -> str | None:
    """An Indonesian number in E.164 form (`+62…`), or None when it is not one."""
    compact = _PHONE_SEPARATORS.sub("", raw)
    for prefix in ("+62", "62", "0"):
        if compact.startswith(prefix):
            national = compact[len(prefix) :]
            break
    else:
        return None
    if not _NATIONAL_NUMBER.fullmatch(national):
        return None
    return "+62" + national


def check_nik(value: Any, handler: ValidatorFunctionWrapHandler) -> Any:
    """Wrap validator: sixteen ASCII digits, or the one message that repeats none of them."""
    try:
        nik = handler(value)
    except ValidationError:
        raise PydanticCustomError("nik_format", NIK_MESSAGE) from None
    if nik is not None and not _NIK.fullmatch(nik):
        raise PydanticCustomError("nik_format", NIK_MESSAGE)
    return nik


def check_birth_year_not_future(year: int | None) -> int | None:
    if year is not None and year > utcnow().year:
        raise PydanticCustomError("birth_year_in_future", "birth_year cannot be in the future.")
    return year


class PersonalDataInput(InputModel):
    """The personal data a request may send for a person, checked without echoing it."""

    nik: str | None = Field(
        default=None,
        min_length=16,
        max_length=16,
        description="Nomor Induk Kependudukan, the 16-digit national identity number; unique "
        "among live persons (a duplicate is 409, which never repeats it). Personal data: stored "
        "encrypted; any client with `participants:write` may send it, but only clients granted "
        "`participants:pii` see it, in the single-participant representation, never in lists.",
        schema_extra={"pattern": "^[0-9]{16}$", "examples": ["8272024107860001"]},
    )
    birth_date: Day | None = Field(
        default=None,
        description="Exact date of birth; when sent without `birth_year`, sets it. Personal data: "
        "stored encrypted, shown only to clients granted `participants:pii`.",
        schema_extra={"examples": ["1986-07-01"]},
    )
    phone: str | None = Field(
        default=None,
        min_length=1,
        max_length=30,
        description="Indonesian phone number, as `+62…`, `62…` or `08…`, with or without spaces, "
        "dashes, dots or brackets; kept in E.164 form (`+62…`). Personal data: stored encrypted, "
        "shown only to clients granted `participants:pii`.",
        schema_extra={"pattern": PHONE_PATTERN, "examples": ["0821-8765-4321"]},
    )

    @field_validator("nik", mode="wrap")
    @classmethod
    def _nik_is_sixteen_digits(cls, value: Any, handler: ValidatorFunctionWrapHandler) -> Any:
        return check_nik(value, handler)

    @field_validator("phone", mode="wrap")
    @classmethod
    def _phone_is_indonesian(cls, value: Any, handler: ValidatorFunctionWrapHandler) -> Any:
        try:
            phone = handler(value)
        except ValidationError:
            raise PydanticCustomError("phone_format", PHONE_MESSAGE) from None
        if phone is None:
            return None
        normalised = normalise_phone(phone)
        if normalised is None:
            raise PydanticCustomError("phone_format", PHONE_MESSAGE)
        return normalised

    @field_validator("birth_date", mode="wrap")
    @classmethod
    def _birth_date_is_past(cls, value: Any, handler: ValidatorFunctionWrapHandler) -> Any:
        try:
            born = handler(value)
        except ValidationError:
            raise PydanticCustomError("date_format", BIRTH_DATE_FORMAT_MESSAGE) from None
        if born is not None and not (date(EARLIEST_BIRTH_YEAR, 1, 1) <= born <= utcnow().date()):
            raise PydanticCustomError("date_range", BIRTH_DATE_RANGE_MESSAGE)
        return born


class NikLookup(InputModel):
    """A NIK to look a person up by; sent in the body so that it never appears in a URL."""

    nik: str = Field(
        min_length=16,
        max_length=16,
        description="Nomor Induk Kependudukan, the 16-digit national identity number.",
        schema_extra={"pattern": "^[0-9]{16}$", "examples": ["8272024107860001"]},
    )

    @field_validator("nik", mode="wrap")
    @classmethod
    def _nik_is_sixteen_digits(cls, value: Any, handler: ValidatorFunctionWrapHandler) -> Any:
        return check_nik(value, handler)
