"""Who sees areas: reference data, the same for every client that may read them."""

from sofifi_api.areas.models import Area
from sofifi_api.auth.visibility import everyone

AREAS = everyone("area", Area, key="code")
