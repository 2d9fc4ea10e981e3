"""Who sees feedback: a client that sees its subject (program or project) and, when the
feedback names an area, covers that area."""

from typing import Any

import sqlalchemy as sa
from sqlalchemy.sql.elements import ColumnElement

from sofifi_api.auth.areas import AreaScope
from sofifi_api.auth.visibility import Visibility
from sofifi_api.feedback.models import Feedback
from sofifi_api.infrastructure_projects.visibility import PROJECTS
from sofifi_api.programs.visibility import PROGRAMS


def _subject_and_area_visible(areas: AreaScope, feedback: Any) -> ColumnElement[bool]:
    return sa.and_(
        sa.or_(
            PROGRAMS.reaches(areas, feedback.program_id),
            PROJECTS.reaches(areas, feedback.infrastructure_project_id),
        ),
        sa.or_(feedback.area_code.is_(None), areas.clause(feedback.area_code)),
    )


FEEDBACK = Visibility("feedback", Feedback, _subject_and_area_visible)
