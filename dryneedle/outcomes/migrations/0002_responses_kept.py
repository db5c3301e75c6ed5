from django.db import migrations

from dryneedle.lib.guards import guard


class Migration(migrations.Migration):
    dependencies = [("outcomes", "0001_initial")]
    operations = [guard("outcomes_response")]
