"""The testimonials and case-studies register (policies 001 and 003).

Policy 003: "I will NEVER have publically-available client lists, recommendations, and testimonies"
without "explicit expressed, written permission"; policy 001: personal information "is not to be used
… in any form of marketing". So every use of something about a client (a quote, a case study, their
name on a client list, a recommendation) is an item here that names the written consent allowing it,
and only an item resting on a live consent of the right kind can be publishable.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone

from confidentiality.crypto import EncryptedTextField


def _reference() -> str:
    # Names no one: notices and e-mails carry it instead of the client or the text.
    return f"PUB-{uuid.uuid4().hex[:8].upper()}"


class Testimonial(models.Model):
    """One use of something about a client in the practice's marketing."""

    class Kind(models.TextChoices):
        TESTIMONIAL = "testimonial", "Testimonial"
        CASE_STUDY = "case_study", "Case study"
        CLIENT_LIST = "client_list", "Client list entry"
        RECOMMENDATION = "recommendation", "Recommendation"

    class State(models.TextChoices):
        DRAFT = "draft", "Draft"
        PUBLISHABLE = "publishable", "Publishable"
        FLAGGED = "flagged", "Flagged for removal: the consent was withdrawn"
        REMOVED = "removed", "Removed"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    reference = models.CharField(max_length=20, unique=True, default=_reference, editable=False)
    client = models.ForeignKey("engagements.Client", on_delete=models.CASCADE, related_name="testimonials")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    # Under the client's own key: it goes (crypto-shredded) with their personal details.
    text = EncryptedTextField(key_from="client")
    used_in = models.CharField(max_length=200, help_text="Where it is used: the website, a brochure, a proposal.")
    state = models.CharField(max_length=20, choices=State.choices, default=State.DRAFT)
    consent = models.ForeignKey(
        "consent.ConsentRecord", null=True, blank=True, on_delete=models.CASCADE, related_name="testimonials"
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    publishable_at = models.DateTimeField(null=True, blank=True)
    flagged_at = models.DateTimeField(null=True, blank=True)
    removed_at = models.DateTimeField(null=True, blank=True)
    removed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["state", "-created_at"]),
            models.Index(fields=["client", "-created_at"]),
        ]

    def __str__(self) -> str:
        return self.reference
