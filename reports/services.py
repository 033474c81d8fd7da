"""Sponsor reports: the client approves first, and only then does the sponsor see anything.

States: draft → with_client → approved → released, with with_client → changes_requested →
(coach revises: a new version) → draft. Every transition checks the version the actor saw, so
a stale edit or a stale approval is refused with a clear message and changes nothing.
"""

from __future__ import annotations

import difflib
import re
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone

import access
from confidentiality.audit import audit_engagement_event
from confidentiality.crypto import load_data_keys
from confidentiality.notify import about, notify, resolve
from confidentiality.roles import Role
from consent.services import current_agreement, require_work_allowed
from engagements.models import Engagement
from engagements.services import ConflictError as ConflictError
from reports.models import ReportComment, ReportSection, ReportVersion, SponsorReport

if TYPE_CHECKING:
    from confidentiality.models import User

State = SponsorReport.State
SECTION_MAX_CHARS = 20_000


# --- reading ---------------------------------------------------------------------------


def allowed_categories(engagement: Engagement) -> list[Any]:
    """The categories the signed agreement lets the sponsor see: the only sections a report may have."""
    agreement = current_agreement(engagement)
    if agreement is None or agreement.state != "signed":
        return []
    return [term.category for term in agreement.terms.filter(shared=True).select_related("category")]


def reports_visible_to(user: User, engagement: Engagement) -> QuerySet[SponsorReport]:
    granted = access.engagement_access_for(user, engagement)
    role = access.role_of(user)
    reports = SponsorReport.objects.filter(engagement=engagement)
    if access.EngagementAccess.READ_CONFIDENTIAL in granted:
        return reports
    if role == Role.CLIENT and access.EngagementAccess.READ_SHARED in granted:
        # The client sees a report once a version has been sent to them, never before.
        return reports.filter(versions__submitted_at__isnull=False).distinct()
    # A client keeps the released reports of a closed engagement (access.KEPT_AFTER_CLOSE).
    if role in (Role.CLIENT, Role.SPONSOR, Role.ADMIN) and access.EngagementAccess.READ_RELEASED in granted:
        return reports.filter(state=State.RELEASED)
    return SponsorReport.objects.none()


def report_get_for(user: User, pk: Any) -> SponsorReport:
    try:
        report = SponsorReport.objects.select_related(
            "engagement__organisation", "engagement__client__data_key", "engagement__data_key"
        ).get(pk=pk)
    except (SponsorReport.DoesNotExist, ValidationError, ValueError):
        raise Http404 from None
    if not _visible(user, report):
        raise Http404
    return report


def _visible(user: User, report: SponsorReport) -> bool:
    """Whether ``reports_visible_to`` holds the report, read from the report already loaded where its
    rules need nothing more (its engagement's coaches; a released report): a query only for a client,
    whose reports depend on their versions."""
    granted = access.engagement_access_for(user, report.engagement)
    role = access.role_of(user)
    if access.EngagementAccess.READ_CONFIDENTIAL in granted:
        return True
    if role == Role.CLIENT and access.EngagementAccess.READ_SHARED in granted:
        return reports_visible_to(user, report.engagement).filter(pk=report.pk).exists()
    if role in (Role.CLIENT, Role.SPONSOR, Role.ADMIN) and access.EngagementAccess.READ_RELEASED in granted:
        return report.state == State.RELEASED
    return False


def is_report_author_side(user: User, report: SponsorReport) -> bool:
    return access.has_engagement_access(user, report.engagement, access.EngagementAccess.READ_CONFIDENTIAL)


def version_for(user: User, report: SponsorReport) -> ReportVersion | None:
    """The version this person may read: the coach the latest; the client the latest submitted;
    the sponsor and administrator only the released, approved one."""
    versions = report.versions.all()
    if is_report_author_side(user, report):
        return versions.order_by("-number").first()
    if access.role_of(user) == Role.CLIENT:
        return versions.filter(submitted_at__isnull=False).order_by("-number").first()
    if report.state == State.RELEASED and report.approved_version:
        return versions.filter(number=report.approved_version).first()
    return None


