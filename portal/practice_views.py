"""The administrator's Practice settings page: the practice's own details, as its agreements,
letters, invoices and e-mails print them (confidentiality/practice.py)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from confidentiality.accounts import role_of
from confidentiality.models import Practice
from confidentiality.practice import EDITABLE, current_practice, practice_update
from confidentiality.roles import Role

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
    if role_of(request.user) != Role.ADMIN:
        raise Http404
    practice = current_practice()
    form = PracticeForm(request.POST or None, instance=Practice(**{f: getattr(practice, f) for f in EDITABLE}))
    if request.method == "POST" and form.is_valid():
        try:
            practice_update(actor=request.user, **{f: form.cleaned_data[f] for f in EDITABLE})
        except ValidationError as error:
            # Beside its field, with everything typed kept.
            for field, problems in error.message_dict.items():
                form.add_error(field if field in EDITABLE else None, problems)
        else:
            messages.success(request, "The practice's details are saved. Documents issued from now on print them.")
            return redirect("practice_settings")
    return render(request, "portal/practice.html", {"form": form, "practice": practice})
