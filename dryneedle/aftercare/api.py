from datetime import datetime
from uuid import UUID

from ninja import Router, Schema

from dryneedle.accounts.request import ClinicRequest
from dryneedle.aftercare.models import CheckIn
from dryneedle.audit.log import record
from dryneedle.lib.schemas import Error
from dryneedle.patients import care_team
from dryneedle.visits.models import Visit

router = Router(tags=["aftercare"])
ERRORS = {400: Error, 401: Error, 403: Error, 404: Error, 422: Error}


class CheckInOut(Schema):
    code: UUID
    attempt: int
    due_at: datetime
    emailed: bool
    answered_at: datetime | None
    answers: dict | None
    problem: bool
    red: bool


@router.get("visits/{code}/checkins", response={200: list[CheckInOut], **ERRORS}, operation_id="list_checkins")
def list_checkins(request: ClinicRequest, code: UUID):
    """The check-ins sent after a visit and what the patient answered."""
    visit = care_team.get_clinical(request, Visit.objects.select_related("patient"), write=False, code=code)
    record(request, "checkin.list", visit, category="procedure", detail="api")
    return list(CheckIn.objects.filter(visit=visit).order_by("attempt"))
