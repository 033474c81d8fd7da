"""Breach letters (UK GDPR art. 34): the people a breach affects, the decision to tell them and why,
the letter the administrator writes, the letters produced, sent to a portal login or posted, and
who may read each. Who may reach each URL is also the access matrix's (tests/matrix/table.py)."""

from __future__ import annotations

import datetime
import json
from typing import Any

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.http import Http404
from django.urls import reverse
from django.utils import timezone

from complaints import letters
from complaints import services as complaint_services
from complaints.models import Breach, BreachAffected, BreachCommunication
from confidentiality.models import AuditEvent, Notice
from engagements.services import ConflictError
from tests.conftest import World, same_page
from tests.factories import ClientFactory

NATURE = "A laptop holding session notes was stolen from Quillfeather's car on 3 March."
CONSEQUENCES = "Someone could read what you told your coach about the Marchbank restructuring."
MEASURES = "We wiped the laptop remotely and told the police."
ADVICE = "Be wary of anyone who contacts you about your coaching."
REASON = "Session notes are special: a high risk to the people named in them."
SECRETS = ("Quillfeather", "Marchbank")
Decision = BreachCommunication.Decision


def record(world: World, persona: str = "admin") -> Breach:
    return complaint_services.breach_record(
        actor=world.people[persona],
        discovered_at=timezone.now() - datetime.timedelta(hours=3),
        what_happened="Laptop stolen.",
        information_involved="Session notes",
        people_affected="Clients of the Northwind engagement",
    )


def decide(world: World, breach: Breach, decision: str = Decision.TELL, **extra: Any) -> BreachCommunication:
    communication = letters.communication_of(breach)
    return letters.breach_communication_decide(
        actor=world.people["admin"],
        breach=breach,
        expected_version=communication.version if communication else 1,
        decision=decision,
        reason=extra.pop("reason", REASON),
        **extra,
    )


def write(world: World, breach: Breach, **texts: str) -> BreachCommunication:
    communication = letters.communication_of(breach)
    given = {"nature": NATURE, "consequences": CONSEQUENCES, "measures": MEASURES, "advice": ADVICE} | texts
    return letters.breach_letter_write(
        actor=world.people["admin"],
        breach=breach,
        expected_version=communication.version if communication else 1,
        **given,
    )


def ready(world: World) -> tuple[Breach, BreachAffected, BreachAffected]:
    """A breach affecting the persona client and their organisation, decided, its letter written."""
    breach = record(world)
    admin = world.people["admin"]
    client = letters.breach_affected_add(actor=admin, breach=breach, client=world.client_record)
    organisation = letters.breach_affected_add(actor=admin, breach=breach, organisation=world.organisation)
    decide(world, breach)
    write(world, breach)
    return breach, client, organisation


def produced(world: World) -> tuple[Breach, BreachAffected, BreachAffected]:
    breach, client, organisation = ready(world)
    letters.breach_letters_produce(actor=world.people["admin"], breach=breach)
    client.refresh_from_db()
    organisation.refresh_from_db()
    return breach, client, organisation


