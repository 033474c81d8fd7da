"""Concerns: breaking confidentiality (policy 004) and an organisation's conduct (policy 000).

Each kind is an ordered list of steps. A step is taken only when every step before it was taken,
or did not apply, or (in serious danger, where policy 004 allows acting without the usual
conversation with the client) was skipped with a stated reason. The disclosure step enters the
register through ``consent.disclosures``; one made without the client's consent waits there for
a second person's approval, and the concern waits with it.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max, Prefetch, Q
from django.utils import timezone

import access
from confidentiality.audit import audit_engagement_event
from confidentiality.notify import about, notify, resolve
from confidentiality.roles import Role
from disclosures.models import Concern, ConcernStep, Disclosure, RecipientKind
from disclosures.services import (
    CHOOSABLE_BASES,
    TEXT_MAX_CHARS,
    check_serious_danger_recipient,
    disclosure_record,
)

if TYPE_CHECKING:
    from confidentiality.models import User

Kind = Concern.Kind
Basis = Disclosure.Basis
Taken = dict[str, ConcernStep]


def _always(taken: Taken) -> bool:
    return True


def _disclosing(taken: Taken) -> bool:
    decision = taken.get("decision")
    return decision is not None and decision.outcome == "disclose"


def _board_path(taken: Taken) -> bool:
    path = taken.get("path")
    return path is not None and path.outcome == "board"


def _escalating(taken: Taken) -> bool:
    path, board = taken.get("path"), taken.get("board_discussion")
    if path is None:
        return False
    return path.outcome == "escalate" or (board is not None and board.outcome == "unresolved")


@dataclass(frozen=True)
class Step:
    key: str
    title: str
    guidance: str
    text_label: str
    outcomes: tuple[tuple[str, str], ...] = ()
    outcome_label: str = ""
    detail_label: str = ""
    skippable_in_danger: bool = False
    applies: Callable[[Taken], bool] = field(default=_always)
    text_required: bool = True
    detail_required: bool = False


SUPERVISION = Step(
    "supervision",
    "Supervision: the concern reviewed",
    "Policy 004: \u201cguidance and surveillance\u201d. Before the concern closes, a supervisor or mentor reviews "
    "what happened with you and points in the right direction.",
    "When you met, and the outcome: what they advised",
    detail_label="Who reviewed it with you, by name and role",
    detail_required=True,
)

BREAKING_STEPS = (
    Step(
        "pause",
        "Pause and note the issue",
        "Stop and think about the next step. Pause the session and tell the client that a confidentiality "
        "issue has arisen and needs to be dealt with straight away.",
        "What was said, and what concerns you",
    ),
    Step(
        "verify",
        "Verify with the client what you heard",
        "Double-check with the client that what you heard is what they meant.",
        "What the client confirmed or corrected",
        skippable_in_danger=True,
    ),
    Step(
        "examine",
        "Define and examine the issue",
        "Ask What? Who? When? How? An honest clarification may show that no disclosure is needed.",
        "What you established together",
        skippable_in_danger=True,
    ),
    Step(
        "client_view",
        "The client's agreement or refusal",
        "Seek the client's agreement first. If they refuse, point out the clauses of the agreement and the "
        "ethical code that require disclosure, check how it will affect them, and look into the reasons: "
        "is it an organisational issue that causes the hesitation?",
        "The client's reasons, in their words where you can",
        outcomes=(("agreed", "The client agreed to the disclosure"), ("refused", "The client refused")),
        outcome_label="The client's answer",
        detail_label="The clauses of the agreement you pointed to",
        skippable_in_danger=True,
    ),
    Step(
        "decision",
        "Decision and recipient",
        "Decide whether to disclose, to whom (the organisation's board or senior staff, a regulator or "
        "ombudsman, a government body) and on what basis.",
        "The reasons for the decision",
        outcomes=(("disclose", "Disclose"), ("no_disclosure", "Do not disclose")),
        outcome_label="Decision",
        detail_label="The recipient, by name or office",
    ),
    Step(
        "minimum",
        "The minimum information to disclose",
        "Acute focus: disclose only what is needed, the specifics, nothing more.",
        "Exactly what will be disclosed",
        applies=_disclosing,
    ),
    Step(
        "method",
        "Method, time and place",
        "Agree with, or tell, the client how the information will be disclosed: time, place and form, so "
        "they have time to prepare.",
        "How, when and where it will be disclosed, and what the client was told",
        skippable_in_danger=True,
        applies=_disclosing,
    ),
    Step(
        "support",
        "Support the client needs",
        "Does the client need support to make the disclosure, or with its consequences? Would you need to be present?",
        "The support agreed",
        skippable_in_danger=True,
        applies=_disclosing,
    ),
    Step(
        "disclosure",
        "The disclosure",
        "Record the disclosure in the register. Without the client's consent a second person (the "
        "administrator or the named supervisor) approves it before it is made; the client is then sent a "
        "letter confirming the details and the reason.",
        "",
        applies=_disclosing,
        text_required=False,
    ),
    Step(
        "review",
        "Review the coaching relationship",
        "Once resolved, review the relationship together: its impact, whether both of you can stay "
        "non-judgemental, values or beliefs affected, and whether coaching will be as effective as before.",
        "What you and the client concluded",
    ),
    SUPERVISION,
)

ORGANISATION_STEPS = (
    Step(
        "note",
        "Note the concern",
        "Policy 000: where we become concerned about legality and ethical conduct, we first discuss it with "
        "the board and senior staff of the organisation.",
        "What concerns you about the organisation's legality or ethical conduct",
    ),
    Step(
        "path",
        "Choose the path",
        "Discuss it with the board and senior staff, unless doing so may further compromise the situation; "
        "then co-operate with the governing bodies and ombudsmen (such as OSCR).",
        "Your reasons for this path",
        outcomes=(
            ("board", "Discuss it with the board and senior staff"),
            ("escalate", "Escalate: discussing it would compromise the situation"),
        ),
        outcome_label="Path",
    ),
    Step(
        "board_discussion",
        "Discussion with the board and senior staff",
        "Record whom you met, when, and what was agreed. If it cannot be resolved locally, escalate.",
        "Whom you met, when, and what was agreed",
        outcomes=(("resolved", "Resolved locally"), ("unresolved", "Not resolved: escalate")),
        outcome_label="Outcome",
        applies=_board_path,
    ),
    Step(
        "escalation",
        "Escalation to the governing body or ombudsman",
        "Co-operate with the governing body or ombudsman; share only what they need. The escalation is a "
        "disclosure: it enters the register, the administrator or the named supervisor approves it before it "
        "is made, and the practice then writes to the organisation to confirm what was reported, to whom and why.",
        "Exactly what you will report to them: only what they need",
        detail_label="The governing body or ombudsman",
        applies=_escalating,
    ),
    SUPERVISION,
)

STEPS: dict[str, tuple[Step, ...]] = {
    Kind.BREAKING_CONFIDENTIALITY: BREAKING_STEPS,
    Kind.ORGANISATION_CONDUCT: ORGANISATION_STEPS,
}
DECISION_RECIPIENTS = [(k, v) for k, v in RecipientKind.choices if k != RecipientKind.SPONSOR]
DECISION_BASES = CHOOSABLE_BASES


def _danger_order(steps: tuple[Step, ...]) -> tuple[Step, ...]:
    """In serious danger, policy 004 lets the coach act without the usual conversation with the
    client: what the disclosure needs comes first (the issue, the decision, the minimum, the
    disclosure itself) and the steps it may go without are recorded afterwards (or skipped, with a
    reason), before the review and supervision."""
    cut = [s.key for s in steps].index("disclosure") + 1
    head = steps[:cut]
    return (
        tuple(s for s in head if not s.skippable_in_danger)
        + tuple(s for s in head if s.skippable_in_danger)
        + steps[cut:]
    )


DANGER_STEPS = _danger_order(BREAKING_STEPS)


def steps_of(concern: Concern) -> tuple[Step, ...]:
    if concern.serious_danger and concern.kind == Kind.BREAKING_CONFIDENTIALITY:
        return DANGER_STEPS
    return STEPS[concern.kind]


def taken_steps(concern: Concern) -> Taken:
    """The standing record of each step taken (an answer changed since is kept, superseded); from
    ``STANDING`` when a list prefetched them."""
    standing = getattr(concern, "standing_steps", None)
    if standing is not None:
        return {s.step: s for s in standing}
    return {
        s.step: s for s in concern.steps.filter(superseded_at__isnull=True).select_related("recorded_by", "disclosure")
    }


STANDING = Prefetch("steps", queryset=ConcernStep.objects.filter(superseded_at__isnull=True), to_attr="standing_steps")


def earlier_answers(concern: Concern) -> dict[str, list[ConcernStep]]:
    """Each step's answers since changed, newest first."""
    earlier: dict[str, list[ConcernStep]] = {}
    for record in (
        concern.steps.filter(superseded_at__isnull=False).select_related("recorded_by").order_by("-superseded_at")
    ):
        earlier.setdefault(record.step, []).append(record)
    return earlier


