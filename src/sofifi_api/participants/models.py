import uuid
from datetime import date, datetime
from enum import StrEnum
from typing import Annotated, Literal

import sqlalchemy as sa
from pydantic import Field as PydanticField
from pydantic import field_validator
from sqlmodel import Field, SQLModel

from sofifi_api.db import TimestampedTable, UTCDateTime
from sofifi_api.participants.validation import (
    EARLIEST_BIRTH_YEAR,
    PersonalDataInput,
    check_birth_year_not_future,
)
from sofifi_api.schemas import Boolean, InputModel, Instant, Integer, NotNull, ResourcePublic

MAX_GROUP_MEMBERS = 1000


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
    """A person or a group; person-only and group-only columns are null for the other kind.

    NIK, phone and exact birth date are stored only as Fernet tokens (`participants.crypto`);
    the NIK also as a keyed digest, for look-up and duplicates: unique among live persons not
    flagged as a possible duplicate (`persons.check_nik`).
    """

    __tablename__ = "participants"
    __table_args__ = (
        sa.Index(
            "uq_participants_nik_digest_live",
            "nik_digest",
            unique=True,
            sqlite_where=sa.text("deleted_at IS NULL AND possible_duplicate_of IS NULL"),
            postgresql_where=sa.text("deleted_at IS NULL AND possible_duplicate_of IS NULL"),
        ),
    )

    kind: ParticipantKind = Field(sa_type=sa.String(16), index=True)
    area_code: str | None = Field(default=None, foreign_key="areas.code", max_length=40, index=True)
    # person
    full_name: str | None = Field(default=None, max_length=200)
    gender: Gender | None = Field(default=None, sa_type=sa.String(16), index=True)
    birth_year: Integer | None = None
    # person: personal data, encrypted
    nik_digest: str | None = Field(default=None, max_length=64, index=True)
    # Another live person holding the same NIK when this one was registered by a client that
    # could not be told so (`persons.check_nik`); for an operator to review.
    possible_duplicate_of: uuid.UUID | None = Field(default=None)
    nik_ciphertext: str | None = Field(default=None, sa_type=sa.Text)
    phone_ciphertext: str | None = Field(default=None, sa_type=sa.Text)
    birth_date_ciphertext: str | None = Field(default=None, sa_type=sa.Text)
    erased_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # group
    name: str | None = Field(default=None, max_length=200)
    group_type: str | None = Field(default=None, max_length=60)
    # consent to the processing of personal data
    consent_given: Boolean = Field(default=False)
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

# A person's fields that erasure wipes; sending any of them for an erased person is refused.
ERASED_FIELDS = frozenset(
    {"full_name", "nik", "birth_date", "phone", "consent_given", "consent_at", "consent_basis"}
)


class PersonalDataState(StrEnum):
    """What `nik`, `phone` and `birth_date` of a person's representation hold."""

    included = "included"  # the stored values (null where none is recorded)
    redacted = "redacted"  # always null: the client was not granted participants:pii
    erased = "erased"  # always null: the person was erased and nothing is stored


class PersonBase(SQLModel):
    """Fields of a person that are not personal data on their own, so lists carry them."""

    gender: Gender | None = Field(
        default=None,
        description="`female` or `male`, as on the identity card.",
        schema_extra={"examples": ["female"]},
    )
    birth_year: Integer | None = Field(
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
        description="Code of the area (usually the desa/kelurahan) where the person lives. A "
        "client restricted to areas must name one of its areas or one below them (403 "
        "otherwise).",
        schema_extra={"examples": ["82.72.02.1003"]},
    )
    consent_given: Boolean = Field(
        default=False,
        description="Whether the person gave explicit consent to the processing of their "
        "personal data (UU PDP No. 27/2022). Erasure sets it back to false.",
        schema_extra={"examples": [True]},
    )
    consent_at: Instant | None = Field(
        default=None,
        description="When that consent was given (RFC 3339 with offset); only while "
        "`consent_given` is true, and not in the future. Erasure clears it.",
        schema_extra={"examples": ["2026-02-01T02:30:00Z"]},
    )
    consent_basis: LawfulBasis | None = Field(
        default=None,
        description="Lawful basis for processing the person's personal data, UU PDP No. 27/2022 "
        "article 20(2): `consent` (a, needs `consent_given`), `contract` (b), `legal_obligation` "
        "(c), `vital_interest` (d), `public_task` (e: public interest, public service or lawful "
        "authority), `legitimate_interest` (f). Erasure clears it.",
        schema_extra={"examples": ["consent"]},
    )


