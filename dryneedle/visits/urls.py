from django.urls import path

from dryneedle.visits import views

app_name = "visits"

urlpatterns = [
    path("stock/", views.needle_stock, name="stock"),
    path("muscles/", views.muscles, name="muscles"),
    path("muscles/depth-limit/", views.depth_limit, name="depth_limit"),
    path("muscles/depth-limit/approve/", views.depth_limit_approve, name="depth_limit_approve"),
    path("episodes/<uuid:code>/charts/", views.compare_charts, name="charts"),
    path("episodes/<uuid:code>/start/", views.start_visit, name="start"),
    path("<uuid:code>/", views.visit_detail, name="detail"),
    path("<uuid:code>/save/", views.save_visit, name="save"),
    path("<uuid:code>/needles/", views.add_needle, name="add_needle"),
    path("needles/<uuid:code>/remove/", views.remove_needle, name="remove_needle"),
    path("<uuid:code>/needles/count-out/", views.remove_needles, name="remove_needles"),
    path("needles/<uuid:code>/incident/", views.needle_incident, name="needle_incident"),
    path("<uuid:code>/sign/", views.sign_visit, name="sign"),
    path("<uuid:code>/amend/", views.amend_visit, name="amend"),
    path("<uuid:code>/trigger-points/", views.examine, name="examine"),
]
