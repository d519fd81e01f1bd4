"""Plain data passed between the core's parts and to the UI/CLI."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import PurePath

#: Between a container and what is inside it in a citation: "mail.eml › report.pdf".
PART_SEP = " \u203a "
#: The words of a place label; the window passes its own language's.
PLACE_WORDS = {"page": "page", "slide": "slide"}


def place_label(
    path: str,
    *,
    part: str = "",
    page: int | None = None,
    page_unit: str = "page",
    heading_path: tuple[str, ...] | list[str] = (),
    words: dict[str, str] = PLACE_WORDS,
    full_path: bool = False,
) -> str:
    """Where a passage is, as citations name it: "mail.eml › report.pdf, page 3", "deck.pptx,
    slide 4", "report.hwp, Section 2", "book.xlsx, Sheet1" (the section only when there is no page).
    ``full_path``: the file's whole path instead of its name (the command line's text output)."""
    label = path if full_path else PurePath(path).name or path
    if part:
        label += PART_SEP + part
    if page:
        label += f", {words.get(page_unit, page_unit)} {page}"
    elif heading_path:
        label += f", {heading_path[-1]}"
    return label


#: Workbooks: a passage's first heading is its sheet.
WORKBOOK_SUFFIXES = frozenset({".xlsx", ".xlsm", ".xls", ".ods"})


def location_fields(
    path: str, *, part: str = "", page: int | None = None, page_unit: str = "page", heading_path: tuple[str, ...] = ()
) -> dict:
    """A passage's place as JSON fields for scripts: ``place`` (the citation label), ``part`` and
    ``attachment`` (inside an e-mail or mailbox, else empty / null), ``page_unit``, ``slide``,
    ``sheet`` and ``section`` (null where they do not apply)."""
    innermost = part.split(PART_SEP)[-1] if part else PurePath(path).name
    in_workbook = PurePath(innermost).suffix.lower() in WORKBOOK_SUFFIXES
    return {
        "place": place_label(path, part=part, page=page, page_unit=page_unit, heading_path=heading_path),
        "part": part,
        "attachment": part or None,
        "page_unit": page_unit,
        "slide": page if page_unit == "slide" else None,
        "sheet": heading_path[0] if in_workbook and heading_path else None,
        "section": heading_path[-1] if heading_path else None,
    }


def source_place(source: Mapping, words: dict[str, str] = PLACE_WORDS, full_path: bool = False) -> str:
    """:func:`place_label` of a source as ``AnswerResult.to_json()`` writes it (saved chats too)."""
    return place_label(
        source.get("path") or "",
        part=source.get("part") or "",
        page=source.get("page"),
        page_unit=source.get("page_unit") or "page",
        heading_path=tuple(source.get("heading_path") or ()),
        words=words,
        full_path=full_path,
    )


@dataclass(frozen=True)
class Chunk:
    """A passage of one document page, as cut by the chunker."""

    text: str
    page: int | None  # 1-based; None for formats without pages
    char_start: int  # offsets into that page's text
    char_end: int
    heading_path: tuple[str, ...] = ()
    token_count: int = 0
    part: str = ""  # place inside a container file (an e-mail attachment); see PageText.part
    page_unit: str = "page"  # what ``page`` counts: "page" or "slide"


@dataclass(frozen=True)
class Hit:
    """One search result."""

    chunk_id: int
    path: str
    page: int | None
    text: str
    char_start: int
    char_end: int
    heading_path: tuple[str, ...]
    collection: str
    score: float  # fused score, higher is better
    dense_score: float | None = None  # cosine similarity
    keyword_score: float | None = None  # BM25 (higher is better)
    part: str = ""  # place inside a container file: "report.pdf" for a mail's attachment
    page_unit: str = "page"  # what ``page`` counts: "page" or "slide"
    recognised: bool = False  # the page's text was recognised (OCR) from an image: it may contain errors

    @property
    def place(self) -> str:
        """Where the passage is, as citations name it (see :func:`place_label`)."""
        return place_label(
            self.path, part=self.part, page=self.page, page_unit=self.page_unit, heading_path=self.heading_path
        )

    @property
    def where(self) -> str:
        """:attr:`place` with the file's whole path: "/mail/a.eml › report.pdf, page 3"."""
        return place_label(
            self.path, part=self.part, page=self.page, page_unit=self.page_unit, heading_path=self.heading_path,
            full_path=True,
        )  # fmt: skip

    def location(self) -> dict:
        """The passage's place as JSON fields (see :func:`location_fields`)."""
        return location_fields(
            self.path, part=self.part, page=self.page, page_unit=self.page_unit, heading_path=self.heading_path
        )

    @property
    def snippet(self) -> str:
        """The passage squeezed onto one line, shortened for lists."""
        flat = " ".join(self.text.split())
        return flat if len(flat) <= 240 else flat[:237] + "..."


@dataclass(frozen=True)
class FileError:
    path: str
    reason: str


@dataclass
class Progress:
    """Snapshot of an indexing run, safe to hand to another thread."""

    phase: str = "scanning"  # scanning | indexing | saving | done | cancelled
    folder: str = ""
    files_total: int = 0
    files_done: int = 0
    bytes_total: int = 0
    bytes_done: int = 0
    chunks_done: int = 0
    chunks_per_s: float = 0.0
    eta_s: float | None = None
    current_file: str = ""
    # What happens inside a long file, e.g. "recognising page 3 of 12 in scan.pdf" (empty: nothing to say),
    # and the same as data: the file being recognised, its page and its number of pages to recognise.
    detail: str = ""
    ocr_file: str = ""
    ocr_page: int = 0
    ocr_pages: int = 0
    errors: list[FileError] = field(default_factory=list)


@dataclass
class IndexReport:
    """What an indexing run did."""

    folder: str
    collection: str
    files_seen: int = 0
    files_indexed: int = 0
    files_unchanged: int = 0
    files_moved: int = 0
    files_deleted: int = 0
    chunks_added: int = 0
    chunks_embedded: int = 0  # new vectors computed (identical chunks are embedded once)
    chunks_reembedded: int = 0  # vectors recomputed first, for a new build of the embedding model
    errors: list[FileError] = field(default_factory=list)
    warnings: list[FileError] = field(default_factory=list)
    seconds: float = 0.0
    cancelled: bool = False
