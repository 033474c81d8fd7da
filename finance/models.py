"""The practice's own financial records: invoices, their lines, payments, credit notes; and the
audits that open them, for a time, to an auditor.

Policy 000: "We keep our own financial records for five years and these will refer to any
financial transactions between alliance and the organisation. These files are also
confidential but are open to scrutiny by auditors".

- Money is ``Decimal`` with two places, never float; sums are taken in whole pence by the
  database (``finance.money``), because SQLite adds decimals as floating point.
- An issued invoice never changes: its number, parties, amounts and dates are final (the
  services refuse, and a trigger refuses any UPDATE that would change them). A mistake is put
  right with a credit note. Only its settlement ``state`` moves, as payments and credits arrive.
- Every record has one date the retention sweep reads (``finance.retention``): an invoice's
  ``issued_on``, a payment's ``received_on``, a credit note's ``issued_on``.
- An invoice to an organisation names no client: it names the organisation and, at most, the
  reference of the engagement, which names no one. A private client, who pays for their own
  coaching (policy 003: the payer is an "institution or individual"), is invoiced themselves:
  their invoice, payments and credit notes have no organisation, and the invoice keeps the
  client's name as it was when issued, sealed (``billed_to_sealed``): encrypted at rest, bound
  to the invoice, opened only for those who read the invoice.
"""

from __future__ import annotations

import json
import uuid
from functools import cached_property
from typing import Any

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone

from confidentiality.crypto import DecryptionError, Unreadable, open_with_kek, seal_with_kek, tell_of_unreadable
from engagements.models import PRIVATE_PAYER

MONEY_DIGITS = 12  # up to 9,999,999,999.99
MONEY_PLACES = 2


class Currency(models.TextChoices):
    """Currencies with two minor-unit places (the sums are taken in hundredths)."""

    GBP = "GBP", "Pound sterling (GBP)"
    EUR = "EUR", "Euro (EUR)"
    USD = "USD", "US dollar (USD)"


class NumberSeries(models.Model):
    """The last number used in a series. Issuing locks this row (``select_for_update``) and
    takes the next number in the same transaction, so numbers are unique and have no gaps even
    when two people issue at once: a rolled-back issue gives its number back."""

    INVOICE = "invoice"
    CREDIT_NOTE = "credit_note"

    series = models.CharField(max_length=20, primary_key=True)
    last_number = models.PositiveBigIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.series}: {self.last_number}"


