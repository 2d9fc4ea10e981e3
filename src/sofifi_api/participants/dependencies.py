from typing import Annotated

from fastapi import Depends, Path

from sofifi_api.db import SessionDep
from sofifi_api.participants.models import Participant
from sofifi_api.participants.service import ParticipantNotFound, get_participant
from sofifi_api.schemas import parse_id


async def participant_from_path(
    session: SessionDep,
    participant_id: Annotated[str, Path(max_length=64, description="The participant's id.")],
) -> Participant:
    parsed = parse_id(participant_id)
    if parsed is None:
        raise ParticipantNotFound(participant_id)
    return await get_participant(session, parsed)


ParticipantDep = Annotated[Participant, Depends(participant_from_path)]
