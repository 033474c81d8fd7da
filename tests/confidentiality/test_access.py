"""The foundation's access rules beyond the access matrix (tests/matrix/table.py, which tries every
persona on every page and endpoint): a missing engagement looks like a forbidden one, lists and
pages show each persona only what they may see, and the policy behind them.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

import access
from tests.conftest import PERSONAS, World, same_page

OWN_CLIENT_NAME = "Samira Quentin-Marsh"


@pytest.mark.django_db
class TestPages:
    def test_a_missing_engagement_looks_like_a_forbidden_one(self, world: World) -> None:
        http = world.http("coach")
        missing = http.get(reverse("engagements:detail", args=["00000000-0000-0000-0000-000000000000"]))
        forbidden = http.get(reverse("engagements:detail", args=[world.other_engagement.pk]))
        assert missing.status_code == forbidden.status_code == 404
        assert same_page(missing.content, forbidden.content)

    def test_lists_show_only_what_the_persona_may_see(self, world: World) -> None:
        refs = {world.engagement.reference, world.other_engagement.reference}
        expected = {
            "coach": {world.engagement.reference},
            "client": {world.engagement.reference},
            "sponsor": {world.engagement.reference},
            "other_sponsor": {world.other_engagement.reference},
            "admin": refs,
            "auditor": set(),
            "superuser": set(),
        }
        for persona, visible in expected.items():
            body = world.http(persona).get(reverse("engagements:list")).content.decode()
            assert {r for r in refs if r in body} == visible, persona

    def test_the_sponsor_never_sees_the_clients_name(self, world: World) -> None:
        http = world.http("sponsor")
        body = http.get(reverse("engagements:detail", args=[world.engagement.pk])).content.decode()
        assert world.engagement.reference in body
        assert OWN_CLIENT_NAME not in body
        for url in (reverse("engagements:list"), reverse("dashboard"), reverse("account_settings")):
            assert OWN_CLIENT_NAME not in http.get(url).content.decode(), url

    def test_an_auditor_without_an_open_audit_does_not_read_the_audit_log(self, world: World) -> None:
        # The log's finance events show only inside an audit (the matrix's auditor has one open).
        assert world.http("auditor").get(reverse("audit_log")).status_code == 404

    def test_the_staff_pages_answer_in_a_constant_number_of_queries(
        self, world: World, django_assert_max_num_queries: Any
    ) -> None:
        from tests.factories import EngagementFactory

        for _ in range(10):
            EngagementFactory(organisation=world.organisation, coaches=[world.people["coach"]])
        http = world.http("coach")
        with django_assert_max_num_queries(12):
            assert http.get(reverse("dashboard")).status_code == 200
        with django_assert_max_num_queries(12):
            assert http.get(reverse("engagements:list")).status_code == 200
        admin = world.http("admin")
        # + 3 for the batch audit of the clients read (one head lock, one insert, one head update),
        # + 1 for the invitations not yet accepted, whatever the number of clients.
        with django_assert_max_num_queries(16):
            assert admin.get(reverse("engagements:clients")).status_code == 200


@pytest.mark.django_db
class TestPolicy:
    def test_superuser_status_opens_no_engagement(self, world: World) -> None:
        root = world.people["superuser"]
        assert not access.engagements_visible_to(root).exists()
        for grant in access.EngagementAccess:
            assert not access.has_engagement_access(root, world.engagement, grant)

    def test_only_coaches_on_it_may_read_confidential_content(self, world: World) -> None:
        allowed = {
            p
            for p in PERSONAS
            if access.has_engagement_access(
                world.people[p], world.engagement, access.EngagementAccess.READ_CONFIDENTIAL
            )
        }
        assert allowed == {"coach"}

    def test_removing_a_member_revokes_access_at_once(self, world: World) -> None:
        from guardian.shortcuts import get_perms

        from engagements.services import engagement_member_remove

        coach = world.people["coach"]
        engagement_member_remove(actor=world.people["admin"], engagement=world.engagement, user=coach)
        assert not access.engagements_visible_to(coach).exists()
        assert get_perms(coach, world.engagement) == []
        assert world.http("coach").get(reverse("engagements:detail", args=[world.engagement.pk])).status_code == 404

    def test_an_inactive_person_may_do_nothing(self, world: World) -> None:
        coach = world.people["coach"]
        coach.is_active = False
        coach.save()
        assert not access.engagements_visible_to(coach).exists()
        assert not access.can(coach, access.Capability.VIEW_OWN_ENGAGEMENTS)

    def test_object_permissions_use_the_direct_foreign_key_tables(self, world: World) -> None:
        from guardian.models import UserObjectPermission

        from engagements.models import EngagementUserObjectPermission

        assert EngagementUserObjectPermission.objects.filter(user=world.people["coach"]).exists()
        assert not UserObjectPermission.objects.exists()

    def test_only_the_administrator_changes_membership(self, world: World) -> None:
        from django.core.exceptions import PermissionDenied

        from engagements.services import engagement_member_remove

        for persona in ("coach", "client", "sponsor", "auditor", "superuser"):
            with pytest.raises(PermissionDenied):
                engagement_member_remove(
                    actor=world.people[persona], engagement=world.engagement, user=world.people["coach"]
                )
