"""The readable copy in volumes (issue 23): a client with many records gets their PDF in several
files, each rendered and written into the ZIP before the next, so the worker's memory does not grow
with the notes. The copy stays complete: every record is in exactly one volume, in order, the
contents and the README say which volume holds what, and what was withheld is withheld from every
volume. The JSON is written as it is read, and is the JSON it always was.

The volumes and the batches records are read in are made small here (``VOLUME_RECORDS``,
``RECORDS_BATCH``), so that a few dozen notes span several of each, and the boundaries of the two
do not meet."""

from __future__ import annotations

import datetime
import io
import json
import re
import zipfile
from dataclasses import dataclass
from typing import Any

import pytest
from django.core.serializers.json import DjangoJSONEncoder
from django.urls import reverse
from pypdf import PdfReader

from engagements import services as engagement_services
from rights import exports
from rights import services as sar
from rights.models import SubjectAccessRequest
from tests.conftest import World
from tests.rights.test_subject_access import body_of

pytestmark = pytest.mark.django_db

NOTES = 23
THIRD_PARTY = "Ottoline Fairweather"
WHY = "Identifies another person who has not consented (DPA 2018 sch. 2 para. 16)."
FILE_WHY = "Mostly about another person (DPA 2018 sch. 2 para. 16)."


def marker(n: int) -> str:
    # One word, so that the PDF's text gives it back whole wherever a line breaks.
    return f"Kestrelmark{n:03d}"


@pytest.fixture(autouse=True)
def small_volumes(monkeypatch: Any) -> None:
    from rights.tasks import subject_access_export_task

    monkeypatch.setattr(subject_access_export_task, "delay", lambda export_id: None)
    monkeypatch.setattr(exports, "VOLUME_RECORDS", 5)
    monkeypatch.setattr(exports, "RECORDS_BATCH", 4)


@dataclass
class Volumes:
    archive: zipfile.ZipFile
    data: dict[str, Any]
    names: list[str]
    texts: list[str]  # each volume's text, spaces made single

    @property
    def everything(self) -> str:
        return "\n".join(self.texts)


def volumes_of(content: bytes) -> Volumes:
    archive = zipfile.ZipFile(io.BytesIO(content))
    assert archive.testzip() is None
    names = [n for n in archive.namelist() if n.startswith("information") and n.endswith(".pdf")]
    texts = []
    for name in names:
        reader = PdfReader(io.BytesIO(archive.read(name)))
        texts.append(" ".join(" ".join((page.extract_text() or "").split()) for page in reader.pages))
    return Volumes(archive, json.loads(archive.read("information.json")), names, texts)


def many_notes(world: World) -> None:
    """Notes 1, 12 and 23 name a third party: they fall in different volumes."""
    for n in range(1, NOTES + 1):
        about = f" {THIRD_PARTY} said so." if n in (1, 12, 23) else ""
        engagement_services.note_create(
            actor=world.people["coach"],
            engagement=world.engagement,
            body=f"Note {marker(n)}: the client rehearsed the board conversation.{about}",
            shared_with_client=n % 2 == 0,
        )


def build(world: World, request: SubjectAccessRequest) -> SubjectAccessRequest:
    export = sar.export_of(request) or sar.subject_access_export_start(actor=world.people["admin"], request=request)
    assert sar.export_build(export_id=export.pk) is True
    request.refresh_from_db()
    return request


def release_and_download(world: World, request: SubjectAccessRequest) -> Volumes:
    sar.copy_for_review(actor=world.people["admin"], request=request)
    sar.subject_access_release(actor=world.people["admin"], request=request, reviewed=True)
    response = world.http("client").get(reverse("subject_access:download", args=[request.pk]))
    assert response.status_code == 200
    return volumes_of(body_of(response))


class TestEveryRecordOnce:
    def test_each_note_is_in_exactly_one_volume_in_order(self, world: World) -> None:
        many_notes(world)
        request = build(world, sar.subject_access_request_open(actor=world.people["client"]))
        copy = release_and_download(world, request)
        assert len(copy.names) > 3
        assert copy.names == [f"information-volume-{n:02d}.pdf" for n in range(1, len(copy.names) + 1)]
        where = []
        for n in range(1, NOTES + 1):
            holding = [number for number, text in enumerate(copy.texts, start=1) if marker(n) in text]
            assert len(holding) == 1 and copy.everything.count(marker(n)) == 1, n
            where.append(holding[0])
        assert where == sorted(where) and len(set(where)) > 2  # in order, across several volumes
        found = [m.group(0) for m in re.finditer(r"Kestrelmark\d{3}", copy.everything)]
        assert found == [marker(n) for n in range(1, NOTES + 1)]
        # The JSON, written as it was read: every note once, in order, every event of the log.
        assert [re.search(r"Kestrelmark\d{3}", n["text"]).group(0) for n in copy.data["notes"]] == found  # type: ignore[union-attr]
        assert len(copy.data["access_log"]) >= NOTES

    def test_the_contents_and_the_readme_say_which_volume_holds_what(self, world: World) -> None:
        many_notes(world)
        request = build(world, sar.subject_access_request_open(actor=world.people["client"]))
        copy = release_and_download(world, request)
        readme = copy.archive.read("README.txt").decode()
        for name in copy.names:
            assert f"{name}: " in readme
        # The notes' parts, volume after volume, from the first record to the last with none missed.
        spans = [
            (int(first), int(last))
            for first, last in re.findall(rf"Notes about your coaching \(records (\d+) to (\d+) of {NOTES}\)", readme)
        ]
        assert len(spans) > 2 and spans[0][0] == 1 and spans[-1][1] == NOTES
        assert all(last + 1 == first for (_, last), (first, _) in zip(spans, spans[1:], strict=False))
        for number, text in enumerate(copy.texts, start=1):
            assert f"volume {number} of {len(copy.names)}" in text
            assert f"Notes about your coaching ({NOTES}): volumes" in text  # every volume's contents

    def test_the_administrator_reads_every_note_before_release(self, world: World) -> None:
        many_notes(world)
        request = build(world, sar.subject_access_request_open(actor=world.people["client"]))
        review = sar.copy_for_review(actor=world.people["admin"], request=request)
        assert len(review["document"]["notes"]) == NOTES and review["files"] == []
        page = world.http("admin").get(reverse("subject_access:copy", args=[request.pk])).content.decode()
        assert all(marker(n) in page for n in range(1, NOTES + 1))


