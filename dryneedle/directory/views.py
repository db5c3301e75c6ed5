"""The public directory (no login), a practitioner's own listing, and the clinic's consultation inbox."""

from datetime import datetime, timedelta

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext, gettext_lazy, pgettext, pgettext_lazy
from django.views.decorators.http import require_POST

from dryneedle.accounts.access import allowed, get_for_clinic
from dryneedle.accounts.request import ClinicRequest
from dryneedle.appointments import services as booking
from dryneedle.appointments.models import OnlineBooking
from dryneedle.audit.log import record
from dryneedle.directory import services
from dryneedle.directory.models import ConsultationRequest, Listing
from dryneedle.lib.forms import DateInput, add_errors, no_nul
from dryneedle.patients import services as patients
from dryneedle.patients.conditions import CONDITIONS
from dryneedle.patients.models import Sex
from dryneedle.practitioners import gate
from dryneedle.practitioners.models import Credential

CAT = "directory"


# The public pages are in the visitor's language (mine/language.py); the professions' and conditions' names are
# marked for translation where they are defined (practitioners/models.py, mine/names.py) and translated here.
class SearchForm(forms.Form):
    place = forms.CharField(label=gettext_lazy("City or postcode"), required=False, max_length=100,
                            validators=[no_nul])  # fmt: skip
    profession = forms.ChoiceField(
        label=gettext_lazy("Profession"), required=False,
        choices=[("", gettext_lazy("Any")), *((v, gettext_lazy(name)) for v, name in Credential.Profession.choices)],
    )  # fmt: skip
    language = forms.CharField(label=gettext_lazy("Speaks"), required=False, max_length=40, validators=[no_nul])
    condition = forms.ChoiceField(
        label=gettext_lazy("Experience with"), required=False,
        choices=[("", gettext_lazy("Any")), *((c.code, gettext_lazy(c.name)) for c in CONDITIONS)],
    )  # fmt: skip


class RequestForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Your name"), max_length=200, validators=[no_nul])
    email = forms.EmailField(label=gettext_lazy("Email"), required=False, max_length=254)
    phone = forms.CharField(label=gettext_lazy("Phone"), required=False, max_length=40, validators=[no_nul])
    message = forms.CharField(label=gettext_lazy("What would you like help with?"), max_length=1000,
                              validators=[no_nul], widget=forms.Textarea({"rows": 3}))  # fmt: skip
    preferred_times = forms.CharField(label=gettext_lazy("When suits you"), required=False, max_length=300,
                                      validators=[no_nul])  # fmt: skip

    def clean(self):
        d = super().clean()
        if not d.get("email") and not d.get("phone"):
            raise forms.ValidationError(gettext("Give an email address or a phone number so the clinic can reply."))
        return d


@allowed
def search(request: ClinicRequest) -> HttpResponse:
    form = SearchForm(request.GET or None)
    results = None
    if form.is_valid():
        d = form.cleaned_data
        qs = services.search(d["place"], d["profession"], d["language"], d["condition"])
        results = Paginator(qs, services.PAGE_SIZE).get_page(request.GET.get("page"))
    elif not request.GET:
        results = Paginator(services.search(), services.PAGE_SIZE).get_page(1)
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "directory/search.html", {"form": form, "results": results, "query": query.urlencode()},
                  status=400 if form.errors else 200)  # fmt: skip


@allowed
def profile(request: ClinicRequest, slug: str) -> HttpResponse:
    listing = services.visible().filter(slug=slug[:80]).select_related("user", "clinic").first()
    if listing is None:
        raise Http404("Not found")
    form = RequestForm(request.POST or None)
    problem = ""
    if request.method == "POST":
        ip = request.META.get("REMOTE_ADDR", "")
        problem = services.spam_problem(request.POST, ip, listing)
        if problem:
            # Nothing of a refused request is kept but the audit row.
            record(request, "consultation.request", outcome="denied", category=CAT, clinic=listing.clinic,
                   detail=problem[:60])  # fmt: skip
        elif form.is_valid():
            with transaction.atomic():
                cr = ConsultationRequest.objects.create(
                    clinic=listing.clinic, listing=listing, sender=services.sender_of(ip), **form.cleaned_data
                )
                record(request, "consultation.request", category=CAT, clinic=listing.clinic, detail=str(cr.code))
            return render(request, "directory/sent.html", {"listing": listing})
        else:
            record(request, "consultation.request", outcome="invalid", category=CAT, clinic=listing.clinic)
    return render(
        request,
        "directory/profile.html",
        {
            "p": services.profile(listing),
            "form": form,
            "problem": problem,
            "stamp": services.form_stamp(),
            "experience_definition": gate.EXPERIENCE_DEFINITION,
            # The clinic's first-visit booking page (mine/newcomer.py), when it takes new patients online.
            "books_new": OnlineBooking.objects.filter(clinic=listing.clinic, new_patients=True)
            .exclude(mode=OnlineBooking.Mode.OFF)
            .exists(),
        },
        status=429 if problem in services.FLOOD else (400 if request.method == "POST" else 200),
    )


class ListingForm(forms.ModelForm):
    class Meta:
        model = Listing
        fields = ["listed", "profession", "bio", "languages", "city", "postcode"]
        labels = {"listed": pgettext_lazy("staff", "Show me in the public directory")}


