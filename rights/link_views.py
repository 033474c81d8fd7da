"""The single-use download link for a client without a sign-in (``rights/links.py``): the
administrator sends it from the request's page; the client opens it and gives the collection code.

The link's page moves its secret out of the address at once: the opened link's hash waits in the
session, and the page that asks for the code has no secret in its address."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from confidentiality.crypto import load_data_keys
from confidentiality.dates import moment
from confidentiality.downloads import attachment_response
from confidentiality.pdf import render_pdf
from rights import links
from rights import services as sar
from rights.models import SubjectAccessRequest
from rights.views import _detail, _get, _require_runner, streaming_zip

if TYPE_CHECKING:
    from confidentiality.accounts import SignedInRequest

SESSION_KEY = "answer_link"


@login_required
@require_POST
def send_link(request: SignedInRequest, pk: str) -> HttpResponse:
    """E-mail the link; the page shows the collection code this once (never stored, never e-mailed)."""
    item = _get(request, pk)
    _require_runner(request)
    try:
        sent = links.answer_link_send(actor=request.user, request=item)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
        return _detail(request, item, status=400)
    response = _detail(request, item, collection_code=links.pretty_code(sent.code))
    response["Cache-Control"] = "no-store"
    return response


def _invalid(request: HttpRequest) -> HttpResponse:
    return render(request, "rights/answer_link_invalid.html", status=404)


@never_cache
@require_http_methods(["GET"])
def collect_link(request: HttpRequest, token: str) -> HttpResponse:
    """The e-mailed link: remembered (its hash) in the session, then away from the address."""
    link = links.link_by_token(token)
    if link is None:
        return _invalid(request)
    request.session[SESSION_KEY] = link.token_hash
    return redirect("subject_access:collect")


@never_cache
@require_http_methods(["GET", "POST"])
def collect(request: HttpRequest) -> HttpResponseBase:
    """Asks for the collection code; the right code hands over the answer, once."""
    token_hash = request.session.get(SESSION_KEY, "")
    link = links.link_by_hash(token_hash)
    if link is None:
        request.session.pop(SESSION_KEY, None)  # a dead link's hash does not stay
        return _invalid(request)
    error = ""
    if request.method == "POST":
        outcome = links.answer_link_collect(token_hash=token_hash, code=request.POST.get("code", ""))
        if outcome.link is not None:
            request.session.pop(SESSION_KEY, None)
            return _answer(outcome.link.request)
        if outcome.spent:
            request.session.pop(SESSION_KEY, None)
            return render(request, "rights/answer_link_invalid.html", {"message": outcome.error}, status=404)
        error = outcome.error
    item = link.request
    return render(
        request,
        "rights/answer_link_collect.html",
        {
            "reference": item.reference,
            "is_copy": not sar.has_letter(item),
            "expires": moment(link.expires_at),
            "digits": links.CODE_DIGITS,
            "error": error,
        },
        status=400 if error else 200,
    )


def _answer(item: SubjectAccessRequest) -> HttpResponseBase:
    """The letter (PDF), or the released copy (ZIP), as the requester would download it."""
    if sar.has_letter(item):
        assert item.client is not None
        load_data_keys([item.client.data_key_id])
        pdf = render_pdf("rights/letter_pdf.html", sar.letter_context(item))
        return attachment_response(pdf, content_type="application/pdf", name=f"letter-{item.reference}.pdf")
    export = sar.export_of(item)
    assert export is not None  # links.link_by_hash: a released copy inside its period
    return streaming_zip(item, export)
