"""Every table, imported once so that SQLModel.metadata (and Alembic) sees the whole schema."""

from sofifi_api.areas.models import Area
from sofifi_api.changes.models import Change
from sofifi_api.clients.models import ApiClient, ApiKey, AuditEvent
from sofifi_api.consultations.models import Consultation
from sofifi_api.contributions.models import Contribution
from sofifi_api.enrollments.models import Enrollment
from sofifi_api.feedback.models import Feedback
from sofifi_api.feedback.reviews import FeedbackReview
from sofifi_api.idempotency.models import IdempotencyRecord
from sofifi_api.infrastructure_projects.models import InfrastructureProject, ProjectArea
from sofifi_api.organizations.models import Organization
from sofifi_api.participants.models import GroupMember, Participant
from sofifi_api.programs.models import Program, ProgramArea, ProgramPartner
from sofifi_api.surveys.models import Survey, SurveyVersion
from sofifi_api.webhooks.models import WebhookDelivery, WebhookSubscription

__all__ = [
    "ApiClient",
    "ApiKey",
    "Area",
    "AuditEvent",
    "Change",
    "Consultation",
    "Contribution",
    "Enrollment",
    "Feedback",
    "FeedbackReview",
    "GroupMember",
    "IdempotencyRecord",
    "InfrastructureProject",
    "Organization",
    "Participant",
    "Program",
    "ProgramArea",
    "ProgramPartner",
    "ProjectArea",
    "Survey",
    "SurveyVersion",
    "WebhookDelivery",
    "WebhookSubscription",
]
