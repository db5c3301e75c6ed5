from django.urls import include, path

from dryneedle.api import api
from dryneedle.practitioners import views as accounts

urlpatterns = [
    path("", accounts.home, name="home"),
    path("login/", accounts.login_view, name="login"),
    path("login/verify/", accounts.login_verify, name="login_verify"),
    path("login/unlock/", accounts.login_unlock, name="login_unlock"),
    path("logout/", accounts.logout_view, name="logout"),
    path("account/two-factor/", accounts.mfa_setup, name="mfa_setup"),
    path("clinic/", accounts.switch_clinic, name="switch_clinic"),
    path("healthz/", accounts.healthz, name="healthz"),
    path("practitioners/", include("dryneedle.practitioners.urls")),
    path("directory/", include("dryneedle.directory.urls")),
    path("patients/", include("dryneedle.patients.urls")),
    path("screening/", include("dryneedle.screening.urls")),
    path("visits/", include("dryneedle.visits.urls")),
    path("outcomes/", include("dryneedle.outcomes.urls")),
    path("aftercare/", include("dryneedle.aftercare.urls")),
    path("adverse-events/", include("dryneedle.adverse_events.urls")),
    path("plans/", include("dryneedle.plans.urls")),
    path("appointments/", include("dryneedle.appointments.urls")),
    path("p/", include("dryneedle.portal.urls")),
    path("audit/", include("dryneedle.audit.urls")),
    path("api/v1/", api.urls),
]

handler400 = "dryneedle.web.views.error_400"
handler403 = "dryneedle.web.views.error_403"
handler404 = "dryneedle.web.views.error_404"
handler500 = "dryneedle.web.views.error_500"
