from django.urls import path

from dryneedle.outcomes import views

app_name = "outcomes"

urlpatterns = [
    path("episodes/<uuid:code>/", views.episode_outcomes, name="episode"),
    path("episodes/<uuid:code>/responses/", views.record_response, name="record"),
    path("responses/<uuid:code>/in-error/", views.mark_in_error, name="mark_in_error"),
    path("episodes/<uuid:code>/send/", views.send_questionnaires, name="send"),
    path("episodes/<uuid:code>/opt-out/", views.opt_out, name="opt_out"),
    path("episodes/<uuid:code>/resume/", views.resume, name="resume"),
    path("episodes/<uuid:code>/report.pdf", views.progress_report, name="report"),
    path("episodes/<uuid:code>/chart.svg", views.chart, name="chart"),
    path("due/", views.due_worklist, name="due"),
    path("episodes/<uuid:code>/measures/", views.record_measure, name="measure"),
    path("measures/<uuid:code>/in-error/", views.measure_in_error, name="measure_in_error"),
    path("thresholds/", views.thresholds, name="thresholds"),
    path("settings/", views.outcome_settings, name="settings"),
    path("wording/", views.wording, name="wording"),
]
