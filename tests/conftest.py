"""Personas (CONVENTIONS.md), reused by every test that touches confidential data.

The coach on the engagement, another coach, the client, the sponsor of that organisation,
a sponsor of another organisation, the administrator, an auditor, a superuser, anonymous.
"""

from __future__ import annotations

import copy
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import pytest
from allauth.account.authentication import AUTHENTICATION_METHODS_SESSION_KEY
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.db import transaction
from django.test import Client as HttpClient
from django.test import override_settings

from confidentiality import crypto
from confidentiality.accounts import needs_second_factor
from confidentiality.models import User
from confidentiality.roles import STAFF_ROLES, Role
from tests.factories import ClientFactory, EngagementFactory, OrganisationFactory, UserFactory

T = TypeVar("T")

PERSONAS = (
    "coach",
    "other_coach",
    "client",
    "sponsor",
    "other_sponsor",
    "admin",
    "auditor",
    "superuser",
    "anonymous",
)


@pytest.fixture(autouse=True, scope="session")
def _anchors_of_the_session(tmp_path_factory: pytest.TempPathFactory) -> None:
    """The audit anchors the worlds built once write go to a journal of this run, never var/'s."""
    from django.conf import settings

    settings.AUDIT_ANCHOR_JOURNAL = tmp_path_factory.mktemp("anchors") / "anchors.jsonl"


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix: None) -> None:
    """The tests' PostgreSQL sessions commit without waiting for the disk (``synchronous_commit``
    off): a crash could lose the last commits of a database that is dropped at the end anyway.
    Nothing else changes: every commit is still a commit, visible to the other sessions at once
    and in order, so the tests of concurrency and of what commits see the same database. The
    browser tests and the migrations commit thousands of times; each waited for a flush (about 7
    milliseconds on a shared machine)."""
    from django.conf import settings

    database = settings.DATABASES["default"]
    if database["ENGINE"] == "django.db.backends.postgresql":
        options = database.setdefault("OPTIONS", {})
        options["options"] = f"{options.get('options', '')} -c synchronous_commit=off".strip()


@pytest.fixture(autouse=True)
def _fast_hashing_and_fresh_keys(settings: Any, tmp_path: Path) -> Any:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # Each test's anchors are its own: its database rolls back, and anchors of it would not match.
    settings.AUDIT_ANCHOR_JOURNAL = tmp_path / "anchors" / "anchors.jsonl"
    crypto.data_key_cache.clear()
    yield
    crypto.data_key_cache.clear()


@pytest.fixture(autouse=True)
def _audit_triggers_around_flush(request: pytest.FixtureRequest) -> Any:
    """Transactional tests end by flushing every table; SQLite's append-only triggers refuse that
    DELETE, so they are lifted for the flush. Every database test on SQLite, whichever kind, meets
    them again (tests/confidentiality/test_triggers_after_a_flush.py): a test that is not
    transactional runs in a transaction already open, so there they are made if missing, for it."""
    marker = request.node.get_closest_marker("django_db")
    transactional = marker is not None and marker.kwargs.get("transaction")
    uses_db = marker is not None or "db" in request.fixturenames or "transactional_db" in request.fixturenames
    if not uses_db:
        yield
        return
    import importlib

    from django.db import connection

    migration = importlib.import_module("confidentiality.migrations.0002_audit_append_only")
    request.getfixturevalue("transactional_db" if transactional else "db")
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            for statement in ([] if not transactional else migration.SQLITE_DOWN) + migration.SQLITE_UP:
                cursor.execute(statement.replace("CREATE TRIGGER ", "CREATE TRIGGER IF NOT EXISTS ", 1))
    yield
    if transactional and connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            for statement in migration.SQLITE_DOWN:
                cursor.execute(statement)


