from django.db import migrations

from dryneedle.lib.guards import guard


class Migration(migrations.Migration):
    dependencies = [("outcomes", "0003_objective_measures")]
    operations = [guard("outcomes_objectivemeasure")]
