import re
import uuid
from datetime import date, datetime
from enum import StrEnum
from typing import Annotated, Any, Literal

import sqlalchemy as sa
from pydantic import AwareDatetime, ValidationError, ValidatorFunctionWrapHandler, field_validator
from pydantic import Field as PydanticField
from pydantic_core import PydanticCustomError
from sqlmodel import Field, SQLModel

from sofifi_api.db import TimestampedTable, UTCDateTime, utcnow
from sofifi_api.schemas import InputModel, ResourcePublic

MAX_GROUP_MEMBERS = 1000
EARLIEST_BIRTH_YEAR = 1900


class ParticipantKind(StrEnum):
    """`person` for an individual, `group` for a group of persons (kelompok)."""

    person = "person"
    group = "group"


class Gender(StrEnum):
    """A person's gender as on the identity card."""

    female = "female"
    male = "male"


class LawfulBasis(StrEnum):
    """Lawful bases for processing personal data, UU PDP No. 27/2022 article 20(2) a to f."""

    consent = "consent"  # a: explicit, valid consent of the data subject
    contract = "contract"  # b: performing a contract with the data subject
    legal_obligation = "legal_obligation"  # c: a legal obligation of the controller
    vital_interest = "vital_interest"  # d: protecting the vital interests of the data subject
    public_task = "public_task"  # e: public interest, public service or lawful authority
    legitimate_interest = "legitimate_interest"  # f: other legitimate interests


class Participant(TimestampedTable, table=True):
    """A person or a group; person-only and group-only columns are null for the other kind."""

    __tablename__ = "participants"
    __table_args__ = (
        sa.Index(
            "uq_participants_nik_live",
            "nik",
            unique=True,
            sqlite_where=sa.text("deleted_at IS NULL"),
            postgresql_where=sa.text("deleted_at IS NULL"),
        ),
    )

    kind: ParticipantKind = Field(sa_type=sa.String(16), index=True)
    area_code: str | None = Field(default=None, foreign_key="areas.code", max_length=40, index=True)
    # person
    full_name: str | None = Field(default=None, max_length=200)
    nik: str | None = Field(default=None, max_length=16)
    gender: Gender | None = Field(default=None, sa_type=sa.String(16), index=True)
    birth_year: int | None = None
    birth_date: date | None = None
    phone: str | None = Field(default=None, max_length=20)
    # group
    name: str | None = Field(default=None, max_length=200)
    group_type: str | None = Field(default=None, max_length=60)
    # consent to the processing of personal data
    consent_given: bool = Field(default=False)
    consent_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    consent_basis: str | None = Field(default=None, max_length=40)


class GroupMember(SQLModel, table=True):
    """A person belonging to a group participant."""

    __tablename__ = "group_members"

    group_id: uuid.UUID = Field(foreign_key="participants.id", primary_key=True)
    member_id: uuid.UUID = Field(foreign_key="participants.id", primary_key=True, index=True)


# Fields each kind may carry; the other kind's fields are refused (422).
PERSON_FIELDS = frozenset(
    {
        "full_name",
        "nik",
        "gender",
        "birth_year",
        "birth_date",
        "phone",
        "area_code",
        "consent_given",
        "consent_at",
        "consent_basis",
    }
)
GROUP_FIELDS = frozenset({"name", "group_type", "area_code", "member_ids"})

# Messages for personal data never contain digits, so they cannot echo any part of the input.
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
        description="Nomor Induk Kependudukan, the 16-digit national identity number. Personal "
        "data: returned only in the single-participant representation, never in lists, and "
        "unique among live persons.",
        schema_extra={"pattern": "^[0-9]{16}$", "examples": ["8272024107860001"]},
    )
    birth_date: date | None = Field(
        default=None,
        description="Exact date of birth. Personal data: returned only in the single-participant "
        "representation. When sent without `birth_year`, sets it.",
        schema_extra={"examples": ["1986-07-01"]},
    )
    phone: str | None = Field(
        default=None,
        min_length=1,
        max_length=30,
        description="Indonesian phone number, as `+62…`, `62…` or `08…`, with or without spaces, "
        "dashes, dots or brackets; stored and returned in E.164 form (`+62…`). Personal data: "
        "returned only in the single-participant representation.",
        schema_extra={"examples": ["0821-8765-4321"]},
    )

    @field_validator("nik", mode="wrap")
    @classmethod
    def _nik_is_sixteen_digits(cls, value: Any, handler: ValidatorFunctionWrapHandler) -> Any:
        try:
            nik = handler(value)
        except ValidationError:
            raise PydanticCustomError("nik_format", NIK_MESSAGE) from None
        if nik is not None and not _NIK.fullmatch(nik):
            raise PydanticCustomError("nik_format", NIK_MESSAGE)
        return nik

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


