"""The retention schedule: for every kind of record, how long it lives and what deletes it.

Policy 000: electronic files of an engagement are deleted two years after the work ends;
financial records are kept five years. Every model in the project is named here, either by a
rule that deletes it (directly, or as something that belongs to a rule's record) or with the
reason it is kept; ``tests/retention`` fails for a model that is in neither.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from django.conf import settings
from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from confidentiality.records import model_for_label
from retention.engine import Plan, make_plan


def add_years(day: datetime.date, years: int) -> datetime.date:
    """The anniversary; 29 February's falls on 1 March, so a period is never cut short."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return datetime.date(day.year + years, 3, 1)


def latest_anchor(as_of: datetime.date, years: int) -> datetime.date:
    """The last day whose anniversary (``add_years``) is on or before ``as_of``."""
    try:
        return as_of.replace(year=as_of.year - years)
    except ValueError:  # as_of is 29 February: the day before's anniversary is the 28th
        return datetime.date(as_of.year - years, 2, 28)


def start_of_day(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def _active_holds() -> QuerySet[Any]:
    from retention.models import LegalHold

    return LegalHold.objects.filter(released_at__isnull=True)


@dataclass(frozen=True)
class Rule:
    """A kind of record that is deleted ``years`` (or ``days``) after the date in ``anchor``."""

    key: str
    title: str
    root: str  # app_label.model
    anchor: str
    years: Callable[[], int] | None = None
    days: Callable[[], int] | None = None
    base: Callable[[], Q] = field(default=lambda: Q())
    not_held: Callable[[QuerySet[Any], datetime.date], QuerySet[Any]] = field(default=lambda qs, as_of: qs)
    # What keeps a record on one day and not on another (a condition on the record), if anything:
    # counted per day within one query (due_counts).
    kept_on: Callable[[datetime.date], Any] | None = None
    blocking: tuple[str, ...] = ()
    shred_key: str = ""  # the field naming the record's data key, destroyed with it
    note: str = ""

    @property
    def model(self) -> Any:
        return model_for_label(self.root)

    def period(self) -> str:
        if self.years is not None:
            n = self.years()
            return f"{n} year{'s' if n != 1 else ''}"
        assert self.days is not None
        n = self.days()
        return f"{n} day{'s' if n != 1 else ''}"

    def due_date(self, anchor: datetime.date) -> datetime.date:
        if self.years is not None:
            return add_years(anchor, self.years())
        assert self.days is not None
        return anchor + datetime.timedelta(days=self.days())

    def cutoff(self, as_of: datetime.date) -> datetime.date:
        """Records whose anchor date is on or before this day are due on ``as_of``."""
        if self.years is not None:
            return latest_anchor(as_of, self.years())
        assert self.days is not None
        return as_of - datetime.timedelta(days=self.days())

    def _anchored(self, up_to: datetime.date) -> Q:
        return Q(**{f"{self.anchor}__lt": start_of_day(up_to + datetime.timedelta(days=1))})

    def _kept_whatever_the_day(self, up_to: datetime.date, as_of: datetime.date) -> QuerySet[Any]:
        records = self.model._default_manager.filter(self.base(), self._anchored(up_to))
        return self.not_held(records, as_of)

    def free(self, records: QuerySet[Any], as_of: datetime.date) -> QuerySet[Any]:
        """Of ``records``, those nothing keeps on ``as_of`` (a hold, paper held, what ``kept_on`` keeps)."""
        records = self.not_held(records, as_of)
        return records if self.kept_on is None else records.exclude(self.kept_on(as_of))

    def due(self, as_of: datetime.date) -> QuerySet[Any]:
        """Records past their period on ``as_of`` and under no legal hold."""
        return self.free(self.past_period(as_of), as_of)

    def due_counts(self, days: list[datetime.date]) -> list[int]:
        """``due(day).count()`` for each of ``days``, in one query: a record due on an earlier day
        is due on a later one but for what ``kept_on`` keeps that day, and what else keeps a record
        (a hold, paper still held) does not depend on the day."""
        if not days:
            return []
        latest = max(days, key=self.cutoff)
        counts = {}
        for i, day in enumerate(days):
            condition = self._anchored(self.cutoff(day))
            if self.kept_on is not None:
                condition &= ~Q(self.kept_on(day))
            counts[f"on_{i}"] = Count("pk", filter=condition)
        counted = self._kept_whatever_the_day(self.cutoff(latest), latest).aggregate(**counts)
        return [counted[f"on_{i}"] for i in range(len(days))]

    def past_period(self, as_of: datetime.date) -> QuerySet[Any]:
        """Records past their period on ``as_of``, held or not."""
        return self.model._default_manager.filter(self.base(), self._anchored(self.cutoff(as_of)))

    def plan(self) -> Plan:
        return _plan(self.root, self.blocking)


@cache
def _plan(root: str, blocking: tuple[str, ...]) -> Plan:
    return make_plan(model_for_label(root), blocking=blocking)


def _engagement_not_held(qs: QuerySet[Any], as_of: datetime.date) -> QuerySet[Any]:
    """Not under a hold on it, its client or its organisation; and no paper of the organisation's
    still held or due back (policy 000: the register is the record of what must be returned)."""
    from engagements.models import HardCopy

    holds = _active_holds()
    paper = HardCopy.objects.filter(
        engagement=OuterRef("pk"), state__in=[HardCopy.State.HELD, HardCopy.State.RETURN_DUE]
    )
    return qs.exclude(
        Exists(holds.filter(engagement=OuterRef("pk")))
        | Exists(holds.filter(client=OuterRef("client_id")))
        | Exists(holds.filter(organisation=OuterRef("organisation_id")))
        | Exists(paper)
    )


def _erasure_not_held(qs: QuerySet[Any], as_of: datetime.date) -> QuerySet[Any]:
    """What keeps an erased client's engagement: what keeps any (``_engagement_not_held``) and what
    an erasure must keep (``retention.erasure.kept_for_erasure``)."""
    from retention.erasure import kept_for_erasure

    return kept_for_erasure(_engagement_not_held(qs, as_of))


def _open_subject_access(field: str) -> Any:
    from rights.models import OPEN_SUBJECT_ACCESS_STATES, SubjectAccessRequest

    return Exists(SubjectAccessRequest.objects.filter(**{field: OuterRef("pk")}, state__in=OPEN_SUBJECT_ACCESS_STATES))


def _client_not_held(qs: QuerySet[Any], as_of: datetime.date) -> QuerySet[Any]:
    """No hold, no engagement left, no open subject-access request; and (``_client_complaint``, the
    rule's ``kept_on``) no complaint open or closed within the period. (The engagement block is also
    the plan's; checking it here keeps clients who still have engagements out of every night's batches.)"""
    from engagements.models import Engagement

    return (
        qs.exclude(Exists(_active_holds().filter(client=OuterRef("pk"))))
        .exclude(Exists(Engagement.objects.filter(client=OuterRef("pk"))))
        .exclude(_open_subject_access("client"))
        .exclude(_named_by_an_open_breach("client"))
    )


def _named_by_an_open_breach(field: str) -> Any:
    """Art. 34: a person an open breach names is kept until they have been told and it is closed;
    then their row in the register is detached, not deleted (complaints.BreachAffected)."""
    from complaints.models import Breach, BreachAffected

    return Exists(BreachAffected.objects.filter(**{field: OuterRef("pk")}).exclude(breach__status=Breach.Status.CLOSED))


def _client_complaint(as_of: datetime.date) -> Exists:
    """A complaint of the client's open, or closed within the period, on ``as_of``."""
    from complaints.models import Complaint

    years = settings.RETENTION_ENGAGEMENT_YEARS
    return Exists(
        Complaint.objects.filter(client=OuterRef("pk")).filter(
            Q(closed_at__isnull=True)
            | Q(closed_at__gte=start_of_day(latest_anchor(as_of, years) + datetime.timedelta(days=1)))
        )
    )


def _organisation_not_held(qs: QuerySet[Any], as_of: datetime.date) -> QuerySet[Any]:
    from engagements.models import Engagement, SponsorContact
    from finance.models import Invoice

    return (
        qs.exclude(Exists(_active_holds().filter(organisation=OuterRef("pk"))))
        .exclude(Exists(Engagement.objects.filter(organisation=OuterRef("pk"))))
        .exclude(Exists(SponsorContact.objects.filter(organisation=OuterRef("pk"))))
        .exclude(Exists(Invoice.objects.filter(organisation=OuterRef("pk"))))
        .exclude(_open_subject_access("organisation"))
        .exclude(_named_by_an_open_breach("organisation"))
    )


def _years(setting: str) -> Callable[[], int]:
    return lambda: int(getattr(settings, setting))


def _days(setting: str) -> Callable[[], int]:
    return lambda: int(getattr(settings, setting))


RULES: list[Rule] = [
    Rule(
        key="engagement_files",
        title="An engagement and all its electronic files: sessions, notes, documents (and their stored "
        "files), feedback, report drafts and versions, agreements, consents, disclosures, concerns",
        root="engagements.engagement",
        anchor="closed_at",
        years=_years("RETENTION_ENGAGEMENT_YEARS"),
        base=lambda: Q(status="closed"),
        not_held=_engagement_not_held,
        shred_key="data_key_id",
        note="after the engagement closes (policy 000). Its data key is destroyed, so backups cannot be read.",
    ),
    Rule(
        key="client_record",
        title="A client's personal details, client-wide consents, complaints and testimonials; their portal "
        "login is closed",
        root="engagements.client",
        kept_on=_client_complaint,
        anchor="created_at",
        years=_years("RETENTION_ENGAGEMENT_YEARS"),
        not_held=_client_not_held,
        blocking=("engagements.engagement",),
        shred_key="data_key_id",
        note="after the later of: their last engagement's files were deleted, their last complaint closed.",
    ),
    Rule(
        # UK GDPR art. 17: what an erasure had to keep (an engagement in progress, held, or with an
        # open complaint or concern) goes as soon as nothing keeps it, not two years after it closes.
        key="erased_client_engagements",
        title="The engagements of a client whose erasure was carried out, once closed and nothing keeps them",
        root="engagements.engagement",
        anchor="closed_at",
        days=lambda: 0,
        base=lambda: Q(status="closed", client__erased_at__isnull=False),
        not_held=_erasure_not_held,
        shred_key="data_key_id",
        note="after the engagement closes, once no hold, open complaint or concern, or disclosure under the law "
        "keeps it.",
    ),
    Rule(
        # UK GDPR art. 17: an erasure carried out deletes the engagements it can at once
        # (retention.erasure); the client's own record follows once nothing keeps it, a few days
        # later, so that they can still sign in and read the letter saying what went and what stays.
        key="erased_client_record",
        title="The personal details of a client whose erasure was carried out, with their client-wide "
        "consents, complaints and requests; their portal login is closed",
        root="engagements.client",
        kept_on=_client_complaint,
        anchor="erased_at",
        days=_days("RETENTION_ERASED_CLIENT_DAYS"),
        base=lambda: Q(erased_at__isnull=False),
        not_held=_client_not_held,
        blocking=("engagements.engagement",),
        shred_key="data_key_id",
        note="after their erasure was carried out, once nothing else keeps them (time to read the letter).",
    ),
    Rule(
        key="breaches",
        title="Closed entries of the breach register",
        root="confidentiality.breach",
        anchor="closed_at",
        years=_years("RETENTION_BREACH_YEARS"),
        base=lambda: Q(closed_at__isnull=False),
        shred_key="data_key_id",
        note="after the entry is closed: the practice's own record of how it handled a breach.",
    ),
    Rule(
        # Policy 000: files held in relation to work with an organisation are deleted after two years.
        key="organisation_sharings",
        title="Sharings between organisations, with each organisation's permission",
        root="disclosures.organisationsharing",
        anchor="settled_at",
        years=_years("RETENTION_ENGAGEMENT_YEARS"),
        base=lambda: Q(settled_at__isnull=False),
        shred_key="data_key_id",
        note="after it was shared or withdrawn.",
    ),
    Rule(
        key="organisation_record",
        title="An organisation's own record, once it has no engagements, contacts or financial records",
        root="engagements.organisation",
        anchor="created_at",
        years=_years("FINANCE_RETENTION_YEARS"),
        not_held=_organisation_not_held,
        blocking=(
            "engagements.engagement",
            "engagements.sponsorcontact",
            "finance.invoice",
            "finance.payment",
            "finance.creditnote",
            "disclosures.organisationsharing",
            "disclosures.sharingpermission",
        ),
        note="after it was added, and never while anything of it remains.",
    ),
    Rule(
        key="financial_monthly_totals",
        title="Monthly financial totals (sums per month, organisation and currency)",
        root="finance.monthlytotal",
        anchor="month",
        years=_years("FINANCE_RETENTION_YEARS"),
        # The sweep's deletions of the records take them out of the totals (finance migration 0005):
        # a row goes once nothing counted in it is left.
        base=lambda: Q(
            invoice_count=0, invoiced_pence=0, paid_pence=0, credited_pence=0, received_pence=0, credit_notes_pence=0
        ),
        note="after the month, once every financial record counted in them is deleted.",
    ),
    Rule(
        key="financial_open_debt",
        title="What is outstanding on open invoices (sums per month of issue, due day and currency)",
        root="finance.opendebt",
        anchor="issued_month",
        years=_years("FINANCE_RETENTION_YEARS"),
        # A row leaves when its last open invoice is settled or swept (finance.totals, migration
        # 0007); one with nothing left open that stayed behind goes here.
        base=lambda: Q(open_count=0, outstanding_pence=0),
        note="after the month of issue, once no invoice counted in it is open.",
    ),
    Rule(
        key="notices",
        title="In-app notices (they say that something happened, never what)",
        root="confidentiality.notice",
        anchor="created_at",
        days=_days("RETENTION_NOTICE_DAYS"),
        note="after they were sent.",
    ),
    Rule(
        key="sign_in_records",
        title="Sign-in records (successes and failures, with IP addresses)",
        root="axes.accesslog",
        anchor="attempt_time",
        days=_days("RETENTION_SIGN_IN_DAYS"),
        note="after the attempt.",
    ),
    Rule(
        key="sign_in_failures",
        title="Failed sign-in records",
        root="axes.accessfailurelog",
        anchor="attempt_time",
        days=_days("RETENTION_SIGN_IN_DAYS"),
        note="after the attempt.",
    ),
    Rule(
        key="admin_log",
        title="The technical admin site's change log",
        root="admin.logentry",
        anchor="action_time",
        years=_years("RETENTION_ENGAGEMENT_YEARS"),
        note="after the change.",
    ),
]

# Records that are not deleted by age, and why. Each must be true of every row.
KEPT: dict[str, str] = {
    "confidentiality.practice": "The practice's own details (name, address, numbers, how to pay), kept while it "
    "uses the product: invoices keep their own copy from the day they were issued.",
    "sessions.session": "Sign-in sessions: each sweep deletes those that have expired, by the clock, whatever "
    "day it sweeps as of.",
    "confidentiality.user": "Accounts. A client's login is closed and their name and e-mail erased when their "
    "record is deleted; staff accounts are closed when they leave the practice.",
    "confidentiality.auditevent": "The audit trail: ids, actions and times, never names or content. It is the "
    "proof of who knew what and that deletions happened.",
    "confidentiality.auditchainhead": "One row: the end of the audit trail's hash chain.",
    "confidentiality.datakey": "Destroyed with the engagement or client whose key it is (crypto-shredding); "
    "the master-key wrapping keys are not records.",
    "confidentiality.apitoken": "Kept while the account exists; a revoked token opens nothing.",
    "confidentiality.invitation": "Who was invited to choose a password, by whom, when, and whether they did "
    "(never the link itself); kept with their account.",
    "confidentiality.workerheartbeat": "One row per background worker, overwritten every minute.",
    "confidentiality.outgoingemail": "The e-mail outbox: recipients, subject and message sealed; the message is "
    "blanked once delivered. Sent ones are deleted after 30 days, failed ones after 90 "
    "(EMAIL_OUTBOX_KEEP_SENT_DAYS, EMAIL_OUTBOX_KEEP_FAILED_DAYS), by the outbox's own task.",
    "confidentiality.policyacceptance": "Proof that a member of staff accepted a version of a policy (which "
    "text, when, from where); kept with their account.",
    "confidentiality.offboarding": "The record that someone left and what ended at that moment (counts "
    "only); kept with their account. Its list of engagements to hand over goes with each engagement.",
    "usersessions.usersession": "Which browser holds a signed-in session; purged when the person signs in "
    "or opens their account page once the session has ended, and ended when they are offboarded.",
    "retention.deletionreceipt": "The proof of deletion: rule, kind, count and ids only.",
    "retention.retentionsweep": "When each sweep ran and how many records it deleted.",
    "retention.sweeplease": "One row: which sweep is running.",
    "retention.retentionforecast": "One row: the latest count of what falls due (counts only); replaced at each count.",
    "engagements.practicecount": "How many engagements, clients and organisations there are (counts only).",
    "retention.legalhold": "The case record of a hold; detached from what it held once that is deleted.",
    "retention.policydocument": "Each version of the practice's policies: the record of what applied when.",
    "consent.informationcategory": "Configuration: the kinds of information agreements settle. No personal data.",
    "consent.agreementtemplate": "Configuration: the practice's standard agreement wording. No personal data.",
    "consent.templateterm": "Configuration: a standard agreement's terms. No personal data.",
    "consent.professionalcode": "Configuration: the professional codes the practice's coaches work under; "
    "never deleted while an agreement names one (retired instead). No personal data.",
    "engagements.sponsorcontact": "Kept while the person is the organisation's contact; removed by the "
    "administrator when they leave it.",
    "account.emailaddress": "The sign-in address of an account; erased when the account is closed.",
    "account.emailconfirmation": "Not used: sign-up is closed and addresses are not confirmed by e-mail.",
    "mfa.authenticator": "A second factor of an account; removed when the account is closed.",
    "auth.group": "Configuration: the five roles.",
    "auth.permission": "Configuration: Django's permission names.",
    "contenttypes.contenttype": "Configuration: Django's model names.",
    "guardian.userobjectpermission": "Not used: object permissions live in the direct tables, deleted with "
    "their records.",
    "guardian.groupobjectpermission": "Not used, as above.",
    "axes.accessattempt": "Current lockouts; removed when the cool-off ends or the person signs in.",
    "axes.accessattemptexpiration": "Current lockouts' expiry; removed with them.",
    "processing.processingactivity": "Configuration: the record of processing's activities (purposes, lawful "
    "bases, categories). No personal data.",
    "processing.processor": "Configuration: the practice's processors and their transfers. No personal data.",
    "finance.audit": "The record of which auditor was given access to the books, and for which dates.",
    "finance.numberseries": "Configuration: the next invoice and credit-note numbers.",
    "django_celery_beat.periodictask": "Configuration: the schedules.",
    "django_celery_beat.periodictasks": "Configuration: the schedules' change marker.",
    "django_celery_beat.crontabschedule": "Configuration: the schedules.",
    "django_celery_beat.intervalschedule": "Configuration: the schedules.",
    "django_celery_beat.clockedschedule": "Configuration: the schedules.",
    "django_celery_beat.solarschedule": "Configuration: the schedules.",
}

# Rules whose due records are chosen by their own app's code (``retention.sweep._external``):
# rule key → (root model, what, period).
EXTERNAL_RULES: dict[str, tuple[str, str, str]] = {
    "financial_records": (
        "finance.invoice",
        "Invoices with their lines, payments and credit notes",
        "5 years after their date (policy 000), once everything against the invoice is that old",
    ),
}


def rule_for(key: str) -> Rule:
    for rule in RULES:
        if rule.key == key:
            return rule
    raise KeyError(key)


def covered_kinds() -> dict[str, str]:
    """Every model the schedule covers → the rule key (or 'kept')."""
    covered: dict[str, str] = {}
    for rule in RULES:
        for kind in rule.plan().kinds():
            covered.setdefault(kind, rule.key)
    for key, (root, _what, _period) in EXTERNAL_RULES.items():
        for kind in make_plan(model_for_label(root)).kinds():
            covered.setdefault(kind, key)
    for kind in KEPT:
        covered.setdefault(kind, "kept")
    return covered
