"""A database built by today's main (commit d348750, before models moved between apps) is migrated
by this code and loses nothing.

The old code is taken out of git (``git archive``, the working tree untouched) and run with the same
interpreter on a database of this test's own: SQLite in tmp_path, or, when DATABASE_URL names a
PostgreSQL server, a new database there dropped at the end. The old code migrates it, seeds the demo
practice, adds what the demo lacks (a report comment, a concern, a break-glass grant, a subject-access
request and its export), and takes a snapshot (tests/migration_snapshot.py). This code then migrates
it and takes the same snapshot; the audit chain must verify and no model change may lack a migration.

Compared, by table name (a moved model keeps its table; its label changes):
- every table's columns (new ones may be added) and rows, identical on the old columns, except
  ``django_content_type`` (id and model name only, new rows allowed), ``auth_permission`` (new rows
  allowed) and the audit log (events may only be appended after the old head, and the head moves
  with them);
- no constraint or trigger lost (the audit log's append-only triggers above all);
- every model's row count through the ORM, and every content type that named a model still names one;
- every EncryptedTextField value, decrypted through the ORM by each code, under a keyed hash: a
  ciphertext whose associated data no longer matches the model fails here.
Messages name a table, column, primary key or content type id, never a value.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import pytest

pytestmark = pytest.mark.embedded

ROOT = Path(__file__).resolve().parents[1]
OLD_COMMIT = "d348750"
SNAPSHOT_SCRIPT = Path(__file__).resolve().with_name("migration_snapshot.py")
STEP_TIMEOUT = 300  # seconds, for any one command

AUDIT_EVENTS = "confidentiality_auditevent"
AUDIT_HEAD = "confidentiality_auditchainhead"
# Triggers a later migration re-made on purpose to guard more: each must still be there, on its
# table, guarding every column it guarded before.
REMADE_TRIGGERS = {
    "finance_invoice_issued_is_final": "finance 0003: an issued invoice's supplier and organisation address too",
}
# Unique constraints a later migration replaced on purpose by a partial one on the same columns:
# each table must still hold a unique constraint or index on them.
REPLACED_UNIQUE = {
    ("consent_concernstep", ("concern_id", "step")): "disclosures 0003: one standing answer a step",
}
# Tables the new migrations may add rows to: every old row must still be there, unchanged.
MAY_GAIN_ROWS = {"auth_permission", "django_content_type"}
# A moved model's content type may change app_label: compare these columns only.
COMPARED_COLUMNS = {"django_content_type": ("id", "model")}

# Tables of the models being moved, and of their neighbours: the old database must hold rows in
# each, or the test would prove nothing about them.
MUST_HOLD_ROWS = (
    "engagements_sponsorreport",
    "engagements_reportversion",
    "engagements_reportsection",
    "engagements_reportcomment",
    "engagements_feedbackrequest",
    "engagements_feedbacksource",
    "consent_disclosure",
    "consent_concern",
    "consent_concernstep",
    "confidentiality_complaint",
    "confidentiality_complaintresponse",
    "confidentiality_breach",
    "confidentiality_offboarding",
    "confidentiality_offboardingengagement",
    "retention_policydocument",
    "retention_subjectaccessrequest",
    "retention_subjectaccessexport",
    "engagements_breakglassgrant",
    AUDIT_EVENTS,
)

# Run by the old code only (its API at d348750): rows the demo does not make, in tables that move.
OLD_CODE_TOP_UP = """
from django.test.utils import override_settings

from confidentiality.models import User
from consent import concerns
from engagements import reports
from engagements.models import Engagement, Note, SponsorReport
from engagements.services import break_glass_open
from retention import subject_access

with override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"):
    admin = User.objects.get(email="admin@practice.example")
    coach = User.objects.get(email="maya.coach@practice.example")
    client = User.objects.get(email="sam@client.example")
    engagement = Engagement.objects.get(reference="ENG-2026-001")
    review = SponsorReport.objects.get(engagement=engagement, state=SponsorReport.State.WITH_CLIENT)
    reports.report_comment(actor=client, report=review, version_number=1, body="Say delegated, not handed off.")
    concerns.concern_start(
        actor=coach, engagement=engagement, kind="organisation_conduct", text="The sponsor asked for session notes."
    )
    note = Note.objects.filter(engagement=engagement, shared_with_client=False).first()
    break_glass_open(actor=admin, note=note, reason="Checking a complaint about what was recorded here.")
    request = subject_access.subject_access_request_open(actor=client)
    export = subject_access.subject_access_export_start(actor=admin, request=request)
    subject_access.export_build(export_id=export.pk)
print("topped up")
"""


@pytest.fixture
def database_url(tmp_path: Path) -> Iterator[str]:
    """A database of this test's own, on the engine the suite runs on."""
    base = os.environ.get("DATABASE_URL")
    if not base:
        yield f"sqlite:///{tmp_path / 'layout.sqlite3'}"
        return
    from deploy.throwaway import drop_database, fresh_database

    url = urlunsplit(urlsplit(base)._replace(path=f"/layout_{secrets.token_hex(6)}"))
    fresh_database(url)
    try:
        yield url
    finally:
        drop_database(url)


