from fastapi import APIRouter

router = APIRouter(
    prefix="/infrastructure-projects/{project_id}/consultations", tags=["consultations"]
)
