import csv

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from sofifi_api.areas.models import Area, AreaLevel
from sofifi_api.areas.service import REFERENCE_AREAS_CSV, import_reference_areas
from sofifi_api.db import utcnow
from tests.factories import SOFIFI


def reference_codes() -> list[str]:
    with REFERENCE_AREAS_CSV.open(encoding="utf-8", newline="") as handle:
        return [row["code"] for row in csv.DictReader(handle)]


async def test_import_inserts_every_reference_area(session: AsyncSession) -> None:
    inserted = await import_reference_areas(session)

    codes = (await session.exec(select(Area.code).order_by(col(Area.code)))).all()
    assert inserted == len(reference_codes())
    assert list(codes) == sorted(reference_codes())
    sofifi = await session.get(Area, SOFIFI)
    assert sofifi is not None
    assert (sofifi.parent_code, sofifi.latitude, sofifi.longitude) == (
        "82.72.02",
        0.72444,
        127.58056,
    )


async def test_import_again_inserts_nothing(session: AsyncSession) -> None:
    await import_reference_areas(session)

    assert await import_reference_areas(session) == 0


async def test_import_inserts_only_the_missing_areas(session: AsyncSession) -> None:
    session.add(Area(code="82", name="Provinsi Maluku Utara", level=AreaLevel.province))
    await session.flush()

    inserted = await import_reference_areas(session)

    assert inserted == len(reference_codes()) - 1
    province = await session.get(Area, "82")
    assert province is not None
    assert province.name == "Provinsi Maluku Utara"


async def test_import_leaves_a_deleted_area_deleted(session: AsyncSession) -> None:
    await import_reference_areas(session)
    sofifi = await session.get(Area, SOFIFI)
    assert sofifi is not None
    sofifi.deleted_at = utcnow()
    await session.flush()

    assert await import_reference_areas(session) == 0
    await session.refresh(sofifi)
    assert sofifi.deleted_at is not None
