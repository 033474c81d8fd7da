"""The retention sweep: deletes what is past its period, batch by batch, leaving receipts.

- One sweep at a time: a lease row, taken with a conditional UPDATE and renewed each batch.
  A second sweep started meanwhile records itself as skipped and touches nothing; a crashed
  sweep's lease lapses after ``RETENTION_LEASE_SECONDS`` and the next run finishes the job.
- Each batch is one transaction: find due records (oldest first), delete them and everything
  they own (``retention.engine``), destroy their data keys, write the receipts to the database
  and to the journal file. Stored files are removed in the same step; if the transaction then
  fails, the rows are still due and the next run deletes them.
- Memory depends on the batch size, not on how much is due.
"""

from __future__ import annotations

import datetime
import logging
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import partial
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from confidentiality.audit import anchor_after_commit, audit_record
from confidentiality.journal import journal_append, journal_entries
from retention import engine
from retention.models import DeletionReceipt, RetentionSweep, SweepLease
from retention.schedule import RULES, Rule

if TYPE_CHECKING:
    from confidentiality.models import User

log = logging.getLogger(__name__)


# --- the lease ---------------------------------------------------------------------------


def _lease_row() -> None:
    """The one lease row, made on first use."""
    SweepLease.objects.get_or_create(pk=1)


def _take_lease(holder: uuid.UUID) -> bool:
    _lease_row()
    now = timezone.now()
    taken = (
        SweepLease.objects.filter(pk=1)
        .filter(Q(held_until__isnull=True) | Q(held_until__lt=now) | Q(holder=holder))
        .update(holder=holder, held_until=now + datetime.timedelta(seconds=settings.RETENTION_LEASE_SECONDS))
    )
    return taken == 1


def wait_for_batch_in_flight() -> None:
    """Wait, inside the caller's transaction, for a sweep batch being deleted to commit. A sweep
    batch holds the lease row from choosing its records to committing their deletion, so a legal
    hold that waits here is either seen by the batch or placed after it: never missed by it."""
    _lease_row()
    SweepLease.objects.select_for_update().filter(pk=1).exists()


def _give_back_lease(holder: uuid.UUID) -> None:
    SweepLease.objects.filter(pk=1, holder=holder).update(holder=None, held_until=None)


# --- what happens to special kinds as they are deleted --------------------------------------


def _before_delete(model: Any, rows: Any) -> None:
    """Stored files go with their rows (read only for the kinds that have them)."""
    from django.core.files.storage import default_storage

    from engagements.models import Document
    from rights.models import SubjectAccessExport

    if model in (Document, SubjectAccessExport):
        for name in rows.values_list("blob_name", flat=True):
            if name:
                default_storage.delete(name)
    # An export's data key has no other owner: ``purge_expired_exports`` (at the end of every
    # sweep) destroys keys whose export is gone.


def _shred(key_ids: list[Any]) -> list[str]:
    from confidentiality.crypto import data_key_cache
    from confidentiality.models import DataKey

    found = engine.delete_returning_ids(DataKey.objects.filter(pk__in=key_ids))
    for key_id in key_ids:
        data_key_cache.forget(key_id)
    return found


def _shred_stored(stored_ids: list[Any]) -> list[str]:
    """``_shred`` for data key ids as the database stores them (``engine.execute``'s ``also``):
    neither the ids going in nor those coming back are converted one by one."""
    from confidentiality.crypto import data_key_cache
    from confidentiality.models import DataKey

    found = engine.delete_by_stored_ids(DataKey, stored_ids)
    data_key_cache.forget_all(found)
    return found


def _close_logins(user_ids: list[Any]) -> list[str]:
    """A deleted client's portal login: closed, and their name and e-mail erased."""
    from allauth.account.models import EmailAddress
    from allauth.mfa.models import Authenticator

    from confidentiality.models import ApiToken, Notice, User

    closed = []
    for user in User.objects.filter(pk__in=user_ids):
        user.email = f"deleted-{user.pk}@deleted.invalid"
        user.display_name = ""
        user.is_active = False
        user.set_unusable_password()
        user.save(update_fields=["email", "display_name", "is_active", "password"])
        closed.append(str(user.pk))
    for model in (EmailAddress, Authenticator, ApiToken, Notice):
        model.objects.filter(user_id__in=user_ids).delete()
    return closed


