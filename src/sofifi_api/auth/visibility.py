"""Who may see the rows of one resource type: the single definition every path reads through.

Each resource package declares one `Visibility` in its `visibility.py`: given the client's
`AreaScope`, one SQL condition over the resource's table. Lists, single reads, sub-resources,
exports, statistics, the change feed, the audit trail and batch results all ask it, so the
rule cannot drift between them. Rows in hand are checked by asking the same condition for
their keys (`visible_keys`), never by a second, Python-side copy of the rule.

Area conditions (`AreaScope.clause`, `AreaScope.covers`) belong in these declarations only;
`tests/test_visibility_rules.py` fails on one written anywhere else.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any, Generic, TypeVar

import sqlalchemy as sa
from sqlalchemy.orm import aliased
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession
from sqlmodel.sql.expression import SelectOfScalar

from sofifi_api.auth.areas import AreaScope

Row = TypeVar("Row")

# The condition over one entity: the table's class, or an alias of it.
Condition = Callable[[AreaScope, Any], ColumnElement[bool]]


@dataclass(frozen=True)
class Visibility(Generic[Row]):
    """The rows of `table` a client sees. `condition` is asked only for a client restricted
    to areas; None means every client sees every row (reference data). `resource_type` is the
    name the change feed and the audit trail give the resource."""

    resource_type: str
    table: type[Row]
    condition: Condition | None
    key: str = "id"
    # The condition reads only the row's key, so a reference to the row can stand in for it.
    keyed: bool = False

    @property
    def restricted_by_area(self) -> bool:
        return self.condition is not None

    def where(self, areas: AreaScope, entity: Any = None) -> ColumnElement[bool]:
        """SQL: the row of `entity` (the table, or an alias of it) is visible."""
        if areas.unrestricted or self.condition is None:
            return sa.true()
        return self.condition(areas, self.table if entity is None else entity)

    def reaches(self, areas: AreaScope, reference: Any) -> ColumnElement[bool]:
        """SQL: the row whose key is in `reference` (a column of another table) is visible."""
        if areas.unrestricted or self.condition is None:
            return sa.true()
        if self.keyed:
            return self.condition(areas, SimpleNamespace(**{self.key: reference}))
        entity = aliased(self.table)
        return sa.exists().where(
            getattr(entity, self.key) == reference, self.condition(areas, entity)
        )

    def readable(self, areas: AreaScope) -> SelectOfScalar[Row]:
        """`SELECT` of the rows this client may read, live or deleted, to narrow further."""
        return select(self.table).where(self.where(areas))

    async def visible_keys(
        self, session: AsyncSession, keys: Iterable[Any], areas: AreaScope
    ) -> set[Any]:
        """Which of these keys name a row the client sees (deleted or not): one query."""
        wanted = set(keys)
        if not wanted or areas.unrestricted or self.condition is None:
            return wanted
        column = getattr(self.table, self.key)
        found = await session.exec(select(column).where(column.in_(wanted), self.where(areas)))
        return set(found.all())


def everyone(resource_type: str, table: type[Row], *, key: str = "id") -> Visibility[Row]:
    """Reference data: every client that may read the type sees every row of it."""
    return Visibility(resource_type, table, None, key=key)
