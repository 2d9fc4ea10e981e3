"""An area as the API shows it: its columns, selected in one statement, keyed by its code."""

from sqlmodel import col

from sofifi_api.areas.models import Area
from sofifi_api.representations.collection import Collection
from sofifi_api.representations.fields import Kind, field

AREAS = Collection(
    name="areas",
    key=col(Area.code),
    fields=(
        field("code", col(Area.code), Kind.TEXT),
        field("name", col(Area.name), Kind.TEXT),
        field("level", col(Area.level), Kind.TEXT),
        field("parent_code", col(Area.parent_code), Kind.TEXT),
        field("is_official", col(Area.is_official), Kind.BOOLEAN),
        field("bps_code", col(Area.bps_code), Kind.TEXT),
        field("latitude", col(Area.latitude), Kind.NUMBER),
        field("longitude", col(Area.longitude), Kind.NUMBER),
        field("created_at", col(Area.created_at), Kind.TIMESTAMP),
        field("updated_at", col(Area.updated_at), Kind.TIMESTAMP),
        field("deleted_at", col(Area.deleted_at), Kind.TIMESTAMP),
    ),
)
