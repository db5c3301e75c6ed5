from django.db import migrations

from dryneedle.lib.guards import guard


class Migration(migrations.Migration):
    dependencies = [("adverse_events", "0002_initial")]
    operations = [guard("adverse_events_adverseevent")]
