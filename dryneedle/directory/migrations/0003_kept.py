from django.db import migrations

from dryneedle.lib.guards import guard


class Migration(migrations.Migration):
    dependencies = [("directory", "0002_patientreview")]
    operations = [guard("directory_patientreview")]
