"""Who sees surveys: reference data, the same for every client that may read them."""

from sofifi_api.auth.visibility import everyone
from sofifi_api.surveys.models import Survey

SURVEYS = everyone("survey", Survey)
