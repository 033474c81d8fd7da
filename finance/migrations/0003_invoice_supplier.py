"""An issued invoice keeps the practice's details (name, address, registered and VAT numbers, how to
pay) and the organisation's address as they were the day it was issued: a VAT invoice names them.
Both are final once issued, as the rest of the invoice is (0002): the triggers are re-made with them.

The columns are nullable, so adding them does not rebuild the table on SQLite (a rebuild would drop
the triggers that name it); the invoice's trigger is then made again with them.
"""

import importlib

from django.db import migrations, models

from confidentiality.migration_helpers import sql_for_vendor

final = importlib.import_module("finance.migrations.0002_issued_records_are_final")
FINAL = (*final.FINAL, "organisation_address", "supplier")

SQLITE_CHANGED = " OR ".join(f"NEW.{c} IS NOT OLD.{c}" for c in FINAL)
SQLITE_UP = [
    "DROP TRIGGER IF EXISTS finance_invoice_issued_is_final;",
    f"""CREATE TRIGGER finance_invoice_issued_is_final BEFORE UPDATE ON finance_invoice
        WHEN OLD.state != 'draft' AND (NEW.state = 'draft' OR {SQLITE_CHANGED})
        BEGIN SELECT RAISE(ABORT, 'an issued invoice never changes: issue a credit note'); END;""",
]
PG_CHANGED = " OR ".join(f"NEW.{c} IS DISTINCT FROM OLD.{c}" for c in FINAL)
PG_UP = f"""
CREATE OR REPLACE FUNCTION finance_invoice_refuse_change() RETURNS trigger AS $$
BEGIN
    IF OLD.state <> 'draft' AND (NEW.state = 'draft' OR {PG_CHANGED}) THEN
        RAISE EXCEPTION 'an issued invoice never changes: issue a credit note';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
"""


# Back to 0002's triggers, without the two columns.
PG_DOWN = final.PG_UP.split("CREATE TRIGGER finance_invoice_issued_is_final")[0]
SQLITE_DOWN = ["DROP TRIGGER IF EXISTS finance_invoice_issued_is_final;", final.SQLITE_UP[0]]


class Migration(migrations.Migration):
    dependencies = [("finance", "0002_issued_records_are_final")]

    operations = [
        migrations.AddField(
            model_name="invoice",
            name="organisation_address",
            field=models.TextField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="invoice",
            name="supplier",
            field=models.JSONField(
                blank=True, null=True, help_text="The practice's name, address, numbers and how to pay, when issued."
            ),
        ),
        migrations.RunPython(
            sql_for_vendor(postgresql=PG_UP, sqlite=SQLITE_UP), sql_for_vendor(postgresql=PG_DOWN, sqlite=SQLITE_DOWN)
        ),
    ]
