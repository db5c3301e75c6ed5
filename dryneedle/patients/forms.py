from django import forms
from django.utils import timezone
from django.utils.translation import pgettext, pgettext_lazy

from dryneedle.lib.forms import DateInput, no_nul
from dryneedle.patients import coding
from dryneedle.patients.conditions import CHOICES, CONDITIONS
from dryneedle.patients.models import Episode, Sex


class PatientForm(forms.Form):
    given_name = forms.CharField(label=pgettext_lazy("staff", "Given name"), max_length=100, validators=[no_nul])
    family_name = forms.CharField(label=pgettext_lazy("staff", "Family name"), max_length=100, validators=[no_nul])
    birth_date = forms.DateField(label=pgettext_lazy("staff", "Date of birth"), widget=DateInput)
    sex = forms.ChoiceField(choices=Sex.choices)
    email = forms.EmailField(required=False, max_length=254)
    phone = forms.CharField(required=False, max_length=40, validators=[no_nul])
    address = forms.CharField(required=False, max_length=300, validators=[no_nul])
    preferred_language = forms.CharField(
        label=pgettext_lazy("staff", "Preferred language"), max_length=40, initial="English", validators=[no_nul]
    )
    emergency_contact_name = forms.CharField(
        label=pgettext_lazy("staff", "Emergency contact"), required=False, max_length=200, validators=[no_nul]
    )
    emergency_contact_phone = forms.CharField(
        label=pgettext_lazy("staff", "Emergency contact phone"), required=False, max_length=40, validators=[no_nul]
    )
    texts = forms.BooleanField(
        label=pgettext_lazy("staff", "Agrees to appointment reminders by text to this phone"),
        required=False,
        help_text=pgettext_lazy(
            "staff", "Recorded with the date and who recorded it; the patient can stop them by reply, link or account."
        ),
    )

    def clean_birth_date(self):
        d = self.cleaned_data["birth_date"]
        if d > timezone.localdate():
            raise forms.ValidationError(pgettext("staff", "Date of birth cannot be in the future."))
        if d.year < 1900:
            raise forms.ValidationError(pgettext("staff", "Check the year of birth."))
        return d


class SearchForm(forms.Form):
    q = forms.CharField(label=pgettext_lazy("staff", "Find a patient"), max_length=100, validators=[no_nul])


class EpisodeForm(forms.Form):
    condition = forms.ChoiceField(choices=[("", "Choose a condition"), *CHOICES])
    start_date = forms.DateField(
        label=pgettext_lazy("staff", "Start date"), widget=DateInput, initial=timezone.localdate
    )
    notes = forms.CharField(
        required=False, widget=forms.Textarea(attrs={"rows": 3}), max_length=5000, validators=[no_nul]
    )


class DischargeForm(forms.Form):
    discharge_date = forms.DateField(
        label=pgettext_lazy("staff", "Discharge date"), widget=DateInput, initial=timezone.localdate
    )
    discharge_reason = forms.ChoiceField(
        label=pgettext_lazy("staff", "Reason"), choices=[("", "Choose a reason"), *Episode.DischargeReason.choices]
    )
    discharge_note = forms.CharField(
        label=pgettext_lazy("staff", "Note"), required=False, max_length=1000, validators=[no_nul]
    )


class ErrorForm(forms.Form):
    reason = forms.CharField(
        label=pgettext_lazy("staff", "Why was this entered in error?"), max_length=500, validators=[no_nul]
    )


