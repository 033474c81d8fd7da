# ruff: noqa: S603 - the measuring processes are this module run again with this interpreter
"""`make bench`, subject access (issues 7 and 23): a client's copy with 1,000 notes and 100
documents, and with 10,000 notes and 1,000 documents. Does the time grow linearly with the
notes, and does the memory stay flat?

In a database of its own, one client per size: an engagement made through the services (a
session recorded), its notes written with SQL as ``benchmarks/bulk.py`` writes them (each a real
ciphertext made with ``confidentiality.crypto.encrypt_value``, bound to its row, the engagement
and the engagement's key, as ``EncryptedTextField.pre_save`` binds it) with the audit event the
service would have written for each (``note.create``, linked into the chain by the audit module's
own ``_append``, so the copy's access log is as long as it would be), and its documents (about
100 KB each, random bytes that do not shrink in the ZIP) uploaded through the service
``document_upload``: stored encrypted where the services store them, each with its audit event.
Both sizes are seeded the same way, so they differ only in size.

Each copy is built by ``rights.services.export_build`` (the worker's whole job: reading and
decrypting every record, the readable PDF, the JSON, the ZIP sealed chunk by chunk, storing it)
in a fresh process of its own, this module run again, so its memory is that build's alone. The
process sets itself up (Django, the database, WeasyPrint with a one-line PDF), then resets its
peak resident size (``/proc/self/clear_refs``) and reads its resident size: the build's peak
memory is the peak resident size at the end (``VmHWM``) less that baseline. Then, at each size:

- ``subject_access_export_seconds_<notes>`` and ``subject_access_export_cpu_seconds_<notes>``
  (processor time, which other load on a shared machine moves less),
- ``subject_access_export_peak_memory_mb_<notes>``: the build's peak resident memory over the
  process's baseline,
- ``subject_access_export_zip_bytes_<notes>`` (and the documents' own bytes, the PDF's, its pages),
- ``subject_access_download_seconds_<notes>`` and ``subject_access_download_peak_memory_mb_<notes>``:
  the client's download through the page, decrypted as it streams, measured the same way in a
  process of its own, and checked: every note and document is in it,
- ``subject_access_seed_seconds_<notes>``, without a target;

and the two targets of issue 23: ``subject_access_export_seconds_ratio_10000_vs_1000`` at most 12
(linear is 10; processor time, the steadier figure, beside it as ``…_cpu_seconds_ratio_…``), and
``subject_access_export_peak_memory_ratio_10000_vs_1000`` at most 1.2 (flat: the copy streams).
The 1,000-note figures also keep the names they had before (``subject_access_export_seconds`` …).

Where the memory goes: the smaller copy is built a second time in a fresh process under
``tracemalloc`` (several times slower, so not timed; the larger one would take half an hour), which
measures the Python allocations of each step of the build (reading the records, the PDF's HTML,
WeasyPrint's layout, its PDF, the JSON, the ZIP), prints them and the lines holding the most memory
at the end of the main steps to stderr, and gives ``subject_access_export_traced_peak_mb_<notes>``
and ``…_traced_steps_<notes>``. ``--trace all`` (``python -m benchmarks.subject_access``) traces
every size.

Import this module only after ``django.setup()``.
"""

from __future__ import annotations

import argparse
import datetime
import io
import json
import os
import subprocess
import sys
import tempfile
import time
import uuid
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

from benchmarks import output

SIZES = ((1_000, 100), (10_000, 1_000))  # (notes, documents)
DOCUMENT_BYTES = 100 * 1024  # a typical compressed PDF: its bytes do not shrink in the ZIP
SECONDS_RATIO_TARGET = 12  # linear is 10, with 20% to spare
MEMORY_RATIO_TARGET = 1.2  # flat
NOTES_PER_CHUNK = 2_000
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
MB = 1024 * 1024


def emit(figure: str, value: Any, unit: str, target: Any = None, met: bool | None = None) -> None:
    output.emit(figure, value, unit, target, met)


def say(message: str) -> None:
    output.say(message)


def _use(path: Path) -> None:
    from django.db import connection

    connection.close()
    connection.settings_dict["NAME"] = str(path)


# --- seeding ----------------------------------------------------------------------------------


