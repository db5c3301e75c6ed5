from django.urls import path

from dryneedle.messaging import views

app_name = "messaging"

urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("reply-time/", views.reply_time, name="reply_time"),
    path("<uuid:code>/", views.thread, name="thread"),
]
