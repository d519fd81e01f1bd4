"""Distribution documents (배포용 문서): the real text lives encrypted in ``ViewText/SectionN``.

HWP 5.0 spec, "배포용 문서": each ViewText stream starts with an uncompressed, unencrypted
HWPTAG_DISTRIBUTE_DOC_DATA record of 256 bytes. Those bytes are XOR-masked with a keystream made
from the Microsoft Visual C ``rand()`` generator seeded with their first 4 bytes: each ``rand()``
pair gives a mask byte (first value & 0xFF) and how many bytes it covers (second value & 0xF, + 1).
The unmasked data holds the 16-byte AES-128 key at offset 4 + (seed & 0xF). The rest of the
stream is AES-128-ECB ciphertext of the (raw-deflated, if the document is compressed) records.
``BodyText`` of such a document holds only a stub ("이 문서는 상위 버전의 배포용 문서입니다 ..."),
which must never be indexed as the document's text.
"""

from __future__ import annotations

import struct

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from .._base import LoadError
from .records import TAG_DISTRIBUTE_DOC_DATA

_DOC_DATA_SIZE = 256
_HEADER = struct.pack("<I", TAG_DISTRIBUTE_DOC_DATA | (_DOC_DATA_SIZE << 20))  # level 0, size 256
_AES_BLOCK = 16


class _MsvcRand:
    """Microsoft Visual C ``srand``/``rand``: a 32-bit LCG returning bits 16-30 of its state."""

    def __init__(self, seed: int) -> None:
        self._state = seed & 0xFFFFFFFF

    def rand(self) -> int:
        self._state = (self._state * 214013 + 2531011) & 0xFFFFFFFF
        return (self._state >> 16) & 0x7FFF


def unmask_doc_data(doc_data: bytes) -> bytes:
    """Undo the XOR mask of the 256-byte DISTRIBUTE_DOC_DATA payload."""
    seed = struct.unpack_from("<I", doc_data)[0]
    rng = _MsvcRand(seed)
    mask = bytearray()
    while len(mask) < _DOC_DATA_SIZE:
        value = rng.rand() & 0xFF
        count = (rng.rand() & 0xF) + 1
        mask += bytes([value]) * count
    return bytes(b ^ m for b, m in zip(doc_data, mask[:_DOC_DATA_SIZE], strict=True))


def aes_key(doc_data: bytes) -> bytes:
    """The AES-128 key hidden in the DISTRIBUTE_DOC_DATA payload."""
    seed = struct.unpack_from("<I", doc_data)[0]
    offset = 4 + (seed & 0xF)
    return unmask_doc_data(doc_data)[offset : offset + 16]


def decrypt_view_text(stream: bytes, name: str) -> bytes:
    """The decrypted (still compressed, if the document is) record bytes of one ViewText stream."""
    if len(stream) < len(_HEADER) + _DOC_DATA_SIZE or not stream.startswith(_HEADER):
        raise LoadError(f"damaged distribution HWP ({name} has no key record)")
    doc_data = stream[len(_HEADER) : len(_HEADER) + _DOC_DATA_SIZE]
    body = stream[len(_HEADER) + _DOC_DATA_SIZE :]
    body = body[: len(body) - len(body) % _AES_BLOCK]  # a truncated last block cannot be decrypted
    decryptor = Cipher(algorithms.AES(aes_key(doc_data)), modes.ECB()).decryptor()  # noqa: S305 - the format's choice
    return decryptor.update(body) + decryptor.finalize()
