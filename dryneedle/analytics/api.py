from django.utils import timezone
from ninja import Query, Router, Schema
from ninja.errors import HttpError

from dryneedle.accounts.request import ClinicRequest
from dryneedle.analytics import report
from dryneedle.analytics.schemas import By, EffectivenessOut, Measure, TimePoint
from dryneedle.audit.log import record
from dryneedle.lib.schemas import Day, Error
from dryneedle.web.replica import reads_from_replica

effectiveness_routes = Router(tags=["effectiveness"])
ROUTERS = {"effectiveness": effectiveness_routes}
ERRORS = {400: Error, 401: Error, 403: Error, 404: Error, 422: Error}


class Params(Schema):
    measure: Measure = "nprs"
    timepoint: TimePoint = "discharge"
    by: By | None = None
    since: Day | None = None
    until: Day | None = None


@effectiveness_routes.get("", response={200: EffectivenessOut, **ERRORS}, operation_id="get_effectiveness")
@reads_from_replica
def get_effectiveness(request: ClinicRequest, q: Query[Params]):
    """The clinic's responder rates (the effectiveness report's numbers; `dryneedle effectiveness` prints the same).

    `since`/`until`: the episodes' start dates, both included (default: the last two years).
    """
    clinic = request.membership.clinic
    since, until = report.default_period(timezone.localdate())
    since, until = q.since or since, q.until or until
    if since > until:
        raise HttpError(422, "until: the end of the period cannot be before its start.")
    mic, _ = report.mic_for([clinic], q.measure)
    overall, groups, *_ = report.counted([clinic], since, until, q.measure, q.timepoint, q.by, extras=False)
    record(request, "analytics.report", category="outcomes", detail=f"api: {q.measure} at {q.timepoint}")
    return {
        "measure": q.measure,
        "timepoint": q.timepoint,
        "since": since,
        "until": until,
        "by": q.by,
        "mic_points": mic,
        "definitions": report.definitions(q.measure, q.timepoint, *report.mic_for([clinic], q.measure), since, until),
        "overall": overall.as_dict(),
        "groups": [g.as_dict() for g in groups],
    }