@pytest.fixture(autouse=True)
def _migration_data(request: pytest.FixtureRequest) -> None:
    """A transactional test ends by flushing every table, and with them the rows the migrations
    installed (the built-in information categories, the standard agreement template). Any test
    may follow one (under pytest-xdist a worker runs whole files in any order), so a database
    test puts them back first when they are gone: two reads when they are there."""
    marker = request.node.get_closest_marker("django_db")
    transactional = marker is not None and marker.kwargs.get("transaction")
    if marker is None and "db" not in request.fixturenames and "transactional_db" not in request.fixturenames:
        return
    request.getfixturevalue("transactional_db" if transactional else "db")
    put_back_migration_data()


def put_back_migration_data() -> None:
    """The rows the migrations installed, put back if a flush took them."""
    from consent.defaults import install_current
    from consent.models import AgreementTemplate, InformationCategory

    if not (InformationCategory.objects.filter(builtin=True).exists() and AgreementTemplate.objects.exists()):
        install_current()
    practice_ready_for_agreements()


def practice_ready_for_agreements() -> None:
    """What an agreement needs before it goes out for signing and a practice sets up once (policies
    003, 004): a professional code its coaches work under, and the standard template naming the
    partners' guidelines and an adviser. Without them every test that contracts an engagement would
    have to; the tests of that rule take them away (tests/consent/test_professional_codes.py)."""
    from consent.models import AgreementTemplate, ProfessionalCode

    if not ProfessionalCode.objects.exists():
        ProfessionalCode.objects.create(
            name="Test Code of Ethics", body="Test Coaching Body", link="https://example.org/code-of-ethics"
        )
    AgreementTemplate.objects.filter(name="Standard three-way agreement", adviser_name="").update(
        guidelines="The organisation's information security policy.",
        adviser_name="Dr Test Adviser",
        adviser_contact="adviser@example.org",
    )


# The worlds built once for many tests (``built_once``: per module, or per class with ``BuiltOnce``),
# each with its files in a media folder of its own.
SHARED_WORLDS = ("matrix", "hostile_world", "fuzz_world", "shared", "world_of_module")


@pytest.fixture(autouse=True)
def media_dir(request: pytest.FixtureRequest, settings: Any, tmp_path: Path) -> Path:
    """Every test keeps the files it stores (documents, copies) in a folder of its own, never var/.
    A test on a world built once for many tests uses that world's folder, where its files are: the
    world is set up first, so that this test's settings are undone before the world's."""
    for name in SHARED_WORLDS:
        if name in request.fixturenames:
            request.getfixturevalue(name)
    # The persona world (``world_of_module``) stores no file: each test's files are its own.
    with_files = any(name in request.fixturenames for name in SHARED_WORLDS if name != "world_of_module")
    current = Path(settings.STORAGES["default"].get("OPTIONS", {}).get("location", settings.MEDIA_ROOT))
    if with_files and not current.is_relative_to(settings.VAR_DIR):
        return current
    media = tmp_path / "media"
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": str(media)}},
    }
    return media


@pytest.fixture(autouse=True)
def _isolated_cache(settings: Any, tmp_path: Any) -> None:
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": str(tmp_path)}
    }
    # Warm, as a running practice's cache is: the header's practice name costs no query. A test
    # that records the practice's details goes through practice_update, which forgets it.
    from django.core.cache import cache

    from confidentiality.practice import practice_name_cache_key

    cache.set(practice_name_cache_key(), settings.PRACTICE_NAME)


def enrol_totp(user: User) -> str:
    secret = generate_totp_secret()
    TOTP.activate(user, secret)
    return secret


def login(http: HttpClient, user: User | None) -> HttpClient:
    """Sign a persona in as the login page would, second factor included for staff."""
    if user is None:
        return http
    http.force_login(user, backend="allauth.account.auth_backends.AuthenticationBackend")
    records: list[dict[str, Any]] = [{"method": "password", "at": time.time(), "email": user.email}]
    # Staff roles and the technical admin site's users pass the second factor; the matrix then
    # shows what a superuser who did so can reach (nothing confidential).
    if user.role in STAFF_ROLES or user.is_staff or user.is_superuser:
        if not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists():
            enrol_totp(user)
        records.append({"method": "mfa", "at": time.time(), "type": "totp"})
    session = http.session
    session[AUTHENTICATION_METHODS_SESSION_KEY] = records
    session["account_authentication_methods_user"] = str(user.pk)
    session.save()
    return http


