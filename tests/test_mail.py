"""Every email is written in a template, dated in the clinic's zone, and sent only when the write commits."""

import ast
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.db import transaction

from dryneedle.lib import mail

PACKAGE = Path(__file__).resolve().parent.parent / "dryneedle"


def test_only_lib_mail_sends_email():
    callers = []
    for f in PACKAGE.rglob("*.py"):
        if "tests" in f.parts:
            continue
        for node in ast.walk(ast.parse(f.read_text())):
            name = getattr(node.func, "id", getattr(node.func, "attr", "")) if isinstance(node, ast.Call) else ""
            if name in ("send_mail", "send_mass_mail", "EmailMessage", "EmailMultiAlternatives"):
                callers.append(str(f.relative_to(PACKAGE)))
    assert callers == ["lib/mail.py"]


class Anything(datetime):
    """Stands for any object a template names: every attribute is another, and it is a date for |date."""

    def __new__(cls, *args, **kwargs):
        if not args:  # a new stand-in; with arguments, datetime itself is making a copy
            return super().__new__(cls, 2026, 12, 1, 9, 30, tzinfo=UTC)
        return super().__new__(cls, *args, **kwargs)

    def __getattr__(self, name):
        return Anything()

    def __call__(self):
        return self

    def __str__(self):
        return "x"


def test_every_email_template_opens_with_its_subject():
    templates = sorted(PACKAGE.glob("*/templates/*/email/*.txt"))
    assert len(templates) >= 13  # one per kind of message
    clinic = SimpleNamespace(timezone="Europe/London", name="Clinic", phone="1", address="A")
    names = ("user", "link", "hours", "line", "head", "credential", "days", "event", "episode", "patient", "url",
             "a", "plan", "due", "visit", "subject", "who", "limit", "refused", "reason", "minutes")  # fmt: skip
    for t in templates:
        name = "/".join(t.parts[-3:])
        numbers = {"hours": 2, "days": 14, "limit": 5, "minutes": 30, "refused": False}
        subject, body = mail.render(name, {**{n: Anything() for n in names}, **numbers, "clinic": clinic}, clinic)
        assert subject and not subject.startswith("Hello") and len(subject) < 120, name
        assert body.strip(), name


@pytest.mark.django_db(transaction=True)
def test_a_write_that_is_rolled_back_sends_nothing(mailoutbox):
    clinic = SimpleNamespace(timezone="UTC", name="Clinic", phone="", address="")
    with pytest.raises(RuntimeError), transaction.atomic():
        mail.send("aftercare/email/on_call.txt", {"clinic": clinic, "url": "x"}, ["on-call@a.example"], clinic)
        raise RuntimeError("the write failed")
    assert mailoutbox == []
    with transaction.atomic():
        mail.send("aftercare/email/on_call.txt", {"clinic": clinic, "url": "x"}, ["on-call@a.example", ""], clinic)
        assert mailoutbox == []  # not before the commit
    assert [m.to for m in mailoutbox] == [["on-call@a.example"]]


def test_dates_are_the_clinics_whatever_zone_is_active(another_zone):
    # 23:30 UTC on 1 December is still 1 December in London, already 2 December at UTC+14.
    visit = SimpleNamespace(
        started=datetime(2026, 12, 1, 23, 30, tzinfo=UTC),
        clinic=SimpleNamespace(name="Harbour", phone="0"),
        patient=SimpleNamespace(given_name="Ann"),
    )
    london = SimpleNamespace(timezone="Europe/London")
    _, body = mail.render("aftercare/email/checkin.txt", {"visit": visit, "url": "u"}, london)
    assert "since your dry needling on 1 December" in body
