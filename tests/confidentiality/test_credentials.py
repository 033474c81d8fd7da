"""Sign-in and credentials cannot be walked around (issue 16): second-factor codes are limited,
the technical admin site changes no credential, tokens follow the second factor and the password,
addresses come from the trusted proxy only, and every credential event is audited and told."""

from __future__ import annotations

import datetime
import re
from typing import Any

import pytest
import time_machine
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from django.core import mail
from django.test import Client as HttpClient
from django.urls import reverse
from django.utils import timezone

from confidentiality.models import AuditEvent, Notice, User
from confidentiality.roles import Role
from demo.practice import totp_code
from tests.conftest import enrol_totp, login
from tests.factories import PASSWORD, OrganisationFactory, UserFactory

NEW_PASSWORD = "a brand new passphrase 42"


def sign_in(http: HttpClient, email: str, password: str = PASSWORD, **extra: Any) -> Any:
    return http.post(reverse("account_login"), {"login": email, "password": password}, **extra)


def wrong_code(secret: str) -> str:
    """A six-digit code no window around now accepts."""
    valid = {totp_code(secret, steps_back=step) for step in (-1, 0, 1)}
    return next(code for code in (f"{n:06d}" for n in range(1000, 2000)) if code not in valid)


def token_for(user: User) -> tuple[HttpClient, str]:
    from confidentiality.services import api_token_issue

    _, key = api_token_issue(actor=user, user=user, name="integration")
    return HttpClient(HTTP_AUTHORIZATION=f"Bearer {key}"), key


@pytest.fixture
def superuser() -> HttpClient:
    """The technical admin site's user, signed in with their second factor."""
    return login(HttpClient(), User.objects.create_superuser("root@example.org", PASSWORD))


def at_the_code_step() -> tuple[User, str, HttpClient]:
    """A coach with an authenticator, past their password: the sign-in now asks for a code."""
    user = UserFactory(role=Role.COACH)
    secret = enrol_totp(user)
    http = HttpClient()
    sign_in(http, user.email)
    return user, secret, http


def actions_for(user: User) -> list[str]:
    return list(
        AuditEvent.objects.filter(object_type="confidentiality.user", object_id=str(user.pk)).values_list(
            "action", flat=True
        )
    )


@pytest.mark.django_db
class TestSecondFactorCodesAreLimited:
    """Weakness 1: wrong codes were checked without limit (login_failed: None switched allauth's off)."""

    def test_wrong_codes_lock_the_account_and_the_right_code_no_longer_opens_it(self, settings: Any) -> None:
        user, secret, http = at_the_code_step()
        for _ in range(settings.AXES_FAILURE_LIMIT):
            http.post(reverse("mfa_authenticate"), {"code": wrong_code(secret)})
        response = http.post(reverse("mfa_authenticate"), {"code": totp_code(secret)})
        assert response.status_code == 429
        assert http.get(reverse("dashboard")).status_code != 200
        # Locked as wrong passwords lock: the password alone no longer starts a sign-in either.
        assert sign_in(HttpClient(), user.email).status_code == 429
        assert "auth.second_factor_failed" in actions_for(user)
        assert Notice.objects.filter(user=user, text__icontains="wrong authenticator codes").exists()

    def test_a_wrong_recovery_code_counts_like_a_wrong_code(self, settings: Any) -> None:
        user = UserFactory(role=Role.COACH)
        secret = enrol_totp(user)
        codes = RecoveryCodes.activate(user).generate_codes()
        http = HttpClient()
        sign_in(http, user.email)
        for _ in range(settings.AXES_FAILURE_LIMIT):
            http.post(reverse("mfa_authenticate"), {"code": "not-a-recovery-code"})
        http.post(reverse("mfa_authenticate"), {"code": codes[0]})
        assert http.get(reverse("dashboard")).status_code != 200
        assert totp_code(secret)  # the authenticator itself is untouched

    def test_changing_address_buys_no_more_guesses(self, settings: Any) -> None:
        settings.TRUSTED_PROXIES = ["127.0.0.1"]
        user = UserFactory(role=Role.COACH)
        secret = enrol_totp(user)
        for n in range(settings.AXES_FAILURE_LIMIT):  # one wrong code from each of five addresses
            http = HttpClient(HTTP_X_FORWARDED_FOR=f"203.0.113.{n + 1}")
            sign_in(http, user.email)
            http.post(reverse("mfa_authenticate"), {"code": wrong_code(secret)})
        http = HttpClient(HTTP_X_FORWARDED_FOR="198.51.100.99")
        sign_in(http, user.email)  # the password is right, and this address has failed nothing
        response = http.post(reverse("mfa_authenticate"), {"code": totp_code(secret)})
        assert response.status_code == 429
        assert http.get(reverse("dashboard")).status_code != 200
        assert Notice.objects.filter(user=user, text__icontains="wrong authenticator codes").count() == 1

    def test_a_sign_in_starts_the_count_again(self, settings: Any) -> None:
        user, secret, http = at_the_code_step()
        for _ in range(settings.AXES_FAILURE_LIMIT - 1):
            http.post(reverse("mfa_authenticate"), {"code": wrong_code(secret)})
        http.post(reverse("mfa_authenticate"), {"code": totp_code(secret)})
        assert http.get(reverse("dashboard")).status_code == 200
        later = HttpClient()
        sign_in(later, user.email)
        later.post(reverse("mfa_authenticate"), {"code": wrong_code(secret)})  # one typo after a good sign-in
        assert later.post(reverse("mfa_authenticate"), {"code": totp_code(secret, steps_back=1)}).status_code == 302

    def test_the_codes_typed_are_not_kept_by_the_lockout_records(self, settings: Any) -> None:
        from axes.models import AccessAttempt

        user, secret, http = at_the_code_step()
        typed = wrong_code(secret)
        http.post(reverse("mfa_authenticate"), {"code": typed})
        kept = " ".join(AccessAttempt.objects.values_list("post_data", flat=True))
        assert kept and typed not in kept

    def test_fewer_wrong_codes_than_the_limit_still_let_the_person_in(self, settings: Any) -> None:
        user, secret, http = at_the_code_step()
        for _ in range(settings.AXES_FAILURE_LIMIT - 2):
            http.post(reverse("mfa_authenticate"), {"code": wrong_code(secret)})
        http.post(reverse("mfa_authenticate"), {"code": totp_code(secret)})
        assert http.get(reverse("dashboard")).status_code == 200