def next_step(concern: Concern, taken: Taken | None = None) -> Step | None:
    """The first step that applies and was not taken; None when all are done."""
    taken = taken_steps(concern) if taken is None else taken
    for step in steps_of(concern):
        if step.key not in taken and step.applies(taken):
            return step
    return None


def pending_disclosure(concern: Concern) -> Disclosure | None:
    return (
        Disclosure.objects.filter(concern=concern, state=Disclosure.State.AWAITING_APPROVAL)
        .select_related("supervisor")
        .first()
    )


@dataclass
class StepView:
    """A step as the page shows it: taken (by whom, when), skipped, not applicable, current or to
    come; with the answers it had before they were changed."""

    step: Step
    record: ConcernStep | None
    status: str  # done | skipped | not_needed | current | later
    earlier: list[ConcernStep] = field(default_factory=list)


def step_views(concern: Concern, taken: Taken, earlier: dict[str, list[ConcernStep]] | None = None) -> list[StepView]:
    """A step before the current one that was not taken did not apply (its condition is settled);
    one after it that does not apply yet may still come to."""
    steps = steps_of(concern)
    current = next_step(concern, taken) if concern.state == Concern.State.OPEN else None
    current_index = len(steps) if current is None else steps.index(current)
    earlier = earlier or {}
    views = []
    for index, step in enumerate(steps):
        record = taken.get(step.key)
        if record is not None:
            status = "skipped" if record.skipped else "done"
        elif index == current_index:
            status = "current"
        elif index < current_index:
            status = "not_needed"
        else:
            status = "later"
        views.append(StepView(step, record, status, earlier.get(step.key, [])))
    return views