def manage(tree: Path, env: dict[str, str], *args: str, expect_ok: bool = True) -> subprocess.CompletedProcess[str]:
    which = "old code" if tree != ROOT else "new code"
    try:
        result = subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=tree,
            env=env,
            capture_output=True,
            text=True,
            timeout=STEP_TIMEOUT,
        )
    except subprocess.TimeoutExpired:
        pytest.fail(f"{which}: manage.py {args[0]} took longer than {STEP_TIMEOUT} s")
    if expect_ok and result.returncode != 0:
        pytest.fail(
            f"{which}: manage.py {args[0]} exited {result.returncode}\n"
            f"--- stdout (end)\n{result.stdout[-3000:]}\n--- stderr (end)\n{result.stderr[-3000:]}"
        )
    return result


def take_snapshot(tree: Path, env: dict[str, str], output: Path, salt: str) -> dict[str, Any]:
    code = (
        "import runpy; runpy.run_path("
        f"{str(SNAPSHOT_SCRIPT)!r}, init_globals={{'OUTPUT': {str(output)!r}, 'SALT': {salt!r}}}, run_name='__main__')"
    )
    manage(tree, env, "shell", "-c", code)
    return dict(json.loads(output.read_text(encoding="utf-8")))


def listed(problems: list[str], limit: int = 15) -> list[str]:
    return problems if len(problems) <= limit else [*problems[:limit], f"... and {len(problems) - limit} more"]


def compare_rows(table: str, before: dict[str, Any], after: dict[str, Any], *, appended_after: int | None) -> list[str]:
    """Rows by primary key; names the pk and columns that differ, never a value."""
    columns = COMPARED_COLUMNS.get(table)
    problems: list[str] = []
    old_rows, new_rows = before["rows"], after["rows"]
    for pk, old_row in old_rows.items():
        new_row = new_rows.get(pk)
        if new_row is None:
            problems.append(f"{table}: row {pk} is gone")
            continue
        changed = sorted(
            column for column in (columns or old_row.keys()) if column in new_row and old_row[column] != new_row[column]
        )
        if changed:
            problems.append(f"{table}: row {pk} changed in {', '.join(changed)}")
    added = sorted(set(new_rows) - set(old_rows))
    if table == AUDIT_EVENTS:
        early = [pk for pk in added if int(new_rows[pk]["seq"]) <= (appended_after or 0)]
        problems += [f"{table}: new event row {pk} sits inside the old chain (seq <= {appended_after})" for pk in early]
    elif added and table not in MAY_GAIN_ROWS:
        problems.append(f"{table}: {len(added)} new row(s), e.g. {', '.join(added[:5])}")
    return listed(problems)


