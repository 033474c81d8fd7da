from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from engagements import services
from tests.conftest import World

PRIVATE_TEXT = "Private: worried about the restructuring and Jonas in finance"
SHARED_TEXT = "Shared: agreed to try delegating the Monday planning meeting"
DOCUMENT_NAME = "Assessment-Quirinus-report.pdf"
DOCUMENT_BYTES = b"%PDF-1.4\n% confidential assessment content Zebulon\n%%EOF\n"
HARD_COPY_TEXT = "Printed 360 feedback pack from Northwind HR"


@dataclass
class Content:
    private_note: Any
    shared_note: Any
    private_document: Any
    shared_document: Any
    hard_copy: Any
    session: Any


@pytest.fixture
def content(world: World) -> Content:
    return make_content(world)


def make_content(world: World) -> Content:
    """A session, a private and a shared note, a private and a shared document, a hard copy."""
    import datetime

    from django.utils import timezone

    coach = world.people["coach"]
    engagement = world.engagement
    session = services.session_record(
        actor=coach, engagement=engagement, held_on=timezone.localdate(), duration_minutes=60, mode="video"
    )
    return Content(
        private_note=services.note_create(actor=coach, engagement=engagement, body=PRIVATE_TEXT, session=session),
        shared_note=services.note_create(actor=coach, engagement=engagement, body=SHARED_TEXT, shared_with_client=True),
        private_document=services.document_upload(
            actor=coach, engagement=engagement, name=DOCUMENT_NAME, content=DOCUMENT_BYTES
        ),
        shared_document=services.document_upload(
            actor=coach,
            engagement=engagement,
            name="Shared-plan.txt",
            content=b"Plan for the client",
            shared_with_client=True,
        ),
        hard_copy=services.hard_copy_record(
            actor=coach,
            engagement=engagement,
            description=HARD_COPY_TEXT,
            location="Cabinet B",
            received_on=timezone.localdate() - datetime.timedelta(days=3),
        ),
        session=session,
    )
