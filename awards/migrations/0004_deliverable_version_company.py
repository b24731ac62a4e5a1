"""Each deliverable version names the company it was sent for. Versions already stored were
all sent by their project's present contractor (a contractor could not leave a project before
this release), so they are given that company."""

import django.db.models.deletion
from django.db import migrations, models
from django.db.models import OuterRef, Subquery


def name_the_senders(apps, schema_editor):
    Deliverable = apps.get_model("awards", "Deliverable")
    DeliverableVersion = apps.get_model("awards", "DeliverableVersion")
    DeliverableVersion.objects.filter(organization__isnull=True).update(
        organization=Subquery(
            Deliverable.objects.filter(pk=OuterRef("deliverable_id")).values(
                "project__contractor_id"
            )[:1]
        )
    )


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0005_user_name_ko"),
        ("awards", "0003_agreement_termination"),
    ]

    operations = [
        migrations.AddField(
            model_name="deliverableversion",
            name="organization",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="accounts.organization",
                verbose_name="company",
            ),
        ),
        migrations.RunPython(name_the_senders, migrations.RunPython.noop),
    ]
