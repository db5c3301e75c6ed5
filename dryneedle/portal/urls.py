from django.urls import path

from dryneedle.portal import views

app_name = "portal"

urlpatterns = [
    path("episodes/<uuid:code>/send-screening/", views.send_screening, name="send_screening"),
    path("<str:token>/", views.open_link, name="open"),
]
