"""Written three-way confidentiality agreements and consent records (policies 002, 003, 004)."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone


class FeedbackAnonymity(models.TextChoices):
    UNIDENTIFIED = "unidentified", "Unidentified: no source is named or described"
    BY_CATEGORY = "by_category", "By category of person (work group, level)"
    BY_NAME = "by_name", "By name"


class InformationCategory(models.Model):
    """A kind of information the agreement settles, e.g. 'assessment results' (policy 003)."""

    key = models.SlugField(max_length=60, unique=True)
    name = models.CharField(max_length=120)
    description = models.CharField(max_length=300, blank=True)
    builtin = models.BooleanField(default=False)
    position = models.PositiveSmallIntegerField(default=100)

    class Meta:
        ordering = ["position", "name"]
        verbose_name_plural = "information categories"

    def __str__(self) -> str:
        return self.name


class AgreementContent(models.Model):
    """What a template and an agreement both say, besides their terms."""

    introduction = models.TextField(blank=True)
    sponsor_summary_includes = models.TextField(
        help_text="What the summary report to the sponsor will include.", blank=True
    )
    sponsor_summary_excludes = models.TextField(help_text="What it will never include.", blank=True)
    feedback_anonymity = models.CharField(
        max_length=20, choices=FeedbackAnonymity.choices, default=FeedbackAnonymity.BY_CATEGORY
    )
    exceptions = models.TextField(help_text="When confidentiality may be broken, in plain words.")
    guidelines = models.TextField(
        blank=True, help_text="The organisation's and professional body's guidelines that apply."
    )

    class Meta:
        abstract = True


class TermContent(models.Model):
    """One information category: shared or not, with whom, by whom, when, how, when not."""

    category = models.ForeignKey(InformationCategory, on_delete=models.PROTECT, related_name="+")
    shared = models.BooleanField(default=False)
    with_whom = models.CharField(max_length=300, blank=True)
    by_whom = models.CharField(max_length=300, blank=True)
    when = models.CharField(max_length=300, blank=True)
    form = models.CharField(max_length=300, blank=True)
    circumstances = models.CharField(max_length=500, blank=True)

    class Meta:
        abstract = True


class AgreementTemplate(AgreementContent):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(max_length=150, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    edit_version = models.PositiveIntegerField(default=1, help_text="Bumped on every edit, to refuse stale ones.")

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class TemplateTerm(TermContent):
    template = models.ForeignKey(AgreementTemplate, on_delete=models.CASCADE, related_name="terms")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["template", "category"], name="one_term_per_category_template")]

    def __str__(self) -> str:
        return f"{self.template}: {self.category}"


class Agreement(AgreementContent):
    """One version of an engagement's agreement. A signed version is never changed: a change
    makes a new version that needs signing again; old versions stay readable."""

    class State(models.TextChoices):
        DRAFT = "draft", "Draft"
        OUT_FOR_SIGNATURE = "out_for_signature", "Waiting for signatures"
        SIGNED = "signed", "Signed by everyone"
        SUPERSEDED = "superseded", "Replaced by a later version"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    engagement = models.ForeignKey("engagements.Engagement", on_delete=models.CASCADE, related_name="agreements")
    version = models.PositiveIntegerField()
    state = models.CharField(max_length=20, choices=State.choices, default=State.DRAFT)
    text_hash = models.CharField(max_length=64, blank=True, help_text="SHA-256 of the exact text put out for signing.")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)
    signed_at = models.DateTimeField(null=True, blank=True)
    edit_version = models.PositiveIntegerField(default=1, help_text="Bumped on every draft edit.")

    class Meta:
        ordering = ["-version"]
        constraints = [models.UniqueConstraint(fields=["engagement", "version"], name="one_agreement_per_version")]

    def __str__(self) -> str:
        return f"Agreement v{self.version} for {self.engagement_id}"


class AgreementTerm(TermContent):
    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE, related_name="terms")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["agreement", "category"], name="one_term_per_category")]

    def __str__(self) -> str:
        return f"{self.agreement}: {self.category}"


class Signature(models.Model):
    class Party(models.TextChoices):
        CLIENT = "client", "Client"
        SPONSOR = "sponsor", "Sponsor"
        COACH = "coach", "Coach"

    agreement = models.ForeignKey(Agreement, on_delete=models.PROTECT, related_name="signatures")
    party = models.CharField(max_length=10, choices=Party.choices)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    signed_at = models.DateTimeField(default=timezone.now)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=300, blank=True)
    text_hash = models.CharField(max_length=64)

    class Meta:
        ordering = ["signed_at"]
        constraints = [models.UniqueConstraint(fields=["agreement", "user"], name="one_signature_per_person")]

    def __str__(self) -> str:
        return f"{self.party} signature on {self.agreement_id}"


class ConsentRecord(models.Model):
    """A client's consent, with its exact wording, how it was given, and its withdrawal."""

    class Kind(models.TextChoices):
        BASIC_INFORMATION = "basic_information", "To hold basic information (needed to provide a service)"
        DISCLOSURE = "disclosure", "To a specific disclosure"
        TESTIMONIAL = "testimonial", "To be named as a testimonial"
        MARKETING = "marketing", "To be mentioned in marketing"

    class Method(models.TextChoices):
        PORTAL = "portal", "In the portal"
        PAPER = "paper", "On paper (scanned evidence kept)"
        RECORDED_BY_COACH = "recorded_by_coach", "Told to the practice, who recorded it"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    client = models.ForeignKey("engagements.Client", on_delete=models.CASCADE, related_name="consents")
    engagement = models.ForeignKey(
        "engagements.Engagement", null=True, blank=True, on_delete=models.CASCADE, related_name="consents"
    )
    kind = models.CharField(max_length=20, choices=Kind.choices)
    wording = models.TextField(help_text="The exact words the client agreed to.")
    method = models.CharField(max_length=20, choices=Method.choices)
    evidence = models.ForeignKey(
        "engagements.Document", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    given_at = models.DateTimeField(default=timezone.now)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="Empty when recorded by the system (a management command).",
    )
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-given_at"]
        indexes = [models.Index(fields=["client", "kind", "withdrawn_at"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} consent {str(self.id)[:8]}"

    @property
    def active(self) -> bool:
        return self.withdrawn_at is None
