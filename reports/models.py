"""Reports to the sponsor: drafted by the coach within what the agreement shares, reviewed and
approved by the client version by version, released by the coach, and only then seen by the sponsor.

The tables keep the names and labels they had in the engagements app (``record_label``): each
section's and comment's ciphertext binds the label in, and the audit chain names it."""

from __future__ import annotations

import uuid
from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils import timezone

from confidentiality.crypto import EncryptedTextField
from confidentiality.keptpdf import KeptPdf
from engagements.models import Engagement


class SponsorReport(models.Model):
    """A report to the sponsor: draft → with the client → (changes asked) → approved → released.

    Policy 000: "seek the client's agreement to the content of reports before sharing them".
    Only a version the client approved can be released, and only the released version is
    ever shown to the sponsor.
    """

    class State(models.TextChoices):
        DRAFT = "draft", "Draft"
        WITH_CLIENT = "with_client", "With the client for review"
        CHANGES_REQUESTED = "changes_requested", "Client asked for changes"
        APPROVED = "approved", "Approved by the client"
        RELEASED = "released", "Released to the sponsor"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    engagement = models.ForeignKey(Engagement, on_delete=models.CASCADE, related_name="reports")
    title = models.CharField(max_length=200)
    state = models.CharField(max_length=20, choices=State.choices, default=State.DRAFT)
    current_version = models.PositiveIntegerField(default=1)
    approved_version = models.PositiveIntegerField(null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    released_at = models.DateTimeField(null=True, blank=True)

    # Its label before it moved app: ciphertexts and the audit chain hold it.
    record_label: ClassVar[str] = "engagements.sponsorreport"

    class Meta:
        db_table = "engagements_sponsorreport"
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["engagement", "state"])]

    def __str__(self) -> str:
        return f"Report {str(self.id)[:8]}"


class ReportVersion(models.Model):
    """Every version is kept, so the client sees what changed between them."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    report = models.ForeignKey(SponsorReport, on_delete=models.CASCADE, related_name="versions")
    engagement = models.ForeignKey(Engagement, on_delete=models.CASCADE, related_name="+")
    number = models.PositiveIntegerField()
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    submitted_at = models.DateTimeField(null=True, blank=True)

    # Its label before it moved app: ciphertexts and the audit chain hold it.
    record_label: ClassVar[str] = "engagements.reportversion"

    class Meta:
        db_table = "engagements_reportversion"
        ordering = ["number"]
        constraints = [models.UniqueConstraint(fields=["report", "number"], name="one_report_version_number")]

    def __str__(self) -> str:
        return f"Version {self.number} of {self.report_id}"


class ReportSection(models.Model):
    """One agreed information category's text in one version. Encrypted under the engagement key."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    version = models.ForeignKey(ReportVersion, on_delete=models.CASCADE, related_name="sections")
    engagement = models.ForeignKey(Engagement, on_delete=models.CASCADE, related_name="+")
    category = models.ForeignKey("consent.InformationCategory", on_delete=models.PROTECT, related_name="+")
    body = EncryptedTextField(key_from="engagement")

    # Its label before it moved app: ciphertexts and the audit chain hold it.
    record_label: ClassVar[str] = "engagements.reportsection"

    class Meta:
        db_table = "engagements_reportsection"
        ordering = ["category__position"]
        constraints = [models.UniqueConstraint(fields=["version", "category"], name="one_section_per_category")]

    def __str__(self) -> str:
        return f"Section {str(self.id)[:8]}"


class ReportComment(models.Model):
    """The client's comment on a version, on one section or on the whole. Encrypted."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    version = models.ForeignKey(ReportVersion, on_delete=models.CASCADE, related_name="comments")
    engagement = models.ForeignKey(Engagement, on_delete=models.CASCADE, related_name="+")
    section = models.ForeignKey(ReportSection, null=True, blank=True, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    body = EncryptedTextField(key_from="engagement")
    created_at = models.DateTimeField(default=timezone.now)

    # Its label before it moved app: ciphertexts and the audit chain hold it.
    record_label: ClassVar[str] = "engagements.reportcomment"

    class Meta:
        db_table = "engagements_reportcomment"
        ordering = ["created_at"]

    def __str__(self) -> str:
        return f"Comment {str(self.id)[:8]}"


class ReportPdf(KeptPdf):
    """The released report's PDF, rendered once and kept encrypted (``confidentiality.keptpdf``):
    each download stamps the reader's watermark on it. Deleted with the report."""

    kept_for: ClassVar[str] = "report"

    report = models.ForeignKey(SponsorReport, on_delete=models.CASCADE, related_name="+")

    class Meta:
        verbose_name = "kept PDF of a report"
        verbose_name_plural = "kept PDFs of reports"
        constraints = [models.UniqueConstraint(fields=["report", "audience"], name="one_kept_pdf_per_report_audience")]

    def __str__(self) -> str:
        return f"Kept PDF {str(self.id)[:8]}"
