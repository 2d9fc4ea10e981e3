from typing import Annotated

from fastapi import Depends, Path

from sofifi_api.auth.dependencies import PrincipalDep
from sofifi_api.db import SessionDep
from sofifi_api.programs.models import Program
from sofifi_api.programs.service import ProgramNotFound, get_program
from sofifi_api.schemas import parse_id

ProgramIdPath = Annotated[str, Path(max_length=64, description="The program's id.")]


async def program_from_path(
    session: SessionDep, principal: PrincipalDep, program_id: ProgramIdPath
) -> Program:
    """The live program named in the path, without its partners and areas; a program outside
    the client's areas is reported missing."""
    parsed = parse_id(program_id)
    if parsed is None:
        raise ProgramNotFound(program_id)
    return await get_program(session, parsed, areas=principal.areas)


async def program_with_details_from_path(
    session: SessionDep, principal: PrincipalDep, program_id: ProgramIdPath
) -> Program:
    """The live program named in the path, with its partners and areas loaded; a program
    outside the client's areas is reported missing."""
    parsed = parse_id(program_id)
    if parsed is None:
        raise ProgramNotFound(program_id)
    return await get_program(session, parsed, areas=principal.areas, with_details=True)


ProgramDep = Annotated[Program, Depends(program_from_path)]
ProgramWithDetailsDep = Annotated[Program, Depends(program_with_details_from_path)]
