from django.urls import path

from dryneedle.mine import booking, consent, newcomer, record, texts, views

app_name = "mine"

urlpatterns = [
    path("", views.home, name="home"),
    path("sign-in/", views.signin_page, name="signin"),
    path("sign-in/code/", views.code_page, name="code"),
    path("sign-out/", views.signout, name="signout"),
    path("language/", views.language, name="language"),
    path("appointments/<uuid:code>/cancel/", booking.cancel, name="cancel"),
    path("appointments/<uuid:code>/change/", booking.move, name="move"),
    path("book/", booking.book, name="book"),
    path("before-your-visit/<uuid:code>/", booking.intake, name="intake"),
    path("new/<uuid:clinic>/", newcomer.new_booking, name="new"),
    path("new/<uuid:clinic>/confirm/", newcomer.new_confirm, name="new_confirm"),
    path("visits/<uuid:code>/handout/", views.handout, name="handout"),
    path("consent/", consent.consent_page, name="consent"),
    path("care/", views.care, name="care"),
    path("messages/", views.messages_page, name="messages"),
    path("record.pdf", record.record_pdf, name="record"),
    path("record.json", record.record_fhir, name="record_fhir"),
    path("record.zip", record.record_zip, name="record_zip"),
    path("texts/", texts.texts_setting, name="texts"),
    path("texts/stop/<str:token>/", texts.texts_stop, name="texts_stop"),
    path("texts/inbound/", texts.texts_inbound, name="texts_inbound"),
    path("care/<uuid:code>/questionnaires/", views.questionnaires, name="questionnaires"),
    path("care/<uuid:code>/exercises/", views.exercises, name="exercises"),
    path("consent/<uuid:code>/pdf/", consent.consent_pdf, name="consent_pdf"),
    path("consent/<uuid:code>/withdraw/", consent.consent_withdraw, name="consent_withdraw"),
]
