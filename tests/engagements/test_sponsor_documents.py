"""A sponsor sees only what their organisation supplied itself, and nothing once the engagement is
closed (issue 20, items 1 and 8): a coach's tick never shares a file with the organisation."""

from __future__ import annotations

import pytest

import access
from engagements import services
from tests.conftest import World


def upload(world: World, persona: str, **flags: bool) -> object:
    return services.document_upload(
        actor=world.people[persona],
        engagement=world.engagement,
        name="plan.txt",
        content=b"the organisation's development plan",
        **flags,
    )


@pytest.mark.django_db
class TestOrganisationDocuments:
    def test_a_document_the_coach_ticked_as_supplied_does_not_reach_the_sponsor(self, world: World) -> None:
        document = upload(world, "coach", supplied_by_organisation=True)
        sponsor = world.people["sponsor"]
        assert not access.documents_visible_to(sponsor, world.engagement).exists()
        response = world.http("sponsor").get(f"/engagements/documents/{document.pk}/download/")  # type: ignore[attr-defined]
        assert response.status_code == 404

    def test_the_sponsors_own_upload_is_the_organisations_and_theirs_to_see(self, world: World) -> None:
        document = upload(world, "sponsor")
        assert document.supplied_by_organisation and not document.shared_with_client  # type: ignore[attr-defined]
        assert list(access.documents_visible_to(world.people["sponsor"], world.engagement)) == [document]
        assert not access.documents_visible_to(world.people["other_sponsor"], world.engagement).exists()
        assert not access.documents_visible_to(world.people["client"], world.engagement).exists()

    def test_the_sponsor_loses_documents_when_the_engagement_closes(self, world: World) -> None:
        document = upload(world, "sponsor")
        services.engagement_close(actor=world.people["admin"], engagement=world.engagement)
        world.engagement.refresh_from_db()
        assert not access.documents_visible_to(world.people["sponsor"], world.engagement).exists()
        response = world.http("sponsor").get(f"/engagements/documents/{document.pk}/download/")  # type: ignore[attr-defined]
        assert response.status_code == 404

    def test_another_organisations_sponsor_cannot_upload(self, world: World) -> None:
        from django.core.exceptions import PermissionDenied

        with pytest.raises(PermissionDenied):
            upload(world, "other_sponsor")
