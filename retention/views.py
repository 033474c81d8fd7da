"""The administrator's retention pages: the schedule, what will go and when, holds, policies."""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

import access
from confidentiality.records import kind_name
from people.models import PolicyDocument
from retention import services
from retention.forecast import forecast_count, forecast_for
from retention.models import DeletionReceipt, LegalHold, RetentionSweep
from retention.schedule import KEPT, RULES

if TYPE_CHECKING:
    from confidentiality.accounts import SignedInRequest
    from confidentiality.models import User


def _admin(request: SignedInRequest) -> User:
    access.require(request.user, access.Capability.MANAGE_RETENTION)
    return request.user


def _as_of(request: HttpRequest) -> datetime.date:
    raw = request.GET.get("as_of", "")
    if not raw:
        return timezone.localdate()
    try:
        day = datetime.date.fromisoformat(raw)
    except ValueError:
        raise Http404 from None
    if not 1900 <= day.year <= 9000:
        raise Http404
    return day


def _kinds_named(deleted: dict[str, int]) -> list[tuple[str, int]]:
    return [(kind_name(kind), count) for kind, count in deleted.items()]


def _held_record(scope: str, pk: Any) -> Any:
    """The engagement, client or organisation a hold is placed on, chosen on its own page."""
    from engagements.models import Client, Engagement, Organisation

    model = {"engagement": Engagement, "client": Client, "organisation": Organisation}.get(scope)
    record = model._default_manager.filter(pk=pk).first() if model is not None else None
    if record is None:
        raise Http404
    return record


def held_name(scope: str, record: Any) -> str:
    """How the page names what a hold is on: an engagement by its reference, a client or an
    organisation by its name."""
    if scope == "engagement":
        return f"engagement {record.reference}"
    if scope == "client":
        return f"{record.full_name}, client"
    return str(record.name)


@login_required
@require_http_methods(["GET", "POST"])
def hold_new(request: SignedInRequest, scope: str, pk: Any) -> HttpResponse:
    """Place a legal hold on the record whose page the administrator came from: chosen there,
    never typed as an id. A refusal comes back with what was typed, the reason beside its field."""
    from confidentiality.forms import act_on
    from retention.forms import HoldForm

    user = _admin(request)
    record = _held_record(scope, pk)
    form = HoldForm(request.POST or None)
    hold = act_on(form, lambda data: services.hold_place(actor=user, target=record, **data))
    if hold is not None:
        messages.success(request, "Hold placed. Nothing under it will be deleted until it is released.")
        return redirect("retention:overview")
    if scope == "client":  # the page names the client: a read of their file, as on the clients list
        from engagements.selectors import audit_client_reads

        audit_client_reads(user=user, clients=[record])
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "retention/hold_form.html",
        {"form": form, "name": held_name(scope, record), "scope": LegalHold.Scope(scope).label},
        status=status,
    )


@login_required
@require_http_methods(["GET"])
def overview(request: SignedInRequest) -> HttpResponse:
    user = _admin(request)
    as_of = _as_of(request)
    dry_run = "as_of" in request.GET
    forecast, counted_at = forecast_for(as_of if dry_run else None)
    peak = max([m["count"] for m in forecast["timeline"]] + [1])
    for rule in forecast["rules"]:
        rule["falling"] = [(_month(m["month"]), m["count"]) for m in rule["by_month"] if m["count"]]
    closing = _closing_themselves(as_of)
    last_sweep = RetentionSweep.objects.filter(state=RetentionSweep.State.FINISHED).first()
    receipts = list(DeletionReceipt.objects.filter(sweep=last_sweep)) if last_sweep else []
    return render(
        request,
        "retention/overview.html",
        {
            "as_of": as_of,
            "forecast": forecast,
            "bars": [(_month(m["month"]), m["count"]) for m in forecast["timeline"]],
            "peak": peak,
            "rules": RULES,
            "kept": sorted((kind_name(kind).capitalize(), why) for kind, why in KEPT.items()),
            "holds": _holds_named(user),
            "released": LegalHold.objects.filter(released_at__isnull=False)[:20],
            "dry_run": dry_run,
            "counted_at": counted_at,
            "forecast_minutes": settings.RETENTION_FORECAST_MINUTES,
            "sweeps": [(sweep, _kinds_named(sweep.deleted)) for sweep in RetentionSweep.objects.all()[:10]],
            "last_sweep": last_sweep,
            "receipts": [(receipt, kind_name(receipt.kind)) for receipt in receipts],
            "policies_due": services.policies_due(as_of),
            **closing,
        },
    )


@login_required
@require_POST
def forecast_recount(request: SignedInRequest) -> HttpResponse:
    """Count the forecast again now, from the records (retention/forecast.py)."""
    _admin(request)
    kept = forecast_count()
    messages.success(request, f"Counted again, in {kept.seconds:.1f} seconds.")
    return redirect("retention:overview")


def _month(iso_month: str) -> datetime.date:
    """A month of the forecast ("2027-03", as the API gives it) as a date the page writes "March 2027"."""
    return datetime.date.fromisoformat(f"{iso_month}-01")


