from django.db import migrations

from dryneedle.lib.guards import guard


class Migration(migrations.Migration):
    dependencies = [("audit", "0001_initial")]
    operations = [guard("audit_auditevent")]
