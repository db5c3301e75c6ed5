from django import forms
from django.utils.translation import pgettext, pgettext_lazy

from dryneedle.lib.forms import DateInput, no_nul
from dryneedle.retention.models import Kind

# Ranges that catch a slip of the keyboard, not advice: the clinic's number is its own (docs/retention.md).
LIMITS = {Kind.RECORD: (1, 100), Kind.MINOR: (18, 40), Kind.ENQUIRY: (1, 100)}
NUMBER = {Kind.RECORD: "Years after the last contact", Kind.MINOR: "Kept until the birthday of age",
          Kind.ENQUIRY: "Years after it was sent"}  # fmt: skip


class PeriodsForm(forms.Form):
    """One number and its basis per kind of record; an empty number means never anonymised by the run."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for kind in Kind.values:
            low, high = LIMITS[kind]
            self.fields[f"value_{kind}"] = forms.IntegerField(
                label=NUMBER[kind], required=False, min_value=low, max_value=high,
                help_text=pgettext_lazy("staff", "Empty: never anonymised by the retention run."),
            )  # fmt: skip
            self.fields[f"basis_{kind}"] = forms.CharField(
                label=pgettext_lazy("staff", "The clinic's source for it"),
                required=False,
                max_length=300,
                validators=[no_nul],
                help_text=pgettext_lazy(
                    "staff", "Needed with a number: the rule or policy it follows, for whoever checks it later."
                ),
            )

    def clean(self):
        data = super().clean()
        for kind in Kind.values:
            if data.get(f"value_{kind}") is not None and not (data.get(f"basis_{kind}") or "").strip():
                self.add_error(f"basis_{kind}", pgettext("staff", "Say which rule or policy this number follows."))
        return data

    def rows(self):
        return [(kind, label, self[f"value_{kind}"], self[f"basis_{kind}"]) for kind, label in Kind.choices]


class ConfirmForm(forms.Form):
    """The records to anonymise, ticked on the list, and their number typed again."""

    patients = forms.MultipleChoiceField(required=False, widget=forms.CheckboxSelectMultiple)
    count = forms.IntegerField(
        label=pgettext_lazy("staff", "Type how many records you ticked"), min_value=1, required=False
    )
    enquiries = forms.BooleanField(
        required=False, label=pgettext_lazy("staff", "Also anonymise the enquiries past their period")
    )

    def __init__(self, *args, choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["patients"].choices = choices

    def clean(self):
        data = super().clean()
        ticked = data.get("patients") or []
        if not ticked and not data.get("enquiries"):
            raise forms.ValidationError(pgettext("staff", "Tick the records to anonymise."))
        if ticked and data.get("count") != len(ticked):
            self.add_error(
                "count",
                pgettext("staff", "You ticked %(count)s: type that number to confirm.") % {"count": len(ticked)},
            )
        return data


class ErasureForm(forms.Form):
    received = forms.DateField(label=pgettext_lazy("staff", "The request was received on"), widget=DateInput)
