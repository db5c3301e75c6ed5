from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from dryneedle.lib.forms import no_nul
from dryneedle.messaging.models import BODY_MAX


class MessageForm(forms.Form):
    body = forms.CharField(label=_("Write a message"), max_length=BODY_MAX, widget=forms.Textarea(attrs={"rows": 5}),
                           validators=[no_nul])  # fmt: skip


class ReplyTimeForm(forms.Form):
    # No default: how soon a clinic answers is its own promise to make (issue 19).
    hours = forms.IntegerField(
        label=pgettext_lazy("staff", "We reply within (working hours)"), min_value=1, max_value=168, required=False
    )
