from django.db import migrations

from dryneedle.lib.guards import guard


class Migration(migrations.Migration):
    dependencies = [("plans", "0001_initial")]
    operations = [
        guard("plans_careplan"),
        guard("plans_goal"),
        guard("plans_component"),
        guard("plans_assignment"),
        guard("plans_exerciselog"),
        guard("plans_review"),
    ]
