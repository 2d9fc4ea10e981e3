from typing import Annotated

from fastapi import Depends, Path

from sofifi_api.auth.dependencies import PrincipalDep
from sofifi_api.db import SessionDep
from sofifi_api.participants.models import Participant
from sofifi_api.participants.service import ParticipantNotFound, get_participant
from sofifi_api.schemas import parse_id

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
