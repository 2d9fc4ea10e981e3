"""Who sees a contribution: a client that sees its project."""

from typing import Any

from sqlalchemy.sql.elements import ColumnElement

from sofifi_api.auth.areas import AreaScope
from sofifi_api.auth.visibility import Visibility
from sofifi_api.contributions.models import Contribution
from sofifi_api.infrastructure_projects.visibility import PROJECTS


def _project_visible(areas: AreaScope, contribution: Any) -> ColumnElement[bool]:
    return PROJECTS.reaches(areas, contribution.project_id)


CONTRIBUTIONS = Visibility("contribution", Contribution, _project_visible)
