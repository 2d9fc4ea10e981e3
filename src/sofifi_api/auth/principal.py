import uuid
from dataclasses import dataclass
from typing import Literal

from sofifi_api.auth.areas import AreaScope
from sofifi_api.auth.scopes import ADMIN, PII


@dataclass(frozen=True)
class Principal:
    """The authenticated client a request acts for."""

    client_id: uuid.UUID
    name: str
    scopes: frozenset[str]
    # Empty: every area; otherwise only rows in these areas and those below them.
    area_codes: tuple[str, ...]
    credential: Literal["api_key", "access_token"]
    # The client's own requests per minute; None: the service default.
    rate_limit_per_minute: int | None = None

    def allows(self, scope: str) -> bool:
        return ADMIN in self.scopes or scope in self.scopes

    @property
    def sees_personal_data(self) -> bool:
        return self.allows(PII)

    @property
    def areas(self) -> AreaScope:
        return AreaScope(self.area_codes)
