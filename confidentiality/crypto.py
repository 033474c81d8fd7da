"""Envelope encryption of fields, ours, on AES-GCM. No package fits: django-cryptography does not
import on Django 5, its fork signs with the raw SECRET_KEY (rotating it loses every value) and stores
pickles, and the Fernet-based fields return the ciphertext under a wrong key and turn 0, False and
'' into NULL; none offers a key per subject, which crypto-shredding one engagement needs.

- Key-encryption keys (KEKs) come from ``FIELD_ENCRYPTION_KEYS``: the first wraps, all unwrap.
- Each subject (an engagement, a client) has its own data key, stored wrapped in ``DataKey``.
- A ciphertext names its data key and binds the model, field, row id, owner (the engagement,
  client or other record the row belongs to) and key id as associated data, so a value moved to
  another row or column, or a row moved to another owner, does not decrypt. Values written before
  the owner was bound (``enc1.``) still read, and ``manage.py bind_ciphertexts`` rewrites them.
- Decryption fails closed with ``DecryptionError``; it never returns ciphertext or ``""``.
- Destroying a data key crypto-shreds every ciphertext made with it.
"""

from __future__ import annotations

import base64
import binascii
import logging
import os
import re
import threading
import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import models
from django.db.models.query_utils import DeferredAttribute

from confidentiality.records import record_label

log = logging.getLogger(__name__)

TOKEN_PREFIX = "enc2."  # associated data: model, field, row, owner and key id
_TOKEN_V1 = "enc1."  # associated data: model, field and row only; rewritten by bind_ciphertexts
_NONCE = 12


class DecryptionError(Exception):
    """A value could not be decrypted. The message names the row, never the content."""


@dataclass(frozen=True)
class KeyEncryptionKeys:
    primary_id: str
    keys: dict[str, AESGCM]


def parse_key_list(raw: str, *, variable: str) -> tuple[str, dict[str, bytes]]:
    """``"id:base64key,id:base64key"``: the first key's id and every key's 32 bytes, by id."""
    keys: dict[str, bytes] = {}
    for item in raw.split(","):
        item = item.strip()
        key_id, sep, encoded = item.partition(":")
        if not sep or not key_id or not encoded:
            raise ImproperlyConfigured(f"{variable}: each key must look like 'id:base64key'.")
        if not re.fullmatch(r"[A-Za-z0-9_-]{1,16}", key_id):
            raise ImproperlyConfigured(f"{variable}: a key id is 1 to 16 letters, digits, '-' or '_'.")
        if key_id in keys:
            raise ImproperlyConfigured(f"{variable}: key id {key_id!r} appears twice.")
        try:
            material = base64.urlsafe_b64decode(encoded.encode("ascii"))
        except (binascii.Error, ValueError, UnicodeEncodeError):
            raise ImproperlyConfigured(f"{variable}: key {key_id!r} is not valid base64.") from None
        if len(material) != 32:
            raise ImproperlyConfigured(f"{variable}: key {key_id!r} must be 32 bytes, not {len(material)}.")
        keys[key_id] = material
    return next(iter(keys)), keys


def parse_kek_setting(raw: str, *, variable: str = "FIELD_ENCRYPTION_KEYS") -> KeyEncryptionKeys:
    primary_id, keys = parse_key_list(raw, variable=variable)
    return KeyEncryptionKeys(primary_id=primary_id, keys={key_id: AESGCM(m) for key_id, m in keys.items()})


_kek_lock = threading.Lock()
_kek_cache: tuple[str, KeyEncryptionKeys] | None = None


def key_encryption_keys() -> KeyEncryptionKeys:
    global _kek_cache
    raw = settings.FIELD_ENCRYPTION_KEYS_RAW
    with _kek_lock:
        if _kek_cache is None or _kek_cache[0] != raw:
            _kek_cache = (raw, parse_kek_setting(raw))
        return _kek_cache[1]


def _wrap_aad(key_id: uuid.UUID) -> bytes:
    return b"datakey:" + key_id.bytes


def wrap(key_id: uuid.UUID, material: bytes) -> tuple[str, bytes]:
    keks = key_encryption_keys()
    nonce = os.urandom(_NONCE)
    return keks.primary_id, nonce + keks.keys[keks.primary_id].encrypt(nonce, material, _wrap_aad(key_id))


def unwrap(key_id: uuid.UUID, kek_id: str, wrapped: bytes) -> bytes:
    keks = key_encryption_keys()
    kek = keks.keys.get(kek_id)
    if kek is None:
        raise DecryptionError(f"Data key {key_id} is wrapped by key {kek_id!r}, which is not configured.")
    try:
        return kek.decrypt(wrapped[:_NONCE], wrapped[_NONCE:], _wrap_aad(key_id))
    except InvalidTag:
        raise DecryptionError(f"Data key {key_id} does not unwrap with key {kek_id!r}.") from None


