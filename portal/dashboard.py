"""The dashboard's engagements and what to do next on each: computed from the records of several
apps (agreements, sessions, reports, hard copies) every time it is shown, never stored."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db.models import Count, Exists, OuterRef, Subquery
from django.utils import timezone

import access
from confidentiality.roles import Role
from consent.models import Agreement, Signature
from engagements.models import CoachingSession, Engagement, EngagementMember, HardCopy
from engagements.selectors import engagement_list_for
from reports.models import SponsorReport

if TYPE_CHECKING:
    from confidentiality.models import User


def dashboard_engagements_for(*, user: User) -> list[Any]:
    """Open engagements with what to do next, computed from the records each time (never stored, so
    never stale), in one query whatever the practice's size."""
    last_session = CoachingSession.objects.filter(engagement=OuterRef("pk")).order_by("-held_on").values("held_on")[:1]
    due = (
        HardCopy.objects.filter(engagement=OuterRef("pk"), state=HardCopy.State.RETURN_DUE)
        .values("engagement")
        .annotate(n=Count("pk"))
        .values("n")[:1]
    )
    # The agreement in force or out for signing (as consent.services.current_agreement) and who has signed it.
    current = Agreement.objects.filter(
        engagement=OuterRef("pk"), state__in=[Agreement.State.OUT_FOR_SIGNATURE, Agreement.State.SIGNED]
    ).order_by("-version")

    def signed_by(party: str) -> Exists:
        this_one = Agreement.objects.filter(
            engagement=OuterRef(OuterRef("pk")),
            state__in=[Agreement.State.OUT_FOR_SIGNATURE, Agreement.State.SIGNED],
        ).order_by("-version")
        return Exists(Signature.objects.filter(agreement_id=Subquery(this_one.values("pk")[:1]), party=party))

    def reports_in(state: str) -> Exists:
        return Exists(SponsorReport.objects.filter(engagement=OuterRef("pk"), state=state))

    engagements = list(
        engagement_list_for(user=user)
        .exclude(status=Engagement.Status.CLOSED)
        .annotate(
            last_session_on=Subquery(last_session),
            hard_copies_due=Subquery(due),
            agreement_state=Subquery(current.values("state")[:1]),
            client_signed=signed_by("client"),
            sponsor_signed=signed_by("sponsor"),
            client_on_it=Exists(EngagementMember.objects.filter(engagement=OuterRef("pk"), kind="client")),
            sponsor_on_it=Exists(EngagementMember.objects.filter(engagement=OuterRef("pk"), kind="sponsor")),
            changes_asked=reports_in(SponsorReport.State.CHANGES_REQUESTED),
            report_approved=reports_in(SponsorReport.State.APPROVED),
        )[:50]
    )
    today = timezone.localdate()
    is_coach = access.role_of(user) == Role.COACH
    for engagement in engagements:
        actions = []
        if engagement.restricted:
            # The client's restriction or objection pauses the work (arts. 18, 21): nothing to do but wait.
            actions = ["Paused at the client's request: nothing to do until it is lifted"]
        elif is_coach:
            actions = _coach_next(engagement, today)
        if engagement.hard_copies_due:
            actions.append(f"Return hard copies to the {'client' if engagement.is_private else 'organisation'}")
        engagement.next_actions = actions  # type: ignore[attr-defined]
    return engagements


def _coach_next(engagement: Any, today: Any) -> list[str]:
    """What the coach on an engagement does next, first things first: the agreement before any
    session, then what the client has asked of a report, then the sessions themselves."""
    if engagement.agreement_state is None:
        return ["Put the confidentiality agreement out for signing"]
    if engagement.agreement_state != "signed":
        # As the engagement's page says it (consent.services.agreement_missing): someone who cannot
        # sign yet is not waited for.
        steps = []
        if not engagement.client_signed:
            steps.append(
                "Waiting for the client to sign the agreement"
                if engagement.client_on_it
                else "The client needs a portal login to sign the agreement"
            )
        if not engagement.sponsor_signed and not engagement.is_private:
            steps.append(
                "Waiting for the sponsor to sign the agreement"
                if engagement.sponsor_on_it
                else "Add the organisation's sponsor contact so they can sign"
            )
        return steps or ["Countersign the agreement"]
    actions = []
    if engagement.changes_asked:
        actions.append("The client asked for changes to a report")
    if engagement.report_approved:
        actions.append("Release the report the client approved")
    if engagement.status == Engagement.Status.PROPOSED:
        actions.append("Not started yet")
    elif engagement.last_session_on is None:
        actions.append("Record the first session")
    elif (today - engagement.last_session_on).days > 30:
        actions.append(f"No session for {(today - engagement.last_session_on).days} days")
    return actions
