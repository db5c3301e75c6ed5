from django.urls import path

from dryneedle.plans import views

app_name = "plans"

urlpatterns = [
    path("", views.worklist, name="worklist"),
    path("exercises/", views.library, name="exercises"),
    path("episodes/<uuid:code>/new/", views.new_plan, name="new"),
    path("episodes/<uuid:code>/recurrence/", views.recurrence, name="recurrence"),
    path("<uuid:code>/", views.plan_detail, name="detail"),
    path("<uuid:code>/update/", views.update_plan, name="update"),
    path("<uuid:code>/maintenance/", views.maintenance, name="maintenance"),
    path("<uuid:code>/components/", views.add_component, name="add_component"),
    path("<uuid:code>/goals/", views.add_goal, name="add_goal"),
    path("<uuid:code>/exercises/", views.assign, name="assign"),
    path("<uuid:code>/review/", views.review, name="review"),
    path("<uuid:code>/send-exercises/", views.send_exercises, name="send_exercises"),
    path("components/<uuid:code>/", views.change_component, name="component"),
    path("goals/<uuid:code>/", views.change_goal, name="goal"),
    path("exercises/<uuid:code>/stop/", views.unassign, name="unassign"),
]
