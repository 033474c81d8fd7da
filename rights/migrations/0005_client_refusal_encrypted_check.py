from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("rights", "0004_client_refusal_encrypted_data"),
    ]

    operations = [
        migrations.AddConstraint(
            model_name='subjectaccessrequest',
            constraint=models.CheckConstraint(condition=models.Q(('subject_kind', 'organisation'), ('refusal_reason', ''), _connector='OR'), name='subject_access_a_clients_refusal_is_encrypted'),
        ),
    ]