def seed(notes: int, documents: int) -> Any:
    """A client with one engagement, ``notes`` notes (SQL) and ``documents`` shared documents
    (the service); returns the client's user."""
    from django.utils import timezone

    from confidentiality.roles import Role
    from engagements.services import document_upload, session_record
    from tests.factories import ClientFactory, EngagementFactory, OrganisationFactory, UserFactory

    organisation = OrganisationFactory(name=f"Bench organisation {notes}")
    coach = UserFactory(role=Role.COACH, email=f"bench.coach.{notes}@practice.example")
    client_user = UserFactory(
        role=Role.CLIENT, email=f"bench.client.{notes}@example.org", display_name=f"Bench Client {notes}"
    )
    engagement = EngagementFactory(
        organisation=organisation,
        client=ClientFactory(full_name=f"Bench Client {notes}", user=client_user),
        coaches=[coach],
        sponsors=[
            UserFactory(role=Role.SPONSOR, email=f"bench.sponsor.{notes}@example.org", organisation=organisation)
        ],
        reference=f"ENG-BENCH-SAR-{notes}",
    )
    session = session_record(
        actor=coach, engagement=engagement, held_on=timezone.localdate(), duration_minutes=60, mode="video"
    )
    _add_notes(engagement, coach, session, notes)
    for n in range(documents):
        document_upload(
            actor=coach,
            engagement=engagement,
            name=f"session-material-{n + 1:04d}.pdf",
            content=b"%PDF-1.4\n" + os.urandom(DOCUMENT_BYTES - 9),
            shared_with_client=True,
        )
    return client_user


