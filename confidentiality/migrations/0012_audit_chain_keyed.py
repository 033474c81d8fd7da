"""The audit chain is keyed: each new event's link is an HMAC under AUDIT_CHAIN_KEYS, and the head
carries a MAC of its own. The events already written keep their SHA-256 links, untouched (the table
is append-only); one keyed event appended after them vouches for them all.

On SQLite, adding a column rebuilds the table, and the rebuild drops its triggers: they are put back
at once, before anything else runs.
"""

from django.db import migrations, models

from confidentiality.migration_helpers import sql_for_vendor

SQLITE_TRIGGERS = [
    """CREATE TRIGGER IF NOT EXISTS confidentiality_auditevent_no_update BEFORE UPDATE ON confidentiality_auditevent
       BEGIN SELECT RAISE(ABORT, 'the audit log is append-only: UPDATE refused'); END;""",
    """CREATE TRIGGER IF NOT EXISTS confidentiality_auditevent_no_delete BEFORE DELETE ON confidentiality_auditevent
       BEGIN SELECT RAISE(ABORT, 'the audit log is append-only: DELETE refused'); END;""",
]


def key_the_chain(apps, schema_editor):
    from confidentiality.audit import key_the_chain

    key_the_chain(apps.get_model("confidentiality", "AuditEvent"), apps.get_model("confidentiality", "AuditChainHead"))


class Migration(migrations.Migration):
    dependencies = [("confidentiality", "0011_invitation")]

    operations = [
        migrations.AddField(
            model_name="auditevent",
            name="key_id",
            field=models.CharField(blank=True, default="", max_length=20),
        ),
        migrations.RunPython(sql_for_vendor(sqlite=SQLITE_TRIGGERS), migrations.RunPython.noop),
        migrations.AddField(
            model_name="auditchainhead",
            name="mac",
            field=models.CharField(blank=True, default="", max_length=100),
        ),
        migrations.RunPython(key_the_chain, migrations.RunPython.noop),
    ]