def previous_submitted(version: ReportVersion) -> ReportVersion | None:
    return (
        ReportVersion.objects.filter(report=version.report, number__lt=version.number, submitted_at__isnull=False)
        .order_by("-number")
        .first()
    )


def word_diff(old: str, new: str) -> list[tuple[str, str]]:
    """What changed between two texts, word by word: ("same" | "added" | "removed", text)."""
    a, b = re.findall(r"\S+|\s+", old), re.findall(r"\S+|\s+", new)
    out: list[tuple[str, str]] = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes():
        if op == "equal":
            out.append(("same", "".join(a[i1:i2])))
        if op in ("delete", "replace"):
            out.append(("removed", "".join(a[i1:i2])))
        if op in ("insert", "replace"):
            out.append(("added", "".join(b[j1:j2])))
    return out


# --- writing ---------------------------------------------------------------------------


def _require_coach(actor: User, report_or_engagement: Any) -> Engagement:
    engagement: Engagement = getattr(report_or_engagement, "engagement", report_or_engagement)
    if not access.can_write_confidential(actor, engagement):
        raise PermissionDenied("Only a coach on this engagement can do this.")
    return engagement


def _require_client(actor: User, report: SponsorReport) -> None:
    if access.role_of(actor) != Role.CLIENT or report.engagement.client.user_id != actor.pk:
        raise PermissionDenied("Only the client reviews and approves the report.")


def _check_sections(engagement: Engagement, sections: dict[int, str]) -> dict[int, str]:
    allowed = {c.pk: c for c in allowed_categories(engagement)}
    cleaned = {}
    for category_id, body in sections.items():
        if category_id not in allowed:
            from consent.models import InformationCategory

            category = InformationCategory.objects.filter(pk=category_id).first()
            name = category.name if category else "that category"
            raise ValidationError(
                f"The agreement does not let the sponsor see '{name}', so the report cannot include it."
            )
        body = (body or "").strip()
        if len(body) > SECTION_MAX_CHARS:
            raise ValidationError(f"A section has at most {SECTION_MAX_CHARS:,} characters.")
        if body:
            cleaned[category_id] = body
    if not cleaned:
        raise ValidationError("Write at least one section.")
    return cleaned


def _write_sections(version: ReportVersion, sections: dict[int, str]) -> None:
    version.sections.all().delete()
    for category_id, body in sections.items():
        section = ReportSection(version=version, engagement=version.engagement, category_id=category_id, body=body)
        section.save()


def _locked(report: SponsorReport) -> SponsorReport:
    return SponsorReport.objects.select_for_update().select_related("engagement__client").get(pk=report.pk)


def _expect(report: SponsorReport, version_number: int, states: tuple[str, ...], doing: str) -> None:
    if report.current_version != version_number:
        raise ConflictError(
            f"The report changed since you opened it (you saw version {version_number}, it is now version "
            f"{report.current_version}). Nothing was {doing}; read the current version first."
        )
    if report.state not in states:
        raise ValidationError(f"A report that is '{report.get_state_display().lower()}' cannot be {doing}.")


PRIVATE_NO_REPORTS = (
    "This client pays for their own coaching: there is no organisation, so no report is written for one. "
    "Nothing was saved."
)


@transaction.atomic
def report_create(*, actor: User, engagement: Engagement, title: str, sections: dict[int, str]) -> SponsorReport:
    _require_coach(actor, engagement)
    if engagement.is_private:
        raise ValidationError(PRIVATE_NO_REPORTS)
    require_work_allowed(engagement, "reports")
    if not title.strip():
        raise ValidationError({"title": "Give the report a title, e.g. 'Mid-point summary'."})
    cleaned = _check_sections(engagement, sections)
    report = SponsorReport.objects.create(engagement=engagement, title=title.strip()[:200], created_by=actor)
    version = ReportVersion.objects.create(report=report, engagement=engagement, number=1, created_by=actor)
    _write_sections(version, cleaned)
    audit_engagement_event(actor, "report.create", engagement, report)
    return report