def compare(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    problems: list[str] = []
    old_audit, new_audit = old["audit"], new["audit"]
    last_old_seq = old_audit["last_seq"] or 0

    for table, before in old["tables"].items():
        after = new["tables"].get(table)
        if after is None:
            problems.append(f"{table}: the table is gone ({len(before['rows'])} rows)")
            continue
        # A column may be added (the schema grows: its old rows take the default); none may go.
        gone = sorted(set(before["columns"]) - set(after["columns"]))
        if gone:
            problems.append(f"{table}: columns gone {gone}")
        if before["pk"] != after["pk"]:
            problems.append(f"{table}: primary key column was {before['pk']}, is {after['pk']}")
            continue
        if table == AUDIT_HEAD and new_audit["events"] != old_audit["events"]:
            continue  # the head moves with appended events: checked below
        problems += compare_rows(table, before, after, appended_after=last_old_seq)

    for table, signatures in old["constraints"].items():
        lost = Counter(signatures) - Counter(new["constraints"].get(table, []))
        for signature in lost.elements():
            described = json.loads(signature)
            columns = tuple(described["columns"])
            if (table, columns) in REPLACED_UNIQUE and any(
                json.loads(now)["unique"] and tuple(json.loads(now)["columns"]) == columns
                for now in new["constraints"].get(table, [])
            ):
                continue
            kinds = [kind for kind in ("primary_key", "unique", "foreign_key", "check", "index") if described[kind]]
            problems.append(f"{table}: constraint on {described['columns']} ({', '.join(kinds)}) is gone")

    for name, trigger in old["triggers"].items():
        now = new["triggers"].get(name)
        if name in REMADE_TRIGGERS and now is not None and now["table"] == trigger["table"]:
            guarded = set(re.findall(r"NEW\.(\w+)", trigger["definition"]))
            if guarded <= set(re.findall(r"NEW\.(\w+)", now["definition"])):
                continue
        if now != trigger:
            problems.append(f"trigger {name} on {trigger['table']} is gone or changed")

    for table, model in old["models"].items():
        now = new["models"].get(table)
        may_gain = table in MAY_GAIN_ROWS or table == AUDIT_EVENTS
        if now is None:
            problems.append(f"{table}: no model of the new code reads this table any more")
        elif now["count"] < model["count"] or (now["count"] > model["count"] and not may_gain):
            problems.append(f"{table}: the ORM sees {now['count']} rows, the old code saw {model['count']}")

    for ct_id, content_type in old["content_types"].items():
        now = new["content_types"].get(ct_id)
        if content_type["resolves"] and (now is None or not now["resolves"]):
            problems.append(
                f"django_content_type {ct_id} ({content_type['model']}) no longer names a model: "
                "its permissions, object permissions and admin log entries are orphaned"
            )

    secrets_problems: list[str] = []
    for key, digest in old["encrypted"].items():
        if key not in new["encrypted"]:
            secrets_problems.append(f"{key}: no longer read through any model")
        elif new["encrypted"][key] != digest:
            now = new["encrypted"][key]
            if isinstance(now, str) and now.startswith("undecryptable:"):
                secrets_problems.append(f"{key}: no longer decrypts ({now.partition(':')[2]})")
            else:
                secrets_problems.append(f"{key}: decrypts to something else")
    for key in sorted(set(new["encrypted"]) - set(old["encrypted"])):
        if new["encrypted"][key] is not None:  # a column a migration added is empty on the old rows
            secrets_problems.append(f"{key}: encrypted value read only after the migration")
    problems += listed(secrets_problems, 30)

    if new_audit["events"] < old_audit["events"]:
        problems.append(f"audit: {old_audit['events']} events before, {new_audit['events']} after")
    if new_audit["events"] == old_audit["events"]:
        if new_audit["heads"] != old_audit["heads"]:
            problems.append("audit: no event was appended, yet the chain head changed")
    else:
        last = new["tables"][AUDIT_EVENTS]["rows"]
        newest = max(last.values(), key=lambda row: int(row["seq"]))
        if new_audit["heads"] != [{"seq": newest["seq"], "hash": newest["hash"]}]:
            problems.append("audit: events were appended but the chain head does not name the last one")
    return problems


def test_a_database_built_by_main_migrates_with_nothing_lost(tmp_path: Path, database_url: str) -> None:
    old_tree = tmp_path / "old"
    old_tree.mkdir()
    archive = tmp_path / "old.tar"
    extracted = subprocess.run(
        ["git", "-C", str(ROOT), "archive", "--format=tar", "-o", str(archive), OLD_COMMIT],
        capture_output=True,
        text=True,
        timeout=STEP_TIMEOUT,
    )
    if extracted.returncode != 0:
        pytest.fail(f"git archive {OLD_COMMIT} failed (a shallow clone lacks it): {extracted.stderr.strip()}")
    subprocess.run(["tar", "-xf", str(archive), "-C", str(old_tree)], check=True, timeout=STEP_TIMEOUT)

    env = {
        "PATH": os.environ["PATH"],
        "HOME": os.environ.get("HOME", str(tmp_path)),
        "LANG": os.environ.get("LANG", "C.UTF-8"),
        "VAR_DIR": str(tmp_path / "var"),
        "DEPLOYMENT": "embedded",
        "DATABASE_URL": database_url,
    }
    salt = secrets.token_hex(16)

    manage(old_tree, env, "migrate", "--no-input")
    manage(old_tree, env, "seed_demo")
    manage(old_tree, env, "shell", "-c", OLD_CODE_TOP_UP)
    manage(old_tree, env, "verify_audit_chain")
    old = take_snapshot(old_tree, env, tmp_path / "old.json", salt)

    empty = [table for table in MUST_HOLD_ROWS if not old["tables"].get(table, {}).get("rows")]
    assert not empty, f"the old database holds no rows in {empty}: the comparison would prove nothing there"
    assert old["encrypted"], "the old database holds no encrypted values"
    undecryptable = [key for key, digest in old["encrypted"].items() if digest and digest.startswith("undecryptable")]
    assert not undecryptable, f"values the old code itself cannot decrypt: {undecryptable}"

    manage(ROOT, env, "migrate", "--no-input")
    new = take_snapshot(ROOT, env, tmp_path / "new.json", salt)
    chain = manage(ROOT, env, "verify_audit_chain", expect_ok=False)
    pending = manage(ROOT, env, "makemigrations", "--check", "--dry-run", expect_ok=False)

    assert old["vendor"] == new["vendor"]
    problems = compare(old, new)
    if chain.returncode != 0:
        problems.append(f"verify_audit_chain after the migration: {chain.stderr.strip()[-1000:]}")
    if pending.returncode != 0 or "No changes detected" not in pending.stdout:
        problems.append(
            f"makemigrations --check: the models have changes without a migration:\n{pending.stdout[-2000:]}"
        )
    if problems:
        pytest.fail(f"migrating a database built by {OLD_COMMIT} changed or lost:\n" + "\n".join(problems))
