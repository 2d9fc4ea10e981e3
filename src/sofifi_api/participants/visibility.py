"""Who sees a participant: a client restricted to areas sees those living in one of them (a
participant with no area only clients bound to no area)."""

from typing import Any

from sqlalchemy.sql.elements import ColumnElement

from sofifi_api.auth.areas import AreaScope
from sofifi_api.auth.visibility import Visibility
from sofifi_api.participants.models import Participant


def _lives_in_covered_area(areas: AreaScope, participant: Any) -> ColumnElement[bool]:
    return areas.clause(participant.area_code)


PARTICIPANTS = Visibility("participant", Participant, _lives_in_covered_area)
