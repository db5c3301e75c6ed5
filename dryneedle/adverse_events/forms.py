from django import forms
from django.utils.translation import pgettext, pgettext_lazy

from dryneedle.accounts.models import User
from dryneedle.adverse_events import rules
from dryneedle.lib.forms import DateInput, no_nul
from dryneedle.lib.http import YEARS
from dryneedle.screening.rules import REGIONS


class EventForm(forms.Form):
    type = forms.ChoiceField(choices=rules.TYPES)
    severity = forms.ChoiceField(
        required=False,
        choices=[("", "Not classified yet")]
        + [(k, f"{v}: {rules.SEVERITY_DEFINITIONS[k]}") for k, v in rules.SEVERITIES],
    )
    causality = forms.ChoiceField(required=False, choices=[("", "—"), *rules.CAUSALITY])
    onset = forms.ChoiceField(required=False, choices=[("", "—"), *rules.ONSET])
    duration = forms.CharField(required=False, max_length=100, validators=[no_nul])
    description = forms.CharField(
        required=False, max_length=2000, validators=[no_nul], widget=forms.Textarea(attrs={"rows": 3})
    )
    action_taken = forms.CharField(
        label=pgettext_lazy("staff", "Action taken"),
        required=False,
        max_length=2000,
        validators=[no_nul],
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    outcome = forms.ChoiceField(choices=rules.OUTCOMES, initial="unknown")
    review_note = forms.CharField(
        label=pgettext_lazy("staff", "Review note (needed to close a serious event)"),
        required=False,
        max_length=2000,
        validators=[no_nul],
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class FilterForm(forms.Form):
    practitioner: forms.ModelChoiceField = forms.ModelChoiceField(
        queryset=None, required=False, to_field_name="username", empty_label=pgettext_lazy("staff", "All")
    )
    region = forms.ChoiceField(required=False)
    since = forms.DateField(label=pgettext_lazy("staff", "From"), required=False, widget=DateInput())
    until = forms.DateField(label=pgettext_lazy("staff", "To (exclusive)"), required=False, widget=DateInput())

    def __init__(self, clinic, *args, **kwargs):
        super().__init__(*args, **kwargs)

        self.fields["practitioner"].queryset = User.objects.filter(
            memberships__clinic=clinic, memberships__role="practitioner"
        ).order_by("last_name")
        self.fields["region"].choices = [("", "All")] + [(r, r.capitalize()) for r in REGIONS]

    def clean(self):
        d = super().clean()

        for key in ("since", "until"):
            if d.get(key) and not YEARS[0] <= d[key].year <= YEARS[1]:
                self.add_error(
                    key,
                    pgettext("staff", "Give a date between %(first)s and %(last)s.")
                    % {"first": YEARS[0], "last": YEARS[1]},
                )
        return d