def changeable(concern: Concern) -> bool:
    """Answers may be changed, and the concern withdrawn, while it is open and nothing has been
    disclosed under it or waits for its second approval."""
    return _unchangeable_because(concern) is None


def _unchangeable_because(concern: Concern) -> str | None:
    """Why the concern's answers stand as they are, or None while they may still change."""
    if concern.state != Concern.State.OPEN:
        return "This concern is no longer open."
    disclosed = concern.disclosures.exclude(state=Disclosure.State.DECLINED).first()
    if disclosed is None:
        return None
    if disclosed.state == Disclosure.State.MADE:
        return "A disclosure was made under this concern: its answers stand as they were."
    return "The disclosure waits for its second approval: it must be approved or declined before anything changes."


# --- writing -------------------------------------------------------------------------------


def _require_coach(actor: User, concern_or_engagement: Any) -> Any:
    engagement = getattr(concern_or_engagement, "engagement", concern_or_engagement)
    if not access.can_write_disclosures(actor, engagement):
        raise PermissionDenied("Only a coach on this engagement works on its concerns.")
    return engagement


def _text(value: str, *, label: str, required: bool = True, field_name: str = "text") -> str:
    value = (value or "").strip()
    if required and not value:
        raise ValidationError({field_name: f"Write {label[0].lower() + label[1:]}."})
    if len(value) > TEXT_MAX_CHARS:
        raise ValidationError({field_name: f"Keep it to {TEXT_MAX_CHARS:,} characters."})
    return value


@transaction.atomic
def concern_start(
    *,
    actor: User,
    engagement: Any,
    kind: str,
    text: str,
    serious_danger: bool = False,
    supervisor: User | None = None,
) -> Concern:
    """Open a concern and record its first step at once: the issue, noted while it is fresh."""
    _require_coach(actor, engagement)
    if kind not in Kind.values:
        raise ValidationError({"kind": "Choose what the concern is about."})
    if serious_danger and kind != Kind.BREAKING_CONFIDENTIALITY:
        raise ValidationError({"serious_danger": "Serious danger applies to a concern about something said."})
    if kind == Kind.ORGANISATION_CONDUCT and engagement.is_private:
        raise ValidationError(
            {
                "kind": "This client pays for their own coaching: no organisation is party to the engagement. "
                "Raise a concern about something said instead. Nothing was saved."
            }
        )
    if supervisor is not None and not access.can_be_supervisor(supervisor, for_user=actor):
        raise ValidationError({"supervisor": "Name another coach of the practice as supervisor."})
    first = STEPS[kind][0]
    text = _text(text, label=first.text_label)
    concern = Concern(
        engagement=engagement, kind=kind, serious_danger=serious_danger, supervisor=supervisor, opened_by=actor
    )
    concern.full_clean()
    concern.save()
    ConcernStep.objects.create(concern=concern, engagement=engagement, step=first.key, text=text, recorded_by=actor)
    audit_engagement_event(actor, "concern.start", engagement, concern, kind=kind, serious_danger=serious_danger)
    if supervisor is not None:
        from confidentiality.notify import notify

        notify(
            users=[supervisor],
            text="A coach named you as supervisor of a concern.",
            link=concern_link(concern),
        )
    return concern


