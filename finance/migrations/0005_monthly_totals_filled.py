"""The monthly totals filled from the records there are, and kept right when records are deleted.

The services add to the totals as they issue, pay and credit (``finance.totals``). Records are
deleted by one path only, the retention sweep, five years on, which deletes rows without the
services; these triggers take each deleted record back out of its month, on PostgreSQL and SQLite
alike, so that the totals go on equalling the records. (A payment or credit note is deleted
before its invoice, which it points at, so its invoice's month is still there to read.)

A later migration that rebuilds one of these tables on SQLite drops its triggers: it must create
them again (the nightly reconciliation would report the difference).
"""

from typing import Any

from django.db import migrations

PENCE = "CAST(ROUND({} * 100) AS BIGINT)"
SQLITE_MONTH = "strftime('%Y-%m-01', {})"
PG_MONTH = "CAST(date_trunc('month', {}) AS date)"


def _forget(month: str, counters: dict[str, str], party: str = "OLD") -> str:
    changes = ", ".join(f"{name} = {name} - {amount}" for name, amount in counters.items())
    return (
        f"UPDATE finance_monthlytotal SET {changes} WHERE month = {month} "
        f"AND organisation_id = {party}.organisation_id AND currency = {party}.currency;"
    )


def _statements(month: str) -> dict[str, list[str]]:
    """table → the UPDATEs that take one deleted row (OLD) out of the totals."""
    invoice_month = month.format("(SELECT issued_on FROM finance_invoice WHERE id = OLD.invoice_id)")
    return {
        "finance_invoice": [
            _forget(month.format("OLD.issued_on"), {"invoice_count": "1", "invoiced_pence": PENCE.format("OLD.gross")})
        ],
        "finance_payment": [
            _forget(invoice_month, {"paid_pence": PENCE.format("OLD.amount")}),
            _forget(month.format("OLD.received_on"), {"received_pence": PENCE.format("OLD.amount")}),
        ],
        "finance_creditnote": [
            _forget(invoice_month, {"credited_pence": PENCE.format("OLD.gross")}),
            _forget(month.format("OLD.issued_on"), {"credit_notes_pence": PENCE.format("OLD.gross")}),
        ],
    }


# A draft is in no total.
WHEN = {"finance_invoice": "OLD.state != 'draft' AND OLD.issued_on IS NOT NULL"}

SQLITE_UP = [
    f"""CREATE TRIGGER {table}_deleted_from_totals AFTER DELETE ON {table}
        {f"WHEN {WHEN[table]}" if table in WHEN else ""}
        BEGIN {" ".join(statements)} END;"""
    for table, statements in _statements(SQLITE_MONTH).items()
]
SQLITE_DOWN = [f"DROP TRIGGER IF EXISTS {table}_deleted_from_totals;" for table in _statements(SQLITE_MONTH)]

PG_UP = "\n".join(
    f"""
CREATE OR REPLACE FUNCTION {table}_deleted_from_totals() RETURNS trigger AS $$
BEGIN
    {f"IF {WHEN[table]} THEN" if table in WHEN else ""}
    {" ".join(statements)}
    {"END IF;" if table in WHEN else ""}
    RETURN OLD;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER {table}_deleted_from_totals AFTER DELETE ON {table}
    FOR EACH ROW EXECUTE FUNCTION {table}_deleted_from_totals();
"""
    for table, statements in _statements(PG_MONTH).items()
)
PG_DOWN = "\n".join(
    f"DROP TRIGGER IF EXISTS {table}_deleted_from_totals ON {table}; "
    f"DROP FUNCTION IF EXISTS {table}_deleted_from_totals();"
    for table in _statements(PG_MONTH)
)


def forward(apps: Any, schema_editor: Any) -> None:
    from finance.totals import fill

    model = apps.get_model
    fill(
        model("finance", "MonthlyTotal"),
        model("finance", "Invoice"),
        model("finance", "Payment"),
        model("finance", "CreditNote"),
    )
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(PG_UP, params=None)
    elif schema_editor.connection.vendor == "sqlite":
        for statement in SQLITE_UP:
            schema_editor.execute(statement, params=None)


def backward(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(PG_DOWN, params=None)
    elif schema_editor.connection.vendor == "sqlite":
        for statement in SQLITE_DOWN:
            schema_editor.execute(statement, params=None)
    apps.get_model("finance", "MonthlyTotal")._default_manager.all().delete()


class Migration(migrations.Migration):
    dependencies = [("finance", "0004_monthly_totals")]

    operations = [migrations.RunPython(forward, backward)]
