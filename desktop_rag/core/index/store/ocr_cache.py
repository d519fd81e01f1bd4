"""Recognised pages (OCR) by file content: the cache that keeps an unchanged file from being
recognised twice, and the word boxes the viewer highlights.

Keyed by the file's content hash, the engine with its languages, and the page: a moved, copied or
re-added file finds its pages here. Rows no document refers to are dropped with the vectors
nobody uses (``prune_ocr_pages``), and by ``forget`` under secure_delete.
"""

from __future__ import annotations

import json
from collections.abc import Iterable

from ...ingest.ocr.types import OcrPage, OcrWord


class OcrRecords:
    """Store methods for recognised pages (mixed into Store: ``db``, ``transaction()``)."""

    def ocr_pages(self, content_hash: str, engine: str) -> dict[int, OcrPage]:
        """Cached pages of a file's content read by ``engine`` (a key from ``ocr.engine_key``)."""
        rows = self.db.execute(
            "SELECT page, text, words, rotation, engine_name FROM ocr_pages WHERE content_hash = ? AND engine = ?",
            (content_hash, engine),
        ).fetchall()
        return {page: _page(text, words, rotation, name) for page, text, words, rotation, name in rows}

    def save_ocr_pages(self, content_hash: str, engine: str, pages: dict[int, OcrPage]) -> None:
        """Remember recognised pages (replacing older rows for the same page)."""
        if not pages:
            return
        with self.transaction() as db:
            db.executemany(
                """INSERT OR REPLACE INTO ocr_pages(content_hash, engine, page, text, words, rotation, engine_name)
                   VALUES (?, ?, ?, ?, ?, ?, ?)""",
                (
                    (content_hash, engine, number, page.text, _words_json(page.words), page.rotation, page.engine)
                    for number, page in pages.items()
                ),
            )

    def recognised_page(self, path: str, page: int | None) -> OcrPage | None:
        """The OCR result behind ``page`` of the indexed file ``path`` (None: the page's text was not
        recognised, it came from a text layer)."""
        if page is None:
            return None
        row = self.db.execute(
            """SELECT o.text, o.words, o.rotation, o.engine_name FROM documents d
               JOIN ocr_pages o ON o.content_hash = d.content_hash AND o.engine = d.ocr_engine AND o.page = ?
               WHERE d.path = ? AND d.status = 'indexed' AND d.ocr_pages IS NOT NULL
                 AND EXISTS (SELECT 1 FROM json_each(d.ocr_pages) WHERE value = ?)
               LIMIT 1""",
            (page, path, page),
        ).fetchone()
        return _page(*row) if row else None

    def recognised_pages_of(self, paths: Iterable[str]) -> dict[str, set[int]]:
        """Indexed file -> its page numbers whose text was recognised (for citation marks)."""
        out: dict[str, set[int]] = {}
        unique = list(set(paths))
        for start in range(0, len(unique), 500):
            part = unique[start : start + 500]
            marks = ",".join("?" * len(part))
            for path, pages in self.db.execute(
                f"SELECT path, ocr_pages FROM documents WHERE ocr_pages IS NOT NULL AND path IN ({marks})", part
            ):
                out.setdefault(path, set()).update(int(p) for p in json.loads(pages))
        return out

    def prune_ocr_pages(self) -> int:
        """Drop recognised pages of file contents no document has any more; returns how many."""
        with self.transaction() as db:
            cur = db.execute(
                """DELETE FROM ocr_pages WHERE content_hash NOT IN
                   (SELECT content_hash FROM documents WHERE content_hash IS NOT NULL)"""
            )
            return cur.rowcount


def _words_json(words: tuple[OcrWord, ...]) -> str:
    return json.dumps([w.to_list() for w in words], ensure_ascii=False, separators=(",", ":"))


def _page(text: str, words: str, rotation: int, name: str) -> OcrPage:
    return OcrPage(text=text, words=tuple(OcrWord.from_list(w) for w in json.loads(words)), rotation=rotation, engine=name)
