"""The models come here from the apps they began in. State only: their tables (db_table), rows and labels stay as they are."""

import confidentiality.crypto
import django.db.models.deletion
import django.utils.timezone
import uuid
from django.conf import settings
from django.db import migrations, models

from confidentiality.migration_helpers import follow_content_types


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('consent', '0005_disclosures_move_to_their_app'),
        ('engagements', '0005_reports_and_feedback_move_to_their_apps'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
        ('contenttypes', '0002_remove_content_type_name'),
    ]


    operations = [
        # Their content types (and the permissions and admin history that point at them) follow.
        migrations.RunPython(follow_content_types([('engagements', 'sponsorreport'), ('engagements', 'reportversion'), ('engagements', 'reportsection'), ('engagements', 'reportcomment')], "reports"), migrations.RunPython.noop),
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='ReportVersion',
                    fields=[
                        ('id', models.UUIDField(default=uuid.uuid4, editable=False, primary_key=True, serialize=False)),
                        ('number', models.PositiveIntegerField()),
                        ('created_at', models.DateTimeField(default=django.utils.timezone.now)),
                        ('submitted_at', models.DateTimeField(blank=True, null=True)),
                        ('created_by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('engagement', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='engagements.engagement')),
                    ],
                    options={
                        'db_table': 'engagements_reportversion',
                        'ordering': ['number'],
                    },
                ),
                migrations.CreateModel(
                    name='ReportSection',
                    fields=[
                        ('id', models.UUIDField(default=uuid.uuid4, editable=False, primary_key=True, serialize=False)),
                        ('body', confidentiality.crypto.EncryptedTextField(key_from='engagement')),
                        ('category', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='consent.informationcategory')),
                        ('engagement', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='engagements.engagement')),
                        ('version', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='sections', to='reports.reportversion')),
                    ],
                    options={
                        'db_table': 'engagements_reportsection',
                        'ordering': ['category__position'],
                    },
                ),
                migrations.CreateModel(
                    name='ReportComment',
                    fields=[
                        ('id', models.UUIDField(default=uuid.uuid4, editable=False, primary_key=True, serialize=False)),
                        ('body', confidentiality.crypto.EncryptedTextField(key_from='engagement')),
                        ('created_at', models.DateTimeField(default=django.utils.timezone.now)),
                        ('author', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('engagement', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='engagements.engagement')),
                        ('section', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='comments', to='reports.reportsection')),
                        ('version', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='comments', to='reports.reportversion')),
                    ],
                    options={
                        'db_table': 'engagements_reportcomment',
                        'ordering': ['created_at'],
                    },
                ),
                migrations.CreateModel(
                    name='SponsorReport',
                    fields=[
                        ('id', models.UUIDField(default=uuid.uuid4, editable=False, primary_key=True, serialize=False)),
                        ('title', models.CharField(max_length=200)),
                        ('state', models.CharField(choices=[('draft', 'Draft'), ('with_client', 'With the client for review'), ('changes_requested', 'Client asked for changes'), ('approved', 'Approved by the client'), ('released', 'Released to the sponsor')], default='draft', max_length=20)),
                        ('current_version', models.PositiveIntegerField(default=1)),
                        ('approved_version', models.PositiveIntegerField(blank=True, null=True)),
                        ('created_at', models.DateTimeField(default=django.utils.timezone.now)),
                        ('released_at', models.DateTimeField(blank=True, null=True)),
                        ('created_by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('engagement', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='reports', to='engagements.engagement')),
                    ],
                    options={
                        'db_table': 'engagements_sponsorreport',
                        'ordering': ['-created_at'],
                    },
                ),
                migrations.AddField(
                    model_name='reportversion',
                    name='report',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='versions', to='reports.sponsorreport'),
                ),
                migrations.AddConstraint(
                    model_name='reportsection',
                    constraint=models.UniqueConstraint(fields=('version', 'category'), name='one_section_per_category'),
                ),
                migrations.AddIndex(
                    model_name='sponsorreport',
                    index=models.Index(fields=['engagement', 'state'], name='engagements_engagem_67b676_idx'),
                ),
                migrations.AddConstraint(
                    model_name='reportversion',
                    constraint=models.UniqueConstraint(fields=('report', 'number'), name='one_report_version_number'),
                ),
            ],
        ),
    ]
