from django import forms
from django.utils.text import format_lazy
from django.utils.translation import pgettext, pgettext_lazy

from dryneedle.appointments.models import Appointment
from dryneedle.imports import columns
from dryneedle.imports.models import ImportFile
from dryneedle.lib.forms import no_nul


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one field (Django's documented recipe): a FHIR bulk export is a file per type."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        one = super().clean
        return [one(d, initial) for d in data] if isinstance(data, list | tuple) else [one(data, initial)]


class UploadForm(forms.Form):
    kind = forms.ChoiceField(
        label=pgettext_lazy("staff", "What the file holds"),
        choices=ImportFile.Kind.choices,
        initial="patients",
        widget=forms.RadioSelect,
    )
    file = MultipleFileField(
        label=pgettext_lazy("staff", "The file"),
        help_text=pgettext_lazy(
            "staff",
            "CSV exported from your old system (UTF-8 or Excel's Windows CSV; at most 10 MB and 60,000 rows), or "
            "FHIR R4 JSON: a Bundle, or NDJSON files such as a bulk export's, several at once (at most 4,000 "
            "resources to import; larger: the import_fhir command).",
        ),
    )

    def clean(self):
        data = super().clean()
        files = data.get("file") or []
        if data.get("kind") in ("patients", "appointments") and len(files) > 1:
            self.add_error("file", pgettext("staff", "One CSV file at a time."))
        return data


class MappingForm(forms.Form):
    """Which column of the file fills each field; the date format; a name to save the choice under."""

    date_format = forms.ChoiceField(
        label=pgettext_lazy("staff", "Dates in the file are written"),
        choices=[("", "Choose how the dates are written"), *((k, v[0]) for k, v in columns.DATE_FORMATS.items())],
        error_messages={
            "required": pgettext_lazy(
                "staff", "Choose how the file writes its dates: 03/04/1980 is 3 April or 4 March."
            )
        },
    )
    save_as = forms.CharField(
        label=pgettext_lazy("staff", "Save these choices as"),
        required=False,
        max_length=100,
        validators=[no_nul],
        help_text=pgettext_lazy(
            "staff", "A name, e.g. “Jane patient list”: offered again for the next file with these columns."
        ),
    )

    def __init__(self, kind: str, headers: list[str], *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.kind, self.wanted = kind, columns.FIELDS[kind]
        choices = [("", "— not in the file —"), *((h, h) for h in headers)]
        if kind == "appointments":
            self.fields["default_kind"] = forms.ChoiceField(
                label=pgettext_lazy("staff", "Type, for rows without one"), required=False,
                choices=[("", "— every row has its type —"), *Appointment.KINDS])  # fmt: skip
            self.fields["default_minutes"] = forms.IntegerField(
                label=pgettext_lazy("staff", "Length in minutes, for rows without one"),
                required=False,
                min_value=5,
                max_value=480,
            )
        for f in self.wanted:
            self.fields[f"col_{f.name}"] = forms.ChoiceField(
                label=f.label, choices=choices, required=f.required,
                error_messages={"required": pgettext("staff", "Choose the column that holds the %(field)s: every "
                                                     "patient needs one.") % {"field": f.label.lower()}},
            )  # fmt: skip
        self.order_fields(["date_format", *(f"col_{f.name}" for f in self.wanted), "default_kind", "default_minutes",
                           "save_as"])  # fmt: skip

    def clean(self):
        data = super().clean()
        used: dict[str, str] = {}
        for f in self.wanted:
            header = data.get(f"col_{f.name}")
            if header and header in used:
                self.add_error(
                    f"col_{f.name}",
                    pgettext("staff", "“%(header)s” already fills %(field)s: a column fills one field.")
                    % {"header": header, "field": used[header]},
                )
            elif header:
                used[header] = f.label.lower()
        if self.kind == "appointments":
            if not data.get("col_kind") and not data.get("default_kind"):
                self.add_error(
                    "default_kind",
                    pgettext("staff", "Choose the type for rows without one, or the column that has it."),
                )
            if not (data.get("col_end") or data.get("col_minutes") or data.get("default_minutes")):
                self.add_error(
                    "default_minutes",
                    pgettext("staff", "Give a length for every row, or choose the end or length column."),
                )
        return data

    def defaults(self) -> dict:
        return {"kind": self.cleaned_data.get("default_kind") or None,
                "minutes": self.cleaned_data.get("default_minutes")}  # fmt: skip

    def chosen(self) -> dict[str, str]:
        return {f.name: h for f in self.wanted if (h := self.cleaned_data.get(f"col_{f.name}"))}

    def mapping_fields(self):
        return [self[f"col_{f.name}"] for f in self.wanted]

    def default_fields(self):
        return [self[n] for n in ("default_kind", "default_minutes") if n in self.fields]


class FhirForm(forms.Form):
    default_kind = forms.ChoiceField(
        label=pgettext_lazy("staff", "Type, for appointments whose type is none of ours"), required=False,
        choices=[("", "— refuse them —"), *Appointment.KINDS],
        help_text=format_lazy(pgettext_lazy("staff", "Our types: {types}."),
                              types=", ".join(str(label) for _k, label in Appointment.KINDS)))  # fmt: skip
