"""The scopes a partner client can be granted."""

RESOURCES = {
    "organizations": "organizations",
    "areas": "administrative areas",
    "programs": "programs and their enrollments",
    "participants": "participants (without personal data)",
    "projects": "infrastructure projects, their consultations and contributions",
    "surveys": "surveys",
    "feedback": "feedback",
}

PII = "participants:pii"
AUDIT_READ = "audit:read"
WEBHOOKS_READ = "webhooks:read"
WEBHOOKS_WRITE = "webhooks:write"
FEEDBACK_REVIEW = "feedback:review"
ADMIN = "admin"

SCOPES: dict[str, str] = {
    **{f"{name}:read": f"Read {what}." for name, what in RESOURCES.items()},
    **{f"{name}:write": f"Create, change and delete {what}." for name, what in RESOURCES.items()},
    PII: "See participants' personal data (NIK, phone, exact birth date) and erase it.",
    AUDIT_READ: "Read the audit trail.",
    FEEDBACK_REVIEW: "Set the review status of feedback it can read (approved feedback counts "
    "in statistics).",
    WEBHOOKS_READ: "Read the client's own webhook subscriptions and their delivery logs.",
    WEBHOOKS_WRITE: "Create, change and delete the client's own webhook subscriptions; send "
    "test events and redeliveries.",
    ADMIN: "Everything, including managing API clients.",
}
