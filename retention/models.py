"""Retention: legal holds, sweeps and the receipts they leave; the practice's policy documents.

Policy 000: "Electronic files held in relation to work with an organisation will be held
securely and deleted from our system after two years. We keep our own financial records for
five years." Policy 002: the policy is reviewed every two years.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


class LegalHold(models.Model):
    """A case-based hold on an engagement, a client or an organisation. While it stands, nothing
    under it is deleted; several holds may cover one record."""

    class Scope(models.TextChoices):
        ENGAGEMENT = "engagement", "An engagement"
        CLIENT = "client", "A client (all their engagements)"
        ORGANISATION = "organisation", "An organisation (its engagements and financial records)"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    scope = models.CharField(max_length=12, choices=Scope.choices)
    engagement = models.ForeignKey(
        "engagements.Engagement", null=True, blank=True, on_delete=models.SET_NULL, related_name="legal_holds"
    )
    client = models.ForeignKey(
        "engagements.Client", null=True, blank=True, on_delete=models.SET_NULL, related_name="legal_holds"
    )
    organisation = models.ForeignKey(
        "engagements.Organisation", null=True, blank=True, on_delete=models.SET_NULL, related_name="legal_holds"
    )
    held_id = models.CharField(max_length=40, help_text="The held record's id, kept after it is deleted.")
    case_reference = models.CharField(
        max_length=80, help_text="The case or matter the hold is for, e.g. 'Tribunal claim 2026/114'."
    )
    reason = models.CharField(max_length=300, help_text="Why the records must be kept. No client content.")
    placed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    placed_at = models.DateTimeField(default=timezone.now)
    released_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    released_at = models.DateTimeField(null=True, blank=True)
    release_reason = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-placed_at"]
        constraints = [
            models.CheckConstraint(
                name="legal_hold_names_exactly_its_scope",
                # A released hold outlives what it held: the sweep may then delete the record.
                condition=Q(released_at__isnull=False)
                | (
                    Q(scope="engagement", engagement__isnull=False, client__isnull=True, organisation__isnull=True)
                    | Q(scope="client", engagement__isnull=True, client__isnull=False, organisation__isnull=True)
                    | Q(scope="organisation", engagement__isnull=True, client__isnull=True, organisation__isnull=False)
                ),
            )
        ]
        indexes = [models.Index(fields=["released_at"])]

    def __str__(self) -> str:
        return f"Legal hold {self.case_reference}"

    @property
    def active(self) -> bool:
        return self.released_at is None


class RetentionSweep(models.Model):
    """One run of the sweep, by the schedule or by hand."""

    class State(models.TextChoices):
        RUNNING = "running", "Running"
        FINISHED = "finished", "Finished"
        FAILED = "failed", "Stopped before the end"
        SKIPPED = "skipped", "Skipped: another sweep was running"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    as_of = models.DateField()
    started_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    state = models.CharField(max_length=10, choices=State.choices, default=State.RUNNING)
    triggered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    deleted = models.JSONField(default=dict, help_text="Record kind → how many were deleted.")

    class Meta:
        ordering = ["-started_at"]

    def __str__(self) -> str:
        return f"Sweep {self.started_at:%Y-%m-%d %H:%M}"


class DeletionReceipt(models.Model):
    """What one batch deleted: the rule, the kind, how many, which ids. No names, no content.

    Each receipt is also appended to a journal file outside the database, so that
    ``retention_reapply`` can delete again what a restored backup brought back.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    sweep = models.ForeignKey(RetentionSweep, null=True, blank=True, on_delete=models.SET_NULL, related_name="receipts")
    rule = models.CharField(max_length=40)
    kind = models.CharField(max_length=80, help_text="app_label.model")
    count = models.PositiveIntegerField()
    object_ids = models.JSONField(default=list)
    as_of = models.DateField()
    deleted_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-deleted_at"]
        indexes = [models.Index(fields=["kind", "deleted_at"])]

    def __str__(self) -> str:
        return f"Receipt {self.kind} ×{self.count}"


class SweepLease(models.Model):
    """One row: the sweep that holds it runs; another waits its turn or skips. A lease, not a
    lock held in a transaction, so batches commit one by one and a crashed sweep's lease lapses."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    holder = models.UUIDField(null=True, blank=True)
    held_until = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return "Sweep lease"


# --- subject access (policy 002: "made aware of their right of access to their records";
# policy 000: "Organisations can access any information held on them by Comas at any time") ---


class RetentionForecast(models.Model):
    """The retention page's forecast (``retention.sweep.preview``), counted once and kept
    (``retention/forecast.py``): counting it reads every record the schedule covers, seconds at a
    million engagements, so the page reads the latest count instead, and says when it was made.
    One row, replaced at each count; never what the sweep itself decides by."""

    as_of = models.DateField(help_text="The day the forecast counts from.")
    # When the count began (what it holds is the records as they were then); or, for a row without
    # data, when the count was set aside: a count begun before that is never kept.
    counted_at = models.DateTimeField(default=timezone.now)
    seconds = models.FloatField(default=0, help_text="How long the count took.")
    data = models.JSONField(
        null=True, blank=True, help_text="The forecast, as the API gives it: counts only. None: set aside."
    )

    class Meta:
        ordering = ["-counted_at"]

    def __str__(self) -> str:
        return f"retention forecast as of {self.as_of:%Y-%m-%d}, counted {self.counted_at:%Y-%m-%d %H:%M}"
