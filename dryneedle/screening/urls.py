from django.urls import path

from dryneedle.screening import views

app_name = "screening"

urlpatterns = [
    path("rules/", views.rules_page, name="rules"),
    path("episodes/<uuid:code>/new/", views.new_screening, name="new"),
    path("episodes/<uuid:code>/evaluate/", views.evaluate, name="evaluate"),
    path("<uuid:code>/", views.screening_detail, name="detail"),
    path("<uuid:code>/acknowledge/", views.acknowledge, name="acknowledge"),
    path("<uuid:code>/override/", views.override, name="override"),
    path("<uuid:code>/invalidate/", views.invalidate, name="invalidate"),
    path("<uuid:code>/in-error/", views.mark_in_error, name="mark_in_error"),
]
