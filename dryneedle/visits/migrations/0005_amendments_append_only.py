from django.db import migrations

from dryneedle.lib.guards import guard


class Migration(migrations.Migration):
    dependencies = [("visits", "0004_amendments")]
    operations = [guard("visits_amendment")]
