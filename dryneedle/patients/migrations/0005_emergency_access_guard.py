from django.db import migrations

from dryneedle.lib.guards import guard


class Migration(migrations.Migration):
    dependencies = [("patients", "0004_emergency_access")]
    operations = [guard("patients_emergencyaccess")]
