"""API tokens get a scope and an expiry date.

Tokens made before this could do everything their user can and never expired. They keep read
and write (narrowing them would break the integrations using them) and expire 90 days after the
migration runs, the lifetime of a new token: the callable default is evaluated once for the
rows that exist. New tokens are read-only unless their owner chooses otherwise.
"""

from django.db import migrations, models

import accounts.models

SCOPES = [("read", "Read only"), ("read_write", "Read and write")]


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0002_verbose_names"),
    ]

    operations = [
        migrations.AddField(
            model_name="apitoken",
            name="expires_at",
            field=models.DateTimeField(
                default=accounts.models.default_api_token_expiry, verbose_name="expires at"
            ),
        ),
        migrations.AddField(
            model_name="apitoken",
            name="scope",
            field=models.CharField(
                choices=SCOPES, default="read_write", max_length=10, verbose_name="scope"
            ),
        ),
        migrations.AlterField(
            model_name="apitoken",
            name="scope",
            field=models.CharField(
                choices=SCOPES, default="read", max_length=10, verbose_name="scope"
            ),
        ),
        migrations.AddConstraint(
            model_name="apitoken",
            constraint=models.CheckConstraint(
                condition=models.Q(("scope__in", ["read", "read_write"])),
                name="accounts_apitoken_scope_valid",
            ),
        ),
        migrations.AddConstraint(
            model_name="apitoken",
            constraint=models.CheckConstraint(
                condition=models.Q(("expires_at__gt", models.F("created_at"))),
                name="accounts_apitoken_expires_after_created",
            ),
        ),
    ]
