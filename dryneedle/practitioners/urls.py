from django.urls import path

from dryneedle.practitioners import credentials

app_name = "practitioners"

urlpatterns = [
    path("credentials/", credentials.credentials, name="credentials"),
    path("credentials/<uuid:code>/verify/", credentials.verify, name="verify"),
    path("credentials/<uuid:code>/certificate/", credentials.certificate, name="certificate"),
    path("team/", credentials.team, name="team"),
    path("clinic/safety/", credentials.clinic_safety, name="clinic_safety"),
    path("jurisdictions/", credentials.jurisdictions_page, name="jurisdictions"),
]