def _locked(concern: Concern) -> Concern:
    return (
        Concern.objects.select_for_update(of=("self",))
        .select_related("engagement__client", "engagement__organisation", "supervisor")
        .get(pk=concern.pk)
    )


def _expect_step(concern: Concern, step_key: str) -> tuple[Step, Taken]:
    if concern.state != Concern.State.OPEN:
        raise ValidationError(f"This concern is {concern.get_state_display().lower()}.")
    taken = taken_steps(concern)
    current = next_step(concern, taken)
    if current is None:
        raise ValidationError("Every step of this concern has been taken.")
    if step_key != current.key:
        raise ValidationError(f"Steps are taken in order: the next step is “{current.title}”.")
    return current, taken


@transaction.atomic
def concern_record_step(
    *,
    actor: User,
    concern: Concern,
    step: str,
    text: str = "",
    outcome: str = "",
    detail: str = "",
    recipient_kind: str = "",
    basis: str = "",
    consent: Any = None,
    document: Any = None,
) -> ConcernStep | Disclosure:
    """Take the next step. ``step`` is the step the coach was shown; any other is refused.

    The disclosure step returns the register entry; if it waits for a second approval the step
    is recorded when the approval comes (``concern_disclosure_made``)."""
    engagement = _require_coach(actor, concern)
    locked = _locked(concern)
    current, taken = _expect_step(locked, step)
    if current.key == "disclosure":
        return _disclose(actor=actor, concern=locked, taken=taken, consent=consent, document=document)
    if current.key == "escalation":
        return _escalate(actor=actor, concern=locked, taken=taken, text=text, detail=detail, document=document)
    text = _text(text, label=current.text_label or "a note", required=current.text_required)
    values = {"outcome": "", "detail": "", "recipient_kind": "", "basis": ""}
    if current.outcomes:
        if outcome not in dict(current.outcomes):
            raise ValidationError({"outcome": f"Choose: {current.outcome_label.lower()}."})
        values["outcome"] = outcome
    if current.key == "client_view" and outcome == "refused":
        values["detail"] = _text(detail, label=current.detail_label, field_name="detail")
    elif current.key == "decision" and outcome == "disclose":
        values |= _decision(concern=locked, taken=taken, detail=detail, recipient_kind=recipient_kind, basis=basis)
    elif current.key == "escalation":
        values["detail"] = _text(detail, label=current.detail_label, field_name="detail")
    elif current.detail_label:
        values["detail"] = _text(
            detail, label=current.detail_label, required=current.detail_required, field_name="detail"
        )
    record = ConcernStep(
        concern=locked, engagement=engagement, step=current.key, text=text, recorded_by=actor, **values
    )
    record.full_clean()
    record.save()
    audit_engagement_event(
        actor, "concern.step", engagement, locked, step=current.key, outcome=values["outcome"], skipped=False
    )
    concern_worked_on(locked)
    taken[current.key] = record
    _close_if_done(actor=actor, concern=locked, taken=taken)
    return record


def _decision(*, concern: Concern, taken: Taken, detail: str, recipient_kind: str, basis: str) -> dict[str, str]:
    if recipient_kind not in dict(DECISION_RECIPIENTS):
        raise ValidationError({"recipient_kind": "Choose who will receive the information."})
    if basis not in dict(DECISION_BASES):
        raise ValidationError({"basis": "Choose the basis of the disclosure."})
    client_view = taken.get("client_view")
    if basis == Basis.CLIENT_CONSENT and (client_view is None or client_view.outcome != "agreed"):
        raise ValidationError({"basis": "The client did not agree, so the disclosure cannot rest on their consent."})
    if basis == Basis.SERIOUS_DANGER and not concern.serious_danger:
        raise ValidationError(
            {"basis": "This concern was not opened as one of serious danger; choose the basis that applies."}
        )
    if basis == Basis.SERIOUS_DANGER:
        check_serious_danger_recipient(concern.engagement, recipient_kind)
    return {
        "detail": _text(detail, label="the recipient, by name or office", field_name="detail"),
        "recipient_kind": recipient_kind,
        "basis": basis,
    }


