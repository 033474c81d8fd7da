"""A released report's PDF is rendered once, kept encrypted, and stamped with each reader's watermark."""

from __future__ import annotations

import datetime
import io
from collections.abc import Iterator
from typing import Any
from unittest import mock

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader
from weasyprint import HTML

from confidentiality.crypto import DecryptionError
from confidentiality.models import AuditEvent, DataKey
from confidentiality.rotation import rekey_holder
from engagements.models import Engagement
from reports.models import ReportPdf, SponsorReport
from retention.sweep import run_sweep
from tests.conftest import PERSONAS, World
from tests.reports.test_reports import GOALS_V1, released
from tests.retention.test_retention import closed_on

NOON = timezone.make_aware(datetime.datetime(2026, 5, 4, 12, 0))


@pytest.fixture
def renders() -> Iterator[mock.MagicMock]:
    """Every PDF WeasyPrint writes, counted (and still written)."""
    with mock.patch.object(HTML, "write_pdf", autospec=True, side_effect=HTML.write_pdf) as counted:
        yield counted


def download(world: World, persona: str, report: SponsorReport) -> Any:
    return world.http(persona).get(reverse("reports:report_pdf", args=[report.pk]))


def page_texts(content: bytes) -> list[str]:
    return [" ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(content)).pages]


@pytest.mark.django_db
class TestKeptPdf:
    def test_it_renders_a_released_report_once(self, world: World, renders: mock.MagicMock) -> None:
        report = released(world)
        with time_machine.travel(NOON, tick=False):
            first = download(world, "sponsor", report)
            assert renders.call_count == 1
            second = download(world, "sponsor", report)
        assert renders.call_count == 1  # the second download rendered nothing
        assert first.status_code == second.status_code == 200
        assert first.content == second.content  # the same reader at the same minute: the same bytes
        assert first.content.startswith(b"%PDF-")
        events = AuditEvent.objects.filter(action="report.download", actor_id=world.people["sponsor"].pk)
        assert events.count() == 2  # every download audited, as before

    def test_each_download_carries_its_own_reader_and_time(self, world: World, renders: mock.MagicMock) -> None:
        report = released(world)
        with time_machine.travel(NOON, tick=False):
            by_sponsor = download(world, "sponsor", report)
        with time_machine.travel(NOON + datetime.timedelta(minutes=3), tick=False):
            by_coach = download(world, "coach", report)
        assert renders.call_count == 1
        sponsor, coach = world.people["sponsor"].display_name, world.people["coach"].display_name
        for text in page_texts(by_sponsor.content):
            assert sponsor in text and coach not in text
            assert "Mid-point summary" in text
        for text in page_texts(by_coach.content):
            assert coach in text and sponsor not in text
        assert by_sponsor.content != by_coach.content

    def test_every_page_of_a_long_report_is_watermarked(self, world: World, renders: mock.MagicMock) -> None:
        from consent.models import InformationCategory
        from reports import services as report_services

        coach, client = world.people["coach"], world.people["client"]
        goals = InformationCategory.objects.get(key="goals")
        long_text = " ".join([GOALS_V1] * 120)
        report = report_services.report_create(
            actor=coach, engagement=world.engagement, title="Final report", sections={goals.pk: long_text}
        )
        report_services.report_submit(actor=coach, report=report, expected_version=1)
        report_services.report_approve(actor=client, report=report, version_number=1)
        report_services.report_release(actor=coach, report=report, expected_version=1)
        download(world, "sponsor", report)
        texts = page_texts(download(world, "sponsor", report).content)
        assert renders.call_count == 1
        assert len(texts) >= 2
        assert all(world.people["sponsor"].display_name in text for text in texts)

    def test_the_kept_copy_is_ciphertext_bound_to_its_report(self, world: World) -> None:
        report = released(world)
        download(world, "sponsor", report)
        kept = ReportPdf.objects.get(report=report)
        sealed = bytes(kept.sealed)
        assert b"%PDF" not in sealed
        assert GOALS_V1.encode() not in sealed
        assert kept.key_id == world.engagement.data_key_id
        from confidentiality.crypto import decrypt_blob

        with pytest.raises(DecryptionError):  # moved to another report, it does not open
            decrypt_blob(sealed, aad=f"reports.reportpdf:{world.engagement.pk}||owner:x".encode(), where="test")

    def test_a_change_to_what_it_shows_renders_it_again(self, world: World, renders: mock.MagicMock) -> None:
        report = released(world)
        download(world, "sponsor", report)
        organisation = world.engagement.organisation
        type(organisation).objects.filter(pk=organisation.pk).update(name="Renamed Holdings")
        texts = page_texts(download(world, "sponsor", report).content)
        assert renders.call_count == 2
        assert "Renamed Holdings" in texts[0]
        assert ReportPdf.objects.filter(report=report).count() == 1  # replaced, not added

    def test_a_copy_that_does_not_open_is_rendered_again(self, world: World, renders: mock.MagicMock) -> None:
        report = released(world)
        download(world, "sponsor", report)
        ReportPdf.objects.filter(report=report).update(sealed=b"\x00cb2" + bytes(60))
        response = download(world, "sponsor", report)
        assert response.status_code == 200 and renders.call_count == 2
        assert "Mid-point summary" in page_texts(response.content)[0]

    def test_a_name_helvetica_cannot_write_is_rendered_whole(self, world: World, renders: mock.MagicMock) -> None:
        report = released(world)
        download(world, "sponsor", report)
        sponsor = world.people["sponsor"]
        type(sponsor).objects.filter(pk=sponsor.pk).update(display_name="Łucja Wiśniewska")
        response = download(world, "sponsor", report)
        assert renders.call_count == 2
        assert "Łucja Wiśniewska" in page_texts(response.content)[0]

    @pytest.mark.parametrize("persona", PERSONAS)
    def test_who_may_download_is_unchanged_once_a_copy_is_kept(
        self, world: World, persona: str, renders: mock.MagicMock
    ) -> None:
        report = released(world)
        assert download(world, "sponsor", report).status_code == 200
        expected = {"coach": 200, "client": 200, "sponsor": 200, "admin": 200, "anonymous": 302}.get(persona, 404)
        response = download(world, persona, report)
        assert response.status_code == expected
        if expected != 200:
            assert not response.content.startswith(b"%PDF")
        assert renders.call_count == 1


@pytest.mark.django_db
class TestDiscarded:
    def test_a_rotation_of_the_engagement_key_discards_the_copy(self, world: World, renders: mock.MagicMock) -> None:
        report = released(world)
        download(world, "sponsor", report)
        old_key = world.engagement.data_key_id
        rekey_holder(world.engagement)
        assert not ReportPdf.objects.filter(report=report).exists()
        assert not DataKey.objects.filter(pk=old_key).exists()
        response = download(world, "sponsor", report)
        assert response.status_code == 200 and renders.call_count == 2
        assert ReportPdf.objects.get(report=report).key_id == Engagement.objects.get(pk=world.engagement.pk).data_key_id

    def test_the_sweep_deletes_the_copy_with_its_engagement(
        self, world: World, settings: Any, tmp_path: Any, renders: mock.MagicMock
    ) -> None:
        settings.RETENTION_JOURNAL = tmp_path / "receipts.jsonl"
        report = released(world)
        download(world, "sponsor", report)
        key_id = world.engagement.data_key_id
        closed_on(world.engagement, datetime.date(2024, 3, 10))
        run_sweep(as_of=datetime.date(2026, 3, 10))
        assert not Engagement.objects.filter(pk=world.engagement.pk).exists()
        assert not ReportPdf.objects.exists()
        assert not DataKey.objects.filter(pk=key_id).exists()  # any other copy of the ciphertext: shredded
