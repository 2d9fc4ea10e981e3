"""An organization as the API shows it: its columns, selected in one statement."""

from sqlmodel import col

from sofifi_api.organizations.models import Organization
from sofifi_api.representations.collection import Collection, resource_fields
from sofifi_api.representations.fields import Kind, field

ORGANIZATIONS = Collection(
    name="organizations",
    key=col(Organization.id),
    fields=(
        *resource_fields(Organization),
        field("name", col(Organization.name), Kind.TEXT),
        field("kind", col(Organization.kind), Kind.TEXT),
        field("acronym", col(Organization.acronym), Kind.TEXT),
        field("description", col(Organization.description), Kind.TEXT),
        field("area_code", col(Organization.area_code), Kind.TEXT),
        field("website", col(Organization.website), Kind.TEXT),
    ),
)
