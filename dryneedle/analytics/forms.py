from django import forms
from django.utils import timezone
from django.utils.translation import pgettext, pgettext_lazy

from dryneedle.analytics import cohort, report
from dryneedle.lib.forms import DateInput
from dryneedle.outcomes.models import NAMES


class ReportForm(forms.Form):
    """What the report counts: one measure, one time point, a period of episode start dates, a grouping."""

    measure = forms.ChoiceField(
        label=pgettext_lazy("staff", "Measure"), choices=[(m, NAMES[m]) for m in report.MEASURES], initial="nprs"
    )
    point = forms.ChoiceField(
        label=pgettext_lazy("staff", "Time point"), choices=list(report.POINT_NAMES.items()), initial="discharge"
    )
    since = forms.DateField(label=pgettext_lazy("staff", "Episodes started from"), widget=DateInput())
    until = forms.DateField(label=pgettext_lazy("staff", "Episodes started until"), widget=DateInput())
    by = forms.ChoiceField(
        label=pgettext_lazy("staff", "Group by"),
        required=False,
        choices=[("", "No grouping"), *((g, report.BY_NAMES[g]) for g in cohort.GROUPINGS)],
    )
    criterion = forms.ChoiceField(
        label=pgettext_lazy("staff", "Funnel plot criterion"),
        required=False,
        choices=[("mic", "Minimal important change"), ("pct30", "30% better")],
        initial="mic",
    )

    def __init__(self, data=None, **kwargs):
        today = timezone.localdate()
        since, until = report.default_period(today)
        defaults = {"measure": "nprs", "point": "discharge", "since": since, "until": until, "by": "",
                    "criterion": "mic"}  # fmt: skip
        if data is not None:
            data = {**{k: str(v) for k, v in defaults.items()}, **{k: v for k, v in data.items() if v != ""}}
        super().__init__(data if data is not None else defaults, **kwargs)

    def clean(self):
        d = super().clean()
        since, until = d.get("since"), d.get("until")
        if since and until and since > until:
            self.add_error("until", pgettext("staff", "The end of the period cannot be before its start."))
        if since and since.year < 1900:
            self.add_error("since", pgettext("staff", "Give a date after 1900."))
        if until and until.year > 2999:
            self.add_error("until", pgettext("staff", "Give a date before 3000."))
        return d
