"""Exact money: ``Decimal`` in Python, whole hundredths in the database's sums.

SQLite stores a ``DecimalField`` with numeric affinity, that is as a floating-point number, and
its ``SUM`` adds floats: summed over a million rows the pennies drift. Each amount times one
hundred, rounded and cast to an integer, is exact on SQLite and on PostgreSQL alike (every
stored amount is within a hair of a whole number of pence), and integer sums are exact. The
totals come back as integers and become ``Decimal`` here.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import BigIntegerField, Expression, F, Func, Sum, Value
from django.db.models.functions import Coalesce

from finance.models import MONEY_DIGITS, MONEY_PLACES

PENNY = Decimal("0.01")
ZERO = Decimal("0.00")
MAXIMUM = Decimal(10 ** (MONEY_DIGITS - MONEY_PLACES)) - PENNY


class Pence(Func):
    """An amount column as a whole number of hundredths: one native expression on both databases
    (on SQLite, Django's own arithmetic on a decimal column adds casts that cost per row)."""

    template = "CAST(ROUND(%(expressions)s * 100) AS BIGINT)"
    output_field = BigIntegerField()


def pence(field: str | Expression) -> Expression:
    """An amount column as a whole number of hundredths."""
    return Pence(F(field) if isinstance(field, str) else field)


def pence_sum(field: str | Expression, **extra: Any) -> Expression:
    """The exact sum of an amount column in hundredths; 0, not NULL, over no rows."""
    return Coalesce(Sum(pence(field), **extra), Value(0), output_field=BigIntegerField())


def from_pence(value: int | None) -> Decimal:
    return (Decimal(int(value or 0)) / 100).quantize(PENNY)


def to_pence(amount: Decimal) -> int:
    return int((amount * 100).to_integral_value())


def quantize(value: Decimal) -> Decimal:
    return value.quantize(PENNY, rounding=ROUND_HALF_UP)


def parse_amount(value: Any, *, what: str = "The amount", allow_zero: bool = False) -> Decimal:
    """A positive amount with at most two decimal places, or a ValidationError that says why."""
    if isinstance(value, float):
        # A float is already inexact: 0.1 is not one tenth. Refuse rather than guess.
        raise ValidationError(f"{what} must be given as a decimal, not a floating-point number.")
    try:
        amount = value if isinstance(value, Decimal) else Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise ValidationError(f"{what} must be a number, such as 120.00.") from None
    if not amount.is_finite():
        raise ValidationError(f"{what} must be a number, such as 120.00.")
    if amount != amount.quantize(PENNY):
        raise ValidationError(f"{what} may have at most two decimal places.")
    if amount < 0 or (amount == 0 and not allow_zero):
        raise ValidationError(f"{what} must be more than zero.")
    if amount > MAXIMUM:
        raise ValidationError(f"{what} is larger than the records can hold.")
    return amount.quantize(PENNY)


def display(amount: Decimal | None) -> str:
    """1234.5 → '1,234.50'."""
    return f"{(amount or ZERO):,.2f}"
