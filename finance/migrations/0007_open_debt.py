"""The open debt (``OpenDebt``): what is outstanding on the open invoices, by month of issue, due
day and currency, for the overview's aged debt. Filled from the records; kept by the services as
they issue, pay and credit; and, like the monthly totals (0005), taken back by triggers when the
retention sweep deletes a record, on PostgreSQL and SQLite alike:

- an open invoice deleted: its count, and its gross less what is still recorded against it (the
  sweep deletes its payments and credit notes first; in either order the rows end equal);
- a payment or credit note deleted while its invoice is open: its amount is owed again (as the
  records, which sum what is recorded against an invoice, then say).

A later migration that rebuilds finance_invoice, finance_payment or finance_creditnote on SQLite
drops these triggers with the others: it must create them again (the reconciliation would say).
"""

from typing import Any

from django.db import migrations, models

from confidentiality.migration_helpers import sql_for_vendor

PENCE = "CAST(ROUND({} * 100) AS BIGINT)"
OPEN = "('unpaid', 'part_paid')"


def _statements(month: str) -> dict[str, tuple[str, str]]:
    """table → (the condition on OLD, the UPDATE) that takes one deleted row out of the open debt."""
    against = (
        f"COALESCE((SELECT SUM({PENCE.format('amount')}) FROM finance_payment WHERE invoice_id = OLD.id), 0) - "
        f"COALESCE((SELECT SUM({PENCE.format('gross')}) FROM finance_creditnote WHERE invoice_id = OLD.id), 0)"
    )
    invoice = (
        f"OLD.state IN {OPEN} AND OLD.issued_on IS NOT NULL",
        f"UPDATE finance_opendebt SET open_count = open_count - 1, "
        f"outstanding_pence = outstanding_pence - ({PENCE.format('OLD.gross')} - {against}) "
        f"WHERE issued_month = {month.format('OLD.issued_on')} AND due_on = OLD.due_on AND currency = OLD.currency;",
    )

    def owed_again(amount: str) -> tuple[str, str]:
        return (
            "",
            f"UPDATE finance_opendebt SET outstanding_pence = outstanding_pence + {PENCE.format(amount)} "
            f"WHERE EXISTS (SELECT 1 FROM finance_invoice i WHERE i.id = OLD.invoice_id AND i.state IN {OPEN} "
            f"AND i.issued_on IS NOT NULL AND finance_opendebt.issued_month = {month.format('i.issued_on')} "
            "AND finance_opendebt.due_on = i.due_on AND finance_opendebt.currency = i.currency);",
        )

    return {
        "finance_invoice": invoice,
        "finance_payment": owed_again("OLD.amount"),
        "finance_creditnote": owed_again("OLD.gross"),
    }


SQLITE_MONTH = "strftime('%Y-%m-01', {})"
PG_MONTH = "CAST(date_trunc('month', {}) AS date)"

SQLITE_UP = [
    f"""CREATE TRIGGER {table}_deleted_from_open_debt AFTER DELETE ON {table}
        {f"WHEN {when}" if when else ""}
        BEGIN {update} END;"""
    for table, (when, update) in _statements(SQLITE_MONTH).items()
]
SQLITE_DOWN = [f"DROP TRIGGER IF EXISTS {table}_deleted_from_open_debt;" for table in _statements(SQLITE_MONTH)]

PG_UP = "\n".join(
    f"""
CREATE OR REPLACE FUNCTION {table}_deleted_from_open_debt() RETURNS trigger AS $$
BEGIN
    {f"IF {when} THEN" if when else ""}
    {update}
    {"END IF;" if when else ""}
    RETURN OLD;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER {table}_deleted_from_open_debt AFTER DELETE ON {table}
    FOR EACH ROW EXECUTE FUNCTION {table}_deleted_from_open_debt();
"""
    for table, (when, update) in _statements(PG_MONTH).items()
)
PG_DOWN = "\n".join(
    f"DROP TRIGGER IF EXISTS {table}_deleted_from_open_debt ON {table}; "
    f"DROP FUNCTION IF EXISTS {table}_deleted_from_open_debt();"
    for table in _statements(PG_MONTH)
)


def fill(apps: Any, schema_editor: Any) -> None:
    from finance.totals import fill_open_debt

    model = apps.get_model
    fill_open_debt(
        model("finance", "OpenDebt"),
        model("finance", "Invoice"),
        model("finance", "Payment"),
        model("finance", "CreditNote"),
    )


class Migration(migrations.Migration):
    dependencies = [
        ("finance", "0006_private_client_invoices"),
    ]

    operations = [
        migrations.CreateModel(
            name="OpenDebt",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("issued_month", models.DateField(help_text="The first day of the month the invoices were issued in.")),
                ("due_on", models.DateField()),
                (
                    "currency",
                    models.CharField(
                        choices=[("GBP", "Pound sterling (GBP)"), ("EUR", "Euro (EUR)"), ("USD", "US dollar (USD)")],
                        max_length=3,
                    ),
                ),
                ("open_count", models.BigIntegerField(default=0)),
                ("outstanding_pence", models.BigIntegerField(default=0)),
            ],
            options={
                "ordering": ["issued_month", "due_on", "currency"],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("issued_month", "due_on", "currency"), name="finance_one_open_debt_a_day"
                    )
                ],
            },
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
        migrations.RunPython(
            sql_for_vendor(postgresql=PG_UP, sqlite=SQLITE_UP), sql_for_vendor(postgresql=PG_DOWN, sqlite=SQLITE_DOWN)
        ),
    ]
