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
        ('engagements', '0005_reports_and_feedback_move_to_their_apps'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
        ('contenttypes', '0002_remove_content_type_name'),
    ]


    operations = [
        # Their content types (and the permissions and admin history that point at them) follow.
        migrations.RunPython(follow_content_types([('engagements', 'feedbackrequest'), ('engagements', 'feedbacksource')], "feedback"), migrations.RunPython.noop),
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='FeedbackRequest',
                    fields=[
                        ('id', models.UUIDField(default=uuid.uuid4, editable=False, primary_key=True, serialize=False)),
                        ('kind', models.CharField(choices=[('named', 'A named person'), ('category', 'People of one kind')], max_length=10)),
                        ('source_category', models.CharField(choices=[('line_manager', 'Line manager'), ('senior_leader', 'Senior leader'), ('peer', 'Peer'), ('direct_report', 'Direct report'), ('other_colleague', 'Other colleague'), ('customer', 'Customer or partner')], max_length=20)),
                        ('anonymity', models.CharField(choices=[('unidentified', 'Unidentified: no source is named or described'), ('by_category', 'By category of person (work group, level)'), ('by_name', 'By name')], max_length=20)),
                        ('prompt', confidentiality.crypto.EncryptedTextField(key_from='engagement')),
                        ('expires_at', models.DateTimeField()),
                        ('summary', confidentiality.crypto.EncryptedTextField(blank=True, key_from='engagement')),
                        ('presentation', models.CharField(blank=True, choices=[('verbatim', "The answers word for word, with the coach's summary"), ('summary', "Only the coach's summary")], max_length=10)),
                        ('shared_at', models.DateTimeField(blank=True, null=True)),
                        ('version', models.PositiveIntegerField(default=1)),
                        ('created_at', models.DateTimeField(default=django.utils.timezone.now)),
                        ('created_by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('engagement', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='feedback_requests', to='engagements.engagement')),
                    ],
                    options={
                        'db_table': 'engagements_feedbackrequest',
                        'ordering': ['-created_at'],
                    },
                ),
                migrations.CreateModel(
                    name='FeedbackSource',
                    fields=[
                        ('id', models.UUIDField(default=uuid.uuid4, editable=False, primary_key=True, serialize=False)),
                        ('name', confidentiality.crypto.EncryptedTextField(blank=True, key_from='engagement')),
                        ('email', confidentiality.crypto.EncryptedTextField(key_from='engagement')),
                        ('token_hash', models.CharField(max_length=64, unique=True)),
                        ('expires_at', models.DateTimeField()),
                        ('answer', confidentiality.crypto.EncryptedTextField(blank=True, key_from='engagement')),
                        ('answered_at', models.DateTimeField(blank=True, null=True)),
                        ('engagement', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='engagements.engagement')),
                        ('request', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='sources', to='feedback.feedbackrequest')),
                    ],
                    options={
                        'db_table': 'engagements_feedbacksource',
                        'ordering': ['id'],
                    },
                ),
                migrations.AddIndex(
                    model_name='feedbackrequest',
                    index=models.Index(fields=['engagement', 'created_at'], name='engagements_engagem_d22edb_idx'),
                ),
            ],
        ),
    ]
