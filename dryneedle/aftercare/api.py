from uuid import UUID

from ninja import Router

from dryneedle.accounts.request import ClinicRequest
from dryneedle.aftercare.models import CheckIn
from dryneedle.aftercare.schemas import CheckInOut
from dryneedle.audit.log import record
from dryneedle.lib.schemas import Error
from dryneedle.patients import care_team
from dryneedle.visits.models import Visit

# Routes by the resource their address starts with; dryneedle/api.py mounts each under it.
visits_routes = Router(tags=["aftercare"])
ROUTERS = {"visits": visits_routes}
ERRORS = {400: Error, 401: Error, 403: Error, 404: Error, 422: Error}


@visits_routes.get("/{code}/checkins", response={200: list[CheckInOut], **ERRORS}, operation_id="list_checkins")
def list_checkins(request: ClinicRequest, code: UUID):
    """The check-ins sent after a visit and what the patient answered."""
    visit = care_team.get_clinical(request, Visit.objects.select_related("patient"), write=False, code=code)
    record(request, "checkin.list", visit, category="procedure", detail="api")
    return list(CheckIn.objects.filter(visit=visit).order_by("attempt"))
