"""The `/v1` API: one router per resource package."""

from fastapi import FastAPI

from sofifi_api.areas.router import router as areas
from sofifi_api.audit.router import router as audit
from sofifi_api.changes.router import router as changes
from sofifi_api.clients.router import router as clients
from sofifi_api.consultations.router import router as consultations
from sofifi_api.contributions.router import router as contributions
from sofifi_api.enrollments.router import router as enrollments
from sofifi_api.errors import problem_responses
from sofifi_api.exports.router import router as exports
from sofifi_api.feedback.router import router as feedback
from sofifi_api.infrastructure_projects.router import router as infrastructure_projects
from sofifi_api.oauth.router import router as oauth
from sofifi_api.organizations.router import router as organizations
from sofifi_api.participants.router import router as participants
from sofifi_api.programs.router import router as programs
from sofifi_api.statistics.router import router as statistics
from sofifi_api.surveys.router import router as surveys
from sofifi_api.webhooks.router import router as webhooks

_RESOURCE_ROUTERS = (
    organizations,
    areas,
    programs,
    enrollments,
    participants,
    infrastructure_projects,
    consultations,
    contributions,
    surveys,
    feedback,
    statistics,
    changes,
    webhooks,
    exports,
    audit,
    oauth,
    clients,
)


def include_v1(app: FastAPI) -> None:
    """Every resource's router under `/v1`, each included in the application itself: a router
    included in a router costs FastAPI a second walk of its routes on every request."""
    for resource_router in _RESOURCE_ROUTERS:
        app.include_router(
            resource_router, prefix="/v1", responses=problem_responses(401, 403, 429)
        )
