"""Staff who join and leave: the practice's policies and who accepted which version, offboarding
and the handovers it leaves (policies 002, 000, 001).

The tables keep the names and labels they had before (``record_label``): the audit chain and the
retention receipts name them."""

from __future__ import annotations

import uuid
from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils import timezone

from confidentiality.models import User


class PolicyDocument(models.Model):
    """A version of one of the practice's policies, with its review date (policy 002: every two years)."""

    class Kind(models.TextChoices):
        CONFIDENTIALITY = "confidentiality", "Confidentiality policy"
        DATA_PROTECTION = "data_protection", "Data protection policy"
        RETENTION = "retention", "Records retention policy"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    version = models.PositiveIntegerField()
    text = models.TextField()
    reviewed_on = models.DateField()
    review_due_on = models.DateField()
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    # Its label before it moved app: ciphertexts and the audit chain hold it.
    record_label: ClassVar[str] = "retention.policydocument"

    class Meta:
        db_table = "retention_policydocument"
        ordering = ["kind", "-version"]
        constraints = [models.UniqueConstraint(fields=["kind", "version"], name="one_policy_version")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} v{self.version}"


class PolicyAcceptance(models.Model):
    """A staff member read and accepted one version of a practice policy.

    Policy 002: staff "should treat this information as confidential … under no circumstances
    should staff and volunteers share personal information with their own partners, family or
    friends". The SHA-256 of the exact text shown binds the acceptance to the words read; the
    time, address and browser say when and where.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="policy_acceptances")
    document = models.ForeignKey("people.PolicyDocument", on_delete=models.PROTECT, related_name="acceptances")
    text_sha256 = models.CharField(max_length=64)
    accepted_at = models.DateTimeField(default=timezone.now)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=300, blank=True)

    # Its label before it moved app: ciphertexts and the audit chain hold it.
    record_label: ClassVar[str] = "confidentiality.policyacceptance"

    class Meta:
        db_table = "confidentiality_policyacceptance"
        ordering = ["-accepted_at"]
        constraints = [models.UniqueConstraint(fields=["user", "document"], name="one_acceptance_per_version")]
        indexes = [models.Index(fields=["document", "accepted_at"])]

    def __str__(self) -> str:
        return f"{self.user_id} accepted {self.document_id}"


class Offboarding(models.Model):
    """Someone left: every session, token and object permission of theirs ended at this moment."""

    class Reason(models.TextChoices):
        DEACTIVATED = "deactivated", "Deactivated by the administrator"
        CONTRACT_ENDED = "contract_ended", "Their contract ended"
        LEFT_ORGANISATION = "left_organisation", "They left their organisation"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="offboardings")
    reason = models.CharField(max_length=20, choices=Reason.choices)
    offboarded_at = models.DateTimeField(default=timezone.now)
    offboarded_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    sessions_ended = models.PositiveIntegerField(default=0)
    tokens_revoked = models.PositiveIntegerField(default=0)
    permissions_revoked = models.PositiveIntegerField(default=0)

    # Its label before it moved app: ciphertexts and the audit chain hold it.
    record_label: ClassVar[str] = "confidentiality.offboarding"

    class Meta:
        db_table = "confidentiality_offboarding"
        ordering = ["-offboarded_at"]
        indexes = [models.Index(fields=["user", "offboarded_at"])]

    def __str__(self) -> str:
        return f"Offboarding of {self.user_id} on {self.offboarded_at:%Y-%m-%d}"


class OffboardingEngagement(models.Model):
    """An open engagement the person was on when they left, until someone takes it over."""

    offboarding = models.ForeignKey(Offboarding, on_delete=models.CASCADE, related_name="engagements")
    engagement = models.ForeignKey("engagements.Engagement", on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=10, help_text="What they were on it as: coach or sponsor.")
    reassigned_to = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    settled_at = models.DateTimeField(null=True, blank=True)
    settled_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")

    # Its label before it moved app: ciphertexts and the audit chain hold it.
    record_label: ClassVar[str] = "confidentiality.offboardingengagement"

    class Meta:
        db_table = "confidentiality_offboardingengagement"
        ordering = ["offboarding", "engagement__reference"]
        constraints = [
            models.UniqueConstraint(fields=["offboarding", "engagement"], name="one_handover_per_engagement")
        ]
        indexes = [models.Index(fields=["engagement", "settled_at"])]

    def __str__(self) -> str:
        return f"Handover of {self.engagement_id}"
