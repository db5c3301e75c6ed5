from typing import Any

from django import forms
from django.utils.translation import pgettext, pgettext_lazy

from dryneedle.lib.forms import DateInput, no_nul
from dryneedle.plans import exercises, rules
from dryneedle.plans.models import PRIMARY_MEASURES, Review

SCORE: dict[str, Any] = {"min_value": 0, "max_value": 10, "decimal_places": 1, "max_digits": 3}


class PlanForm(forms.Form):
    primary_measure = forms.ChoiceField(
        label=pgettext_lazy("staff", "Primary outcome measure"),
        choices=PRIMARY_MEASURES,
        help_text=pgettext_lazy("staff", "Judges response and plateau."),
    )
    expected_dn_visits = forms.IntegerField(
        label=pgettext_lazy("staff", "Expected dry-needling visits"), required=False, min_value=1, max_value=60
    )
    notes = forms.CharField(required=False, max_length=3000, validators=[no_nul], widget=forms.Textarea({"rows": 2}))


class MaintenanceForm(forms.Form):
    maintenance_every_weeks = forms.IntegerField(
        label=pgettext_lazy("staff", "Follow-up visit every (weeks)"), required=False, min_value=1, max_value=52
    )
    maintenance_until = forms.DateField(
        label=pgettext_lazy("staff", "Maintenance until"), required=False, widget=DateInput(),
        help_text=pgettext_lazy("staff", "Empty: a year after discharge."),
    )  # fmt: skip


class ComponentForm(forms.Form):
    # Empty first choices: a spare row left alone stays unchanged, so it is skipped rather than refused.
    modality = forms.ChoiceField(choices=[("", "—"), *rules.MODALITIES])
    sequence = forms.ChoiceField(
        choices=[("", "— as usual —"), *rules.SEQUENCES],
        label=pgettext_lazy("staff", "On a combined day"),
        required=False,
    )
    provider: forms.ModelChoiceField = forms.ModelChoiceField(
        queryset=None, required=False, empty_label=pgettext_lazy("staff", "—"), to_field_name="username"
    )
    outside_provider = forms.CharField(
        label=pgettext_lazy("staff", "or outside provider"), required=False, max_length=200, validators=[no_nul]
    )
    times = forms.IntegerField(label=pgettext_lazy("staff", "Times"), min_value=1, max_value=14)
    every_weeks = forms.IntegerField(
        label=pgettext_lazy("staff", "every … weeks"), min_value=1, max_value=52, initial=1
    )
    count = forms.IntegerField(label=pgettext_lazy("staff", "In all"), min_value=1, max_value=100)
    notes = forms.CharField(required=False, max_length=500, validators=[no_nul])
    stopped = forms.BooleanField(required=False, label=pgettext_lazy("staff", "Stopped"))

    def __init__(self, *args, providers=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["provider"].queryset = providers
        self.fields["provider"].label_from_instance = lambda u: u.display_name()

    def clean(self):
        d = super().clean()
        if d.get("provider") and d.get("outside_provider"):
            self.add_error("outside_provider", pgettext("staff", "Name one provider: one of ours, or someone outside."))
        if not d.get("sequence") and d.get("modality"):
            d["sequence"] = rules.default_sequence(d["modality"])
        return d


class GoalForm(forms.Form):
    activity = forms.CharField(max_length=200, validators=[no_nul])
    baseline = forms.DecimalField(required=False, **SCORE)
    target = forms.DecimalField(**SCORE)
    target_date = forms.DateField(required=False, widget=DateInput())

    def clean(self):
        d = super().clean()
        b, t = d.get("baseline"), d.get("target")
        if b is not None and t is not None and t <= b:
            self.add_error(
                "target", pgettext("staff", "The target must be above the baseline (0 = unable, 10 = as before).")
            )
        return d


class BaseRows(forms.BaseFormSet):
    """Spare rows left empty are skipped; a suggested row is kept unless ticked "Remove"."""

    def add_fields(self, form, index):
        super().add_fields(form, index)
        if "DELETE" in form.fields:
            form.fields["DELETE"].label = "Remove"

    def rows(self) -> list[dict]:
        out = []
        for f in self.forms:
            d = getattr(f, "cleaned_data", None)
            if d and not d.get("DELETE"):
                out.append({k: v for k, v in d.items() if k != "DELETE"})
        return out


def _rows(form, extra: int, most: int):
    return forms.formset_factory(form, formset=BaseRows, extra=extra, max_num=most, validate_max=True, can_delete=True)


ComponentRows = _rows(ComponentForm, 2, 15)
GoalRows = _rows(GoalForm, 1, 5)


class AssignForm(forms.Form):
    exercise = forms.ChoiceField(choices=exercises.CHOICES)
    dose = forms.CharField(
        required=False,
        max_length=200,
        validators=[no_nul],
        help_text=pgettext_lazy("staff", "Empty: the library's dose."),
    )
    notes = forms.CharField(required=False, max_length=300, validators=[no_nul])


class ReviewForm(forms.Form):
    milestone = forms.ChoiceField(choices=Review.Milestone.choices)
    decision = forms.ChoiceField(choices=Review.Decision.choices)
    note = forms.CharField(required=False, max_length=1000, validators=[no_nul], widget=forms.Textarea({"rows": 2}))
