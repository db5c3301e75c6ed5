from django import forms

# Questions a patient can answer before the visit, in plain words. The clinician
# reviews them in the screening form; the decision is computed only there.
# Cauda equina wording follows the patient cards by Greenhalgh, Mercer and
# Finucane (secondary source) — docs/clinical-sources.md §5.2.
QUESTIONS = (
    (
        "Warning signs — please answer these first",
        (
            (
                "saddle_anaesthesia",
                "Numbness or pins and needles between your inner thighs, around your genitals or back passage",
            ),
            ("bladder_dysfunction", "New difficulty passing urine, or leaking urine"),
            ("bowel_incontinence", "Being unable to control your bowels"),
            ("sexual_dysfunction_new", "New loss of feeling in your genitals, or a change in erections or ejaculation"),
            ("bilateral_leg_neuro_symptoms", "Numbness, tingling or weakness in both legs"),
            ("progressive_neuro_deficit", "Weakness in your legs that is getting worse"),
            ("gait_disturbance", "New difficulty walking"),
        ),
    ),
    (
        "Your health",
        (
            ("history_of_cancer", "You have had cancer"),
            ("new_onset_under_20_or_over_50", "This back pain began before you were 20 or after you were 50"),
            ("unexplained_weight_loss", "You have lost weight without trying"),
            ("night_pain_unrelenting", "Pain at night that does not ease whatever position you lie in"),
            ("thoracic_pain", "Pain in the middle of your back, between or below the shoulder blades"),
            ("pain_at_multiple_sites", "Pain in several parts of your body at once"),
            ("fever", "Fever, chills or shivering fits recently"),
            ("systemically_unwell", "Feeling generally unwell"),
            ("recent_bacterial_infection", "A recent infection treated with antibiotics"),
            ("iv_drug_use", "Injecting drugs"),
            ("penetrating_wound", "A recent wound near your spine that went through the skin"),
            ("immunocompromised", "Medicines or an illness that weaken your immune system"),
            ("major_trauma", "A serious accident or fall recently"),
            ("minor_trauma", "A minor fall or strain recently"),
            ("osteoporosis", "Osteoporosis (thin bones)"),
            ("long_term_corticosteroids", "Taking steroid tablets (such as prednisolone) for months"),
            ("recent_spinal_surgery", "An operation on your spine, or an injection into your spine, recently"),
        ),
    ),
    (
        "Needles and other conditions",
        (
            ("needle_phobia", "A strong fear of needles"),
            ("vasovagal_history", "Fainting with needles or blood"),
            ("severe_bleeding_disorder", "Haemophilia or another bleeding disorder"),
            ("epilepsy", "Epilepsy"),
            ("uncontrolled_epilepsy", "Seizures in the last year"),
            ("diabetes", "Diabetes"),
            ("diabetic_peripheral_neuropathy", "Diabetes with numbness in your feet, legs or hands"),
            ("mechanical_heart_valve", "A mechanical heart valve"),
            ("implanted_electrical_device", "A pacemaker or another implanted electrical device"),
            ("metal_allergy", "An allergy to nickel or other metals"),
            ("prior_pneumothorax", "A collapsed lung (pneumothorax) in the past"),
            ("copd_or_emphysema", "COPD or emphysema"),
            ("lymph_node_clearance", "Lymph nodes removed, for example during cancer surgery"),
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
        label="Are you pregnant?", choices=[("no", "No"), ("yes", "Yes"), ("unsure", "Not sure")], initial="no"
    )
    pregnancy_weeks = forms.IntegerField(
        label="If yes, how many weeks?", required=False, min_value=0, max_value=45, help_text="Leave empty if unsure."
    )
    medications = forms.CharField(
        label="Medicines you take (one per line)",
        required=False,
        max_length=3000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )

    def clean_medications(self):
        value = self.cleaned_data["medications"]
        if "\x00" in value:
            raise forms.ValidationError("Remove the unusual characters.")
        return value

    def grouped(self):
        by_code = {w.data["value"]: w for w in self["findings"]}
        return [(title, [by_code[c] for c, _t in items]) for title, items in QUESTIONS]
