"""Sealed bids: envelope encryption and the hashes given to bidders (电子招标投标办法; DOMAIN.md).

Keys
    Each tender has its own random 256-bit *data key* (``TenderKey``). It encrypts the bid prices and
    documents of that tender with AES-256-GCM. The data key is never stored in clear: it is *wrapped*
    (encrypted) with AES-256-GCM under the platform's *master key* (``settings.GOVBUY_MASTER_KEY``,
    url-safe base64 of 32 bytes, from the environment), with the tender's id as associated data so a
    wrapped key cannot be moved to another tender. AES-GCM rather than AES-KW (RFC 3394) because it
    is the same primitive as the data encryption, authenticates, and takes associated data.

    Every wrapped key carries the *key id* of the master key that wrapped it: the first 16 hex digits
    of SHA-256("govbuy-master-key-id:" + key). To rotate, put the new key in ``GOVBUY_MASTER_KEY``,
    list the old one in ``GOVBUY_RETIRED_MASTER_KEYS`` and run ``rewrap()`` over the tender keys;
    unwrapping finds the right master key by its id.

Ciphertexts
    ``b"\\x01" + nonce (12 random bytes) + AES-GCM(ciphertext || tag)``, with associated data naming
    the place the ciphertext belongs to (``bid:<uuid>:price``, ``document:<uuid>``), so a ciphertext
    copied to another bid or document fails to decrypt: tampering and swapping are both detected.

Hashes (given to the bidder in the receipt, checked at opening)
    * a document: SHA-256 of its bytes, hex;
    * the bid as a whole: SHA-256 of the UTF-8 text (one item per line, ``\\n`` after each)::

          govbuy-bid-v1
          tender:<tender reference>
          organisation:<unified social credit code>
          price:<price, two decimal places, e.g. 1234.50>
          salt:<64 hex digits>
          document:<sha256>      (one line per document, sorted)

      The *salt* is 32 random bytes sealed together with the price. Without it a price could be found
      from the bid hash by trying every amount up to the budget (a few hundred million values);
      the salt is revealed in the opening record, so after opening anyone can recompute the hash.

Unsealing needs an ``OpeningPermit``, which only ``opening_permit()`` issues and only at or after the
tender's opening time; the opening service (``procurement.services.opening``) is its only caller
(a test checks the source tree).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone

FORMAT_V1 = b"\x01"
NONCE_BYTES = 12
KEY_BYTES = 32
SALT_BYTES = 32
BID_HASH_VERSION = "govbuy-bid-v1"


class SealError(Exception):
    """A ciphertext, wrapped key or permit is not valid (tampered, swapped or wrong key)."""


class StillSealed(SealError):
    """Unsealing was attempted before the opening time."""


@dataclass(frozen=True)
class WrappedKey:
    key_id: str
    wrapped: bytes
    tender_id: int


@dataclass(frozen=True)
class SealedPrice:
    ciphertext: bytes
    salt: str  # hex; needed once, to compute the bid hash at submission


# --- Master keys -----------------------------------------------------------------------------------


def _decode_master_key(value: str) -> bytes:
    try:
        raw = base64.urlsafe_b64decode(value.strip() + "=" * (-len(value.strip()) % 4))
    except (binascii.Error, ValueError) as exc:
        raise ImproperlyConfigured("GOVBUY_MASTER_KEY must be url-safe base64.") from exc
    if len(raw) != KEY_BYTES:
        raise ImproperlyConfigured("GOVBUY_MASTER_KEY must decode to exactly 32 bytes.")
    return raw


def master_key_id(raw: bytes) -> str:
    return hashlib.sha256(b"govbuy-master-key-id:" + raw).hexdigest()[:16]


def _master_keys() -> tuple[str, dict[str, bytes]]:
    """(current key id, {key id: key}) from settings: the current key and any retired ones."""
    current = _decode_master_key(settings.GOVBUY_MASTER_KEY)
    keys = {master_key_id(current): current}
    for retired in getattr(settings, "GOVBUY_RETIRED_MASTER_KEYS", []) or []:
        raw = _decode_master_key(retired)
        keys.setdefault(master_key_id(raw), raw)
    return master_key_id(current), keys


def _wrap_aad(tender_id: int) -> bytes:
    return f"govbuy/tender-key/v1/{tender_id}".encode()


def new_wrapped_key(*, tender_id: int) -> WrappedKey:
    """A fresh random data key for one tender, wrapped by the current master key."""
    return _wrap(secrets.token_bytes(KEY_BYTES), tender_id=tender_id)


def _wrap(data_key: bytes, *, tender_id: int) -> WrappedKey:
    key_id, keys = _master_keys()
    nonce = secrets.token_bytes(NONCE_BYTES)
    wrapped = FORMAT_V1 + nonce + AESGCM(keys[key_id]).encrypt(nonce, data_key, _wrap_aad(tender_id))
    return WrappedKey(key_id=key_id, wrapped=wrapped, tender_id=tender_id)


def _unwrap(key: WrappedKey) -> bytes:
    _, keys = _master_keys()
    master = keys.get(key.key_id)
    if master is None:
        raise SealError(f"master key {key.key_id} is not configured (GOVBUY_RETIRED_MASTER_KEYS?)")
    return _decrypt(master, bytes(key.wrapped), _wrap_aad(key.tender_id))


def rewrap(key: WrappedKey) -> WrappedKey:
    """Master-key rotation: the same data key, wrapped by the current master key."""
    return _wrap(_unwrap(key), tender_id=key.tender_id)


# --- Encryption ------------------------------------------------------------------------------------


def _encrypt(key: bytes, plaintext: bytes, aad: bytes) -> bytes:
    nonce = secrets.token_bytes(NONCE_BYTES)
    return FORMAT_V1 + nonce + AESGCM(key).encrypt(nonce, plaintext, aad)


def _decrypt(key: bytes, blob: bytes, aad: bytes) -> bytes:
    if len(blob) < 1 + NONCE_BYTES + 16 or blob[:1] != FORMAT_V1:
        raise SealError("not a sealed value")
    try:
        return AESGCM(key).decrypt(blob[1 : 1 + NONCE_BYTES], blob[1 + NONCE_BYTES :], aad)
    except InvalidTag as exc:
        raise SealError("the sealed value does not authenticate (tampered, moved or wrong key)") from exc


def seal_bytes(*, key: WrappedKey, plaintext: bytes, context: str) -> bytes:
    """Encrypt ``plaintext`` under the tender's data key, bound to ``context``."""
    return _encrypt(_unwrap(key), plaintext, context.encode())