class EmergencyAccessForm(forms.Form):
    reason = forms.CharField(
        label=pgettext_lazy("staff", "Why do you need this record now?"),
        min_length=20,
        max_length=500,
        validators=[no_nul],
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class MergeForm(forms.Form):
    duplicate = forms.UUIDField(
        label=pgettext_lazy("staff", "The duplicate record"),
        error_messages={"required": pgettext_lazy("staff", "Choose the duplicate record to merge into this one."),
                        "invalid": pgettext_lazy("staff", "Choose a record listed.")},
    )  # fmt: skip
    reason = forms.CharField(
        label=pgettext_lazy("staff", "How do you know they are the same person?"),
        max_length=500,
        validators=[no_nul],
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=pgettext_lazy(
            "staff", "For example: same date of birth and phone; the patient confirmed at the desk."
        ),
    )
    confirm = forms.BooleanField(
        label=pgettext_lazy("staff", "I have checked that these two records are the same person"),
        error_messages={"required": pgettext_lazy("staff", "Tick the box to say you have checked.")},
    )


class SeparateForm(forms.Form):
    reason = forms.CharField(
        label=pgettext_lazy("staff", "Why are they two people after all?"), max_length=500, validators=[no_nul]
    )


class ConditionCodesForm(forms.Form):
    """The clinic's SNOMED CT and ICD-10 code for each condition (both optional), the ICD-10 edition it codes in,
    and where the codes were taken from (patients/coding.py: dryneedle ships none)."""

    edition = forms.ChoiceField(
        label=pgettext_lazy("staff", "ICD-10 edition"),
        choices=[(s, coding.NAMES[s]) for s in coding.ICD10_EDITIONS],
        help_text=pgettext_lazy(
            "staff", "The one your payers and registries use: the FHIR export names it with each code."
        ),
    )
    basis = forms.CharField(
        label=pgettext_lazy("staff", "Where the codes come from"),
        required=False,
        max_length=300,
        validators=[no_nul],
        help_text=pgettext_lazy(
            "staff", "Needed with a code: the terminology release or coding book and its date, for whoever checks it."
        ),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for c in CONDITIONS:
            self.fields[f"snomed_{c.code}"] = forms.CharField(
                label=pgettext_lazy("staff", "SNOMED CT concept id"), required=False, max_length=18, validators=[no_nul]
            )
            self.fields[f"snomed_display_{c.code}"] = forms.CharField(
                label=pgettext_lazy("staff", "Its term"), required=False, max_length=200, validators=[no_nul]
            )
            self.fields[f"icd10_{c.code}"] = forms.CharField(
                label=pgettext_lazy("staff", "ICD-10 code"), required=False, max_length=12, validators=[no_nul]
            )
            self.fields[f"icd10_display_{c.code}"] = forms.CharField(
                label=pgettext_lazy("staff", "Its title"), required=False, max_length=200, validators=[no_nul]
            )

    def clean(self):
        data = super().clean()
        for c in CONDITIONS:
            # Cleaned first, then checked: a field with an error leaves cleaned_data.
            snomed = data[f"snomed_{c.code}"] = (data.get(f"snomed_{c.code}") or "").strip()
            icd10 = data[f"icd10_{c.code}"] = coding.normal_icd10(data.get(f"icd10_{c.code}") or "")
            if snomed and (why := coding.snomed_error(snomed)):
                self.add_error(f"snomed_{c.code}", why)
            if icd10 and (why := coding.icd10_error(icd10)):
                self.add_error(f"icd10_{c.code}", why)
            for kind, code in (("snomed", snomed), ("icd10", icd10)):
                if (data.get(f"{kind}_display_{c.code}") or "").strip() and not code:
                    self.add_error(
                        f"{kind}_{c.code}", pgettext("staff", "Give the code of this term, or clear the term.")
                    )
        if self.wanted() and not (data.get("basis") or "").strip():
            self.add_error(
                "basis", pgettext("staff", "Say where the codes come from (the release or book, and its date).")
            )
        return data

    def wanted(self) -> dict[tuple[str, str], tuple[str, str]]:
        """(condition, system) -> (code, term) for each code given."""
        data, found = self.cleaned_data, {}
        for c in CONDITIONS:
            if data.get(f"snomed_{c.code}"):
                found[(c.code, coding.SNOMED)] = (
                    data[f"snomed_{c.code}"],
                    (data.get(f"snomed_display_{c.code}") or "").strip(),
                )
            if data.get(f"icd10_{c.code}"):
                found[(c.code, data.get("edition") or coding.ICD10)] = (
                    data[f"icd10_{c.code}"],
                    (data.get(f"icd10_display_{c.code}") or "").strip(),
                )
        return found  # fmt: skip

    def rows(self):
        return [(c, self[f"snomed_{c.code}"], self[f"snomed_display_{c.code}"], self[f"icd10_{c.code}"],
                 self[f"icd10_display_{c.code}"]) for c in CONDITIONS]  # fmt: skip

    @staticmethod
    def initial_of(codes: dict, jurisdiction: str) -> dict:
        """The form's starting values from the clinic's rows (services.condition_codes)."""
        initial = {"edition": coding.edition_for(jurisdiction)}
        for condition, rows in codes.items():
            for r in rows:
                kind = "snomed" if r.system == coding.SNOMED else "icd10"
                initial[f"{kind}_{condition}"], initial[f"{kind}_display_{condition}"] = r.code, r.display
                initial["basis"] = r.basis
                if kind == "icd10":
                    initial["edition"] = r.system
        return initial
