"""Sharing between organisations only by their agreement (issue 22, item 3).

Policy 000: "We encourage sharing of experience and information for the mutual benefit of
organisations but information will only be shared by agreement with the organisations involved",
and hard copies are kept "for reference by other organisations" only if "the organisation wishes".

A sharing is a record (what, from whom, to whom, why) that needs the written permission of each
organisation it concerns: given in the portal by one of its sponsor contacts (signed in, audited, the
exact wording kept), or recorded by the administrator with a document as evidence. It cannot be
marked shared while any of them is missing, and it is in each organisation's copy of its information.
"""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from confidentiality.models import AuditEvent, Notice
from disclosures import sharing as services
from disclosures.models import OrganisationSharing, SharingPermission
from engagements.services import document_upload
from tests.conftest import World

pytestmark = pytest.mark.django_db

WHAT = "Northwind's staff wellbeing survey results, 2026"
WHY = "Harbour Health are designing a similar survey and asked to learn from it"


def propose(world: World, **changes: Any) -> OrganisationSharing:
    arguments: dict[str, Any] = {
        "organisation": world.organisation,
        "to_organisation": world.other_organisation,
        "what": WHAT,
        "why": WHY,
    }
    arguments.update(changes)
    return services.sharing_propose(actor=world.people["admin"], **arguments)


def letter(world: World, engagement: Any = None, sponsor: str = "sponsor") -> Any:
    """The organisation's letter of permission, uploaded by its sponsor contact."""
    return document_upload(
        actor=world.people[sponsor],
        engagement=engagement or world.engagement,
        name="permission-to-share.pdf",
        content=b"%PDF-1.4\n% we agree to the sharing\n",
    )


class TestTheRecord:
    def test_it_records_what_from_whom_to_whom_and_why_encrypted(self, world: World) -> None:
        from django.db import connection

        sharing = propose(world)
        sharing.refresh_from_db()
        assert sharing.state == OrganisationSharing.State.PROPOSED and sharing.shared_at is None
        assert sharing.what == WHAT and sharing.why == WHY
        assert sharing.organisation == world.organisation and sharing.to_organisation == world.other_organisation
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT what, why FROM {OrganisationSharing._meta.db_table}")
            stored = cursor.fetchone()
        assert stored is not None and "wellbeing" not in stored[0] and "Harbour" not in stored[1]

    def test_it_concerns_the_organisation_whose_information_it_is_and_the_one_receiving_it(self, world: World) -> None:
        sharing = propose(world)
        concerned = set(sharing.permissions.values_list("organisation_id", flat=True))
        assert concerned == {world.organisation.pk, world.other_organisation.pk}
        assert all(p.state == SharingPermission.State.AWAITING for p in sharing.permissions.all())

    def test_to_a_named_outside_body_it_concerns_the_organisation_only(self, world: World) -> None:
        sharing = propose(world, to_organisation=None, to_outside_body="The county's voluntary sector forum")
        assert [p.organisation_id for p in sharing.permissions.all()] == [world.organisation.pk]

    def test_it_has_a_data_key_of_its_own(self, world: World) -> None:
        first, second = propose(world), propose(world)
        assert first.data_key_id and first.data_key_id != second.data_key_id

    def test_it_refuses_without_what_or_why_and_changes_nothing(self, world: World) -> None:
        with pytest.raises(ValidationError) as refused:
            propose(world, why="   ")
        assert "why" in refused.value.message_dict
        assert not OrganisationSharing.objects.exists()

    def test_it_refuses_a_recipient_that_is_both_or_neither(self, world: World) -> None:
        with pytest.raises(ValidationError) as refused:
            propose(world, to_organisation=None)
        assert "to_organisation" in refused.value.message_dict
        with pytest.raises(ValidationError):
            propose(world, to_outside_body="The forum")
        with pytest.raises(ValidationError):
            propose(world, to_organisation=world.organisation)
        assert not OrganisationSharing.objects.exists()

    def test_no_confidential_text_in_audit_or_notices(self, world: World) -> None:
        sharing = propose(world)
        services.sharing_permission_decide(actor=world.people["sponsor"], sharing=sharing, give=True)
        for event in AuditEvent.objects.all():
            assert "wellbeing" not in str(event.detail) and "similar survey" not in str(event.detail)
        notices = Notice.objects.filter(user=world.people["sponsor"])
        assert notices.exists()
        for notice in Notice.objects.all():
            assert "wellbeing" not in notice.text and "similar survey" not in notice.text
            assert "wellbeing" not in notice.link

    def test_only_the_administrator_records_one(self, world: World) -> None:
        from django.core.exceptions import PermissionDenied

        for persona in ("coach", "sponsor", "auditor", "client"):
            with pytest.raises((PermissionDenied, ValidationError)):
                services.sharing_propose(
                    actor=world.people[persona],
                    organisation=world.organisation,
                    to_organisation=world.other_organisation,
                    what=WHAT,
                    why=WHY,
                )
        assert not OrganisationSharing.objects.exists()


