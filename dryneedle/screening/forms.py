from django import forms

from dryneedle.lib.forms import no_nul
from dryneedle.screening import rules
from dryneedle.screening.models import Screening

GROUP_TITLES = {
    "ces": "Cauda equina syndrome — ask first",
    "malignancy": "Cancer",
    "infection": "Infection",
    "fracture": "Fracture",
    "absolute": "Contraindications",
    "defer": "Conditions that defer needling",
    "precaution": "Precautions",
}


class ScreeningForm(forms.Form):
    findings = forms.MultipleChoiceField(
        required=False, choices=[(f.code, f.meaning) for f in rules.FINDINGS], widget=forms.CheckboxSelectMultiple
    )
    medications = forms.CharField(
        required=False,
        max_length=3000,
        validators=[no_nul],
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="One per line. Anticoagulants and antiplatelets are recognised by their generic names.",
    )
    pregnancy_weeks = forms.IntegerField(
        label="Pregnant: weeks of gestation",
        required=False,
        min_value=0,
        max_value=45,
        help_text="Leave empty if not pregnant.",
    )
    planned_regions = forms.MultipleChoiceField(
        label="Regions you plan to needle",
        required=False,
        choices=[(r, r.capitalize()) for r in rules.REGIONS],
        widget=forms.CheckboxSelectMultiple,
    )
    electrical_stimulation = forms.BooleanField(label="Electrical stimulation planned", required=False)
    consent = forms.ChoiceField(
        choices=[("", "—"), ("given", "Given"), ("refused", "Refused"), ("unable", "Unable to consent")],
        label="Consent to dry needling",
    )
    consent_type = forms.ChoiceField(label="How", required=False, choices=[("", "—"), *Screening.ConsentType.choices])
    consent_witness = forms.CharField(label="Witness", required=False, max_length=200, validators=[no_nul])
    medical_clearance = forms.BooleanField(
        label="Medical clearance for the red flags recorded",
        required=False,
        help_text="Only after a physician has assessed the referral.",
    )
    clearance_by = forms.CharField(label="Cleared by (physician)", required=False, max_length=200, validators=[no_nul])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Lymphoedema or local infection, per region: one checkbox each.
        for region in rules.REGIONS:
            for what in rules.REGION_FINDINGS:
                self.fields[f"rf_{region}_{what}"] = forms.BooleanField(
                    required=False, label=f"{what.replace('_', ' ').capitalize()} in the {region} region"
                )

    def grouped_findings(self):
        by_code = {w.data["value"]: w for w in self["findings"]}
        out = []
        for group, title in GROUP_TITLES.items():
            out.append((title, group, [by_code[f.code] for f in rules.FINDINGS if f.group == group]))
        return out

    def region_rows(self):
        return [(r, [self[f"rf_{r}_{w}"] for w in rules.REGION_FINDINGS]) for r in rules.REGIONS]

    def to_data(self) -> dict:
        d = self.cleaned_data
        return {
            **d,
            "medications": d.get("medications", "").splitlines(),
            "region_findings": {r: [w for w in rules.REGION_FINDINGS if d.get(f"rf_{r}_{w}")] for r in rules.REGIONS},
        }


class AcknowledgeForm(forms.Form):
    rules = forms.MultipleChoiceField(choices=[])

    def __init__(self, screening, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["rules"].choices = [(p["rule"], p["text"]) for p in screening.result["precautions"]]


class OverrideForm(forms.Form):
    reason = forms.CharField(
        label="Reason for needling despite the deferral",
        min_length=20,
        max_length=1000,
        validators=[no_nul],
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    written_consent = forms.BooleanField(label="The patient has given written consent", required=True)


class InvalidateForm(forms.Form):
    reason = forms.ChoiceField(
        label="What changed?",
        choices=[
            ("new medication", "New medication"),
            ("pregnancy", "Pregnancy"),
            ("new symptom", "New symptom"),
            ("other", "Something else"),
        ],
    )
