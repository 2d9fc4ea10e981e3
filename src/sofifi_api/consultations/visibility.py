"""Who sees a consultation: a client that sees its project."""

from typing import Any

from sqlalchemy.sql.elements import ColumnElement

from sofifi_api.auth.areas import AreaScope
from sofifi_api.auth.visibility import Visibility
from sofifi_api.consultations.models import Consultation
from sofifi_api.infrastructure_projects.visibility import PROJECTS


def _project_visible(areas: AreaScope, consultation: Any) -> ColumnElement[bool]:
    return PROJECTS.reaches(areas, consultation.project_id)


CONSULTATIONS = Visibility("consultation", Consultation, _project_visible)