class Invoice(models.Model):
    class State(models.TextChoices):
        DRAFT = "draft", "Draft"
        UNPAID = "unpaid", "Issued, unpaid"
        PART_PAID = "part_paid", "Part paid"
        PAID = "paid", "Paid"
        CREDITED = "credited", "Cancelled by credit note"

    OPEN_STATES = (State.UNPAID, State.PART_PAID)

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    number = models.PositiveBigIntegerField(
        unique=True, null=True, blank=True, help_text="Given when the invoice is issued, in sequence."
    )
    # None on a private client's invoice: the client is the customer (``billed_to_sealed``).
    organisation = models.ForeignKey(
        "engagements.Organisation", null=True, blank=True, on_delete=models.PROTECT, related_name="invoices"
    )
    # The organisation's name as it was when the invoice was issued: the document never changes.
    organisation_name = models.CharField(max_length=200, blank=True)
    # A private client's name as it was when the invoice was issued, sealed under the key-encryption
    # key and bound to this invoice (``Invoice.billed_to`` opens it); kept, like the invoice, for five years.
    billed_to_sealed = models.TextField(null=True, blank=True)
    # SET_NULL: an engagement's files go two years after it closes, its invoices stay five;
    # the reference is kept on the invoice itself.
    engagement = models.ForeignKey(
        "engagements.Engagement", null=True, blank=True, on_delete=models.SET_NULL, related_name="invoices"
    )
    engagement_reference = models.CharField(max_length=40, blank=True)
    # As they were the day it was issued (a VAT invoice names supplier and customer as they then were).
    # Nullable, so that adding them did not rebuild the table (and its triggers) on SQLite; set on issue.
    organisation_address = models.TextField(null=True, blank=True)
    supplier = models.JSONField(
        null=True, blank=True, help_text="The practice's name, address, numbers and how to pay, when issued."
    )
    currency = models.CharField(max_length=3, choices=Currency.choices, default=Currency.GBP)
    net = models.DecimalField(max_digits=MONEY_DIGITS, decimal_places=MONEY_PLACES, default=0)
    tax = models.DecimalField(max_digits=MONEY_DIGITS, decimal_places=MONEY_PLACES, default=0)
    gross = models.DecimalField(max_digits=MONEY_DIGITS, decimal_places=MONEY_PLACES, default=0)
    payment_terms_days = models.PositiveSmallIntegerField(
        default=30, validators=[MaxValueValidator(365)], help_text="Days from the issue date until payment is due."
    )
    state = models.CharField(max_length=10, choices=State.choices, default=State.DRAFT)
    issued_on = models.DateField(null=True, blank=True, help_text="The invoice's date; retention counts from it.")
    due_on = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    issued_at = models.DateTimeField(null=True, blank=True)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-issued_on", "-number"]
        indexes = [
            # The list: newest first, by period; the same with an organisation or a state.
            models.Index(fields=["issued_on", "number"], name="finance_inv_issued"),
            models.Index(fields=["organisation", "issued_on", "number"], name="finance_inv_org_issued"),
            models.Index(fields=["state", "issued_on", "number"], name="finance_inv_state_issued"),
            # Aged debt and overdue: open invoices by due date.
            models.Index(fields=["state", "due_on"], name="finance_inv_state_due"),
            models.Index(fields=["created_at"], name="finance_inv_created"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(state="draft") | Q(number__isnull=False, issued_on__isnull=False, due_on__isnull=False),
                name="finance_issued_invoice_is_complete",
            ),
            # An organisation, or (a private client's invoice) an engagement, and once issued the client's name.
            models.CheckConstraint(
                condition=Q(organisation__isnull=False, billed_to_sealed__isnull=True)
                | Q(organisation__isnull=True, state="draft", billed_to_sealed__isnull=True)
                | Q(organisation__isnull=True, billed_to_sealed__isnull=False),
                name="finance_invoice_billed_to_someone",
            ),
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def reference(self) -> str:
        return f"INV-{self.number:06d}" if self.number else f"Draft {str(self.id)[:8]}"

    @property
    def is_draft(self) -> bool:
        return self.state == self.State.DRAFT

    @property
    def is_private(self) -> bool:
        """Billed to a private client, who pays for their own coaching, not to an organisation."""
        return self.organisation_id is None

    def seal_billed_to(self, name: str, address: str = "") -> None:
        """The private client's name, and their postal address when one is held, as issued: one
        sealed JSON object (an invoice issued before addresses were kept holds the name alone)."""
        payload = json.dumps({"name": name, "address": address}) if address else name
        self.billed_to_sealed = seal_with_kek(payload, purpose=_billed_to_purpose(self.pk))

    @cached_property
    def _billed_to_opened(self) -> tuple[str, str]:
        if not self.billed_to_sealed:
            return PRIVATE_PAYER, ""
        try:
            opened = open_with_kek(self.billed_to_sealed, purpose=_billed_to_purpose(self.pk))
        except DecryptionError as error:
            tell_of_unreadable(self, "billed_to_sealed", error)
            return Unreadable(self.billed_to_sealed), ""
        if opened.startswith("{"):
            try:
                parts = json.loads(opened)
            except ValueError:
                return opened, ""
            if isinstance(parts, dict) and isinstance(parts.get("name"), str):
                return parts["name"], str(parts.get("address") or "")
        return opened, ""

    @property
    def billed_to(self) -> str:
        """Who is asked to pay: the organisation (its name as issued), or the private client (their
        name as issued; a draft names them once issued)."""
        if not self.is_private:
            return self.organisation_name or (self.organisation.name if self.organisation else "")
        return self._billed_to_opened[0]

    @property
    def billed_to_address(self) -> str:
        """Where the invoice is sent: the organisation's address, or the private client's as issued."""
        if not self.is_private:
            return self.organisation_address or ""
        return self._billed_to_opened[1]


def _billed_to_purpose(invoice_id: Any) -> str:
    # Bound to the invoice: a sealed name copied onto another invoice does not open.
    return f"finance.invoice.billed_to:{invoice_id}"


class InvoiceLine(models.Model):
    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="lines")
    position = models.PositiveSmallIntegerField()
    description = models.CharField(
        max_length=200, help_text="What was supplied, e.g. 'Coaching sessions, March (ENG-2026-001)'. Name no client."
    )
    quantity = models.DecimalField(max_digits=8, decimal_places=2, validators=[MinValueValidator(0)])
    unit_price = models.DecimalField(
        max_digits=MONEY_DIGITS, decimal_places=MONEY_PLACES, validators=[MinValueValidator(0)]
    )
    tax_rate = models.DecimalField(
        max_digits=5, decimal_places=2, default=20, validators=[MinValueValidator(0), MaxValueValidator(100)]
    )
    net = models.DecimalField(max_digits=MONEY_DIGITS, decimal_places=MONEY_PLACES)
    tax = models.DecimalField(max_digits=MONEY_DIGITS, decimal_places=MONEY_PLACES)

    class Meta:
        ordering = ["position"]
        constraints = [models.UniqueConstraint(fields=["invoice", "position"], name="finance_one_line_per_position")]

    def __str__(self) -> str:
        return f"Line {self.position}"