@transaction.atomic
def report_revise(
    *, actor: User, report: SponsorReport, expected_version: int, sections: dict[int, str]
) -> SponsorReport:
    """Change the text. An unsent draft changes in place; after the client's review a new version
    is made, so every version the client saw is kept."""
    engagement = _require_coach(actor, report)
    require_work_allowed(engagement, "changes to reports")
    locked = _locked(report)
    _expect(locked, expected_version, (State.DRAFT, State.CHANGES_REQUESTED), "changed")
    cleaned = _check_sections(engagement, sections)
    current = locked.versions.get(number=locked.current_version)
    if current.submitted_at is None:
        _write_sections(current, cleaned)
    else:
        locked.current_version += 1
        current = ReportVersion.objects.create(
            report=locked, engagement=engagement, number=locked.current_version, created_by=actor
        )
        _write_sections(current, cleaned)
    locked.state = State.DRAFT
    locked.save(update_fields=["current_version", "state"])
    audit_engagement_event(actor, "report.revise", engagement, locked, version=locked.current_version)
    resolve(about("report.changes", locked))  # the coach has acted on what the client asked
    return locked


@transaction.atomic
def report_submit(
    *, actor: User, report: SponsorReport, expected_version: int, sections: dict[int, str] | None = None
) -> SponsorReport:
    """Send the draft to the client. With ``sections`` (the text on the coach's screen), what is sent
    is that text: saved first if it differs from the stored draft, so an unsaved edit never stays
    behind while the old text goes out."""

    engagement = _require_coach(actor, report)
    require_work_allowed(engagement, "reports sent to the client")
    if sections is not None:
        locked = _locked(report)
        _expect(locked, expected_version, (State.DRAFT, State.CHANGES_REQUESTED), "sent to the client")
        load_data_keys([engagement.data_key_id])
        current = locked.versions.get(number=locked.current_version)
        stored = {section.category_id: section.body for section in current.sections.all()}
        if _check_sections(engagement, sections) != stored:
            report_revise(actor=actor, report=locked, expected_version=expected_version, sections=sections)
        elif locked.state == State.CHANGES_REQUESTED:
            raise ValidationError(
                "The client asked for changes to this version: change the text before sending it again, "
                "or tell the client why it stays as it is."
            )
    locked = _locked(report)
    expected_version = locked.current_version if sections is not None else expected_version
    _expect(locked, expected_version, (State.DRAFT,), "sent to the client")
    locked.versions.filter(number=locked.current_version).update(submitted_at=timezone.now())
    locked.state = State.WITH_CLIENT
    locked.save(update_fields=["state"])
    audit_engagement_event(actor, "report.submit", engagement, locked, version=locked.current_version)
    if engagement.client.user is not None:
        notify(
            users=[engagement.client.user],
            text="A report about your coaching is waiting for your review.",
            link=_link(locked),
            about=about("report.review", locked),
        )
    return locked


@transaction.atomic
def report_comment(
    *, actor: User, report: SponsorReport, version_number: int, body: str, section: ReportSection | None = None
) -> ReportComment:
    _require_client(actor, report)
    locked = _locked(report)
    _expect(locked, version_number, (State.WITH_CLIENT,), "commented on")
    version = locked.versions.get(number=version_number)
    if section is not None and section.version_id != version.pk:
        raise ValidationError("That section belongs to another version.")
    body = body.strip()
    if not body or len(body) > 5000:
        raise ValidationError({"body": "Write a comment of up to 5,000 characters."})
    comment = ReportComment.objects.create(
        version=version, engagement=locked.engagement, section=section, author=actor, body=body
    )
    audit_engagement_event(actor, "report.comment", locked.engagement, locked, version=version_number)
    return comment


