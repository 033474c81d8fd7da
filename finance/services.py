"""Every write to the financial records: the administrator's alone, each audited in its transaction.

An issued invoice never changes (policy 000 asks that the records stand up to an auditor): once
issued, its number, parties, lines, amounts and dates are final, and a mistake is put right with
a credit note. Only its settlement state moves as payments and credits arrive. The database
refuses the same changes with a trigger (migration 0002), so no other path can make them either.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone

import access
from confidentiality.audit import audit_record
from confidentiality.crypto import UNREADABLE_REFUSAL, Unreadable
from confidentiality.dates import day_in_words
from confidentiality.practice import supplier_snapshot
from confidentiality.roles import Role
from finance import money, totals
from finance.models import Audit, CreditNote, Invoice, InvoiceLine, NumberSeries, Payment

if TYPE_CHECKING:
    from confidentiality.models import User

MAX_LINES = 50
ISSUED_IS_FINAL = "An issued invoice never changes. Issue a credit note to correct it."


@dataclass(frozen=True)
class LineInput:
    description: str
    quantity: Decimal
    unit_price: Decimal
    tax_rate: Decimal


def _require_writer(actor: User) -> None:
    # actor=None is the system itself (the demo, a management command run with server access).
    if actor is not None and not access.can_write_finance(actor):
        raise PermissionDenied("Only the practice administrator changes financial records.")


def next_number(series: str) -> int:
    """The next number of a series, taken under a row lock in the caller's transaction: unique,
    and without gaps, because a rolled-back issue rolls the counter back too."""
    counter = NumberSeries.objects.select_for_update().filter(series=series).first()
    if counter is None:
        # Created by migration 0002; a test database's flush removes it.
        try:
            with transaction.atomic():
                NumberSeries.objects.create(series=series, last_number=0)
        except IntegrityError:
            pass  # another transaction created it first
        counter = NumberSeries.objects.select_for_update().get(series=series)
    counter.last_number += 1
    counter.save(update_fields=["last_number"])
    return counter.last_number


def _priced(lines: list[LineInput]) -> list[InvoiceLine]:
    if not lines:
        raise ValidationError("An invoice needs at least one line.")
    if len(lines) > MAX_LINES:
        raise ValidationError(f"An invoice has at most {MAX_LINES} lines.")
    priced = []
    for position, line in enumerate(lines, 1):
        description = line.description.strip()
        if not description:
            raise ValidationError(f"Line {position} needs a description.")
        quantity = money.parse_amount(line.quantity, what=f"Line {position}'s quantity")
        unit_price = money.parse_amount(line.unit_price, what=f"Line {position}'s unit price", allow_zero=True)
        tax_rate = money.parse_amount(line.tax_rate, what=f"Line {position}'s tax rate", allow_zero=True)
        if tax_rate > 100:
            raise ValidationError(f"Line {position}'s tax rate must be a percentage between 0 and 100.")
        net = money.quantize(quantity * unit_price)
        tax = money.quantize(net * tax_rate / 100)
        priced.append(
            InvoiceLine(
                position=position,
                description=description,
                quantity=quantity,
                unit_price=unit_price,
                tax_rate=tax_rate,
                net=net,
                tax=tax,
            )
        )
    return priced


def _write_lines(invoice: Invoice, lines: list[InvoiceLine]) -> None:
    invoice.net = sum((line.net for line in lines), money.ZERO)
    invoice.tax = sum((line.tax for line in lines), money.ZERO)
    invoice.gross = invoice.net + invoice.tax
    if invoice.gross <= 0:
        raise ValidationError("An invoice must ask for more than nothing.")
    if invoice.gross > money.MAXIMUM:
        raise ValidationError("The invoice's total is larger than the records can hold.")
    invoice.full_clean()
    invoice.save()
    invoice.lines.all().delete()
    for line in lines:
        line.invoice = invoice
        line.full_clean()
    InvoiceLine.objects.bulk_create(lines)


def _check_parties(organisation: Any, engagement: Any) -> None:
    """An invoice goes to an organisation (for one of its engagements, or none), or to a private
    client, who pays for their own coaching: then it names their engagement and no organisation."""
    if engagement is not None and engagement.organisation_id is None:
        if organisation is not None:
            raise ValidationError(
                {
                    "organisation": "This engagement is a private client's, who pays for their own coaching: the "
                    "invoice goes to the client. Choose no organisation."
                }
            )
        return
    if organisation is None:
        raise ValidationError(
            {
                "organisation": "Choose the organisation invoiced, or, for a private client who pays for their own "
                "coaching, no organisation and their engagement."
            }
        )
    if engagement is not None and engagement.organisation_id != organisation.pk:
        raise ValidationError({"engagement": "The engagement belongs to another organisation."})


@transaction.atomic
def invoice_create(
    *,
    actor: User,
    organisation: Any,
    lines: list[LineInput],
    engagement: Any = None,
    currency: str = "GBP",
    payment_terms_days: int = 30,
) -> Invoice:
    """A draft: no number yet, seen by the administrator only, free to change until issued."""
    _require_writer(actor)
    _check_parties(organisation, engagement)
    invoice = Invoice(
        organisation=organisation,
        engagement=engagement,
        currency=currency,
        payment_terms_days=payment_terms_days,
        created_by=actor if actor is not None else _system_user(),
    )
    _write_lines(invoice, _priced(lines))
    audit_record(actor=actor, action="finance.invoice.draft", obj=invoice, detail={"lines": len(lines)})
    return invoice


@transaction.atomic
def invoice_update(
    *,
    actor: User,
    invoice: Invoice,
    organisation: Any,
    lines: list[LineInput],
    engagement: Any = None,
    currency: str = "GBP",
    payment_terms_days: int = 30,
) -> Invoice:
    _require_writer(actor)
    locked = Invoice.objects.select_for_update().get(pk=invoice.pk)
    if locked.state != Invoice.State.DRAFT:
        raise ValidationError(ISSUED_IS_FINAL)
    _check_parties(organisation, engagement)
    locked.organisation = organisation
    locked.engagement = engagement
    locked.currency = currency
    locked.payment_terms_days = payment_terms_days
    _write_lines(locked, _priced(lines))
    audit_record(actor=actor, action="finance.invoice.draft_change", obj=locked, detail={"lines": len(lines)})
    return locked


@transaction.atomic
def invoice_delete(*, actor: User, invoice: Invoice) -> None:
    """Only a draft goes: it has no number, so no gap is left in the sequence."""
    _require_writer(actor)
    locked = Invoice.objects.select_for_update().get(pk=invoice.pk)
    if locked.state != Invoice.State.DRAFT:
        raise ValidationError(ISSUED_IS_FINAL)
    audit_record(actor=actor, action="finance.invoice.draft_delete", obj=locked)
    locked.delete()


@transaction.atomic
def invoice_issue(*, actor: User, invoice: Invoice, issued_on: datetime.date | None = None) -> Invoice:
    """Give the draft the next number and its date; from now on it never changes.

    The date may be earlier than today (an invoice written up late) but never earlier than the
    last invoice issued, so that numbers and dates run in the same order, as an auditor expects.
    """
    _require_writer(actor)
    locked = (
        Invoice.objects.select_for_update(of=("self",))
        .select_related("organisation", "engagement__client")
        .get(pk=invoice.pk)
    )
    if locked.state != Invoice.State.DRAFT:
        raise ValidationError("This invoice has already been issued.")
    if locked.is_private and locked.engagement is None:
        # The private client's engagement was deleted (two years after it closed) while this was a draft.
        raise ValidationError(
            "This draft was for a private client whose engagement's records have since been deleted: there is no "
            "one to invoice. Delete the draft."
        )
    if not locked.lines.exists():
        raise ValidationError("An invoice needs at least one line.")
    supplier = supplier_snapshot()
    if not supplier["vat_number"] and locked.lines.filter(tax_rate__gt=0).exists():
        # Only a VAT-registered business may charge VAT, and its invoice must give the number.
        raise ValidationError(
            "This invoice charges VAT and the practice has no VAT number: record the VAT number on the "
            "Practice page, or set the VAT rate of every line to 0."
        )
    today = timezone.localdate()
    issued_on = issued_on or today
    if issued_on > today:
        raise ValidationError({"issued_on": "An invoice cannot be dated in the future."})
    number = next_number(NumberSeries.INVOICE)  # holds the series lock until commit
    latest = Invoice.objects.filter(number__isnull=False).aggregate(latest=Max("issued_on"))["latest"]
    if latest is not None and issued_on < latest:
        raise ValidationError(
            {"issued_on": f"The last invoice was issued on {day_in_words(latest)}; this one cannot be dated earlier."}
        )
    locked.number = number
    locked.issued_on = issued_on
    locked.due_on = issued_on + datetime.timedelta(days=locked.payment_terms_days)
    locked.state = Invoice.State.UNPAID
    if locked.organisation is not None:
        locked.organisation_name = locked.organisation.name
        locked.organisation_address = locked.organisation.address
    else:
        # The client is the customer: their name and postal address as they are today, sealed.
        assert locked.engagement is not None
        client = locked.engagement.client
        name, address = client.full_name, client.postal_address or ""
        if isinstance(name, Unreadable) or isinstance(address, Unreadable):
            raise ValidationError(UNREADABLE_REFUSAL)
        locked.seal_billed_to(name, address)
    locked.supplier = supplier
    locked.engagement_reference = locked.engagement.reference if locked.engagement else ""
    locked.issued_at = timezone.now()
    locked.issued_by = actor if actor is not None else _system_user()
    locked.full_clean()
    locked.save(
        update_fields=[
            "number",
            "issued_on",
            "due_on",
            "state",
            "organisation_name",
            "organisation_address",
            "billed_to_sealed",
            "supplier",
            "engagement_reference",
            "issued_at",
            "issued_by",
        ]
    )
    totals.add(
        month=issued_on,
        organisation_id=locked.organisation_id,
        currency=locked.currency,
        amounts={"invoice_count": 1, "invoiced_pence": money.to_pence(locked.gross)},
    )
    totals.add_open_debt(
        issued_on=issued_on,
        due_on=locked.due_on,
        currency=locked.currency,
        amounts={"open_count": 1, "outstanding_pence": money.to_pence(locked.gross)},
    )
    audit_record(
        actor=actor,
        action="finance.invoice.issue",
        obj=locked,
        detail={"number": number, "gross": str(locked.gross), "currency": locked.currency},
    )
    return locked


@dataclass(frozen=True)
class Balance:
    gross: Decimal
    paid: Decimal
    credited: Decimal

    @property
    def outstanding(self) -> Decimal:
        return self.gross - self.paid - self.credited


def invoice_balance(invoice: Invoice) -> Balance:
    """What was paid and credited against one invoice, summed by the database."""
    paid = Payment.objects.filter(invoice=invoice).aggregate(total=money.pence_sum("amount"))["total"]
    credited = CreditNote.objects.filter(invoice=invoice).aggregate(total=money.pence_sum("gross"))["total"]
    return Balance(gross=invoice.gross, paid=money.from_pence(paid), credited=money.from_pence(credited))


def _settle(invoice: Invoice) -> None:
    balance = invoice_balance(invoice)
    if balance.outstanding == 0:
        state = Invoice.State.PAID if balance.paid > 0 else Invoice.State.CREDITED
    elif balance.paid or balance.credited:
        state = Invoice.State.PART_PAID
    else:
        state = Invoice.State.UNPAID
    if state != invoice.state:
        invoice.state = state
        invoice.save(update_fields=["state"])


def _lock_open_invoice(invoice: Invoice) -> Invoice:
    # The lock serialises two payments against one invoice, so together they cannot overpay it.
    locked = Invoice.objects.select_for_update().get(pk=invoice.pk)
    if locked.state == Invoice.State.DRAFT:
        raise ValidationError("A draft cannot be paid or credited; issue it first.")
    if locked.state not in Invoice.OPEN_STATES:
        raise ValidationError("Nothing is outstanding on this invoice.")
    return locked


def _add_against(invoice: Invoice, dated: datetime.date, *, settles: str, flows: str, pence: int) -> None:
    """A payment or credit note in the monthly totals: what it settles counts in the month its
    invoice was issued (``settles``), the money itself in the month it is dated (``flows``); and in
    the open debt, which it lessens (by the invoice too, when it settles it: call after ``_settle``)."""
    assert invoice.issued_on is not None and invoice.due_on is not None  # _lock_open_invoice refused a draft
    organisation_id, currency = invoice.organisation_id, invoice.currency
    closed = invoice.state not in Invoice.OPEN_STATES
    totals.add_open_debt(
        issued_on=invoice.issued_on,
        due_on=invoice.due_on,
        currency=currency,
        amounts={"open_count": -1 if closed else 0, "outstanding_pence": -pence},
    )
    if totals.month_of(invoice.issued_on) == totals.month_of(dated):
        both = {settles: pence, flows: pence}
        totals.add(month=dated, organisation_id=organisation_id, currency=currency, amounts=both)
        return
    totals.add(month=invoice.issued_on, organisation_id=organisation_id, currency=currency, amounts={settles: pence})
    totals.add(month=dated, organisation_id=organisation_id, currency=currency, amounts={flows: pence})


@transaction.atomic
def payment_record(
    *,
    actor: User,
    invoice: Invoice,
    amount: Any,
    received_on: datetime.date,
    method: str = Payment.Method.BANK_TRANSFER,
    reference: str = "",
) -> Payment:
    _require_writer(actor)
    locked = _lock_open_invoice(invoice)
    amount = money.parse_amount(amount)
    outstanding = invoice_balance(locked).outstanding
    if amount > outstanding:
        raise ValidationError(
            {"amount": f"Only {money.display(outstanding)} {locked.currency} is outstanding on this invoice."}
        )
    if received_on > timezone.localdate():
        raise ValidationError({"received_on": "A payment cannot be received in the future."})
    if locked.issued_on is not None and received_on < locked.issued_on:
        raise ValidationError({"received_on": "A payment cannot be received before the invoice was issued."})
    payment = Payment(
        invoice=locked,
        organisation_id=locked.organisation_id,
        currency=locked.currency,
        amount=amount,
        received_on=received_on,
        method=method,
        reference=reference.strip(),
        recorded_by=actor if actor is not None else _system_user(),
    )
    payment.full_clean()
    payment.save()
    _settle(locked)
    _add_against(locked, received_on, settles="paid_pence", flows="received_pence", pence=money.to_pence(amount))
    audit_record(
        actor=actor,
        action="finance.payment.record",
        obj=payment,
        detail={"invoice": locked.number, "amount": str(amount), "currency": locked.currency},
    )
    return payment


@transaction.atomic
def credit_note_issue(
    *,
    actor: User,
    invoice: Invoice,
    net: Any,
    tax: Any,
    reason: str,
    issued_on: datetime.date | None = None,
) -> CreditNote:
    """Credit part or all of what is outstanding; numbered in its own gapless series."""
    _require_writer(actor)
    locked = _lock_open_invoice(invoice)
    net = money.parse_amount(net, what="The net amount", allow_zero=True)
    tax = money.parse_amount(tax, what="The tax", allow_zero=True)
    gross = net + tax
    if gross <= 0:
        raise ValidationError("A credit note must credit more than nothing.")
    outstanding = invoice_balance(locked).outstanding
    if gross > outstanding:
        raise ValidationError(
            f"Only {money.display(outstanding)} {locked.currency} is outstanding; a credit note cannot exceed it."
        )
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": "Say why the invoice is credited."})
    today = timezone.localdate()
    issued_on = issued_on or today
    if issued_on > today:
        raise ValidationError({"issued_on": "A credit note cannot be dated in the future."})
    if locked.issued_on is not None and issued_on < locked.issued_on:
        raise ValidationError({"issued_on": "A credit note cannot be dated before its invoice."})
    number = next_number(NumberSeries.CREDIT_NOTE)
    latest = CreditNote.objects.aggregate(latest=Max("issued_on"))["latest"]
    if latest is not None and issued_on < latest:
        raise ValidationError(
            {"issued_on": f"The last credit note was dated {day_in_words(latest)}; this one cannot be dated earlier."}
        )
    credit = CreditNote(
        number=number,
        invoice=locked,
        organisation_id=locked.organisation_id,
        currency=locked.currency,
        net=net,
        tax=tax,
        gross=gross,
        reason=reason,
        issued_on=issued_on,
        issued_by=actor if actor is not None else _system_user(),
    )
    credit.full_clean()
    credit.save()
    _settle(locked)
    _add_against(locked, issued_on, settles="credited_pence", flows="credit_notes_pence", pence=money.to_pence(gross))
    audit_record(
        actor=actor,
        action="finance.credit_note.issue",
        obj=credit,
        detail={"invoice": locked.number, "number": number, "gross": str(gross), "currency": locked.currency},
    )
    return credit


# --- the monthly totals, checked against the records ------------------------------------------


def monthly_totals_reconcile(*, actor: User | None = None) -> list[totals.Difference]:
    """Compare the monthly totals with the records (the nightly task; ``actor=None`` is the system).

    The overview reads the totals, so a difference would show an auditor figures the records do not
    support: any difference is audited and the administrators are told, with what differs (months,
    currencies and sums, no names). Nothing is corrected here: a difference means a path wrote
    records without the services or the triggers, and that needs a person to find it.
    """
    found = totals.differences()
    audit_record(
        actor=actor,
        action="finance.totals.reconcile",
        object_type="finance.monthlytotal",
        detail={"differences": len(found), "first": [str(d) for d in found[:5]]},
    )
    if found:
        from django.urls import reverse

        from confidentiality.notify import notify

        notify(
            users=access.administrators(),
            text=f"The monthly financial totals differ from the records in {len(found)} place"
            f"{'s' if len(found) != 1 else ''} (first: {found[0]}). The overview's figures cannot be trusted "
            "until this is found.",
            link=reverse("finance:overview"),
        )
    return found


# --- audits: an auditor's window ------------------------------------------------------------


@transaction.atomic
def audit_open(
    *, actor: User | None, auditor: User, starts_on: datetime.date, ends_on: datetime.date, purpose: str
) -> Audit:
    """Give an auditor read access to every financial record from ``starts_on`` to ``ends_on``."""
    if actor is not None and not access.can_manage_audits(actor):
        raise PermissionDenied("Only the practice administrator opens an audit.")
    if access.role_of(auditor) != Role.AUDITOR:
        raise ValidationError({"auditor": "Only a person with the auditor role can be given an audit."})
    if ends_on < starts_on:
        raise ValidationError({"ends_on": "The audit must end on or after the day it starts."})
    if ends_on < timezone.localdate():
        raise ValidationError({"ends_on": "The audit would already be over."})
    if (ends_on - starts_on).days > 366:
        raise ValidationError({"ends_on": "An audit lasts at most a year; open another one after it."})
    audit = Audit(
        auditor=auditor,
        starts_on=starts_on,
        ends_on=ends_on,
        purpose=purpose.strip(),
        created_by=actor if actor is not None else _system_user(),
    )
    audit.full_clean()
    audit.save()
    access.forget_cached_audit(auditor)
    audit_record(
        actor=actor,
        action="finance.audit.open",
        obj=audit,
        detail={"auditor": auditor.pk, "starts_on": str(starts_on), "ends_on": str(ends_on)},
    )
    return audit


@transaction.atomic
def audit_end(*, actor: User, audit: Audit) -> Audit:
    """End an audit now: the auditor loses access at once."""
    if actor is not None and not access.can_manage_audits(actor):
        raise PermissionDenied("Only the practice administrator ends an audit.")
    locked = Audit.objects.select_for_update().get(pk=audit.pk)
    if locked.ended_at is not None:
        raise ValidationError("This audit has already ended.")
    locked.ended_at = timezone.now()
    locked.ended_by = actor if actor is not None else _system_user()
    locked.save(update_fields=["ended_at", "ended_by"])
    access.forget_cached_audit(locked.auditor)
    audit_record(actor=actor, action="finance.audit.end", obj=locked, detail={"auditor": locked.auditor_id})
    return locked


def _system_user() -> Any:
    """Records need a person: the system (the demo) acts as the first active administrator."""
    from confidentiality.models import User

    user = User.objects.filter(groups__name=Role.ADMIN.value, is_active=True).order_by("pk").first()
    if user is None:
        raise ValidationError("The practice has no administrator to record this.")
    return user
