from fastapi import APIRouter

router = APIRouter(prefix="/feedback", tags=["feedback"])
