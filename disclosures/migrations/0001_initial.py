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
        ('reports', '0001_initial'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
        ('contenttypes', '0002_remove_content_type_name'),
    ]


    operations = [
        # Their content types (and the permissions and admin history that point at them) follow.
        migrations.RunPython(follow_content_types([('consent', 'disclosure'), ('consent', 'concern'), ('consent', 'concernstep')], "disclosures"), migrations.RunPython.noop),
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='Concern',
                    fields=[
                        ('id', models.UUIDField(default=uuid.uuid4, editable=False, primary_key=True, serialize=False)),
                        ('kind', models.CharField(choices=[('breaking_confidentiality', 'Something said in a session may have to be disclosed (policy 004)'), ('organisation_conduct', "The organisation's legality or ethical conduct (policy 000)")], max_length=30)),
                        ('state', models.CharField(choices=[('open', 'Open'), ('closed', 'Closed')], default='open', max_length=10)),
                        ('serious_danger', models.BooleanField(default=False, help_text='Compelling evidence of serious danger: some steps may be skipped, with a reason.')),
                        ('created_at', models.DateTimeField(default=django.utils.timezone.now)),
                        ('closed_at', models.DateTimeField(blank=True, null=True)),
                        ('engagement', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='concerns', to='engagements.engagement')),
                        ('opened_by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('supervisor', models.ForeignKey(blank=True, help_text='The named supervisor, who reads the concern and may give the second approval.', null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'db_table': 'consent_concern',
                        'ordering': ['-created_at'],
                    },
                ),
                migrations.CreateModel(
                    name='Disclosure',
                    fields=[
                        ('id', models.UUIDField(default=uuid.uuid4, editable=False, primary_key=True, serialize=False)),
                        ('what', confidentiality.crypto.EncryptedTextField(key_from='engagement')),
                        ('recipient_kind', models.CharField(choices=[('sponsor', 'The sponsoring organisation'), ('board_senior_staff', "The organisation's board or senior staff"), ('regulator_ombudsman', 'A regulator or ombudsman'), ('government_body', 'A government body'), ('other', 'Someone else (named)')], max_length=30)),
                        ('recipient', confidentiality.crypto.EncryptedTextField(key_from='engagement')),
                        ('reason', confidentiality.crypto.EncryptedTextField(key_from='engagement')),
                        ('basis', models.CharField(choices=[('client_consent', "The client's written consent"), ('client_approval', "The client's approval of the report"), ('organisation_consent', "The organisation's written consent"), ('legal_requirement', 'A legal requirement'), ('serious_danger', 'Compelling evidence of serious danger')], max_length=30)),
                        ('state', models.CharField(choices=[('awaiting_approval', 'Waiting for a second approval'), ('made', 'Made'), ('declined', 'Not approved, so not made')], max_length=20)),
                        ('second_decision_at', models.DateTimeField(blank=True, null=True)),
                        ('made_at', models.DateTimeField(blank=True, null=True)),
                        ('confirmation_sent_at', models.DateTimeField(blank=True, null=True)),
                        ('created_at', models.DateTimeField(default=django.utils.timezone.now)),
                        ('authorised_by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('client', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='disclosures', to='engagements.client')),
                        ('concern', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='disclosures', to='disclosures.concern')),
                        ('consent', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='consent.consentrecord')),
                        ('document', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='engagements.document')),
                        ('engagement', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='disclosures', to='engagements.engagement')),
                        ('report', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='reports.sponsorreport')),
                        ('second_approved_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('supervisor', models.ForeignKey(blank=True, help_text='The named supervisor who may approve it; the administrator always may.', null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'db_table': 'consent_disclosure',
                        'ordering': ['-created_at'],
                    },
                ),
                migrations.CreateModel(
                    name='ConcernStep',
                    fields=[
                        ('id', models.UUIDField(default=uuid.uuid4, editable=False, primary_key=True, serialize=False)),
                        ('step', models.CharField(max_length=30)),
                        ('skipped', models.BooleanField(default=False)),
                        ('text', confidentiality.crypto.EncryptedTextField(blank=True, help_text='What was recorded, or why it was skipped.', key_from='engagement')),
                        ('detail', confidentiality.crypto.EncryptedTextField(blank=True, help_text='The agreement clauses pointed to, or the recipient named.', key_from='engagement')),
                        ('outcome', models.CharField(blank=True, max_length=30)),
                        ('recipient_kind', models.CharField(blank=True, choices=[('sponsor', 'The sponsoring organisation'), ('board_senior_staff', "The organisation's board or senior staff"), ('regulator_ombudsman', 'A regulator or ombudsman'), ('government_body', 'A government body'), ('other', 'Someone else (named)')], max_length=30)),
                        ('basis', models.CharField(blank=True, choices=[('client_consent', "The client's written consent"), ('client_approval', "The client's approval of the report"), ('organisation_consent', "The organisation's written consent"), ('legal_requirement', 'A legal requirement'), ('serious_danger', 'Compelling evidence of serious danger')], max_length=30)),
                        ('recorded_at', models.DateTimeField(default=django.utils.timezone.now)),
                        ('concern', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='steps', to='disclosures.concern')),
                        ('engagement', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='engagements.engagement')),
                        ('recorded_by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('disclosure', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='disclosures.disclosure')),
                    ],
                    options={
                        'db_table': 'consent_concernstep',
                        'ordering': ['recorded_at'],
                    },
                ),
                migrations.AddIndex(
                    model_name='concern',
                    index=models.Index(fields=['engagement', 'created_at'], name='consent_con_engagem_231234_idx'),
                ),
                migrations.AddIndex(
                    model_name='concern',
                    index=models.Index(fields=['state', 'created_at'], name='consent_con_state_38c026_idx'),
                ),
                migrations.AddIndex(
                    model_name='disclosure',
                    index=models.Index(fields=['engagement', 'created_at'], name='consent_dis_engagem_fa43ac_idx'),
                ),
                migrations.AddIndex(
                    model_name='disclosure',
                    index=models.Index(fields=['client', 'created_at'], name='consent_dis_client__869b99_idx'),
                ),
                migrations.AddIndex(
                    model_name='disclosure',
                    index=models.Index(fields=['state', 'created_at'], name='consent_dis_state_f36473_idx'),
                ),
                migrations.AddConstraint(
                    model_name='concernstep',
                    constraint=models.UniqueConstraint(fields=('concern', 'step'), name='one_record_per_concern_step'),
                ),
            ],
        ),
    ]
