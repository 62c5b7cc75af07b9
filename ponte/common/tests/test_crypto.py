from __future__ import annotations

import base64
import os

import pytest
from django.core.exceptions import ImproperlyConfigured
from hypothesis import given
from hypothesis import strategies as st

from ponte.common import crypto


def ring(*ids: int) -> crypto.KeyRing:
    return crypto.KeyRing({i: os.urandom(32) for i in ids})


RING = ring(1)


@given(st.text(max_size=500), st.text(min_size=1, max_size=40))
def test_round_trip(plaintext: str, context: str) -> None:
    token = crypto.encrypt(plaintext, context=context, ring=RING)
    assert plaintext == crypto.decrypt(token, context=context, ring=RING)


@given(st.text(min_size=1, max_size=200), st.integers(min_value=0, max_value=10_000))
def test_tampered_ciphertext_is_refused(plaintext: str, position: int) -> None:
    token = crypto.encrypt(plaintext, context="m.f", ring=RING)
    prefix, key_id, body = token.split(":", 2)
    blob = bytearray(base64.b64decode(body))
    blob[position % len(blob)] ^= 0x01
    tampered = f"{prefix}:{key_id}:{base64.b64encode(bytes(blob)).decode()}"
    with pytest.raises(crypto.DecryptionError):
        crypto.decrypt(tampered, context="m.f", ring=RING)


@given(st.text(max_size=100))
def test_wrong_context_is_refused(plaintext: str) -> None:
    token = crypto.encrypt(plaintext, context="people.Person.notes", ring=RING)
    with pytest.raises(crypto.DecryptionError):
        crypto.decrypt(token, context="people.Person.alias", ring=RING)


def test_rotation_keeps_old_values_readable() -> None:
    old = ring(1)
    token = crypto.encrypt("segreto", context="c", ring=old)
    rotated = crypto.KeyRing({1: old.keys[1], 2: os.urandom(32)})
    assert crypto.decrypt(token, context="c", ring=rotated) == "segreto"
    assert crypto.key_id_of(crypto.encrypt("x", context="c", ring=rotated)) == 2


def test_malformed_key_ring_is_refused() -> None:
    with pytest.raises(ImproperlyConfigured):
        crypto.parse_key_ring("1:not-base64!")
    with pytest.raises(ImproperlyConfigured):
        crypto.parse_key_ring(f"1:{base64.b64encode(b'short').decode()}")
