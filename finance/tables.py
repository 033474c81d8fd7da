"""The columns of each list, defined once: the page and its CSV export are built from the same
definitions, so the export holds exactly what the page shows (every row of the filtered list,
not only the current page)."""

from __future__ import annotations

import csv
import datetime
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.utils import timezone

from confidentiality.dates import day
from finance import money
from finance.models import CreditNote, Invoice, Payment
from finance.selectors import balance_of


@dataclass(frozen=True)
class Column:
    header: str
    value: Callable[[Any], Any]
    numeric: bool = False
    # A payer's lists (a sponsor's organisation, a private client) hold their own records only: who
    # is billed, on every row, says nothing.
    for_payer: bool = True


@dataclass(frozen=True)
class Cell:
    text: str
    numeric: bool
    whole: bool = False  # a date: never broken over lines (text wraps, so that every column fits)


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return money.display(value)
    if isinstance(value, datetime.date):
        return day(value)
    return str(value)


def _csv(value: Any) -> str:
    """Spreadsheet-friendly: ISO dates, plain decimals; and no cell that a spreadsheet would run
    as a formula (CSV injection), whatever text was typed into a reference."""
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    if isinstance(value, datetime.date):
        return value.isoformat()
    text = str(value)
    if text[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + text
    return text


def invoice_state_text(invoice: Invoice, today: datetime.date | None = None) -> str:
    today = today or timezone.localdate()
    label = Invoice.State(invoice.state).label
    if invoice.state in Invoice.OPEN_STATES and invoice.due_on and invoice.due_on < today:
        return f"{label}, overdue"
    return label


INVOICE_COLUMNS = (
    Column("Number", lambda i: i.reference),
    Column("Date", lambda i: i.issued_on),
    Column("Due", lambda i: i.due_on),
    Column("Billed to", lambda i: i.billed_to, for_payer=False),
    Column("Engagement", lambda i: i.engagement_reference),
    Column("Currency", lambda i: i.currency),
    Column("Net", lambda i: i.net, numeric=True),
    Column("Tax", lambda i: i.tax, numeric=True),
    Column("Gross", lambda i: i.gross, numeric=True),
    Column("Paid", lambda i: balance_of(i)[0], numeric=True),
    Column("Credited", lambda i: balance_of(i)[1], numeric=True),
    Column("Outstanding", lambda i: balance_of(i)[2], numeric=True),
    Column("State", invoice_state_text),
)

PAYMENT_COLUMNS = (
    Column("Received", lambda p: p.received_on),
    Column("Invoice", lambda p: p.invoice.reference),
    Column("Billed to", lambda p: p.invoice.billed_to, for_payer=False),
    Column("Currency", lambda p: p.currency),
    Column("Amount", lambda p: p.amount, numeric=True),
    Column("Method", lambda p: Payment.Method(p.method).label),
    Column("Payer's reference", lambda p: p.reference),
)

CREDIT_NOTE_COLUMNS = (
    Column("Number", lambda c: c.reference),
    Column("Date", lambda c: c.issued_on),
    Column("Invoice", lambda c: c.invoice.reference),
    Column("Billed to", lambda c: c.invoice.billed_to, for_payer=False),
    Column("Currency", lambda c: c.currency),
    Column("Net", lambda c: c.net, numeric=True),
    Column("Tax", lambda c: c.tax, numeric=True),
    Column("Gross", lambda c: c.gross, numeric=True),
    Column("Reason", lambda c: c.reason),
)

TABLES: dict[type, tuple[Column, ...]] = {
    Invoice: INVOICE_COLUMNS,
    Payment: PAYMENT_COLUMNS,
    CreditNote: CREDIT_NOTE_COLUMNS,
}


def columns_for(model: type, *, payer: bool) -> tuple[Column, ...]:
    """The columns of a list (page and CSV alike) as this reader sees it."""
    return tuple(column for column in TABLES[model] if column.for_payer or not payer)


@dataclass(frozen=True)
class Row:
    record: Any
    cells: list[Cell]


def _cell(value: Any, numeric: bool) -> Cell:
    return Cell(_text(value), numeric, whole=isinstance(value, datetime.date))


def page_rows(columns: tuple[Column, ...], records: Iterable[Any]) -> list[Row]:
    return [
        Row(record=record, cells=[_cell(column.value(record), column.numeric) for column in columns])
        for record in records
    ]


class _Echo:
    def write(self, value: str) -> str:
        return value


def csv_lines(columns: tuple[Column, ...], records: Iterable[Any]) -> Iterator[str]:
    """The header, then one line per record, produced as the records stream from the database."""
    writer = csv.writer(_Echo())
    yield writer.writerow([column.header for column in columns])
    for record in records:
        yield writer.writerow([_csv(column.value(record)) for column in columns])