class _DataKeyCache:
    """Unwrapped data keys per process, for a short time (DATA_KEY_CACHE_SECONDS).

    The time bound matters for crypto-shredding: a key destroyed in one process stops
    working everywhere within that many seconds.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._items: dict[uuid.UUID, tuple[float, AESGCM]] = {}

    def get(self, key_id: uuid.UUID) -> AESGCM | None:
        with self._lock:
            item = self._items.get(key_id)
            if item is None or item[0] < time.monotonic():
                self._items.pop(key_id, None)
                return None
            return item[1]

    def put(self, key_id: uuid.UUID, aead: AESGCM) -> None:
        ttl = settings.DATA_KEY_CACHE_SECONDS
        if ttl <= 0:
            return
        with self._lock:
            if len(self._items) > 10000:
                self._items.clear()
            self._items[key_id] = (time.monotonic() + ttl, aead)

    def forget(self, key_id: uuid.UUID) -> None:
        with self._lock:
            self._items.pop(key_id, None)

    def forget_all(self, key_ids: Iterable[str]) -> None:
        """``forget`` each of these keys, named by their text (``str(key_id)``), as a sweep has
        them: the few cached keys are looked for among them, not each id made a UUID."""
        with self._lock:
            if not self._items:
                return
            wanted = set(key_ids)
            for key_id in [k for k in self._items if str(k) in wanted]:
                del self._items[key_id]

    def clear(self) -> None:
        with self._lock:
            self._items.clear()


data_key_cache = _DataKeyCache()


def data_key_create(*, purpose: str) -> Any:
    from confidentiality.models import DataKey

    key_id = uuid.uuid4()
    material = AESGCM.generate_key(bit_length=256)
    kek_id, wrapped = wrap(key_id, material)
    key = DataKey.objects.create(id=key_id, purpose=purpose, kek_id=kek_id, wrapped=wrapped)
    data_key_cache.put(key_id, AESGCM(material))
    return key


def data_key_destroy(*, key_id: uuid.UUID) -> None:
    """Crypto-shred: once the row is gone, no copy of a ciphertext made with it decrypts."""
    from confidentiality.models import DataKey

    DataKey.objects.filter(id=key_id).delete()
    data_key_cache.forget(key_id)


def load_data_keys(key_ids: Iterable[uuid.UUID]) -> None:
    """Unwrap many keys in one query (list pages call this before reading fields)."""
    from confidentiality.models import DataKey

    missing = {k for k in key_ids if k is not None and data_key_cache.get(k) is None}
    if not missing:
        return
    for key in DataKey.objects.filter(id__in=missing):
        data_key_cache.put(key.id, AESGCM(unwrap(key.id, key.kek_id, bytes(key.wrapped))))


def remember_data_keys(keys: Iterable[Any]) -> None:
    """Unwrap data keys a query already loaded (``select_related("data_key")``): what
    ``load_data_keys`` does, without its query."""
    for key in keys:
        if key is not None and data_key_cache.get(key.id) is None:
            data_key_cache.put(key.id, AESGCM(unwrap(key.id, key.kek_id, bytes(key.wrapped))))


def _aead_for(key_id: uuid.UUID) -> AESGCM:
    from confidentiality.models import DataKey

    aead = data_key_cache.get(key_id)
    if aead is not None:
        return aead
    try:
        key = DataKey.objects.get(id=key_id)
    except DataKey.DoesNotExist:
        raise DecryptionError(f"Data key {key_id} no longer exists (the content was deleted).") from None
    aead = AESGCM(unwrap(key.id, key.kek_id, bytes(key.wrapped)))
    data_key_cache.put(key_id, aead)
    return aead


def associated_data(model: type[models.Model], field_name: str, pk: Any) -> bytes:
    """What an ``enc1.`` value is bound to; an ``enc2.`` value adds its owner and key id."""
    return f"{record_label(model)}.{field_name}:{pk}".encode()


def bound_associated_data(base: bytes, *, owner: Any, key_id: uuid.UUID) -> bytes:
    return base + f"|owner:{owner}|key:{key_id}".encode()


def encrypt_value(plaintext: str, *, key_id: uuid.UUID, aad: bytes) -> str:
    """An ``enc2.`` token: ``aad`` is the full associated data (bound_associated_data)."""
    nonce = os.urandom(_NONCE)
    sealed = _aead_for(key_id).encrypt(nonce, plaintext.encode("utf-8"), aad)
    return TOKEN_PREFIX + base64.urlsafe_b64encode(key_id.bytes + nonce + sealed).decode("ascii")


def token_key_id(token: str) -> uuid.UUID:
    raw = _decode_token(token, "?")
    return uuid.UUID(bytes=raw[:16])


def token_is_bound(token: str) -> bool:
    return token.startswith(TOKEN_PREFIX)


def _decode_token(token: str, where: str) -> bytes:
    prefix = TOKEN_PREFIX if token.startswith(TOKEN_PREFIX) else _TOKEN_V1
    if not token.startswith(prefix):
        raise DecryptionError(f"{where}: stored value is not an encrypted token.")
    try:
        raw = base64.urlsafe_b64decode(token[len(prefix) :].encode("ascii"))
    except (binascii.Error, ValueError):
        raise DecryptionError(f"{where}: stored value is malformed.") from None
    if len(raw) < 16 + _NONCE + 16:
        raise DecryptionError(f"{where}: stored value is truncated.")
    return raw


def decrypt_value(token: str, *, aad: bytes, where: str, owner: Any = None) -> str:
    """``aad`` is the row's base associated data (associated_data); an ``enc2.`` token also needs
    the ``owner`` it was bound to, and checks it."""
    raw = _decode_token(token, where)
    key_id = uuid.UUID(bytes=raw[:16])
    if token_is_bound(token):
        aad = bound_associated_data(aad, owner=owner, key_id=key_id)
    elif not settings.ACCEPT_UNBOUND_CIPHERTEXTS:
        raise DecryptionError(f"{where}: written before values were bound to their owner, and no longer accepted.")
    aead = _aead_for(key_id)
    try:
        return aead.decrypt(raw[16 : 16 + _NONCE], raw[16 + _NONCE :], aad).decode("utf-8")
    except InvalidTag:
        raise DecryptionError(f"{where}: value does not decrypt for this row, field and owner.") from None


class Sealed:
    """A ciphertext as loaded from the database, not yet decrypted."""

    __slots__ = ("token",)

    def __init__(self, token: str) -> None:
        self.token = token

    def __repr__(self) -> str:
        return "<encrypted>"

    __str__ = __repr__


class _PreparedToken(str):
    """A token produced by ``pre_save``: the only str the field lets reach the database."""


UNREADABLE_TEXT = "This record cannot be read; the administrator has been told."
UNREADABLE_REFUSAL = "This record cannot be read, so it cannot be changed; the administrator has been told."


class Unreadable(str):
    """What a value that does not decrypt reads as: the page around it still renders. It keeps the
    stored token, so saving the record writes that back, never this text."""

    token: str

    def __new__(cls, token: str) -> Unreadable:
        value = super().__new__(cls, UNREADABLE_TEXT)
        value.token = token
        return value


_told_unreadable: set[tuple[str, str, str]] = set()
_told_lock = threading.Lock()


def tell_of_unreadable(instance: Any, field_name: str, error: DecryptionError) -> None:
    """Audit the failure and tell the practice's administrators, once per record and field (per
    process; one notice stays on their dashboards until someone marks it done). Names the record,
    never content. Never raises: the page that met it must still render."""
    label, pk = record_label(instance), str(instance.pk)
    with _told_lock:
        if (label, pk, field_name) in _told_unreadable:
            return
        _told_unreadable.add((label, pk, field_name))
    log.error("Stored value %s.%s of %s does not decrypt: %s", label, field_name, pk, error)
    try:
        from django.db import transaction

        from confidentiality.accounts import administrators
        from confidentiality.audit import audit_record
        from confidentiality.models import Notice
        from confidentiality.notify import notify

        # Its own savepoint: a failure here is logged and swallowed, and must not spoil the
        # caller's transaction (the audit appends without one of their own).
        with transaction.atomic():
            audit_record(
                actor=None, action="record.unreadable", object_type=label, object_id=pk, detail={"field": field_name}
            )
            about = f"unreadable:{label}:{pk}"
            if not Notice.objects.filter(about=about, done_at__isnull=True).exists():
                notify(
                    users=administrators(),
                    text=f"A stored record ({label} {pk}) cannot be read: its encrypted value does not open. "
                    "Check the keys and the database before anyone edits it.",
                    about=about,
                )
    except Exception:
        log.exception("Could not record that %s %s cannot be read", label, pk)


class EncryptedAttribute(DeferredAttribute):
    """Decrypts on first read, so list pages pay only for the fields they show."""

    def __get__(self, instance: Any, cls: Any = None) -> Any:
        if instance is None:
            return self
        value = super().__get__(instance, cls)
        if isinstance(value, Sealed):
            field: EncryptedTextField = self.field  # type: ignore[assignment]
            try:
                value = field.open(instance, value.token)
            except DecryptionError as error:
                # Fails closed: never the ciphertext, never "" (which reads as "nothing was
                # written"), and never a 500 for a whole list because of one row.
                tell_of_unreadable(instance, field.name, error)
                value = Unreadable(value.token)
                instance.__dict__.setdefault("_unreadable_fields", set()).add(field.attname)
            instance.__dict__[field.attname] = value
        return value

    def __set__(self, instance: Any, value: Any) -> None:
        # Defining __set__ makes this a data descriptor, so reads always pass through
        # __get__ even though the value lives in the instance's __dict__.
        before = instance.__dict__.get(self.field.attname)
        if isinstance(before, Sealed) and not isinstance(value, Sealed):
            # Replaced without being read: pre_save checks it opens before writing over it.
            instance.__dict__.setdefault("_replaced_tokens", {})[self.field.attname] = before.token
        instance.__dict__[self.field.attname] = value


class EncryptedTextField(models.TextField):
    """Text encrypted under the data key of the record named by ``key_from``.

    ``key_from`` is a dotted path from the instance to the object owning a
    ``data_key_id`` (``"engagement"``, or ``"self"`` for the instance itself). The model
    must have a primary key known before insert (a UUID), so that it can be bound in.
    Plain strings never reach the database: ``QuerySet.update()`` or a filter with a
    plain value raises ``TypeError`` instead of storing or comparing plaintext.
    """

    descriptor_class = EncryptedAttribute

    def __init__(self, *args: Any, key_from: str = "self", **kwargs: Any) -> None:
        self.key_from = key_from
        super().__init__(*args, **kwargs)

    def deconstruct(self) -> Any:
        name, path, args, kwargs = super().deconstruct()
        kwargs["key_from"] = self.key_from
        return name, path, args, kwargs

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> Any:
        if value is None:
            return None
        return Sealed(value)

    def owner_of(self, instance: Any) -> Any:
        """The ids of the records the row belongs to: its own for ``key_from="self"``, else each
        step of the path (a note's engagement; a complaint response's complaint, then its client).
        Read from the rows' own columns, so a row moved to another owner, at any step, no longer
        decrypts. The first step is the row's own column (no query)."""
        if self.key_from == "self":
            return instance.pk
        steps = self.key_from.split(".")
        ids, current = [], instance
        for position, step in enumerate(steps, start=1):
            ids.append(str(getattr(current, type(current)._meta.get_field(step).attname)))
            if position < len(steps):
                current = getattr(current, step)
        return "/".join(ids)

    def open(self, instance: Any, token: str) -> str:
        return decrypt_value(
            token,
            aad=associated_data(type(instance), self.name, instance.pk),
            where=f"{type(instance)._meta.label}.{self.name} of {instance.pk}",
            owner=self.owner_of(instance),
        )

    def key_id_for(self, instance: Any) -> uuid.UUID:
        holder = instance
        if self.key_from != "self":
            for part in self.key_from.split("."):
                holder = getattr(holder, part)
        key_id = getattr(holder, "data_key_id", None)
        if key_id is None:
            raise ValueError(f"{type(instance)._meta.label}.{self.name}: the record has no data key to encrypt with.")
        return key_id

    def pre_save(self, model_instance: Any, add: bool) -> Any:
        value = model_instance.__dict__.get(self.attname)
        if value is None:
            return None
        if isinstance(value, Sealed | Unreadable):
            return _PreparedToken(value.token)
        replaced = model_instance.__dict__.get("_replaced_tokens", {}).get(self.attname)
        unreadable = value == UNREADABLE_TEXT or self.attname in model_instance.__dict__.get("_unreadable_fields", ())
        if not unreadable and replaced is not None:
            try:
                self.open(model_instance, replaced)
            except DecryptionError as error:
                tell_of_unreadable(model_instance, self.name, error)
                unreadable = True
        if unreadable:
            # What is stored does not decrypt: it may yet be recovered (a key put back, a row
            # moved back), so nothing is written over it, whatever the path that tried.
            from django.core.exceptions import ValidationError

            raise ValidationError(UNREADABLE_REFUSAL, code="unreadable")
        if not isinstance(value, str):
            raise TypeError(f"{type(model_instance)._meta.label}.{self.name} takes text.")
        key_id = self.key_id_for(model_instance)
        base = associated_data(type(model_instance), self.name, model_instance.pk)
        return _PreparedToken(
            encrypt_value(
                value,
                key_id=key_id,
                aad=bound_associated_data(base, owner=self.owner_of(model_instance), key_id=key_id),
            )
        )

    def get_prep_value(self, value: Any) -> Any:
        if value is None or isinstance(value, _PreparedToken):
            return str(value) if value is not None else None
        if isinstance(value, Sealed):
            return value.token
        raise TypeError(f"{self.name} is encrypted: save the model instead of updating or filtering with plaintext.")

    def to_python(self, value: Any) -> Any:
        return value

    def validate(self, value: Any, model_instance: Any) -> None:
        # An edit form shows the placeholder of a value that does not decrypt; sent back, it must
        # never be stored over the value (which may yet be recovered): the form says so instead.
        if value == UNREADABLE_TEXT and not isinstance(value, Unreadable):
            from django.core.exceptions import ValidationError

            raise ValidationError(UNREADABLE_REFUSAL, code="unreadable")
        super().validate(value, model_instance)

    def value_to_string(self, obj: Any) -> str:
        raise TypeError(f"{self.name} is encrypted and is never serialised in plain text.")


