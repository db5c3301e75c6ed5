"""Foreign keys now name accounts.Clinic and accounts.User: state only, the same tables (accounts 0001)."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0001_initial'),
        ('adverse_events', '0003_kept'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    state_operations = [
        migrations.AlterField(
            model_name='adverseevent',
            name='clinic',
            field=models.ForeignKey(editable=False, on_delete=django.db.models.deletion.PROTECT, to='accounts.clinic'),
        ),
        migrations.AlterField(
            model_name='adverseevent',
            name='created_by',
            field=models.ForeignKey(editable=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL),
        ),
        migrations.AlterField(
            model_name='adverseevent',
            name='reviewed_by',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL),
        ),
        migrations.AlterField(
            model_name='adverseevent',
            name='updated_by',
            field=models.ForeignKey(editable=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL),
        ),
    ]

    operations = [migrations.SeparateDatabaseAndState(state_operations=state_operations)]