def _disclose(*, actor: User, concern: Concern, taken: Taken, consent: Any, document: Any) -> Disclosure:
    decision, minimum = taken["decision"], taken["minimum"]
    disclosure = disclosure_record(
        actor=actor,
        engagement=concern.engagement,
        what=minimum.text,
        recipient_kind=decision.recipient_kind,
        recipient=decision.detail,
        reason=decision.text,
        basis=decision.basis,
        consent=consent,
        document=document,
        supervisor=concern.supervisor,
        concern=concern,
    )
    if disclosure.state == Disclosure.State.MADE:
        concern_disclosure_made(actor=actor, disclosure=disclosure)
    return disclosure


def _escalate(*, actor: User, concern: Concern, taken: Taken, text: str, detail: str, document: Any) -> Disclosure:
    """Policy 000's escalation to a governing body or ombudsman is a disclosure about the organisation:
    in the register, approved by a second person, and confirmed to the organisation by letter. The
    step is taken when it is made (``concern_disclosure_made``)."""
    what = _text(text, label="Exactly what you will report to them")
    recipient = _text(detail, label="The governing body or ombudsman", field_name="detail")
    return disclosure_record(
        actor=actor,
        engagement=concern.engagement,
        what=what,
        recipient_kind=RecipientKind.REGULATOR,
        recipient=recipient,
        reason=taken["note"].text,
        basis=Basis.ORGANISATION_CONDUCT,
        document=document,
        supervisor=concern.supervisor,
        concern=concern,
    )


def concern_disclosure_made(*, actor: User, disclosure: Disclosure) -> ConcernStep:
    """The disclosure step is taken when the disclosure is made: at once, or on the second approval."""
    concern = _locked(disclosure.concern)  # type: ignore[arg-type]
    record = ConcernStep.objects.create(
        concern=concern,
        engagement=concern.engagement,
        step="escalation" if concern.kind == Kind.ORGANISATION_CONDUCT else "disclosure",
        text="",
        disclosure=disclosure,
        recorded_by=disclosure.authorised_by,
        recorded_at=disclosure.made_at or timezone.now(),
    )
    audit_engagement_event(actor, "concern.step", concern.engagement, concern, step=record.step, skipped=False)
    concern_worked_on(concern)
    return record


@transaction.atomic
def concern_skip_step(*, actor: User, concern: Concern, step: str, reason: str) -> ConcernStep:
    """Skip the next step: only in serious danger, only the steps policy 004 lets go, with the reason."""
    engagement = _require_coach(actor, concern)
    locked = _locked(concern)
    current, taken = _expect_step(locked, step)
    if not locked.serious_danger:
        raise ValidationError("Steps may be skipped only in a concern of serious danger.")
    if not current.skippable_in_danger:
        raise ValidationError(f"“{current.title}” cannot be skipped, even in serious danger.")
    reason = _text(reason, label="Why this step is skipped", field_name="reason")
    record = ConcernStep(
        concern=locked, engagement=engagement, step=current.key, skipped=True, text=reason, recorded_by=actor
    )
    record.full_clean()
    record.save()
    audit_engagement_event(actor, "concern.step", engagement, locked, step=current.key, skipped=True)
    concern_worked_on(locked)
    taken[current.key] = record
    _close_if_done(actor=actor, concern=locked, taken=taken)
    return record


def _require_changeable(concern: Concern) -> None:
    because = _unchangeable_because(concern)
    if because is not None:
        raise ValidationError(because)


@transaction.atomic
def concern_change_step(*, actor: User, concern: Concern, step: str) -> ConcernStep:
    """Take a step's answer back to change it, until the disclosure is made: the record is kept,
    marked superseded, and so are the answers of the steps after it, which were given on its
    strength; the step is the next one again, its form filled with the earlier answer."""
    engagement = _require_coach(actor, concern)
    locked = _locked(concern)
    _require_changeable(locked)
    taken = taken_steps(locked)
    record = taken.get(step)
    if record is None:
        raise ValidationError("Only a step already taken can be changed.")
    order = [s.key for s in steps_of(locked)]
    later = [key for key in order[order.index(step) :] if key in taken]
    now = timezone.now()
    ConcernStep.objects.filter(pk__in=[taken[key].pk for key in later]).update(superseded_at=now)
    audit_engagement_event(actor, "concern.step_change", engagement, locked, step=step, steps_reopened=len(later))
    concern_worked_on(locked)
    return record


