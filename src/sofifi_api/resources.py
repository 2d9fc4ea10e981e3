"""Every resource type partners read, each with the one rule that says who sees it.

The change feed, the audit trail and the cross-cutting tests walk this list; a resource type
missing from it is missing from them, and `tests/test_visibility_rules.py` says so."""

from typing import Any

from sofifi_api.areas.visibility import AREAS
from sofifi_api.auth.visibility import Visibility
from sofifi_api.consultations.visibility import CONSULTATIONS
from sofifi_api.contributions.visibility import CONTRIBUTIONS
from sofifi_api.enrollments.visibility import ENROLLMENTS
from sofifi_api.feedback.visibility import FEEDBACK
from sofifi_api.infrastructure_projects.visibility import PROJECTS
from sofifi_api.organizations.visibility import ORGANIZATIONS
from sofifi_api.participants.visibility import PARTICIPANTS
from sofifi_api.programs.visibility import PROGRAMS
from sofifi_api.surveys.visibility import SURVEYS

VISIBILITY: dict[str, Visibility[Any]] = {
    rule.resource_type: rule
    for rule in (
        ORGANIZATIONS,
        AREAS,
        PROGRAMS,
        ENROLLMENTS,
        PARTICIPANTS,
        PROJECTS,
        CONSULTATIONS,
        CONTRIBUTIONS,
        FEEDBACK,
        SURVEYS,
    )
}
