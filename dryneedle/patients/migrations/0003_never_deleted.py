from django.db import migrations

from dryneedle.lib.guards import guard


class Migration(migrations.Migration):
    dependencies = [("patients", "0002_initial")]
    operations = [guard("patients_patient"), guard("patients_episode"), guard("patients_patientversion")]
