"""Who sees a program: a client restricted to areas sees those targeting one of its areas."""

from typing import Any

import sqlalchemy as sa
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import col

from sofifi_api.auth.areas import AreaScope
from sofifi_api.auth.visibility import Visibility
from sofifi_api.programs.models import Program, ProgramArea


def _targets_covered_area(areas: AreaScope, program: Any) -> ColumnElement[bool]:
    return sa.exists().where(
        col(ProgramArea.program_id) == program.id, areas.clause(col(ProgramArea.area_code))
    )


PROGRAMS = Visibility("program", Program, _targets_covered_area, keyed=True)
