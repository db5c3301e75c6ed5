from django import forms
from django.utils.translation import pgettext, pgettext_lazy

from dryneedle.lib.forms import DateInput, no_nul
from dryneedle.screening.rules import REGIONS
from dryneedle.visits import bodymap
from dryneedle.visits.depth import PROTECTIVE
from dryneedle.visits.models import (
    SENSATIONS,
    Angle,
    Bleeding,
    Guidance,
    NeedleLot,
    Position,
    Side,
    Technique,
    TriggerPoint,
)
from dryneedle.visits.muscles import MUSCLES


class TimeInput(forms.TimeInput):
    input_type = "time"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%H:%M")


class VisitForm(forms.Form):
    pre_nprs = forms.IntegerField(
        label=pgettext_lazy("staff", "Pain now, before needling (0-10)"), required=False, min_value=0, max_value=10
    )
    hand_hygiene = forms.BooleanField(label=pgettext_lazy("staff", "Hand hygiene done"), required=False)
    clean_field = forms.BooleanField(label=pgettext_lazy("staff", "Clean field established"), required=False)
    skin_prep_agent = forms.CharField(
        label=pgettext_lazy("staff", "Skin preparation agent"), required=False, max_length=60, validators=[no_nul]
    )
    sterile_single_use = forms.BooleanField(label=pgettext_lazy("staff", "Sterile single-use needles"), required=False)
    post_nprs = forms.IntegerField(
        label=pgettext_lazy("staff", "Pain after needling (0-10)"), required=False, min_value=0, max_value=10
    )
    post_massage_stretch = forms.BooleanField(
        label=pgettext_lazy("staff", "Post-needling massage or stretch"), required=False
    )
    immediate_events = forms.CharField(
        label=pgettext_lazy("staff", "Anything that happened during or right after (fainting, bleeding, pain...)"),
        required=False,
        max_length=2000,
        validators=[no_nul],
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    notes = forms.CharField(
        required=False, max_length=5000, validators=[no_nul], widget=forms.Textarea(attrs={"rows": 3})
    )


class InsertionForm(forms.Form):
    muscle = forms.ChoiceField(choices=[("", "Choose a muscle")] + [(m.code, m.name) for m in MUSCLES])
    trigger_point = forms.ModelChoiceField(
        label=pgettext_lazy("staff", "Trigger point"),
        required=False,
        queryset=TriggerPoint.objects.none(),
        to_field_name="code",
    )
    region = forms.ChoiceField(required=False, choices=[("", "The muscle's usual region")], help_text="")
    side = forms.ChoiceField(choices=Side.choices)
    lot = forms.ModelChoiceField(
        label=pgettext_lazy("staff", "Needle (size and lot)"), queryset=NeedleLot.objects.none(), to_field_name="code"
    )
    # Bounded by the chosen needle's length in clean() (issue 18: a fixed "≤ 150" told a clinician nothing).
    depth_mm = forms.IntegerField(label=pgettext_lazy("staff", "Depth (mm)"), min_value=1, max_value=1000)
    technique = forms.ChoiceField(choices=Technique.choices)
    angle = forms.ChoiceField(choices=Angle.choices)
    position = forms.ChoiceField(label=pgettext_lazy("staff", "Patient position"), choices=Position.choices)
    guidance = forms.ChoiceField(choices=Guidance.choices)
    duration_s = forms.IntegerField(
        label=pgettext_lazy("staff", "Manipulation (seconds)"), required=False, min_value=0, max_value=7200
    )
    estim_frequency_hz = forms.IntegerField(
        label=pgettext_lazy("staff", "E-stim frequency (Hz)"), required=False, min_value=1, max_value=1000
    )
    estim_intensity = forms.CharField(
        label=pgettext_lazy("staff", "E-stim intensity"), required=False, max_length=60, validators=[no_nul]
    )
    recognition = forms.BooleanField(label=pgettext_lazy("staff", "Patient recognised the pain"), required=False)
    sensations = forms.MultipleChoiceField(required=False, choices=SENSATIONS, widget=forms.CheckboxSelectMultiple)
    protective_technique = forms.ChoiceField(
        label=pgettext_lazy(
            "staff", "Protective technique (past a depth limit, and always where no safe default is known)"
        ),
        required=False,
        choices=[("", "—"), *PROTECTIVE],
    )
    depth_reason = forms.CharField(
        label=pgettext_lazy("staff", "Reason for the protective technique"),
        required=False,
        max_length=300,
        validators=[no_nul],
    )
    local_twitch_responses = forms.IntegerField(
        label=pgettext_lazy("staff", "Local twitch responses"), min_value=0, max_value=50, initial=0
    )
    time_in = forms.TimeField(label=pgettext_lazy("staff", "Time in (blank: now)"), required=False, widget=TimeInput)

    def __init__(self, clinic, *args, episode=None, **kwargs):
        super().__init__(*args, **kwargs)
        from django.utils import timezone

        self.fields["region"].choices = [("", "The muscle's usual region")] + [(r, r.capitalize()) for r in REGIONS]
        if episode is not None:
            self.fields["trigger_point"].queryset = TriggerPoint.objects.filter(episode=episode).order_by("created")
        self.fields["lot"].queryset = NeedleLot.objects.filter(
            clinic=clinic, expires__gte=timezone.localdate()
        ).order_by("diameter_mm", "length_mm")

    def clean(self):
        data = super().clean()
        lot, depth_mm = data.get("lot"), data.get("depth_mm")
        if lot is not None and depth_mm is not None and depth_mm > lot.length_mm:
            self.add_error(
                "depth_mm",
                pgettext(
                    "staff",
                    "%(depth_mm)s mm is deeper than this needle is long: a %(length_mm)s mm needle reaches "
                    "%(length_mm)s "
                    "mm at most.",
                )
                % {"depth_mm": depth_mm, "length_mm": lot.length_mm},
            )
        return data


class RemovalForm(forms.Form):
    pressure_applied = forms.BooleanField(required=False)
    bleeding = forms.ChoiceField(choices=Bleeding.choices, initial=Bleeding.NONE)
    time_out = forms.TimeField(required=False, widget=TimeInput)


def at_visit_time(visit, t):
    """A time of day typed on the visit page, on the visit's date in the clinic's time zone."""
    import datetime as dt

    from django.utils import timezone

    if t is None:
        return None
    day = timezone.localtime(visit.started).date()
    return timezone.make_aware(dt.datetime.combine(day, t.replace(second=0, microsecond=0)))


class ExamForm(forms.Form):
    """Findings at a trigger point today (Delphi criteria, docs/clinical-sources.md §7)."""

    trigger_point = forms.UUIDField(required=False, widget=forms.HiddenInput)
    muscle = forms.ChoiceField(required=False, choices=[("", "Choose a muscle")] + [(m.code, m.name) for m in MUSCLES])
    side = forms.ChoiceField(required=False, choices=[("", "—"), *Side.choices])
    location = forms.CharField(required=False, max_length=120, validators=[no_nul])
    taut_band = forms.BooleanField(label=pgettext_lazy("staff", "Taut band"), required=False)
    hypersensitive_spot = forms.BooleanField(label=pgettext_lazy("staff", "Hypersensitive spot"), required=False)
    referred_pain = forms.BooleanField(label=pgettext_lazy("staff", "Referred pain"), required=False)
    recognition = forms.BooleanField(label=pgettext_lazy("staff", "Patient recognises the pain"), required=False)
    tenderness = forms.IntegerField(
        label=pgettext_lazy("staff", "Tenderness (0-10)"), required=False, min_value=0, max_value=10
    )
    resolved = forms.BooleanField(label=pgettext_lazy("staff", "Resolved (no longer found)"), required=False)


class DepthLimitForm(forms.Form):
    """A clinic's own depth limit; a blank depth goes back to the cited default."""

    muscle = forms.ChoiceField(choices=[(m.code, m.name) for m in MUSCLES])
    max_mm = forms.IntegerField(label=pgettext_lazy("staff", "Limit (mm)"), required=False, min_value=1, max_value=150)
    source = forms.CharField(
        label=pgettext_lazy("staff", "Source of the clinic's limit"),
        required=False,
        max_length=300,
        validators=[no_nul],
    )

    def clean(self):
        d = super().clean()
        if d.get("max_mm") is not None and len((d.get("source") or "").strip()) < 5:
            self.add_error(
                "source", pgettext("staff", "Say where the clinic's limit comes from (a study, a protocol, a policy).")
            )
        d["source"] = (d.get("source") or "").strip()
        return d


class LotForm(forms.Form):
    manufacturer = forms.CharField(max_length=100, validators=[no_nul])
    diameter_mm = forms.DecimalField(
        label=pgettext_lazy("staff", "Diameter (mm)"), min_value=0.10, max_value=0.50, decimal_places=2
    )
    length_mm = forms.IntegerField(label=pgettext_lazy("staff", "Length (mm)"), min_value=5, max_value=150)
    lot_number = forms.CharField(label=pgettext_lazy("staff", "Lot number"), max_length=60, validators=[no_nul])
    expires = forms.DateField(label=pgettext_lazy("staff", "Expiry date"), widget=DateInput)

    def clean_expires(self):
        from django.utils import timezone

        d = self.cleaned_data["expires"]
        if d < timezone.localdate():
            raise forms.ValidationError(pgettext("staff", "This lot has already expired."))
        return d


def read_pain_chart(data) -> tuple[list[dict], list[str], dict[str, dict]]:
    """The pain drawing as posted by the chart's region list (visits/_pain_chart.html).

    Returns the marks (canonical, see bodymap.validate), the errors a person can
    act on, and the raw rows to show the form again as it was sent.
    """
    checked = set(data.getlist("pain_region"))
    errors = [f"Unknown body-chart region: {c[:40]!r}." for c in sorted(checked - set(bodymap.BY_CODE))]
    raw: dict[str, dict] = {}
    marks = []
    for r in bodymap.REGIONS:
        intensity, quality = data.get(f"intensity_{r.code}", ""), data.get(f"quality_{r.code}", "")
        raw[r.code] = {"checked": r.code in checked, "intensity": intensity, "quality": quality}
        if r.code not in checked:
            continue
        if not (intensity.isdigit() and 0 <= int(intensity) <= 10):
            errors.append(f"{r.label}: choose an intensity from 0 to 10.")
        elif quality not in bodymap.QUALITY_CODES:
            errors.append(f"{r.label}: choose how the pain feels.")
        else:
            marks.append({"region": r.code, "intensity": int(intensity), "quality": quality})
    if not errors:
        try:
            marks = bodymap.validate(marks)
        except bodymap.ChartError as e:
            errors.append(str(e))
    return marks, errors, raw


def pain_rows(marks: list[dict] | None = None, raw: dict[str, dict] | None = None) -> list[dict]:
    """One row per region for the list under the chart: from a saved drawing or from what was posted."""
    if raw is None:
        by = {m["region"]: m for m in marks or []}
        raw = {
            code: {"checked": True, "intensity": str(m["intensity"]), "quality": m["quality"]} for code, m in by.items()
        }
    return [{"r": r, **raw.get(r.code, {"checked": False, "intensity": "", "quality": ""})} for r in bodymap.REGIONS]
