from django.db import migrations

from dryneedle.lib.guards import guard


class Migration(migrations.Migration):
    dependencies = [("visits", "0006_needle_incidents")]
    operations = [guard("visits_needleincident")]
