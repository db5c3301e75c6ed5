from django.urls import path

from dryneedle.retention import views

app_name = "retention"

urlpatterns = [
    path("", views.home, name="home"),
    path("erasure/<uuid:code>/", views.erasure, name="erasure"),
]
