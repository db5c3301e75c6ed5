from django.urls import path

from dryneedle.mine import views

app_name = "mine"

urlpatterns = [
    path("", views.home, name="home"),
    path("sign-in/", views.signin_page, name="signin"),
    path("sign-in/code/", views.code_page, name="code"),
    path("sign-out/", views.signout, name="signout"),
    path("language/", views.language, name="language"),
    path("appointments/<uuid:code>/cancel/", views.cancel, name="cancel"),
    path("appointments/<uuid:code>/change/", views.move, name="move"),
    path("book/", views.book, name="book"),
    path("visits/<uuid:code>/handout/", views.handout, name="handout"),
    path("consent/", views.consent_page, name="consent"),
    path("care/", views.care, name="care"),
    path("messages/", views.messages_page, name="messages"),
    path("record.pdf", views.record_pdf, name="record"),
    path("texts/", views.texts_setting, name="texts"),
    path("texts/stop/<str:token>/", views.texts_stop, name="texts_stop"),
    path("texts/inbound/", views.texts_inbound, name="texts_inbound"),
    path("care/<uuid:code>/questionnaires/", views.questionnaires, name="questionnaires"),
    path("care/<uuid:code>/exercises/", views.exercises, name="exercises"),
    path("consent/<uuid:code>/pdf/", views.consent_pdf, name="consent_pdf"),
    path("consent/<uuid:code>/withdraw/", views.consent_withdraw, name="consent_withdraw"),
]
