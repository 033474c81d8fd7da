"""The audit table refuses UPDATE and DELETE, on PostgreSQL and on SQLite alike.

The hash chain is what proves integrity; the triggers make tampering take a deliberate,
privileged step (dropping a trigger) rather than an accidental query.
"""

from django.db import migrations

PG_UP = """
CREATE OR REPLACE FUNCTION confidentiality_audit_refuse_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'the audit log is append-only: % refused', TG_OP;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER confidentiality_auditevent_append_only
    BEFORE UPDATE OR DELETE ON confidentiality_auditevent
    FOR EACH ROW EXECUTE FUNCTION confidentiality_audit_refuse_change();
"""
PG_DOWN = """
DROP TRIGGER IF EXISTS confidentiality_auditevent_append_only ON confidentiality_auditevent;
DROP FUNCTION IF EXISTS confidentiality_audit_refuse_change();
"""
SQLITE_UP = [
    """CREATE TRIGGER confidentiality_auditevent_no_update BEFORE UPDATE ON confidentiality_auditevent
       BEGIN SELECT RAISE(ABORT, 'the audit log is append-only: UPDATE refused'); END;""",
    """CREATE TRIGGER confidentiality_auditevent_no_delete BEFORE DELETE ON confidentiality_auditevent
       BEGIN SELECT RAISE(ABORT, 'the audit log is append-only: DELETE refused'); END;""",
]
SQLITE_DOWN = [
    "DROP TRIGGER IF EXISTS confidentiality_auditevent_no_update;",
    "DROP TRIGGER IF EXISTS confidentiality_auditevent_no_delete;",
]


def install(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(PG_UP, params=None)
    elif schema_editor.connection.vendor == "sqlite":
        for statement in SQLITE_UP:
            schema_editor.execute(statement)


def uninstall(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(PG_DOWN, params=None)
    elif schema_editor.connection.vendor == "sqlite":
        for statement in SQLITE_DOWN:
            schema_editor.execute(statement)


def create_roles_and_head(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    for name in ("admin", "coach", "auditor", "client", "sponsor"):
        Group.objects.get_or_create(name=name)
    Head = apps.get_model("confidentiality", "AuditChainHead")
    Head.objects.get_or_create(pk=1, defaults={"seq": 0, "hash": "0" * 64})


class Migration(migrations.Migration):
    dependencies = [("confidentiality", "0001_initial"), ("auth", "0012_alter_user_first_name_max_length")]

    operations = [
        migrations.RunPython(install, uninstall),
        migrations.RunPython(create_roles_and_head, migrations.RunPython.noop),
    ]
