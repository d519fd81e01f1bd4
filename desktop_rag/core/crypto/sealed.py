"""Sealed files: the caches beside the database (vector and keyword indexes), encrypted with
AES-256-GCM under the library key's "cache" subkey.

A sealed file is the magic bytes, then segments of at most 64 MiB, each ``length | nonce |
ciphertext+tag``. Each segment's associated data binds it to the file's label (so one cache cannot
be swapped for another), its position and whether it is the last (so a truncated or reordered file
fails). Files are written to a temporary name in the same folder and renamed: ciphertext only ever
touches the disk.
"""

from __future__ import annotations

import os
import struct
from collections.abc import Iterator
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from ..paths import private_file
from .keys import LibraryKey

MAGIC = b"DRAGSEAL\x01"
SEGMENT = 64 << 20  # AES-GCM takes at most 2**31 bytes at once; big indexes are sealed in pieces
_HEAD = struct.Struct("<Q12s")


class SealError(ValueError):
    """A sealed file that does not open with this key (another key, damaged, truncated)."""


def _aad(label: str, number: int, last: bool) -> bytes:
    return f"{label}\x00{number}\x00{int(last)}".encode()


def seal(key: LibraryKey, data: bytes | memoryview, label: str) -> bytes:
    """``data`` encrypted and authenticated for ``label``."""
    return b"".join(_sealed_parts(key, memoryview(data), label))


def _sealed_parts(key: LibraryKey, data: memoryview, label: str) -> Iterator[bytes]:
    aead = AESGCM(key.subkey("cache"))
    yield MAGIC
    count = max(1, -(-len(data) // SEGMENT))
    for number in range(count):
        piece = bytes(data[number * SEGMENT : (number + 1) * SEGMENT])
        nonce = os.urandom(12)
        box = aead.encrypt(nonce, piece, _aad(label, number, number == count - 1))
        yield _HEAD.pack(len(box), nonce)
        yield box


def unseal(key: LibraryKey, blob: bytes, label: str) -> bytes:
    """The data sealed in ``blob`` for ``label``; raises SealError when it does not open."""
    if not blob.startswith(MAGIC):
        raise SealError("not a sealed file")
    aead = AESGCM(key.subkey("cache"))
    view, offset, number, parts = memoryview(blob), len(MAGIC), 0, []
    while offset < len(view):
        if offset + _HEAD.size > len(view):
            raise SealError("truncated")
        length, nonce = _HEAD.unpack_from(view, offset)
        offset += _HEAD.size
        if offset + length > len(view):
            raise SealError("truncated")
        last = offset + length == len(view)
        try:
            parts.append(aead.decrypt(nonce, bytes(view[offset : offset + length]), _aad(label, number, last)))
        except InvalidTag:
            raise SealError("does not open with this library's key (another key, or damaged)") from None
        offset += length
        number += 1
    if number == 0:
        raise SealError("empty")
    return b"".join(parts)


def is_sealed(path: Path) -> bool:
    """Whether ``path`` starts like a sealed file."""
    try:
        with open(path, "rb") as handle:
            return handle.read(len(MAGIC)) == MAGIC
    except OSError:
        return False


def write_sealed(path: Path, key: LibraryKey, data: bytes | memoryview, label: str) -> None:
    """Seal ``data`` into ``path`` atomically (temporary file in the same folder, then rename)."""
    tmp = path.with_name(path.name + ".tmp")
    with open(private_file(tmp, create=True), "wb") as handle:
        for part in _sealed_parts(key, memoryview(data), label):
            handle.write(part)
    os.replace(tmp, path)


def read_sealed(path: Path, key: LibraryKey, label: str) -> bytes:
    """The data sealed in ``path``; raises OSError or SealError."""
    return unseal(key, path.read_bytes(), label)
