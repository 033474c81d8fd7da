"""The practice the smoke and load tests drive: built through the services, printed as JSON.

    python -m deploy.fixtures --coaches 25 --sponsors 10 --clients 100      # in the production environment

Run it with the production environment of a *throwaway* run (``deploy.throwaway`` does): it makes
people with a password it prints, so it refuses a database that holds anyone else. Each client
has one active engagement, spread over the coaches and the organisations (one sponsor contact
each), with a signed agreement, a session, notes (one shared with the client) and a report the
client approved and the coach released. Every person gets an API token; staff (coaches, and the
administrator with ``--admin``) get a TOTP authenticator whose secret is printed.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import secrets
import sys
from typing import Any

DOMAIN = "smoke.example"


def build(*, coaches: int, sponsors: int, clients: int, notes: int, admin: bool = False) -> dict[str, Any]:
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
    from django.db import transaction
    from django.utils import timezone

    from confidentiality.models import User
    from confidentiality.roles import Role
    from confidentiality.services import api_token_issue, user_create
    from consent.defaults import install_current
    from consent.models import ConsentRecord, InformationCategory, ProfessionalCode
    from consent.services import (
        agreement_send,
        agreement_sign,
        agreement_start,
        agreement_template_update,
        consent_record,
        professional_code_create,
    )
    from engagements.services import (
        client_create,
        engagement_create,
        note_create,
        organisation_create,
        session_record,
        sponsor_contact_add,
    )
    from reports import services as report_services

    strangers = User.objects.exclude(email__endswith=f"@{DOMAIN}").count()
    if strangers:
        raise SystemExit(f"refusing: this database holds {strangers} people outside @{DOMAIN}; use a throwaway one")
    password = "smoke-" + secrets.token_urlsafe(18)
    today = timezone.localdate()
    template = install_current()
    if not ProfessionalCode.objects.filter(active=True).exists():
        # The one code every coach works under: each draft proposes it (consent.services._codes_to_propose).
        professional_code_create(
            actor=None, name="Smoke Code of Ethics", body="Smoke Coaching Body", link="https://example.org/code"
        )
    goals = InformationCategory.objects.get(key="goals")

    def person(email: str, role: Role, name: str) -> tuple[User, dict[str, Any]]:
        user = user_create(actor=None, email=email, role=role, display_name=name, password=password)
        entry: dict[str, Any] = {"email": email, "id": user.pk}
        if role in (Role.ADMIN, Role.COACH, Role.AUDITOR):
            secret = generate_totp_secret()
            TOTP.activate(user, secret)
            entry["totp_secret"] = secret
        # After the second factor: a member of staff's token works only while they have one.
        entry["token"] = api_token_issue(actor=None, user=user, name="smoke")[1]
        return user, entry

    out: dict[str, Any] = {"password": password, "coaches": [], "sponsors": [], "clients": []}
    if admin:
        out["admin"] = person(f"admin@{DOMAIN}", Role.ADMIN, "Ada Admin")[1]
    coach_users, sponsor_users, organisations = [], [], []
    for i in range(coaches):
        user, entry = person(f"coach{i + 1:03d}@{DOMAIN}", Role.COACH, f"Coach {i + 1:03d}")
        entry["engagements"] = []
        coach_users.append(user)
        out["coaches"].append(entry)
    for i in range(sponsors):
        organisation = organisation_create(actor=None, name=f"Organisation {i + 1:03d}")
        user, entry = person(f"sponsor{i + 1:03d}@{DOMAIN}", Role.SPONSOR, f"Sponsor {i + 1:03d}")
        sponsor_contact_add(actor=None, organisation=organisation, user=user, job_title="Head of People")
        entry.update(organisation=str(organisation.pk), engagements=[], reports=[])
        organisations.append(organisation)
        sponsor_users.append(user)
        out["sponsors"].append(entry)
    if coach_users and not template.adviser_name:
        # What every agreement names before it goes out for signing (policies 003, 004).
        template = agreement_template_update(
            actor=coach_users[0],
            template=template,
            expected_edit_version=template.edit_version,
            content={
                "guidelines": "Each organisation's information security policy.",
                "adviser_name": "Smoke Adviser",
                "adviser_contact": f"adviser@{DOMAIN}",
            },
            terms={},
        )
    for i in range(clients):
        with transaction.atomic():
            c, s = i % coaches, i % sponsors
            user, entry = person(f"client{i + 1:03d}@{DOMAIN}", Role.CLIENT, f"Client {i + 1:03d}")
            client = client_create(actor=None, full_name=f"Client {i + 1:03d}", contact_email=user.email, user=user)
            consent_record(
                actor=None,
                client=client,
                kind=ConsentRecord.Kind.BASIC_INFORMATION,
                wording="I agree that the practice holds my basic contact information so that it can coach me.",
                method=ConsentRecord.Method.PORTAL,
            )
            coach, sponsor = coach_users[c], sponsor_users[s]
            engagement = engagement_create(
                actor=None,
                reference=f"SMOKE-{i + 1:04d}",
                title="Leadership coaching",
                organisation=organisations[s],
                client=client,
                coaches=[coach],
                sponsors=[sponsor],
                starts_on=today - datetime.timedelta(days=60),
                ends_on=today + datetime.timedelta(days=180),
            )
            sent = agreement_send(
                actor=coach, agreement=agreement_start(actor=coach, engagement=engagement, template=template)
            )
            for signer in (user, sponsor, coach):
                agreement_sign(actor=signer, agreement=sent, shown_hash=sent.text_hash)
            session = session_record(
                actor=coach,
                engagement=engagement,
                held_on=today - datetime.timedelta(days=7),
                duration_minutes=60,
                mode="video",
                place="Video call from the coach's closed office",
                setting_private=True,
            )
            note_ids = [
                str(
                    note_create(
                        actor=coach,
                        engagement=engagement,
                        body=f"Session note {n + 1}: goals reviewed, next experiment agreed.",
                        session=session,
                        shared_with_client=n == 0,
                    ).pk
                )
                for n in range(notes)
            ]
            report = report_services.report_create(
                actor=coach,
                engagement=engagement,
                title="Starting point",
                sections={goals.pk: "Three goals agreed: delegate planning, lead the budget review, grow the team."},
            )
            report_services.report_submit(actor=coach, report=report, expected_version=1)
            report_services.report_approve(actor=user, report=report, version_number=1)
            report_services.report_release(actor=coach, report=report, expected_version=1)
        eid = str(engagement.pk)
        entry.update(engagement=eid, shared_note=note_ids[0], report=str(report.pk))
        out["clients"].append(entry)
        out["coaches"][c]["engagements"].append({"id": eid, "notes": note_ids})
        out["sponsors"][s]["engagements"].append(eid)
        out["sponsors"][s]["reports"].append(str(report.pk))
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--coaches", type=int, default=1)
    parser.add_argument("--sponsors", type=int, default=1)
    parser.add_argument("--clients", type=int, default=1)
    parser.add_argument("--notes", type=int, default=3, help="notes per engagement (the first is shared)")
    parser.add_argument("--admin", action="store_true", help=f"also an administrator, admin@{DOMAIN}")
    args = parser.parse_args(argv)
    if min(args.coaches, args.sponsors, args.clients, args.notes) < 1:
        parser.error("every count must be at least 1")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "confidentiality.settings")
    import django
    from django.test.utils import override_settings

    django.setup()
    # Building the practice notifies people (agreements to sign, reports released): not worth mailing.
    with override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"):
        result = build(
            coaches=args.coaches, sponsors=args.sponsors, clients=args.clients, notes=args.notes, admin=args.admin
        )
    json.dump(result, sys.stdout)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
