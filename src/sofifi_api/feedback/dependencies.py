from typing import Annotated

from fastapi import Depends, Path

from sofifi_api.auth.dependencies import PrincipalDep
from sofifi_api.db import SessionDep
from sofifi_api.feedback.models import Feedback
from sofifi_api.feedback.service import FeedbackNotFound, get_feedback
from sofifi_api.schemas import parse_id


async def feedback_from_path(
    session: SessionDep,
    principal: PrincipalDep,
    feedback_id: Annotated[str, Path(max_length=64, description="The feedback's id.")],
) -> Feedback:
    """Live feedback named in the path; feedback outside the client's areas is reported missing."""
    parsed = parse_id(feedback_id)
    if parsed is None:
        raise FeedbackNotFound(feedback_id)
    return await get_feedback(session, parsed, areas=principal.areas)


FeedbackDep = Annotated[Feedback, Depends(feedback_from_path)]