def normalise_price(price: Decimal) -> str:
    try:
        value = Decimal(price).quantize(Decimal("0.01"))
    except (InvalidOperation, TypeError) as exc:
        raise SealError("a price must be a decimal amount") from exc
    return f"{value:f}"


def seal_price(*, key: WrappedKey, price: Decimal, context: str) -> SealedPrice:
    """Seal a price together with a fresh random salt (see the bid hash above)."""
    salt = secrets.token_hex(SALT_BYTES)
    payload = json.dumps({"price": normalise_price(price), "salt": salt}, sort_keys=True).encode()
    return SealedPrice(ciphertext=seal_bytes(key=key, plaintext=payload, context=context), salt=salt)


# --- Hashes ----------------------------------------------------------------------------------------


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def bid_hash_text(
    *,
    tender_reference: str,
    organisation_code: str,
    price: Decimal,
    salt: str,
    document_hashes: Iterable[str],
) -> str:
    lines = [
        BID_HASH_VERSION,
        f"tender:{tender_reference}",
        f"organisation:{organisation_code}",
        f"price:{normalise_price(price)}",
        f"salt:{salt}",
        *(f"document:{h}" for h in sorted(document_hashes)),
    ]
    return "".join(line + "\n" for line in lines)


def bid_hash(
    *,
    tender_reference: str,
    organisation_code: str,
    price: Decimal,
    salt: str,
    document_hashes: Iterable[str],
) -> str:
    """The canonical SHA-256 of a bid as a whole (format in the module docstring)."""
    text = bid_hash_text(
        tender_reference=tender_reference,
        organisation_code=organisation_code,
        price=price,
        salt=salt,
        document_hashes=document_hashes,
    )
    return sha256_hex(text.encode())


# --- Unsealing (opening only) ----------------------------------------------------------------------

_PERMIT_TOKEN = object()


class OpeningPermit:
    """Proof that the tender's opening time has passed. Only ``opening_permit()`` makes one."""

    __slots__ = ("tender_id",)

    def __init__(self, *, tender_id: int, _token: object) -> None:
        if _token is not _PERMIT_TOKEN:
            raise StillSealed("an opening permit comes only from opening_permit()")
        self.tender_id = tender_id


def opening_permit(*, tender_id: int, opening_at: datetime, now: datetime | None = None) -> OpeningPermit:
    """Issued to the opening service at or after the opening time, never before."""
    if (now or timezone.now()) < opening_at:
        raise StillSealed("bids stay sealed until the opening time")
    return OpeningPermit(tender_id=tender_id, _token=_PERMIT_TOKEN)


def _check(permit: OpeningPermit, key: WrappedKey) -> None:
    if not isinstance(permit, OpeningPermit) or permit.tender_id != key.tender_id:
        raise StillSealed("no opening permit for this tender")


def unseal_bytes(permit: OpeningPermit, *, key: WrappedKey, ciphertext: bytes, context: str) -> bytes:
    _check(permit, key)
    return _decrypt(_unwrap(key), bytes(ciphertext), context.encode())


def unseal_price(
    permit: OpeningPermit, *, key: WrappedKey, ciphertext: bytes, context: str
) -> tuple[Decimal, str]:
    """(price, salt) of a sealed price."""
    payload = unseal_bytes(permit, key=key, ciphertext=ciphertext, context=context)
    try:
        data = json.loads(payload)
        return Decimal(data["price"]), str(data["salt"])
    except (ValueError, KeyError, InvalidOperation) as exc:
        raise SealError("the sealed price is malformed") from exc
