from datetime import datetime, timedelta

from django import forms
from django.utils import timezone
from django.utils.translation import pgettext, pgettext_lazy

from dryneedle.appointments.models import WEEKDAYS, Appointment, AvailabilityException, OnlineBooking
from dryneedle.lib.forms import DateInput, no_nul

DURATIONS = [(15, "15 min"), (30, "30 min"), (45, "45 min"), (60, "1 hour"), (90, "1 h 30"), (120, "2 hours")]


class _When(forms.Form):
    """A start: one of the next free times offered, or a date and time typed (the typed time wins)."""

    # The next free times, offered first (issue 18); a date and time typed below win over a free time ticked.
    slot = forms.ChoiceField(
        label=pgettext_lazy("staff", "Next free times"), required=False, widget=forms.RadioSelect,
        error_messages={"invalid_choice": pgettext_lazy("staff", "That time has just been taken: choose another.")},
    )  # fmt: skip
    date = forms.DateField(widget=DateInput())
    time = forms.TimeField(
        label=pgettext_lazy("staff", "Start"),
        required=False,
        widget=forms.TimeInput(format="%H:%M", attrs={"type": "time", "step": 300}),
        help_text=pgettext_lazy("staff", "Empty: the free time ticked above."),
    )
    override = forms.CharField(
        label=pgettext_lazy("staff", "Reason to book outside working hours"),
        required=False,
        max_length=200,
        validators=[no_nul],
        help_text=pgettext_lazy("staff", "Leave empty unless you mean to book outside the practitioner's hours."),
    )

    def __init__(self, *args, practitioners=None, free=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["slot"].choices = [(f"{t:%Y-%m-%dT%H:%M}", f"{t:%a %d %b %H:%M}") for t in free]
        self.fields["practitioner"].queryset = practitioners
        self.fields["practitioner"].label_from_instance = lambda u: u.display_name()

    def clean(self):
        d = super().clean()
        if d.get("time") is None and not self.has_error("time"):
            if d.get("slot"):
                chosen = datetime.strptime(d["slot"], "%Y-%m-%dT%H:%M")
                d["date"], d["time"] = chosen.date(), chosen.time()
                self.errors.pop("date", None)
            else:
                self.add_error("time", pgettext("staff", "Tick one of the free times, or type a start time."))
        return d

    def start(self) -> datetime:
        return datetime.combine(self.cleaned_data["date"], self.cleaned_data["time"], timezone.get_current_timezone())


class BookForm(_When):
    field_order = ["practitioner", "kind", "component", "slot", "date", "time", "minutes", "repeat", "every_days"]
    practitioner: forms.ModelChoiceField = forms.ModelChoiceField(
        queryset=None, to_field_name="username", empty_label=None
    )
    kind = forms.ChoiceField(label=pgettext_lazy("staff", "Type"), choices=Appointment.KINDS)
    component = forms.ChoiceField(label=pgettext_lazy("staff", "For the care plan's"), required=False)
    minutes = forms.TypedChoiceField(label=pgettext_lazy("staff", "Length"), choices=DURATIONS, coerce=int, initial=30)
    repeat = forms.IntegerField(
        label=pgettext_lazy("staff", "Appointments in the series"), min_value=1, max_value=52, initial=1
    )
    every_days = forms.IntegerField(label=pgettext_lazy("staff", "every … days"), min_value=1, max_value=90, initial=7)
    note = forms.CharField(
        label=pgettext_lazy("staff", "Note for the front desk"), required=False, max_length=300, validators=[no_nul]
    )

    def __init__(self, *args, components=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["component"].choices = [("", "— not part of the plan —"), *components]

    def slots(self) -> list[tuple[datetime, datetime]]:
        d = self.cleaned_data
        tz = timezone.get_current_timezone()
        first = self.start()
        length = timedelta(minutes=d["minutes"])
        out = []
        for i in range(d["repeat"]):
            # Local wall-clock time each day, whatever the daylight-saving offset.
            day = d["date"] + timedelta(days=i * d["every_days"])
            start = datetime.combine(day, d["time"], tz) if i else first
            out.append((start, start + length))
        return out


class MoveForm(_When):
    """Move an appointment: to one of the practitioner's next free times, or a date and time typed."""

    field_order = ["practitioner", "slot", "date", "time", "override"]
    practitioner: forms.ModelChoiceField = forms.ModelChoiceField(
        queryset=None, to_field_name="username", empty_label=None
    )


class StatusForm(forms.Form):
    status = forms.ChoiceField(choices=[(s, n) for s, n in Appointment.Status.choices if s != "booked"])
    reason = forms.CharField(required=False, max_length=200, validators=[no_nul])


class AvailabilityForm(forms.Form):
    weekday = forms.TypedChoiceField(choices=WEEKDAYS, coerce=int)
    start = forms.TimeField(widget=forms.TimeInput(attrs={"type": "time"}))
    end = forms.TimeField(widget=forms.TimeInput(attrs={"type": "time"}))

    def clean(self):
        d = super().clean()
        if d.get("start") and d.get("end") and d["end"] <= d["start"]:
            self.add_error("end", pgettext("staff", "The end must be after the start."))
        return d


class ExceptionForm(forms.Form):
    date = forms.DateField(widget=DateInput())
    kind = forms.ChoiceField(choices=AvailabilityException.Kind.choices)
    start = forms.TimeField(
        required=False,
        widget=forms.TimeInput(attrs={"type": "time"}),
        help_text=pgettext_lazy("staff", "Empty: all day"),
    )
    end = forms.TimeField(required=False, widget=forms.TimeInput(attrs={"type": "time"}))
    reason = forms.CharField(required=False, max_length=200, validators=[no_nul])

    def clean(self):
        d = super().clean()
        s, e = d.get("start"), d.get("end")
        if (s is None) != (e is None):
            self.add_error("end", pgettext("staff", "Give both a start and an end, or neither for the whole day."))
        elif s and e and e <= s:
            self.add_error("end", pgettext("staff", "The end must be after the start."))
        if d.get("kind") == "extra" and s is None:
            self.add_error("start", pgettext("staff", "Extra hours need a start and an end."))
        return d


class WaitlistForm(forms.Form):
    practitioner: forms.ModelChoiceField = forms.ModelChoiceField(
        queryset=None,
        to_field_name="username",
        required=False,
        empty_label=pgettext_lazy("staff", "Anyone in the clinic"),
    )
    kind = forms.ChoiceField(label=pgettext_lazy("staff", "Type"), choices=Appointment.KINDS, initial="dry_needling")
    minutes = forms.TypedChoiceField(label=pgettext_lazy("staff", "Length"), choices=DURATIONS, coerce=int, initial=30)
    earliest = forms.DateField(label=pgettext_lazy("staff", "From"), widget=DateInput())
    latest = forms.DateField(
        label=pgettext_lazy("staff", "Until"),
        required=False,
        widget=DateInput(),
        help_text=pgettext_lazy("staff", "Empty: any later day."),
    )
    note = forms.CharField(
        label=pgettext_lazy("staff", "Note for the front desk"), required=False, max_length=300, validators=[no_nul],
        help_text=pgettext_lazy("staff", "For example: mornings only."),
    )  # fmt: skip

    def __init__(self, *args, practitioners=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["practitioner"].queryset = practitioners
        self.fields["practitioner"].label_from_instance = lambda u: u.display_name()

    def clean(self):
        d = super().clean()
        if d.get("earliest") and d.get("latest") and d["latest"] < d["earliest"]:
            self.add_error("latest", pgettext("staff", "The last day must not be before the first."))
        return d


class RemoveForm(forms.Form):
    reason = forms.CharField(max_length=200, validators=[no_nul])


class OnlineBookingForm(forms.Form):
    """Per type of appointment: whether patients book it online, and its length (appointments.OnlineBooking)."""

    notice = forms.IntegerField(
        label=pgettext_lazy("staff", "Patients cancel or change online up to (hours before)"),
        min_value=1,
        max_value=168,
    )

    def __init__(self, *args, rules=None, **kwargs):
        super().__init__(*args, **kwargs)
        rules = rules or {}
        for kind, label in Appointment.KINDS:
            rule = rules.get(kind)
            self.fields[f"mode_{kind}"] = forms.ChoiceField(
                label=pgettext("staff", "%(type)s: online") % {"type": label}, choices=OnlineBooking.Mode.choices,
                initial=rule.mode if rule else OnlineBooking.Mode.OFF,
            )  # fmt: skip
            self.fields[f"new_{kind}"] = forms.BooleanField(
                label=pgettext("staff", "%(type)s: new patients too") % {"type": label},
                required=False,
                initial=rule.new_patients if rule else False,
            )
            self.fields[f"minutes_{kind}"] = forms.TypedChoiceField(
                label=pgettext("staff", "%(type)s: length") % {"type": label},
                choices=[d for d in DURATIONS if 15 <= d[0] <= 120],
                coerce=int,
                initial=rule.minutes if rule else 30,
            )

    def rows(self):
        return [(label, self[f"mode_{kind}"], self[f"new_{kind}"], self[f"minutes_{kind}"])
                for kind, label in Appointment.KINDS]  # fmt: skip
