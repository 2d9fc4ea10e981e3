from collections.abc import Callable, Coroutine
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Body, Request, Response, status
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from pydantic import ConfigDict, Field
from sqlmodel.ext.asyncio.session import AsyncSession

from sofifi_api.audit.service import record_personal_data_read
from sofifi_api.auth.dependencies import PrincipalDep, requires
from sofifi_api.auth.principal import Principal
from sofifi_api.conditional import IfMatchDep
from sofifi_api.db import SessionDep, writes_on_safe_method
from sofifi_api.errors import problem_responses, request_id_of
from sofifi_api.idempotency.middleware import answer_shows_personal_data
from sofifi_api.pagination import Page, PageDep, page_body
from sofifi_api.participants import persons, service
from sofifi_api.participants.dependencies import (
    ParticipantDep,
    ParticipantFiltersDep,
    ParticipantOrTombstoneDep,
)
from sofifi_api.participants.models import (
    GroupCreate,
    GroupPublic,
    Participant,
    ParticipantKind,
    ParticipantPublic,
    ParticipantSummary,
    ParticipantUpdate,
    PersonalDataState,
    PersonCreate,
    PersonPublic,
)
from sofifi_api.participants.validation import NikLookup

_KIND_TAGS = {kind.value for kind in ParticipantKind}
_KIND_MESSAGE = "Input should be 'person' or 'group'"


def _without_union_tag(error: dict[str, Any]) -> dict[str, Any]:
    """Report a body error at the field's own path (`nik`, not `person.nik`)."""
    loc = tuple(error.get("loc", ()))
    if loc == ("body",) and error.get("type") in {"union_tag_not_found", "union_tag_invalid"}:
        return {"type": "enum", "loc": ("body", "kind"), "msg": _KIND_MESSAGE}
    if len(loc) > 1 and loc[0] == "body" and loc[1] in _KIND_TAGS:
        return {**error, "loc": ("body", *loc[2:])}
    return error


