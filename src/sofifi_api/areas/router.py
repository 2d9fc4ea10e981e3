from fastapi import APIRouter

router = APIRouter(prefix="/areas", tags=["areas"])