class Payment(models.Model):
    """Money received against an invoice. Recorded once and never changed."""

    class Method(models.TextChoices):
        BANK_TRANSFER = "bank_transfer", "Bank transfer"
        CARD = "card", "Card"
        CHEQUE = "cheque", "Cheque"
        OTHER = "other", "Other"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="payments")
    # Copied from the invoice: lists filter on it without a join, and a legal hold on an
    # organisation finds its payments directly. None for a private client's.
    organisation = models.ForeignKey(
        "engagements.Organisation", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    currency = models.CharField(max_length=3, choices=Currency.choices)
    amount = models.DecimalField(max_digits=MONEY_DIGITS, decimal_places=MONEY_PLACES)
    received_on = models.DateField(help_text="The payment's date; retention counts from it.")
    method = models.CharField(max_length=15, choices=Method.choices, default=Method.BANK_TRANSFER)
    reference = models.CharField(max_length=80, blank=True, help_text="The bank's or payer's reference.")
    created_at = models.DateTimeField(default=timezone.now)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["-received_on", "-created_at"]
        indexes = [
            models.Index(fields=["received_on", "id"], name="finance_pay_received"),
            models.Index(fields=["organisation", "received_on", "id"], name="finance_pay_org_received"),
            models.Index(fields=["created_at"], name="finance_pay_created"),
        ]
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="finance_payment_positive")]

    def __str__(self) -> str:
        return f"Payment {str(self.id)[:8]}"


class CreditNote(models.Model):
    """Reduces what an invoice asks for: the only way to correct an issued invoice."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    number = models.PositiveBigIntegerField(unique=True)
    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="credit_notes")
    organisation = models.ForeignKey(
        "engagements.Organisation", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    currency = models.CharField(max_length=3, choices=Currency.choices)
    net = models.DecimalField(max_digits=MONEY_DIGITS, decimal_places=MONEY_PLACES)
    tax = models.DecimalField(max_digits=MONEY_DIGITS, decimal_places=MONEY_PLACES)
    gross = models.DecimalField(max_digits=MONEY_DIGITS, decimal_places=MONEY_PLACES)
    reason = models.CharField(max_length=200, help_text="Why the invoice is credited. Name no client.")
    issued_on = models.DateField(help_text="The credit note's date; retention counts from it.")
    created_at = models.DateTimeField(default=timezone.now)
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["-issued_on", "-number"]
        indexes = [
            models.Index(fields=["issued_on", "number"], name="finance_cn_issued"),
            models.Index(fields=["organisation", "issued_on", "number"], name="finance_cn_org_issued"),
            models.Index(fields=["created_at"], name="finance_cn_created"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(gross__gt=0), name="finance_credit_positive"),
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def reference(self) -> str:
        return f"CN-{self.number:06d}"


class Audit(models.Model):
    """An auditor's engagement: from its first to its last day (inclusive, in the practice's
    time zone) the auditor reads every financial record, and nothing at any other time."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    auditor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="audits")
    purpose = models.CharField(max_length=120, help_text="e.g. 'Annual accounts, year to 31 March 2026'.")
    starts_on = models.DateField()
    ends_on = models.DateField()
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    ended_at = models.DateTimeField(null=True, blank=True, help_text="Set when the administrator ends it early.")
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-starts_on"]
        indexes = [models.Index(fields=["auditor", "starts_on", "ends_on"], name="finance_audit_window")]
        constraints = [
            models.CheckConstraint(condition=Q(ends_on__gte=models.F("starts_on")), name="finance_audit_ends_after")
        ]

    def __str__(self) -> str:
        return f"Audit {self.starts_on} to {self.ends_on}"


