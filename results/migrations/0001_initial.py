"""The results models move here from the review app: their tables stay as they were (state only),
and their content types follow them."""


import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


MOVED = ('applicationresult', 'reviewertrackstat', 'decision')


def _relabel(apps, old, new):
    # The content types keep their ids, so audit rows, admin log entries and permissions that
    # point at them follow the models into their new app.
    content_type = apps.get_model("contenttypes", "ContentType")
    for model in MOVED:
        if not content_type.objects.filter(app_label=new, model=model).exists():
            content_type.objects.filter(app_label=old, model=model).update(app_label=new)


def move_content_types(apps, schema_editor):
    _relabel(apps, "reviews", "results")


def move_content_types_back(apps, schema_editor):
    _relabel(apps, "results", "reviews")


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('applications', '0002_verbose_names'),
        ('projects', '0003_verbose_names'),
        ('reviews', '0004_verbose_names'),
        ('contenttypes', '0002_remove_content_type_name'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='ApplicationResult',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('reviewer_count', models.PositiveSmallIntegerField(default=0, verbose_name='reviewer count')),
                        ('mean', models.DecimalField(decimal_places=2, max_digits=6, null=True, verbose_name='mean')),
                        ('trimmed_mean', models.DecimalField(decimal_places=2, max_digits=6, null=True, verbose_name='trimmed mean')),
                        ('median', models.DecimalField(decimal_places=2, max_digits=6, null=True, verbose_name='median')),
                        ('normalised', models.DecimalField(decimal_places=2, max_digits=6, null=True, verbose_name='normalised')),
                        ('spread', models.DecimalField(decimal_places=2, max_digits=6, null=True, verbose_name='spread')),
                        ('std_dev', models.DecimalField(decimal_places=2, max_digits=6, null=True, verbose_name='standard deviation')),
                        ('criterion_means', models.JSONField(blank=True, default=dict, verbose_name='criterion means')),
                        ('flags', models.JSONField(blank=True, default=list, verbose_name='flags')),
                        ('official_score', models.DecimalField(decimal_places=2, max_digits=6, null=True, verbose_name='official score')),
                        ('rank', models.PositiveIntegerField(blank=True, null=True, verbose_name='rank')),
                        ('tiebreak', models.JSONField(blank=True, default=dict, verbose_name='tie-break')),
                        ('computed_at', models.DateTimeField(default=django.utils.timezone.now, verbose_name='computed at')),
                        ('application', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name='result', to='applications.application', verbose_name='application')),
                        ('track', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='results', to='projects.track', verbose_name='track')),
                    ],
                    options={
                        'verbose_name': 'aggregated result',
                        'verbose_name_plural': 'aggregated results',
                        'db_table': 'reviews_applicationresult',
                        'ordering': ['track', 'rank'],
                        'indexes': [models.Index(fields=['track', 'rank'], name='reviews_app_track_i_c5a2a8_idx')],
                    },
                ),
                migrations.CreateModel(
                    name='Decision',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('outcome', models.CharField(choices=[('selected', 'Selected'), ('reserve', 'Reserve list'), ('rejected', 'Not selected')], max_length=20, verbose_name='outcome')),
                        ('proposed_outcome', models.CharField(blank=True, choices=[('selected', 'Selected'), ('reserve', 'Reserve list'), ('rejected', 'Not selected')], max_length=20, verbose_name='outcome proposed by the portal')),
                        ('amount', models.PositiveBigIntegerField(blank=True, null=True, verbose_name='amount (KRW)')),
                        ('reserve_rank', models.PositiveSmallIntegerField(blank=True, null=True, verbose_name='reserve rank')),
                        ('reason', models.TextField(blank=True, verbose_name='reason for changing the proposal')),
                        ('committee_summary', models.TextField(blank=True, verbose_name="summary of the committee's comments")),
                        ('confirmed_at', models.DateTimeField(blank=True, null=True, verbose_name='confirmed at')),
                        ('released_at', models.DateTimeField(blank=True, null=True, verbose_name='released at')),
                        ('created_at', models.DateTimeField(default=django.utils.timezone.now, verbose_name='created at')),
                        ('application', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name='decision', to='applications.application', verbose_name='application')),
                        ('confirmed_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='confirmed by')),
                        ('decided_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='decided by')),
                        ('track', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='decisions', to='projects.track', verbose_name='track')),
                    ],
                    options={
                        'verbose_name': 'decision',
                        'verbose_name_plural': 'decisions',
                        'db_table': 'reviews_decision',
                        'ordering': ['track', 'outcome', 'reserve_rank'],
                        'constraints': [models.CheckConstraint(condition=models.Q(models.Q(('outcome', 'selected'), _negated=True), models.Q(('amount__gt', 0), ('amount__isnull', False)), _connector='OR'), name='reviews_selected_decision_has_amount'), models.CheckConstraint(condition=models.Q(('released_at__isnull', True), ('confirmed_at__isnull', False), _connector='OR'), name='reviews_decision_released_after_confirmed'), models.UniqueConstraint(condition=models.Q(('reserve_rank__isnull', False)), fields=('track', 'reserve_rank'), name='reviews_unique_reserve_rank')],
                    },
                ),
                migrations.CreateModel(
                    name='ReviewerTrackStat',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('review_count', models.PositiveIntegerField(default=0, verbose_name='review count')),
                        ('mean_total', models.DecimalField(decimal_places=2, max_digits=6, null=True, verbose_name='mean total')),
                        ('std_total', models.DecimalField(decimal_places=2, max_digits=6, null=True, verbose_name='standard deviation of totals')),
                        ('mean_offset', models.DecimalField(decimal_places=2, help_text="Mean of (own total − panel mean) over the reviewer's applications.", max_digits=6, null=True, verbose_name='mean offset')),
                        ('flagged', models.BooleanField(default=False, verbose_name='flagged')),
                        ('reviewer', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='reviewer')),
                        ('track', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='reviewer_stats', to='projects.track', verbose_name='track')),
                    ],
                    options={
                        'verbose_name': 'reviewer statistics',
                        'verbose_name_plural': 'reviewer statistics',
                        'db_table': 'reviews_reviewertrackstat',
                        'constraints': [models.UniqueConstraint(fields=('track', 'reviewer'), name='reviews_one_stat_per_reviewer')],
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(move_content_types, move_content_types_back),
    ]
