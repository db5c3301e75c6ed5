from django.urls import path

from dryneedle.appointments import views

app_name = "appointments"

urlpatterns = [
    path("", views.week, name="week"),
    path("day/", views.day, name="day"),
    path("slot/", views.slot, name="slot"),
    path("hours/", views.availability, name="availability"),
    path("hours/add/", views.add_hours, name="add_hours"),
    path("hours/<uuid:code>/remove/", views.remove_hours, name="remove_hours"),
    path("hours/exceptions/add/", views.add_exception, name="add_exception"),
    path("hours/exceptions/<uuid:code>/remove/", views.remove_exception, name="remove_exception"),
    path("hours/calendar-address/", views.new_feed, name="new_feed"),
    path("hours/feed-names/", views.feed_names, name="feed_names"),
    path("patients/<uuid:code>/book/", views.book, name="book"),
    path("patients/<uuid:code>/waitlist/", views.waitlist_add, name="waitlist_add"),
    path("waitlist/", views.waitlist_page, name="waitlist"),
    path("online/", views.online_booking, name="online_booking"),
    path("waitlist/<uuid:code>/remove/", views.waitlist_remove, name="waitlist_remove"),
    path("waitlist/offer/<str:token>/", views.offer, name="offer"),
    path("<uuid:code>/", views.detail, name="detail"),
    path("<uuid:code>/move/", views.move, name="move"),
    path("<uuid:code>/request/", views.answer_request, name="answer_request"),
    path("<uuid:code>/arrived/", views.arrived, name="arrived"),
    path("<uuid:code>/start-visit/", views.start_visit, name="start_visit"),
    path("feed/<str:token>.ics", views.feed, name="feed"),
]
