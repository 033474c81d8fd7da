"""`make bench`, subject access (issue 7): a client's copy with 1,000 notes and 100 documents.

In a database of its own, one client's engagement is set up through the services, as people
do (agreement signed, notes written by the coach, documents uploaded and shared with the
client: each an audit event, so the copy's access log is as long as it would be). Then:

- ``subject_access_export_seconds``: ``retention.subject_access.export_build``, the whole job
  a worker does: reading and decrypting every record, the readable PDF, the ZIP, sealing it
  chunk by chunk, storing it (and ``subject_access_export_cpu_seconds``, its processor time,
  which other load on a shared machine moves less);
- ``subject_access_export_zip_bytes``: the size of the ZIP the client downloads (beside it the
  documents' own bytes, ``subject_access_export_document_bytes``, and the PDF's,
  ``subject_access_export_pdf_bytes``, with its pages);
- ``subject_access_download_seconds``: the client's download through the page, decrypted as it
  streams, and checked: every note and document is in it.

No targets: the issue asks for the figures. Import this module only after ``django.setup()``.
"""

from __future__ import annotations

import io
import json
import os
import sys
import time
import zipfile
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.db import connection

NOTES = 1_000
DOCUMENTS = 100
DOCUMENT_BYTES = 100 * 1024  # a typical compressed PDF: its bytes do not shrink in the ZIP
_NOTE_TEXTS = (
    "Explored how the client prepares for difficult conversations with the board. Agreed to try "
    "writing down the one outcome that matters before each meeting and to notice what happens "
    "when the conversation drifts. Follow up on delegation next time.",
    "The client described the team restructure and their worry about two senior colleagues. "
    "We looked at what is in their control and what is not. They will ask each colleague what "
    "support they need, and bring what they hear to the next session.",
    "Reviewed the 360 feedback themes: clarity of priorities and listening in meetings. The "
    "client chose listening as the focus for the next month and will ask a trusted peer to give "
    "short feedback after the weekly leadership meeting.",
)


def emit(figure: str, value: Any, unit: str) -> None:
    print(json.dumps({"figure": figure, "value": value, "unit": unit, "target": None, "met": None}), flush=True)


def say(message: str) -> None:
    print(f"[bench] {message}", file=sys.stderr, flush=True)


def _use(path: Path) -> None:
    connection.close()
    connection.settings_dict["NAME"] = str(path)


def seed() -> Any:
    """A client with one engagement, 1,000 notes and 100 shared documents, through the services."""
    from django.utils import timezone

    from confidentiality.roles import Role
    from engagements.services import document_upload, note_create, session_record
    from tests.factories import ClientFactory, EngagementFactory, OrganisationFactory, UserFactory

    organisation = OrganisationFactory(name="Bench organisation")
    coach = UserFactory(role=Role.COACH, email="bench.coach@practice.example")
    client_user = UserFactory(role=Role.CLIENT, email="bench.client@example.org", display_name="Bench Client")
    engagement = EngagementFactory(
        organisation=organisation,
        client=ClientFactory(full_name="Bench Client", user=client_user),
        coaches=[coach],
        sponsors=[UserFactory(role=Role.SPONSOR, email="bench.sponsor@example.org", organisation=organisation)],
        reference="ENG-BENCH-SAR",
    )
    session = session_record(
        actor=coach, engagement=engagement, held_on=timezone.localdate(), duration_minutes=60, mode="video"
    )
    for n in range(NOTES):
        note_create(
            actor=coach,
            engagement=engagement,
            body=f"Note {n + 1}. {_NOTE_TEXTS[n % len(_NOTE_TEXTS)]}",
            session=session if n % 10 == 0 else None,
            shared_with_client=n % 4 == 0,
        )
    for n in range(DOCUMENTS):
        document_upload(
            actor=coach,
            engagement=engagement,
            name=f"session-material-{n + 1:03d}.pdf",
            content=b"%PDF-1.4\n" + os.urandom(DOCUMENT_BYTES - 9),
            shared_with_client=True,
        )
    return client_user