class PersonBase(SQLModel):
    """Fields of a person that are not personal data on their own, so lists carry them."""

    full_name: str = Field(
        min_length=1,
        max_length=200,
        description="The person's full name, as on the identity card (KTP).",
        schema_extra={"examples": ["Siti Hadija"]},
    )
    gender: Gender | None = Field(
        default=None,
        description="`female` or `male`, as on the identity card.",
        schema_extra={"examples": ["female"]},
    )
    birth_year: int | None = Field(
        default=None,
        ge=EARLIEST_BIRTH_YEAR,
        le=2100,
        description="Year of birth, from 1900 to the current year; must be the year of "
        "`birth_date` when both are known.",
        schema_extra={"examples": [1986]},
    )
    area_code: str | None = Field(
        default=None,
        max_length=40,
        description="Code of the area (usually the desa/kelurahan) where the person lives.",
        schema_extra={"examples": ["82.72.02.1003"]},
    )
    consent_given: bool = Field(
        default=False,
        description="Whether the person gave explicit consent to the processing of their "
        "personal data (UU PDP No. 27/2022).",
        schema_extra={"examples": [True]},
    )
    consent_at: AwareDatetime | None = Field(
        default=None,
        description="When that consent was given (RFC 3339 with offset); only while "
        "`consent_given` is true, and not in the future.",
        schema_extra={"examples": ["2026-02-01T02:30:00Z"]},
    )
    consent_basis: LawfulBasis | None = Field(
        default=None,
        description="Lawful basis for processing the person's personal data, UU PDP No. 27/2022 "
        "article 20(2): `consent` (a, needs `consent_given`), `contract` (b), `legal_obligation` "
        "(c), `vital_interest` (d), `public_task` (e: public interest, public service or lawful "
        "authority), `legitimate_interest` (f).",
        schema_extra={"examples": ["consent"]},
    )


class PersonCreate(PersonBase, PersonalDataInput):
    """A person taking part in programs."""

    kind: Literal["person"] = Field(
        description="`person` for an individual.", schema_extra={"examples": ["person"]}
    )

    @field_validator("birth_year")
    @classmethod
    def _birth_year_is_past(cls, year: int | None) -> int | None:
        return check_birth_year_not_future(year)


class PersonSummary(PersonBase, ResourcePublic):
    """A person as lists show it: without NIK, phone or exact birth date."""

    kind: Literal["person"] = Field(
        description="`person` for an individual.", schema_extra={"examples": ["person"]}
    )


class PersonPublic(PersonSummary):
    """A person with personal data, as the single-participant representation shows it."""

    nik: str | None = Field(
        default=None,
        description="Nomor Induk Kependudukan, the 16-digit national identity number.",
        schema_extra={"examples": ["8272024107860001"]},
    )
    birth_date: date | None = Field(
        default=None,
        description="Exact date of birth.",
        schema_extra={"examples": ["1986-07-01"]},
    )
    phone: str | None = Field(
        default=None,
        description="Phone number in E.164 form.",
        schema_extra={"examples": ["+6282187654321"]},
    )


class GroupBase(SQLModel):
    name: str = Field(
        min_length=1,
        max_length=200,
        description="Name of the group.",
        schema_extra={"examples": ["Kelompok Anyaman Bambu Perempuan Guraping"]},
    )
    group_type: str | None = Field(
        default=None,
        min_length=1,
        max_length=60,
        description="Short free text naming the type of group, snake_case by convention: "
        "`women_craft_group`, `farmer_group` (kelompok tani), `fisher_group`, `cooperative`.",
        schema_extra={"examples": ["women_craft_group"]},
    )
    area_code: str | None = Field(
        default=None,
        max_length=40,
        description="Code of the area where the group is based.",
        schema_extra={"examples": ["82.72.02.1003"]},
    )


