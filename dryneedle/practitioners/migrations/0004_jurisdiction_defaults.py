from dataclasses import asdict

from django.db import migrations


def load(apps, schema_editor):
    """The cited starting profiles (practitioners/jurisdictions.py); a superuser keeps them current."""
    from dryneedle.practitioners.jurisdictions import DEFAULTS

    Rule = apps.get_model("practitioners", "JurisdictionRule")
    for p in DEFAULTS:
        Rule.objects.update_or_create(
            jurisdiction=p.jurisdiction, profession=p.profession,
            defaults={k: v for k, v in asdict(p).items() if k not in ("jurisdiction", "profession")},
        )  # fmt: skip


class Migration(migrations.Migration):
    dependencies = [("practitioners", "0003_credential_certificate_credential_certificate_name_and_more")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