def _add_notes(engagement: Any, coach: Any, session: Any, count: int) -> None:
    """``count`` notes as ``note_create`` writes them (every tenth from the session, every fourth
    shared), each with its ``note.create`` event, a chunk a transaction."""
    from django.db import transaction
    from django.utils import timezone

    from benchmarks.bulk import Table, Values, _sealer
    from confidentiality.audit import _append, _row
    from confidentiality.records import record_label
    from confidentiality.roles import Role
    from engagements.models import Note

    v = Values()
    seal = _sealer(Note, "body")
    owner, key_id = str(engagement.pk), engagement.data_key_id
    label = record_label(Note)
    started = timezone.now() - datetime.timedelta(days=count // 10 + 1)
    for first in range(0, count, NOTES_PER_CHUNK):
        table = Table(
            Note,
            (
                "id",
                "engagement_id",
                "session_id",
                "author_id",
                "body",
                "shared_with_client",
                "shared_at",
                "created_at",
                "updated_at",
            ),
        )
        events = []
        for n in range(first, min(count, first + NOTES_PER_CHUNK)):
            note_id = uuid.uuid4()
            written = v.moment(started + datetime.timedelta(minutes=15 * n))
            shared = n % 4 == 0
            table.add(
                v.id(note_id),
                v.id(engagement.pk),
                v.id(session.pk) if n % 10 == 0 else None,
                coach.pk,
                seal(f"Note {n + 1}. {_NOTE_TEXTS[n % len(_NOTE_TEXTS)]}", note_id, owner, key_id),
                shared,
                written if shared else None,
                written,
                written,
            )
            events.append(
                _row(
                    "note.create",
                    actor_id=coach.pk,
                    actor_role=Role.COACH.value,
                    object_type=label,
                    object_id=str(note_id),
                    engagement_id=engagement.pk,
                    client_id=engagement.client_id,
                    detail={"shared": shared},
                )
            )
        with transaction.atomic():
            table.flush()
            _append(events)


# --- measuring, in a process of its own ----------------------------------------------------------


def _status_kb(name: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(f"{name}:"):
            return int(line.split()[1])
    raise RuntimeError(f"/proc/self/status has no {name}")


def _baseline() -> int:
    """Reset the peak resident size to the present one; the resident size in kB."""
    # An older kernel cannot reset it: the peak so far is then the setup's, close to the present size.
    with suppress(OSError):
        Path("/proc/self/clear_refs").write_text("5")
    return _status_kb("VmRSS")


def _warm_up() -> None:
    """What every build loads once, whatever its size (WeasyPrint, its fonts, the templates)."""
    from weasyprint import HTML

    HTML(string="<p>Warm-up</p>").write_pdf()


def _child(args: argparse.Namespace) -> dict[str, Any]:
    from django.conf import settings

    from benchmarks.__main__ import configure

    configure(Path(args.var_dir))
    _use(Path(args.database))
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    from rights import services as sar
    from rights import tasks

    tasks.subject_access_export_task.delay = lambda *a, **k: None
    _warm_up()
    if args.measure == "build":
        base = _baseline()
        started, cpu_started = time.perf_counter(), time.process_time()
        if not sar.export_build(export_id=uuid.UUID(args.export)):
            raise RuntimeError("The export was not built.")
        seconds, cpu_seconds = time.perf_counter() - started, time.process_time() - cpu_started
        return {"seconds": seconds, "cpu_seconds": cpu_seconds, "peak_kb": _status_kb("VmHWM") - base}
    if args.measure == "trace":
        return _trace(lambda: sar.export_build(export_id=uuid.UUID(args.export)))
    return _download(uuid.UUID(args.request))


def _download(request_id: uuid.UUID) -> dict[str, Any]:
    from django.test import Client as HttpClient
    from django.urls import reverse
    from pypdf import PdfReader

    from rights.models import SubjectAccessRequest
    from tests.conftest import login

    request = SubjectAccessRequest.objects.select_related("client__user").get(pk=request_id)
    assert request.client is not None
    http = login(HttpClient(), request.client.user)
    url = reverse("subject_access:download", args=[request.pk])
    with tempfile.TemporaryFile() as copy:
        base = _baseline()
        started, cpu_started = time.perf_counter(), time.process_time()
        response = http.get(url)
        for chunk in response.streaming_content:
            copy.write(chunk)
        seconds, cpu_seconds = time.perf_counter() - started, time.process_time() - cpu_started
        peak_kb = _status_kb("VmHWM") - base
        size = copy.tell()
        copy.seek(0)
        # Checked after the measure: reading the copy back is not the download's memory.
        with zipfile.ZipFile(copy) as archive:
            data = json.loads(archive.read("information.json"))
            volumes = [n for n in archive.namelist() if n.startswith("information") and n.endswith(".pdf")]
            pdf_bytes = pdf_pages = 0
            for name in volumes:
                pdf = archive.read(name)
                pdf_bytes += len(pdf)
                pdf_pages += len(PdfReader(io.BytesIO(pdf)).pages)
            files = sum(1 for n in archive.namelist() if n.startswith("documents/"))
    return {
        "status": response.status_code,
        "seconds": seconds,
        "cpu_seconds": cpu_seconds,
        "peak_kb": peak_kb,
        "bytes": size,
        "notes": len(data["notes"]),
        "documents": len(data["documents"]),
        "access_log": len(data["access_log"]),
        "files": files,
        "pdf_bytes": pdf_bytes,
        "pdf_pages": pdf_pages,
        "pdf_volumes": len(volumes),
    }


class _Steps:
    """Peak Python allocations of nested steps of the build (``tracemalloc``), each over what was
    allocated when it began, with the lines holding the most at the moment each step ended."""

    def __init__(self) -> None:
        self.open: list[list[Any]] = []  # [name, allocated at the start, peak so far]
        self.done: list[tuple[str, int, int]] = []  # name, peak over the start, kept after it
        self.tops: dict[str, list[str]] = {}

    @contextmanager
    def step(self, name: str) -> Iterator[None]:
        import tracemalloc

        current, peak = tracemalloc.get_traced_memory()
        for frame in self.open:
            frame[2] = max(frame[2], peak)
        self.open.append([name, current, current])
        tracemalloc.reset_peak()
        try:
            yield
        finally:
            current, peak = tracemalloc.get_traced_memory()
            frame = self.open.pop()
            frame[2] = max(frame[2], peak)
            for outer in self.open:
                outer[2] = max(outer[2], frame[2])
            self.done.append((name, frame[2] - frame[1], current - frame[1]))

    def top(self, name: str, limit: int = 8) -> None:
        import tracemalloc

        stats = tracemalloc.take_snapshot().statistics("lineno")
        self.tops[name] = [
            f"{stat.size / MB:8.1f} MB {stat.count:>9,} blocks  {stat.traceback[0].filename}:{stat.traceback[0].lineno}"
            for stat in stats[:limit]
        ]

    def wrap(self, owner: Any, attribute: str, name: str, *, top: bool = False, generator: bool = False) -> None:
        """``generator``: the step lasts while what the function returns is walked."""
        original = getattr(owner, attribute)

        def wrapped(*args: Any, **kwargs: Any) -> Any:
            with self.step(name):
                result = original(*args, **kwargs)
                if top:
                    self.top(name)
                return result

        def walked(*args: Any, **kwargs: Any) -> Iterator[Any]:
            with self.step(name):
                yield from original(*args, **kwargs)
                if top:
                    self.top(name)

        setattr(owner, attribute, walked if generator else wrapped)


def _trace(build: Callable[[], bool]) -> dict[str, Any]:
    import tracemalloc

    import weasyprint

    from confidentiality import pdf
    from rights import exports

    steps = _Steps()
    steps.wrap(exports, "contents_for", "reading the records", top=True)
    steps.wrap(pdf, "render_pdf", "  a volume of the readable copy (PDF)")
    steps.wrap(pdf, "render_to_string", "    its HTML (Django template)")
    steps.wrap(weasyprint.HTML, "render", "    WeasyPrint's layout", top=True)
    steps.wrap(weasyprint.document.Document, "write_pdf", "    WeasyPrint writing the PDF")
    steps.wrap(exports, "_sealed_zip", "the ZIP, sealed and stored")
    steps.wrap(exports, "json_chunks", "  the JSON, written as it is read", generator=True)
    tracemalloc.start()
    with steps.step("the whole build"):
        if not build():
            raise RuntimeError("The export was not built.")
    tracemalloc.stop()
    return {"steps": steps.done, "tops": steps.tops}


def _measure(kind: str, var_dir: Path, database: Path, *, export: Any = None, request: Any = None) -> dict[str, Any]:
    command = [
        sys.executable,
        "-m",
        "benchmarks.subject_access",
        "--measure",
        kind,
        "--var-dir",
        str(var_dir),
        "--database",
        str(database),
    ]
    if export is not None:
        command += ["--export", str(export)]
    if request is not None:
        command += ["--request", str(request)]
    done = subprocess.run(command, stdout=subprocess.PIPE, check=True, text=True)
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


# --- the benchmark ------------------------------------------------------------------------------


def run(var_dir: Path, sizes: tuple[tuple[int, int], ...] = SIZES, *, trace: str = "smallest") -> None:
    """``trace``: which sizes are built again under tracemalloc: ``smallest``, ``all`` or ``none``."""
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection

    from confidentiality.roles import Role
    from rights import services as sar
    from rights import tasks
    from rights.models import SubjectAccessExport
    from tests.conftest import put_back_migration_data
    from tests.factories import UserFactory

    original_name = connection.settings_dict["NAME"]
    original_email = settings.EMAIL_BACKEND
    # Notices e-mail their links; stdout carries only the figures.
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    # The measuring processes are the worker: the message for the broker is not sent.
    tasks.subject_access_export_task.delay = lambda *args, **kwargs: None
    database = var_dir / "subject-access.sqlite3"
    built: dict[int, dict[str, Any]] = {}
    try:
        _use(database)
        say("subject access: migrating a database of its own")
        call_command("migrate", verbosity=0, interactive=False)
        # A professional code and the template's adviser, which an agreement needs before it is sent.
        put_back_migration_data()
        admin = UserFactory(role=Role.ADMIN, email="bench.admin@practice.example")
        for notes, documents in sizes:
            say(f"subject access: seeding a client with {notes:,} notes (SQL) and {documents:,} documents (service)")
            started = time.perf_counter()
            client_user = seed(notes, documents)
            seed_seconds = time.perf_counter() - started
            say(f"  seeded in {seed_seconds:.1f} s")
            emit(f"subject_access_seed_seconds_{notes}", round(seed_seconds, 1), "s")
            request = sar.subject_access_request_open(actor=client_user)
            export = sar.subject_access_export_start(actor=admin, request=request)
            connection.close()  # the measuring process has the database to itself

            say(f"  building the copy in a process of its own (load {os.getloadavg()[0]:.1f})")
            build = _measure("build", var_dir, database, export=export.pk)
            export = SubjectAccessExport.objects.get(pk=export.pk)
            build.update(zip_bytes=export.size, document_bytes=export.manifest["file_bytes"])
            say(
                f"  built in {build['seconds']:.1f} s ({build['cpu_seconds']:.1f} s processor), "
                f"peak {build['peak_kb'] / 1024:.0f} MB over the baseline, {export.size:,} bytes"
            )

            sar.copy_for_review(actor=admin, request=request)
            sar.subject_access_release(actor=admin, request=request, reviewed=True)
            connection.close()
            download = _measure("download", var_dir, database, request=request.pk)
            say(
                f"  downloaded in {download['seconds']:.1f} s, peak {download['peak_kb'] / 1024:.0f} MB; "
                f"{download['notes']:,} notes, {download['files']:,} files, {download['access_log']:,} events"
            )
            if download["status"] != 200 or download["bytes"] != export.size:
                raise RuntimeError(f"The download answered {download['status']} with {download['bytes']} bytes.")
            if download["notes"] != notes or download["documents"] != documents or download["files"] != documents:
                raise RuntimeError("The copy does not hold every note and document.")
            build["download"] = download

            if trace == "all" or (trace == "smallest" and notes == sizes[0][0]):
                # The same copy again, under tracemalloc: the export queued again, as the service
                # queues a failed one (a request has one export), into a file of its own.
                SubjectAccessExport.objects.filter(pk=export.pk).update(
                    state=SubjectAccessExport.State.QUEUED, claimed_at=None, claim=None
                )
                connection.close()
                say("  building it again under tracemalloc, to see where the memory goes")
                build["trace"] = _measure("trace", var_dir, database, export=export.pk)
                _say_trace(notes, build["trace"])
            built[notes] = build
            _emit_size(notes, build, old_names=notes == sizes[0][0] == 1_000)
        _emit_ratios(built, sizes)
    finally:
        _use(Path(original_name))
        settings.EMAIL_BACKEND = original_email
        for suffix in ("", "-wal", "-shm"):
            Path(f"{database}{suffix}").unlink(missing_ok=True)


def _say_trace(notes: int, trace: dict[str, Any]) -> None:
    say(f"  where the memory goes at {notes:,} notes (tracemalloc: peak over the step's start, kept after it):")
    for name, (peak, kept, times) in sorted(_largest(trace["steps"]).items(), key=lambda s: _order(s[0])):
        say(
            f"    {peak / MB:8.1f} MB peak {kept / MB:8.1f} MB kept  {name}"
            + (f" (the largest of {times})" if times > 1 else "")
        )
    for name, lines in trace["tops"].items():
        say(f"  the lines holding the most at the end of {name.strip()}:")
        for line in lines:
            say(f"    {line}")


def _largest(steps: list[tuple[str, int, int]]) -> dict[str, tuple[int, int, int]]:
    """A step taken several times (a volume of the PDF): its largest peak, what it kept then, how often."""
    largest: dict[str, tuple[int, int, int]] = {}
    for name, peak, kept in steps:
        before = largest.get(name, (-1, 0, 0))
        largest[name] = (peak, kept, before[2] + 1) if peak > before[0] else (*before[:2], before[2] + 1)
    return largest


_STEP_ORDER = (
    "the whole build",
    "reading the records",
    "the ZIP, sealed and stored",
    "  the JSON, written as it is read",
    "  a volume of the readable copy (PDF)",
    "    its HTML (Django template)",
    "    WeasyPrint's layout",
    "    WeasyPrint writing the PDF",
)


def _order(name: str) -> int:
    return _STEP_ORDER.index(name) if name in _STEP_ORDER else len(_STEP_ORDER)


def _emit_size(notes: int, build: dict[str, Any], *, old_names: bool) -> None:
    download = build["download"]
    figures: list[tuple[str, Any, str]] = [
        ("subject_access_export_seconds", round(build["seconds"], 2), "s"),
        ("subject_access_export_cpu_seconds", round(build["cpu_seconds"], 2), "s of processor time"),
        (
            "subject_access_export_peak_memory_mb",
            round(build["peak_kb"] / 1024, 1),
            "MB of peak resident memory over the process's baseline",
        ),
        ("subject_access_export_zip_bytes", build["zip_bytes"], "bytes"),
        ("subject_access_export_document_bytes", build["document_bytes"], "bytes"),
        ("subject_access_export_pdf_bytes", download["pdf_bytes"], "bytes"),
        ("subject_access_export_pdf_pages", download["pdf_pages"], "pages"),
        ("subject_access_export_pdf_volumes", download["pdf_volumes"], "PDF files (volumes)"),
        ("subject_access_download_seconds", round(download["seconds"], 2), "s"),
        ("subject_access_download_cpu_seconds", round(download["cpu_seconds"], 2), "s of processor time"),
        (
            "subject_access_download_peak_memory_mb",
            round(download["peak_kb"] / 1024, 1),
            "MB of peak resident memory over the process's baseline",
        ),
    ]
    if "trace" in build:
        steps = {name.strip(): (peak, kept) for name, (peak, kept, _times) in _largest(build["trace"]["steps"]).items()}
        figures.append(
            (
                "subject_access_export_traced_peak_mb",
                round(steps["the whole build"][0] / MB, 1),
                "MB of Python allocations at the build's peak (tracemalloc)",
            )
        )
        figures.append(
            (
                "subject_access_export_traced_steps",
                {name: round(peak / MB, 1) for name, (peak, _kept) in steps.items()},
                "MB of Python allocations at each step's peak over its start (tracemalloc)",
            )
        )
    for figure, value, unit in figures:
        emit(f"{figure}_{notes}", value, unit)
    if old_names:  # the names these figures had when the benchmark measured 1,000 notes alone
        for figure, value, unit in figures:
            if figure in _OLD_NAMES:
                emit(figure, value, unit)


_OLD_NAMES = (
    "subject_access_export_seconds",
    "subject_access_export_cpu_seconds",
    "subject_access_export_zip_bytes",
    "subject_access_export_document_bytes",
    "subject_access_export_pdf_bytes",
    "subject_access_export_pdf_pages",
    "subject_access_download_seconds",
)


def _emit_ratios(built: dict[int, dict[str, Any]], sizes: tuple[tuple[int, int], ...]) -> None:
    (small, _), (large, _) = sizes[0], sizes[-1]
    if small == large:
        return
    a, b = built[small], built[large]
    linear = large / small
    seconds_target = round(linear * SECONDS_RATIO_TARGET / 10, 2)
    for figure, key, target in (
        ("subject_access_export_seconds_ratio", "seconds", seconds_target),
        ("subject_access_export_cpu_seconds_ratio", "cpu_seconds", seconds_target),
        ("subject_access_export_peak_memory_ratio", "peak_kb", MEMORY_RATIO_TARGET),
    ):
        ratio = round(b[key] / max(a[key], 1e-9), 2)
        emit(f"{figure}_{large}_vs_{small}", ratio, "ratio", target, ratio <= target)
    download_ratio = round(b["download"]["peak_kb"] / max(a["download"]["peak_kb"], 1), 2)
    emit(
        f"subject_access_download_peak_memory_ratio_{large}_vs_{small}",
        download_ratio,
        "ratio",
        MEMORY_RATIO_TARGET,
        download_ratio <= MEMORY_RATIO_TARGET,
    )


def main(argv: list[str] | None = None) -> int:
    """``python -m benchmarks.subject_access``: these figures alone, in a throwaway folder (or, with
    ``--measure``, one measuring process of the benchmark: its result as one JSON line)."""
    import shutil

    parser = argparse.ArgumentParser(prog="python -m benchmarks.subject_access")
    parser.add_argument("--measure", choices=("build", "download", "trace"))
    parser.add_argument("--var-dir")
    parser.add_argument("--database")
    parser.add_argument("--export")
    parser.add_argument("--request")
    parser.add_argument("--sizes", default=",".join(f"{n}:{d}" for n, d in SIZES), help="notes:documents,…")
    parser.add_argument(
        "--trace", choices=("smallest", "all", "none"), default="smallest", help="sizes built under tracemalloc"
    )
    args = parser.parse_args(argv)
    if args.measure:
        print(json.dumps(_child(args)), flush=True)
        return 0
    sizes = tuple((int(n), int(d)) for n, d in (pair.split(":") for pair in args.sizes.split(",")))

    from benchmarks.__main__ import configure

    var_dir = Path(tempfile.mkdtemp(prefix="coaching-bench-sar-"))
    try:
        configure(var_dir)
        run(var_dir, sizes, trace=args.trace)
    finally:
        from django.db import connection

        connection.close()
        shutil.rmtree(var_dir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
