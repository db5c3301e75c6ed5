from django.urls import path

from dryneedle.aftercare import views

app_name = "aftercare"

urlpatterns = [
    path("visits/<uuid:code>/handout/", views.handout_page, name="handout"),
    path("visits/<uuid:code>/handout.pdf", views.handout_pdf, name="handout_pdf"),
    path("checkins/<uuid:code>/acknowledge/", views.acknowledge, name="acknowledge"),
]
