"""Invoices to private clients, who pay for their own coaching: an invoice, payment, credit note and
monthly total may have no organisation. A private client's invoice keeps the client's name as it
was when issued, sealed (``billed_to_sealed``), final once issued like the rest of the invoice.

On SQLite, making a column nullable rebuilds its table, which drops the triggers on it: every
trigger of the financial tables is made again after (issued records are final: 0002 and 0003; the
totals follow deletions: 0005), and the totals' triggers now compare the organisation with ``IS``,
so that a private client's record (no organisation) is taken out of the private clients' row. On
PostgreSQL the triggers survive; their functions are replaced with the same two changes.
"""

import importlib

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

from confidentiality.migration_helpers import sql_for_vendor

final = importlib.import_module("finance.migrations.0002_issued_records_are_final")
supplier = importlib.import_module("finance.migrations.0003_invoice_supplier")
totals = importlib.import_module("finance.migrations.0005_monthly_totals_filled")

FINAL = (*supplier.FINAL, "billed_to_sealed")
_INVOICE_FINAL = supplier.SQLITE_UP[1].replace(
    supplier.SQLITE_CHANGED, " OR ".join(f"NEW.{c} IS NOT OLD.{c}" for c in FINAL)
)
_INVOICE_FINAL_PG = supplier.PG_UP.replace(
    supplier.PG_CHANGED, " OR ".join(f"NEW.{c} IS DISTINCT FROM OLD.{c}" for c in FINAL)
)


def _null_safe(sql: str, same: str) -> str:
    """The totals' triggers with the organisation compared null-safely (``same``: the engine's operator)."""
    return sql.replace("AND organisation_id = OLD.organisation_id", f"AND organisation_id {same} OLD.organisation_id")


# SQLite: every trigger of the financial tables is dropped before the tables are rebuilt (a rename
# fails while a trigger names a table being replaced), and made again after.
SQLITE_DROP = [*final.SQLITE_DOWN, *totals.SQLITE_DOWN]
SQLITE_UP = [_INVOICE_FINAL, *final.SQLITE_UP[1:], *(_null_safe(statement, "IS") for statement in totals.SQLITE_UP)]
SQLITE_BEFORE = [supplier.SQLITE_UP[1], *final.SQLITE_UP[1:], *totals.SQLITE_UP]


def _pg_totals_functions(same: str) -> str:
    return "".join(
        f"""
CREATE OR REPLACE FUNCTION {table}_deleted_from_totals() RETURNS trigger AS $$
BEGIN
    {f"IF {totals.WHEN[table]} THEN" if table in totals.WHEN else ""}
    {" ".join(_null_safe(statement, same) for statement in statements)}
    {"END IF;" if table in totals.WHEN else ""}
    RETURN OLD;
END;
$$ LANGUAGE plpgsql;
"""
        for table, statements in totals._statements(totals.PG_MONTH).items()
    )


# The functions replaced; the triggers that call them stay. Down: as 0003 and 0005 made them.
PG_UP = _INVOICE_FINAL_PG + _pg_totals_functions("IS NOT DISTINCT FROM")
PG_DOWN = supplier.PG_UP + _pg_totals_functions("=")


class Migration(migrations.Migration):
    dependencies = [
        ("engagements", "0010_private_engagements"),
        ("finance", "0005_monthly_totals_filled"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RunPython(sql_for_vendor(sqlite=SQLITE_DROP), sql_for_vendor(sqlite=SQLITE_BEFORE)),
        migrations.AddField(
            model_name="invoice",
            name="billed_to_sealed",
            field=models.TextField(blank=True, null=True),
        ),
        migrations.AlterField(
            model_name="creditnote",
            name="organisation",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="engagements.organisation",
            ),
        ),
        migrations.AlterField(
            model_name="invoice",
            name="organisation",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="invoices",
                to="engagements.organisation",
            ),
        ),
        migrations.AlterField(
            model_name="monthlytotal",
            name="organisation",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="engagements.organisation",
            ),
        ),
        migrations.AlterField(
            model_name="payment",
            name="organisation",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="engagements.organisation",
            ),
        ),
        migrations.AddConstraint(
            model_name="invoice",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("billed_to_sealed__isnull", True), ("organisation__isnull", False)),
                    models.Q(("billed_to_sealed__isnull", True), ("organisation__isnull", True), ("state", "draft")),
                    models.Q(("billed_to_sealed__isnull", False), ("organisation__isnull", True)),
                    _connector="OR",
                ),
                name="finance_invoice_billed_to_someone",
            ),
        ),
        migrations.AddConstraint(
            model_name="monthlytotal",
            constraint=models.UniqueConstraint(
                condition=models.Q(("organisation__isnull", True)),
                fields=("month", "currency"),
                name="finance_one_private_total_a_month",
            ),
        ),
        migrations.RunPython(
            sql_for_vendor(postgresql=PG_UP, sqlite=SQLITE_UP), sql_for_vendor(postgresql=PG_DOWN, sqlite=SQLITE_DROP)
        ),
    ]
