"""Deliverable moved to the awards app: it leaves this app's state, its table stays."""


from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('projects', '0003_verbose_names'),
        ('awards', '0001_initial'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.DeleteModel(
                    name='Deliverable',
                ),
            ],
            database_operations=[],
        ),
    ]
