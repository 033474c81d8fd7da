"""Writes to the records of processing: activities and processors, each audited.

The administrator alone writes here (``access.can_manage_records_of_processing``); ``actor=None`` is
the system itself (the demo's seeding). Every refusal is a ValidationError naming its field, raised
before anything is written.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

import access
from confidentiality.audit import audit_record
from processing import defaults
from processing.models import LawfulBasis, ProcessingActivity, Processor, SpecialCategoryCondition
from processing.periods import retention_choices

if TYPE_CHECKING:
    from confidentiality.models import User


def _require_admin(actor: User | None) -> None:
    if actor is not None and not access.can_manage_records_of_processing(actor):
        raise PermissionDenied("Only the practice administrator keeps the records of processing.")


def _text(value: Any, *, field: str, label: str, limit: int, required: bool = True) -> str:
    text = str(value or "").strip()
    if required and not text:
        raise ValidationError({field: f"Give {label}."})
    if len(text) > limit:
        raise ValidationError({field: f"{label[0].upper()}{label[1:]}: at most {limit} characters."})
    return text


# --- processors -------------------------------------------------------------------------------


def _processor_fields(
    *, name: str, service: str, location: str, outside_uk: bool, transfer_safeguard: str
) -> dict[str, Any]:
    fields = {
        "name": _text(name, field="name", label="the processor's name", limit=120),
        "service": _text(service, field="service", label="what it does for the practice", limit=500),
        "location": _text(location, field="location", label="where it processes the information", limit=200),
        "outside_uk": bool(outside_uk),
        "transfer_safeguard": _text(
            transfer_safeguard, field="transfer_safeguard", label="the safeguard", limit=200, required=False
        ),
    }
    # Articles 44 to 46: information leaves the UK only under adequacy regulations or an appropriate
    # safeguard, so a transfer is not recorded without one; a safeguard without a transfer is a
    # mistake in one of the two fields, and the record says which.
    if fields["outside_uk"] and not fields["transfer_safeguard"]:
        raise ValidationError(
            {
                "transfer_safeguard": "Name the safeguard for the transfer outside the UK, e.g. 'adequacy "
                "regulations' or 'UK IDTA'."
            }
        )
    if not fields["outside_uk"] and fields["transfer_safeguard"]:
        raise ValidationError(
            {"outside_uk": "A safeguard is recorded only for a transfer outside the UK: tick the box or clear it."}
        )
    return fields


@transaction.atomic
def processor_create(
    *,
    actor: User | None,
    name: str,
    service: str,
    location: str,
    outside_uk: bool = False,
    transfer_safeguard: str = "",
) -> Processor:
    _require_admin(actor)
    processor = Processor(
        **_processor_fields(
            name=name, service=service, location=location, outside_uk=outside_uk, transfer_safeguard=transfer_safeguard
        )
    )
    processor.full_clean()
    processor.save()
    audit_record(actor=actor, action="processing.processor_create", obj=processor)
    return processor


@transaction.atomic
def processor_update(
    *,
    actor: User | None,
    processor: Processor,
    name: str,
    service: str,
    location: str,
    outside_uk: bool = False,
    transfer_safeguard: str = "",
) -> Processor:
    _require_admin(actor)
    fields = _processor_fields(
        name=name, service=service, location=location, outside_uk=outside_uk, transfer_safeguard=transfer_safeguard
    )
    locked = Processor.objects.select_for_update().get(pk=processor.pk)
    for field, value in fields.items():
        setattr(locked, field, value)
    locked.full_clean()
    locked.save()
    audit_record(actor=actor, action="processing.processor_update", obj=locked)
    return locked


@transaction.atomic
def processor_remove(*, actor: User | None, processor: Processor) -> None:
    """Refused while an activity names it: a processor quietly dropped from an activity would take
    a transfer out of the record without anyone deciding so."""
    _require_admin(actor)
    locked = Processor.objects.select_for_update().get(pk=processor.pk)
    used_by = list(locked.activities.order_by("purpose").values_list("purpose", flat=True))
    if used_by:
        raise ValidationError(
            f"{locked.name} is still named by: {'; '.join(used_by)}. Take it off those activities first."
        )
    audit_record(actor=actor, action="processing.processor_remove", obj=locked)
    locked.delete()


# --- processing activities ----------------------------------------------------------------------


def _activity_fields(
    *,
    purpose: str,
    description: str,
    lawful_basis: str,
    special_category_condition: str,
    data_subjects: str,
    data_categories: str,
    recipients: str,
    retention_rule: str,
    in_privacy_notice: bool,
) -> dict[str, Any]:
    if lawful_basis not in LawfulBasis.values:
        raise ValidationError({"lawful_basis": "Choose the lawful basis from article 6."})
    special_category_condition = special_category_condition or ""
    if special_category_condition and special_category_condition not in SpecialCategoryCondition.values:
        raise ValidationError(
            {"special_category_condition": "Choose a condition from article 9, or none if no special-category "
             "information is involved."}
        )  # fmt: skip
    if retention_rule not in dict(retention_choices()):
        raise ValidationError({"retention_rule": "Choose the retention schedule's rule that deletes this information."})
    return {
        "purpose": _text(purpose, field="purpose", label="the purpose", limit=200),
        "description": _text(
            description, field="description", label="what is done with it", limit=2000, required=False
        ),
        "lawful_basis": lawful_basis,
        "special_category_condition": special_category_condition,
        "data_subjects": _text(data_subjects, field="data_subjects", label="whose information it is", limit=1000),
        "data_categories": _text(data_categories, field="data_categories", label="what information it is", limit=1000),
        "recipients": _text(recipients, field="recipients", label="who receives it", limit=1000, required=False),
        "retention_rule": retention_rule,
        "in_privacy_notice": bool(in_privacy_notice),
    }


def _known_processors(processors: Iterable[Processor]) -> list[Processor]:
    chosen = list(processors)
    found = set(Processor.objects.filter(pk__in=[p.pk for p in chosen]).values_list("pk", flat=True))
    if len(found) != len({p.pk for p in chosen}):
        raise ValidationError({"processors": "A processor chosen is no longer recorded: choose again."})
    return chosen


@transaction.atomic
def activity_create(
    *,
    actor: User | None,
    purpose: str,
    lawful_basis: str,
    data_subjects: str,
    data_categories: str,
    retention_rule: str,
    description: str = "",
    special_category_condition: str = "",
    recipients: str = "",
    processors: Iterable[Processor] = (),
    in_privacy_notice: bool = True,
) -> ProcessingActivity:
    _require_admin(actor)
    activity = ProcessingActivity(
        **_activity_fields(
            purpose=purpose,
            description=description,
            lawful_basis=lawful_basis,
            special_category_condition=special_category_condition,
            data_subjects=data_subjects,
            data_categories=data_categories,
            recipients=recipients,
            retention_rule=retention_rule,
            in_privacy_notice=in_privacy_notice,
        )
    )
    chosen = _known_processors(processors)
    activity.full_clean()
    activity.save()
    activity.processors.set(chosen)
    audit_record(
        actor=actor,
        action="processing.activity_create",
        obj=activity,
        detail={"lawful_basis": activity.lawful_basis, "retention_rule": activity.retention_rule},
    )
    return activity


@transaction.atomic
def activity_update(
    *,
    actor: User | None,
    activity: ProcessingActivity,
    purpose: str,
    lawful_basis: str,
    data_subjects: str,
    data_categories: str,
    retention_rule: str,
    description: str = "",
    special_category_condition: str = "",
    recipients: str = "",
    processors: Iterable[Processor] = (),
    in_privacy_notice: bool = True,
) -> ProcessingActivity:
    _require_admin(actor)
    fields = _activity_fields(
        purpose=purpose,
        description=description,
        lawful_basis=lawful_basis,
        special_category_condition=special_category_condition,
        data_subjects=data_subjects,
        data_categories=data_categories,
        recipients=recipients,
        retention_rule=retention_rule,
        in_privacy_notice=in_privacy_notice,
    )
    chosen = _known_processors(processors)
    locked = ProcessingActivity.objects.select_for_update().get(pk=activity.pk)
    for field, value in fields.items():
        setattr(locked, field, value)
    locked.full_clean()
    locked.save()
    locked.processors.set(chosen)
    audit_record(
        actor=actor,
        action="processing.activity_update",
        obj=locked,
        detail={"lawful_basis": locked.lawful_basis, "retention_rule": locked.retention_rule},
    )
    return locked


@transaction.atomic
def activity_remove(*, actor: User | None, activity: ProcessingActivity) -> None:
    _require_admin(actor)
    locked = ProcessingActivity.objects.select_for_update().get(pk=activity.pk)
    audit_record(actor=actor, action="processing.activity_remove", obj=locked)
    locked.delete()


@transaction.atomic
def processing_suggestions_install(*, actor: User | None, with_demo_processors: bool = False) -> int:
    """Add the suggested activities (and the demo's processors) that are not recorded yet, by
    purpose or name; what is recorded already is left as it is. Returns how many were added."""
    _require_admin(actor)
    added = 0
    processors: dict[str, Processor] = {}
    used_by: dict[str, Any] = {}
    if with_demo_processors:
        names = {name.lower() for name in Processor.objects.values_list("name", flat=True)}
        for spec in defaults.DEMO_PROCESSORS:
            fields = {k: v for k, v in spec.items() if k != "used_by"}
            if spec["name"].lower() not in names:
                processors[spec["name"]] = processor_create(actor=actor, **fields)
                used_by[spec["name"]] = spec["used_by"]
                added += 1
    purposes = {p.lower() for p in ProcessingActivity.objects.values_list("purpose", flat=True)}
    for spec in defaults.SUGGESTED_ACTIVITIES:
        if spec["purpose"].lower() in purposes:
            continue
        chosen = [
            processor
            for name, processor in processors.items()
            if used_by[name] == "*" or spec["purpose"] in used_by[name]
        ]
        activity_create(actor=actor, processors=chosen, **spec)
        added += 1
    return added
