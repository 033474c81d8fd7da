"""API fuzzing with schemathesis: every operation of ``/api/schema/``, as every persona.

For each operation and persona, schemathesis generates requests that fit the schema (positive) and
requests that do not (negative); some are aimed at the world's real objects rather than at random
ids. Each runs in a savepoint that is rolled back, through the project's real WSGI application and
its real token authentication. Every answer must:

- not be a server error;
- conform to the schema: a documented status (the refusals too: ``confidentiality/schema.py``
  documents them on every operation), the documented content type and body; invalid input
  refused, valid input not refused for its shape;
- if it is a refusal (4xx), say why in words a person can read, and have changed nothing at all
  (every row of every table compared with the world as built);
- carry no confidential text the persona may not read (the access matrix's markers and audience).
"""

from __future__ import annotations

import os
import re
from collections import Counter
from typing import Any

import pytest
import schemathesis
from django.db import transaction
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from schemathesis.core.parameters import ParameterLocation
from schemathesis.specs.openapi.checks import negative_data_rejection

from confidentiality.wsgi import application
from tests.fuzz.conftest import PERSONAS, SIZE, FuzzWorld
from tests.matrix.runner import MARKER, changed_since, rows_written
from tests.matrix.table import ROWS, audience

# Per operation, each sent as every persona. ``FUZZ_EXAMPLES=50 make test`` fuzzes deeper.
MAX_EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "5"))

CONFIG = schemathesis.Config.from_dict(
    {
        "generation": {
            "mode": "all",  # positive and negative
            "max-examples": MAX_EXAMPLES,
            "deterministic": True,  # the same requests on every run, so CI is reproducible
            "database": "none",
            # The personas' own tokens are sent; without one a request must be refused, not
            # carry a random token schemathesis made up.
            "with-security-parameters": False,
        },
        # Only the fuzzing phase: the coverage phase's hundreds of boundary cases per operation,
        # times ten personas, would not fit the two minutes this suite may take on SQLite. The
        # schema has no examples for the examples phase to send.
        "phases": {"examples": {"enabled": False}, "coverage": {"enabled": False}},
        "checks": {
            # Replaced by ``negative_data_rejected``, which leaves out what a form cannot carry.
            "negative_data_rejection": {"enabled": False},
            # Well-formed input the services refuse with a reason (400), or a stale version (409),
            # is still accepted as well formed.
            "positive_data_acceptance": {"expected-statuses": ["2xx", "400", "401", "403", "404", "409", "410"]},
        },
    }
)

schema = schemathesis.openapi.from_wsgi("/api/schema/", application, config=CONFIG)


def _path_targets() -> dict[tuple[str, str], list[str]]:
    """For each operation with an ``{id}``, the world's objects the access matrix tries it on."""
    targets: dict[tuple[str, str], list[str]] = {}
    for row in ROWS:
        if row.is_api_operation and "{id}" in row.target and row.obj not in ("-", "missing"):
            targets.setdefault((row.method, row.target), []).append(row.obj.partition(":")[0])
    return targets


PATH_TARGETS = _path_targets()
# Body fields that name another object, and the world's objects they may name.
BODY_TARGETS: dict[str, list[str]] = {
    "engagement": ["engagementA", "engagementB", "engagementProposed"],
    "invoice": ["invoiceA", "invoicedraftA", "invoiceB"],
    "organisation": ["organisationA", "organisationB"],
    "client": ["clientA", "clientB"],
    "consent": ["consentA", "consentB"],
    "complaint": ["complaintA", "complaintB"],
    "document": ["documentsharedA", "documentprivateB"],
    "target": ["engagementA", "clientB", "organisationA"],
    "copy_from": ["template"],
}
# Markers a persona may see in what an operation answers though they are not in its audience
# (a link holder's or the requester's own copy): the access matrix's ``+Marker`` rows.
SHOWS: dict[tuple[str, str], frozenset[str]] = {}
for _row in ROWS:
    if _row.is_api_operation:
        SHOWS[(_row.method, _row.target)] = SHOWS.get((_row.method, _row.target), frozenset()) | _row.shows


def aim_at_world(case: Any, data: st.DataObject, world: FuzzWorld) -> bool:
    """Point some generated ids at the world's real objects, so requests get past the lookup and reach
    validation and the services; the rest stay random. Only a part generated valid is aimed: what a
    negative case made invalid is sent as generated (an invalid body, to a real object)."""
    objects, aimed = world.matrix.world.objects, False

    def generated_invalid(location: ParameterLocation) -> bool:
        return case.meta is not None and case.meta.is_negative_at(location)

    keys = PATH_TARGETS.get((case.method.upper(), case.operation.path), [])
    if keys and "id" in case.path_parameters and not generated_invalid(ParameterLocation.PATH):
        key = data.draw(st.sampled_from([None, *keys]), label="id")
        if key is not None:
            case.path_parameters = {**case.path_parameters, "id": str(objects[key].pk)}
            aimed = True
    if isinstance(case.body, dict) and not generated_invalid(ParameterLocation.BODY):
        for name, choices in BODY_TARGETS.items():
            if name in case.body:
                key = data.draw(st.sampled_from([None, *choices]), label=name)
                if key is not None:
                    case.body = {**case.body, name: str(objects[key].pk)}
                    aimed = True
    return aimed