# --- receipts ----------------------------------------------------------------------------


def _journal(receipts: list[DeletionReceipt]) -> None:
    """Append the receipts outside the database and make sure they are on disk."""
    journal_append(
        settings.RETENTION_JOURNAL,
        (
            {
                "receipt": str(r.pk),
                "sweep": str(r.sweep_id) if r.sweep_id else None,
                "rule": r.rule,
                "kind": r.kind,
                "count": r.count,
                "ids": r.object_ids,
                "as_of": r.as_of.isoformat(),
                "deleted_at": r.deleted_at.isoformat(),
            }
            for r in receipts
        ),
    )


def read_journal() -> Iterator[dict[str, Any]]:
    for number, entry in journal_entries(settings.RETENTION_JOURNAL):
        if entry is None:
            # A line cut short by a crash while writing: that batch's transaction did not commit.
            log.warning("retention journal: line %d is incomplete and was skipped", number)
            continue
        yield entry


def _receipts(
    sweep: RetentionSweep | None, rule_key: str, as_of: datetime.date, deleted: dict[str, list[str]]
) -> list[DeletionReceipt]:
    now = timezone.now()
    receipts = [
        DeletionReceipt(
            sweep=sweep, rule=rule_key, kind=kind, count=len(ids), object_ids=ids, as_of=as_of, deleted_at=now
        )
        for kind, ids in deleted.items()
        if ids
    ]
    DeletionReceipt.objects.bulk_create(receipts)
    # Journalled once the batch has committed: the journal never claims a deletion that a failed
    # commit undid (a crash in between leaves the receipt in the database only).
    transaction.on_commit(lambda: _journal(receipts))
    return receipts


# --- one rule, batch by batch --------------------------------------------------------------


def delete_records(rule: Rule, ids: list[Any]) -> tuple[dict[str, list[str]], list[str]]:
    """Delete these records of ``rule`` with all they own; the caller holds the transaction.
    Returns the ids deleted by kind, and the ids kept because something still blocks them."""
    model = rule.model
    logins = []
    if rule.root == "engagements.client":
        logins = list(model._default_manager.filter(pk__in=ids, user__isnull=False).values_list("user_id", flat=True))
    # The data keys of the records deleted come back from the records' own DELETE (``also``):
    # records kept because something blocks them keep theirs.
    outcome = engine.execute(rule.plan(), ids, before_delete=_before_delete, also=rule.shred_key)
    deleted: dict[str, list[str]] = dict(outcome.deleted)
    if outcome.also:
        deleted["confidentiality.datakey"] = _shred_stored(outcome.also)
    if logins:
        kept_logins = set(model._default_manager.filter(pk__in=outcome.kept).values_list("user_id", flat=True))
        closing = [u for u in logins if u not in kept_logins]
        if closing:
            deleted["confidentiality.user"] = _close_logins(closing)
    return deleted, outcome.kept


def after_batch_hook() -> None:
    """Called after each committed batch (tests use it to stop a sweep part-way)."""


@dataclass
class SweepOutcome:
    sweep: RetentionSweep
    deleted: Counter[str] = field(default_factory=Counter)
    kept_blocked: Counter[str] = field(default_factory=Counter)


def _after(order: tuple[str, ...], last: tuple[Any, ...]) -> Q:
    """Records after ``last`` in ``order`` (keyset pagination): for ``(anchor, pk)``,
    ``anchor > x OR (anchor = x AND pk > y)``."""
    after = Q(**{f"{order[-1]}__gt": last[-1]})
    for name, value in zip(reversed(order[:-1]), reversed(last[:-1]), strict=True):
        after = Q(**{f"{name}__gt": value}) | (Q(**{name: value}) & after)
    return after


