import json

from django import forms
from django.conf import settings
from django.utils.translation import pgettext, pgettext_lazy

from dryneedle.lib.forms import no_nul
from dryneedle.outcomes import packs
from dryneedle.outcomes.models import PPT_UNITS, ROM_UNITS, ObjectiveMeasure, OutcomeSettings

# Plausible ranges to catch typing slips, not clinical norms (PPT norms vary by device and site, §6.6).
LIMITS = {"deg": 180, "cm": 100, "kg/cm2": 20, "kPa": 2000, "N/cm2": 200}


class ObjectiveForm(forms.Form):
    kind = forms.ChoiceField(label=pgettext_lazy("staff", "Measure"), choices=ObjectiveMeasure.Kind.choices)
    trials = forms.CharField(
        label=pgettext_lazy("staff", "Readings"),
        max_length=100,
        help_text=pgettext_lazy("staff", "One to five readings, separated by commas; the mean is kept"),
    )
    unit = forms.ChoiceField(choices=ObjectiveMeasure.Unit.choices)
    method = forms.CharField(
        max_length=120, validators=[no_nul], help_text=pgettext_lazy("staff", "e.g. dual inclinometer, algometer model")
    )
    site = forms.CharField(
        required=False, max_length=120, validators=[no_nul], help_text=pgettext_lazy("staff", "Needed for PPT")
    )

    def clean(self):
        d = super().clean()
        kind, unit, raw = d.get("kind"), d.get("unit"), d.get("trials", "")
        if kind and unit:
            if kind == "ppt" and unit not in PPT_UNITS:
                self.add_error("unit", pgettext("staff", "A pressure pain threshold is in kg/cm², kPa or N/cm²."))
            elif kind != "ppt" and unit not in ROM_UNITS:
                self.add_error("unit", pgettext("staff", "Range of motion is in degrees or cm."))
            if kind == "ppt" and not (d.get("site") or "").strip():
                self.add_error(
                    "site",
                    pgettext("staff", "Say where the threshold was measured: readings compare only at one site."),
                )
        try:
            values = [float(x) for x in raw.replace(";", ",").split(",") if x.strip()]
        except ValueError:
            self.add_error("trials", pgettext("staff", "Readings are numbers separated by commas."))
            return d
        if not 1 <= len(values) <= 5:
            self.add_error("trials", pgettext("staff", "Give one to five readings."))
        elif unit in LIMITS and any(not 0 <= v <= LIMITS[unit] for v in values):
            self.add_error(
                "trials",
                pgettext("staff", "Each reading must be between 0 and %(limit)s %(unit)s.")
                % {"limit": LIMITS[unit], "unit": unit},
            )
        d["values"] = values
        return d


class ThresholdForm(forms.Form):
    measure = forms.ChoiceField(choices=[("nprs", "NPRS"), ("odi", "ODI"), ("rmdq", "RMDQ"), ("psfs", "PSFS")])
    points = forms.DecimalField(required=False, min_value=0.1, max_value=100, decimal_places=2)
    source = forms.CharField(required=False, max_length=300, validators=[no_nul])

    def clean(self):
        d = super().clean()
        if d.get("points") is not None and len((d.get("source") or "").strip()) < 5:
            self.add_error("source", pgettext("staff", "Say where the clinic's threshold comes from."))
        return d


class SettingsForm(forms.ModelForm):
    class Meta:
        model = OutcomeSettings
        fields = ["disability", "reminder_days", "publish_outcomes"]
        labels = {
            "disability": pgettext_lazy("staff", "Disability measure"),
            "reminder_days": pgettext_lazy("staff", "Days before the one reminder"),
            "publish_outcomes": pgettext_lazy("staff", "Show each practitioner's pain outcome in the public directory"),
        }
        help_texts = {
            "disability": pgettext_lazy(
                "staff",
                "One, not both: the low-back-pain core outcome set asks for one. Changing it changes what the next "
                "questionnaires ask; answers already given keep their instrument.",
            ),
            "reminder_days": pgettext_lazy(
                "staff", "1 to 7 days after sending (our operational choice, not a clinical rule)."
            ),
            "publish_outcomes": pgettext_lazy(
                "staff",
                "Only with 20 or more episodes behind a practitioner; shown beside, never mixed with, the reviews.",
            ),
        }


class TextPackForm(forms.Form):
    """The clinic's wording of the questionnaires in one language, as a JSON file (outcomes/packs.py)."""

    MAX_BYTES = 2 * 1024 * 1024  # a whole pack of the five instruments is a few tens of KB

    language = forms.ChoiceField(
        label=pgettext_lazy("staff", "Language"),
        choices=lambda: [(code, packs.name(code)) for code, _ in settings.LANGUAGES],  # "Spanish" on a staff page
    )
    file = forms.FileField(
        label=pgettext_lazy("staff", "The wording, as a JSON file"),
        help_text=pgettext_lazy(
            "staff",
            "English: the ODI's licensed statements and the RMDQ's items. Spanish or French: every screen of each "
            "instrument it words (docs/translations.md shows the layout). At most 2 MB.",
        ),
    )
    source = forms.CharField(
        label=pgettext_lazy("staff", "Where the wording comes from"),
        max_length=300,
        validators=[no_nul],
        help_text=pgettext_lazy("staff", "The licence or permission, and the edition, as written on them."),
    )
    validated = forms.BooleanField(
        label=pgettext_lazy(
            "staff",
            "This is the instrument's own wording or a validated translation the clinic may use, not a translation "
            "of our own or a machine's",
        ),
        error_messages={
            "required": pgettext_lazy(
                "staff", "Only a licensed or validated wording is loaded: tick the box to say this is one."
            )
        },
    )

    def clean_file(self):
        f = self.cleaned_data["file"]
        if f.size > self.MAX_BYTES:
            raise forms.ValidationError(
                pgettext("staff", "The file is %(size)s KB; at most %(limit)s KB.")
                % {"size": f.size // 1024, "limit": self.MAX_BYTES // 1024}
            )
        try:
            return json.loads(f.read().decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as e:  # nested past Python's limit too
            raise forms.ValidationError(
                pgettext("staff", "The file is not JSON in UTF-8 (%(error)s).") % {"error": e}
            ) from None
