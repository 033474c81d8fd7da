from __future__ import annotations

from decimal import Decimal

from django import template

from finance import money as money_module

register = template.Library()


@register.filter
def money(value: Decimal | None) -> str:
    """1234.5 → "1,234.50"."""
    return money_module.display(value)
