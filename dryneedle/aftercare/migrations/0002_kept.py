from django.db import migrations

from dryneedle.lib.guards import guard


class Migration(migrations.Migration):
    dependencies = [("aftercare", "0001_initial")]
    operations = [guard("aftercare_checkin")]
