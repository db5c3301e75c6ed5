from django.urls import path

from dryneedle.appointments import views

app_name = "appointments"

urlpatterns = [
    path("", views.week, name="week"),
    path("day/", views.day, name="day"),
    path("hours/", views.availability, name="availability"),
    path("patients/<uuid:code>/book/", views.book, name="book"),
    path("<uuid:code>/", views.detail, name="detail"),
    path("feed/<str:token>.ics", views.feed, name="feed"),
]