def encrypted_fields() -> list[tuple[type[models.Model], EncryptedTextField]]:
    from django.apps import apps

    found = []
    for model in apps.get_models():
        for field in model._meta.concrete_fields:
            if isinstance(field, EncryptedTextField):
                found.append((model, field))
    return found


# --- small secrets sealed directly by the key-encryption keys -----------------------
# (second-factor secrets: they belong to no engagement or client, so no data key.)
_KEK_PREFIX = "kek1."


def seal_with_kek(plaintext: str, *, purpose: str) -> str:
    keks = key_encryption_keys()
    nonce = os.urandom(_NONCE)
    sealed = keks.keys[keks.primary_id].encrypt(nonce, plaintext.encode("utf-8"), purpose.encode("utf-8"))
    return f"{_KEK_PREFIX}{keks.primary_id}.{base64.urlsafe_b64encode(nonce + sealed).decode('ascii')}"


def open_with_kek(token: str, *, purpose: str) -> str:
    if not token.startswith(_KEK_PREFIX):
        raise DecryptionError(f"{purpose}: stored value is not sealed.")
    kek_id, _, encoded = token[len(_KEK_PREFIX) :].partition(".")
    kek = key_encryption_keys().keys.get(kek_id)
    if kek is None:
        raise DecryptionError(f"{purpose}: sealed with key {kek_id!r}, which is not configured.")
    try:
        raw = base64.urlsafe_b64decode(encoded.encode("ascii"))
        return kek.decrypt(raw[:_NONCE], raw[_NONCE:], purpose.encode("utf-8")).decode("utf-8")
    except (InvalidTag, binascii.Error, ValueError):
        raise DecryptionError(f"{purpose}: sealed value does not open.") from None


