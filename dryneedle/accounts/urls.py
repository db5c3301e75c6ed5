from django.urls import path

from dryneedle.accounts import clinic, tokens, views

# Mounted at the site root: the sign-in pages keep their short addresses, and the
# token page its old one (bookmarks and the API docs point at it).
urlpatterns = [
    path("login/", views.login_view, name="login"),
    path("login/verify/", views.login_verify, name="login_verify"),
    path("login/unlock/", views.login_unlock, name="login_unlock"),
    path("logout/", views.logout_view, name="logout"),
    path("account/two-factor/", views.mfa_setup, name="mfa_setup"),
    path("clinic/", views.switch_clinic, name="switch_clinic"),
    path("healthz/", views.healthz, name="healthz"),
    path("clinic/details/", clinic.clinic_details, name="clinic_details"),
    path("clinic/staff/", clinic.add_member, name="add_member"),
    path("account/set-password/", clinic.set_password, name="set_password"),
    path("practitioners/tokens/", tokens.tokens, name="tokens"),
]