@allowed
def my_listing(request: ClinicRequest) -> HttpResponse:
    """A practitioner's own public profile: opt in, and what it says."""
    clinic = request.membership.clinic
    listing = Listing.objects.filter(clinic=clinic, user=request.user).first()
    if listing is None:
        base = slugify(f"{request.user.first_name}-{request.user.last_name}") or "practitioner"
        slug, n = base[:70], 1
        while Listing.objects.filter(slug=slug).exists():
            n += 1
            slug = f"{base[:70]}-{n}"
        listing = Listing(clinic=clinic, user=request.user, slug=slug,
                          profession=gate.profession_of(request.user, clinic) or "physiotherapist")  # fmt: skip
    form = ListingForm(request.POST or None, instance=listing)
    if request.method == "POST" and form.is_valid():
        form.save()
        record(request, "listing.save", category=CAT, detail=f"listed={listing.listed}")
        messages.success(
            request,
            pgettext("staff", "Your directory profile is public.")
            if listing.listed
            else pgettext("staff", "Your directory profile is hidden."),
        )
        return redirect("directory:listing")
    if request.method == "GET":
        record(request, "listing.view", category=CAT)
    return render(request, "directory/listing.html", {"form": form, "listing": listing,
                                                      "shown": services.visible().filter(pk=listing.pk).exists()},
                  status=400 if form.errors else 200)  # fmt: skip


@allowed
def inbox(request: ClinicRequest) -> HttpResponse:
    qs = ConsultationRequest.objects.filter(clinic=request.membership.clinic).select_related("listing__user")
    record(request, "consultation.list", category=CAT)
    new, done = (
        qs.filter(status=ConsultationRequest.Status.NEW).order_by("created"),
        qs.exclude(status=ConsultationRequest.Status.NEW).order_by("-created")[:50],
    )
    return render(request, "directory/inbox.html", {"new": new, "done": done})


class ConvertForm(forms.Form):
    given_name = forms.CharField(max_length=100, validators=[no_nul])
    family_name = forms.CharField(max_length=100, validators=[no_nul])
    birth_date = forms.DateField(label=pgettext_lazy("staff", "Date of birth"), widget=DateInput())
    sex = forms.ChoiceField(choices=Sex.choices)
    date = forms.DateField(label=pgettext_lazy("staff", "Consultation date"), required=False, widget=DateInput())
    time = forms.TimeField(
        label=pgettext_lazy("staff", "Start"), required=False, widget=forms.TimeInput(attrs={"type": "time"})
    )


@allowed
def request_detail(request: ClinicRequest, code) -> HttpResponse:
    """Reception turns a request into a patient record and, when a time is given, a consultation appointment."""
    cr = get_for_clinic(request, ConsultationRequest.objects.select_related("listing__user"), code=code)
    given, _, family = cr.name.partition(" ")
    form = ConvertForm(request.POST or None, initial={"given_name": given, "family_name": family or given})
    if request.method == "POST" and cr.status != ConsultationRequest.Status.NEW:
        messages.error(request, pgettext("staff", "This request was already handled."))
        return redirect("directory:request", cr.code)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            with transaction.atomic():
                p = patients.create_patient(cr.clinic, request.user, {
                    "given_name": d["given_name"], "family_name": d["family_name"], "birth_date": d["birth_date"],
                    "sex": d["sex"], "email": cr.email, "phone": cr.phone})  # fmt: skip
                record(request, "patient.create", p, detail="from a consultation request")
                if d["date"] and d["time"]:
                    start = datetime.combine(d["date"], d["time"], timezone.get_current_timezone())
                    a = booking.book(cr.clinic, request.user, patient=p, practitioner=cr.listing.user, start=start,
                                     end=start + timedelta(minutes=30), kind="consultation",
                                     note=cr.preferred_times[:300])  # fmt: skip
                    record(request, "appointment.book", a, patient=p, category="scheduling")
                cr.status, cr.patient = ConsultationRequest.Status.CONVERTED, p
                cr.handled_by, cr.handled_at = request.user, timezone.now()
                cr.save()
        except ValidationError as e:
            add_errors(form, e)
        else:
            messages.success(
                request,
                (
                    pgettext("staff", "%(name)s added and booked.")
                    if d["date"] and d["time"]
                    else pgettext("staff", "%(name)s added.")
                )
                % {"name": p.name},
            )
            return redirect("patients:detail", p.code)
    if request.method == "GET":
        record(request, "consultation.view", category=CAT, detail=str(cr.code))
    else:
        record(request, "consultation.convert", category=CAT, outcome="invalid", detail=str(cr.code))
    return render(request, "directory/request.html", {"cr": cr, "form": form}, status=400 if form.errors else 200)


@allowed
@require_POST
def close_request(request: ClinicRequest, code) -> HttpResponse:
    """Reception closes a request without a patient record (a wrong number, a duplicate); only a new one."""
    cr = get_for_clinic(request, ConsultationRequest, code=code)
    if cr.status != ConsultationRequest.Status.NEW:
        record(request, "consultation.close", category=CAT, outcome="invalid", detail=f"{cr.code} already handled")
        messages.error(request, pgettext("staff", "This request was already handled."))
        return redirect("directory:request", cr.code)
    cr.status, cr.handled_by, cr.handled_at = ConsultationRequest.Status.CLOSED, request.user, timezone.now()
    cr.save(update_fields=["status", "handled_by", "handled_at"])
    record(request, "consultation.close", category=CAT, detail=str(cr.code))
    messages.success(request, pgettext("staff", "Request closed."))
    return redirect("directory:inbox")
