"""Who sees organizations: reference data, the same for every client that may read them."""

from sofifi_api.auth.visibility import everyone
from sofifi_api.organizations.models import Organization

ORGANIZATIONS = everyone("organization", Organization)