def run(var_dir: Path) -> None:
    from django.test import Client as HttpClient
    from django.urls import reverse
    from pypdf import PdfReader

    from confidentiality.models import User
    from confidentiality.roles import Role
    from rights import services as sar
    from rights import tasks
    from rights.models import SubjectAccessExport
    from tests.conftest import login
    from tests.factories import UserFactory

    original_name = connection.settings_dict["NAME"]
    original_email = settings.EMAIL_BACKEND
    # Notices e-mail their links; stdout carries only the figures.
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    database = var_dir / "subject-access.sqlite3"
    try:
        _use(database)
        say("subject access: migrating a database of its own")
        call_command("migrate", verbosity=0, interactive=False)
        say(f"subject access: seeding a client with {NOTES:,} notes and {DOCUMENTS} documents (through the services)")
        started = time.perf_counter()
        client_user = seed()
        admin = UserFactory(role=Role.ADMIN, email="bench.admin@practice.example")
        emit("subject_access_seed_seconds", round(time.perf_counter() - started, 1), "s")

        # The benchmark is the worker: the message for the broker is not sent.
        tasks.subject_access_export_task.delay = lambda *args, **kwargs: None
        request = sar.subject_access_request_open(actor=client_user)
        export = sar.subject_access_export_start(actor=admin, request=request)
        say("subject access: building the copy")
        started, cpu_started = time.perf_counter(), time.process_time()
        if not sar.export_build(export_id=export.pk):
            raise RuntimeError("The export was not built.")
        seconds, cpu_seconds = time.perf_counter() - started, time.process_time() - cpu_started
        export = SubjectAccessExport.objects.get(pk=export.pk)
        say(f"  built in {seconds:.1f} s: {export.size:,} bytes")
        emit("subject_access_export_seconds", round(seconds, 2), "s")
        emit("subject_access_export_cpu_seconds", round(cpu_seconds, 2), "s of processor time")
        emit("subject_access_export_zip_bytes", export.size, "bytes")
        emit("subject_access_export_document_bytes", export.manifest["file_bytes"], "bytes")

        sar.copy_for_review(actor=admin, request=request)
        sar.subject_access_release(actor=admin, request=request, reviewed=True)
        http = login(HttpClient(), User.objects.get(pk=client_user.pk))
        started = time.perf_counter()
        response = http.get(reverse("subject_access:download", args=[request.pk]))
        content = b"".join(response.streaming_content)
        download_seconds = time.perf_counter() - started
        if response.status_code != 200 or len(content) != export.size:
            raise RuntimeError(f"The download answered {response.status_code} with {len(content)} bytes.")
        emit("subject_access_download_seconds", round(download_seconds, 2), "s")
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            data = json.loads(archive.read("information.json"))
            pdf = archive.read("information.pdf")
            files = [n for n in archive.namelist() if n.startswith("documents/")]
        if len(data["notes"]) != NOTES or len(data["documents"]) != DOCUMENTS or len(files) != DOCUMENTS:
            raise RuntimeError("The copy does not hold every note and document.")
        emit("subject_access_export_pdf_bytes", len(pdf), "bytes")
        emit("subject_access_export_pdf_pages", len(PdfReader(io.BytesIO(pdf)).pages), "pages")
    finally:
        _use(Path(original_name))
        settings.EMAIL_BACKEND = original_email
        for suffix in ("", "-wal", "-shm"):
            Path(f"{database}{suffix}").unlink(missing_ok=True)


def main() -> int:
    """``python -m benchmarks.subject_access``: these figures alone, in a throwaway folder."""
    import shutil
    import tempfile

    from benchmarks.__main__ import configure

    var_dir = Path(tempfile.mkdtemp(prefix="coaching-bench-sar-"))
    try:
        configure(var_dir)
        run(var_dir)
    finally:
        connection.close()
        shutil.rmtree(var_dir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
