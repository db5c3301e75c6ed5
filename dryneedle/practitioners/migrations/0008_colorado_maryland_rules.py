from django.db import migrations


def update(apps, schema_editor):
    """Colorado: the stricter of the reference's two versions; Maryland: Board approval is an authorization
    (safety review, docs/clinical-sources.md §9, §14). Rows a superuser has edited are left as they are."""
    from dryneedle.practitioners.jurisdictions import BY_KEY

    Rule = apps.get_model("practitioners", "JurisdictionRule")
    for key in (("US-CO", "physiotherapist"), ("US-MD", "physiotherapist")):
        p = BY_KEY[key]
        Rule.objects.filter(jurisdiction=key[0], profession=key[1], updated_by__isnull=True).update(
            min_hours_in_person=p.min_hours_in_person,
            min_hours_total=p.min_hours_total,
            extra_authorization=p.extra_authorization,
            note=p.note,
        )


class Migration(migrations.Migration):
    dependencies = [("practitioners", "0007_local_rule_attestation")]
    operations = [migrations.RunPython(update, migrations.RunPython.noop)]
