"""Which areas a client may see: its codes and every area below them."""

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.sql.elements import ColumnElement

from sofifi_api.errors import ApiError, FieldError


@dataclass(frozen=True)
class AreaScope:
    """Area codes a client is bound to; empty means every area.

    Codes are hierarchical (`82.72.02` → `82.72.02.1003`, `82.72.02-guraping`), so an area is
    covered when it is one of the codes or starts with one of them followed by `.` or `-`.
    """

    codes: tuple[str, ...] = ()

    @property
    def unrestricted(self) -> bool:
        return not self.codes

    def covers(self, code: str | None) -> bool:
        if self.unrestricted:
            return True
        if code is None:
            return False
        return any(
            code == bound or code.startswith((f"{bound}.", f"{bound}-")) for bound in self.codes
        )

    def covers_all(self, codes: list[str]) -> bool:
        return all(self.covers(code) for code in codes)

    def clause(self, column: Any) -> ColumnElement[bool]:
        """SQL condition: `column` holds a covered area code (always true when unrestricted)."""
        if self.unrestricted:
            return sa.true()
        return sa.or_(
            *(
                condition
                for bound in self.codes
                for condition in (
                    column == bound,
                    column.startswith(f"{bound}.", autoescape=True),
                    column.startswith(f"{bound}-", autoescape=True),
                )
            )
        )


EVERY_AREA = AreaScope()
AREA_OUT_OF_SCOPE = "area_out_of_scope"


class AreaOutOfScope(ApiError):
    """403: a write would place data in, or change data of, an area the client is not bound to.

    `area_codes` names stored areas outside the client's; a refused value the client sent is
    named by its field in `errors`, never repeated (it may be personal data in the wrong field).
    """

    status, title, slug = 403, "Area outside the client's scope", "area-out-of-scope"

    def __init__(
        self,
        detail: str,
        area_codes: Iterable[str] | None = None,
        errors: list[FieldError] | None = None,
    ) -> None:
        extensions = None if area_codes is None else {"area_codes": sorted(set(area_codes))}
        super().__init__(detail, errors=errors, extensions=extensions)


def uncovered_field(areas: AreaScope, field: str, code: str | None) -> FieldError | None:
    """The error of a body field placing data in an area the client may not write in; a code
    given as None stands for a required area that is missing."""
    if areas.unrestricted or (code is not None and areas.covers(code)):
        return None
    if code is None:
        message = "A client restricted to areas must name one of its areas here."
    else:
        message = "This area is outside the client's areas."
    return FieldError(location="body", field=field, message=message, code=AREA_OUT_OF_SCOPE)


def refuse_uncovered_fields(areas: AreaScope, fields: Iterable[tuple[str, str | None]]) -> None:
    """403 naming each body field whose area code the scope does not cover; a field given as
    None stands for a required area that is missing."""
    if areas.unrestricted:
        return
    errors: list[FieldError] = []
    for field, code in fields:
        error = uncovered_field(areas, field, code)
        if error is None:
            continue
        errors.append(error)
    if errors:
        named = ", ".join(error.field for error in errors)
        raise AreaOutOfScope(
            f"This client may write only within its areas ({', '.join(areas.codes)}); "
            f"refused: {named}.",
            errors=errors,
        )


def refuse_stored_outside(areas: AreaScope, codes: Iterable[str | None], *, what: str) -> None:
    """403 unless every area a stored row is in is covered: only a client covering all of a
    row's areas may change or delete it."""
    if areas.unrestricted:
        return
    known = [code for code in codes if code is not None]
    outside = sorted({code for code in known if not areas.covers(code)})
    if outside:
        raise AreaOutOfScope(
            f"The {what} is also in areas outside this client's areas ({', '.join(outside)}); "
            "only a client covering all of them may change it.",
            outside,
        )
    if not known:
        raise AreaOutOfScope(
            f"The {what} names no area, so only a client not restricted to areas may change it.",
            (),
        )
