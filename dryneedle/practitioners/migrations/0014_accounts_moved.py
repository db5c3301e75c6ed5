"""The moved models leave practitioners' state; their content types follow them to accounts.

No table changes (accounts/migrations/0001_initial.py).
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


MOVED = ["clinic", "user", "membership", "apitoken", "loginthrottle"]


def rename_content_types(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    for model in MOVED:
        if not ContentType.objects.filter(app_label="accounts", model=model).exists():
            ContentType.objects.filter(app_label="practitioners", model=model).update(app_label="accounts")


class Migration(migrations.Migration):

    dependencies = [
        ('contenttypes', '0002_remove_content_type_name'),
        ('accounts', '0001_initial'),
        ('adverse_events', '0004_clinic_and_user_in_accounts'),
        ('aftercare', '0003_clinic_and_user_in_accounts'),
        ('appointments', '0003_clinic_and_user_in_accounts'),
        ('directory', '0004_clinic_and_user_in_accounts'),
        ('outcomes', '0005_clinic_and_user_in_accounts'),
        ('patients', '0007_clinic_and_user_in_accounts'),
        ('plans', '0003_clinic_and_user_in_accounts'),
        ('portal', '0007_clinic_and_user_in_accounts'),
        ('practitioners', '0013_clinic_emergency_access_per_hour'),
        ('screening', '0004_clinic_and_user_in_accounts'),
        ('visits', '0013_clinic_and_user_in_accounts'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    state_operations = [
        migrations.RemoveField(
            model_name='apitoken',
            name='membership',
        ),
        migrations.AlterField(
            model_name='credentialverification',
            name='clinic',
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='credential_verifications', to='accounts.clinic'),
        ),
        migrations.RemoveField(
            model_name='membership',
            name='clinic',
        ),
        migrations.AlterField(
            model_name='localruleattestation',
            name='clinic',
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='rule_attestations', to='accounts.clinic'),
        ),
        migrations.DeleteModel(
            name='LoginThrottle',
        ),
        migrations.RemoveField(
            model_name='membership',
            name='user',
        ),
        migrations.RemoveField(
            model_name='user',
            name='groups',
        ),
        migrations.RemoveField(
            model_name='user',
            name='user_permissions',
        ),
        migrations.AlterField(
            model_name='credential',
            name='user',
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='credentials', to=settings.AUTH_USER_MODEL),
        ),
        migrations.AlterField(
            model_name='credentialverification',
            name='verified_by',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL),
        ),
        migrations.AlterField(
            model_name='localruleattestation',
            name='recorded_by',
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL),
        ),
        migrations.AlterField(
            model_name='jurisdictionrule',
            name='updated_by',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL),
        ),
        migrations.DeleteModel(
            name='ApiToken',
        ),
        migrations.DeleteModel(
            name='Clinic',
        ),
        migrations.DeleteModel(
            name='Membership',
        ),
        migrations.DeleteModel(
            name='User',
        ),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(state_operations=state_operations),
        migrations.RunPython(rename_content_types, migrations.RunPython.noop),
    ]
