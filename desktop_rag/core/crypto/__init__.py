"""Encryption at rest: the library's data key (wrapped by a passphrase) and sealed files.

``keys`` turns a passphrase into the library's random data key (scrypt, parameters stored beside
the wrapped key); ``sealed`` encrypts the caches the app keeps beside the database (AES-256-GCM).
The database itself is encrypted by SQLCipher with a key derived from the same data key;
``remembered`` keeps the key in the OS keyring when the user asks.

Imports: only the foundation (errors, paths) and the ``cryptography`` / ``keyring`` packages; the
index imports this package (sealed caches, keyed connections), the facade turns it on and off.
"""

from __future__ import annotations

from .keys import (
    DEFAULT_KDF,
    KdfParams,
    LibraryKey,
    WrongPassphrase,
    check_passphrase,
    key_check,
    new_library_key,
    read_lock,
    unwrap_key,
    wrap_key,
    write_lock,
)
from .remembered import forget, keyring_available, recall, remember
from .sealed import SealError, is_sealed, read_sealed, seal, unseal, write_sealed

__all__ = [
    "DEFAULT_KDF",
    "KdfParams",
    "LibraryKey",
    "SealError",
    "WrongPassphrase",
    "check_passphrase",
    "forget",
    "keyring_available",
    "is_sealed",
    "key_check",
    "new_library_key",
    "read_lock",
    "read_sealed",
    "recall",
    "remember",
    "seal",
    "unseal",
    "unwrap_key",
    "wrap_key",
    "write_lock",
    "write_sealed",
]