class ParticipantRoute(APIRoute):
    """Strips the `person`/`group` tag that the discriminated body adds to error paths."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def handle(request: Request) -> Response:
            try:
                return await handler(request)
            except RequestValidationError as exc:
                errors = [_without_union_tag(dict(error)) for error in exc.errors()]
                raise RequestValidationError(errors, body=exc.body) from None

        return handle


router = APIRouter(prefix="/participants", tags=["participants"], route_class=ParticipantRoute)


class ParticipantPage(Page[ParticipantSummary]):
    """One page of participants, without personal data (NIK, phone, exact birth date)."""

    model_config = ConfigDict(json_schema_extra={"description": __doc__})

    data: list[ParticipantSummary] = Field(
        description="The participants of this page: persons and groups.",
        examples=[
            [
                {
                    "id": "0195f3a8-7c1e-7d3a-9a54-3c1f0e2b4d6a",
                    "kind": "person",
                    "full_name": "Siti Hadija",
                    "gender": "female",
                    "birth_year": 1986,
                    "area_code": "82.72.02.1003",
                    "consent_given": True,
                    "consent_at": "2026-02-01T02:30:00Z",
                    "consent_basis": "consent",
                    "erased_at": None,
                    "created_at": "2026-02-01T02:30:00Z",
                    "updated_at": "2026-02-01T02:30:00Z",
                    "deleted_at": None,
                }
            ]
        ],
    )


@router.get(
    "",
    dependencies=[requires("participants:read")],
    response_model=ParticipantPage,
    summary="List participants",
    responses=problem_responses(400, 422),
)
async def list_participants(
    request: Request,
    response: Response,
    session: SessionDep,
    principal: PrincipalDep,
    page: PageDep,
    filters: ParticipantFiltersDep,
) -> dict[str, Any]:
    """Participants in creation order. Persons appear without NIK, phone and exact birth date;
    fetch one participant for those. Groups carry `member_ids` and `members_count`. A client
    restricted to areas sees only participants in its areas (not those without an area)."""
    items, next_key = await service.list_participants(session, page, filters, areas=principal.areas)
    return page_body(request, response, items, next_key)


Shown = TypeVar("Shown", PersonPublic, GroupPublic, PersonPublic | GroupPublic)


async def _represent(
    session: AsyncSession, principal: Principal, participant: Participant
) -> PersonPublic | GroupPublic:
    """The participant as `get_participant` shows it to this client (personal data only with
    `participants:pii`, group members only in its areas)."""
    return await service.participant_public(
        session,
        participant,
        areas=principal.areas,
        with_personal_data=principal.sees_personal_data,
    )


async def _shown(
    request: Request, session: SessionDep, principal: Principal, representation: Shown
) -> Shown:
    """The representation as answered; personal data in it is recorded as a `pii.read`, and
    marked for the Idempotency-Key middleware, which re-checks it on replay."""
    if (
        isinstance(representation, PersonPublic)
        and representation.personal_data == PersonalDataState.included
    ):
        await record_personal_data_read(
            session, principal, representation.id, request_id_of(request)
        )
        answer_shows_personal_data(request, representation.id)
    return representation


@router.post(
    "",
    dependencies=[requires("participants:write")],
    response_model=ParticipantPublic,
    status_code=status.HTTP_201_CREATED,
    summary="Create a participant",
    responses=problem_responses(400, 409, 413, 415, 422),
)
async def create_participant(
    request: Request,
    response: Response,
    session: SessionDep,
    principal: PrincipalDep,
    body: Annotated[PersonCreate | GroupCreate, Body(discriminator="kind")],
) -> PersonPublic | GroupPublic:
    """A person (`kind: person`) or a group (`kind: group`); fields of the other kind are
    refused. A NIK already held by a live person answers 409 to a client granted
    `participants:pii` in whose areas that person lives; any other client is answered as for an
    unknown NIK, and the new person is flagged (`possible_duplicate_of`) for review.

    `participants:write` suffices to send NIK, phone and birth date (a survey app registers
    people it may not read back); the answer shows them only with `participants:pii`. A client
    restricted to areas must give an `area_code` in its areas (403
    `/problems/area-out-of-scope` otherwise) and may name only group members in its areas."""
    participant = await service.create_participant(
        session, body, areas=principal.areas, with_personal_data=principal.sees_personal_data
    )
    response.headers["Location"] = str(
        request.url_for("get_participant", participant_id=participant.id)
    )
    return await _shown(request, session, principal, participant)


@router.get(
    "/{participant_id}",
    dependencies=[requires("participants:read")],
    response_model=ParticipantPublic,
    summary="Get a participant",
    responses=problem_responses(404, 422),
)
@writes_on_safe_method
async def get_participant(
    request: Request, session: SessionDep, principal: PrincipalDep, participant: ParticipantDep
) -> PersonPublic | GroupPublic:
    """The participant: for a person, with NIK, phone and exact birth date if the client was
    granted `participants:pii` (see `personal_data`); for a group, with its members. A
    participant outside the areas of a client restricted to areas answers 404."""
    representation = await _represent(session, principal, participant)
    return await _shown(request, session, principal, representation)


@router.patch(
    "/{participant_id}",
    dependencies=[requires("participants:write")],
    response_model=ParticipantPublic,
    summary="Update a participant",
    responses=problem_responses(400, 404, 409, 413, 415, 422),
)
async def update_participant(
    request: Request,
    session: SessionDep,
    principal: PrincipalDep,
    participant: ParticipantDep,
    body: ParticipantUpdate,
    if_match: IfMatchDep,
) -> PersonPublic | GroupPublic:
    """Changes only the fields sent, which must be fields of the participant's kind; `kind`
    cannot change. For a group, `member_ids` replaces the whole membership (members outside the
    areas of a client restricted to areas stay). Personal fields of an erased person answer
    409; an `area_code` outside the client's areas, or none for such a client, 403. A `nik`
    another live person holds is treated as on creation (409 or flagged)."""
    await if_match.require_current(
        session, participant, lambda: _represent(session, principal, participant)
    )
    representation = await service.update_participant(
        session,
        participant,
        body,
        areas=principal.areas,
        with_personal_data=principal.sees_personal_data,
    )
    return await _shown(request, session, principal, representation)


@router.delete(
    "/{participant_id}",
    dependencies=[requires("participants:write")],
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Delete a participant",
    responses=problem_responses(404, 422),
)
async def delete_participant(
    session: SessionDep, principal: PrincipalDep, participant: ParticipantDep, if_match: IfMatchDep
) -> None:
    """Leaves a tombstone that `include_deleted` lists, deletes the participant's enrollments
    the same way and ends its group memberships."""
    await if_match.require_current(
        session, participant, lambda: _represent(session, principal, participant)
    )
    await service.delete_participant(session, participant)


@router.post(
    "/lookup",
    dependencies=[requires("participants:read"), requires("participants:pii")],
    response_model=PersonPublic,
    summary="Find a person by NIK",
    response_description="The person holding the NIK, with personal data.",
    responses=problem_responses(400, 404, 413, 415, 422),
)
async def lookup_participant(
    request: Request, session: SessionDep, principal: PrincipalDep, body: NikLookup
) -> PersonPublic:
    """The live person holding this NIK, with personal data. The NIK travels in the body,
    never in a URL, and is matched through a keyed digest; no match (or a match outside the
    client's areas) answers 404, which never repeats the NIK."""
    person = await persons.find_person_by_nik(session, body.nik, areas=principal.areas)
    return await _shown(
        request,
        session,
        principal,
        persons.person_public(
            person, with_personal_data=True, shows_duplicates=principal.areas.unrestricted
        ),
    )


@router.post(
    "/{participant_id}/erasure",
    dependencies=[requires("participants:write"), requires("participants:pii")],
    response_model=PersonPublic,
    summary="Erase a person's personal data",
    response_description="The person as erased: no personal data, and `erased_at` set.",
    responses=problem_responses(404, 409, 422),
)
async def erase_participant(
    session: SessionDep, participant: ParticipantOrTombstoneDep
) -> PersonPublic:
    """Wipes the person's name, NIK, phone, exact birth date and consent record for good and
    sets `erased_at`; gender, birth year, area, group memberships and enrollments (with their
    outcomes) stay, so aggregates still count the person. Erasing again changes nothing and
    answers the same. Deleted persons can be erased too. A group answers 409."""
    return await persons.erase_person(session, participant)
