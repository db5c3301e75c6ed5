from django.db import migrations

from dryneedle.lib.guards import guard


class Migration(migrations.Migration):
    dependencies = [("appointments", "0001_initial")]
    operations = [guard("appointments_appointment")]
