"""The demo practice shows the testimonials register (issue 22, item 2): one publishable testimonial
resting on the demo client's live consent, seen by the administrator and by the client."""

from __future__ import annotations

import pytest
from django.test import Client as HttpClient

from confidentiality.models import User
from demo.practice import seed_demo
from testimonials.models import Testimonial as Item
from tests.conftest import login

pytestmark = [pytest.mark.embedded, pytest.mark.django_db]


def test_the_demo_has_a_publishable_testimonial_on_a_live_consent() -> None:
    seed_demo()
    [item] = Item.objects.select_related("consent", "client")
    assert item.state == Item.State.PUBLISHABLE
    assert item.consent is not None and item.consent.withdrawn_at is None
    assert item.consent.client_id == item.client_id
    admin = login(HttpClient(), User.objects.get(email="admin@practice.example"))
    register = admin.get("/testimonials/").content.decode()
    assert item.reference in register and "Testimonials &amp; case studies" in register
    client = login(HttpClient(), User.objects.get(email="sam@client.example"))
    assert "conversations I used to avoid" in client.get("/testimonials/").content.decode()
    seed_demo()  # idempotent
    assert Item.objects.count() == 1
