from django.urls import path

from dryneedle.imports import views

app_name = "imports"

urlpatterns = [
    path("", views.start, name="start"),
    path("<uuid:code>/", views.import_file, name="file"),
]
