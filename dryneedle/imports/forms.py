from django import forms

from dryneedle.imports import columns
from dryneedle.lib.forms import no_nul


class UploadForm(forms.Form):
    file = forms.FileField(label="The CSV file of patients", help_text="Exported from your old system as CSV (UTF-8 "
                           "or Excel's Windows CSV); at most 10 MB and 60,000 rows.")  # fmt: skip


class MappingForm(forms.Form):
    """Which column of the file fills each field; the date format; a name to save the choice under."""

    date_format = forms.ChoiceField(
        label="Dates in the file are written",
        choices=[("", "Choose how the dates are written"), *((k, v[0]) for k, v in columns.DATE_FORMATS.items())],
        error_messages={"required": "Choose how the file writes its dates: 03/04/1980 is 3 April or 4 March."},
    )
    save_as = forms.CharField(label="Save these choices as", required=False, max_length=100, validators=[no_nul],
                              help_text="A name, e.g. “Jane patient list”: offered again for the next file with these "
                              "columns.")  # fmt: skip

    def __init__(self, headers: list[str], *args, **kwargs):
        super().__init__(*args, **kwargs)
        choices = [("", "— not in the file —"), *((h, h) for h in headers)]
        for f in columns.PATIENT_FIELDS:
            self.fields[f"col_{f.name}"] = forms.ChoiceField(
                label=f.label, choices=choices, required=f.required,
                error_messages={"required": f"Choose the column that holds the {f.label.lower()}: every patient "
                                            "needs one."},
            )  # fmt: skip
        self.order_fields(["date_format", *(f"col_{f.name}" for f in columns.PATIENT_FIELDS), "save_as"])

    def clean(self):
        data = super().clean()
        used: dict[str, str] = {}
        for f in columns.PATIENT_FIELDS:
            header = data.get(f"col_{f.name}")
            if header and header in used:
                self.add_error(f"col_{f.name}", f"“{header}” already fills {used[header]}: a column fills one field.")
            elif header:
                used[header] = f.label.lower()
        return data

    def chosen(self) -> dict[str, str]:
        return {f.name: h for f in columns.PATIENT_FIELDS if (h := self.cleaned_data.get(f"col_{f.name}"))}

    def mapping_fields(self):
        return [self[f"col_{f.name}"] for f in columns.PATIENT_FIELDS]
