import uuid
from typing import Annotated

from fastapi import Depends, Path, Query

from sofifi_api.auth.dependencies import PrincipalDep
from sofifi_api.db import SessionDep
from sofifi_api.participants.models import Gender, Participant, ParticipantKind
from sofifi_api.participants.service import (
    ParticipantFilters,
    ParticipantNotFound,
    get_participant,
)
from sofifi_api.participants.validation import EARLIEST_BIRTH_YEAR
from sofifi_api.schemas import IncludeDeletedQuery, UpdatedSinceQuery, parse_id

ParticipantIdPath = Annotated[str, Path(max_length=64, description="The participant's id.")]


async def participant_from_path(
    session: SessionDep, principal: PrincipalDep, participant_id: ParticipantIdPath
) -> Participant:
    """The live participant, if it lies in the caller's areas; 404 otherwise."""
    parsed = parse_id(participant_id)
    if parsed is None:
        raise ParticipantNotFound(participant_id)
    return await get_participant(session, parsed, areas=principal.areas)


async def participant_or_tombstone_from_path(
    session: SessionDep, principal: PrincipalDep, participant_id: ParticipantIdPath
) -> Participant:
    """Like `participant_from_path`, but a deleted participant is found too."""
    parsed = parse_id(participant_id)
    if parsed is None:
        raise ParticipantNotFound(participant_id)
    return await get_participant(session, parsed, areas=principal.areas, include_deleted=True)


ParticipantDep = Annotated[Participant, Depends(participant_from_path)]
ParticipantOrTombstoneDep = Annotated[Participant, Depends(participant_or_tombstone_from_path)]


async def participant_filters(
    kind: Annotated[ParticipantKind | None, Query(description="Only this kind.")] = None,
    gender: Annotated[Gender | None, Query(description="Only persons of this gender.")] = None,
    area_code: Annotated[
        str | None, Query(max_length=40, description="Only participants in this area.")
    ] = None,
    group_id: Annotated[
        uuid.UUID | None, Query(description="Only the persons who belong to this group.")
    ] = None,
    member_id: Annotated[
        uuid.UUID | None, Query(description="Only the groups this person belongs to.")
    ] = None,
    birth_year_from: Annotated[
        int | None,
        Query(ge=EARLIEST_BIRTH_YEAR, le=2100, description="Only persons born in or after."),
    ] = None,
    birth_year_to: Annotated[
        int | None,
        Query(ge=EARLIEST_BIRTH_YEAR, le=2100, description="Only persons born in or before."),
    ] = None,
    q: Annotated[
        str | None,
        Query(max_length=100, description="Only names containing this text (case-insensitive)."),
    ] = None,
    updated_since: UpdatedSinceQuery = None,
    include_deleted: IncludeDeletedQuery = False,
) -> ParticipantFilters:
    """The filters of the participant list, which its export shares."""
    return ParticipantFilters(
        kind=kind,
        gender=gender,
        area_code=area_code,
        group_id=group_id,
        member_id=member_id,
        birth_year_from=birth_year_from,
        birth_year_to=birth_year_to,
        name_contains=q,
        updated_since=updated_since,
        include_deleted=include_deleted,
    )


ParticipantFiltersDep = Annotated[ParticipantFilters, Depends(participant_filters)]
