from django import forms
from django.utils.translation import gettext_lazy as _

from dryneedle.lib.forms import no_nul


class EmailForm(forms.Form):
    email = forms.EmailField(label=_("Your email address"), max_length=254, validators=[no_nul])


class CodeForm(forms.Form):
    code = forms.CharField(label=_("The 6-digit code from the email"), max_length=12, validators=[no_nul])


class NewPatientForm(forms.Form):
    """Someone the clinic does not know yet, booking a first visit (mine/newcomer.py): what the front desk would
    take on the phone. The address is proved by a code before anything is kept."""

    SEXES = (
        ("female", _("Female")),
        ("male", _("Male")),
        ("other", _("Other")),
        ("unknown", _("I would rather not say")),
    )

    given_name = forms.CharField(label=_("First name"), max_length=100, validators=[no_nul])
    family_name = forms.CharField(label=_("Last name"), max_length=100, validators=[no_nul])
    birth_date = forms.DateField(label=_("Date of birth"), widget=forms.DateInput(attrs={"type": "date"}))
    sex = forms.ChoiceField(label=_("Sex"), choices=SEXES)
    email = forms.EmailField(label=_("Your email address"), max_length=254, validators=[no_nul])
    phone = forms.CharField(label=_("Phone number"), max_length=40, required=False, validators=[no_nul])

    def clean_birth_date(self):
        from django.utils import timezone

        d = self.cleaned_data["birth_date"]
        if d >= timezone.localdate() or d.year < 1900:
            raise forms.ValidationError(_("Enter your real date of birth."))
        return d
