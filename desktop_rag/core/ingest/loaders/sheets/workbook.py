"""Excel and OpenDocument workbooks (.xlsx, .xlsm, .xls, .ods), read with python-calamine (MIT).

The format comes from the file's first bytes, not its name (an .xls that is really an XLSX is
common: web exports). Zipped workbooks are measured first (see ``zipped``); an OLE container is
an .xls or an encrypted XLSX (see ``encrypted``); a bare BIFF stream is an Excel 2.x-4.0 file,
which calamine cannot read (see ``biff``). Every sheet becomes a section of row blocks (see
``render``); chart sheets and macro sheets have no cell data to index.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from .._base import LoadedDocument, LoadError, PageText, short_message
from .._zip import human_size
from . import biff
from .encrypted import PROTECTED, decrypt_with_default_password, is_encrypted_package
from .render import Budget, sheet_pages
from .zipped import ZipWorkbook, check_zipped_workbook

_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ZIP_MAGIC = b"PK\x03\x04"
# calamine reads all cells of an .xls when it opens it (then one sheet's dense grid, at most
# 65,536 x 256 cells = 0.5 GB): the file size bounds the first part, ~11 million cells for 64 MB.
XLS_MAX_BYTES = 64 * 1024 * 1024
_EXTENSION_KINDS = {".xlsx": "XLSX", ".xlsm": "XLSX", ".ods": "ODS", ".xls": "XLS"}


def load_workbook(path: Path, max_bytes: int) -> LoadedDocument:
    """One section per sheet (``# SheetName``), its rows in blocks of key: value lines."""
    with open(path, "rb") as fh:
        magic = fh.read(8)
    size = path.stat().st_size
    zipped = ZipWorkbook("XLS")
    if magic.startswith(_ZIP_MAGIC):
        zipped = check_zipped_workbook(str(path), size, max_bytes)
        book = _open(path, zipped.kind)
    elif magic == _OLE_MAGIC:
        if is_encrypted_package(path):
            decrypted = decrypt_with_default_password(path)
            zipped = check_zipped_workbook(decrypted, size, max_bytes)
            decrypted.seek(0)
            book = _open_bytes(decrypted)
        else:
            if size > XLS_MAX_BYTES:
                raise LoadError(
                    f"workbook too large ({human_size(size)}; .xls files up to {human_size(XLS_MAX_BYTES)})"
                )
            try:
                book = _open(path, "XLS")
            except _Encrypted:  # an .xls encrypted with RC4 (FILEPASS)
                book = _open_bytes(decrypt_with_default_password(path))
    elif biff.is_biff_stream(magic):
        return biff.load_biff_stream(path)
    else:
        raise LoadError("not a spreadsheet (unknown file format)")
    try:
        return _read_sheets(book, zipped)
    finally:
        book.close()


class _Encrypted(Exception):
    """calamine's PasswordError, before the default password is tried."""


def _open(path: Path, kind: str) -> Any:
    """calamine's workbook for ``path``: by name when it matches the content, else sniffed."""
    import python_calamine as pc

    try:
        if _EXTENSION_KINDS.get(path.suffix.lower()) == kind:
            return pc.CalamineWorkbook.from_path(str(path))
        with open(path, "rb") as fh:  # the name says another format: calamine sniffs the bytes
            return pc.CalamineWorkbook.from_filelike(fh)
    except pc.PasswordError as exc:
        raise _Encrypted() from exc
    except BaseException as exc:  # noqa: BLE001 - see _failure
        raise LoadError(f"corrupt workbook: {_failure(exc)}") from exc


def _open_bytes(data: io.BytesIO) -> Any:
    import python_calamine as pc

    try:
        return pc.CalamineWorkbook.from_filelike(data)
    except pc.PasswordError as exc:
        raise LoadError(PROTECTED) from exc
    except BaseException as exc:  # noqa: BLE001 - see _failure
        raise LoadError(f"corrupt workbook: {_failure(exc)}") from exc


def _failure(exc: BaseException) -> str:
    """The reason for calamine's errors, re-raising anything else.

    A damaged file can make calamine's Rust code panic (an index out of range in a broken OLE
    directory): pyo3 turns that into a PanicException, a BaseException, which must not escape
    as if it were a KeyboardInterrupt.
    """
    import python_calamine as pc

    if isinstance(exc, (pc.CalamineError, pc.ZipError, pc.XmlError, ValueError, OSError)):
        return short_message(exc)
    if type(exc).__name__ == "PanicException":
        return f"the reader failed on damaged data ({short_message(exc)})"
    raise exc


def _read_sheets(book: Any, zipped: ZipWorkbook) -> LoadedDocument:
    import python_calamine as pc

    budget = Budget()
    pages: list[PageText] = []
    warnings: list[str] = []
    errors: list[str] = []
    for meta in book.sheets_metadata:
        if meta.typ != pc.SheetTypeEnum.WorkSheet:
            continue  # chart, dialog and macro sheets hold no cell data
        name = meta.name
        if name in zipped.skipped:
            warnings.append(zipped.skipped[name])
            continue
        if budget.spent:
            budget.skipped_sheets.append(name)
            continue
        try:
            sheet = book.get_sheet_by_name(name)
            start = sheet.start
            sheet_texts, warning = sheet_pages(
                name,
                sheet.iter_rows(),
                budget,
                first_column=start[1] if start else 0,
                hidden=meta.visible != pc.SheetVisibleEnum.Visible,
                comments=zipped.comments.get(name, ()),
            )
        except BaseException as exc:  # noqa: BLE001 - see _failure
            errors.append(f"sheet '{name}' could not be read: {_failure(exc)}")
            continue
        pages.extend(sheet_texts)
        if warning:
            warnings.append(warning)
    if budget.skipped_sheets:
        names = ", ".join(f"'{n}'" for n in budget.skipped_sheets)
        warnings.append(f"sheets not indexed ({budget.limit_text()}): {names}")
    if not pages:
        if errors:
            raise LoadError(f"corrupt workbook: {errors[0]}")
        raise LoadError(warnings[0] if warnings else "empty workbook (no cell values)")
    return LoadedDocument(pages=pages, warnings=errors + warnings, headings=True)
