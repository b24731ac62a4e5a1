"""Personal data (accounts.privacy): the privacy notice a user accepted and when, the account's
anonymisation time, erasure requests, and the marker of anonymised objects of other apps.

Existing users have accepted no version: they are asked to read the notice at their next page.
"""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0003_apitoken_scope_and_expiry'),
    ]

    operations = [
        migrations.AddField(
            model_name='user',
            name='anonymised_at',
            field=models.DateTimeField(blank=True, null=True, verbose_name='anonymised at'),
        ),
        migrations.AddField(
            model_name='user',
            name='privacy_consented_at',
            field=models.DateTimeField(blank=True, null=True, verbose_name='privacy notice accepted at'),
        ),
        migrations.AddField(
            model_name='user',
            name='privacy_notice_version',
            field=models.CharField(blank=True, max_length=20, verbose_name='privacy notice accepted'),
        ),
        migrations.CreateModel(
            name='AnonymisedRecord',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('kind', models.CharField(max_length=64, verbose_name='kind of personal data')),
                ('object_id', models.PositiveBigIntegerField(verbose_name='object ID')),
                ('anonymised_at', models.DateTimeField(default=django.utils.timezone.now, verbose_name='anonymised at')),
                ('reason', models.CharField(max_length=20, verbose_name='reason')),
            ],
            options={
                'verbose_name': 'anonymised record',
                'verbose_name_plural': 'anonymised records',
                'constraints': [models.UniqueConstraint(fields=('kind', 'object_id'), name='accounts_anonymised_record_unique')],
            },
        ),
        migrations.CreateModel(
            name='ErasureRequest',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('reason', models.TextField(blank=True, verbose_name='reason given by the user')),
                ('status', models.CharField(choices=[('pending', 'Pending'), ('approved', 'Approved'), ('refused', 'Refused')], default='pending', max_length=10, verbose_name='status')),
                ('created_at', models.DateTimeField(default=django.utils.timezone.now, verbose_name='requested at')),
                ('decided_at', models.DateTimeField(blank=True, null=True, verbose_name='decided at')),
                ('decision_reason', models.TextField(blank=True, verbose_name='reason for the decision')),
                ('decided_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='decided by')),
                ('user', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='erasure_requests', to=settings.AUTH_USER_MODEL, verbose_name='user')),
            ],
            options={
                'verbose_name': 'erasure request',
                'verbose_name_plural': 'erasure requests',
                'ordering': ['-created_at'],
                'constraints': [models.UniqueConstraint(condition=models.Q(('status', 'pending')), fields=('user',), name='accounts_one_pending_erasure_request'), models.CheckConstraint(condition=models.Q(('status', 'pending'), ('decided_at__isnull', False), _connector='OR'), name='accounts_erasure_decided_has_time')],
            },
        ),
    ]
