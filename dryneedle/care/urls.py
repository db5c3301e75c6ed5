from django.urls import include, path

from dryneedle.care import audit_log, views

# The audit log keeps its addresses and names (audit:log, audit:export): the
# page moved here because it needs the policy table, which sits above the log.
audit_patterns = (
    [
        path("", audit_log.audit_log, name="log"),
        path("export.csv", audit_log.export_audit, name="export"),
    ],
    "audit",
)

urlpatterns = [
    path("", views.home, name="home"),
    path("audit/", include(audit_patterns)),
]