def bearer(user: User | None) -> HttpClient:
    """An API client authenticated as an integration would be: with a personal token."""
    if user is None:
        return HttpClient()
    return HttpClient(HTTP_AUTHORIZATION=f"Bearer {issue_token(user)}")


def ensure_second_factor(user: User) -> None:
    """Whoever needs a second factor has one, as signing in would have made them set it up."""
    from confidentiality.credentials import has_second_factor

    if needs_second_factor(user) and not has_second_factor(user):
        enrol_totp(user)


def issue_token(user: User, name: str = "test") -> str:
    """A personal token's key, as the account page issues it: staff set up their second factor first."""
    from confidentiality.models import ApiToken
    from confidentiality.services import api_token_issue

    ensure_second_factor(user)
    token, key = api_token_issue(actor=user, user=user, name=name)
    # As a token in use already, from the test client's address: its first request is then a
    # request like any other, not also the first use from a new address (audited and told).
    ApiToken.objects.filter(pk=token.pk).update(seen_from=["127.0.0.1"])
    return key


@dataclass
class World:
    """One practice with two organisations, as every access test needs it."""

    people: dict[str, User | None]
    organisation: Any
    other_organisation: Any
    engagement: Any
    other_engagement: Any
    client_record: Any

    def http(self, persona: str) -> HttpClient:
        return login(HttpClient(), self.people[persona])

    def api(self, persona: str) -> HttpClient:
        return bearer(self.people[persona])


def build_world() -> World:
    """Two organisations, each with one engagement, and every persona (CONVENTIONS.md)."""
    organisation = OrganisationFactory(name="Northwind Trading")
    other_organisation = OrganisationFactory(name="Harbour Health Trust")
    people: dict[str, User | None] = {
        "coach": UserFactory(role=Role.COACH, email="coach@example.org"),
        "other_coach": UserFactory(role=Role.COACH, email="other.coach@example.org"),
        "client": UserFactory(role=Role.CLIENT, email="client@example.org"),
        "sponsor": UserFactory(role=Role.SPONSOR, email="sponsor@example.org", organisation=organisation),
        "other_sponsor": UserFactory(
            role=Role.SPONSOR, email="other.sponsor@example.org", organisation=other_organisation
        ),
        "admin": UserFactory(role=Role.ADMIN, email="admin@example.org"),
        "auditor": UserFactory(role=Role.AUDITOR, email="auditor@example.org"),
        "superuser": User.objects.create_superuser("root@example.org", "a long test password 2026"),
        "anonymous": None,
    }
    client_record = ClientFactory(full_name="Samira Quentin-Marsh", user=people["client"])
    engagement = EngagementFactory(
        organisation=organisation,
        client=client_record,
        coaches=[people["coach"]],
        sponsors=[people["sponsor"]],
        title="Leadership coaching",
    )
    other_engagement = EngagementFactory(
        organisation=other_organisation,
        client=ClientFactory(full_name="Bartholomew Xerxes-Lund", user=UserFactory(role=Role.CLIENT)),
        coaches=[people["other_coach"]],
        sponsors=[people["other_sponsor"]],
        title="Career transition coaching",
    )
    return World(people, organisation, other_organisation, engagement, other_engagement, client_record)


