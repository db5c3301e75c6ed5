from django.urls import include, path

from dryneedle.api import api
from dryneedle.care import chart, consent
from dryneedle.patients import urls as patients_urls

urlpatterns = [
    path("", include("dryneedle.care.urls")),
    path("", include("dryneedle.accounts.urls")),
    path("practitioners/", include("dryneedle.practitioners.urls")),
    path("directory/", include("dryneedle.directory.urls")),
    # One namespace, two apps: the patients' own pages and the chart pages that
    # compose every app (care/chart.py), at the addresses they always had.
    path("patients/", include(([*patients_urls.urlpatterns, *chart.urlpatterns, *consent.urlpatterns], "patients"))),
    path("screening/", include("dryneedle.screening.urls")),
    path("visits/", include("dryneedle.visits.urls")),
    path("outcomes/", include("dryneedle.outcomes.urls")),
    path("aftercare/", include("dryneedle.aftercare.urls")),
    path("adverse-events/", include("dryneedle.adverse_events.urls")),
    path("plans/", include("dryneedle.plans.urls")),
    path("messages/", include("dryneedle.messaging.urls")),
    path("appointments/", include("dryneedle.appointments.urls")),
    path("p/", include("dryneedle.portal.urls")),
    path("my/", include("dryneedle.mine.urls")),
    path("fhir/", include("dryneedle.fhir.urls")),
    path("exports/", include("dryneedle.exports.urls")),
    path("imports/", include("dryneedle.imports.urls")),
    path("retention/", include("dryneedle.retention.urls")),
    path("analytics/", include("dryneedle.analytics.urls")),
    path("api/v1/", api.urls),
]

handler400 = "dryneedle.web.views.error_400"
handler403 = "dryneedle.web.views.error_403"
handler404 = "dryneedle.web.views.error_404"
handler500 = "dryneedle.web.views.error_500"
