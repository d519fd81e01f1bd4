"""The data key of an encrypted library and the passphrase that unlocks it.

The library is encrypted with a random 256-bit data key. The passphrase never encrypts anything
itself: scrypt (memory-hard; its parameters and salt are stored) turns it into a key-encryption
key, which wraps the data key with AES-256-GCM. A wrong passphrase fails the GCM tag check, so it
is told apart from a damaged library without touching the database. Changing the passphrase
re-keys everything with a fresh data key (see ``core/encryption.py``), so an old copy of the lock
file and an old passphrase do not open the new library.
"""

from __future__ import annotations

import base64
import json
import os
import unicodedata
from dataclasses import asdict, dataclass
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

from ..errors import UserError
from ..paths import private_file

LOCK_FORMAT = 1
MIN_PASSPHRASE_CHARS = 8
_WRAP_AAD = b"desktop-rag data key v1"


class WrongPassphrase(UserError):
    """The passphrase does not unlock this library (nothing was changed)."""


@dataclass(frozen=True)
class KdfParams:
    """scrypt cost: n=2**17, r=8 needs 128 MiB per try (OWASP's recommended minimum), which makes
    guessing a passphrase from a copied disk expensive; an unlock takes about a second on a slow machine."""

    n: int = 2**17
    r: int = 8
    p: int = 1


DEFAULT_KDF = KdfParams()


class LibraryKey:
    """The unwrapped data key, in memory only; derives one subkey per use (HKDF-SHA256)."""

    __slots__ = ("_raw",)

    def __init__(self, raw: bytes):
        if len(raw) != 32:
            raise ValueError("a library key is 32 bytes")
        self._raw = bytes(raw)

    def subkey(self, purpose: str) -> bytes:
        """A 32-byte key for one purpose ("sqlcipher", "cache"): no key serves two ciphers."""
        hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=f"desktop-rag {purpose}".encode())
        return hkdf.derive(self._raw)

    @property
    def sqlcipher_key(self) -> str:
        """SQLCipher's raw-key literal: used as is, without SQLCipher's own (slow) PBKDF2 at every open."""
        return f"\"x'{self.subkey('sqlcipher').hex()}'\""

    def export_hex(self) -> str:
        """The key itself, hex: only for the OS keyring ("remember on this computer")."""
        return self._raw.hex()

    def __eq__(self, other: object) -> bool:
        return isinstance(other, LibraryKey) and other._raw == self._raw

    def __hash__(self) -> int:
        return hash(self._raw)

    def __repr__(self) -> str:  # never the key itself in a log or a traceback
        return "LibraryKey(<hidden>)"


def check_passphrase(passphrase: str) -> str:
    """The passphrase in one Unicode form (NFC: a Korean passphrase typed on macOS and on Windows
    gives the same bytes); raises UserError when it is too short to protect anything."""
    passphrase = unicodedata.normalize("NFC", passphrase or "")
    if len(passphrase) < MIN_PASSPHRASE_CHARS:
        raise UserError(f"the passphrase must be at least {MIN_PASSPHRASE_CHARS} characters long")
    return passphrase


def _kek(passphrase: str, salt: bytes, params: KdfParams) -> bytes:
    raw = unicodedata.normalize("NFC", passphrase).encode("utf-8")
    return Scrypt(salt=salt, length=32, n=params.n, r=params.r, p=params.p).derive(raw)


def new_library_key() -> LibraryKey:
    """A fresh random data key."""
    return LibraryKey(os.urandom(32))


def wrap_key(key: LibraryKey, passphrase: str, params: KdfParams = DEFAULT_KDF) -> dict:
    """The lock record (JSON-ready) that gives ``key`` back for ``passphrase``."""
    passphrase = check_passphrase(passphrase)
    salt, nonce = os.urandom(16), os.urandom(12)
    wrapped = AESGCM(_kek(passphrase, salt, params)).encrypt(nonce, key._raw, _WRAP_AAD)
    return {
        "format": LOCK_FORMAT,
        "cipher": "sqlcipher4+aes-256-gcm",
        "kdf": {"name": "scrypt", **asdict(params), "salt": _b64(salt)},
        "nonce": _b64(nonce),
        "wrapped_key": _b64(wrapped),
        "key_check": key_check(key),
    }


def key_check(key: LibraryKey) -> str:
    """A value that tells whether a key (one remembered in the OS keyring) is this library's,
    without the passphrase; it reveals nothing of the key (an HKDF output of its own)."""
    return key.subkey("key check").hex()[:32]


def unwrap_key(record: dict, passphrase: str) -> LibraryKey:
    """The data key in ``record``; raises WrongPassphrase when ``passphrase`` is not the one."""
    try:
        kdf = record["kdf"]
        params = KdfParams(n=int(kdf["n"]), r=int(kdf["r"]), p=int(kdf["p"]))
        salt, nonce, wrapped = (base64.b64decode(v) for v in (kdf["salt"], record["nonce"], record["wrapped_key"]))
        if record.get("format") != LOCK_FORMAT or kdf.get("name") != "scrypt":
            raise ValueError("unknown lock format")
    except (KeyError, TypeError, ValueError) as exc:
        raise UserError(f"the library's lock file is damaged or from a newer desktop-rag ({exc})") from exc
    try:
        raw = AESGCM(_kek(passphrase, salt, params)).decrypt(nonce, wrapped, _WRAP_AAD)
    except InvalidTag:
        raise WrongPassphrase("wrong passphrase: the library was not unlocked (nothing was changed)") from None
    return LibraryKey(raw)


def read_lock(path: Path) -> dict | None:
    """The lock record, or None when the library is not encrypted (no lock file)."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise UserError(f"cannot read the library's lock file {path}: {exc}") from exc
    try:
        return json.loads(text)
    except ValueError as exc:
        raise UserError(f"the library's lock file {path} is damaged ({exc})") from exc


def write_lock(path: Path, record: dict) -> None:
    """Write the lock record durably (fsynced: it is the only way into the library)."""
    with open(private_file(path, create=True), "w", encoding="utf-8") as handle:
        handle.write(json.dumps(record, indent=2))
        handle.flush()
        os.fsync(handle.fileno())


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")
