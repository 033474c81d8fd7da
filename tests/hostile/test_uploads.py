"""Hostile uploads, through the page and the API: oversized, empty, the wrong type, a type that lies
about itself, path tricks and header tricks in the name, long and non-Latin names. A refused file
gets a clear message and changes nothing: no row, no audit event, no file left in storage."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import unquote

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from engagements.models import Document
from tests.conftest import World
from tests.matrix.runner import fingerprint

PDF = b"%PDF-1.4\n% a small but real-looking PDF\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
EXE = b"MZ\x90\x00" + b"\x00" * 60
TEXT = b"Development plan: delegate the Monday meeting."

# (name, content, what the person is told) for files that must be refused.
REFUSED = [
    pytest.param("empty.txt", b"", "empty", id="empty"),
    pytest.param("tool.exe", EXE, "not accepted", id="wrong-type-exe"),
    pytest.param("page.html", b"<html><script>alert(1)</script></html>", "not accepted", id="wrong-type-html"),
    pytest.param("drawing.svg", b"<svg onload=alert(1)>", "not accepted", id="wrong-type-svg"),
    pytest.param("no-extension", TEXT, "not accepted", id="no-extension"),
    pytest.param("cv.pdf", PNG, "not a .pdf file", id="lies-png-as-pdf"),
    pytest.param("photo.png", PDF, "not a .png file", id="lies-pdf-as-png"),
    pytest.param("report.docx", TEXT, "not a .docx file", id="lies-text-as-docx"),
    pytest.param("invoice.pdf", EXE, "not a .pdf file", id="lies-exe-as-pdf"),
    pytest.param("notes.txt", b"\x00\x01\x02binary", "not binary data", id="lies-binary-as-text"),
    pytest.param("notes.txt", b"\xff\xfe\xfa not utf-8", "UTF-8", id="lies-latin1-as-text"),
    pytest.param("evil.pdf.exe", PDF, "not accepted", id="double-extension"),
]

# (name as sent, name as stored and offered back) for files that are accepted.
NAMES = [
    pytest.param("../../../../etc/passwd.txt", "passwd.txt", id="path-traversal"),
    pytest.param("..\\..\\windows\\win.ini.txt", "win.ini.txt", id="windows-traversal"),
    pytest.param("/etc/cron.d/job.txt", "job.txt", id="absolute-path"),
    pytest.param("C:\\Users\\Public\\plan.txt", "plan.txt", id="drive-letter"),
    pytest.param("plan\u202etxt.exe.txt", "plantxt.exe.txt", id="right-to-left-override"),
    pytest.param('my "best"; plan.txt', 'my "best"; plan.txt', id="quotes-and-semicolon"),
    pytest.param("Zoë Ñúñez-Øyen — plan.txt", "Zoë Ñúñez-Øyen — plan.txt", id="latin-extended"),
    pytest.param("خطة التطوير.txt", "خطة التطوير.txt", id="arabic-rtl"),
    pytest.param("תוכנית פיתוח.txt", "תוכנית פיתוח.txt", id="hebrew-rtl"),
    pytest.param("发展计划.txt", "发展计划.txt", id="chinese"),
    pytest.param("plan 🚀.txt", "plan 🚀.txt", id="emoji"),
]


def stored_files(media: Path) -> list[Path]:
    return sorted(p for p in media.rglob("*") if p.is_file()) if media.exists() else []


def upload_page(world: World, name: str, content: bytes, *, unchanged: bool = False) -> Any:
    """Post the file as the coach; with ``unchanged``, assert the post itself changed nothing (the
    page it leads to is read afterwards, and reading audits)."""
    url = reverse("engagements:document_upload", args=[world.engagement.pk])
    http = world.http("coach")
    before = fingerprint(except_reads=True)
    posted = http.post(url, {"file": SimpleUploadedFile(name, content)})
    if unchanged:
        assert fingerprint(except_reads=True) == before, "a refused upload changed something"
        assert posted.status_code == 200  # the page again, the upload form open with the reason beside it
        return posted
    assert posted.status_code == 302
    return http.get(posted["Location"])


def upload_api(world: World, name: str, content: bytes, **extra: Any) -> Any:
    url = reverse("api_documents", args=[world.engagement.pk])
    return world.api("coach").post(url, {"file": SimpleUploadedFile(name, content), **extra})


def messages_of(response: Any) -> str:
    """What the page tells the person: its messages and the reasons beside the form."""
    said = " ".join(str(m) for m in response.context["messages"]) if response.context else ""
    form = response.context.get("document_form") if response.context else None
    return " ".join([said, *(str(e) for errors in (form.errors.values() if form else []) for e in errors)])


@pytest.mark.django_db
@pytest.mark.usefixtures("media_dir")
class TestRefusedFiles:
    @pytest.mark.parametrize(("name", "content", "told"), REFUSED)
    def test_the_page_says_why_and_changes_nothing(
        self, world: World, media_dir: Path, name: str, content: bytes, told: str
    ) -> None:
        response = upload_page(world, name, content, unchanged=True)
        assert response.status_code == 200
        assert told in messages_of(response)
        assert not Document.objects.exists() and not stored_files(media_dir)

    @pytest.mark.parametrize(("name", "content", "told"), REFUSED)
    def test_the_api_answers_400_and_changes_nothing(
        self, world: World, media_dir: Path, name: str, content: bytes, told: str
    ) -> None:
        client = world.api("coach")  # the token is issued (an audited write) before the snapshot
        before, files = fingerprint(), stored_files(media_dir)
        response = client.post(
            reverse("api_documents", args=[world.engagement.pk]), {"file": SimpleUploadedFile(name, content)}
        )
        assert response.status_code == 400, response.content
        assert told.lower() in response.content.decode().lower()
        assert fingerprint() == before and stored_files(media_dir) == files

    def test_a_file_over_the_limit_is_refused_and_one_at_the_limit_accepted(
        self, world: World, media_dir: Path, settings: Any
    ) -> None:
        settings.DOCUMENT_MAX_BYTES = 4096
        refused = upload_page(world, "big.txt", b"a" * 4097, unchanged=True)
        assert "larger than the limit" in messages_of(refused)
        api = world.api("coach").post(
            reverse("api_documents", args=[world.engagement.pk]), {"file": SimpleUploadedFile("big.txt", b"a" * 4097)}
        )
        assert api.status_code == 400 and "larger than the limit" in api.content.decode()
        assert not Document.objects.exists() and not stored_files(media_dir)
        accepted = upload_page(world, "full.txt", b"a" * 4096)
        assert "uploaded" in messages_of(accepted)
        assert Document.objects.get().size == 4096

    def test_a_request_with_no_file_is_refused(self, world: World, media_dir: Path) -> None:
        url = reverse("engagements:document_upload", args=[world.engagement.pk])
        response = world.http("coach").post(url, {}, follow=True)
        assert "Choose a file" in messages_of(response)
        api = world.api("coach").post(reverse("api_documents", args=[world.engagement.pk]), {})
        assert api.status_code == 400 and "file" in api.json()
        assert not Document.objects.exists() and not stored_files(media_dir)

    def test_the_browsers_word_on_the_type_is_ignored(self, world: World, media_dir: Path) -> None:
        url = reverse("engagements:document_upload", args=[world.engagement.pk])
        lying = SimpleUploadedFile("plan.txt", TEXT, content_type="application/pdf")
        world.http("coach").post(url, {"file": lying})
        assert Document.objects.get().content_type == "text/plain"


@pytest.mark.django_db
class TestNames:
    @pytest.mark.parametrize(("sent", "kept"), NAMES)
    def test_a_name_is_kept_without_its_folders_and_offered_back_safely(
        self, world: World, media_dir: Path, tmp_path: Path, sent: str, kept: str
    ) -> None:
        assert upload_api(world, sent, TEXT).status_code == 201
        document = Document.objects.get()
        assert document.original_name == kept
        # Stored under a random name inside the media folder; nothing written where the name pointed.
        (blob,) = stored_files(media_dir)
        assert blob.parent == media_dir / "documents" and blob.name == Path(document.blob_name).name
        assert not any(p.name == Path(kept).name for p in tmp_path.rglob("*") if p.is_file())
        # The page shows it as sent (escaped), the API returns it, the download offers it back.
        page = world.http("coach").get(reverse("engagements:detail", args=[world.engagement.pk])).content.decode()
        from django.utils.html import escape

        assert escape(kept) in page
        listed = world.api("coach").get(reverse("api_documents", args=[world.engagement.pk])).json()
        assert [d["name"] for d in listed] == [kept]
        download = world.api("coach").get(reverse("api_download", args=[document.pk]))
        disposition = download["Content-Disposition"]
        assert "\r" not in disposition and "\n" not in disposition and "/" not in disposition.split(";")[1]
        assert unquote(disposition.split("filename*=UTF-8''", 1)[1]) == kept
        assert download["X-Content-Type-Options"] == "nosniff"
        assert download.content == TEXT

    def test_a_very_long_name_is_shortened_not_refused(self, world: World, media_dir: Path) -> None:
        assert upload_api(world, "ø" * 400 + ".txt", TEXT).status_code == 201
        assert len(Document.objects.get().original_name) == 200

    def test_control_characters_never_reach_a_header(self, world: World, media_dir: Path) -> None:
        # Straight to the service: a browser's multipart encoding would already cut the name at the newline.
        from engagements.services import document_upload

        document = document_upload(
            actor=world.people["coach"],
            engagement=world.engagement,
            name="plan\r\nSet-Cookie: x=1\x00\t.txt",
            content=TEXT,
        )
        assert document.original_name == "planSet-Cookie: x=1.txt"
        download = world.api("coach").get(reverse("api_download", args=[document.pk]))
        assert "x" not in download.cookies
        assert download["Content-Disposition"].isprintable()


@pytest.mark.django_db
class TestEvidenceUploads:
    """Evidence goes through the same checks, and a refused form leaves no file behind."""

    def test_a_lying_scan_of_a_paper_consent_is_refused(self, world: World, media_dir: Path) -> None:
        http = world.http("coach")
        before = fingerprint()
        url = reverse("engagements:consent_create", args=[world.engagement.pk])
        response = http.post(
            url,
            {
                "kind": "disclosure",
                "wording": "I agree that my coach tells my manager about my leave.",
                "method": "paper",
                "evidence": SimpleUploadedFile("scan.pdf", PNG),
            },
        )
        assert response.status_code == 200 and "not a .pdf file" in response.content.decode()
        assert fingerprint() == before and not stored_files(media_dir)

    def test_a_refused_disclosure_leaves_no_evidence_file_behind(self, world: World, media_dir: Path) -> None:
        """The evidence is stored first; when the disclosure is then refused, its file goes too."""
        http = world.http("coach")
        before = fingerprint()
        url = reverse("disclosures:engagement_disclosures", args=[world.engagement.pk])
        response = http.post(
            url,
            {
                "what": "That the client described a safeguarding incident.",
                "recipient_kind": "government_body",
                "recipient": "The local authority",
                "reason": "A written request from the authority.",
                "basis": "client_consent",  # but no consent chosen: refused after the upload
                "evidence": SimpleUploadedFile("order.pdf", PDF),
            },
        )
        assert response.status_code == 200
        assert fingerprint() == before
        assert not stored_files(media_dir), "the refused disclosure's evidence file was left in storage"
