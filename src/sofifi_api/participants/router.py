from fastapi import APIRouter

router = APIRouter(prefix="/participants", tags=["participants"])