class GroupCreate(GroupBase, InputModel):
    """A group (kelompok) taking part in programs as one participant."""

    kind: Literal["group"] = Field(
        description="`group` for a group of persons.", schema_extra={"examples": ["group"]}
    )
    member_ids: list[uuid.UUID] = Field(
        default_factory=list,
        max_length=MAX_GROUP_MEMBERS,
        description="Ids of the live persons who belong to the group; repeated ids count once.",
        schema_extra={"examples": [["0195f3a8-7c1e-7d3a-9a54-3c1f0e2b4d6a"]]},
    )


class GroupPublic(GroupBase, ResourcePublic):
    """A group with its members (lists show it the same way)."""

    kind: Literal["group"] = Field(
        description="`group` for a group of persons.", schema_extra={"examples": ["group"]}
    )
    member_ids: list[uuid.UUID] = Field(
        description="Ids of the persons who belong to the group, in id order.",
        schema_extra={"examples": [["0195f3a8-7c1e-7d3a-9a54-3c1f0e2b4d6a"]]},
    )
    members_count: int = Field(
        ge=0,
        description="Number of members.",
        schema_extra={"examples": [1]},
    )


ParticipantCreate = Annotated[PersonCreate | GroupCreate, PydanticField(discriminator="kind")]
ParticipantPublic = Annotated[PersonPublic | GroupPublic, PydanticField(discriminator="kind")]
ParticipantSummary = Annotated[PersonSummary | GroupPublic, PydanticField(discriminator="kind")]


class ParticipantUpdate(PersonalDataInput):
    """Fields to change. Only the participant's own kind's fields may be sent."""

    kind: ParticipantKind | None = Field(
        default=None,
        description="Cannot change; may be sent if equal to the current kind.",
        schema_extra={"examples": ["person"]},
    )
    full_name: str | None = Field(
        default=None,
        min_length=1,
        max_length=200,
        description="Person: full name.",
        schema_extra={"examples": ["Siti Hadija Umar"]},
    )
    gender: Gender | None = Field(
        default=None,
        description="Person: `female` or `male`.",
        schema_extra={"examples": ["female"]},
    )
    birth_year: int | None = Field(
        default=None,
        ge=EARLIEST_BIRTH_YEAR,
        le=2100,
        description="Person: year of birth.",
        schema_extra={"examples": [1986]},
    )
    area_code: str | None = Field(
        default=None,
        max_length=40,
        description="Code of the area where the participant lives or is based.",
        schema_extra={"examples": ["82.72.02.1003"]},
    )
    consent_given: bool | None = Field(
        default=None,
        description="Person: whether explicit consent to processing personal data was given.",
        schema_extra={"examples": [True]},
    )
    consent_at: AwareDatetime | None = Field(
        default=None,
        description="Person: when consent was given.",
        schema_extra={"examples": ["2026-02-01T02:30:00Z"]},
    )
    consent_basis: LawfulBasis | None = Field(
        default=None,
        description="Person: lawful basis for processing personal data (UU PDP art. 20).",
        schema_extra={"examples": ["consent"]},
    )
    name: str | None = Field(
        default=None,
        min_length=1,
        max_length=200,
        description="Group: name.",
        schema_extra={"examples": ["Kelompok Anyaman Bambu Perempuan Guraping"]},
    )
    group_type: str | None = Field(
        default=None,
        min_length=1,
        max_length=60,
        description="Group: short type.",
        schema_extra={"examples": ["women_craft_group"]},
    )
    member_ids: list[uuid.UUID] | None = Field(
        default=None,
        max_length=MAX_GROUP_MEMBERS,
        description="Group: the complete new list of member person ids (replaces the old one).",
        schema_extra={"examples": [["0195f3a8-7c1e-7d3a-9a54-3c1f0e2b4d6a"]]},
    )

    @field_validator("birth_year")
    @classmethod
    def _birth_year_is_past(cls, year: int | None) -> int | None:
        return check_birth_year_not_future(year)