@pytest.mark.django_db
class TestAffectedPeople:
    def test_it_names_a_client_and_an_organisation(self, world: World) -> None:
        breach, client, organisation = ready(world)
        assert [a.pk for a in breach.affected.all()] == [client.pk, organisation.pk]
        actions = AuditEvent.objects.filter(action="breach.affected.add").values_list("client_id", flat=True)
        assert sorted(str(c) for c in actions if c) == [str(world.client_record.pk)]

    def test_it_refuses_both_or_neither(self, world: World) -> None:
        breach, admin = record(world), world.people["admin"]
        with pytest.raises(ValidationError):
            letters.breach_affected_add(actor=admin, breach=breach)
        with pytest.raises(ValidationError):
            letters.breach_affected_add(
                actor=admin, breach=breach, client=world.client_record, organisation=world.organisation
            )
        assert not BreachAffected.objects.exists()

    def test_it_refuses_the_same_person_twice(self, world: World) -> None:
        breach, admin = record(world), world.people["admin"]
        letters.breach_affected_add(actor=admin, breach=breach, client=world.client_record)
        with pytest.raises(ValidationError, match="already named"):
            letters.breach_affected_add(actor=admin, breach=breach, client=world.client_record)
        assert BreachAffected.objects.count() == 1

    def test_it_removes_a_person_until_their_letter_is_produced(self, world: World) -> None:
        breach, client, organisation = ready(world)
        admin = world.people["admin"]
        letters.breach_affected_remove(actor=admin, affected=organisation)
        letters.breach_letters_produce(actor=admin, breach=breach)
        client.refresh_from_db()
        with pytest.raises(ValidationError, match="stays on the record"):
            letters.breach_affected_remove(actor=admin, affected=client)
        assert list(BreachAffected.objects.values_list("pk", flat=True)) == [client.pk]

    @pytest.mark.parametrize("persona", ["coach", "client", "sponsor", "auditor", "superuser"])
    def test_it_lets_only_the_administrator_name_anyone(self, world: World, persona: str) -> None:
        breach = record(world)
        with pytest.raises(Http404):
            letters.breach_affected_add(actor=world.people[persona], breach=breach, client=world.client_record)

    def test_it_changes_nothing_on_a_closed_breach(self, world: World) -> None:
        breach, admin = record(world), world.people["admin"]
        complaint_services.breach_update(
            actor=admin,
            breach=breach,
            expected_version=1,
            changes={
                "containment": "Wiped.",
                "notification": "not_required",
                "notification_reason": "Encrypted disk.",
                "cause": "third_party",
                "outcome": "Closed.",
            },
        )
        complaint_services.breach_close(actor=admin, breach=breach, expected_version=2)
        with pytest.raises(ValidationError, match="closed"):
            letters.breach_affected_add(actor=admin, breach=breach, client=world.client_record)
        with pytest.raises(ValidationError, match="closed"):
            decide(world, breach)


@pytest.mark.django_db
class TestNamingAClientInALargePractice:
    """Beyond CLIENT_CHOICES_MAX clients, the page lists no names (each opens with its own key): the
    administrator names a client by one of their engagements' references."""

    def test_past_the_limit_a_client_is_named_by_an_engagements_reference(self, world: World, monkeypatch: Any) -> None:
        monkeypatch.setattr(complaint_services, "CLIENT_CHOICES_MAX", 1)
        ClientFactory()
        breach = record(world)
        admin = world.http("admin")
        page = admin.get(reverse("complaints:breach_detail", args=[breach.pk])).content.decode()
        assert 'name="engagement"' in page and '<select name="client"' not in page
        named = admin.post(
            reverse("complaints:breach_affected_add", args=[breach.pk]),
            {"kind": "client", "engagement": world.engagement.reference.lower()},
        )
        assert named.status_code == 302
        assert [a.client_id for a in BreachAffected.objects.filter(breach=breach)] == [world.client_record.pk]

    def test_an_unknown_reference_is_refused_with_what_was_typed_kept(self, world: World, monkeypatch: Any) -> None:
        monkeypatch.setattr(complaint_services, "CLIENT_CHOICES_MAX", 1)
        ClientFactory()
        breach = record(world)
        refused = world.http("admin").post(
            reverse("complaints:breach_affected_add", args=[breach.pk]), {"kind": "client", "engagement": "ENG-NOPE-9"}
        )
        body = refused.content.decode()
        assert refused.status_code == 400 and "No engagement has the reference ENG-NOPE-9" in body
        assert 'value="ENG-NOPE-9"' in body and not BreachAffected.objects.exists()

    def test_under_the_limit_the_names_are_listed(self, world: World) -> None:
        breach = record(world)
        page = world.http("admin").get(reverse("complaints:breach_detail", args=[breach.pk])).content.decode()
        assert world.client_record.full_name in page and 'name="client"' in page


