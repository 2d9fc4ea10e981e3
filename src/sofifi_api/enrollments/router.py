from fastapi import APIRouter

router = APIRouter(prefix="/programs/{program_id}/enrollments", tags=["enrollments"])
