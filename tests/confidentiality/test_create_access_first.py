"""A create through the API asks whether the caller may create there before it reads the body:
someone who may not learns nothing from a body's errors."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import World

# (path, who may not create there and what they are answered, who may)
CREATES = [
    ("/api/v1/organisations/", {"coach": 404, "sponsor": 404, "auditor": 404}, "admin"),
    ("/api/v1/clients/", {"coach": 404, "client": 404, "auditor": 404}, "admin"),
    ("/api/v1/engagements/{engagement}/sessions/", {"other_coach": 404, "client": 404, "sponsor": 404}, "coach"),
    # The client reads what is shared on their engagement, so it exists for them: 403.
    ("/api/v1/engagements/{engagement}/notes/", {"other_coach": 404, "client": 403, "sponsor": 404}, "coach"),
    ("/api/v1/agreement-templates/", {"client": 404, "sponsor": 404, "auditor": 404}, "coach"),
    ("/api/v1/information-categories/", {"coach": 404, "client": 404}, "admin"),
]

BAD_BODIES: list[Any] = [{}, {"name": ["not", "a", "name"], "text": 7, "held_on": "yesterday"}]


@pytest.mark.django_db
@pytest.mark.parametrize(("path", "refused", "allowed"), CREATES, ids=[c[0].split("/")[-2] for c in CREATES])
@pytest.mark.parametrize("body", BAD_BODIES, ids=["empty", "wrong-types"])
def test_a_bad_body_from_someone_who_may_not_create_is_answered_as_a_good_one_is(
    world: World, path: str, refused: dict[str, int], allowed: str, body: Any
) -> None:
    url = path.format(engagement=world.engagement.pk)
    for persona, status in refused.items():
        answer = world.api(persona).post(url, body, content_type="application/json")
        assert answer.status_code == status, (persona, answer.content[:200])
        assert "name" not in answer.json() and "text" not in answer.json()  # no field errors
    # The one who may create still hears what is wrong with the body.
    assert world.api(allowed).post(url, body, content_type="application/json").status_code == 400
