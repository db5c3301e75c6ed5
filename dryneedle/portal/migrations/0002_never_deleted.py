from django.db import migrations

from dryneedle.lib.guards import guard


class Migration(migrations.Migration):
    dependencies = [("portal", "0001_initial")]
    operations = [guard("portal_patientlink")]
