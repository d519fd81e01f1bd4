"""What search asks the database: term statistics, stems, term matches and chunk rows."""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Sequence

from ..keyword_text import FTS_TOKENIZER
from .connection import OperationalError

# Words FTS5's unicode61 tokenizer always reads as exactly one token (see Store.stems).
_ONE_TOKEN_WORD = re.compile(r"[A-Za-z0-9]+|[\uac00-\ud7a3]+")


class SearchSupport:
    """Store methods for the retriever (mixed into Store, which provides ``db`` and ``_local``)."""

    # -- search support ----------------------------------------------------------------------
    def term_document_counts(self, terms: Sequence[str]) -> dict[str, int]:
        """How many chunks contain each query term, after the same stemming the index applies."""
        if not terms:
            return {}
        stems = self.stems(terms)
        unique = sorted(set(stems.values()))
        counts: dict[str, int] = {}
        for start in range(0, len(unique), 500):
            part = unique[start : start + 500]
            marks = ",".join("?" * len(part))
            counts.update(self.db.execute(f"SELECT term, doc FROM chunks_fts_vocab WHERE term IN ({marks})", part))
        return {term: counts.get(stem, 0) for term, stem in stems.items()}

    def stems(self, terms: Iterable[str]) -> dict[str, str]:
        """Each term as the index stores it (FTS5 is the only porter stemmer at hand)."""
        db = self.db
        if not getattr(self._local, "stemmer_ready", False):
            db.execute(
                f"CREATE VIRTUAL TABLE IF NOT EXISTS temp.query_terms USING fts5(t, content='', tokenize='{FTS_TOKENIZER}')"
            )
            db.execute("CREATE VIRTUAL TABLE IF NOT EXISTS temp.query_stems USING fts5vocab('temp', 'query_terms', 'instance')")
            self._local.stemmer_ready = True
        terms = list(dict.fromkeys(terms))
        if not terms:
            return {}
        stems: dict[str, str] = {}
        # Words FTS5 surely reads as one token (ASCII letters and digits, Hangul syllables) share one
        # row and are matched to its tokens by position: fast. Any other word gets a row of its own,
        # so one that FTS5 splits ("a_b") or drops ("__") cannot shift the others' stems.
        plain = [t for t in terms if _ONE_TOKEN_WORD.fullmatch(t)]
        if plain:
            db.execute("INSERT INTO temp.query_terms(query_terms) VALUES ('delete-all')")  # contentless: instant
            db.execute("INSERT INTO temp.query_terms(rowid, t) VALUES (0, ?)", (" ".join(plain),))
            tokens = [term for term, _ in db.execute("SELECT term, offset FROM temp.query_stems ORDER BY offset")]
            if len(tokens) == len(plain):
                stems.update(zip(plain, tokens, strict=True))
        rest = [t for t in terms if t not in stems]
        if rest:
            db.execute("INSERT INTO temp.query_terms(query_terms) VALUES ('delete-all')")
            db.executemany("INSERT INTO temp.query_terms(rowid, t) VALUES (?, ?)", enumerate(rest))
            for stem, row in db.execute("SELECT term, doc FROM temp.query_stems ORDER BY doc, offset"):
                stems.setdefault(rest[row], stem)  # a word FTS5 splits is known by its first part
        return stems

    def terms_in_chunks(self, terms: Sequence[str], chunk_ids: Sequence[int]) -> dict[int, set[str]]:
        """Which of ``terms`` each chunk contains (stemmed and bigrammed as the index is)."""
        found: dict[int, set[str]] = {cid: set() for cid in chunk_ids}
        if not terms or not chunk_ids:
            return found
        marks = ",".join("?" * len(chunk_ids))
        sql = f"SELECT rowid FROM chunks_fts WHERE chunks_fts MATCH ? AND rowid IN ({marks})"
        for term in terms:
            try:
                rows = self.db.execute(sql, ('"' + term.replace('"', '""') + '"', *chunk_ids)).fetchall()
            except OperationalError:
                continue
            for (cid,) in rows:
                found[cid].add(term)
        return found

    def chunk_rows(self, chunk_ids: Sequence[int]) -> dict[int, tuple]:
        """chunk id -> (path, page, text, char_start, char_end, heading_path, collection, part, page_unit,
        recognised): the last is true when the page's text was recognised (OCR)."""
        out: dict[int, tuple] = {}
        for start in range(0, len(chunk_ids), 500):
            part = list(chunk_ids[start : start + 500])
            marks = ",".join("?" * len(part))
            for row in self.db.execute(
                f"""SELECT c.id, d.path, c.page, c.text, c.char_start, c.char_end, c.heading_path, col.name,
                           c.part, c.page_unit,
                           d.ocr_pages IS NOT NULL AND c.page IS NOT NULL
                             AND EXISTS (SELECT 1 FROM json_each(d.ocr_pages) WHERE value = c.page)
                    FROM chunks c JOIN documents d ON d.id = c.document_id
                    JOIN folders f ON f.id = d.folder_id JOIN collections col ON col.id = f.collection_id
                    WHERE c.id IN ({marks})""",
                part,
            ):
                out[row[0]] = (*row[1:10], bool(row[10]))
        return out

    def document_chunk_ids(self, path: str) -> list[int]:
        """The chunk ids of the indexed document at ``path``, in reading order (empty if not indexed)."""
        rows = self.db.execute(
            "SELECT c.id FROM chunks c JOIN documents d ON d.id = c.document_id WHERE d.path = ? ORDER BY c.ordinal, c.id",
            (path,),
        )
        return [r[0] for r in rows]

    def documents_named(self, name: str) -> list[str]:
        """Paths of indexed documents that are ``name`` or whose file name is ``name`` (any case)."""
        rows = self.db.execute("SELECT DISTINCT d.path FROM documents d JOIN chunks c ON c.document_id = d.id")
        wanted = name.strip().lower()
        return sorted(p for (p,) in rows if p.lower() == wanted or os.path.basename(p).lower() == wanted)

    def chunk_ids_matching(self, collections: Sequence[str] = (), folders: Sequence[str] = ()) -> set[int]:
        sql, params = chunk_filter(collections, folders)
        return {r[0] for r in self.db.execute(sql, params)}


def chunk_filter(collections: Sequence[str] = (), folders: Sequence[str] = ()) -> tuple[str, list]:
    """SQL selecting chunk ids restricted to collections and/or folders (and their subfolders)."""
    sql = """SELECT c.id FROM chunks c JOIN documents d ON d.id = c.document_id
             JOIN folders f ON f.id = d.folder_id JOIN collections col ON col.id = f.collection_id WHERE 1"""
    params: list = []
    if collections:
        sql += f" AND col.name IN ({','.join('?' * len(collections))})"
        params.extend(collections)
    if folders:
        sql += " AND (" + " OR ".join("(d.path = ? OR d.path LIKE ? ESCAPE '\\')" for _ in folders) + ")"
        for folder in folders:
            prefix = folder.rstrip("/\\")
            escaped = prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            params.extend([prefix, escaped + os.sep.replace("\\", "\\\\") + "%"])
    return sql, params
