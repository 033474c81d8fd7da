"""Filters for long lists, where a template's own tags cost more than the rows (issue 23: the
dashboards' processor time). Each gives exactly what the tag it stands for would."""

from __future__ import annotations

import datetime
import uuid
from typing import Any

from django import template
from django.template.defaultfilters import date as date_filter
from django.urls import reverse
from django.utils.dates import MONTHS_3

register = template.Library()

# Any id the pattern accepts: the address is reversed once for it, and each row's id put in its place.
_ANY_ID = uuid.UUID(int=0)


@register.simple_tag
def address_of_each(name: str) -> str:
    """``{% url name id %}`` for every row of a list, reversed once: use with ``with_id``."""
    return reverse(name, args=[_ANY_ID])


@register.filter
def with_id(address: str, pk: uuid.UUID) -> str:
    return address.replace(str(_ANY_ID), str(uuid.UUID(str(pk))), 1)


# The same for addresses that take a number (a person's): one no real row has.
_ANY_NUMBER = 987_654_321_987_654_321


@register.simple_tag
def address_of_each_number(name: str) -> str:
    """``{% url name number %}`` for every row of a list, reversed once: use with ``with_number``."""
    return reverse(name, args=[_ANY_NUMBER])


@register.filter
def with_number(address: str, pk: int) -> str:
    return address.replace(str(_ANY_NUMBER), str(int(pk)), 1)


@register.filter
def day_month_year(value: Any) -> str:
    """``|date:"j M Y"`` of a date (e.g. 3 Mar 2026), without the general formatter's work per row."""
    if type(value) is datetime.date:
        return f"{value.day} {MONTHS_3[value.month].title()} {value.year}"
    return str(date_filter(value, "j M Y"))


@register.simple_tag
def engagement_rows(engagements: Any, name: str = "engagements:detail") -> list[dict[str, str]]:
    """Each engagement of a list as the table shows it, computed once in Python: a template looks up
    a dict's keys at the first try, a model's attributes only after a failed key lookup, and the
    filters of each cell cost more than the rows (issue 23). The same text as the cells it replaces;
    the template still escapes every value."""
    address = reverse(name, args=[_ANY_ID])
    any_id = str(_ANY_ID)
    labels: dict[str, str] = {}
    rows = []
    for engagement in engagements:
        status = engagement.status
        if status not in labels:
            labels[status] = engagement.get_status_display()
        actions = getattr(engagement, "next_actions", None)
        rows.append(
            {
                "address": address.replace(any_id, str(engagement.pk), 1),
                "reference": engagement.reference,
                "title": engagement.title,
                "payer": engagement.payer_name,
                "status": status,
                "status_label": labels[status],
                "started": day_month_year(engagement.starts_on),
                "next": "; ".join(actions) if actions else "Up to date",
            }
        )
    return rows