@pytest.fixture(scope="module")
def world_of_module(
    request: pytest.FixtureRequest,
    django_db_setup: None,
    django_db_blocker: Any,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[World | None]:
    """The persona world, built once for the module's tests that ask for it (``built_once``).

    A module holding a transactional test builds it per test instead: such a test commits, and
    must not run inside the module's open transaction. So does a module with a world of its own
    built once (``BuiltOnce``, the matrix's): two such worlds would meet in one transaction."""
    module = getattr(request.node, "obj", None)
    others = set(SHARED_WORLDS) - {"world_of_module"}

    def apart(item: Any) -> bool:
        marker = item.get_closest_marker("django_db")
        return bool(marker is not None and marker.kwargs.get("transaction")) or bool(others & set(item.fixturenames))

    separate = any(apart(item) for item in request.session.items if getattr(item, "module", None) is module)
    if separate:
        yield None
        return
    with built_once(django_db_blocker, tmp_path_factory.mktemp("world-media")) as make:
        yield make(build_world)


@pytest.fixture
def world(world_of_module: World | None, db: Any) -> World:
    """Two organisations, their engagements and every persona; a fresh copy for each test, whose
    writes are rolled back before the next."""
    if world_of_module is None:
        return build_world()
    return copy.deepcopy(world_of_module)


@contextmanager
def built_once(django_db_blocker: Any, media_root: Path) -> Iterator[Callable[[Callable[[], T]], T]]:
    """A world built once for many tests, inside a transaction rolled back when they are done.

    For a module- or class-scoped fixture: ``with built_once(blocker, media) as build: yield
    build(make)``. Each test then runs in a savepoint of that transaction (pytest-django's ``db``),
    so what one test writes is gone before the next, and the world is paid for once, not per test.
    The settings the per-test fixtures would give (fast hashing, a private cache, the media folder)
    hold while it is built.
    """
    overrides = override_settings(
        PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
        CACHES={"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": str(media_root)}},
        STORAGES={
            "default": {
                "BACKEND": "django.core.files.storage.FileSystemStorage",
                "OPTIONS": {"location": str(media_root)},
            },
            "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
        },
    )
    overrides.enable()
    crypto.data_key_cache.clear()
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()

    def build(make: Callable[[], T]) -> T:
        with django_db_blocker.unblock():
            put_back_migration_data()
            return make()

    try:
        yield build
    finally:
        with django_db_blocker.unblock():
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)
        overrides.disable()
        crypto.data_key_cache.clear()


class BuiltOnce:
    """Base for a test class whose tests all start from the same world (a persona grid, say).

    The class's ``build()`` runs once, in a transaction rolled back after the class's last test
    (``built_once``); every test gets ``fresh``: a deep copy of what it made, so neither a row
    nor an attribute one test changed is seen by the next.
    """

    @staticmethod
    def build() -> Any:
        return build_world()

    @pytest.fixture(scope="class")
    @classmethod
    def shared(
        cls,
        django_db_setup: None,
        django_db_blocker: Any,
        tmp_path_factory: pytest.TempPathFactory,
    ) -> Iterator[Any]:
        with built_once(django_db_blocker, tmp_path_factory.mktemp("shared-media")) as make:
            yield make(cls.build)

    @pytest.fixture
    def fresh(self, shared: Any, db: None) -> Any:
        return copy.deepcopy(shared)


# --- the summary lines of the access matrix and the API fuzzing ------------------------------
# Each module counts what it covered in its SIZE; the lines are printed at the end of the run.
# Under pytest-xdist (``-n 2 --dist loadfile``, as CI runs) a module runs whole on one worker,
# whose counts come back to the controller in ``workeroutput`` to be printed there.

_SUMMARIES = (("access matrix", "tests.matrix.runner"), ("API fuzzing", "tests.fuzz.conftest"))


def _sizes() -> dict[str, dict[str, int]]:
    """What each module counted in this process (a module never imported here counted nothing)."""
    import sys

    return {module: dict(sys.modules[module].SIZE) for _, module in _SUMMARIES if module in sys.modules}


_FROM_WORKERS: dict[str, dict[str, int]] = {}


