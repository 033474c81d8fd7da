"""An issued invoice never changes, on PostgreSQL and on SQLite alike; nor do payments and credit notes.

The services refuse first; these triggers make the same change impossible by any other path
(a shell, a bulk update, a bug). What may still change on an issued invoice: its settlement
``state`` (never back to draft) and ``engagement_id`` (set to NULL when the engagement's files
are deleted two years after it closes; the reference stays on the invoice). DELETE is left to
the retention sweep, five years after the records' dates.

Also creates the two number series, so the first invoice is number 1.
"""

from django.db import migrations

# The columns of an issued invoice that are final.
FINAL = (
    "number",
    "organisation_id",
    "organisation_name",
    "engagement_reference",
    "currency",
    "net",
    "tax",
    "gross",
    "payment_terms_days",
    "issued_on",
    "due_on",
    "created_at",
    "created_by_id",
    "issued_at",
    "issued_by_id",
)
LINE_FINAL = ("invoice_id", "position", "description", "quantity", "unit_price", "tax_rate", "net", "tax")

SQLITE_CHANGED = " OR ".join(f"NEW.{c} IS NOT OLD.{c}" for c in FINAL)
SQLITE_UP = [
    f"""CREATE TRIGGER finance_invoice_issued_is_final BEFORE UPDATE ON finance_invoice
        WHEN OLD.state != 'draft' AND (NEW.state = 'draft' OR {SQLITE_CHANGED})
        BEGIN SELECT RAISE(ABORT, 'an issued invoice never changes: issue a credit note'); END;""",
    """CREATE TRIGGER finance_invoiceline_insert_final BEFORE INSERT ON finance_invoiceline
        WHEN (SELECT state FROM finance_invoice WHERE id = NEW.invoice_id) != 'draft'
        BEGIN SELECT RAISE(ABORT, 'an issued invoice never changes: issue a credit note'); END;""",
    """CREATE TRIGGER finance_invoiceline_update_final BEFORE UPDATE ON finance_invoiceline
        WHEN (SELECT state FROM finance_invoice WHERE id = OLD.invoice_id) != 'draft'
        BEGIN SELECT RAISE(ABORT, 'an issued invoice never changes: issue a credit note'); END;""",
    """CREATE TRIGGER finance_payment_final BEFORE UPDATE ON finance_payment
        BEGIN SELECT RAISE(ABORT, 'a recorded payment never changes'); END;""",
    """CREATE TRIGGER finance_creditnote_final BEFORE UPDATE ON finance_creditnote
        BEGIN SELECT RAISE(ABORT, 'an issued credit note never changes'); END;""",
]
SQLITE_DOWN = [
    "DROP TRIGGER IF EXISTS finance_invoice_issued_is_final;",
    "DROP TRIGGER IF EXISTS finance_invoiceline_insert_final;",
    "DROP TRIGGER IF EXISTS finance_invoiceline_update_final;",
    "DROP TRIGGER IF EXISTS finance_payment_final;",
    "DROP TRIGGER IF EXISTS finance_creditnote_final;",
]

PG_CHANGED = " OR ".join(f"NEW.{c} IS DISTINCT FROM OLD.{c}" for c in FINAL)
PG_LINE_CHANGED = " OR ".join(f"NEW.{c} IS DISTINCT FROM OLD.{c}" for c in LINE_FINAL)
PG_UP = f"""
CREATE OR REPLACE FUNCTION finance_invoice_refuse_change() RETURNS trigger AS $$
BEGIN
    IF OLD.state <> 'draft' AND (NEW.state = 'draft' OR {PG_CHANGED}) THEN
        RAISE EXCEPTION 'an issued invoice never changes: issue a credit note';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER finance_invoice_issued_is_final BEFORE UPDATE ON finance_invoice
    FOR EACH ROW EXECUTE FUNCTION finance_invoice_refuse_change();

CREATE OR REPLACE FUNCTION finance_invoiceline_refuse_change() RETURNS trigger AS $$
BEGIN
    IF (SELECT state FROM finance_invoice WHERE id = NEW.invoice_id) <> 'draft'
       AND (TG_OP = 'INSERT' OR {PG_LINE_CHANGED}) THEN
        RAISE EXCEPTION 'an issued invoice never changes: issue a credit note';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER finance_invoiceline_final BEFORE INSERT OR UPDATE ON finance_invoiceline
    FOR EACH ROW EXECUTE FUNCTION finance_invoiceline_refuse_change();

CREATE OR REPLACE FUNCTION finance_record_refuse_update() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION '% rows never change once written', TG_TABLE_NAME;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER finance_payment_final BEFORE UPDATE ON finance_payment
    FOR EACH ROW EXECUTE FUNCTION finance_record_refuse_update();
CREATE TRIGGER finance_creditnote_final BEFORE UPDATE ON finance_creditnote
    FOR EACH ROW EXECUTE FUNCTION finance_record_refuse_update();
"""
PG_DOWN = """
DROP TRIGGER IF EXISTS finance_invoice_issued_is_final ON finance_invoice;
DROP TRIGGER IF EXISTS finance_invoiceline_final ON finance_invoiceline;
DROP TRIGGER IF EXISTS finance_payment_final ON finance_payment;
DROP TRIGGER IF EXISTS finance_creditnote_final ON finance_creditnote;
DROP FUNCTION IF EXISTS finance_invoice_refuse_change();
DROP FUNCTION IF EXISTS finance_invoiceline_refuse_change();
DROP FUNCTION IF EXISTS finance_record_refuse_update();
"""


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


def create_series(apps, schema_editor):
    NumberSeries = apps.get_model("finance", "NumberSeries")
    for series in ("invoice", "credit_note"):
        NumberSeries.objects.get_or_create(series=series, defaults={"last_number": 0})


class Migration(migrations.Migration):
    dependencies = [("finance", "0001_initial")]

    operations = [
        migrations.RunPython(install, uninstall),
        migrations.RunPython(create_series, migrations.RunPython.noop),
    ]