@transaction.atomic
def concern_withdraw(*, actor: User, concern: Concern, reason: str) -> Concern:
    """Withdraw a concern raised in error or settled without a disclosure, with the reason; what
    was recorded stays. Not once a disclosure was made under it, or while one waits for approval."""
    engagement = _require_coach(actor, concern)
    locked = _locked(concern)
    reason = _text(reason, label="Why the concern is withdrawn", field_name="reason")
    _require_changeable(locked)
    locked.state = Concern.State.WITHDRAWN
    locked.closed_at = timezone.now()
    locked.withdrawn_by = actor
    locked.withdrawal_reason = reason
    locked.save(update_fields=["state", "closed_at", "withdrawn_by", "withdrawal_reason"])
    audit_engagement_event(actor, "concern.withdraw", engagement, locked)
    concern_worked_on(locked)
    return locked


def _close_if_done(*, actor: User, concern: Concern, taken: Taken) -> None:
    if next_step(concern, taken) is None:
        concern.state = Concern.State.CLOSED
        concern.closed_at = timezone.now()
        concern.save(update_fields=["state", "closed_at"])
        audit_engagement_event(actor, "concern.close", concern.engagement, concern)


def concern_link(concern: Concern) -> str:
    from django.urls import reverse

    return reverse("disclosures:concern_detail", args=[concern.pk])


# --- never left to drift ---------------------------------------------------------------------
# Policy 004: when an issue is not resolved the coach should "return to it". An open concern is on
# the dashboards of its coaches and supervisor with the days since its last step, and they are
# reminded at the interval the practice sets; the reminder is done once anyone takes a step.


@dataclass
class OpenConcern:
    concern: Concern
    next_title: str
    last_step_at: Any
    days: int

    @property
    def since(self) -> str:
        return {0: "today", 1: "yesterday"}.get(self.days, f"{self.days} days ago")


DASHBOARD_CONCERNS = 20


def open_concerns_for(*, user: User) -> list[OpenConcern]:
    """The open concerns a coach works on or supervises, the longest waiting first, in two queries
    whatever their number (the concerns with their last step, then their standing steps)."""
    if access.role_of(user) != Role.COACH:
        return []
    found = (
        access.concerns_visible_to(user)
        .filter(state=Concern.State.OPEN)
        .select_related("engagement")
        .annotate(last_step_at=Max("steps__recorded_at"))
        .prefetch_related(STANDING)
        .order_by("last_step_at")[:DASHBOARD_CONCERNS]
    )
    today = timezone.localdate()
    rows = []
    for concern in found:
        step = next_step(concern)
        last = concern.last_step_at or concern.created_at
        days = (today - timezone.localdate(last)).days
        rows.append(OpenConcern(concern, step.title if step else "", last, days))
    return rows


def _reminded_about(concern: Concern) -> str:
    return about("concern", concern)


def concern_worked_on(concern: Concern) -> None:
    """Someone took a step (or changed, withdrew or closed the concern): its reminder is done."""
    resolve(_reminded_about(concern))


def concern_remind(now: Any = None) -> int:
    """Remind the coach who opened each open concern, and its supervisor, when it has had no step
    for the practice's interval, and once per interval after that. The nightly task's service; run
    again the same day, it reminds nobody twice. Returns how many concerns were reminded."""
    from confidentiality.practice import current_practice

    now = now or timezone.now()
    days = current_practice().concern_reminder_days
    cutoff = now - datetime.timedelta(days=days)
    due = (
        Concern.objects.filter(state=Concern.State.OPEN)
        .annotate(last_step_at=Max("steps__recorded_at"))
        .filter(last_step_at__lte=cutoff)
        .filter(Q(reminded_at__isnull=True) | Q(reminded_at__lte=cutoff))
        .select_related("engagement", "opened_by", "supervisor")
    )
    reminded = []
    for concern in due:
        people = [p for p in (concern.opened_by, concern.supervisor) if p is not None]
        notify(
            users=list(dict.fromkeys(people)),
            text=f"A concern on {concern.engagement.reference} has had no step for {days} days or more. "
            "Policy 004: return to it.",
            link=concern_link(concern),
            about=_reminded_about(concern),
        )
        reminded.append(concern.pk)
    Concern.objects.filter(pk__in=reminded).update(reminded_at=now)
    return len(reminded)