@pytest.mark.django_db
class TestTheAdminSiteChangesNoCredential:
    """Weakness 2: a superuser set a client's password (or e-mail) from the admin site and signed in
    as them."""

    def test_the_password_form_is_gone(self, superuser: HttpClient) -> None:
        client = UserFactory(role=Role.CLIENT)
        url = f"/admin/confidentiality/user/{client.pk}/password/"
        page = superuser.get(url, follow=True)
        assert 'name="password1"' not in page.content.decode()
        superuser.post(url, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD, "usable_password": "true"})
        client.refresh_from_db()
        assert client.check_password(PASSWORD) and not client.check_password(NEW_PASSWORD)
        assert (
            HttpClient().post(reverse("account_login"), {"login": client.email, "password": NEW_PASSWORD}).status_code
            == 200
        )

    def test_the_change_form_changes_no_email_role_or_flag(self, superuser: HttpClient) -> None:
        client = UserFactory(role=Role.CLIENT)
        before = (client.email, client.is_superuser, client.is_staff, client.password)
        superuser.post(
            f"/admin/confidentiality/user/{client.pk}/change/",
            {"email": "attacker@example.org", "display_name": "Someone", "is_superuser": "on", "is_staff": "on"},
        )
        client.refresh_from_db()
        assert (client.email, client.is_superuser, client.is_staff, client.password) == before

    @pytest.mark.parametrize(
        "path",
        [
            "/admin/confidentiality/user/add/",
            "/admin/account/emailaddress/",
            "/admin/mfa/authenticator/",
            "/admin/auth/group/add/",
        ],
    )
    def test_no_page_adds_accounts_addresses_second_factors_or_roles(self, superuser: HttpClient, path: str) -> None:
        assert superuser.get(path).status_code in (403, 404)

    def test_a_role_cannot_be_renamed_from_the_admin_site(self, superuser: HttpClient) -> None:

        group = UserFactory(role=Role.COACH).groups.get()
        superuser.post(f"/admin/auth/group/{group.pk}/change/", {"name": "renamed"})
        group.refresh_from_db()
        assert group.name == Role.COACH.value

    def test_the_admin_sites_own_password_form_leads_to_the_account_page(self, superuser: HttpClient) -> None:
        response = superuser.get("/admin/password_change/")
        assert response.status_code == 302 and response["Location"] == reverse("account_change_password")