def kek_id_of_sealed(token: str) -> str:
    return token[len(_KEK_PREFIX) :].partition(".")[0]


# --- file content --------------------------------------------------------------------


_BLOB_V2 = b"\x00cb2"  # a file bound to its owner; older files start with their key id


def encrypt_blob(content: bytes, *, key_id: uuid.UUID, aad: bytes) -> bytes:
    nonce = os.urandom(_NONCE)
    return _BLOB_V2 + key_id.bytes + nonce + _aead_for(key_id).encrypt(nonce, content, aad)


def blob_is_bound(blob: bytes) -> bool:
    return blob.startswith(_BLOB_V2)


def decrypt_blob(blob: bytes, *, aad: bytes, where: str, unbound_aad: bytes | None = None) -> bytes:
    """``aad`` binds the file to its record and owner; a file written before owners were bound is
    read with ``unbound_aad`` (its record alone) until bind_ciphertexts rewrites it."""
    if blob_is_bound(blob):
        blob = blob[len(_BLOB_V2) :]
    elif unbound_aad is not None:
        if not settings.ACCEPT_UNBOUND_CIPHERTEXTS:
            raise DecryptionError(f"{where}: written before files were bound to their owner, and no longer accepted.")
        aad = unbound_aad
    if len(blob) < 16 + _NONCE + 16:
        raise DecryptionError(f"{where}: stored file is truncated.")
    key_id = uuid.UUID(bytes=blob[:16])
    try:
        return _aead_for(key_id).decrypt(blob[16 : 16 + _NONCE], blob[16 + _NONCE :], aad)
    except InvalidTag:
        raise DecryptionError(f"{where}: stored file does not decrypt for this record and owner.") from None
