from django import forms
from django.utils.translation import pgettext, pgettext_lazy

from dryneedle.lib.forms import DateInput, no_nul
from dryneedle.screening import rules
from dryneedle.screening.models import Screening

GROUP_TITLES = {
    "ces": "Cauda equina and the nerves of the legs — ask first",
    "malignancy": "Cancer",
    "infection": "Infection",
    "fracture": "Fracture",
    "absolute": "Contraindications",
    "defer": "Conditions that defer needling",
    "precaution": "Precautions",
}


# The codes the form offers: one per clinical concept (an alias stays accepted by the API and CLI only).
FORM_FINDINGS = [f for f in rules.FINDINGS if not f.alias_of and f.code != "pregnant_gestation_unknown"]
CLEARANCE_LABELS = {
    "spinal_malignancy": "Suspected spinal malignancy",
    "spinal_infection": "Suspected spinal infection",
    "spinal_fracture": "Suspected spinal fracture",
}


class ScreeningForm(forms.Form):
    findings = forms.MultipleChoiceField(
        required=False, choices=[(f.code, f.meaning) for f in FORM_FINDINGS], widget=forms.CheckboxSelectMultiple
    )
    none_red_flags = forms.BooleanField(label=pgettext_lazy("staff", "Asked: none of these red flags"), required=False)
    none_contraindications = forms.BooleanField(label=pgettext_lazy("staff", "Asked: none of these"), required=False)
    medications = forms.CharField(
        required=False,
        max_length=3000,
        validators=[no_nul],
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=pgettext_lazy(
            "staff",
            "One per line; leave empty if none. Anticoagulants and antiplatelets are recognised by generic and "
            "brand name; anything else is shown back as 'not recognised — check it'.",
        ),
    )
    pregnancy = forms.ChoiceField(
        label=pgettext_lazy("staff", "Pregnancy"),
        choices=[
            ("not_asked", "Not asked yet"),
            ("no", "Not pregnant (or not applicable)"),
            ("pregnant", "Pregnant"),
        ],
        initial="not_asked",
        required=False,
        widget=forms.RadioSelect,
    )
    pregnancy_weeks = forms.IntegerField(
        label=pgettext_lazy("staff", "Weeks of gestation"),
        required=False,
        min_value=0,
        max_value=45,
        help_text=pgettext_lazy(
            "staff", "Leave empty if the weeks are not known: the first trimester is then assumed."
        ),
    )
    planned_regions = forms.MultipleChoiceField(
        label=pgettext_lazy("staff", "Regions you plan to needle"),
        required=False,
        choices=[(r, r.capitalize()) for r in rules.REGIONS],
        widget=forms.CheckboxSelectMultiple,
    )
    electrical_stimulation = forms.BooleanField(
        label=pgettext_lazy("staff", "Electrical stimulation planned"), required=False
    )
    consent = forms.ChoiceField(
        choices=[
            ("", "—"),
            ("given", pgettext_lazy("staff", "Given")),
            ("refused", pgettext_lazy("staff", "Refused")),
            ("unable", pgettext_lazy("staff", "Unable to consent")),
        ],
        label=pgettext_lazy("staff", "Consent to dry needling"),
    )
    consent_type = forms.ChoiceField(
        label=pgettext_lazy("staff", "How"), required=False, choices=[("", "—"), *Screening.ConsentType.choices]
    )
    consent_witness = forms.CharField(
        label=pgettext_lazy("staff", "Witness"), required=False, max_length=200, validators=[no_nul]
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Lymphoedema, lymph nodes removed or local infection, per region: one checkbox each.
        for region in rules.REGIONS:
            for what in rules.REGION_FINDINGS:
                self.fields[f"rf_{region}_{what}"] = forms.BooleanField(
                    required=False,
                    label=pgettext("staff", "%(finding)s in the %(region)s region")
                    % {"finding": what.replace("_", " ").capitalize(), "region": region},
                )
        # Medical clearance names the pathology it clears, who gave it and when (never cauda equina).
        for p, label in CLEARANCE_LABELS.items():
            self.fields[f"clear_{p}"] = forms.BooleanField(
                label=pgettext("staff", "%(condition)s: cleared by a physician") % {"condition": label}, required=False
            )
            self.fields[f"clear_{p}_by"] = forms.CharField(
                label=pgettext_lazy("staff", "Cleared by (physician)"),
                required=False,
                max_length=200,
                validators=[no_nul],
            )
            self.fields[f"clear_{p}_date"] = forms.DateField(
                label=pgettext_lazy("staff", "Date of the clearance"), required=False, widget=DateInput()
            )

    def grouped_findings(self):
        by_code = {w.data["value"]: w for w in self["findings"]}
        out = []
        for group, title in GROUP_TITLES.items():
            out.append((title, group, [by_code[f.code] for f in FORM_FINDINGS if f.group == group]))
        return out

    def region_rows(self):
        return [(r, [self[f"rf_{r}_{w}"] for w in rules.REGION_FINDINGS]) for r in rules.REGIONS]

    def clearance_rows(self):
        return [(p, self[f"clear_{p}"], self[f"clear_{p}_by"], self[f"clear_{p}_date"]) for p in CLEARANCE_LABELS]

    def clean(self):
        d = super().clean()
        for p in CLEARANCE_LABELS:
            if d.get(f"clear_{p}"):
                if not (d.get(f"clear_{p}_by") or "").strip():
                    self.add_error(f"clear_{p}_by", pgettext("staff", "Name the physician who gave the clearance."))
                if not d.get(f"clear_{p}_date"):
                    self.add_error(f"clear_{p}_date", pgettext("staff", "Give the date of the clearance."))
        if d.get("pregnancy") != "pregnant" and d.get("pregnancy_weeks") is not None:
            self.add_error("pregnancy_weeks", pgettext("staff", "Weeks of gestation are given: answer 'Pregnant'."))
        return d

    def to_data(self) -> dict:
        d = self.cleaned_data
        none_of = [
            g for g, f in (("red_flags", "none_red_flags"), ("contraindications", "none_contraindications")) if d.get(f)
        ]
        return {
            **d,
            "pregnancy": d.get("pregnancy") or "not_asked",
            "none_of": none_of,
            "medications": d.get("medications", "").splitlines(),
            "region_findings": {r: [w for w in rules.REGION_FINDINGS if d.get(f"rf_{r}_{w}")] for r in rules.REGIONS},
            "new_clearances": [
                {"suspected": p, "by": d[f"clear_{p}_by"].strip(), "date": d[f"clear_{p}_date"].isoformat()}
                for p in CLEARANCE_LABELS
                if d.get(f"clear_{p}") and d.get(f"clear_{p}_date")
            ],
        }


class AcknowledgeForm(forms.Form):
    rules = forms.MultipleChoiceField(choices=[])

    def __init__(self, screening, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["rules"].choices = [(p["rule"], p["text"]) for p in screening.result["precautions"]]


class OverrideForm(forms.Form):
    reason = forms.CharField(
        label=pgettext_lazy("staff", "Reason for needling despite the deferral"),
        min_length=20,
        max_length=1000,
        validators=[no_nul],
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    written_consent = forms.BooleanField(
        label=pgettext_lazy("staff", "The patient has given written consent"), required=True
    )


class InvalidateForm(forms.Form):
    reason = forms.ChoiceField(
        label=pgettext_lazy("staff", "What changed?"),
        choices=[
            ("new medication", "New medication"),
            ("pregnancy", "Pregnancy"),
            ("new symptom", "New symptom"),
            ("other", "Something else"),
        ],
    )
