"""A plain FastAPI + SQLModel app serving the first page of programs, for
benchmarks/hot_paths.py: what the list costs written the way the SQLModel tutorial writes it,
without the service's middleware, rate limits, audit or logging.

`GET /v1/programs?limit=N` checks the bearer API key with one ORM query (the service's
`live_key`: key and client by the key's lookup id, digest, revocation, expiry; then
`programs:read`), loads a page of live programs in
id order with `selectinload` of partners and areas, counts enrollments in one grouped query, and
answers `Page[ProgramPublic]` through the route's response model, with the signed `next_cursor`.
Run as `uvicorn --app-dir benchmarks sqlmodel_reference:app` with `DATABASE_URL` and
`SOFIFI_SECRET_KEY`.
"""

import os
import uuid
from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Header, HTTPException, Query
from sqlalchemy import case, func
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine
from sqlalchemy.orm import selectinload
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from sofifi_api.clients.service import live_key
from sofifi_api.enrollments.models import Enrollment, EnrollmentStatus
from sofifi_api.pagination import Page, encode_cursor
from sofifi_api.programs.models import PartnerPublic, Program, ProgramPublic

engine = create_async_engine(
    os.environ["DATABASE_URL"].replace("postgresql://", "postgresql+asyncpg://", 1)
)
sessions = async_sessionmaker(engine, class_=AsyncSession, expire_on_commit=False)
app = FastAPI()


async def get_session() -> AsyncIterator[AsyncSession]:
    async with sessions() as session:
        yield session


SessionDep = Annotated[AsyncSession, Depends(get_session)]


async def programs_reader(
    session: SessionDep, authorization: Annotated[str, Header()] = ""
) -> uuid.UUID:
    live = await live_key(session, authorization.removeprefix("Bearer "))
    if live is None:
        raise HTTPException(401)
    if "programs:read" not in live.client.scopes:
        raise HTTPException(403)
    return live.client.id


@app.get("/health")
async def health() -> dict[str, str]:
    return {"status": "ok"}


@app.get("/v1/programs", response_model=Page[ProgramPublic])
async def list_programs(
    session: SessionDep,
    _client: Annotated[uuid.UUID, Depends(programs_reader)],
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> dict[str, Any]:
    rows = (
        await session.exec(
            select(Program)
            .where(col(Program.deleted_at).is_(None))
            .options(selectinload(Program.partners), selectinload(Program.areas))  # type: ignore[arg-type]
            .order_by(col(Program.id))
            .limit(limit + 1)
        )
    ).all()
    programs = rows[:limit]
    status = col(Enrollment.status)
    counts = {
        program_id: (enrolled, completed)
        for program_id, enrolled, completed in (
            await session.exec(
                select(
                    Enrollment.program_id,
                    func.count(case((status != EnrollmentStatus.dropped, 1))),
                    func.count(case((status == EnrollmentStatus.completed, 1))),
                )
                .where(
                    col(Enrollment.program_id).in_([program.id for program in programs]),
                    col(Enrollment.deleted_at).is_(None),
                )
                .group_by(col(Enrollment.program_id))
            )
        ).all()
    }
    data = [
        ProgramPublic.model_validate(
            program,
            update={
                "partners": [
                    PartnerPublic(organization_id=p.organization_id, role=p.role)
                    for p in sorted(
                        program.partners, key=lambda p: (str(p.organization_id), p.role)
                    )
                ],
                "area_codes": sorted(area.area_code for area in program.areas),
                "enrolled_count": counts.get(program.id, (0, 0))[0],
                "completed_count": counts.get(program.id, (0, 0))[1],
            },
        )
        for program in programs
    ]
    next_cursor = encode_cursor(str(programs[-1].id)) if len(rows) > limit else None
    return {"data": data, "next_cursor": next_cursor}
