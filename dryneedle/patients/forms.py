from django import forms
from django.utils import timezone

from dryneedle.lib.forms import DateInput, no_nul
from dryneedle.patients.conditions import CHOICES
from dryneedle.patients.models import Episode, Sex


class PatientForm(forms.Form):
    given_name = forms.CharField(label="Given name", max_length=100, validators=[no_nul])
    family_name = forms.CharField(label="Family name", max_length=100, validators=[no_nul])
    birth_date = forms.DateField(label="Date of birth", widget=DateInput)
    sex = forms.ChoiceField(choices=Sex.choices)
    email = forms.EmailField(required=False, max_length=254)
    phone = forms.CharField(required=False, max_length=40, validators=[no_nul])
    address = forms.CharField(required=False, max_length=300, validators=[no_nul])
    preferred_language = forms.CharField(
        label="Preferred language", max_length=40, initial="English", validators=[no_nul]
    )
    emergency_contact_name = forms.CharField(
        label="Emergency contact", required=False, max_length=200, validators=[no_nul]
    )
    emergency_contact_phone = forms.CharField(
        label="Emergency contact phone", required=False, max_length=40, validators=[no_nul]
    )
    texts = forms.BooleanField(
        label="Agrees to appointment reminders by text to this phone", required=False,
        help_text="Recorded with the date and who recorded it; the patient can stop them by reply, link or account.",
    )  # fmt: skip

    def clean_birth_date(self):
        d = self.cleaned_data["birth_date"]
        if d > timezone.localdate():
            raise forms.ValidationError("Date of birth cannot be in the future.")
        if d.year < 1900:
            raise forms.ValidationError("Check the year of birth.")
        return d


class SearchForm(forms.Form):
    q = forms.CharField(label="Find a patient", max_length=100, validators=[no_nul])


class EpisodeForm(forms.Form):
    condition = forms.ChoiceField(choices=[("", "Choose a condition"), *CHOICES])
    start_date = forms.DateField(label="Start date", widget=DateInput, initial=timezone.localdate)
    notes = forms.CharField(
        required=False, widget=forms.Textarea(attrs={"rows": 3}), max_length=5000, validators=[no_nul]
    )


class DischargeForm(forms.Form):
    discharge_date = forms.DateField(label="Discharge date", widget=DateInput, initial=timezone.localdate)
    discharge_reason = forms.ChoiceField(
        label="Reason", choices=[("", "Choose a reason"), *Episode.DischargeReason.choices]
    )
    discharge_note = forms.CharField(label="Note", required=False, max_length=1000, validators=[no_nul])


class ErrorForm(forms.Form):
    reason = forms.CharField(label="Why was this entered in error?", max_length=500, validators=[no_nul])


class EmergencyAccessForm(forms.Form):
    reason = forms.CharField(
        label="Why do you need this record now?",
        min_length=20,
        max_length=500,
        validators=[no_nul],
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class MergeForm(forms.Form):
    duplicate = forms.UUIDField(
        label="The duplicate record",
        error_messages={"required": "Choose the duplicate record to merge into this one.",
                        "invalid": "Choose a record listed."},
    )  # fmt: skip
    reason = forms.CharField(
        label="How do you know they are the same person?",
        max_length=500,
        validators=[no_nul],
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="For example: same date of birth and phone; the patient confirmed at the desk.",
    )
    confirm = forms.BooleanField(
        label="I have checked that these two records are the same person",
        error_messages={"required": "Tick the box to say you have checked."},
    )


class SeparateForm(forms.Form):
    reason = forms.CharField(label="Why are they two people after all?", max_length=500, validators=[no_nul])