def _holds_named(user: User) -> list[tuple[LegalHold, str]]:
    """The holds in force, each with what it holds named as the administrator knows it (a client's
    name read is audited, as on the clients list)."""
    from confidentiality.crypto import load_data_keys
    from engagements.selectors import audit_client_reads

    holds = list(
        LegalHold.objects.filter(released_at__isnull=True).select_related(
            "placed_by", "engagement", "client", "organisation"
        )
    )
    clients = [hold.client for hold in holds if hold.client is not None]
    load_data_keys(client.data_key_id for client in clients)
    audit_client_reads(user=user, clients=clients)
    named = []
    for hold in holds:
        record = getattr(hold, hold.scope)
        named.append((hold, held_name(hold.scope, record) if record is not None else "a record since deleted"))
    return named


WITHOUT_END_DATE_COUNTED = 1000


def _closing_themselves(as_of: datetime.date) -> dict[str, Any]:
    """Engagements nobody has closed that will close themselves in the next twelve months (their end
    date plus the grace period), with the day their files then go; and how many open engagements have
    no end date, so would never close themselves."""
    from django.conf import settings

    from engagements.models import Engagement
    from engagements.services import closing_days
    from retention.schedule import add_years

    still_open = Engagement.objects.exclude(status=Engagement.Status.CLOSED)
    grace = datetime.timedelta(days=settings.ENGAGEMENT_CLOSE_GRACE_DAYS)
    soon = list(
        still_open.filter(ends_on__lte=as_of + datetime.timedelta(days=365) - grace).order_by("ends_on", "reference")[
            :100
        ]
    )
    days = closing_days(soon)
    rows = [
        (engagement, days[engagement.pk], add_years(days[engagement.pk], settings.RETENTION_ENGAGEMENT_YEARS))
        for engagement in soon
    ]
    return {
        "closing_themselves": rows,
        "closing_grace_days": grace.days,
        # Counted up to a bound, so the page costs the same however many there are.
        "without_end_date": still_open.filter(ends_on__isnull=True).order_by()[: WITHOUT_END_DATE_COUNTED + 1].count(),
        "without_end_date_bound": WITHOUT_END_DATE_COUNTED,
    }


@login_required
@require_POST
def hold_release(request: SignedInRequest, pk: str) -> HttpResponse:
    user = _admin(request)
    hold = LegalHold.objects.filter(pk=pk).first()
    if hold is None:
        raise Http404
    try:
        services.hold_release(actor=user, hold=hold, reason=request.POST.get("release_reason", ""))
    except ValidationError as exc:
        messages.error(request, "The hold was not released: " + " ".join(exc.messages))
    else:
        messages.success(request, "Hold released. The next sweep deletes what is past its period.")
    return redirect("retention:overview")


@login_required
@require_http_methods(["GET", "POST"])
def policies(request: SignedInRequest) -> HttpResponse:
    user = _admin(request)
    if request.method == "POST":
        try:
            reviewed_on = datetime.date.fromisoformat(request.POST.get("reviewed_on", ""))
        except ValueError:
            messages.error(request, "Give the date of the review, e.g. 2026-11-22.")
            return redirect("retention:policies")
        try:
            services.policy_record(
                actor=user,
                kind=request.POST.get("kind", ""),
                text=request.POST.get("text", ""),
                reviewed_on=reviewed_on,
            )
        except ValidationError as exc:
            messages.error(request, "Nothing was recorded: " + " ".join(exc.messages))
        else:
            messages.success(request, "New version recorded. Its next review falls due in two years.")
        return redirect("retention:policies")
    return render(
        request,
        "retention/policies.html",
        {
            "current": services.current_policies(),
            "history": PolicyDocument.objects.all()[:50],
            "kinds": PolicyDocument.Kind.choices,
            "today": timezone.localdate(),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def record_withdraw(request: SignedInRequest, kind: str, pk: Any) -> HttpResponse:
    """A coach withdraws their own note, session or document filed on the wrong engagement."""
    from confidentiality.forms import act_on
    from engagements.models import EngagementMember
    from retention.forms import WithdrawForm
    from retention.withdrawal import KINDS, record_withdraw, withdrawable_get_for

    user: User = request.user
    record = withdrawable_get_for(user, kind, pk)
    engagement = record.engagement
    mine = (
        access.engagements_visible_to(user)
        .filter(members__user=user, members__kind=EngagementMember.Kind.COACH)
        .exclude(pk=engagement.pk)
    )
    form = WithdrawForm(request.POST or None, engagements=mine)
    readers = act_on(
        form,
        lambda data: record_withdraw(
            actor=user, kind=kind, record=record, reason=data["reason"], belongs_to=data["belongs_to"]
        ),
    )
    if readers is not None:
        told = "" if not readers.anyone else f" {readers.in_words().capitalize()} could read it: the practice is told."
        messages.success(request, f"The {KINDS[kind].name} is withdrawn and deleted.{told}")
        return redirect("engagements:detail", pk=engagement.pk)
    return render(
        request,
        "retention/withdraw.html",
        {"form": form, "kind": KINDS[kind].name, "engagement": engagement},
        status=400 if request.method == "POST" else 200,
    )
