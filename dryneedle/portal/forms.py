from django import forms
from django.utils.translation import gettext_lazy as _

from dryneedle.lib.forms import no_nul

# Questions a patient can answer before the visit, in plain words. The clinician
# reviews them in the screening form; the decision is computed only there.
# Cauda equina wording follows the patient cards by Greenhalgh, Mercer and
# Finucane (secondary source) — docs/clinical-sources.md §5.2.
QUESTIONS = (
    (
        _("Warning signs — please answer these first"),
        (
            (
                "saddle_anaesthesia",
                _("Numbness or pins and needles between your inner thighs, around your genitals or back passage"),
            ),
            ("bladder_dysfunction", _("New difficulty passing urine, or leaking urine")),
            ("bowel_incontinence", _("Being unable to control your bowels")),
            (
                "sexual_dysfunction_new",
                _("New loss of feeling in your genitals, or a change in erections or ejaculation"),
            ),
            ("bilateral_leg_neuro_symptoms", _("Numbness, tingling or weakness in both legs")),
            ("progressive_neuro_deficit", _("Weakness in your legs that is getting worse")),
            ("gait_disturbance", _("New difficulty walking")),
        ),
    ),
    (
        _("Your health"),
        (
            ("history_of_cancer", _("You have had cancer")),
            ("new_onset_under_20_or_over_50", _("This back pain began before you were 20 or after you were 50")),
            ("unexplained_weight_loss", _("You have lost weight without trying")),
            ("night_pain_unrelenting", _("Pain at night that does not ease whatever position you lie in")),
            ("thoracic_pain", _("Pain in the middle of your back, between or below the shoulder blades")),
            ("pain_at_multiple_sites", _("Pain in several parts of your body at once")),
            ("fever", _("Fever, chills or shivering fits recently")),
            ("systemically_unwell", _("Feeling generally unwell")),
            ("recent_bacterial_infection", _("A recent infection treated with antibiotics")),
            ("iv_drug_use", _("Injecting drugs")),
            ("penetrating_wound", _("A recent wound near your spine that went through the skin")),
            ("immunocompromised", _("Medicines or an illness that weaken your immune system")),
            ("major_trauma", _("A serious accident or fall recently")),
            ("minor_trauma", _("A minor fall or strain recently")),
            ("osteoporosis", _("Osteoporosis (thin bones)")),
            ("long_term_corticosteroids", _("Taking steroid tablets (such as prednisolone) for months")),
            ("recent_spinal_surgery", _("An operation on your spine, or an injection into your spine, recently")),
        ),
    ),
    (
        _("Needles and other conditions"),
        (
            ("needle_phobia", _("A strong fear of needles")),
            ("vasovagal_history", _("Fainting with needles or blood")),
            ("severe_bleeding_disorder", _("Haemophilia or another bleeding disorder")),
            ("epilepsy", _("Epilepsy")),
            ("uncontrolled_epilepsy", _("Seizures in the last year")),
            ("diabetes", _("Diabetes")),
            ("diabetic_peripheral_neuropathy", _("Diabetes with numbness in your feet, legs or hands")),
            ("mechanical_heart_valve", _("A mechanical heart valve")),
            ("implanted_electrical_device", _("A pacemaker or another implanted electrical device")),
            ("metal_allergy", _("An allergy to nickel or other metals")),
            ("prior_pneumothorax", _("A collapsed lung (pneumothorax) in the past")),
            ("copd_or_emphysema", _("COPD or emphysema")),
            ("lymph_node_clearance", _("Lymph nodes removed, for example during cancer surgery")),
        ),
    ),
)
CODES = [code for _title, items in QUESTIONS for code, _text in items]


class PrefillForm(forms.Form):
    findings = forms.MultipleChoiceField(
        required=False,
        choices=[(c, t) for _g, items in QUESTIONS for c, t in items],
        widget=forms.CheckboxSelectMultiple,
    )
    pregnant = forms.ChoiceField(
        label=_("Are you pregnant?"),
        choices=[("no", _("No")), ("yes", _("Yes")), ("unsure", _("Not sure"))],
        initial="no",
    )
    pregnancy_weeks = forms.IntegerField(
        label=_("If yes, how many weeks?"),
        required=False,
        min_value=0,
        max_value=45,
        help_text=_("Leave empty if unsure."),
    )
    medications = forms.CharField(
        label=_("Medicines you take (one per line)"),
        required=False,
        max_length=3000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )

    def clean_medications(self):
        value = self.cleaned_data["medications"]
        if "\x00" in value:
            raise forms.ValidationError(_("Remove the unusual characters."))
        return value

    def grouped(self):
        by_code = {w.data["value"]: w for w in self["findings"]}
        return [(title, [by_code[c] for c, _t in items]) for title, items in QUESTIONS]


def _text(label, n: int, rows: int = 0, required: bool = False, help_text=""):
    widget = forms.Textarea(attrs={"rows": rows}) if rows else None
    return forms.CharField(label=label, max_length=n, required=required, validators=[no_nul], widget=widget,
                           help_text=help_text)  # fmt: skip


class IntakeForm(PrefillForm):
    """The questions before a visit booked online (portal.Intake): the pre-fill's warning signs, conditions,
    pregnancy and medicines every time; before a first visit also their back pain, health history and the details
    the front desk would ask on the phone; after a break, what changed."""

    STARTED = (
        ("", _("Choose")),
        ("under_6_weeks", _("Less than 6 weeks ago")),
        ("6_to_12_weeks", _("6 to 12 weeks ago")),
        ("over_12_weeks", _("More than 12 weeks ago")),
        ("comes_and_goes", _("It comes and goes over years")),
    )
    # The first visit's questions: what the clinician would otherwise ask at the start of the screening.
    FIRST = ("reason", "started", "treatments", "history", "address", "emergency_contact_name",
             "emergency_contact_phone")  # fmt: skip

    reason = _text(_("Where is your pain, and what brings you to the clinic?"), 2000, rows=3, required=True)
    started = forms.ChoiceField(label=_("When did this back pain start?"), choices=STARTED)
    treatments = _text(_("What have you tried for it so far?"), 2000, rows=2)
    history = _text(_("Other health conditions, operations or injuries"), 3000, rows=3)
    address = _text(_("Your address"), 300)
    emergency_contact_name = _text(_("Someone to call in an emergency: their name"), 200)
    emergency_contact_phone = _text(_("Their phone number"), 40)
    changed = _text(_("What has changed since your last visit?"), 2000, rows=3, required=True,
                    help_text=_("Your pain, your health, new medicines, a fall or an operation. Write "
                                "“nothing” if nothing has."))  # fmt: skip

    def __init__(self, *args, kind: str = "first", **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("changed",) if kind == "first" else self.FIRST:
            del self.fields[name]

    def answers(self) -> dict:
        """What is kept (portal.Intake.answers): the pre-fill's keys, as a screening link keeps them, and the rest."""
        d = self.cleaned_data
        return {
            "findings": d["findings"],
            "pregnant": d["pregnant"],
            "pregnancy_weeks": d["pregnancy_weeks"] if d["pregnant"] == "yes" else None,
            "medications": [m.strip() for m in d["medications"].splitlines() if m.strip()],
        } | {name: d[name].strip() for name in (*self.FIRST, "changed") if name in d}
