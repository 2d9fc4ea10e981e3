from typing import Annotated

from fastapi import Depends, Path

from sofifi_api.auth.dependencies import PrincipalDep
from sofifi_api.db import SessionDep
from sofifi_api.enrollments.models import Enrollment
from sofifi_api.enrollments.service import EnrollmentNotFound, get_enrollment
from sofifi_api.programs.dependencies import ProgramDep
from sofifi_api.schemas import parse_id


async def enrollment_from_path(
    session: SessionDep,
    principal: PrincipalDep,
    program: ProgramDep,
    enrollment_id: Annotated[str, Path(max_length=64, description="The enrollment's id.")],
) -> Enrollment:
    """A live enrollment of the live program named in the path; one of a participant outside
    the client's areas is reported missing."""
    parsed = parse_id(enrollment_id)
    if parsed is None:
        raise EnrollmentNotFound(enrollment_id)
    return await get_enrollment(session, program, parsed, areas=principal.areas)


EnrollmentDep = Annotated[Enrollment, Depends(enrollment_from_path)]
