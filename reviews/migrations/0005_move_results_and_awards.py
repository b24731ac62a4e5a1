"""Results and awards became apps of their own: their models leave this app's state, their tables
stay (the new apps own them from results 0001 and awards 0001)."""


from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('reviews', '0004_verbose_names'),
        ('results', '0001_initial'),
        ('awards', '0001_initial'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.RemoveField(
                    model_name='award',
                    name='application',
                ),
                migrations.RemoveField(
                    model_name='award',
                    name='created_by',
                ),
                migrations.RemoveField(
                    model_name='award',
                    name='project',
                ),
                migrations.RemoveField(
                    model_name='decision',
                    name='application',
                ),
                migrations.RemoveField(
                    model_name='decision',
                    name='confirmed_by',
                ),
                migrations.RemoveField(
                    model_name='decision',
                    name='decided_by',
                ),
                migrations.RemoveField(
                    model_name='decision',
                    name='track',
                ),
                migrations.RemoveField(
                    model_name='reviewertrackstat',
                    name='reviewer',
                ),
                migrations.RemoveField(
                    model_name='reviewertrackstat',
                    name='track',
                ),
                migrations.DeleteModel(
                    name='ApplicationResult',
                ),
                migrations.DeleteModel(
                    name='Award',
                ),
                migrations.DeleteModel(
                    name='Decision',
                ),
                migrations.DeleteModel(
                    name='ReviewerTrackStat',
                ),
            ],
            database_operations=[],
        ),
    ]
