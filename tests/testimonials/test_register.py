"""The testimonials and case-studies register (issue 22, item 2; policies 001 and 003: "NEVER …
publicly-available client lists, recommendations, and testimonies" without written permission).

Each item names the consent that allows it; nothing about a client is marked publishable without a
live consent of the right kind that is that client's own; withdrawing the consent flags every item
resting on it for removal at once and tells the administrators, whose notice clears when the item is
marked removed. Only the administrator manages the register; the client reads the items about them.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from confidentiality.models import Notice
from consent.models import ConsentRecord
from consent.services import consent_record, consent_withdraw
from testimonials import services
from testimonials.models import Testimonial as Item
from tests.conftest import World

pytestmark = pytest.mark.django_db

QUOTE = "Working with Maya changed how I run my team."


def consent_of(client: Any, kind: str = ConsentRecord.Kind.TESTIMONIAL) -> ConsentRecord:
    return consent_record(
        actor=client.user,
        client=client,
        kind=kind,
        wording="I agree that the practice may quote me, by name, as a testimonial.",
        method=ConsentRecord.Method.PORTAL,
    )


def draft(world: World, consent: ConsentRecord | None = None, kind: str = "testimonial") -> Item:
    return services.testimonial_create(
        actor=world.people["admin"],
        client=world.client_record,
        kind=kind,
        text=QUOTE,
        used_in="Website, home page",
        consent=consent,
    )


def removal_notices(world: World, item: Item) -> Any:
    return Notice.objects.filter(user=world.people["admin"], about=f"testimonial.remove:{item.pk}")


class TestPublishable:
    def test_it_marks_an_item_publishable_on_the_clients_live_consent(self, world: World) -> None:
        consent = consent_of(world.client_record)
        item = services.testimonial_mark_publishable(actor=world.people["admin"], item=draft(world), consent=consent)
        item.refresh_from_db()
        assert item.state == Item.State.PUBLISHABLE and item.consent == consent
        assert item.text == QUOTE

    def test_it_keeps_the_text_encrypted(self, world: World) -> None:
        from django.db import connection

        item = draft(world)
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT text FROM {Item._meta.db_table} WHERE id = %s", [item.pk.hex])
            row = cursor.fetchone()
        if row is None:  # PostgreSQL stores the UUID natively
            with connection.cursor() as cursor:
                cursor.execute(f"SELECT text FROM {Item._meta.db_table} WHERE id = %s", [str(item.pk)])
                row = cursor.fetchone()
        assert row is not None and "changed how I run" not in row[0]

    def test_it_refuses_without_a_consent_and_changes_nothing(self, world: World) -> None:
        item = draft(world)
        with pytest.raises(ValidationError) as refused:
            services.testimonial_mark_publishable(actor=world.people["admin"], item=item)
        assert "consent" in refused.value.message_dict
        item.refresh_from_db()
        assert item.state == Item.State.DRAFT and item.consent is None

    def test_it_refuses_a_withdrawn_consent_and_changes_nothing(self, world: World) -> None:
        consent = consent_of(world.client_record)
        item = draft(world, consent)
        consent_withdraw(actor=world.people["client"], consent=consent)
        with pytest.raises(ValidationError):
            services.testimonial_mark_publishable(actor=world.people["admin"], item=item)
        item.refresh_from_db()
        assert item.state == Item.State.DRAFT

    def test_it_refuses_another_clients_consent_and_changes_nothing(self, world: World) -> None:
        other = consent_of(world.other_engagement.client)
        item = draft(world)
        with pytest.raises(ValidationError) as refused:
            services.testimonial_mark_publishable(actor=world.people["admin"], item=item, consent=other)
        assert "consent" in refused.value.message_dict
        item.refresh_from_db()
        assert item.state == Item.State.DRAFT and item.consent is None

    def test_it_refuses_a_consent_of_the_wrong_kind_and_changes_nothing(self, world: World) -> None:
        basic = ConsentRecord.objects.get(client=world.client_record, kind=ConsentRecord.Kind.BASIC_INFORMATION)
        item = draft(world)
        with pytest.raises(ValidationError):
            services.testimonial_mark_publishable(actor=world.people["admin"], item=item, consent=basic)
        # A case study rests on consent to be mentioned in marketing, not on a testimonial consent.
        case_study = draft(world, kind="case_study")
        with pytest.raises(ValidationError):
            services.testimonial_mark_publishable(
                actor=world.people["admin"], item=case_study, consent=consent_of(world.client_record)
            )
        assert set(Item.objects.values_list("state", flat=True)) == {Item.State.DRAFT}

    def test_the_form_keeps_the_typed_text_and_puts_the_error_beside_the_consent(self, world: World) -> None:
        other = consent_of(world.other_engagement.client)
        response = world.http("admin").post(
            reverse("testimonials:new"),
            {
                "client": str(world.client_record.pk),
                "kind": "testimonial",
                "text": QUOTE,
                "used_in": "Brochure",
                "consent": str(other.pk),
            },
        )
        assert response.status_code == 400
        page = response.content.decode()
        assert "changed how I run my team" in page and "Brochure" in page
        assert "This consent is not this client" in page
        assert not Item.objects.exists()


class TestWithdrawal:
    def test_withdrawing_flags_every_item_at_once_and_tells_the_administrator(self, world: World) -> None:
        consent = consent_of(world.client_record)
        item = services.testimonial_mark_publishable(actor=world.people["admin"], item=draft(world), consent=consent)
        consent_withdraw(actor=world.people["client"], consent=consent)
        item.refresh_from_db()
        assert item.state == Item.State.FLAGGED and item.flagged_at is not None
        notice = removal_notices(world, item).get()
        assert notice.done_at is None
        assert QUOTE not in notice.text and "Samira" not in notice.text  # nothing confidential in it
        services.testimonial_mark_removed(actor=world.people["admin"], item=item)
        item.refresh_from_db()
        assert item.state == Item.State.REMOVED and item.removed_at is not None
        notice.refresh_from_db()
        assert notice.done_at is not None  # resolved by the removal

    def test_a_flagged_item_cannot_be_marked_publishable_again(self, world: World) -> None:
        consent = consent_of(world.client_record)
        services.testimonial_mark_publishable(actor=world.people["admin"], item=draft(world), consent=consent)
        consent_withdraw(actor=world.people["admin"], consent=consent)
        with pytest.raises(ValidationError):
            services.testimonial_mark_publishable(actor=world.people["admin"], item=Item.objects.get())
        assert Item.objects.get().state == Item.State.FLAGGED

    def test_withdrawing_another_consent_leaves_the_item_alone(self, world: World) -> None:
        consent = consent_of(world.client_record)
        marketing = consent_of(world.client_record, ConsentRecord.Kind.MARKETING)
        item = services.testimonial_mark_publishable(actor=world.people["admin"], item=draft(world), consent=consent)
        consent_withdraw(actor=world.people["client"], consent=marketing)
        item.refresh_from_db()
        assert item.state == Item.State.PUBLISHABLE and not removal_notices(world, item).exists()


class TestWhoSees:
    def test_the_client_reads_the_items_about_them(self, world: World) -> None:
        consent = consent_of(world.client_record)
        item = services.testimonial_mark_publishable(actor=world.people["admin"], item=draft(world), consent=consent)
        listing = world.http("client").get(reverse("testimonials:list"))
        assert listing.status_code == 200 and "changed how I run my team" in listing.content.decode()
        page = world.http("client").get(reverse("testimonials:detail", args=[item.pk]))
        assert page.status_code == 200
        assert "withdraw" in page.content.decode().lower()
        consents = world.http("client").get(reverse("consent:consents")).content.decode()
        assert reverse("testimonials:list") in consents and "flags each one for removal" in consents
        api = world.api("client").get(f"/api/v1/testimonials/{item.pk}/")
        assert api.status_code == 200 and api.json()["text"] == QUOTE

    def test_the_administrator_works_from_the_register(self, world: World) -> None:
        item = draft(world)
        assert world.http("admin").get(reverse("testimonials:list")).status_code == 200
        assert world.http("admin").get(reverse("testimonials:detail", args=[item.pk])).status_code == 200
        assert world.api("admin").get("/api/v1/testimonials/").status_code == 200

    @pytest.mark.parametrize("persona", ["coach", "other_coach", "sponsor", "other_sponsor", "auditor", "superuser"])
    def test_no_one_else_reaches_it(self, world: World, persona: str) -> None:
        item = draft(world)
        assert world.http(persona).get(reverse("testimonials:list")).status_code == 404
        assert world.http(persona).get(reverse("testimonials:detail", args=[item.pk])).status_code == 404
        assert world.api(persona).get(f"/api/v1/testimonials/{item.pk}/").status_code in (403, 404)
        marked = world.http(persona).post(reverse("testimonials:mark_removed", args=[item.pk]))
        assert marked.status_code == 404
        item.refresh_from_db()
        assert item.state == Item.State.DRAFT

    def test_another_client_gets_404(self, world: World) -> None:
        from django.test import Client as HttpClient

        from tests.conftest import login

        item = draft(world)
        other = world.other_engagement.client.user
        assert login(HttpClient(), other).get(reverse("testimonials:detail", args=[item.pk])).status_code == 404


class TestQueryCounts:
    def test_the_register_costs_the_same_for_many_clients(
        self, world: World, django_assert_max_num_queries: Any
    ) -> None:
        from tests.factories import ClientFactory

        for n in range(12):
            client = ClientFactory(full_name=f"Client {n}")
            services.testimonial_create(
                actor=world.people["admin"], client=client, kind="case_study", text=QUOTE, used_in="Brochure"
            )
        admin, api = world.http("admin"), world.api("admin")
        admin.get(reverse("testimonials:list"))  # the session and the second factor settle
        api.get("/api/v1/testimonials/")
        with django_assert_max_num_queries(20):
            page = admin.get(reverse("testimonials:list"))
        assert page.status_code == 200 and "Client 11" in page.content.decode()
        with django_assert_max_num_queries(12):
            assert len(api.get("/api/v1/testimonials/").json()["results"]) == 12


class TestRecords:
    def test_the_clients_copy_holds_their_items(self, world: World) -> None:
        from rights.exports import client_contents

        consent = consent_of(world.client_record)
        services.testimonial_mark_publishable(actor=world.people["admin"], item=draft(world), consent=consent)
        sections = {s.key: s for s in client_contents(world.client_record).sections}
        [item] = sections["testimonials"].items
        assert item["text"] == QUOTE and item["state"] == "Publishable"

    def test_the_retention_schedule_covers_the_register(self) -> None:
        from retention.schedule import covered_kinds

        # With the client's record, or with the engagement files when its consent was tied to an engagement.
        assert covered_kinds()["testimonials.testimonial"] in {"client_record", "engagement_files"}


def test_the_new_item_form_costs_the_same_queries_however_many_clients_and_consents(world: World) -> None:
    """The client and consent lists open each name with the key loaded with the list: before, each
    client and each consent cost a query of its own (the access matrix's budget found it)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from confidentiality.crypto import data_key_cache
    from tests.factories import ClientFactory

    admin = world.http("admin")
    admin.get(reverse("testimonials:new"))  # warm: the session and the practice

    def queries() -> int:
        data_key_cache.clear()  # as a fresh worker process would find it
        with CaptureQueriesContext(connection) as captured:
            page = admin.get(reverse("testimonials:new"))
        assert page.status_code == 200
        return len(captured.captured_queries)

    few = queries()
    for _ in range(4):
        consent_of(ClientFactory())
    many = queries()
    assert many == few