class TestTheWrittenPermission:
    def test_a_sponsor_contact_gives_it_in_the_portal_with_the_exact_wording(self, world: World) -> None:
        sharing = propose(world)
        response = world.http("sponsor").post(
            reverse("disclosures:sharing_permission", args=[sharing.pk]), {"decision": "give"}
        )
        assert response.status_code == 302
        permission = sharing.permissions.get(organisation=world.organisation)
        assert permission.state == SharingPermission.State.GIVEN
        assert permission.method == SharingPermission.Method.PORTAL
        assert permission.decided_by == world.people["sponsor"]
        assert WHAT in permission.wording and "Northwind Trading" in permission.wording
        assert AuditEvent.objects.filter(action="sharing.permission_give", object_id=str(permission.pk)).exists()

    def test_a_sponsor_contact_refuses_it(self, world: World) -> None:
        sharing = propose(world)
        services.sharing_permission_decide(actor=world.people["other_sponsor"], sharing=sharing, give=False)
        permission = sharing.permissions.get(organisation=world.other_organisation)
        assert permission.state == SharingPermission.State.REFUSED

    def test_a_sponsor_decides_only_for_their_own_organisation(self, world: World) -> None:
        sharing = propose(world, to_organisation=None, to_outside_body="The forum")
        response = world.http("other_sponsor").post(
            reverse("disclosures:sharing_permission", args=[sharing.pk]), {"decision": "give"}
        )
        assert response.status_code == 404
        assert sharing.permissions.get().state == SharingPermission.State.AWAITING

    def test_the_administrator_records_it_with_a_document_as_evidence(self, world: World) -> None:
        sharing = propose(world)
        evidence = letter(world)
        permission = services.sharing_permission_record(
            actor=world.people["admin"], sharing=sharing, organisation=world.organisation, give=True, evidence=evidence
        )
        assert permission.state == SharingPermission.State.GIVEN
        assert permission.method == SharingPermission.Method.DOCUMENT and permission.evidence == evidence

    def test_the_administrator_cannot_record_it_without_evidence(self, world: World) -> None:
        sharing = propose(world)
        with pytest.raises(ValidationError) as refused:
            services.sharing_permission_record(
                actor=world.people["admin"], sharing=sharing, organisation=world.organisation, give=True, evidence=None
            )
        assert "evidence" in refused.value.message_dict
        assert sharing.permissions.get(organisation=world.organisation).state == SharingPermission.State.AWAITING

    def test_another_organisations_letter_is_not_its_evidence(self, world: World) -> None:
        sharing = propose(world)
        theirs = letter(world, world.other_engagement, sponsor="other_sponsor")
        with pytest.raises(ValidationError) as refused:
            services.sharing_permission_record(
                actor=world.people["admin"],
                sharing=sharing,
                organisation=world.organisation,
                give=True,
                evidence=theirs,
            )
        assert "evidence" in refused.value.message_dict


class TestMarkingItShared:
    def test_it_refuses_while_a_permission_is_missing_naming_which_and_changes_nothing(self, world: World) -> None:
        sharing = propose(world)
        services.sharing_permission_decide(actor=world.people["sponsor"], sharing=sharing, give=True)
        before = AuditEvent.objects.count()
        with pytest.raises(ValidationError) as refused:
            services.sharing_mark_shared(actor=world.people["admin"], sharing=sharing)
        message = " ".join(refused.value.messages)
        assert "Harbour Health Trust" in message and "Northwind Trading" not in message
        sharing.refresh_from_db()
        assert sharing.state == OrganisationSharing.State.PROPOSED and sharing.shared_at is None
        assert AuditEvent.objects.count() == before

    def test_it_refuses_when_an_organisation_refused(self, world: World) -> None:
        sharing = propose(world)
        services.sharing_permission_decide(actor=world.people["sponsor"], sharing=sharing, give=True)
        services.sharing_permission_decide(actor=world.people["other_sponsor"], sharing=sharing, give=False)
        with pytest.raises(ValidationError):
            services.sharing_mark_shared(actor=world.people["admin"], sharing=sharing)
        sharing.refresh_from_db()
        assert sharing.state == OrganisationSharing.State.PROPOSED

    def test_with_every_permission_it_is_shared(self, world: World) -> None:
        sharing = propose(world)
        services.sharing_permission_decide(actor=world.people["sponsor"], sharing=sharing, give=True)
        services.sharing_permission_record(
            actor=world.people["admin"],
            sharing=sharing,
            organisation=world.other_organisation,
            give=True,
            evidence=letter(world, world.other_engagement, sponsor="other_sponsor"),
        )
        services.sharing_mark_shared(actor=world.people["admin"], sharing=sharing)
        sharing.refresh_from_db()
        assert sharing.state == OrganisationSharing.State.SHARED and sharing.shared_at is not None
        assert AuditEvent.objects.filter(action="sharing.shared", object_id=str(sharing.pk)).exists()

    def test_the_page_keeps_the_refusal_beside_the_button(self, world: World) -> None:
        sharing = propose(world)
        response = world.http("admin").post(reverse("disclosures:sharing_shared", args=[sharing.pk]))
        assert response.status_code == 400
        assert b"Harbour Health Trust" in response.content and b"Northwind Trading" in response.content
        sharing.refresh_from_db()
        assert sharing.state == OrganisationSharing.State.PROPOSED

    def test_a_withdrawn_sharing_cannot_be_shared(self, world: World) -> None:
        sharing = propose(world, to_organisation=None, to_outside_body="The forum")
        services.sharing_permission_decide(actor=world.people["sponsor"], sharing=sharing, give=True)
        services.sharing_withdraw(actor=world.people["admin"], sharing=sharing)
        with pytest.raises(ValidationError):
            services.sharing_mark_shared(actor=world.people["admin"], sharing=sharing)


