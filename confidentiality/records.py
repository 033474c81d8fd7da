"""The name each kind of record goes by outside the code.

A record's label (``app_label.modelname``) is bound into its ciphertexts' associated data, written
into the audit chain's hashed events, and names its retention rule and its deletion receipts. None
of those can be rewritten without re-encrypting every value and re-hashing the chain, so a model
that moves to another app keeps the label it had, as ``record_label`` on the class; every reader
goes through here and so accepts the old label and the current one.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import cache
from typing import Any

from django.apps import apps
from django.db import models


def record_label(model: type[models.Model] | models.Model) -> str:
    """The label a kind of record is known by: the one it had before any move, or its own."""
    return str(getattr(model, "record_label", None) or model._meta.label_lower)


@cache
def _by_label() -> dict[str, type[models.Model]]:
    found: dict[str, type[models.Model]] = {}
    for model in apps.get_models():
        found[record_label(model)] = model
        found.setdefault(model._meta.label_lower, model)
    return found


def model_for_label(label: str) -> type[models.Model]:
    """The model a label names, whether the pinned label or the app it lives in now."""
    try:
        return _by_label()[label.lower()]
    except KeyError:
        raise LookupError(f"No kind of record is labelled {label!r}.") from None


def kind_name(label: str, *, plural: bool = True) -> str:
    """A kind of record (its label, "engagements.agreementterm") as a person reads it: "agreement
    terms", or "agreement term"; a label no model answers to stays as it is."""
    try:
        meta = model_for_label(label)._meta
    except (LookupError, ValueError):
        return label
    return str(meta.verbose_name_plural if plural else meta.verbose_name)


def pk_batches(queryset: models.QuerySet[Any, Any], size: int) -> Iterator[list[Any]]:
    """The rows of ``queryset`` a batch at a time, in primary-key order: each batch is a query of
    its own, starting after the last row of the one before, so a long pass holds no cursor and a
    row changed meanwhile is read as it now is. A ``values_list`` queryset names the pk first."""
    last: Any = None
    while True:
        page = queryset.order_by("pk")
        if last is not None:
            page = page.filter(pk__gt=last)
        batch = list(page[:size])
        if not batch:
            return
        tail = batch[-1]
        last = tail[0] if isinstance(tail, tuple) else tail.pk
        yield batch
