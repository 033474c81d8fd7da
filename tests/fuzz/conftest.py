"""The world the API is fuzzed against: the access matrix's (``tests/matrix/world.py``), built once
for the module inside a transaction rolled back at the end, plus one member of staff who has not
accepted the current policy.

Every generated request then runs in a savepoint of its own that is rolled back (``test_api_fuzz``),
so each one meets the same world and the world's fingerprint before any request is ``baseline``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import pytest

from tests.conftest import PERSONAS as CONVENTION_PERSONAS
from tests.matrix.runner import Matrix, built_world, fingerprint

# The personas of CONVENTIONS.md, and a coach on side A's engagement who has not accepted the
# practice's current policy: the API must refuse them everything but ``/api/v1/me/`` (policy 002).
PERSONAS = (*CONVENTION_PERSONAS, "coach_without_policy")

# What the fuzzing covered in this run, for the summary line (tests/conftest.py prints it).
SIZE: Counter[str] = Counter()


def summary_line(size: dict[str, int]) -> str:
    return (
        f"{size['operations']} operations of /api/schema/ × {size['personas']} personas"
        f" × up to {size['max_examples']} examples: {size['requests']} requests,"
        f" {size['2xx']} answered 2xx, {size['4xx']} refused with 4xx (each checked to change nothing),"
        f" {size['aimed']} aimed at the world's objects"
    )


@dataclass
class FuzzWorld:
    matrix: Matrix
    keys: dict[str, str | None]  # persona -> API token (None: anonymous)
    baseline: str  # the world's fingerprint before any request
    server_errors: list[BaseException] = field(default_factory=list)  # raised inside a view

    def headers(self, persona: str) -> dict[str, str]:
        key = self.keys[persona]
        return {} if key is None else {"Authorization": f"Bearer {key}"}


def _coach_without_policy(matrix: Matrix) -> Any:
    import access
    from engagements.services import engagement_member_add
    from tests.factories import UserFactory

    world = matrix.world
    coach = UserFactory(email="new.coach@example.org", display_name="Noor Newcoach")
    # On side A's engagement, so it is the policy gate, not need-to-know, that refuses them.
    engagement_member_add(
        actor=world.people["admin"], engagement=world.objects["engagementA"], user=coach, kind="coach"
    )
    coach.refresh_from_db()
    assert access.policies_to_accept(coach), "the new coach should have the current policy to accept"
    return coach


def _quiet_tokens() -> None:
    """A token's ``last_used_at`` is written at most once a minute. Marked as used tomorrow, no
    request writes it, so a request that wrote no row at all is known to have changed nothing
    without comparing every table (``changed_since``)."""
    import datetime

    from django.utils import timezone

    from confidentiality.models import ApiToken

    ApiToken.objects.update(last_used_at=timezone.now() + datetime.timedelta(days=1))


@contextmanager
def in_process_requests(errors: list[BaseException]) -> Iterator[None]:
    """Requests go through the real WSGI handler in this thread, on the test's connection.

    As Django's own test client does, the handler must not close the connection at the start and
    end of each request (it would end the test's transaction), and an exception a view raised is kept
    so a 500 can be reported with its traceback.
    """
    from django.core import signals
    from django.db import close_old_connections

    def keep(sender: Any, request: Any = None, **kwargs: Any) -> None:
        import sys

        exc = sys.exc_info()[1]
        if exc is not None:
            errors.append(exc)

    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    signals.got_request_exception.connect(keep)
    try:
        yield
    finally:
        signals.got_request_exception.disconnect(keep)
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


@pytest.fixture(scope="module")
def fuzz_world(
    django_db_setup: None, django_db_blocker: Any, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[FuzzWorld]:
    from tests.conftest import issue_token

    with built_world(django_db_blocker, tmp_path_factory.mktemp("fuzz-media")) as built:
        with django_db_blocker.unblock():
            newcomer = _coach_without_policy(built)
            keys = dict(built.personas.keys)
            keys["coach_without_policy"] = issue_token(newcomer, "fuzz")
            _quiet_tokens()
            world = FuzzWorld(built, keys, fingerprint())
        assert set(PERSONAS) <= set(keys)
        with in_process_requests(world.server_errors):
            yield world


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Schemathesis names each operation's test ``test_api_fuzz[GET /api/v1/…]`` but gives them all
    the node id ``…::test_api_fuzz``. pytest-xdist schedules by node id, so it would run one of the
    73 and drop the rest: each gets the id its name says."""
    for item in items:
        label = getattr(item, "operation_label", None)
        if label and item._id.params is None:  # pytest 9's structured node id
            item._id = item._id.with_params(label)