class TestDecision:
    def test_it_keeps_the_reasoning_whatever_the_decision(self, world: World) -> None:
        breach = record(world)
        with pytest.raises(ValidationError) as refused:
            decide(world, breach, Decision.ENCRYPTED, reason="  ")
        assert "reason" in refused.value.message_dict
        communication = decide(world, breach, Decision.ENCRYPTED, reason="The disk was encrypted (AES-256).")
        assert communication.decided_at is not None and communication.decided_by == world.people["admin"]
        assert AuditEvent.objects.filter(action="breach.communication.decide").count() == 1

    def test_it_needs_the_public_communication_for_disproportionate_effort(self, world: World) -> None:
        breach = record(world)
        with pytest.raises(ValidationError) as refused:
            decide(world, breach, Decision.DISPROPORTIONATE, reason="Thousands of past clients, no addresses.")
        assert "public_communication" in refused.value.message_dict
        assert not BreachCommunication.objects.exists()
        decide(
            world,
            breach,
            Decision.DISPROPORTIONATE,
            reason="Thousands of past clients, no addresses.",
            public_communication="A notice on the website's front page from 4 March.",
        )

    def test_it_refuses_a_stale_edit(self, world: World) -> None:
        breach = record(world)
        decide(world, breach)
        with pytest.raises(ConflictError):
            letters.breach_communication_decide(
                actor=world.people["admin"], breach=breach, expected_version=1, decision=Decision.MEASURES, reason="x"
            )
        assert letters.communication_of(breach).decision == Decision.TELL  # type: ignore[union-attr]

    def test_it_keeps_the_decision_to_tell_once_letters_are_produced(self, world: World) -> None:
        breach, _, _ = produced(world)
        with pytest.raises(ValidationError, match="decision to tell"):
            decide(world, breach, Decision.MEASURES)

    def test_it_encrypts_the_reason_and_the_letter(self, world: World) -> None:
        from django.db import connection

        breach, _, _ = ready(world)
        with connection.cursor() as cursor:
            cursor.execute("SELECT reason, nature, consequences FROM complaints_breachcommunication")
            stored = json.dumps(cursor.fetchall())
        assert "Quillfeather" not in stored and "Marchbank" not in stored and "high risk" not in stored


@pytest.mark.django_db
class TestProducingLetters:
    def test_it_refuses_without_the_decision_to_tell(self, world: World) -> None:
        breach = record(world)
        letters.breach_affected_add(actor=world.people["admin"], breach=breach, client=world.client_record)
        write(world, breach)
        decide(world, breach, Decision.NO_HIGH_RISK, reason="Only a name, already public.")
        with pytest.raises(ValidationError, match="decision to tell"):
            letters.breach_letters_produce(actor=world.people["admin"], breach=breach)
        assert not BreachAffected.objects.filter(letter_produced_at__isnull=False).exists()

    def test_it_refuses_an_incomplete_letter(self, world: World) -> None:
        breach = record(world)
        letters.breach_affected_add(actor=world.people["admin"], breach=breach, client=world.client_record)
        decide(world, breach)
        write(world, breach, advice="")
        with pytest.raises(ValidationError) as refused:
            letters.breach_letters_produce(actor=world.people["admin"], breach=breach)
        assert list(refused.value.message_dict) == ["advice"]

    def test_it_refuses_a_suspected_breach(self, world: World) -> None:
        breach = record(world, "coach")
        with pytest.raises(ValidationError, match="Confirm"):
            letters.breach_letters_produce(actor=world.people["admin"], breach=breach)

    def test_it_tells_people_with_a_login_and_leaves_the_others_to_post(
        self, world: World, django_capture_on_commit_callbacks: Any
    ) -> None:
        breach, client, organisation = ready(world)
        offline = ClientFactory(full_name="Perpetua Offline")
        posted = letters.breach_affected_add(actor=world.people["admin"], breach=breach, client=offline)
        with django_capture_on_commit_callbacks(execute=True):
            result = letters.breach_letters_produce(actor=world.people["admin"], breach=breach)
        assert (result.sent, result.to_post) == (2, 1)
        for row in (client, organisation, posted):
            row.refresh_from_db()
        assert client.sent_at and organisation.sent_at and posted.sent_at is None
        assert posted.state == "To post"
        told = Notice.objects.filter(link__startswith="/breach-letters/")
        assert {n.user for n in told} == {world.people["client"], world.people["sponsor"]}
        assert sorted(m.to[0] for m in mail.outbox) == ["client@example.org", "sponsor@example.org"]
        everything = json.dumps([n.text for n in told] + [(m.subject, m.body) for m in mail.outbox])
        for secret in SECRETS:
            assert secret not in everything
        with pytest.raises(ValidationError, match="Every person"):
            letters.breach_letters_produce(actor=world.people["admin"], breach=breach)

    def test_it_marks_a_letter_posted_once(self, world: World) -> None:
        breach, client, _ = produced(world)
        letters.breach_letter_mark_posted(actor=world.people["admin"], affected=client)
        client.refresh_from_db()
        assert client.posted_by == world.people["admin"] and client.state == "Posted"
        with pytest.raises(ValidationError, match="already"):
            letters.breach_letter_mark_posted(actor=world.people["admin"], affected=client)

    def test_it_fixes_the_letter_once_produced(self, world: World) -> None:
        breach, _, _ = produced(world)
        with pytest.raises(ValidationError, match="no longer change"):
            write(world, breach, nature="Something else.")
        assert letters.communication_of(breach).nature == NATURE  # type: ignore[union-attr]


