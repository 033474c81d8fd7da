"""The administrator's Practice settings page: the practice's own details, as its agreements,
letters, invoices and e-mails print them (confidentiality/practice.py)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from confidentiality.accounts import Capability, require
from confidentiality.forms import act_on
from confidentiality.models import Practice
from confidentiality.practice import EDITABLE, current_practice, practice_update

if TYPE_CHECKING:
    from confidentiality.accounts import SignedInRequest


class PracticeForm(forms.ModelForm):  # type: ignore[type-arg]
    class Meta:
        model = Practice
        fields = EDITABLE
        widgets = {
            "address": forms.Textarea(attrs={"rows": 4}),
            "payment_details": forms.Textarea(attrs={"rows": 4}),
        }


@login_required
@require_http_methods(["GET", "POST"])
def practice_settings(request: SignedInRequest) -> HttpResponse:
    require(request.user, Capability.MANAGE_PRACTICE)
    practice = current_practice()
    form = PracticeForm(request.POST or None, instance=Practice(**{f: getattr(practice, f) for f in EDITABLE}))
    # A refusal lands beside its field, with everything typed kept.
    if act_on(form, lambda data: practice_update(actor=request.user, **data)) is not None:
        messages.success(request, "The practice's details are saved. Documents issued from now on print them.")
        return redirect("practice_settings")
    return render(request, "portal/practice.html", {"form": form, "practice": practice})