@transaction.atomic
def report_request_changes(*, actor: User, report: SponsorReport, version_number: int) -> SponsorReport:

    _require_client(actor, report)
    locked = _locked(report)
    _expect(locked, version_number, (State.WITH_CLIENT,), "sent back for changes")
    locked.state = State.CHANGES_REQUESTED
    locked.save(update_fields=["state"])
    audit_engagement_event(actor, "report.request_changes", locked.engagement, locked, version=version_number)
    resolve(about("report.review", locked))
    notify(
        users=_coaches(locked.engagement),
        text="The client asked for changes to a report.",
        link=_link(locked),
        about=about("report.changes", locked),
    )
    return locked


@transaction.atomic
def report_approve(*, actor: User, report: SponsorReport, version_number: int) -> SponsorReport:
    """The client approves exactly the version they read; a version changed since is refused."""

    _require_client(actor, report)
    locked = _locked(report)
    _expect(locked, version_number, (State.WITH_CLIENT,), "approved")
    locked.state = State.APPROVED
    locked.approved_version = version_number
    locked.save(update_fields=["state", "approved_version"])
    audit_engagement_event(actor, "report.approve", locked.engagement, locked, version=version_number)
    resolve(about("report.review", locked))
    notify(
        users=_coaches(locked.engagement),
        text="The client approved a report. You may release it.",
        link=_link(locked),
        about=about("report.release", locked),
    )
    return locked


@transaction.atomic
def report_release(*, actor: User, report: SponsorReport, expected_version: int) -> SponsorReport:
    """Only the coach, only the approved version, only to the engagement's sponsors."""
    from engagements.models import EngagementMember

    engagement = _require_coach(actor, report)
    locked = _locked(report)
    _expect(locked, expected_version, (State.APPROVED,), "released")
    if locked.approved_version != locked.current_version:
        raise ValidationError("Only the version the client approved can be released.")
    # The agreement may have changed since the report was written: release only what it still shares.
    require_work_allowed(engagement, "releases")
    allowed = {c.pk for c in allowed_categories(engagement)}
    approved = locked.versions.get(number=locked.approved_version)
    if approved.sections.exclude(category_id__in=allowed).exists():
        raise ValidationError(
            "The agreement in force no longer lets the sponsor see every section of this report. "
            "Revise it and ask the client to approve it again."
        )
    locked.state = State.RELEASED
    locked.released_at = timezone.now()
    locked.save(update_fields=["state", "released_at"])
    audit_engagement_event(actor, "report.release", engagement, locked, version=locked.approved_version)
    from disclosures.services import disclosure_record_for_report  # the register: who was told what, why

    disclosure_record_for_report(actor=actor, report=locked)
    sponsors = [
        m.user for m in EngagementMember.objects.filter(engagement=engagement, kind="sponsor").select_related("user")
    ]
    resolve(about("report.release", locked))
    notify(users=sponsors, text="A coaching report has been released to you.", link=_link(locked))
    return locked


def sponsor_readers(report: SponsorReport) -> list[str]:
    """Who reads the report once it is released, by name: the sponsor contacts on its engagement."""
    from engagements.models import EngagementMember

    members = EngagementMember.objects.filter(engagement_id=report.engagement_id, kind="sponsor").select_related("user")
    return [m.user.display_name or m.user.email for m in members.order_by("user__display_name", "user__email")]


def _coaches(engagement: Engagement) -> list[Any]:
    from engagements.models import EngagementMember

    return [m.user for m in EngagementMember.objects.filter(engagement=engagement, kind="coach").select_related("user")]


def _link(report: SponsorReport) -> str:
    from django.urls import reverse

    return reverse("reports:report_detail", args=[report.pk])
