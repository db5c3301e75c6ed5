from django.db import migrations

from dryneedle.lib.guards import guard


class Migration(migrations.Migration):
    dependencies = [("screening", "0001_initial")]
    operations = [guard("screening_screening")]