class TestWhoSeesIt:
    @pytest.mark.parametrize(
        ("persona", "list_code", "detail_code"),
        [
            ("admin", 200, 200),
            ("sponsor", 200, 200),
            ("other_sponsor", 200, 404),
            ("coach", 404, 404),
            ("other_coach", 404, 404),
            ("client", 404, 404),
            ("auditor", 404, 404),
            ("superuser", 404, 404),
        ],
    )
    def test_pages(self, world: World, persona: str, list_code: int, detail_code: int) -> None:
        sharing = propose(world, to_organisation=None, to_outside_body="The forum")
        http = world.http(persona)
        listing = http.get(reverse("disclosures:sharings"))
        assert listing.status_code == list_code
        detail = http.get(reverse("disclosures:sharing_detail", args=[sharing.pk]))
        assert detail.status_code == detail_code
        if detail_code == 200:
            assert b"staff wellbeing survey results" in detail.content
        if list_code == 200 and persona == "other_sponsor":
            assert sharing.reference.encode() not in listing.content

    def test_the_sponsor_list_shows_only_what_concerns_their_organisation(self, world: World) -> None:
        ours = propose(world, to_organisation=None, to_outside_body="The forum")
        theirs = propose(world, organisation=world.other_organisation, to_organisation=None, to_outside_body="X")
        page = world.http("sponsor").get(reverse("disclosures:sharings"))
        assert ours.reference.encode() in page.content and theirs.reference.encode() not in page.content

    def test_the_api_lists_the_same(self, world: World) -> None:
        ours = propose(world, to_organisation=None, to_outside_body="The forum")
        propose(world, organisation=world.other_organisation, to_organisation=None, to_outside_body="X")
        got = world.api("sponsor").get("/api/v1/sharings/")
        assert got.status_code == 200
        assert [row["id"] for row in got.json()["results"]] == [str(ours.pk)]
        assert world.api("coach").get("/api/v1/sharings/").status_code == 404

    def test_the_api_refuses_to_mark_it_shared_without_the_permissions(self, world: World) -> None:
        sharing = propose(world)
        got = world.api("admin").post(f"/api/v1/sharings/{sharing.pk}/shared/", content_type="application/json")
        assert got.status_code == 400
        assert "Harbour Health Trust" in got.content.decode()


class TestQueryCounts:
    @pytest.mark.parametrize("persona", ["admin", "sponsor"])
    def test_the_list_costs_the_same_whatever_its_length(self, world: World, persona: str) -> None:
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        http, api = world.http(persona), world.api(persona)

        def cost(path: str) -> int:
            client = api if path.startswith("/api/") else http
            with CaptureQueriesContext(connection) as queries:
                assert client.get(path).status_code == 200
            return len(queries)

        propose(world)
        cost("/api/v1/sharings/")  # a token's first request of the test records it was used
        one = cost(reverse("disclosures:sharings")), cost("/api/v1/sharings/")
        for _ in range(4):
            propose(world)
        assert (cost(reverse("disclosures:sharings")), cost("/api/v1/sharings/")) == one

    def test_the_detail_page_stays_small(self, world: World, django_assert_max_num_queries: Any) -> None:
        sharing = propose(world)
        http = world.http("admin")
        with django_assert_max_num_queries(30):
            assert http.get(reverse("disclosures:sharing_detail", args=[sharing.pk])).status_code == 200


