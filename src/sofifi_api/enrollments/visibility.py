"""Who sees an enrollment: a client that sees both its program and its participant."""

from typing import Any

import sqlalchemy as sa
from sqlalchemy.sql.elements import ColumnElement

from sofifi_api.auth.areas import AreaScope
from sofifi_api.auth.visibility import Visibility
from sofifi_api.enrollments.models import Enrollment
from sofifi_api.participants.visibility import PARTICIPANTS
from sofifi_api.programs.visibility import PROGRAMS


def _program_and_participant_visible(areas: AreaScope, enrollment: Any) -> ColumnElement[bool]:
    return sa.and_(
        PROGRAMS.reaches(areas, enrollment.program_id),
        PARTICIPANTS.reaches(areas, enrollment.participant_id),
    )


ENROLLMENTS = Visibility("enrollment", Enrollment, _program_and_participant_visible)
