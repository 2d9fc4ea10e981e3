import uuid
from typing import Annotated

from fastapi import Depends, Path, Query

from sofifi_api.auth.dependencies import PrincipalDep
from sofifi_api.db import SessionDep
from sofifi_api.enrollments.models import Enrollment, EnrollmentStatus
from sofifi_api.enrollments.service import EnrollmentFilters, EnrollmentNotFound, get_enrollment
from sofifi_api.programs.dependencies import ProgramDep
from sofifi_api.schemas import IncludeDeletedQuery, UpdatedSinceQuery, parse_id

EnrollmentIdPath = Annotated[str, Path(max_length=64, description="The enrollment's id.")]


async def enrollment_from_path(
    session: SessionDep,
    principal: PrincipalDep,
    program: ProgramDep,
    enrollment_id: EnrollmentIdPath,
) -> Enrollment:
    """A live enrollment of the live program named in the path; one of a participant outside
    the client's areas is reported missing."""
    parsed = parse_id(enrollment_id)
    if parsed is None:
        raise EnrollmentNotFound(enrollment_id)
    return await get_enrollment(session, program, parsed, areas=principal.areas)


EnrollmentDep = Annotated[Enrollment, Depends(enrollment_from_path)]


async def enrollment_filters(
    status: Annotated[EnrollmentStatus | None, Query(description="Only this status.")] = None,
    participant_id: Annotated[
        uuid.UUID | None, Query(description="Only the enrollment of this participant.")
    ] = None,
    updated_since: UpdatedSinceQuery = None,
    include_deleted: IncludeDeletedQuery = False,
) -> EnrollmentFilters:
    """The filters of a program's enrollment list, which the enrollment export shares."""
    return EnrollmentFilters(
        status=status,
        participant_id=participant_id,
        updated_since=updated_since,
        include_deleted=include_deleted,
    )


EnrollmentFiltersDep = Annotated[EnrollmentFilters, Depends(enrollment_filters)]