WORDS = re.compile(r"[A-Za-z]{3,}")


def messages(body: Any) -> list[str]:
    """Every message in a DRF error body: ``{"detail": "..."}`` or ``{"field": ["...", ...]}``, nested."""
    if isinstance(body, str):
        return [body]
    if isinstance(body, list):
        return [m for item in body for m in messages(item)]
    if isinstance(body, dict):
        return [m for value in body.values() for m in messages(value)]
    return []


def readable_refusal_problem(response: Any) -> str | None:
    """Why a 4xx body does not tell a person what was wrong, or None if it does."""
    if not response.headers.get("content-type", [""])[0].startswith("application/json"):
        return f"not JSON but {response.headers.get('content-type')}: {response.content[:200]!r}"
    body = response.json()
    if not isinstance(body, dict) or not body:
        return f"no message: {body!r}"
    found = messages(body)
    if not found or not all(WORDS.search(m) for m in found):
        return f"a message without words: {body!r}"
    return None


FORMS = frozenset({"multipart/form-data", "application/x-www-form-urlencoded"})


def negative_data_rejected(ctx: Any, response: Any, case: Any) -> bool | None:
    """Schemathesis's ``negative_data_rejection``, but not for a body that is not an object sent as
    a form when nothing else was made invalid: a form cannot carry it, so the server reads an empty
    form, which is valid wherever no field is required (a client opening a subject access request)."""
    elsewhere = case.meta is not None and any(
        case.meta.is_negative_at(location) for location in ParameterLocation if location is not ParameterLocation.BODY
    )
    if case.media_type in FORMS and not isinstance(case.body, dict) and not elsewhere:
        return None
    return negative_data_rejection(ctx, response, case)


def leaked(persona: str, case: Any, response: Any) -> list[str]:
    """Confidential markers in the response that the persona may not read."""
    text = response.content.decode("utf-8", "replace")
    shows = SHOWS.get((case.method.upper(), case.operation.path), frozenset())
    markers = {f"{m.group(1)}-{m.group(2)}" for m in MARKER.finditer(text)}
    return sorted(m for m in markers if persona not in audience(m) and m.rsplit("-", 1)[0] not in shows)


SIZE.update(operations=sum(1 for _ in schema.get_all_operations()), personas=len(PERSONAS), max_examples=MAX_EXAMPLES)


# Every status each persona was answered with, for ``test_every_persona_was_answered_as_themselves``.
ANSWERED: dict[str, Counter[int]] = {persona: Counter() for persona in PERSONAS}


def persona_problem(persona: str, case: Any, response: Any) -> str | None:
    """What the two personas who may reach nothing must be told, whatever they send."""
    status = response.status_code
    if persona == "anonymous" and status not in (401, 404):  # 404: a path no route matches
        return f"answered {status} without a token"
    if persona == "coach_without_policy" and case.operation.path != "/api/v1/me/":
        if status not in (403, 404):
            return f"answered {status} before the policy was accepted"
        if status == 403 and "policies" not in response.text_lossy():
            return f"refused without saying which policy to accept: {response.text_lossy()[:200]}"
    return None


def try_as(persona: str, case: Any, world: FuzzWorld) -> None:
    """Send the case with the persona's token, in a savepoint rolled back afterwards, and judge the answer."""
    headers = world.headers(persona)
    sent = f"{persona}: {case.method} {case.formatted_path}"
    with transaction.atomic():
        world.server_errors.clear()
        written_before = rows_written()
        response = case.call(headers=headers)
        SIZE["requests"] += 1
        status = response.status_code
        ANSWERED[persona][status] += 1
        raised = world.server_errors[-1] if world.server_errors else response.text_lossy()[:500]
        assert status < 500, f"{sent} answered {status}: {raised!r}"
        problem = persona_problem(persona, case, response)
        assert problem is None, f"{sent} {problem}"
        if 400 <= status < 500:
            SIZE["4xx"] += 1
            problem = readable_refusal_problem(response)
            assert problem is None, f"{sent} was refused with {status}: {problem}"
            assert not changed_since(written_before, world.baseline), (
                f"{sent} was refused with {status} but changed data"
            )
        elif 200 <= status < 300:
            SIZE["2xx"] += 1
        assert not leaked(persona, case, response), (
            f"{sent} answered what they may not read: {leaked(persona, case, response)}"
        )
        # Inside the savepoint too: some checks send more requests (the same one without a token).
        try:
            case.validate_response(response, headers=headers, additional_checks=[negative_data_rejected])
        except Exception as exc:
            exc.add_note(f"Sent as {persona}.")
            raise
        transaction.set_rollback(True)


