"""The library database's schema: one migration per schema version (PRAGMA user_version)."""

from __future__ import annotations

from ..keyword_text import FTS_TOKENIZER

# Each entry upgrades the schema by one version (PRAGMA user_version).
MIGRATIONS: list[str] = [
    f"""
    CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    CREATE TABLE collections (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL UNIQUE,
        created_at REAL NOT NULL
    );
    CREATE TABLE folders (
        id INTEGER PRIMARY KEY,
        collection_id INTEGER NOT NULL REFERENCES collections(id) ON DELETE CASCADE,
        path TEXT NOT NULL,
        watched INTEGER NOT NULL DEFAULT 0,
        last_indexed_at REAL,
        UNIQUE (collection_id, path)
    );
    CREATE TABLE documents (
        id INTEGER PRIMARY KEY,
        folder_id INTEGER NOT NULL REFERENCES folders(id) ON DELETE CASCADE,
        path TEXT NOT NULL,
        size INTEGER NOT NULL,
        mtime_ns INTEGER NOT NULL,
        content_hash TEXT,
        status TEXT NOT NULL CHECK (status IN ('indexed', 'error')),
        error TEXT,
        warnings TEXT,
        page_count INTEGER,
        indexed_at REAL NOT NULL,
        UNIQUE (folder_id, path)
    );
    CREATE INDEX documents_hash ON documents(content_hash);
    CREATE TABLE chunks (
        id INTEGER PRIMARY KEY AUTOINCREMENT,  -- never reused: ids are vector labels
        document_id INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
        ordinal INTEGER NOT NULL,
        page INTEGER,
        char_start INTEGER NOT NULL,
        char_end INTEGER NOT NULL,
        heading_path TEXT NOT NULL DEFAULT '',
        text TEXT NOT NULL,
        text_hash TEXT NOT NULL
    );
    CREATE INDEX chunks_document ON chunks(document_id);
    CREATE INDEX chunks_hash ON chunks(text_hash);
    CREATE TABLE embeddings (
        text_hash TEXT NOT NULL,
        model_id TEXT NOT NULL,
        vector BLOB NOT NULL,
        PRIMARY KEY (text_hash, model_id)
    ) WITHOUT ROWID;
    -- Contentless: the analysed text is not stored twice, rows are deleted by
    -- re-analysing chunks.text (see ANALYZER_VERSION).
    CREATE VIRTUAL TABLE chunks_fts USING fts5(body, content='', tokenize='{FTS_TOKENIZER}');
    """,
    # v2: document frequencies of indexed terms, to leave very common terms out of big queries.
    """
    CREATE VIRTUAL TABLE chunks_fts_vocab USING fts5vocab(chunks_fts, 'row');
    """,
    # v3: saved chat conversations (see conversations.py).
    """
    CREATE TABLE conversations (
        id INTEGER PRIMARY KEY,
        title TEXT NOT NULL,
        collections TEXT NOT NULL DEFAULT '[]',  -- JSON list of collection names (empty: all)
        created REAL NOT NULL,
        updated REAL NOT NULL
    );
    CREATE TABLE messages (
        id INTEGER PRIMARY KEY,
        conversation_id INTEGER NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
        position INTEGER NOT NULL,
        question TEXT NOT NULL,
        answer TEXT NOT NULL,
        result TEXT NOT NULL,  -- AnswerResult.to_json()
        created REAL NOT NULL
    );
    CREATE INDEX messages_conversation ON messages(conversation_id, position);
    """,
    # v4: where a passage sits inside a container (an e-mail's attachment) and what its page number
    # counts (slides). CSV/TSV files are read as spreadsheets now (rows under their headers): their
    # stored hash is forgotten so the next run reads them again.
    """
    ALTER TABLE chunks ADD COLUMN part TEXT NOT NULL DEFAULT '';
    ALTER TABLE chunks ADD COLUMN page_unit TEXT NOT NULL DEFAULT 'page';
    UPDATE documents SET content_hash = NULL
        WHERE status = 'indexed' AND (lower(path) LIKE '%.csv' OR lower(path) LIKE '%.tsv');
    """,
    # v5: text recognition (OCR). ocr_pages caches recognised pages with their word boxes by file
    # content; documents.ocr_engine is the engine key that read the file's scanned pages
    # ("incomplete" when some could not be read) and documents.ocr_pages lists those pages (JSON).
    # PDFs that had pages without a text layer are read again (their size is forgotten).
    """
    CREATE TABLE ocr_pages (
        content_hash TEXT NOT NULL,
        engine TEXT NOT NULL,
        page INTEGER NOT NULL,
        text TEXT NOT NULL,
        words TEXT NOT NULL,  -- JSON [[word, x0, y0, x1, y1, confidence], ...], fractions of the page
        rotation INTEGER NOT NULL DEFAULT 0,
        engine_name TEXT NOT NULL DEFAULT '',
        PRIMARY KEY (content_hash, engine, page)
    ) WITHOUT ROWID;
    ALTER TABLE documents ADD COLUMN ocr_engine TEXT;
    ALTER TABLE documents ADD COLUMN ocr_pages TEXT;
    UPDATE documents SET size = -1, content_hash = NULL
        WHERE lower(path) LIKE '%.pdf' AND (error LIKE '%no text layer%' OR warnings LIKE '%no text layer%');
    """,
]

HEADING_SEP = " \u203a "  # "a › b": stored form of a heading path


def _split_sql(script: str) -> list[str]:
    """Statements of a migration script (no semicolons inside our statements' strings)."""
    return [s.strip() for s in script.split(";") if s.strip()]