@pytest.mark.django_db
class TestWhoReadsALetter:
    def test_the_client_reads_their_own_letter_and_its_pdf(self, world: World) -> None:
        _, client, _ = produced(world)
        http = world.http("client")
        page = http.get(reverse("complaints:breach_letter", args=[client.pk]))
        assert page.status_code == 200
        body = page.content.decode()
        assert "Quillfeather" in body and "Samira Quentin-Marsh" in body
        pdf = http.get(reverse("complaints:breach_letter_pdf", args=[client.pk]))
        assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
        client.refresh_from_db()
        assert client.first_read_at is not None
        assert AuditEvent.objects.filter(action="breach.letter.read", client_id=world.client_record.pk).exists()
        assert AuditEvent.objects.filter(action="breach.letter.download").exists()

    def test_the_sponsor_reads_only_their_organisations_letter(self, world: World) -> None:
        _, client, organisation = produced(world)
        http = world.http("sponsor")
        assert http.get(reverse("complaints:breach_letter", args=[organisation.pk])).status_code == 200
        assert http.get(reverse("complaints:breach_letter", args=[client.pk])).status_code == 404

    @pytest.mark.parametrize("persona", ["coach", "other_coach", "other_sponsor", "auditor", "superuser"])
    def test_everyone_else_gets_the_same_404_as_for_a_missing_letter(self, world: World, persona: str) -> None:
        _, client, organisation = produced(world)
        http = world.http(persona)
        missing = http.get(reverse("complaints:breach_letter", args=["00000000-0000-0000-0000-000000000000"]))
        for row in (client, organisation):
            for name in ("complaints:breach_letter", "complaints:breach_letter_pdf"):
                answer = http.get(reverse(name, args=[row.pk]))
                assert answer.status_code == 404
            assert same_page(missing.content, http.get(reverse("complaints:breach_letter", args=[row.pk])).content)

    def test_a_letter_not_yet_produced_is_no_ones_to_read(self, world: World) -> None:
        _, client, _ = ready(world)
        assert world.http("client").get(reverse("complaints:breach_letter", args=[client.pk])).status_code == 404


@pytest.mark.django_db
class TestPages:
    def test_the_administrator_does_it_all_on_the_breachs_page(
        self, world: World, django_capture_on_commit_callbacks: Any
    ) -> None:
        breach = record(world)
        http = world.http("admin")
        url = reverse("complaints:breach_detail", args=[breach.pk])
        answer = http.post(
            reverse("complaints:breach_affected_add", args=[breach.pk]),
            {"kind": "client", "client": str(world.client_record.pk)},
        )
        assert answer.status_code == 302
        http.post(
            reverse("complaints:breach_affected_add", args=[breach.pk]),
            {"kind": "organisation", "organisation": str(world.organisation.pk)},
        )
        assert (
            http.post(
                reverse("complaints:breach_communication", args=[breach.pk]),
                {"version": "1", "decision": "tell", "reason": REASON},
            ).status_code
            == 302
        )
        letter = {
            "version": "2",
            "nature": NATURE,
            "consequences": CONSEQUENCES,
            "measures": MEASURES,
            "advice": ADVICE,
        }
        assert http.post(reverse("complaints:breach_letter_text", args=[breach.pk]), letter).status_code == 302
        with django_capture_on_commit_callbacks(execute=True):
            http.post(reverse("complaints:breach_letters_produce", args=[breach.pk]))
        assert BreachAffected.objects.filter(breach=breach, sent_at__isnull=False).count() == 2
        body = http.get(url).content.decode()
        assert "Samira Quentin-Marsh" in body and "Sent to their portal" in body

    def test_a_refused_form_keeps_what_was_typed(self, world: World) -> None:
        breach = record(world)
        http = world.http("admin")
        answer = http.post(
            reverse("complaints:breach_communication", args=[breach.pk]),
            {"version": "1", "decision": "disproportionate", "reason": "Far too many of them at Quillfeather."},
        )
        assert answer.status_code == 400
        body = answer.content.decode()
        assert "Far too many of them at Quillfeather." in body and "The public communication" in body
        assert not BreachCommunication.objects.exists()
        answer = http.post(reverse("complaints:breach_affected_add", args=[breach.pk]), {"kind": "client"})
        assert (
            answer.status_code == 400 and "Choose the client affected, or give the reference" in answer.content.decode()
        )

    def test_the_breach_page_costs_a_constant_number_of_queries(
        self, world: World, django_assert_max_num_queries: Any
    ) -> None:
        breach, _, _ = produced(world)
        for _ in range(5):
            letters.breach_affected_add(actor=world.people["admin"], breach=breach, client=ClientFactory())
        http, url = world.http("admin"), reverse("complaints:breach_detail", args=[breach.pk])
        http.get(url)
        with django_assert_max_num_queries(15):
            assert http.get(url).status_code == 200


