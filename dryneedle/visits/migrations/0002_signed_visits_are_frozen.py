"""The database refuses what a signed note must never suffer.

The triggers themselves (visits/triggers.py) refer to both visit tables, and
SQLite cannot rebuild a table that another table's trigger names; so they are
installed after every migrate (lib/guards.install_all, web/apps.py), not here.
tests/test_commands.py checks that they are there.
"""

from django.db import migrations

from dryneedle.lib.guards import guard


class Migration(migrations.Migration):
    dependencies = [("visits", "0001_initial")]
    operations = [guard("visits_visit"), guard("visits_insertion")]
