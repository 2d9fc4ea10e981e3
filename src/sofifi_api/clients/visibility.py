"""Who sees an API client: a client bound to areas sees, and manages, only the clients bound
to areas all within its own (one bound to no area reaches every area, so it is not)."""

import sqlalchemy as sa
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import col

from sofifi_api.auth.areas import AreaScope
from sofifi_api.clients.models import ApiClient


def is_within(areas: AreaScope, client: ApiClient) -> bool:
    """Whether a client bound to `areas` may see and manage `client`: only clients bound to
    areas all within its own (one bound to none reaches every area, so it is not)."""
    return areas.unrestricted or (bool(client.area_codes) and areas.covers_all(client.area_codes))


def clients_within(areas: AreaScope, dialect: str) -> ColumnElement[bool]:
    """SQL: `is_within`, some area code and none outside `areas`."""
    if areas.unrestricted:
        return sa.true()
    codes = col(ApiClient.area_codes)
    value = sa.column("value", sa.String)
    if dialect == "postgresql":
        granted = sa.func.json_array_elements_text(codes).table_valued(value)
    else:
        granted = sa.func.json_each(codes).table_valued(value)
    return sa.and_(
        sa.exists().select_from(granted),
        ~sa.exists().select_from(granted).where(~areas.clause(granted.c.value)),
    )