def _sweep_batches(
    key: str,
    due: Any,
    order: tuple[str, ...],
    delete: Any,
    as_of: datetime.date,
    sweep: RetentionSweep,
    holder: uuid.UUID,
    batch_size: int,
    result: SweepOutcome,
) -> None:
    """Delete what ``due`` lists, a batch per transaction, until nothing is left. ``order`` is
    ``due``'s ordering, ending with the primary key: each batch starts after the last record of
    the one before (keyset pagination), so what a batch had to keep (``delete(ids)`` returns the
    ids deleted by kind and the ids kept because something still blocks them) is never chosen
    again, and neither the query nor the memory grows with how many were kept."""
    assert order[-1] == "pk"
    due = due.order_by(*order)
    last: tuple[Any, ...] | None = None
    while True:
        with transaction.atomic():
            if not _take_lease(holder):
                raise RuntimeError("The sweep lost its lease to another sweep; it stops here.")
            batch = due if last is None else due.filter(_after(order, last))
            rows = list(batch.values_list(*order)[:batch_size])
            if not rows:
                return
            last = rows[-1]
            deleted, kept = delete([row[-1] for row in rows])
            result.kept_blocked[key] += len(kept)
            _receipts(sweep, key, as_of, deleted)
            for kind, kind_ids in deleted.items():
                result.deleted[kind] += len(kind_ids)
        after_batch_hook()


def _delete_external(model: Any) -> Any:
    plan = engine.make_plan(model)

    def delete(ids: list[Any]) -> tuple[dict[str, list[str]], list[str]]:
        outcome = engine.execute(plan, ids, before_delete=_before_delete)
        return dict(outcome.deleted), outcome.kept

    return delete


def _external(as_of: datetime.date) -> list[tuple[str, Any]]:
    """Rules whose records' own code says what is due: financial records (``finance.retention``).

    An invoice is the root: its lines, payments and credit notes go with it. Legal holds on its
    organisation keep it."""
    return [("financial_records", _external_due("financial_records", as_of))]


def _external_due(key: str, as_of: datetime.date, *, held_too: bool = False) -> Any:
    from finance.retention import due_for_deletion

    assert key == "financial_records"
    invoices = due_for_deletion(as_of)["invoices"]
    return invoices if held_too else _financial_not_held(invoices)


def _financial_not_held(invoices: Any) -> Any:
    from retention.models import LegalHold

    holds = LegalHold.objects.filter(released_at__isnull=True)
    return (
        invoices.exclude(organisation_id__in=holds.filter(organisation__isnull=False).values("organisation_id"))
        .exclude(engagement_id__in=holds.filter(engagement__isnull=False).values("engagement_id"))
        # A hold on a client keeps the invoices of their engagements (a private client's: to them).
        .exclude(engagement__client_id__in=holds.filter(client__isnull=False).values("client_id"))
    )


def _external_due_counts(key: str, days: list[datetime.date]) -> list[int]:
    """``_external_due(key, day).count()`` for each of ``days``, in one query."""
    from finance.models import Invoice
    from finance.retention import invoices_due_counts

    assert key == "financial_records"
    return invoices_due_counts(_financial_not_held(Invoice.objects.all()), days)


def run_sweep(
    *, as_of: datetime.date | None = None, actor: User | None = None, batch_size: int | None = None
) -> SweepOutcome:
    as_of = as_of or timezone.localdate()
    batch_size = batch_size or settings.RETENTION_BATCH_SIZE
    holder = uuid.uuid4()
    if not _take_lease(holder):
        skipped = RetentionSweep.objects.create(
            as_of=as_of, triggered_by=actor, state=RetentionSweep.State.SKIPPED, finished_at=timezone.now()
        )
        return SweepOutcome(sweep=skipped)
    # Sweeps left running by a crash are marked as stopped; this one finishes their work.
    RetentionSweep.objects.filter(state=RetentionSweep.State.RUNNING).update(state=RetentionSweep.State.FAILED)
    sweep = RetentionSweep.objects.create(as_of=as_of, triggered_by=actor, id=holder)
    result = SweepOutcome(sweep=sweep)
    try:
        # Financial records first: an organisation's own record waits for them.
        for key, invoices in _external(as_of):
            delete = _delete_external(invoices.model)
            _sweep_batches(key, invoices, ("pk",), delete, as_of, sweep, holder, batch_size, result)
        for rule in RULES:
            delete = partial(delete_records, rule)
            _sweep_batches(
                rule.key, rule.due(as_of), (rule.anchor, "pk"), delete, as_of, sweep, holder, batch_size, result
            )
        _purge_exports(result)
        _clear_expired_sessions(result)
        # Key backups past their days go, so that what this sweep deleted stops being readable
        # from any backup once the key backups made before today are gone too.
        from retention.backups import prune_backups

        prune_backups()
    except BaseException:
        RetentionSweep.objects.filter(pk=sweep.pk).update(
            state=RetentionSweep.State.FAILED, finished_at=timezone.now(), deleted=dict(result.deleted)
        )
        raise
    finally:
        _give_back_lease(holder)
    sweep.state = RetentionSweep.State.FINISHED
    sweep.finished_at = timezone.now()
    sweep.deleted = dict(result.deleted)
    sweep.save(update_fields=["state", "finished_at", "deleted"])
    audit_record(actor=actor, action="retention.sweep", obj=sweep, detail={"deleted": dict(result.deleted)})
    from retention.forecast import forecast_set_aside

    forecast_set_aside()  # what it deleted leaves the forecast at the next view
    # The chain's head, with the sweep's deletions in it, outside the database once it commits.
    anchor_after_commit()
    return result


