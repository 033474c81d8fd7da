"""Feedback from others about the client, at the anonymity the agreement settled.

The tables keep the names and labels they had in the engagements app (``record_label``): the
ciphertexts bind the label in, and the audit chain names it."""

from __future__ import annotations

import uuid
from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils import timezone

from confidentiality.crypto import EncryptedTextField
from consent.models import FeedbackAnonymity
from engagements.models import Engagement


class FeedbackSourceCategory(models.TextChoices):
    """The kinds of people feedback is asked of; the level anonymity by category shows."""

    LINE_MANAGER = "line_manager", "Line manager"
    SENIOR_LEADER = "senior_leader", "Senior leader"
    PEER = "peer", "Peer"
    DIRECT_REPORT = "direct_report", "Direct report"
    OTHER_COLLEAGUE = "other_colleague", "Other colleague"
    CUSTOMER = "customer", "Customer or partner"


class FeedbackRequest(models.Model):
    """The coach asks a named person, or several people of one kind, for feedback about the client.

    The anonymity level is copied from the signed agreement when the request is made, because
    that is what the sources are told (policy 003: "I will clearly express to the source the
    terms of confidentiality"). The client sees nothing until the coach shares it.
    """

    class Kind(models.TextChoices):
        NAMED = "named", "A named person"
        CATEGORY = "category", "People of one kind"

    class Presentation(models.TextChoices):
        VERBATIM = "verbatim", "The answers word for word, with the coach's summary"
        SUMMARY = "summary", "Only the coach's summary"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    engagement = models.ForeignKey(Engagement, on_delete=models.CASCADE, related_name="feedback_requests")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    source_category = models.CharField(max_length=20, choices=FeedbackSourceCategory.choices)
    anonymity = models.CharField(max_length=20, choices=FeedbackAnonymity.choices)
    prompt = EncryptedTextField(key_from="engagement")
    expires_at = models.DateTimeField()
    summary = EncryptedTextField(key_from="engagement", blank=True)
    presentation = models.CharField(max_length=10, choices=Presentation.choices, blank=True)
    shared_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    # Its label before it moved app: ciphertexts and the audit chain hold it.
    record_label: ClassVar[str] = "engagements.feedbackrequest"

    class Meta:
        db_table = "engagements_feedbackrequest"
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["engagement", "created_at"])]

    def __str__(self) -> str:
        return f"Feedback request {str(self.id)[:8]}"


class FeedbackSource(models.Model):
    """One person asked: their single-use link (only its hash is kept) and, once given, their answer."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    request = models.ForeignKey(FeedbackRequest, on_delete=models.CASCADE, related_name="sources")
    engagement = models.ForeignKey(Engagement, on_delete=models.CASCADE, related_name="+")
    name = EncryptedTextField(key_from="engagement", blank=True)
    email = EncryptedTextField(key_from="engagement")
    token_hash = models.CharField(max_length=64, unique=True)
    expires_at = models.DateTimeField()
    answer = EncryptedTextField(key_from="engagement", blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)

    # Its label before it moved app: ciphertexts and the audit chain hold it.
    record_label: ClassVar[str] = "engagements.feedbacksource"

    class Meta:
        db_table = "engagements_feedbacksource"
        ordering = ["id"]

    def __str__(self) -> str:
        return f"Feedback source {str(self.id)[:8]}"


class UnsolicitedSourceCategory(models.TextChoices):
    """Who unsolicited feedback came from, as a kind of person (policy 003: "identifying the source by
    category of person or specific name (if allowed and available)")."""

    LINE_MANAGER = "line_manager", "Line manager"
    SENIOR_LEADER = "senior_leader", "Senior leader"
    COLLEAGUE = "colleague", "Colleague"
    DIRECT_REPORT = "direct_report", "Direct report"
    SPONSOR_CONTACT = "sponsor_contact", "Someone at the sponsoring organisation"
    CUSTOMER = "customer", "Customer or partner"
    OTHER = "other", "Someone else who knows the client"
    UNKNOWN = "unknown", "Not known (anonymous)"


class UnsolicitedFeedback(models.Model):
    """Feedback about the client nobody asked for, recorded by the coach as it arrives.

    Policy 003: "I will promptly share this feedback with my clients verbatim or in summary form". The
    anonymity is copied from the agreement when it is recorded (what the source was told); a name is
    kept only where the agreement reports feedback by name. ``share_by`` is fixed when it is recorded,
    so a later change of the practice's setting does not move a deadline already running.
    """

    class Presentation(models.TextChoices):
        VERBATIM = "verbatim", "Word for word"
        SUMMARY = "summary", "In summary"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    engagement = models.ForeignKey(Engagement, on_delete=models.CASCADE, related_name="unsolicited_feedback")
    source_category = models.CharField(max_length=20, choices=UnsolicitedSourceCategory.choices)
    source_name = EncryptedTextField(key_from="engagement", blank=True)
    anonymity = models.CharField(max_length=20, choices=FeedbackAnonymity.choices)
    presentation = models.CharField(max_length=10, choices=Presentation.choices)
    text = EncryptedTextField(key_from="engagement")
    received_on = models.DateField()
    share_by = models.DateField()
    shared_at = models.DateTimeField(null=True, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-received_on", "-recorded_at"]
        indexes = [
            models.Index(fields=["engagement", "received_on"]),
            # The coaches' dashboards: what is still to share, soonest due first.
            models.Index(fields=["share_by"], condition=models.Q(shared_at__isnull=True), name="unsolicited_to_share"),
        ]

    def __str__(self) -> str:
        return f"Unsolicited feedback {str(self.id)[:8]}"
