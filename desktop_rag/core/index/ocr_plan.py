"""What indexing asks of OCR: the options for one file (with its cached pages), whether a stored
document must be read again because OCR changed, and what to record of a file's scanned pages;
and the engine's OCR controls (:class:`OcrControls`, mixed into ``RagEngine``)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..config import Settings
from ..ingest.loaders import LoadedDocument, may_need_ocr
from ..ingest.ocr import OcrOptions, engine_key, imported_dir
from ..ingest.ocr.models import available_ocr_languages, import_ocr_model
from ..ingest.ocr.run import OCR_MARK
from .store import DocumentRow, Store

INCOMPLETE = "incomplete"  # documents.ocr_engine of a file whose scanned pages were not all read


@dataclass(frozen=True)
class OcrPolicy:
    """OCR settings of one indexing run."""

    enabled: bool
    languages: tuple[str, ...]
    model_dirs: tuple[str, ...]

    @classmethod
    def from_settings(cls, settings: Settings, model_dirs: tuple[str, ...]) -> OcrPolicy:
        return cls(settings.ocr_enabled, tuple(settings.ocr_languages), model_dirs)

    @property
    def key(self) -> str:
        return engine_key(OcrOptions(languages=self.languages))

    def options_for(self, path: str, content_hash: str, store: Store) -> OcrOptions | None:
        """Options for a PDF or image (None for other files), with the pages already recognised."""
        if not may_need_ocr(path):
            return None
        if not self.enabled:
            return OcrOptions(enabled=False, languages=self.languages)
        return OcrOptions(
            enabled=True, languages=self.languages, model_dirs=self.model_dirs, cached=store.ocr_pages(content_hash, self.key)
        )

    def stale(self, row: DocumentRow | None) -> bool:
        """Whether an unchanged file must be read again: it has scanned pages that were not read
        (OCR was off, or the engine could not load) or were read with other languages."""
        if row is None or not self.enabled:
            return False
        if row.status == "error":
            return bool(row.error and OCR_MARK in row.error)
        return row.ocr_engine is not None and row.ocr_engine != self.key


def ocr_record(document: LoadedDocument, policy: OcrPolicy) -> tuple[str | None, list[int]]:
    """(documents.ocr_engine, recognised page numbers) for a freshly read file."""
    pages = sorted(document.ocr_pages)
    if any(OCR_MARK in w for w in document.warnings):
        return INCOMPLETE, pages
    return (policy.key if pages else None), pages


class OcrControls:
    """RagEngine's text recognition methods (it provides ``paths``, ``settings`` and ``store``)."""

    def ocr_dirs(self) -> tuple[str, ...]:
        """Folders of imported OCR models (Korean), besides the packaged ones."""
        return (str(imported_dir(self.paths.models_dir)),)

    def ocr_languages(self) -> list[str]:
        """OCR languages whose model is packaged or imported ("eng", "kor")."""
        return available_ocr_languages(self.paths.models_dir)

    def import_ocr_model(self, file: str | Path) -> str:
        """Import a Tesseract model file (``kor.traineddata``) and turn its language on (saved in
        the settings); returns the language. Raises UserError for a file Tesseract cannot load."""
        language = import_ocr_model(file, self.paths.models_dir)
        if language not in self.settings.ocr_languages:
            self.settings.ocr_languages.append(language)
            self.settings.save(self.paths.settings_file)
        return language

    def recognised_page(self, path: str | Path, page: int | None):
        """The OCR result (text, word boxes) behind a page of an indexed file; None for text-layer pages."""
        return self.store.recognised_page(str(path), page)