def _clear_expired_sessions(result: SweepOutcome) -> None:
    """As Django's clearsessions: by the clock, never by ``as_of`` (a sweep as of a later day
    must not sign anyone out)."""
    from django.contrib.sessions.models import Session

    count, _ = Session.objects.filter(expire_date__lt=timezone.now()).delete()
    if count:
        result.deleted["sessions.session"] += count


def _purge_exports(result: SweepOutcome) -> None:
    try:
        from rights.services import purge_expired_exports
    except ImportError:
        return
    purged = purge_expired_exports(timezone.now())
    if purged:
        result.deleted["retention.subjectaccessexport"] += purged


# --- what will go, and when ------------------------------------------------------------------


def _month_starts(as_of: datetime.date, months: int) -> list[datetime.date]:
    first = as_of.replace(day=1)
    out = []
    for i in range(months + 1):
        year, month = divmod(first.month - 1 + i, 12)
        out.append(datetime.date(first.year + year, month + 1, 1))
    return out


def _by_month(
    counts_due: Callable[[list[datetime.date]], list[int]], starts: list[datetime.date], as_of: datetime.date
) -> tuple[int, list[dict[str, Any]]]:
    """How many are due on ``as_of``, and how many fall due in each month after: the difference of
    the cumulative counts at the end of each month (``counts_due`` counts them all at once)."""
    ends = [start - datetime.timedelta(days=1) for start in starts[1:]]
    cumulative = counts_due([as_of, *ends])
    months = [
        {"month": starts[i].isoformat()[:7], "count": max(cumulative[i + 1] - cumulative[i], 0)}
        for i in range(len(ends))
    ]
    return cumulative[0], months


def preview(as_of: datetime.date | None = None, months: int = 12) -> dict[str, Any]:
    """What is due now, what holds keep, and what falls due in each of the next months."""
    from retention.schedule import EXTERNAL_RULES

    as_of = as_of or timezone.localdate()
    starts = _month_starts(as_of, months)
    rules: list[dict[str, Any]] = []
    for rule in RULES:
        due_now, by_month = _by_month(rule.due_counts, starts, as_of)
        rules.append(
            {
                "rule": rule.key,
                "what": rule.title,
                "period": f"{rule.period()} {rule.note}".strip(),
                "due_now": due_now,
                "held": rule.past_period(as_of).count() - due_now,
                "by_month": by_month,
            }
        )
    for key, (_root, what, period) in EXTERNAL_RULES.items():
        due_now, by_month = _by_month(partial(_external_due_counts, key), starts, as_of)
        rules.append(
            {
                "rule": key,
                "what": what,
                "period": period,
                "due_now": due_now,
                "held": _external_due(key, as_of, held_too=True).count() - due_now,
                "by_month": by_month,
            }
        )
    totals = [
        {"month": starts[i].isoformat()[:7], "count": sum(r["by_month"][i]["count"] for r in rules)}
        for i in range(months)
    ]
    return {"as_of": as_of.isoformat(), "rules": rules, "timeline": totals}


def due_in(days: int, as_of: datetime.date | None = None) -> int:
    """How many records become due exactly ``days`` from ``as_of`` (for the week-ahead warning)."""
    as_of = as_of or timezone.localdate()
    day = as_of + datetime.timedelta(days=days)
    before = day - datetime.timedelta(days=1)
    return sum(max(after - earlier, 0) for earlier, after in (rule.due_counts([before, day]) for rule in RULES))