class TestTheForm:
    def test_a_refused_submission_keeps_every_typed_word(self, world: World) -> None:
        response = world.http("admin").post(
            reverse("disclosures:sharing_new"),
            {
                "organisation": str(world.organisation.pk),
                "to_organisation": "",
                "to_outside_body": "",
                "what": WHAT,
                "why": WHY,
            },
        )
        assert response.status_code == 400
        assert b"staff wellbeing survey results" in response.content and WHY.encode() in response.content
        assert not OrganisationSharing.objects.exists()

    def test_the_administrator_records_one_from_the_page(self, world: World) -> None:
        response = world.http("admin").post(
            reverse("disclosures:sharing_new"),
            {
                "organisation": str(world.organisation.pk),
                "to_organisation": str(world.other_organisation.pk),
                "to_outside_body": "",
                "what": WHAT,
                "why": WHY,
            },
        )
        assert response.status_code == 302
        assert OrganisationSharing.objects.get().what == WHAT


class TestTheOrganisationsCopy:
    def test_each_organisations_copy_lists_the_sharings_that_concern_it(self, world: World) -> None:
        from rights.exports import organisation_contents

        sharing = propose(world)
        for organisation, contact in (
            (world.organisation, world.people["sponsor"]),
            (world.other_organisation, world.people["other_sponsor"]),
        ):
            contents = organisation_contents(organisation, contact=contact)
            section = next(s for s in contents.sections if s.key == "sharings")
            assert [item["reference"] for item in section.items] == [sharing.reference]
            assert section.items[0]["what"] == WHAT

    def test_a_sharing_that_does_not_concern_it_is_not_in_its_copy(self, world: World) -> None:
        from rights.exports import organisation_contents

        propose(world, to_organisation=None, to_outside_body="The forum")
        contents = organisation_contents(world.other_organisation, contact=world.people["other_sponsor"])
        section = next(s for s in contents.sections if s.key == "sharings")
        assert section.items == []


class TestRetention:
    """Policy 000: files held in relation to work with an organisation are deleted after two years."""

    def test_a_settled_sharing_goes_two_years_later_with_its_key(self, world: World, settings: Any) -> None:
        from confidentiality.models import DataKey
        from retention.sweep import run_sweep

        settings.RETENTION_ENGAGEMENT_YEARS = 2
        sharing = propose(world, to_organisation=None, to_outside_body="The forum")
        services.sharing_withdraw(actor=world.people["admin"], sharing=sharing)
        settled = timezone.make_aware(datetime.datetime(2024, 2, 29, 12))
        OrganisationSharing.objects.filter(pk=sharing.pk).update(settled_at=settled)
        run_sweep(as_of=datetime.date(2026, 2, 28))
        assert OrganisationSharing.objects.filter(pk=sharing.pk).exists()
        run_sweep(as_of=datetime.date(2026, 3, 1))
        assert not OrganisationSharing.objects.filter(pk=sharing.pk).exists()
        assert not SharingPermission.objects.filter(sharing_id=sharing.pk).exists()
        assert not DataKey.objects.filter(pk=sharing.data_key_id).exists()

    def test_a_proposed_sharing_is_not_swept(self, world: World) -> None:
        from retention.sweep import run_sweep

        sharing = propose(world)
        OrganisationSharing.objects.filter(pk=sharing.pk).update(
            created_at=timezone.now() - datetime.timedelta(days=10 * 365)
        )
        run_sweep(as_of=timezone.localdate())
        assert OrganisationSharing.objects.filter(pk=sharing.pk).exists()


class TestHardCopiesKeptForReference:
    """Policy 000: hard copies are returned at contract end "unless the organisation wishes us to keep
    it for our library or for reference by other organisations"."""

    def _close_with_paper(self, world: World) -> Any:
        from engagements.models import HardCopy
        from engagements.services import engagement_close, hard_copy_record

        copy = hard_copy_record(
            actor=world.people["coach"],
            engagement=world.engagement,
            description="Organisation chart, 3 pages",
            location="Cabinet B",
            received_on=timezone.localdate() - datetime.timedelta(days=3),
        )
        engagement_close(actor=world.people["admin"], engagement=world.engagement)
        return HardCopy.objects.get(pk=copy.pk)

    def test_without_the_organisations_recorded_wish_it_is_returned(self, world: World) -> None:
        from engagements.models import HardCopy

        assert not world.organisation.keep_hard_copies
        assert self._close_with_paper(world).state == HardCopy.State.RETURN_DUE

    def test_with_the_organisations_recorded_wish_it_is_kept(self, world: World) -> None:
        from engagements.models import HardCopy

        world.organisation.keep_hard_copies = True
        world.organisation.save(update_fields=["keep_hard_copies"])
        assert self._close_with_paper(world).state == HardCopy.State.KEPT
