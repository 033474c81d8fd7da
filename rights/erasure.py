"""What a client's erasure would delete, and what must stay and why (issue 21; UK GDPR art. 17(3)).

Shown to the administrator on an erasure request's page before they answer it, in counts (no
content), read in one query: what goes (the client's engagement files, personal details, consents,
testimonials) and what must stay, with the reason the outcome letter gives the person: financial
records (five years after their date, policy 000), a legal hold, a disclosure made under a legal
requirement or in serious danger, an open complaint, and an engagement still in progress.

Answering the request carries the erasure out (``retention.erasure``, through the retention engine)
and the letter says what went, what stays and why.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, IntegerField, Max, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce


@dataclass(frozen=True)
class Line:
    what: str
    count: int
    why: str = ""


@dataclass(frozen=True)
class Preview:
    goes: list[Line]
    stays: list[Line]


def _counted(records: QuerySet[Any], client_path: str) -> Any:
    """How many of ``records`` are the client's (``client_path``: from a record to its client), as a subquery."""
    return Coalesce(
        Subquery(
            records.filter(**{client_path: OuterRef("pk")})
            .order_by()
            .values(client_path)
            .annotate(n=Count("pk"))
            .values("n")[:1],
            output_field=IntegerField(),
        ),
        Value(0),
    )


def preview(client: Any) -> Preview:
    from complaints.models import Complaint
    from confidentiality.dates import day_in_words
    from consent.models import Agreement, ConsentRecord
    from disclosures.models import Concern, Disclosure
    from engagements.models import Client, CoachingSession, Document, Engagement, Note
    from feedback.models import FeedbackRequest, UnsolicitedFeedback
    from finance.models import Invoice
    from finance.retention import kept_until
    from reports.models import SponsorReport
    from testimonials.models import Testimonial

    through = "engagement__client"
    row = (
        Client.objects.filter(pk=client.pk)
        .annotate(
            n_engagements=_counted(Engagement.objects.all(), "client"),
            n_in_progress=_counted(Engagement.objects.exclude(status=Engagement.Status.CLOSED), "client"),
            n_sessions=_counted(CoachingSession.objects.all(), through),
            n_notes=_counted(Note.objects.all(), through),
            n_documents=_counted(Document.objects.all(), through),
            n_reports=_counted(SponsorReport.objects.all(), through),
            n_feedback=_counted(FeedbackRequest.objects.all(), through),
            n_unsolicited=_counted(UnsolicitedFeedback.objects.all(), through),
            n_agreements=_counted(Agreement.objects.all(), through),
            n_consents=_counted(ConsentRecord.objects.all(), "client"),
            n_testimonials=_counted(Testimonial.objects.all(), "client"),
            n_invoices=_counted(Invoice.objects.exclude(state=Invoice.State.DRAFT), through),
            n_last_invoice=Subquery(
                Invoice.objects.filter(engagement__client=OuterRef("pk"))
                .exclude(state=Invoice.State.DRAFT)
                .order_by()
                .values(through)
                .annotate(last=Max("issued_on"))
                .values("last")[:1]
            ),
            # Holds, read through their reverse relations (retention sits above this app): on the
            # client, and on each of their engagements.
            n_held=Count("legal_holds", filter=Q(legal_holds__released_at__isnull=True), distinct=True)
            + _counted(
                Engagement.objects.filter(legal_holds__isnull=False, legal_holds__released_at__isnull=True), "client"
            ),
            n_by_law=_counted(
                Disclosure.objects.filter(
                    basis__in=[Disclosure.Basis.LEGAL_REQUIREMENT, Disclosure.Basis.SERIOUS_DANGER]
                ),
                "client",
            ),
            n_open_complaints=_counted(Complaint.objects.exclude(status=Complaint.Status.CLOSED), "client"),
            n_open_concerns=_counted(Concern.objects.filter(state=Concern.State.OPEN), through),
        )
        .values()
        .get()
    )
    goes = [
        Line("Personal details (name, e-mail, telephone)", 1),
        Line("Engagements", row["n_engagements"]),
        Line("Coaching sessions", row["n_sessions"]),
        Line("Notes", row["n_notes"]),
        Line("Documents", row["n_documents"]),
        Line("Reports and their versions", row["n_reports"]),
        Line("Feedback requests", row["n_feedback"]),
        Line("Feedback nobody asked for", row["n_unsolicited"]),
        Line("Agreements", row["n_agreements"]),
        Line("Consents", row["n_consents"]),
        Line("Testimonials and mentions in marketing", row["n_testimonials"]),
    ]
    stays = []
    if row["n_invoices"]:
        last = row["n_last_invoice"]
        if isinstance(last, str):  # SQLite hands a date back as text from a subquery
            last = datetime.date.fromisoformat(last[:10])
        stays.append(
            Line(
                "Invoices, with their payments and credit notes",
                row["n_invoices"],
                "Financial records are kept five years after their date, and are open to auditors (policy 000)"
                + (f": the last until {day_in_words(kept_until(last))}." if last else "."),
            )
        )
    if row["n_held"]:
        stays.append(
            Line("Legal holds", row["n_held"], "A legal hold stops every deletion under it until it is lifted.")
        )
    if row["n_by_law"]:
        stays.append(
            Line(
                "Disclosures made under a legal requirement or in serious danger",
                row["n_by_law"],
                "The practice must be able to show what it disclosed, to whom and why.",
            )
        )
    if row["n_open_complaints"]:
        stays.append(
            Line(
                "Open complaints",
                row["n_open_complaints"],
                "A complaint, and the engagement it is about, are kept until it is closed.",
            )
        )
    if row["n_open_concerns"]:
        stays.append(
            Line(
                "Open concerns about someone's safety or the law",
                row["n_open_concerns"],
                "A concern, and the engagement it is about, are kept until it is closed.",
            )
        )
    if row["n_in_progress"]:
        stays.append(
            Line(
                "Engagements still in progress",
                row["n_in_progress"],
                "Their records are needed to provide the coaching: erasing them ends it.",
            )
        )
    return Preview(goes=[line for line in goes if line.count], stays=stays)