def pytest_sessionfinish(session: pytest.Session) -> None:
    workeroutput = getattr(session.config, "workeroutput", None)
    if workeroutput is not None:  # an xdist worker: hand the counts to the controller
        workeroutput["sizes"] = _sizes()


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: Any, error: Any) -> None:
    for module, size in getattr(node, "workeroutput", {}).get("sizes", {}).items():
        if size.get("requests", 0) > _FROM_WORKERS.get(module, {}).get("requests", 0):
            _FROM_WORKERS[module] = size  # the worker that ran the module


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
    """Printed whether or not ``-s`` is given (``make test`` shows them)."""
    import importlib

    local = _sizes()
    for title, module in _SUMMARIES:
        size = _FROM_WORKERS.get(module) or local.get(module) or {}
        if size.get("requests"):
            terminalreporter.write_sep("-", title)
            terminalreporter.write_line(importlib.import_module(module).summary_line(size))


# The longest modules first (seconds on PostgreSQL, measured with --durations=0; the SQLite pass's
# in brackets; "~" an estimate). Under pytest-xdist (``--dist loadfile``) each process takes the next file when it
# finishes one, in collection order: a long file collected last leaves one process working alone at
# the end while the other waits. xdist would otherwise order the files by their number of tests
# (the migration test, one test of 40 s, came last), so make test passes --no-loadscope-reorder.
LONGEST_FIRST = (
    "tests/matrix/test_matrix.py",  # 153
    "tests/browser/test_main_pages.py",  # 100
    "tests/fuzz/test_api_fuzz.py",  # 66
    "tests/browser/test_typed_work_is_kept.py",  # 57
    "tests/browser/test_keyboard_journeys.py",  # 54
    "tests/test_migration_from_main.py",  # 49 (41)
    "tests/browser/test_keyboard_journeys_engagement.py",  # 49
    "tests/browser/test_concern_correction.py",  # 48
    "tests/browser/test_keyboard_journeys_office.py",  # 43
    "tests/browser/test_rights_more.py",  # ~50: four journeys of 11 to 13 s
    "tests/browser/test_rights.py",  # ~45
    "tests/rights/test_subject_access.py",  # 42
    "tests/confidentiality/test_make_run.py",  # (38)
    "tests/hostile/test_escaping.py",  # 35
    "tests/browser/test_plain_words.py",  # 34
    "tests/browser/test_keyboard_journeys_concern.py",  # 26
    "tests/complaints/test_complaints.py",  # 24
    "tests/browser/test_documents.py",  # 20
    "tests/browser/test_complaint_on_behalf.py",  # ~15
    "tests/browser/test_complaint_reply.py",  # ~15
    "tests/browser/test_offboarding.py",  # ~12
    "tests/browser/test_names.py",  # ~12
    "tests/browser/test_keyboard_journeys_retention.py",  # 19
    "tests/browser/test_invitation.py",  # 17
    "tests/confidentiality/test_commands.py",  # 16 (18)
    "tests/browser/test_keyboard_journeys_report.py",  # 16
    "tests/retention/test_retention.py",  # 16
    "tests/demo/test_demo_pages.py",  # 15
    "tests/retention/test_backups.py",  # 14
    "tests/confidentiality/test_settings.py",  # 11 (14)
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Order the modules longest first; then the browser tests not listed yet, which take seconds a
    test; the order within each module, and of the rest, stays."""
    rank = {path: position for position, path in enumerate(LONGEST_FIRST)}

    def position(item: pytest.Item) -> int:
        path = item.nodeid.split("::", 1)[0]
        return rank.get(path, len(rank) + (0 if path.startswith("tests/browser/") else 1))

    items.sort(key=position)


def same_page(first: bytes, second: bytes) -> bool:
    """Two answers are the same page: equal but for the sign-out form's CSRF token, which is masked
    afresh each time a page is rendered."""
    import re

    token = re.compile(rb'name="csrfmiddlewaretoken" value="[^"]*"')
    return token.sub(b"", first) == token.sub(b"", second)
