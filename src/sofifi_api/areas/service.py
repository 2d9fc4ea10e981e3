from collections.abc import Iterable

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from sofifi_api.areas.models import Area
from sofifi_api.errors import ValidationFailed


async def ensure_areas_exist(session: AsyncSession, codes: Iterable[str], *, field: str) -> None:
    """Refuse (422 naming `field`) any code that is not a live area; one query for all."""
    wanted = set(codes)
    if not wanted:
        return
    rows = await session.exec(
        select(Area.code).where(col(Area.code).in_(wanted), col(Area.deleted_at).is_(None))
    )
    missing = sorted(wanted - set(rows.all()))
    if missing:
        raise ValidationFailed.for_field(
            field, f"Unknown area code: {', '.join(missing)}.", code="unknown_reference"
        )


async def ensure_area_exists(session: AsyncSession, code: str, *, field: str) -> None:
    await ensure_areas_exist(session, [code], field=field)