@pytest.mark.django_db
class TestTokensFollowTheSecondFactorAndThePassword:
    """Weakness 3: a token outlived the second factor, the password and time."""

    def test_a_staff_token_stops_when_the_second_factor_is_removed(self) -> None:
        coach = UserFactory(role=Role.COACH)
        http = login(HttpClient(), coach)
        api, _ = token_for(coach)
        assert api.get("/api/v1/me/").status_code == 200
        totp = Authenticator.objects.get(user=coach, type=Authenticator.Type.TOTP)
        response = http.post(reverse("mfa_deactivate_totp"), {})
        assert response["Location"].startswith(reverse("account_reauthenticate"))  # the password once more
        http.post(response["Location"], {"password": PASSWORD})  # allauth then resumes the removal
        assert not Authenticator.objects.filter(pk=totp.pk).exists()
        assert api.get("/api/v1/me/").status_code == 401
        assert "auth.second_factor_removed" in actions_for(coach)
        assert Notice.objects.filter(user=coach, text__icontains="authenticator was removed").exists()

    def test_a_staff_token_works_only_while_its_person_has_a_second_factor(self) -> None:
        coach = UserFactory(role=Role.COACH)
        enrol_totp(coach)
        api, _ = token_for(coach)
        Authenticator.objects.filter(user=coach).delete()  # however it went
        response = api.get("/api/v1/me/")
        assert response.status_code == 401
        assert "second factor" in response.json()["detail"]

    def test_a_client_token_needs_no_second_factor(self) -> None:
        client = UserFactory(role=Role.CLIENT)
        api, _ = token_for(client)
        assert api.get("/api/v1/me/").status_code == 200

    def test_a_token_expires_and_says_when(self, settings: Any) -> None:
        client = UserFactory(role=Role.CLIENT)
        api, _ = token_for(client)
        body = api.get("/api/v1/me/").json()
        expires = datetime.datetime.fromisoformat(body["token_expires_at"])
        expected = timezone.now() + datetime.timedelta(days=settings.API_TOKEN_DAYS)
        assert abs((expires - expected).total_seconds()) < 60
        with time_machine.travel(expires + datetime.timedelta(minutes=1)):
            response = api.get("/api/v1/me/")
        assert response.status_code == 401 and "expired" in response.json()["detail"]

    def test_changing_the_password_revokes_every_token(self) -> None:
        client = UserFactory(role=Role.CLIENT)
        api, _ = token_for(client)
        http = login(HttpClient(), client)
        response = http.post(
            reverse("account_change_password"),
            {"oldpassword": PASSWORD, "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
        )
        assert response.status_code == 302
        assert api.get("/api/v1/me/").status_code == 401
        assert "auth.password_changed" in actions_for(client)
        assert Notice.objects.filter(user=client, text__icontains="password was changed").exists()

    def test_resetting_the_password_revokes_every_token(self) -> None:
        client = UserFactory(role=Role.CLIENT)
        api, _ = token_for(client)
        http = HttpClient()
        http.post(reverse("account_reset_password"), {"email": client.email})
        link = re.search(r"https?://\S+/accounts/password/reset/key/\S+", mail.outbox[-1].body)
        assert link is not None
        path = "/" + link.group(0).split("/", 3)[3]
        form = http.get(path, follow=True)
        http.post(form.redirect_chain[-1][0], {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
        client.refresh_from_db()
        assert client.check_password(NEW_PASSWORD)
        assert api.get("/api/v1/me/").status_code == 401
        assert "auth.password_reset" in actions_for(client)

    def test_signing_in_is_audited(self) -> None:
        client = UserFactory(role=Role.CLIENT)
        assert sign_in(HttpClient(), client.email).status_code == 302
        assert "auth.signed_in" in actions_for(client)


@pytest.mark.django_db
class TestAddressesComeFromTheTrustedProxyOnly:
    """Weakness 4: behind the proxy every request came from the proxy's address, so five failures
    from anywhere locked the person out everywhere."""

    @pytest.fixture(autouse=True)
    def _behind_the_proxy(self, settings: Any) -> None:
        settings.TRUSTED_PROXIES = ["127.0.0.1"]  # the test client connects from 127.0.0.1

    def test_one_addresss_failures_do_not_lock_out_another(self, settings: Any) -> None:
        user = UserFactory(role=Role.CLIENT)
        attacker = HttpClient(HTTP_X_FORWARDED_FOR="203.0.113.66")
        for _ in range(settings.AXES_FAILURE_LIMIT):
            sign_in(attacker, user.email, "wrong password")
        assert sign_in(attacker, user.email).status_code == 429
        assert sign_in(HttpClient(HTTP_X_FORWARDED_FOR="198.51.100.7"), user.email).status_code == 302

    def test_an_address_the_client_wrote_before_the_proxys_is_not_believed(self, settings: Any) -> None:
        user = UserFactory(role=Role.CLIENT)
        for n in range(settings.AXES_FAILURE_LIMIT):
            # The proxy appends the address it saw; whatever the client sent stays on the left.
            sign_in(HttpClient(HTTP_X_FORWARDED_FOR=f"10.0.0.{n}, 203.0.113.66"), user.email, "wrong password")
        assert sign_in(HttpClient(HTTP_X_FORWARDED_FOR="203.0.113.66"), user.email).status_code == 429

    def test_a_forwarded_header_from_anyone_but_the_proxy_is_ignored(self, settings: Any) -> None:
        user = UserFactory(role=Role.CLIENT)
        for n in range(settings.AXES_FAILURE_LIMIT):
            sign_in(HttpClient(REMOTE_ADDR="192.0.2.5", HTTP_X_FORWARDED_FOR=f"10.0.0.{n}"), user.email, "wrong")
        assert sign_in(HttpClient(REMOTE_ADDR="192.0.2.5"), user.email).status_code == 429

    def test_the_recorded_address_is_the_persons(self) -> None:
        from allauth.usersessions.models import UserSession

        user = UserFactory(role=Role.CLIENT)
        assert sign_in(HttpClient(HTTP_X_FORWARDED_FOR="203.0.113.9"), user.email).status_code == 302
        assert UserSession.objects.get(user=user).ip == "203.0.113.9"

    def test_without_a_trusted_proxy_the_header_means_nothing(self, settings: Any) -> None:
        from allauth.usersessions.models import UserSession

        settings.TRUSTED_PROXIES = []
        user = UserFactory(role=Role.CLIENT)
        sign_in(HttpClient(HTTP_X_FORWARDED_FOR="203.0.113.9"), user.email)
        assert UserSession.objects.get(user=user).ip == "127.0.0.1"


@pytest.mark.django_db
class TestClientsAndSponsorsMayUseASecondFactor:
    def test_a_client_who_set_one_up_is_asked_for_it(self) -> None:
        client = UserFactory(role=Role.CLIENT)
        secret = enrol_totp(client)
        http = HttpClient()
        assert sign_in(http, client.email)["Location"] == reverse("mfa_authenticate")
        http.post(reverse("mfa_authenticate"), {"code": totp_code(secret)})
        assert http.get(reverse("dashboard")).status_code == 200

    def test_the_practice_can_require_it_of_an_organisations_sponsors(self) -> None:
        from engagements.models import Organisation

        organisation = OrganisationFactory()
        sponsor = UserFactory(role=Role.SPONSOR, organisation=organisation)
        other_sponsor = UserFactory(role=Role.SPONSOR)
        admin = login(HttpClient(), UserFactory(role=Role.ADMIN))
        response = admin.post(
            reverse("engagements:organisation_detail", args=[organisation.pk]),
            {"form": "second_factor", "sponsors_need_second_factor": "on"},
        )
        assert response.status_code == 302
        assert Organisation.objects.get(pk=organisation.pk).sponsors_need_second_factor
        assert AuditEvent.objects.filter(action="organisation.second_factor_required", object_id=str(organisation.pk))
        assert Notice.objects.filter(user=sponsor, text__icontains="two-factor").exists()
        http = HttpClient()
        sign_in(http, sponsor.email)
        assert http.get(reverse("dashboard"))["Location"] == reverse("mfa_activate_totp")
        api, _ = token_for(sponsor)
        assert api.get("/api/v1/me/").status_code == 401
        # Another organisation's sponsor is not asked.
        elsewhere = HttpClient()
        sign_in(elsewhere, other_sponsor.email)
        assert elsewhere.get(reverse("dashboard")).status_code == 200

    def test_only_the_administrator_changes_it(self) -> None:
        from engagements.models import Organisation

        organisation = OrganisationFactory()
        coach = login(HttpClient(), UserFactory(role=Role.COACH))
        coach.post(
            reverse("engagements:organisation_detail", args=[organisation.pk]),
            {"form": "second_factor", "sponsors_need_second_factor": "on"},
        )
        assert not Organisation.objects.get(pk=organisation.pk).sponsors_need_second_factor


@pytest.mark.django_db
class TestEveryCredentialEventIsToldToItsPerson:
    def test_a_token_made_and_revoked_is_told(self) -> None:
        from confidentiality.models import ApiToken
        from confidentiality.services import api_token_revoke

        client = UserFactory(role=Role.CLIENT)
        token_for(client)
        assert Notice.objects.filter(user=client, text__icontains="new API token").exists()
        api_token_revoke(actor=client, token=ApiToken.objects.get(user=client))
        assert Notice.objects.filter(user=client, text__icontains="token of your account was revoked").exists()

    def test_a_sign_in_from_a_new_browser_is_told_and_one_from_a_known_browser_is_not(self) -> None:
        client = UserFactory(role=Role.CLIENT)
        sign_in(HttpClient(HTTP_USER_AGENT="Firefox on the laptop"), client.email)  # the first ever: no notice
        sign_in(HttpClient(HTTP_USER_AGENT="Firefox on the laptop"), client.email)
        assert not Notice.objects.filter(user=client, text__icontains="new browser").exists()
        sign_in(HttpClient(HTTP_USER_AGENT="Something else entirely"), client.email)
        assert Notice.objects.filter(user=client, text__icontains="new browser").count() == 1

    def test_a_second_factor_added_is_audited_and_told(self, django_capture_on_commit_callbacks: Any) -> None:
        from allauth.mfa.totp.internal.auth import generate_totp_secret

        client = UserFactory(role=Role.CLIENT)
        http = login(HttpClient(), client)
        page = http.get(reverse("mfa_activate_totp"))
        if page.status_code == 302:  # the password once more first
            http.post(page["Location"], {"password": PASSWORD})
            page = http.get(reverse("mfa_activate_totp"))
        secret = page.context["form"].secret
        assert secret and generate_totp_secret()  # a real secret was offered
        with django_capture_on_commit_callbacks(execute=True):  # allauth signals it once committed
            http.post(reverse("mfa_activate_totp"), {"code": totp_code(secret)})
        assert Authenticator.objects.filter(user=client, type=Authenticator.Type.TOTP).exists()
        assert "auth.second_factor_added" in actions_for(client)
        assert Notice.objects.filter(user=client, text__icontains="second factor was added").exists()

    def test_a_token_used_from_a_new_address_is_told_once_per_address(self, settings: Any) -> None:
        settings.TRUSTED_PROXIES = ["127.0.0.1"]
        client = UserFactory(role=Role.CLIENT)
        _, key = token_for(client)

        def use(address: str) -> None:
            HttpClient(HTTP_AUTHORIZATION=f"Bearer {key}", HTTP_X_FORWARDED_FOR=address).get("/api/v1/me/")

        def told() -> int:
            return Notice.objects.filter(user=client, text__icontains="address new to it").count()

        use("203.0.113.5")
        use("203.0.113.5")
        assert told() == 1
        use("198.51.100.77")
        assert told() == 2
        assert AuditEvent.objects.filter(action="api_token.used_from_new_address").count() == 2

    def test_a_recovery_code_used_to_sign_in_is_told_with_how_many_are_left(self) -> None:
        coach = UserFactory(role=Role.COACH)
        enrol_totp(coach)
        codes = RecoveryCodes.activate(coach).generate_codes()
        http = HttpClient()
        sign_in(http, coach.email)
        http.post(reverse("mfa_authenticate"), {"code": codes[0]})
        assert http.get(reverse("dashboard")).status_code == 200
        assert "auth.recovery_code_used" in actions_for(coach)
        assert Notice.objects.filter(
            user=coach, text__icontains=f"recovery code was used to sign in to your account ({len(codes) - 1} left)"
        ).exists()

    def test_recovery_codes_made_again_are_told(self, django_capture_on_commit_callbacks: Any) -> None:
        coach = UserFactory(role=Role.COACH)
        http = login(HttpClient(), coach)
        RecoveryCodes.activate(coach)
        with django_capture_on_commit_callbacks(execute=True):
            response = http.post(reverse("mfa_generate_recovery_codes"), {})
            if response.status_code == 302 and "reauthenticate" in response["Location"]:
                http.post(response["Location"], {"password": PASSWORD})
        assert "auth.recovery_codes_regenerated" in actions_for(coach)
        assert Notice.objects.filter(user=coach, text__icontains="new recovery codes").exists()

    def test_an_address_added_is_told_at_the_sign_in_address(self) -> None:
        client = UserFactory(role=Role.CLIENT)
        http = login(HttpClient(), client)
        response = http.post(reverse("account_email"), {"action_add": "", "email": "second@example.org"})
        http.post(response["Location"], {"password": PASSWORD})  # the password once more, then it resumes
        assert "auth.email_added" in actions_for(client)
        assert Notice.objects.filter(user=client, text__icontains="can receive password resets").exists()

    def test_a_sign_in_address_changed_is_told_at_the_old_address_too(
        self, django_capture_on_commit_callbacks: Any
    ) -> None:
        client = UserFactory(role=Role.CLIENT)
        old = client.email
        http = login(HttpClient(), client)
        response = http.post(reverse("account_email"), {"action_add": "", "email": "new.address@example.org"})
        # The password once more first (ACCOUNT_REAUTHENTICATION_REQUIRED); allauth then resumes.
        assert response["Location"].startswith(reverse("account_reauthenticate"))
        http.post(response["Location"], {"password": PASSWORD})
        mail.outbox.clear()
        with django_capture_on_commit_callbacks(execute=True):
            http.post(reverse("account_email"), {"action_primary": "", "email": "new.address@example.org"})
        client.refresh_from_db()
        assert client.email == "new.address@example.org"
        assert "auth.email_changed" in actions_for(client)
        assert Notice.objects.filter(user=client, text__icontains="sign-in address was changed").exists()
        assert any(old in m.to and "sign-in address" in m.subject for m in mail.outbox)


@pytest.mark.django_db
class TestTheAdminSiteOnlyShowsSchedulesAndSessions:
    @pytest.mark.parametrize(
        "path", ["/admin/django_celery_beat/periodictask/add/", "/admin/usersessions/usersession/add/"]
    )
    def test_nothing_is_added_there(self, superuser: HttpClient, path: str) -> None:
        assert superuser.get(path).status_code == 403

    def test_a_schedule_cannot_be_switched_off(self, superuser: HttpClient) -> None:
        from django_celery_beat.models import IntervalSchedule, PeriodicTask

        every = IntervalSchedule.objects.create(every=1, period=IntervalSchedule.HOURS)
        task = PeriodicTask.objects.create(name="verify", task="confidentiality.tasks.verify", interval=every)
        superuser.post(f"/admin/django_celery_beat/periodictask/{task.pk}/change/", {"name": "verify", "enabled": ""})
        task.refresh_from_db()
        assert task.enabled

    def test_sessions_can_be_searched_by_address(self, superuser: HttpClient) -> None:
        assert superuser.get("/admin/usersessions/usersession/?q=127.0.0.1").status_code == 200


class TestTheAddressReader:
    """confidentiality.addresses.client_address, on its own."""

    @pytest.mark.parametrize(
        ("remote", "forwarded", "expected"),
        [
            ("::ffff:127.0.0.1", "203.0.113.5", "203.0.113.5"),  # a dual-stack listener's view of the proxy
            ("127.0.0.1", "203.0.113.5:51234", "203.0.113.5"),
            ("127.0.0.1", "[2001:db8::7]:443", "2001:db8::7"),
            ("127.0.0.1", " 6.6.6.6 ,  203.0.113.5 ", "203.0.113.5"),
            ("127.0.0.1", "garbage, 203.0.113.5", "203.0.113.5"),
            ("127.0.0.1", "203.0.113.5, garbage", "127.0.0.1"),  # the proxy's own hop is unreadable
            ("127.0.0.1", "", "127.0.0.1"),
            ("192.0.2.8", "203.0.113.5", "192.0.2.8"),
        ],
    )
    def test_it_reads_the_forwarded_chain_from_the_right(
        self, settings: Any, remote: str, forwarded: str, expected: str
    ) -> None:
        from django.test import RequestFactory

        from confidentiality.addresses import client_address

        settings.TRUSTED_PROXIES = ["127.0.0.1"]
        request = RequestFactory().get("/", REMOTE_ADDR=remote, HTTP_X_FORWARDED_FOR=forwarded)
        assert client_address(request) == expected