def complete(world: World, breach: Breach) -> None:
    breach.refresh_from_db()
    complaint_services.breach_update(
        actor=world.people["admin"],
        breach=breach,
        expected_version=breach.version,
        changes={
            "containment": "Wiped remotely.",
            "notification": "not_required",
            "notification_reason": "Wiped before anyone could read it.",
            "cause": "third_party",
            "outcome": "Letters sent.",
        },
    )


@pytest.mark.django_db
class TestClosing:
    def test_it_closes_only_once_each_person_has_their_letter(self, world: World) -> None:
        breach, _, _ = ready(world)
        admin = world.people["admin"]
        offline = letters.breach_affected_add(actor=admin, breach=breach, client=ClientFactory())
        complete(world, breach)
        with pytest.raises(ValidationError) as refused:
            complaint_services.breach_close(actor=admin, breach=breach, expected_version=breach.version)
        assert list(refused.value.message_dict) == ["letters"]
        letters.breach_letters_produce(actor=admin, breach=breach)
        with pytest.raises(ValidationError, match="sent to their portal or posted"):
            complaint_services.breach_close(actor=admin, breach=breach, expected_version=breach.version)
        offline.refresh_from_db()
        letters.breach_letter_mark_posted(actor=admin, affected=offline)
        complaint_services.breach_close(actor=admin, breach=breach, expected_version=breach.version)
        assert breach.status == Breach.Status.CLOSED
        with pytest.raises(ValidationError, match="closed"):
            letters.breach_letter_mark_posted(actor=admin, affected=offline)

    def test_it_needs_someone_to_write_to_when_the_decision_is_to_tell(self, world: World) -> None:
        breach = record(world)
        decide(world, breach)
        complete(world, breach)
        with pytest.raises(ValidationError, match="name them"):
            complaint_services.breach_close(actor=world.people["admin"], breach=breach, expected_version=breach.version)


@pytest.mark.django_db
class TestEndpoints:
    def test_the_administrator_decides_and_produces_through_the_api(
        self, world: World, django_capture_on_commit_callbacks: Any
    ) -> None:
        breach = record(world)
        admin = world.people["admin"]
        letters.breach_affected_add(actor=admin, breach=breach, client=world.client_record)
        write(world, breach)
        api, url = world.api("admin"), f"/api/v1/breaches/{breach.pk}/letters/"
        before = api.get(url).json()
        assert before["decision"] == "undecided" and before["nature"] == NATURE
        assert before["affected"][0]["kind"] == "client" and before["affected"][0]["letter_produced_at"] is None
        refused = api.post(url + "produce/", {}, content_type="application/json")
        assert refused.status_code == 400 and "decision" in refused.json()
        decided = api.post(
            url + "decision/",
            {"version": before["version"], "decision": "tell", "reason": REASON},
            content_type="application/json",
        )
        assert decided.status_code == 200 and decided.json()["decision"] == "tell"
        stale = api.post(
            url + "decision/",
            {"version": before["version"], "decision": "measures", "reason": "x"},
            content_type="application/json",
        )
        assert stale.status_code == 409
        with django_capture_on_commit_callbacks(execute=True):
            produced = api.post(url + "produce/", {}, content_type="application/json")
        assert produced.json() == {"sent": 1, "to_post": 0}
        assert api.get(url).json()["affected"][0]["state"] == "Sent to their portal"

    @pytest.mark.parametrize("persona", ["coach", "client", "sponsor", "auditor", "superuser"])
    def test_it_answers_404_to_everyone_else(self, world: World, persona: str) -> None:
        breach = record(world, "coach")
        assert world.api(persona).get(f"/api/v1/breaches/{breach.pk}/letters/").status_code == 404
