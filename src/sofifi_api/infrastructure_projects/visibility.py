"""Who sees an infrastructure project: a client restricted to areas sees those serving one
of its areas; the project's consultations and contributions go with it."""

from typing import Any

import sqlalchemy as sa
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import col

from sofifi_api.auth.areas import AreaScope
from sofifi_api.auth.visibility import Visibility
from sofifi_api.infrastructure_projects.models import InfrastructureProject, ProjectArea


def _serves_covered_area(areas: AreaScope, project: Any) -> ColumnElement[bool]:
    return sa.exists().where(
        col(ProjectArea.project_id) == project.id, areas.clause(col(ProjectArea.area_code))
    )


PROJECTS = Visibility(
    "infrastructure_project", InfrastructureProject, _serves_covered_area, keyed=True
)