@schema.parametrize()
@schema.given(data=st.data())
@settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,  # a request's time on a shared 2-core machine says nothing about the code
    derandomize=True,
    database=None,
    # pytest-django's ``db`` is function-scoped on purpose: each example runs in a savepoint of its own.
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_api_fuzz(case: Any, data: st.DataObject, fuzz_world: FuzzWorld, db: None) -> None:
    """Each generated request is sent as every persona: the same request, ten different callers."""
    SIZE["aimed"] += aim_at_world(case, data, fuzz_world)
    for persona in PERSONAS:
        try_as(persona, case, fuzz_world)


def test_every_persona_was_answered_as_themselves() -> None:
    """The fuzzing above proves little if its tokens did not work: each persona who may reach
    something was answered 2xx somewhere, and the two who may reach nothing never were (but /me/)."""
    if not SIZE["requests"]:
        pytest.skip("the fuzzing did not run (deselected)")
    answered_2xx = {persona for persona, statuses in ANSWERED.items() if any(200 <= s < 300 for s in statuses)}
    assert answered_2xx >= set(PERSONAS) - {"anonymous", "coach_without_policy"}, ANSWERED
    assert set(ANSWERED["anonymous"]) <= {401, 404}, ANSWERED["anonymous"]
    assert ANSWERED["coach_without_policy"][403] > 0, ANSWERED["coach_without_policy"]


class TestTheHarness:
    """The fuzzing's own checks can fail: each is shown catching what it is there to catch."""

    def test_it_fuzzes_every_operation_of_the_schema(self) -> None:
        from tests.matrix.routes import api_operations

        fuzzed = set()
        for result in schema.get_all_operations():
            operation = result.ok()
            fuzzed.add((operation.method.upper(), operation.path))
        assert fuzzed == set(api_operations())

    def test_it_sees_a_change_made_by_a_request(self, fuzz_world: FuzzWorld, db: None) -> None:
        from engagements.models import Organisation

        organisation = fuzz_world.matrix.world.objects["organisationA"]
        with transaction.atomic():
            written_before = rows_written()
            assert not changed_since(written_before, fuzz_world.baseline)
            Organisation.objects.filter(pk=organisation.pk).update(keep_hard_copies=not organisation.keep_hard_copies)
            assert changed_since(written_before, fuzz_world.baseline)
            transaction.set_rollback(True)
        assert not changed_since(None, fuzz_world.baseline)

    def test_it_refuses_a_refusal_that_does_not_say_why(self) -> None:
        import requests

        def answer(content_type: str, content: bytes) -> schemathesis.Response:
            request = requests.Request("GET", "http://localhost/api/v1/me/").prepare()
            return schemathesis.Response(404, {"content-type": [content_type]}, content, request, 0.0, True)

        assert readable_refusal_problem(answer("application/json", b'{"detail": "Not found."}')) is None
        assert (
            readable_refusal_problem(answer("application/json", b'{"lines": [{}, {"quantity": ["Too big."]}]}')) is None
        )
        assert readable_refusal_problem(answer("text/html", b"<h1>Not Found</h1>")) is not None
        assert readable_refusal_problem(answer("application/json", b"{}")) is not None
        assert readable_refusal_problem(answer("application/json", b'{"detail": ""}')) is not None

    def test_it_sends_each_persona_token(self, fuzz_world: FuzzWorld, db: None) -> None:
        engagement = fuzz_world.matrix.world.objects["engagementA"]
        detail = schema["/api/v1/engagements/{id}/"]["GET"].Case(path_parameters={"id": str(engagement.pk)})
        me = schema["/api/v1/me/"]["GET"].Case()
        answered = {}
        with transaction.atomic():
            for persona in ("coach", "other_coach", "anonymous", "coach_without_policy"):
                answered[persona] = detail.call(headers=fuzz_world.headers(persona))
            answered["me"] = me.call(headers=fuzz_world.headers("coach_without_policy"))
            transaction.set_rollback(True)
        assert {persona: response.status_code for persona, response in answered.items()} == {
            "coach": 200,
            "other_coach": 404,
            "anonymous": 401,
            "coach_without_policy": 403,
            "me": 200,
        }
        assert "policies" in answered["coach_without_policy"].json()["detail"]
        assert answered["me"].json()["policies_to_accept"]