class PersonCreate(PersonBase, PersonalDataInput):
    """A person taking part in programs."""

    kind: Literal["person"] = Field(
        description="`person` for an individual.", schema_extra={"examples": ["person"]}
    )
    full_name: str = Field(
        min_length=1,
        max_length=200,
        description="The person's full name, as on the identity card (KTP).",
        schema_extra={"examples": ["Siti Hadija"]},
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
    full_name: str | None = Field(
        description="The person's full name, as on the identity card (KTP); null once the "
        "person is erased.",
        schema_extra={"examples": ["Siti Hadija"]},
    )
    erased_at: datetime | None = Field(
        default=None,
        description="When the person's personal data was erased (name, NIK, phone, birth date "
        "and consent record); null while it is kept. Gender, birth year, area, group "
        "memberships and enrollments stay, so that aggregates still count the person.",
        schema_extra={"examples": [None]},
    )


class PersonPublic(PersonSummary):
    """A person as the single-participant representation shows it.

    NIK, phone and exact birth date are filled only for clients granted `participants:pii`;
    `personal_data` says whether they are the stored values, withheld, or erased.
    """

    nik: str | None = Field(
        default=None,
        description="Nomor Induk Kependudukan, the 16-digit national identity number; null "
        "unless `personal_data` is `included` and a NIK is recorded.",
        schema_extra={"examples": ["8272024107860001"]},
    )
    birth_date: date | None = Field(
        default=None,
        description="Exact date of birth; null unless `personal_data` is `included` and a date "
        "is recorded.",
        schema_extra={"examples": ["1986-07-01"]},
    )
    phone: str | None = Field(
        default=None,
        description="Phone number in E.164 form; null unless `personal_data` is `included` and a "
        "number is recorded.",
        schema_extra={"examples": ["+6282187654321"]},
    )
    personal_data: PersonalDataState = Field(
        description="`included`: `nik`, `phone` and `birth_date` are the stored values (null "
        "where none is recorded). `redacted`: they are null because this client was not "
        "granted `participants:pii`, whatever is stored. `erased`: they are null because the "
        "person was erased (see `erased_at`).",
        schema_extra={"examples": ["included"]},
    )
    possible_duplicate_of: uuid.UUID | None = Field(
        default=None,
        description="The id of another live person who held the same NIK when this one was "
        "registered (or given this NIK) by a client that may not see that person, so that "
        "was accepted rather than refused with 409: a possible duplicate for an operator to "
        "review. Shown only to clients granted `participants:pii` and bound to no area; null "
        "for every other client. Correcting the NIK re-evaluates it.",
        schema_extra={"examples": [None]},
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
        description="Ids of the live persons who belong to the group; repeated ids count once. "
        "For a client restricted to areas, only persons in those areas.",
        schema_extra={"examples": [["0195f3a8-7c1e-7d3a-9a54-3c1f0e2b4d6a"]]},
    )


class GroupPublic(GroupBase, ResourcePublic):
    """A group with its members (lists show it the same way)."""

    kind: Literal["group"] = Field(
        description="`group` for a group of persons.", schema_extra={"examples": ["group"]}
    )
    member_ids: list[uuid.UUID] = Field(
        description="Ids of the persons who belong to the group, in id order; for a client "
        "restricted to areas, only the members in those areas.",
        schema_extra={"examples": [["0195f3a8-7c1e-7d3a-9a54-3c1f0e2b4d6a"]]},
    )
    members_count: int = Field(
        ge=0,
        description="Number of members listed in `member_ids`.",
        schema_extra={"examples": [1]},
    )


ParticipantCreate = Annotated[PersonCreate | GroupCreate, PydanticField(discriminator="kind")]
ParticipantPublic = Annotated[PersonPublic | GroupPublic, PydanticField(discriminator="kind")]
ParticipantSummary = Annotated[PersonSummary | GroupPublic, PydanticField(discriminator="kind")]


class ParticipantUpdate(PersonalDataInput):
    """Fields to change. Only the participant's own kind's fields may be sent."""

    kind: NotNull[ParticipantKind] = Field(
        default=None,
        description="Cannot change; may be sent if equal to the current kind.",
        schema_extra={"examples": ["person"]},
    )
    full_name: NotNull[str] = Field(
        default=None,
        min_length=1,
        max_length=200,
        description="Person: full name. Refused (409) with the other personal fields once the "
        "person is erased.",
        schema_extra={"examples": ["Siti Hadija Umar"]},
    )
    gender: Gender | None = Field(
        default=None,
        description="Person: `female` or `male`.",
        schema_extra={"examples": ["female"]},
    )
    birth_year: Integer | None = Field(
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
    consent_given: NotNull[Boolean] = Field(
        default=None,
        description="Person: whether explicit consent to processing personal data was given.",
        schema_extra={"examples": [True]},
    )
    consent_at: Instant | None = Field(
        default=None,
        description="Person: when consent was given.",
        schema_extra={"examples": ["2026-02-01T02:30:00Z"]},
    )
    consent_basis: LawfulBasis | None = Field(
        default=None,
        description="Person: lawful basis for processing personal data (UU PDP art. 20).",
        schema_extra={"examples": ["consent"]},
    )
    name: NotNull[str] = Field(
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
    member_ids: NotNull[list[uuid.UUID]] = Field(
        default=None,
        max_length=MAX_GROUP_MEMBERS,
        description="Group: the complete new list of member person ids (replaces the old one). "
        "Members outside the areas of a client restricted to areas stay in the group.",
        schema_extra={"examples": [["0195f3a8-7c1e-7d3a-9a54-3c1f0e2b4d6a"]]},
    )

    @field_validator("birth_year")
    @classmethod
    def _birth_year_is_past(cls, year: int | None) -> int | None:
        return check_birth_year_not_future(year)
