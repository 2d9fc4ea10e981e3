from fastapi import APIRouter

router = APIRouter(prefix="/infrastructure-projects", tags=["infrastructure-projects"])