class MonthlyTotal(models.Model):
    """The books of one month, organisation and currency, in whole hundredths: what the overview
    reads instead of summing every record (seconds at a million records, one row a month here).

    Kept in the same transaction as each issue, payment and credit note (``finance.totals``),
    and taken back by a trigger when the retention sweep deletes a record (migration 0005), so
    the rows always equal a recomputation from the records; a nightly reconciliation proves it.

    - ``invoice_count``, ``invoiced_pence``: invoices issued in the month;
    - ``paid_pence``, ``credited_pence``: everything paid or credited, to date, against the
      invoices issued in the month (whenever it arrived): the overview's totals for a period;
    - ``received_pence``, ``credit_notes_pence``: payments received and credit notes dated in
      the month (against invoices of any month): the overview's income by month.
    """

    month = models.DateField(help_text="The month's first day.")
    # An organisation's own record goes only once it has no financial records, when its rows
    # here hold nothing: they go with it. None: the private clients' books, together.
    organisation = models.ForeignKey(
        "engagements.Organisation", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    currency = models.CharField(max_length=3, choices=Currency.choices)
    invoice_count = models.BigIntegerField(default=0)
    invoiced_pence = models.BigIntegerField(default=0)
    paid_pence = models.BigIntegerField(default=0)
    credited_pence = models.BigIntegerField(default=0)
    received_pence = models.BigIntegerField(default=0)
    credit_notes_pence = models.BigIntegerField(default=0)

    COUNTERS = (
        "invoice_count",
        "invoiced_pence",
        "paid_pence",
        "credited_pence",
        "received_pence",
        "credit_notes_pence",
    )

    class Meta:
        ordering = ["month", "currency"]
        constraints = [
            models.UniqueConstraint(fields=["month", "organisation", "currency"], name="finance_one_total_a_month"),
            # NULLs are distinct in a unique index: the private clients' row needs its own.
            models.UniqueConstraint(
                fields=["month", "currency"],
                condition=Q(organisation__isnull=True),
                name="finance_one_private_total_a_month",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.currency}"


class OpenDebt(models.Model):
    """What is outstanding on the open invoices of one month of issue, due day and currency, in
    whole hundredths: what the overview's aged debt reads instead of each open invoice's balance
    (its two subqueries ran for every open invoice: seconds at a million records). One row a due
    day, so a bucket of "days overdue" is a range of rows, whatever the day it is read.

    Kept like ``MonthlyTotal``: in the same transaction as each issue, payment and credit note
    (``finance.totals.add_open_debt``), taken back by a trigger when the retention sweep deletes a
    record (migration 0007), and reconciled with the records nightly. No organisation: the kept
    rows answer the whole books; a choice of organisation reads that organisation's records.

    - ``open_count``: invoices issued in the month, due that day, unpaid or part paid;
    - ``outstanding_pence``: their gross, less what was paid and credited against them.
    """

    issued_month = models.DateField(help_text="The first day of the month the invoices were issued in.")
    due_on = models.DateField()
    currency = models.CharField(max_length=3, choices=Currency.choices)
    open_count = models.BigIntegerField(default=0)
    outstanding_pence = models.BigIntegerField(default=0)

    COUNTERS = ("open_count", "outstanding_pence")

    class Meta:
        ordering = ["issued_month", "due_on", "currency"]
        constraints = [
            models.UniqueConstraint(fields=["issued_month", "due_on", "currency"], name="finance_one_open_debt_a_day"),
        ]

    def __str__(self) -> str:
        return f"{self.issued_month:%Y-%m} due {self.due_on} {self.currency}"
