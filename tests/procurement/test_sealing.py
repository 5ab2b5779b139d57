"""Envelope encryption, key rotation, hashes and the opening permit (procurement.sealing)."""

from __future__ import annotations

import base64
import secrets
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone

from procurement import sealing


def _key() -> str:
    return base64.urlsafe_b64encode(secrets.token_bytes(32)).decode()


@pytest.fixture
def permit() -> sealing.OpeningPermit:
    return sealing.opening_permit(tender_id=7, opening_at=timezone.now() - timedelta(seconds=1))


def test_round_trip_bytes_and_price(permit: sealing.OpeningPermit) -> None:
    key = sealing.new_wrapped_key(tender_id=7)
    blob = sealing.seal_bytes(key=key, plaintext=b"CANARY document", context="document:x")
    assert b"CANARY" not in blob
    assert sealing.unseal_bytes(permit, key=key, ciphertext=blob, context="document:x") == b"CANARY document"
    sealed = sealing.seal_price(key=key, price=Decimal("1234.5"), context="bid:1:price")
    assert b"1234" not in sealed.ciphertext
    price, salt = sealing.unseal_price(permit, key=key, ciphertext=sealed.ciphertext, context="bid:1:price")
    assert price == Decimal("1234.50")
    assert salt == sealed.salt
    assert len(salt) == 64


def test_each_seal_is_different_and_wrapped_key_hides_data_key() -> None:
    key = sealing.new_wrapped_key(tender_id=7)
    a = sealing.seal_bytes(key=key, plaintext=b"same", context="c")
    b = sealing.seal_bytes(key=key, plaintext=b"same", context="c")
    assert a != b
    assert sealing._unwrap(key) not in key.wrapped


@pytest.mark.parametrize("mutation", ["flip", "context", "other_tender", "truncate"])
def test_tampering_is_detected(permit: sealing.OpeningPermit, mutation: str) -> None:
    key = sealing.new_wrapped_key(tender_id=7)
    blob = sealing.seal_bytes(key=key, plaintext=b"data", context="document:a")
    context = "document:a"
    if mutation == "flip":
        blob = blob[:-1] + bytes([blob[-1] ^ 1])
    elif mutation == "context":
        context = "document:b"  # a ciphertext moved to another document
    elif mutation == "truncate":
        blob = blob[:10]
    else:
        key = sealing.WrappedKey(key_id=key.key_id, wrapped=key.wrapped, tender_id=8)
        permit = sealing.opening_permit(tender_id=8, opening_at=timezone.now())
    with pytest.raises(sealing.SealError):
        sealing.unseal_bytes(permit, key=key, ciphertext=blob, context=context)


def test_no_unsealing_before_opening_time() -> None:
    with pytest.raises(sealing.StillSealed):
        sealing.opening_permit(tender_id=7, opening_at=timezone.now() + timedelta(minutes=1))
    with pytest.raises(sealing.StillSealed):
        sealing.OpeningPermit(tender_id=7, _token=object())
    key = sealing.new_wrapped_key(tender_id=7)
    blob = sealing.seal_bytes(key=key, plaintext=b"x", context="c")
    other = sealing.opening_permit(tender_id=99, opening_at=timezone.now())
    with pytest.raises(sealing.StillSealed):
        sealing.unseal_bytes(other, key=key, ciphertext=blob, context="c")


def test_master_key_rotation(settings: object, permit: sealing.OpeningPermit) -> None:
    old, new = _key(), _key()
    settings.GOVBUY_MASTER_KEY = old  # type: ignore[attr-defined]
    key = sealing.new_wrapped_key(tender_id=7)
    blob = sealing.seal_bytes(key=key, plaintext=b"payload", context="c")
    settings.GOVBUY_MASTER_KEY = new  # type: ignore[attr-defined]
    with pytest.raises(sealing.SealError):
        sealing.unseal_bytes(permit, key=key, ciphertext=blob, context="c")
    settings.GOVBUY_RETIRED_MASTER_KEYS = [old]  # type: ignore[attr-defined]
    rewrapped = sealing.rewrap(key)
    assert rewrapped.key_id != key.key_id
    settings.GOVBUY_RETIRED_MASTER_KEYS = []  # type: ignore[attr-defined]
    assert sealing.unseal_bytes(permit, key=rewrapped, ciphertext=blob, context="c") == b"payload"


@pytest.mark.parametrize("bad", ["", "not base64 !!", base64.urlsafe_b64encode(b"short").decode()])
def test_bad_master_key_is_a_configuration_error(settings: object, bad: str) -> None:
    settings.GOVBUY_MASTER_KEY = bad  # type: ignore[attr-defined]
    with pytest.raises(ImproperlyConfigured):
        sealing.new_wrapped_key(tender_id=1)


def test_bid_hash_is_canonical() -> None:
    args = {
        "tender_reference": "JMMZ-2026-0001",
        "organisation_code": "52440703MJL0000016",
        "price": Decimal("100"),
        "salt": "ab" * 32,
    }
    h1 = sealing.bid_hash(**args, document_hashes=["b" * 64, "a" * 64])
    h2 = sealing.bid_hash(**{**args, "price": Decimal("100.00")}, document_hashes=["a" * 64, "b" * 64])
    assert h1 == h2
    text = sealing.bid_hash_text(**args, document_hashes=["b" * 64, "a" * 64])
    assert text == (
        "govbuy-bid-v1\ntender:JMMZ-2026-0001\norganisation:52440703MJL0000016\nprice:100.00\n"
        f"salt:{'ab' * 32}\ndocument:{'a' * 64}\ndocument:{'b' * 64}\n"
    )
    assert sealing.sha256_hex(text.encode()) == h1
    assert sealing.bid_hash(**{**args, "price": Decimal("100.01")}, document_hashes=[]) != sealing.bid_hash(
        **args, document_hashes=[]
    )


def test_only_the_opening_service_unseals() -> None:
    """Unsealing is reachable only through procurement/services/opening.py."""
    root = Path(__file__).resolve().parents[2]
    callers = []
    for path in root.glob("*/**/*.py"):
        if ".venv" in path.parts or "tests" in path.parts or path.name == "sealing.py":
            continue
        text = path.read_text(encoding="utf-8")
        if "opening_permit(" in text or "unseal_" in text or "_unwrap(" in text:
            callers.append(str(path.relative_to(root)))
    assert callers in ([], ["procurement/services/opening.py"])
