from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

import access
from complaints import services as complaint_services
from confidentiality import selectors, services
from confidentiality.audit import audit_verify_chain
from confidentiality.forms import ApiTokenForm
from confidentiality.roles import Role
from engagements import selectors as engagement_selectors
from portal.dashboard import dashboard_engagements_for

if TYPE_CHECKING:
    from confidentiality.accounts import SignedInRequest
    from confidentiality.models import User


def home(request: HttpRequest) -> HttpResponse:
    return redirect("dashboard" if request.user.is_authenticated else "account_login")


@login_required
def dashboard(request: SignedInRequest) -> HttpResponse:
    user: User = request.user
    role = access.role_of(user)
    if role is None:
        # A superuser or a person without a role: the product shows them nothing.
        return render(request, "portal/dashboard_none.html")
    context: dict[str, Any] = {"role": role, "notices": engagement_selectors.notices_for(user=user)}
    if role == Role.ADMIN:
        context["counts"] = engagement_selectors.practice_counts_for(user=user)
        context["deadlines"] = complaint_services.deadlines_for(user=user)
        from rights.services import dashboard_deadlines_for

        context["subject_access_due"] = dashboard_deadlines_for(user=user)
        from people.policies import missing_kinds
        from retention.services import current_policies, policies_due

        current = current_policies()
        context["policies_due"] = policies_due(timezone.localdate(), current=current)
        # Staff are asked to accept only what is recorded: say so while a required one is not.
        context["policies_missing"] = missing_kinds(current)
    elif role in (Role.COACH, Role.CLIENT, Role.SPONSOR):
        context["engagements"] = dashboard_engagements_for(user=user)
        if role == Role.COACH:
            from disclosures.concerns import open_concerns_for

            context["open_concerns"] = open_concerns_for(user=user)
            from feedback.services import unsolicited_to_share_for

            context["unsolicited_to_share"] = unsolicited_to_share_for(user=user)
        if role == Role.CLIENT:
            # A private client, who pays for their own coaching, is sent the invoices.
            context["pays_own"] = access.pays_for_own_coaching(user)
    elif role == Role.AUDITOR:
        from finance.selectors import audits_of

        context["audits"] = audits_of(user=user)[:5]
        context["audit_open"] = access.active_audit_for(user)
    return render(request, f"portal/dashboard_{role.value}.html", context)


@login_required
@require_http_methods(["GET"])
def notice_open(request: SignedInRequest, pk: int) -> HttpResponse:
    """A notice's link: opening it marks it read, so the dashboard lists what is still new."""
    from confidentiality.models import Notice

    try:
        return redirect(services.notice_open(actor=request.user, pk=pk))
    except Notice.DoesNotExist:
        raise Http404 from None


@login_required
@require_http_methods(["GET", "POST"])
def account_settings(request: SignedInRequest) -> HttpResponse:
    user: User = request.user
    new_key = None
    form = ApiTokenForm(request.POST or None)
    if request.method == "POST":
        if not access.can(user, access.Capability.USE_API):
            return HttpResponse("Your account cannot use the API.", status=403)
        if form.is_valid():
            try:
                _, new_key = services.api_token_issue(actor=user, user=user, name=form.cleaned_data["name"])
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                form = ApiTokenForm()
    from portal.account_views import account_extras

    return render(
        request,
        "portal/account_settings.html",
        {"form": form, "tokens": selectors.api_tokens_for(user=user), "new_key": new_key, **account_extras(request)},
    )


@login_required
@require_POST
def api_token_revoke(request: SignedInRequest, pk: int) -> HttpResponse:
    token = selectors.api_token_get_for(user=request.user, pk=pk)
    services.api_token_revoke(actor=request.user, token=token)
    messages.success(request, "The token was revoked. Anything using it stops working now.")
    return redirect("account_settings")


@login_required
def audit_log(request: SignedInRequest) -> HttpResponse:
    user: User = request.user
    if not access.can_read_audit_log(user):
        if access.role_of(user) == Role.AUDITOR:
            # Say why, still as a 404: outside an audit no event of the log exists for them.
            audits = access.audits_of(user)[:5]
            return render(request, "finance/no_audit.html", {"audits": audits}, status=404)
        raise Http404
    events = access.audit_events_visible_to(user)
    page = Paginator(events, 50).get_page(request.GET.get("page"))
    report = audit_verify_chain() if request.GET.get("verify") == "1" else None
    finance_only = access.role_of(user) != Role.ADMIN
    rows = _audit_rows(list(page.object_list))
    return render(
        request, "portal/audit_log.html", {"page": page, "rows": rows, "report": report, "finance_only": finance_only}
    )


def _audit_rows(events: list[Any]) -> list[tuple[Any, str, str]]:
    """Each event with who acted, by name (one query for the page), and the kind of record in words."""
    from confidentiality.models import User
    from confidentiality.records import kind_name

    actors = User.objects.filter(pk__in={e.actor_id for e in events if e.actor_id}).only("display_name", "email")
    names = {person.pk: str(person) for person in actors}  # as every page names a person
    return [
        (
            event,
            "The system" if event.actor_id is None else names.get(event.actor_id, "A person since removed"),
            kind_name(event.object_type, plural=False) if event.object_type else "",
        )
        for event in events
    ]
