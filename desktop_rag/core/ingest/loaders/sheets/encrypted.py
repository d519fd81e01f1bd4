"""Encrypted workbooks: opened when Excel's built-in default password was used, refused otherwise.

Excel encrypts a workbook with the password "VelvetSweatshop" when the user set no password to
open it, e.g. a workbook with "protect structure" or a password to modify only. Excel then opens it
without asking, so to its owner it is an ordinary file; msoffcrypto-tool (MIT) decrypts it in
memory (ECMA-376 agile/standard encryption for XLSX, RC4 / CryptoAPI for XLS). Measured: ~20 lines
here, 1 MB installed (msoffcrypto-tool and olefile; cryptography is already needed for PDFs),
0.1 s for the 126 KB sample. Any other password: "password-protected workbook".
"""

from __future__ import annotations

import io
from pathlib import Path

from .._base import LoadError, short_message

DEFAULT_PASSWORD = "VelvetSweatshop"  # Excel's own, documented in MS-OFFCRYPTO 2.4.2.3 / MS-XLS
PROTECTED = "password-protected workbook"


def is_encrypted_package(path: Path) -> bool:
    """Whether ``path`` is an OLE container holding an encrypted OOXML package (not an .xls)."""
    import olefile

    try:
        with olefile.OleFileIO(str(path)) as ole:
            return bool(ole.exists("EncryptedPackage") and ole.exists("EncryptionInfo"))
    except Exception:  # noqa: BLE001 - a damaged container: let the workbook reader report it
        return False


def decrypt_with_default_password(path: Path) -> io.BytesIO:
    """The decrypted workbook (XLSX or XLS bytes), or :class:`LoadError` if another password is set."""
    import msoffcrypto
    from msoffcrypto.exceptions import InvalidKeyError

    out = io.BytesIO()
    with open(path, "rb") as fh:
        try:
            office = msoffcrypto.OfficeFile(fh)
            office.load_key(password=DEFAULT_PASSWORD, verify_password=True)
            office.decrypt(out)
        except InvalidKeyError as exc:
            raise LoadError(PROTECTED) from exc
        except Exception as exc:  # noqa: BLE001 - unknown or damaged encryption headers
            raise LoadError(f"{PROTECTED} (encryption not readable: {short_message(exc)})") from exc
    out.seek(0)
    return out
