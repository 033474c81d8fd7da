"""Forms of the testimonials register. They validate shape; testimonials.services decides."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone

from confidentiality.crypto import remember_data_keys
from confidentiality.dates import day
from consent.models import ConsentRecord
from testimonials.models import Testimonial
from testimonials.services import TEXT_MAX_CHARS, USED_IN_MAX_CHARS


def _consent_label(consent: ConsentRecord) -> str:
    return f"{consent.get_kind_display()}, given {day(timezone.localtime(consent.given_at))} ({str(consent.pk)[:8]})"


class _ConsentChoice(forms.ModelChoiceField):  # type: ignore[type-arg]
    """The live consents that may allow a use, of any client: whether the one chosen allows this one
    (the client's own, of the right kind) is the service's to say, beside this field."""

    def label_from_instance(self, obj: Any) -> str:
        remember_data_keys([obj.client.data_key])  # loaded with the list: no query per consent
        return f"{obj.client.full_name}: {_consent_label(obj)}"


def _client_name(client: Any) -> str:
    """Opened with the client's key, loaded with the list: one query, however many clients."""
    remember_data_keys([client.data_key])
    return str(client.full_name)


class TestimonialForm(forms.Form):
    client = forms.ModelChoiceField(label="Client", queryset=Testimonial.objects.none())
    kind = forms.ChoiceField(label="Kind of use", choices=Testimonial.Kind.choices)
    text = forms.CharField(
        label="Text",
        widget=forms.Textarea(attrs={"rows": 6}),
        max_length=TEXT_MAX_CHARS,
        help_text="The quote, the case study, or the name as it will appear. Encrypted, and read only by "
        "the administrator and the client.",
    )
    used_in = forms.CharField(
        label="Where it is used", max_length=USED_IN_MAX_CHARS, help_text="The website, a brochure, a proposal."
    )
    consent = _ConsentChoice(
        label="The consent that allows it",
        queryset=ConsentRecord.objects.none(),
        required=False,
        empty_label="Not yet: keep it as a draft",
        help_text="The client's written consent: to be named as a testimonial (testimonials, recommendations), "
        "or to be mentioned in marketing (case studies, client lists).",
    )

    def __init__(self, *args: Any, clients: Any, consents: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        client_field: Any = self.fields["client"]
        client_field.queryset = clients
        client_field.label_from_instance = _client_name
        consent_field: Any = self.fields["consent"]
        consent_field.queryset = consents


class PublishableForm(forms.Form):
    consent = _ConsentChoice(
        label="The consent that allows it",
        queryset=ConsentRecord.objects.none(),
        required=False,
        empty_label="The one the item names",
    )

    def __init__(self, *args: Any, consents: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field: Any = self.fields["consent"]
        field.queryset = consents
