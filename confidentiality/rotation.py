"""Key rotation.

- ``rotate_key_encryption_keys``: re-wraps every data key (and every sealed second-factor
  secret) under the first key in FIELD_ENCRYPTION_KEYS. Content is untouched, so it is fast;
  afterwards the old key can be removed from the setting.
- ``rotate_data_keys``: gives each subject a fresh data key and re-encrypts its content.
  One subject per transaction (new key, its rows re-encrypted, old key destroyed), so a
  crash part-way leaves every row readable and a rerun finishes the job.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import models, transaction
from django.utils import timezone

from confidentiality.adapters import BOUND, SEALED_KEYS
from confidentiality.crypto import (
    DecryptionError,
    EncryptedTextField,
    Unreadable,
    data_key_cache,
    data_key_create,
    encrypted_fields,
    kek_id_of_sealed,
    key_encryption_keys,
    unwrap,
    wrap,
)
from confidentiality.models import DataKey
from confidentiality.outbox import reseal_under
from confidentiality.records import pk_batches


@dataclass
class RotationReport:
    data_keys_rewrapped: int = 0
    secrets_resealed: int = 0
    emails_resealed: int = 0
    subjects_rekeyed: int = 0
    values_reencrypted: int = 0
    by_field: dict[str, int] = field(default_factory=dict)
    # Subjects left under their key because something of theirs does not decrypt.
    skipped: list[str] = field(default_factory=list)
    secrets_unreadable: list[str] = field(default_factory=list)


def rotate_key_encryption_keys(*, batch_size: int | None = None) -> RotationReport:
    batch_size = batch_size or settings.ENCRYPTION_BATCH_SIZE
    primary = key_encryption_keys().primary_id
    report = RotationReport()
    while True:
        with transaction.atomic():
            batch = list(DataKey.objects.select_for_update().exclude(kek_id=primary).order_by("id")[:batch_size])
            if not batch:
                break
            for key in batch:
                material = unwrap(key.id, key.kek_id, bytes(key.wrapped))
                key.kek_id, key.wrapped = wrap(key.id, material)
                key.rewrapped_at = timezone.now()
            DataKey.objects.bulk_update(batch, ["kek_id", "wrapped", "rewrapped_at"])
            report.data_keys_rewrapped += len(batch)
    report.secrets_resealed, report.secrets_unreadable = reseal_authenticators(primary)
    report.emails_resealed = reseal_under(primary)
    return report


def reseal_authenticators(primary: str | None = None) -> tuple[int, list[str]]:
    """Seal every second-factor secret (TOTP secrets, recovery-code seeds) bound to its user under
    the first key-encryption key, where it is not already; one transaction each. Returns how many,
    and the ones left as they are because they do not open for their user (a copied secret)."""
    from allauth.mfa.models import Authenticator

    changed, unreadable = 0, []
    for pk in Authenticator.objects.order_by("pk").values_list("pk", flat=True):
        with transaction.atomic():
            data = Authenticator.objects.select_for_update().filter(pk=pk).values_list("data", flat=True).first()
            if not isinstance(data, dict):
                continue
            stored = [value for name, value in data.items() if name in SEALED_KEYS and isinstance(value, str)]
            if all(
                value.startswith(BOUND) and (primary is None or kek_id_of_sealed(value[len(BOUND) :]) == primary)
                for value in stored
            ):
                continue
            # Loaded (opened for its user) and saved (bound again, under the first key).
            authenticator = Authenticator.objects.get(pk=pk)
            if getattr(authenticator, "_unreadable_secret", False):
                unreadable.append(f"authenticator {pk}")
                continue
            authenticator.save(update_fields=["data"])
            changed += 1
    return changed, unreadable


def _holder_model(model: type[models.Model], path: str) -> type[models.Model]:
    current = model
    if path != "self":
        for part in path.split("."):
            current = current._meta.get_field(part).related_model  # type: ignore[assignment]
    return current


def _fields_by_holder() -> dict[type[models.Model], list[tuple[type[models.Model], EncryptedTextField]]]:
    grouped: dict[type[models.Model], list[tuple[type[models.Model], EncryptedTextField]]] = {}
    for model, enc_field in encrypted_fields():
        grouped.setdefault(_holder_model(model, enc_field.key_from), []).append((model, enc_field))
    return grouped


def _rows_of(model: type[models.Model], enc_field: EncryptedTextField, holder: Any) -> Any:
    if enc_field.key_from == "self":
        return model._default_manager.filter(pk=holder.pk)
    return model._default_manager.filter(**{enc_field.key_from.replace(".", "__"): holder})


def rotate_data_keys(*, batch_size: int | None = None) -> RotationReport:
    batch_size = batch_size or settings.ENCRYPTION_BATCH_SIZE
    report = RotationReport()
    started = timezone.now()
    # A key a value elsewhere still names (a row moved to another owner) is not destroyed: moved
    # back, the value opens again.
    named_elsewhere = keys_named_elsewhere(batch_size=batch_size)
    for holder_model, fields in _fields_by_holder().items():
        holders = holder_model._default_manager.filter(data_key__created_at__lt=started)
        for chunk in pk_batches(holders, batch_size):
            for holder in chunk:
                try:
                    if getattr(holder, "data_key_id", None) in named_elsewhere:
                        raise DecryptionError(f"a value of another record is under the key of {holder.pk}")
                    _rekey_one(holder, fields, report)
                except DecryptionError:
                    # Something of it does not decrypt: its key stays, so what is stored may yet be
                    # recovered (the value was reported when it was read).
                    report.skipped.append(f"{holder._meta.label} {holder.pk}")
    return report


def rekey_holder(holder: Any) -> RotationReport:
    """One subject (an engagement, a client) given a fresh data key now: its content re-encrypted,
    its files too, and the old key destroyed, so that a copy of anything once under the old key (a
    backup, the journal) no longer opens. Raises DecryptionError, changing nothing, if something of
    it does not decrypt. (Values are bound to their owner, so no other owner's value is under it.)"""
    report = RotationReport()
    _rekey_one(holder, _fields_by_holder().get(type(holder), []), report)
    return report


@transaction.atomic
def _rekey_one(
    holder: Any, fields: list[tuple[type[models.Model], EncryptedTextField]], report: RotationReport
) -> None:
    holder = type(holder)._default_manager.select_for_update().get(pk=holder.pk)
    old_key = DataKey.objects.get(pk=holder.data_key_id)
    # Read every value under the old key first, then switch keys and write them back.
    by_model: dict[type[models.Model], list[str]] = {}
    for model, enc_field in fields:
        by_model.setdefault(model, []).append(enc_field.name)
    pending: list[tuple[Any, list[str]]] = []
    for model, names in by_model.items():
        probe = next(f for m, f in fields if m is model)
        for row in _rows_of(model, probe, holder).iterator(chunk_size=500):
            present = [name for name in names if row.__dict__.get(name) is not None]
            for name in present:
                if isinstance(getattr(row, name), Unreadable):  # decrypt now, while the old key exists
                    raise DecryptionError(f"{model._meta.label}.{name} of {row.pk} does not decrypt")
            pending.append((row, present))
    new_key = data_key_create(purpose=old_key.purpose)
    type(holder)._default_manager.filter(pk=holder.pk).update(data_key=new_key)
    holder.data_key = new_key
    old_blobs = _reencrypt_blobs(holder, new_key.id, report)
    for row, names in pending:
        if row.pk == holder.pk and type(row) is type(holder):
            row.data_key = new_key
        else:
            # Point the row's path at the re-keyed holder so key_id_for finds the new key.
            for model, enc_field in fields:
                if type(row) is model and enc_field.key_from != "self":
                    _set_path(row, enc_field.key_from, holder)
        if names:
            row.save(update_fields=names)
            report.values_reencrypted += len(names)
            for name in names:
                label = f"{type(row)._meta.label}.{name}"
                report.by_field[label] = report.by_field.get(label, 0) + 1
    old_key.delete()
    data_key_cache.forget(old_key.id)
    report.subjects_rekeyed += 1
    # The old files go only once the new ones are committed; before that they are still the truth.
    transaction.on_commit(lambda: _delete_blobs(old_blobs))


def _set_path(row: Any, path: str, holder: Any) -> None:
    parts = path.split(".")
    target = row
    for part in parts[:-1]:
        target = getattr(target, part)
    setattr(target, parts[-1], holder)


# Stored files encrypted under a holder's data key, by the app that keeps them: each function
# re-encrypts one holder's files under the new key and returns the old files' names, which go once
# the rotation commits. Apps register theirs in ``AppConfig.ready`` (engagements: documents).
FILE_REKEYERS: list[Callable[[Any, Any, RotationReport], list[str]]] = []


def _reencrypt_blobs(holder: Any, new_key_id: Any, report: RotationReport) -> list[str]:
    old_names: list[str] = []
    for rekey in FILE_REKEYERS:
        old_names += rekey(holder, new_key_id, report)
    return old_names


def _delete_blobs(names: list[str]) -> None:
    from django.core.files.storage import default_storage

    for name in names:
        default_storage.delete(name)


# --- binding ciphertexts written before owners were bound ------------------------------------


def _owner_key_rows(model: type[models.Model], enc_field: EncryptedTextField, batch_size: int) -> Any:
    """Every row's (pk, stored value, its owner's data key id today), in pk order, by batches."""
    rows = model._default_manager.values_list("pk", enc_field.attname, _key_path(enc_field))
    return pk_batches(rows, batch_size)


def _stored_key_id(sealed: Any) -> Any:
    from confidentiality.crypto import token_key_id

    if sealed is None:
        return None
    try:
        return token_key_id(sealed.token)
    except (DecryptionError, ValueError):
        return None


def keys_named_elsewhere(*, batch_size: int | None = None) -> set[Any]:
    """The data keys that a stored value names although its owner's key today is another: the keys
    of rows moved to another owner. One pass over every encrypted column."""
    batch_size = batch_size or settings.ENCRYPTION_BATCH_SIZE
    found: set[Any] = set()
    for model, enc_field in encrypted_fields():
        for batch in _owner_key_rows(model, enc_field, batch_size):
            for _pk, sealed, owner_key in batch:
                key_id = _stored_key_id(sealed)
                if key_id is not None and key_id != owner_key:
                    found.add(key_id)
    return found


@dataclass
class BindReport:
    values_bound: int = 0
    files_bound: int = 0
    authenticators_bound: int = 0
    # Rows whose value is under a key that is not their owner's today: a row moved to another
    # owner. Left as they are (binding them would make the move stick) and named for a person.
    refused: list[str] = field(default_factory=list)


# Apps whose stored files are encrypted register a binder (engagements: documents): it rewrites
# their unbound files, a batch per transaction, counting them and naming the refused in the report.
FILE_BINDERS: list[Callable[[int, BindReport], None]] = []


def _key_path(enc_field: EncryptedTextField) -> str:
    return "data_key_id" if enc_field.key_from == "self" else enc_field.key_from.replace(".", "__") + "__data_key_id"


def bind_ciphertexts(*, batch_size: int | None = None) -> BindReport:
    """Rewrite every ``enc1.`` value (bound to its row alone) as ``enc2.`` (bound to its owner and
    key too), under the same data key; then the documents' files and the second-factor secrets.
    One batch per transaction, each rewritten value its own check: stopping at any point leaves
    every value readable, and running it again carries on."""
    batch_size = batch_size or settings.ENCRYPTION_BATCH_SIZE
    report = BindReport()
    for model, enc_field in encrypted_fields():
        for batch in _owner_key_rows(model, enc_field, batch_size):
            _bind_batch(model, enc_field, batch, report)
    for binder in FILE_BINDERS:
        binder(batch_size, report)
    report.authenticators_bound, unreadable = reseal_authenticators()
    report.refused += unreadable
    return report


@transaction.atomic
def _bind_batch(
    model: type[models.Model], enc_field: EncryptedTextField, batch: list[tuple[Any, Any, Any]], report: BindReport
) -> None:
    from confidentiality.crypto import token_is_bound

    for pk, sealed, owner_key in batch:
        if sealed is None or token_is_bound(sealed.token):
            continue
        if _stored_key_id(sealed) != owner_key:  # another owner's key, or not a token at all
            report.refused.append(f"{model._meta.label}.{enc_field.name} {pk}")
            continue
        row = model._default_manager.select_for_update().get(pk=pk)
        plain = getattr(row, enc_field.name)  # opened as enc1.: the row alone
        if isinstance(plain, Unreadable):
            report.refused.append(f"{model._meta.label}.{enc_field.name} {pk}")
            continue
        setattr(row, enc_field.attname, str(plain))
        # Sealed as enc2. under the owner's key; written by update(), so no save() side effect runs.
        model._default_manager.filter(pk=pk).update(**{enc_field.attname: enc_field.pre_save(row, add=False)})
        report.values_bound += 1
