"""Invitations (issue "a practice can start on Monday", item 3): whoever the practice adds is sent,
in the practice's name, a single-use link to choose a password; the administrator sees who has not
accepted and sends it again; an existing client can be given a login at any time; the reset e-mail
is ours, and the sign-in page offers no sign-up."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.core import mail
from django.test import Client as HttpClient
from django.urls import reverse

from confidentiality.models import AuditEvent, Invitation, User
from confidentiality.roles import Role
from engagements.models import Client, EngagementMember
from tests.conftest import World
from tests.factories import ClientFactory, UserFactory

pytestmark = pytest.mark.django_db

LINK = re.compile(r"https?://\S+/accounts/password/reset/key/\S+/")
NEW_PASSWORD = "a brand new passphrase 2026"


def invitation_to(address: str) -> Any:
    sent = [m for m in mail.outbox if m.to == [address]]
    assert len(sent) == 1, f"{len(sent)} e-mails to {address}"
    return sent[0]


def accept(message: Any) -> HttpClient:
    """Open the link in the e-mail and choose a password, as the person does."""
    http = HttpClient()
    link = LINK.search(message.body)
    assert link is not None, message.body
    landing = http.get(link.group(0), follow=True)
    assert landing.status_code == 200
    form_url = landing.redirect_chain[-1][0] if landing.redirect_chain else link.group(0)
    done = http.post(form_url, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    assert done.status_code == 302, done.content.decode()[:500]
    # Someone invited chose their first password: nothing was "changed" or "reset" (issue 17).
    page = http.get(done["Location"]).content.decode()
    assert "Your password is saved" in page and "Change Password" not in page and "now changed" not in page
    return http


class TestAddingSomeoneInvitesThem:
    def test_a_client_given_a_login_is_invited_and_the_link_works_once(
        self, world: World, settings: Any, django_capture_on_commit_callbacks: Any
    ) -> None:
        settings.PRACTICE_NAME = "Lindqvist Coaching"
        with django_capture_on_commit_callbacks(execute=True):
            world.http("admin").post(
                reverse("engagements:client_create"),
                {"full_name": "Leo Brandt", "contact_email": "leo@client.example", "portal_login": "on"},
            )
        message = invitation_to("leo@client.example")
        assert "Lindqvist Coaching" in message.subject and "Lindqvist Coaching" in message.body
        assert "Leo Brandt" not in message.body + message.subject  # the client's name is kept out of e-mail
        assert "127.0.0.1:8000!" not in message.body and "Hello from" not in message.body
        html = [content for content, kind in message.alternatives if kind == "text/html"]
        assert html and "Choose your password" in html[0]  # an HTML part beside the plain text

        accept(message)
        leo = User.objects.get(email="leo@client.example")
        assert leo.has_usable_password() and leo.check_password(NEW_PASSWORD)
        assert Invitation.objects.get(user=leo).accepted_at is not None
        again = HttpClient().get(LINK.search(message.body).group(0), follow=True)  # type: ignore[union-attr]
        assert "This link no longer works" in again.content.decode()

    def test_a_member_of_staff_is_invited(self, world: World, django_capture_on_commit_callbacks: Any) -> None:
        with django_capture_on_commit_callbacks(execute=True):
            response = world.http("admin").post(
                reverse("people:list"), {"display_name": "Nia Okoro", "email": "nia@practice.example", "kind": "coach"}
            )
        assert response.status_code == 302
        message = invitation_to("nia@practice.example")
        assert "Hello Nia Okoro" in message.body and "second factor" in message.body

    def test_a_sponsor_contact_is_invited(self, world: World, django_capture_on_commit_callbacks: Any) -> None:
        with django_capture_on_commit_callbacks(execute=True):
            world.http("admin").post(
                reverse("engagements:organisation_detail", args=[world.organisation.pk]),
                {"display_name": "Ola Berg", "email": "ola@northwind.example", "job_title": "HR partner"},
            )
        message = invitation_to("ola@northwind.example")
        assert LINK.search(message.body)

    def test_an_invitation_rolled_back_is_never_sent(
        self, world: World, django_capture_on_commit_callbacks: Any
    ) -> None:
        with django_capture_on_commit_callbacks(execute=True):
            world.http("admin").post(
                reverse("engagements:client_create"),
                {"full_name": "No Address", "contact_email": "", "portal_login": "on"},
            )
        assert mail.outbox == [] and not Invitation.objects.exists()


class TestTheAdministratorSeesWhoHasNotAccepted:
    def test_the_people_page_says_invited_and_sends_it_again(
        self, world: World, django_capture_on_commit_callbacks: Any
    ) -> None:
        admin = world.http("admin")
        with django_capture_on_commit_callbacks(execute=True):
            admin.post(
                reverse("people:list"), {"display_name": "Nia Okoro", "email": "nia@practice.example", "kind": "coach"}
            )
        nia = User.objects.get(email="nia@practice.example")
        page = admin.get(reverse("people:list")).content.decode()
        assert "not accepted yet" in page and reverse("people:invite", args=[nia.pk]) in page
        with django_capture_on_commit_callbacks(execute=True):
            admin.post(reverse("people:invite", args=[nia.pk]))
        sent = [m for m in mail.outbox if m.to == ["nia@practice.example"]]
        assert len(sent) == 2 and Invitation.objects.filter(user=nia).count() == 2
        accept(sent[-1])
        page = admin.get(reverse("people:list")).content.decode()
        assert "not accepted yet" not in page

    def test_nobody_who_already_has_a_password_is_invited(self, world: World) -> None:
        coach = world.people["coach"]
        response = world.http("admin").post(reverse("people:invite", args=[coach.pk]), follow=True)
        assert "already set a password" in response.content.decode()
        assert not Invitation.objects.filter(user=coach).exists() and mail.outbox == []

    @pytest.mark.parametrize("persona", ["coach", "client", "sponsor", "auditor"])
    def test_only_the_administrator_invites(self, world: World, persona: str) -> None:
        invited = UserFactory(role=Role.CLIENT)
        invited.set_unusable_password()
        invited.save()
        response = world.http(persona).post(reverse("people:invite", args=[invited.pk]))
        assert response.status_code == 404
        assert not Invitation.objects.exists()
        assert not AuditEvent.objects.filter(action="invitation.send").exists()


class TestAnExistingClientGetsALogin:
    def test_the_login_joins_their_open_engagements_and_they_are_invited(
        self, world: World, django_capture_on_commit_callbacks: Any
    ) -> None:
        from tests.factories import EngagementFactory

        record = ClientFactory(full_name="Rae Sutton", contact_email="rae@client.example")
        engagement = EngagementFactory(
            organisation=world.organisation, client=record, coaches=[world.people["coach"]], agreed=False
        )
        page = world.http("admin").get(reverse("engagements:clients")).content.decode()
        assert reverse("engagements:client_login_give", args=[record.pk]) in page
        with django_capture_on_commit_callbacks(execute=True):
            world.http("admin").post(reverse("engagements:client_login_give", args=[record.pk]))
        record.refresh_from_db()
        assert record.user is not None and record.user.email == "rae@client.example"
        assert EngagementMember.objects.filter(engagement=engagement, user=record.user, kind="client").exists()
        accept(invitation_to("rae@client.example"))

    def test_a_client_without_an_address_or_with_a_login_is_refused_clearly(self, world: World) -> None:
        record = ClientFactory(contact_email="")
        response = world.http("admin").post(reverse("engagements:client_login_give", args=[record.pk]), follow=True)
        assert "e-mail address first: the invitation is sent there" in response.content.decode()
        response = world.http("admin").post(
            reverse("engagements:client_login_give", args=[world.client_record.pk]), follow=True
        )
        assert "already has a portal login" in response.content.decode()
        assert Client.objects.get(pk=record.pk).user is None and mail.outbox == []


def test_the_reset_email_is_the_practices_own(world: World, settings: Any) -> None:
    settings.PRACTICE_NAME = "Lindqvist Coaching"
    HttpClient().post(reverse("account_reset_password"), {"email": "client@example.org"})
    (message,) = mail.outbox
    assert message.subject == "Lindqvist Coaching: choose a new password"
    assert "Lindqvist Coaching" in message.body
    assert "Hello from" not in message.body and "testserver" not in message.subject


def test_the_sign_in_page_offers_no_sign_up() -> None:
    page = HttpClient().get(reverse("account_login")).content.decode()
    assert reverse("account_signup") not in page and "sign up" not in page.lower()
    assert "invitation" in page


def test_a_sponsor_contacts_invitation_is_sent_again_from_the_organisation_page(
    world: World, django_capture_on_commit_callbacks: Any
) -> None:
    admin = world.http("admin")
    page_url = reverse("engagements:organisation_detail", args=[world.organisation.pk])
    with django_capture_on_commit_callbacks(execute=True):
        admin.post(page_url, {"display_name": "Ola Berg", "email": "ola@northwind.example", "job_title": "HR"})
    ola = User.objects.get(email="ola@northwind.example")
    page = admin.get(page_url).content.decode()
    assert "not accepted yet" in page and reverse("people:invite", args=[ola.pk]) in page
    with django_capture_on_commit_callbacks(execute=True):
        response = admin.post(reverse("people:invite", args=[ola.pk]), {"next": page_url})
    assert response.status_code == 302 and response["Location"] == page_url
    assert len([m for m in mail.outbox if m.to == ["ola@northwind.example"]]) == 2


def test_staff_without_a_password_and_without_an_invitation_can_be_invited(world: World) -> None:
    """Someone added before invitations existed: no row, no password, and a button to invite them."""
    quiet = UserFactory(role=Role.COACH, email="quiet@practice.example")
    quiet.set_unusable_password()
    quiet.save()
    page = world.http("admin").get(reverse("people:list")).content.decode()
    assert "has not chosen a password yet" in page and reverse("people:invite", args=[quiet.pk]) in page
