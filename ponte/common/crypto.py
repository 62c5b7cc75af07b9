"""AES-256-GCM field encryption with a versioned key ring from the environment.

Stored form: ``pf1:<key id>:<base64(nonce || ciphertext+tag)>``. The associated
data binds a ciphertext to its model and field, so a value copied into another
column does not decrypt. Rotation: add a key with a higher id; new writes use
it, old values stay readable, and ``manage.py reencrypt`` migrates them.
"""

from __future__ import annotations

import base64
import binascii
import os
from dataclasses import dataclass
from functools import lru_cache

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

PREFIX = "pf1"
NONCE_BYTES = 12


class DecryptionError(Exception):
    """A stored value could not be authenticated with any key of the ring."""


@dataclass(frozen=True)
class KeyRing:
    keys: dict[int, bytes]

    @property
    def current_id(self) -> int:
        return max(self.keys)


def parse_key_ring(spec: str) -> KeyRing:
    keys: dict[int, bytes] = {}
    for item in spec.split(","):
        item = item.strip()
        if not item:
            continue
        key_id_text, _, encoded = item.partition(":")
        try:
            key_id = int(key_id_text)
            key = base64.b64decode(encoded, validate=True)
        except (ValueError, binascii.Error) as exc:
            raise ImproperlyConfigured("PONTE_FIELD_KEYS: malformed entry") from exc
        if len(key) != 32:
            raise ImproperlyConfigured("PONTE_FIELD_KEYS: every key must be 32 bytes")
        keys[key_id] = key
    if not keys:
        raise ImproperlyConfigured("PONTE_FIELD_KEYS: no key configured")
    return KeyRing(keys)


@lru_cache(maxsize=4)
def _ring_for(spec: str) -> KeyRing:
    return parse_key_ring(spec)


def key_ring() -> KeyRing:
    return _ring_for(settings.PONTE_FIELD_KEYS)


def encrypt(plaintext: str, *, context: str, ring: KeyRing | None = None) -> str:
    ring = ring or key_ring()
    key_id = ring.current_id
    nonce = os.urandom(NONCE_BYTES)
    sealed = AESGCM(ring.keys[key_id]).encrypt(nonce, plaintext.encode(), context.encode())
    return f"{PREFIX}:{key_id}:{base64.b64encode(nonce + sealed).decode()}"


def key_id_of(token: str) -> int | None:
    parts = token.split(":", 2)
    if len(parts) != 3 or parts[0] != PREFIX:
        return None
    try:
        return int(parts[1])
    except ValueError:
        return None


def decrypt(token: str, *, context: str, ring: KeyRing | None = None) -> str:
    ring = ring or key_ring()
    key_id = key_id_of(token)
    if key_id is None or key_id not in ring.keys:
        raise DecryptionError("unknown format or key id")
    try:
        blob = base64.b64decode(token.split(":", 2)[2], validate=True)
        nonce, sealed = blob[:NONCE_BYTES], blob[NONCE_BYTES:]
        return AESGCM(ring.keys[key_id]).decrypt(nonce, sealed, context.encode()).decode()
    except Exception as exc:  # InvalidTag, bad base64, bad UTF-8: all mean "not ours"
        raise DecryptionError("value failed authentication") from exc
