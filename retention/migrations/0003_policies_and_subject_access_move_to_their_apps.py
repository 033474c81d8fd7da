"""The models below move to apps of their own. State only: their tables, rows and names stay as they are."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('confidentiality', '0006_complaints_and_people_move_to_their_apps'),
        ('retention', '0002_subject_access'),
    ]


    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.RemoveField(
                    model_name='subjectaccessexport',
                    name='data_key',
                ),
                migrations.RemoveField(
                    model_name='subjectaccessexport',
                    name='request',
                ),
                migrations.RemoveField(
                    model_name='subjectaccessrequest',
                    name='client',
                ),
                migrations.RemoveField(
                    model_name='subjectaccessrequest',
                    name='extended_by',
                ),
                migrations.RemoveField(
                    model_name='subjectaccessrequest',
                    name='opened_by',
                ),
                migrations.RemoveField(
                    model_name='subjectaccessrequest',
                    name='organisation',
                ),
                migrations.RemoveField(
                    model_name='subjectaccessrequest',
                    name='refused_by',
                ),
                migrations.RemoveField(
                    model_name='subjectaccessrequest',
                    name='requester',
                ),
                migrations.DeleteModel(
                    name='PolicyDocument',
                ),
                migrations.DeleteModel(
                    name='SubjectAccessExport',
                ),
                migrations.DeleteModel(
                    name='SubjectAccessRequest',
                ),
            ],
        ),
    ]
