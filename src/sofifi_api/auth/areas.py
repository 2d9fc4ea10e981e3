"""Which areas a client may see: its codes and every area below them."""

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.sql.elements import ColumnElement


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
