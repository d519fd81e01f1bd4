"""Plain data passed between the core's parts and to the UI/CLI."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Chunk:
    """A passage of one document page, as cut by the chunker."""

    text: str
    page: int | None  # 1-based; None for formats without pages
    char_start: int  # offsets into that page's text
    char_end: int
    heading_path: tuple[str, ...] = ()
    token_count: int = 0


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
    errors: list[FileError] = field(default_factory=list)
    warnings: list[FileError] = field(default_factory=list)
    seconds: float = 0.0
    cancelled: bool = False
