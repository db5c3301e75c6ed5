from django.urls import path

from dryneedle.directory import reviews, views

app_name = "directory"

urlpatterns = [
    path("", views.search, name="search"),
    path("me/", views.my_listing, name="listing"),
    path("requests/", views.inbox, name="inbox"),
    path("reviews/", reviews.clinic_reviews, name="reviews"),
    path("requests/<uuid:code>/", views.request_detail, name="request"),
    path("requests/<uuid:code>/close/", views.close_request, name="close_request"),
    path("<slug:slug>/", views.profile, name="profile"),
]
