from django import forms

from dryneedle.patients.forms import DateInput
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


def _no_nul(value: str) -> None:
    if "\x00" in value:
        raise forms.ValidationError("Text cannot contain NUL characters.")


class VisitForm(forms.Form):
    pre_nprs = forms.IntegerField(label="Pain now, before needling (0-10)", required=False, min_value=0, max_value=10)
    hand_hygiene = forms.BooleanField(label="Hand hygiene done", required=False)
    clean_field = forms.BooleanField(label="Clean field established", required=False)
    skin_prep_agent = forms.CharField(
        label="Skin preparation agent", required=False, max_length=60, validators=[_no_nul]
    )
    sterile_single_use = forms.BooleanField(label="Sterile single-use needles", required=False)
    post_nprs = forms.IntegerField(label="Pain after needling (0-10)", required=False, min_value=0, max_value=10)
    post_massage_stretch = forms.BooleanField(label="Post-needling massage or stretch", required=False)
    immediate_events = forms.CharField(
        label="Anything that happened during or right after (fainting, bleeding, pain...)",
        required=False,
        max_length=2000,
        validators=[_no_nul],
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    notes = forms.CharField(
        required=False, max_length=5000, validators=[_no_nul], widget=forms.Textarea(attrs={"rows": 3})
    )


class InsertionForm(forms.Form):
    muscle = forms.ChoiceField(choices=[("", "Choose a muscle")] + [(m.code, m.name) for m in MUSCLES])
    trigger_point = forms.ModelChoiceField(
        label="Trigger point (optional)", required=False, queryset=TriggerPoint.objects.none(), to_field_name="code"
    )
    region = forms.ChoiceField(required=False, choices=[("", "The muscle's usual region")], help_text="")
    side = forms.ChoiceField(choices=Side.choices)
    lot = forms.ModelChoiceField(label="Needle (size and lot)", queryset=NeedleLot.objects.none(), to_field_name="code")
    depth_mm = forms.IntegerField(label="Depth (mm)", min_value=1, max_value=150)
    technique = forms.ChoiceField(choices=Technique.choices)
    angle = forms.ChoiceField(choices=Angle.choices)
    position = forms.ChoiceField(label="Patient position", choices=Position.choices)
    guidance = forms.ChoiceField(choices=Guidance.choices)
    duration_s = forms.IntegerField(label="Manipulation (seconds)", required=False, min_value=0, max_value=7200)
    estim_frequency_hz = forms.IntegerField(label="E-stim frequency (Hz)", required=False, min_value=1, max_value=1000)
    estim_intensity = forms.CharField(label="E-stim intensity", required=False, max_length=60, validators=[_no_nul])
    recognition = forms.BooleanField(label="Patient recognised the pain", required=False)
    sensations = forms.MultipleChoiceField(required=False, choices=SENSATIONS, widget=forms.CheckboxSelectMultiple)
    protective_technique = forms.ChoiceField(
        label="Protective technique (to go past a depth limit)", required=False, choices=[("", "—"), *PROTECTIVE]
    )
    depth_reason = forms.CharField(
        label="Reason for going deeper", required=False, max_length=300, validators=[_no_nul]
    )
    local_twitch_responses = forms.IntegerField(label="Local twitch responses", min_value=0, max_value=50, initial=0)

    def __init__(self, clinic, *args, episode=None, **kwargs):
        super().__init__(*args, **kwargs)
        from django.utils import timezone

        from dryneedle.screening.rules import REGIONS

        self.fields["region"].choices = [("", "The muscle's usual region")] + [(r, r.capitalize()) for r in REGIONS]
        if episode is not None:
            self.fields["trigger_point"].queryset = TriggerPoint.objects.filter(episode=episode).order_by("created")
        self.fields["lot"].queryset = NeedleLot.objects.filter(
            clinic=clinic, expires__gte=timezone.localdate()
        ).order_by("diameter_mm", "length_mm")


class RemovalForm(forms.Form):
    pressure_applied = forms.BooleanField(required=False)
    bleeding = forms.ChoiceField(choices=Bleeding.choices, initial=Bleeding.NONE)


class ExamForm(forms.Form):
    """Findings at a trigger point today (Delphi criteria, clinical-reference.md §7)."""

    trigger_point = forms.UUIDField(required=False, widget=forms.HiddenInput)
    muscle = forms.ChoiceField(required=False, choices=[("", "Choose a muscle")] + [(m.code, m.name) for m in MUSCLES])
    side = forms.ChoiceField(required=False, choices=[("", "—"), *Side.choices])
    location = forms.CharField(required=False, max_length=120, validators=[_no_nul])
    taut_band = forms.BooleanField(label="Taut band", required=False)
    hypersensitive_spot = forms.BooleanField(label="Hypersensitive spot", required=False)
    referred_pain = forms.BooleanField(label="Referred pain", required=False)
    recognition = forms.BooleanField(label="Patient recognises the pain", required=False)
    tenderness = forms.IntegerField(label="Tenderness (0-10)", required=False, min_value=0, max_value=10)
    resolved = forms.BooleanField(label="Resolved (no longer found)", required=False)


class LotForm(forms.Form):
    manufacturer = forms.CharField(max_length=100, validators=[_no_nul])
    diameter_mm = forms.DecimalField(label="Diameter (mm)", min_value=0.10, max_value=0.50, decimal_places=2)
    length_mm = forms.IntegerField(label="Length (mm)", min_value=5, max_value=150)
    lot_number = forms.CharField(label="Lot number", max_length=60, validators=[_no_nul])
    expires = forms.DateField(label="Expiry date", widget=DateInput)

    def clean_expires(self):
        from django.utils import timezone

        d = self.cleaned_data["expires"]
        if d < timezone.localdate():
            raise forms.ValidationError("This lot has already expired.")
        return d
