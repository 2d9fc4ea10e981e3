from fastapi import APIRouter

router = APIRouter(prefix="/programs", tags=["programs"])
