"""What a client may grant through the API: only what it holds, within its own areas, and
never more to itself. The operator's CLI runs on the server and is not bound by these rules."""

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sofifi_api.auth.areas import uncovered_field
from sofifi_api.auth.principal import Principal
from sofifi_api.clients.models import ApiClient
from sofifi_api.config import get_settings
from sofifi_api.errors import ApiError, FieldError

GRANT_EXCEEDS_OWN = "grant_exceeds_own"


class GrantExceedsOwn(ApiError):
    """403: a client would grant a scope or an area it does not hold, or widen itself."""

    status, title, slug = 403, "Grant exceeds the client's own", "grant-exceeds-own"

    def __init__(self, principal: Principal, errors: list[FieldError]) -> None:
        within = f" within its areas ({', '.join(principal.area_codes)})"
        named = ", ".join(error.field for error in errors)
        super().__init__(
            f"A client may grant only the scopes it holds{within if principal.area_codes else ''}"
            f", and never more to itself; refused: {named}.",
            errors=errors,
        )


def _refused(field: str, message: str) -> FieldError:
    return FieldError(location="body", field=field, message=message, code=GRANT_EXCEEDS_OWN)


def _beyond_own(
    principal: Principal, *, scopes: Sequence[str] | None, area_codes: Sequence[str] | None
) -> list[FieldError]:
    """Scopes the principal does not hold (a narrowed token holds fewer than its client) and
    areas outside its own; for an area-bound principal, no area at all means every area."""
    errors = [
        _refused(f"scopes.{index}", "The client making this request does not hold this scope.")
        for index, scope in enumerate(scopes or ())
        if not principal.allows(scope)
    ]
    areas = principal.areas
    if area_codes is not None and not areas.unrestricted:
        if not area_codes:
            errors.append(
                _refused(
                    "area_codes",
                    "An empty list grants every area; a client bound to areas may grant only "
                    "areas within its own.",
                )
            )
        errors += [
            _refused(
                f"area_codes.{index}",
                "This area is outside the areas of the client making this request.",
            )
            for index, code in enumerate(area_codes)
            if uncovered_field(areas, f"area_codes.{index}", code) is not None
        ]
    return errors


def refuse_create_beyond_own(
    principal: Principal, *, scopes: Sequence[str], area_codes: Sequence[str]
) -> None:
    errors = _beyond_own(principal, scopes=scopes, area_codes=area_codes)
    if errors:
        raise GrantExceedsOwn(principal, errors)


def refuse_update_beyond_own(
    principal: Principal, client: ApiClient, changes: dict[str, Any]
) -> None:
    """`changes` as sent (`exclude_unset`). A client changing itself may also not raise its
    rate limit nor extend or clear its expiry."""
    errors = _beyond_own(
        principal, scopes=changes.get("scopes"), area_codes=changes.get("area_codes")
    )
    if client.id == principal.client_id:
        if "rate_limit_per_minute" in changes and _raises_rate_limit(
            client.rate_limit_per_minute, changes["rate_limit_per_minute"]
        ):
            errors.append(
                _refused(
                    "rate_limit_per_minute",
                    "A client may not raise its own rate limit (null is the service default).",
                )
            )
        if "expires_at" in changes and _extends(client.expires_at, changes["expires_at"]):
            errors.append(
                _refused(
                    "expires_at", "A client may bring its own expiry forward, never extend it."
                )
            )
    if errors:
        raise GrantExceedsOwn(principal, errors)


def _raises_rate_limit(current: int | None, wanted: int | None) -> bool:
    default = get_settings().rate_limit_per_minute
    return (wanted or default) > (current or default)


def _extends(current: datetime | None, wanted: datetime | None) -> bool:
    if current is None:
        return False
    return wanted is None or wanted > current
