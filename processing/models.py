"""The practice's records of processing (UK GDPR article 30) and what its privacy notice is made of
(articles 13 and 14): why it holds information, on what lawful basis, about whom, who receives it,
which processors handle it and where, and which rule of the retention schedule deletes it.

Plain descriptions only: no client's name or content is ever recorded here. The retention period is
never typed: an activity names a rule of ``retention.schedule`` and every page reads the period there.
"""

from __future__ import annotations

import uuid

from django.db import models
from django.db.models.functions import Lower


class LawfulBasis(models.TextChoices):
    """Article 6(1): one of these must apply for any processing to be lawful."""

    CONSENT = "consent", "Consent (article 6(1)(a))"
    CONTRACT = "contract", "Contract (article 6(1)(b))"
    LEGAL_OBLIGATION = "legal_obligation", "Legal obligation (article 6(1)(c))"
    VITAL_INTERESTS = "vital_interests", "Vital interests (article 6(1)(d))"
    PUBLIC_TASK = "public_task", "Public task (article 6(1)(e))"
    LEGITIMATE_INTERESTS = "legitimate_interests", "Legitimate interests (article 6(1)(f))"


class SpecialCategoryCondition(models.TextChoices):
    """Article 9(2): for special-category information (health, beliefs, and the like) one of these
    must apply as well as a lawful basis."""

    EXPLICIT_CONSENT = "explicit_consent", "Explicit consent (article 9(2)(a))"
    EMPLOYMENT = "employment", "Employment, social security and social protection law (article 9(2)(b))"
    VITAL_INTERESTS = "vital_interests", "Vital interests of someone unable to consent (article 9(2)(c))"
    NOT_FOR_PROFIT = "not_for_profit", "Not-for-profit body, its members (article 9(2)(d))"
    MADE_PUBLIC = "made_public", "Made manifestly public by the person (article 9(2)(e))"
    LEGAL_CLAIMS = "legal_claims", "Legal claims (article 9(2)(f))"
    SUBSTANTIAL_PUBLIC_INTEREST = (
        "substantial_public_interest",
        "Substantial public interest, Data Protection Act 2018 schedule 1 (article 9(2)(g))",
    )
    HEALTH_OR_SOCIAL_CARE = "health_or_social_care", "Health or social care (article 9(2)(h))"
    PUBLIC_HEALTH = "public_health", "Public health (article 9(2)(i))"
    ARCHIVING = "archiving", "Archiving, research or statistics (article 9(2)(j))"


class Processor(models.Model):
    """Someone who handles the practice's information on its instructions (article 28): hosting,
    e-mail, accounting. A transfer outside the UK names its safeguard (articles 44 to 46)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField("Name", max_length=120, help_text="The company or service, e.g. 'Northern Hosting Ltd'.")
    service = models.TextField(
        "What it does for the practice",
        max_length=500,
        help_text="For example: hosts the portal and its database; sends the practice's e-mail.",
    )
    location = models.CharField(
        "Where it processes the information",
        max_length=200,
        help_text="The countries, e.g. 'United Kingdom' or 'Ireland (European Economic Area)'.",
    )
    outside_uk = models.BooleanField("It transfers information outside the UK", default=False)
    transfer_safeguard = models.CharField(
        "Safeguard for the transfer",
        max_length=200,
        blank=True,
        help_text="Needed for a transfer outside the UK: e.g. 'adequacy regulations', 'UK IDTA', "
        "'UK addendum to the EU standard contractual clauses'.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                Lower("name"),
                name="one_processor_per_name",
                violation_error_message="A processor of this name is already recorded: change that one instead.",
            )
        ]

    def __str__(self) -> str:
        return self.name


class ProcessingActivity(models.Model):
    """One purpose for which the practice holds information, as article 30(1) asks it recorded."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    purpose = models.CharField("Purpose", max_length=200, help_text="For example: Providing coaching.")
    description = models.TextField(
        "What the practice does with the information, in plain words", max_length=2000, blank=True
    )
    lawful_basis = models.CharField("Lawful basis (article 6)", max_length=24, choices=LawfulBasis.choices)
    special_category_condition = models.CharField(
        "Condition for special-category information (article 9)",
        max_length=32,
        choices=SpecialCategoryCondition.choices,
        blank=True,
        help_text="Only if it includes information about health, beliefs, ethnicity, sex life or the like.",
    )
    data_subjects = models.TextField(
        "Whose information (categories of people)", max_length=1000, help_text="For example: clients; sponsors."
    )
    data_categories = models.TextField(
        "What information (categories of data)",
        max_length=1000,
        help_text="For example: name and contact details; session notes.",
    )
    recipients = models.TextField(
        "Who receives it (categories of recipients)",
        max_length=1000,
        blank=True,
        help_text="Leave empty if nobody outside the practice and its processors does.",
    )
    processors = models.ManyToManyField(Processor, blank=True, related_name="activities", verbose_name="Processors")
    retention_rule = models.CharField(
        "How long it is kept (the retention schedule's rule)",
        max_length=40,
        help_text="The period is read from the retention schedule, never typed here.",
    )
    in_privacy_notice = models.BooleanField(
        "Tell clients about it in the privacy notice",
        default=True,
        help_text="Untick for processing that concerns only staff or the practice's own running.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["purpose"]
        verbose_name_plural = "processing activities"
        constraints = [
            models.UniqueConstraint(
                Lower("purpose"),
                name="one_processing_activity_per_purpose",
                violation_error_message="An activity with this purpose is already recorded: change that one instead.",
            )
        ]

    def __str__(self) -> str:
        return self.purpose
