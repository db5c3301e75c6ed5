import zoneinfo

from django.db import migrations, models


def fill_collected_on(apps, schema_editor):
    """Each response's day on its clinic's calendar (as Response.save computes it from now on)."""
    Response = apps.get_model("outcomes", "Response")
    Clinic = apps.get_model("accounts", "Clinic")
    # Only the columns this migration needs: later migrations add others to the same table.
    for clinic_id, tz in Clinic.objects.values_list("id", "timezone"):
        try:
            zone = zoneinfo.ZoneInfo(tz)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            zone = zoneinfo.ZoneInfo("UTC")
        rows = Response.objects.filter(clinic_id=clinic_id, collected_on__isnull=True).only("id", "collected")
        batch = []
        for r in rows.iterator(chunk_size=2000):
            r.collected_on = r.collected.astimezone(zone).date()
            batch.append(r)
            if len(batch) == 2000:
                Response.objects.bulk_update(batch, ["collected_on"])
                batch = []
        Response.objects.bulk_update(batch, ["collected_on"])


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
        ("outcomes", "0007_follow_ups"),
    ]

    operations = [
        migrations.RunPython(fill_collected_on, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="response",
            name="collected_on",
            field=models.DateField(editable=False),
        ),
    ]
