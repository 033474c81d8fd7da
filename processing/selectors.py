"""Reads of the records of processing, shaped for the record (article 30) and the privacy notice
(articles 13 and 14). Both are made from the same rows, so the notice cannot say other than the record.
A constant four queries whatever the number of activities: the practice, the activities, their
processors, the processors."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils import timezone

from confidentiality.practice import current_practice
from processing.models import LawfulBasis, ProcessingActivity, Processor, SpecialCategoryCondition
from processing.periods import Period, period_of

# Article 13(1)(c): the lawful basis, as a client would say it.
PLAIN_BASIS: dict[str, str] = {
    LawfulBasis.CONSENT: "you (or the person it is about) agreed to it. You may withdraw your agreement at any "
    "time; what was done before stays lawful",
    LawfulBasis.CONTRACT: "we need it to provide the coaching agreed with you, or to take steps you asked for "
    "before it starts",
    LawfulBasis.LEGAL_OBLIGATION: "the law requires it of us",
    LawfulBasis.VITAL_INTERESTS: "it is needed to protect someone's life or safety",
    LawfulBasis.PUBLIC_TASK: "it is needed for a task in the public interest set out in law",
    LawfulBasis.LEGITIMATE_INTERESTS: "it is in our legitimate interests, which do not override yours. You may "
    "object to it",
}

PLAIN_CONDITION: dict[str, str] = {
    SpecialCategoryCondition.EXPLICIT_CONSENT: "you have given your explicit consent",
    SpecialCategoryCondition.EMPLOYMENT: "employment, social security or social protection law allows it",
    SpecialCategoryCondition.VITAL_INTERESTS: "it protects someone's life when they cannot consent",
    SpecialCategoryCondition.NOT_FOR_PROFIT: "it concerns members of a not-for-profit body",
    SpecialCategoryCondition.MADE_PUBLIC: "you have made the information public yourself",
    SpecialCategoryCondition.LEGAL_CLAIMS: "it is needed for legal claims",
    SpecialCategoryCondition.SUBSTANTIAL_PUBLIC_INTEREST: "it is needed for reasons of substantial public "
    "interest that the Data Protection Act 2018 sets out, such as preventing crime or protecting people at risk",
    SpecialCategoryCondition.HEALTH_OR_SOCIAL_CARE: "it is needed for health or social care",
    SpecialCategoryCondition.PUBLIC_HEALTH: "it is needed for public health",
    SpecialCategoryCondition.ARCHIVING: "it is needed for archiving, research or statistics",
}

# Articles 15 to 21, in the words the portal's "My information and my rights" page uses.
RIGHTS: list[tuple[str, str]] = [
    ("Access", "to have a copy of the information we hold about you"),
    ("Correction", "to have information about you corrected if it is wrong, or completed if it is incomplete"),
    ("Erasure", "to have information about you deleted when we no longer need it or have no lawful basis for it"),
    ("Restriction", "to have us stop using information about you, but keep it, while a question about it is settled"),
    ("Objection", "to object to our using information about you on the basis of our legitimate interests"),
    ("Portability", "to have information you gave us, held under your consent or a contract, in a "
     "machine-readable file, or sent to someone else"),
]  # fmt: skip

# Article 30(1)(g): a general description of the technical and organisational security measures.
SECURITY_MEASURES: list[str] = [
    "Need-to-know access: each person sees only what their role and their engagements allow; anything else "
    "is not even shown to exist.",
    "Notes, documents, feedback and clients' details are encrypted at rest (AES-GCM), with a key per engagement "
    "and per client; deleting the key makes every copy, backups included, unreadable.",
    "Staff sign in with a second factor; repeated wrong passwords lock an account.",
    "Every read of confidential information and every change is written to a tamper-evident audit log.",
    "E-mails carry links, never confidential content; downloads are signed in, logged and watermarked.",
    "The retention schedule deletes records when their period ends, unless a legal hold stops it.",
]


@dataclass(frozen=True)
class ActivityRecord:
    activity: ProcessingActivity
    processors: list[Processor]
    period: Period

    @property
    def plain_basis(self) -> str:
        return PLAIN_BASIS.get(self.activity.lawful_basis, "")

    @property
    def recipients(self) -> str:
        """As the notice writes it, in a sentence of its own: without a full stop typed at its end."""
        return self.activity.recipients.strip().rstrip(".")

    @property
    def plain_condition(self) -> str:
        return PLAIN_CONDITION.get(self.activity.special_category_condition, "")


def _activities(*, in_notice_only: bool) -> list[ActivityRecord]:
    activities = ProcessingActivity.objects.prefetch_related("processors")
    if in_notice_only:
        activities = activities.filter(in_privacy_notice=True)
    return [
        ActivityRecord(activity=a, processors=list(a.processors.all()), period=period_of(a.retention_rule))
        for a in activities
    ]


def _updated_on(activities: list[ActivityRecord], processors: list[Processor], practice: Any) -> Any:
    moments = [r.activity.updated_at for r in activities] + [p.updated_at for p in processors]
    if practice.updated_at is not None:
        moments.append(practice.updated_at)
    return timezone.localdate(max(moments)) if moments else None


def record_of_processing() -> dict[str, Any]:
    """Article 30(1): the controller, each activity with its purpose, basis, categories, recipients,
    processors and transfers, and the time limit for erasure from the schedule; the security measures."""
    practice = current_practice()
    activities = _activities(in_notice_only=False)
    processors = list(Processor.objects.all())
    return {
        "practice": practice,
        "activities": activities,
        "processors": processors,
        "transfers": [p for p in processors if p.outside_uk],
        "security_measures": SECURITY_MEASURES,
        "updated_on": _updated_on(activities, processors, practice),
        "generated_on": timezone.localdate(),
    }


def privacy_notice() -> dict[str, Any]:
    """Articles 13 and 14, for clients: who we are, what we hold and why, who receives it, how long it
    is kept, their rights and where to complain. The activities the administrator marked for it;
    processors only as the activities shown name them."""
    practice = current_practice()
    activities = _activities(in_notice_only=True)
    shown: dict[Any, Processor] = {}
    for record in activities:
        for processor in record.processors:
            shown.setdefault(processor.pk, processor)
    processors = sorted(shown.values(), key=lambda p: p.name.lower())
    return {
        "practice": practice,
        "activities": activities,
        "processors": processors,
        "transfers": [p for p in processors if p.outside_uk],
        "rights": RIGHTS,
        "any_consent": any(r.activity.lawful_basis == LawfulBasis.CONSENT for r in activities),
        "updated_on": _updated_on(activities, processors, practice),
    }
