from django.db import migrations

from dryneedle.lib.guards import guard


class Migration(migrations.Migration):
    dependencies = [("visits", "0009_trigger_points")]
    operations = [guard("visits_triggerpoint"), guard("visits_triggerpointexam")]