class TestWithheldFromEveryVolume:
    def test_withheld_words_and_files_are_withheld_in_every_volume(self, world: World) -> None:
        many_notes(world)
        gone = engagement_services.document_upload(
            actor=world.people["coach"],
            engagement=world.engagement,
            name="appraisal.txt",
            content=b"Quillfeather's appraisal of the team.",
            shared_with_client=True,
        )
        request = build(world, sar.subject_access_request_open(actor=world.people["client"]))
        admin = world.people["admin"]
        sar.redaction_add(actor=admin, request=request, phrase=THIRD_PARTY, reason=WHY)
        sar.file_withhold(
            actor=admin, request=SubjectAccessRequest.objects.get(pk=request.pk), document_id=gone.pk, reason=FILE_WHY
        )
        request = build(world, SubjectAccessRequest.objects.get(pk=request.pk))
        copy = release_and_download(world, request)
        assert len(copy.names) > 3
        holding = [text for text in copy.texts if exports.WITHHELD in text]
        assert len(holding) >= 2  # the notes naming them are in different volumes
        assert copy.everything.count(exports.WITHHELD) == 3 and "fairweather" not in copy.everything.lower()
        assert "fairweather" not in json.dumps(copy.data).lower()
        assert all(marker(n) in copy.everything for n in (1, 12, 23))
        assert not any("appraisal" in name for name in copy.archive.namelist())
        assert FILE_WHY in copy.everything


class TestTheParts:
    def test_the_plan_puts_every_record_in_one_volume_none_over_its_size(self) -> None:
        contents = exports.Contents(subject_kind="client", title="t", subject_name="n")
        one_line = exports.Records(40, lambda: iter([[{"when": "x"}] * 40]), one_line=True)
        contents.sections = [
            exports.Section("a", "A", [{"text": "x" * 200}] * 7),
            exports.Section("b", "B", []),
            exports.Section("c", "C", one_line),
            exports.Section("d", "D", [{"text": "x" * 200}] * 12),
        ]
        plan = exports.volumes_plan(contents)
        for index, section in enumerate(contents.sections):
            parts = [p for volume in plan for p in volume if p.section == index]
            assert sum(p.count for p in parts) == len(section.items)
            assert [p.first for p in parts] == [sum(q.count for q in parts[:i]) for i in range(len(parts))]
        capacity = exports.VOLUME_RECORDS * exports.LINES_PER_RECORD
        for volume in plan:
            weight = sum(p.count * (1 if p.section == 2 else exports.LINES_PER_RECORD) for p in volume)
            assert 0 < weight <= capacity
        # Full volumes but the last: none is cut short while there is more to come.
        assert all(
            sum(p.count * (1 if p.section == 2 else exports.LINES_PER_RECORD) for p in volume)
            > capacity - exports.LINES_PER_RECORD
            for volume in plan[:-1]
        )

    def test_the_json_written_in_pieces_is_the_json_written_whole(self) -> None:
        moment = datetime.datetime(2026, 3, 1, 9, 30, tzinfo=datetime.UTC)
        notes = [{"text": f"Line one\nline two «{n}»", "written_at": moment, "corrections": []} for n in range(9)]
        head = {"format": exports.FORMAT, "request": {"reference": "SAR-1", "received_on": moment.date()}}
        sections = [
            exports.Section("identity", "Who", [{"name": "Zoë", "nested": {"a": [1, 2]}}]),
            exports.Section("none", "Nothing", []),
            exports.Section("notes", "Notes", exports.Records(9, lambda: iter([notes[:4], notes[4:8], notes[8:]]))),
        ]
        whole = json.dumps(
            {**head, "identity": sections[0].items, "none": [], "notes": notes},
            cls=DjangoJSONEncoder,
            indent=2,
            ensure_ascii=False,
        )
        assert b"".join(exports.json_chunks(head, sections)).decode() == whole
