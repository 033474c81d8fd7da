from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from django import forms
from django.core.exceptions import ValidationError

T = TypeVar("T")


class DateInput(forms.DateInput):
    """A browser date field. Its value must be ISO 8601 whatever the language: with en-GB's
    22/11/2026 the browser shows the field empty and the initial date is lost."""

    input_type = "date"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%Y-%m-%d", **kwargs)


class ApiTokenForm(forms.Form):
    name = forms.CharField(max_length=80, label="Token name", help_text="What will use it, e.g. 'reporting script'.")


# --- people who join and leave ---------------------------------------------------------------

STAFF_KIND_CHOICES = [
    ("coach", "Coach (member of staff)"),
    ("associate", "Associate coach (external contractor)"),
    ("admin", "Practice administrator"),
    ("auditor", "Auditor"),
]


class StaffAddForm(forms.Form):
    display_name = forms.CharField(max_length=150, label="Name")
    email = forms.EmailField(label="E-mail address", help_text="They sign in with it and set a password by reset.")
    kind = forms.ChoiceField(choices=STAFF_KIND_CHOICES, label="Role")
    contract_ends_on = forms.DateField(
        required=False,
        label="Last day of their contract",
        help_text="Needed for an associate; optional for anyone on a fixed term. Their access ends when the day does.",
        widget=DateInput(),
    )


class ContractForm(forms.Form):
    is_associate = forms.BooleanField(required=False, label="Associate coach (external contractor)")
    contract_ends_on = forms.DateField(
        required=False,
        label="Last day of their contract",
        help_text="Leave empty for no end date (not for an associate).",
        widget=DateInput(),
    )


class OffboardForm(forms.Form):
    confirm = forms.BooleanField(
        label="I understand: every session, API token and permission of theirs ends now.",
        error_messages={"required": "Tick the box to confirm."},
    )


class ReactivateForm(forms.Form):
    contract_ends_on = forms.DateField(
        required=False,
        label="Last day of their new contract",
        help_text="Needed for an associate.",
        widget=DateInput(),
    )


class ReassignForm(forms.Form):
    to_user: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        queryset=None, label="Who takes it over", empty_label="Choose a person"
    )

    def __init__(self, *args: Any, people: Any, label: str = "", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field: Any = self.fields["to_user"]
        field.queryset = people
        field.label_from_instance = lambda user: f"{user.display_name or user.email} ({user.email})"
        if label:
            field.label = label


class PolicyAcceptForm(forms.Form):
    shown_hash = forms.CharField(widget=forms.HiddenInput, max_length=64)
    confirm = forms.BooleanField(
        label="I have read this policy and I accept it.",
        error_messages={"required": "Tick the box to say you have read and accept the policy."},
    )


def errors_to_form(form: Any, exc: ValidationError) -> None:
    """A service's refusal shown on the form: on the field it names, else above the form."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


def act_on(form: Any, action: Callable[[dict[str, Any]], T]) -> T | None:
    """A form's one way to a service: when the form is bound and valid, ``action`` runs with its
    cleaned data and what it returns is returned; a refusal lands on the form (``errors_to_form``)
    and None is returned, as it is for a form to show again. ``action`` returns something that is
    not None, e.g. the object it made or changed."""
    if not form.is_valid():
        return None
    try:
        return action(form.cleaned_data)
    except ValidationError as exc:
        errors_to_form(form, exc)
        return None
