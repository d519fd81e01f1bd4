"""Saved chats: conversations and their answered questions, kept in the library database.

    conversations = engine.conversations
    info = conversations.create(collections=["work"])
    result = session.ask(question).wait()
    conversations.add_turn(info.id, result)        # titled after the first question
    ...
    session.restore(conversations.turns(info.id))  # after a restart: follow-ups see the earlier turns

Each turn keeps the whole ``AnswerResult.to_json()`` (answer, citations, the numbered sources
with their passages), so a chat can be shown, exported and continued without the documents.
Safe to use from several threads: writes go through the Store's write transactions, reads use
the calling thread's own connection.
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Sequence

from ..errors import UserError
from ..index.store import Store
from .results import AnswerResult, ConversationInfo, SavedTurn

DEFAULT_TITLE = "New conversation"
TITLE_CHARS = 60  # titles made from the first question are cut to about this length


def title_from_question(question: str, limit: int = TITLE_CHARS) -> str:
    """The question on one line, cut at a word boundary near ``limit`` characters."""
    text = " ".join(question.split())
    if len(text) <= limit:
        return text
    cut = text.rfind(" ", 0, limit + 1)
    head = text[:cut] if cut >= limit // 3 else text[:limit]  # no spaces to cut at: cut mid-word
    return head.rstrip(" ,;:-") + "…"


class ConversationStore:
    """Create, list, rename, delete conversations and save their turns."""

    _INFO_SQL = """SELECT c.id, c.title, c.collections, c.created, c.updated,
                          (SELECT COUNT(*) FROM messages m WHERE m.conversation_id = c.id)
                   FROM conversations c"""

    def __init__(self, store: Store):
        self.store = store

    # -- conversations ---------------------------------------------------------------------------
    def create(self, title: str = "", collections: Sequence[str] = ()) -> ConversationInfo:
        title = " ".join(title.split()) or DEFAULT_TITLE
        with self.store.transaction() as db:
            now = self._now(db)
            cur = db.execute(
                "INSERT INTO conversations(title, collections, created, updated) VALUES (?, ?, ?, ?)",
                (title, _collections_json(collections), now, now),
            )
            return self._info(db, cur.lastrowid)

    def list(self) -> list[ConversationInfo]:
        """Every conversation, the most recently updated first."""
        rows = self.store.db.execute(self._INFO_SQL + " ORDER BY c.updated DESC, c.id DESC").fetchall()
        return [_info_from_row(r) for r in rows]

    def get(self, conversation_id: int) -> ConversationInfo:
        return self._info(self.store.db, conversation_id)

    def rename(self, conversation_id: int, title: str) -> None:
        title = " ".join(title.split())
        if not title:
            raise UserError("the conversation title must not be empty")
        with self.store.transaction() as db:
            self._require(db, conversation_id)
            db.execute("UPDATE conversations SET title = ? WHERE id = ?", (title, conversation_id))

    def set_collections(self, conversation_id: int, collections: Sequence[str]) -> None:
        """The collections this conversation searches (empty: all)."""
        with self.store.transaction() as db:
            self._require(db, conversation_id)
            db.execute(
                "UPDATE conversations SET collections = ? WHERE id = ?",
                (_collections_json(collections), conversation_id),
            )

    def delete(self, conversation_id: int) -> None:
        """Remove a conversation and its turns (nothing happens for an unknown id)."""
        with self.store.transaction() as db:
            # Explicitly, not only by ON DELETE CASCADE: that needs foreign_keys=ON on the connection.
            db.execute("DELETE FROM messages WHERE conversation_id = ?", (conversation_id,))
            db.execute("DELETE FROM conversations WHERE id = ?", (conversation_id,))

    def forget_collection(self, name: str) -> int:
        """Take a forgotten collection's text out of the saved chats; returns chats deleted.

        A chat that searched only that collection is deleted with its turns; other chats stop
        searching it, and the passages their saved answers showed from it are blanked (number,
        file and page stay, so the answer's citations still say where they pointed). Questions
        and answers in those chats are the user's and stay as they are.
        """
        deleted = 0
        with self.store.transaction() as db:
            for conversation_id, raw in db.execute("SELECT id, collections FROM conversations").fetchall():
                names = json.loads(raw or "[]")
                if names and set(names) == {name}:
                    db.execute("DELETE FROM messages WHERE conversation_id = ?", (conversation_id,))
                    db.execute("DELETE FROM conversations WHERE id = ?", (conversation_id,))
                    deleted += 1
                    continue
                if name in names:
                    db.execute(
                        "UPDATE conversations SET collections = ? WHERE id = ?",
                        (_collections_json([n for n in names if n != name]), conversation_id),
                    )
                messages = db.execute(
                    "SELECT id, result FROM messages WHERE conversation_id = ?", (conversation_id,)
                ).fetchall()
                for message_id, result in messages:
                    payload = json.loads(result)
                    changed = False
                    for source in payload.get("sources") or ():
                        if source.get("collection") == name:
                            source.update(text="", heading_path=[], forgotten=True)
                            changed = True
                    if changed:
                        db.execute(
                            "UPDATE messages SET result = ? WHERE id = ?",
                            (json.dumps(payload, ensure_ascii=False), message_id),
                        )
        return deleted

    # -- turns -----------------------------------------------------------------------------------
    def add_turn(self, conversation_id: int, result: AnswerResult) -> SavedTurn:
        """Save an answered question as the conversation's next turn.

        While the conversation still has the default title it is named after the question.
        """
        payload = _as_stored(result.to_json())
        with self.store.transaction() as db:
            info = self._require(db, conversation_id)
            (position,) = db.execute(
                "SELECT COALESCE(MAX(position) + 1, 0) FROM messages WHERE conversation_id = ?", (conversation_id,)
            ).fetchone()
            now = self._now(db)
            db.execute(
                """INSERT INTO messages(conversation_id, position, question, answer, result, created)
                   VALUES (?, ?, ?, ?, ?, ?)""",
                (conversation_id, position, result.question, result.answer, json.dumps(payload, ensure_ascii=False), now),
            )
            self._touch(db, info, result.question, now)
        return SavedTurn(position, result.question, result.answer, payload, now)

    def replace_last_turn(self, conversation_id: int, result: AnswerResult) -> SavedTurn:
        """Put ``result`` in place of the last turn (a regenerated answer)."""
        payload = _as_stored(result.to_json())
        with self.store.transaction() as db:
            info = self._require(db, conversation_id)
            row = db.execute(
                "SELECT id, position FROM messages WHERE conversation_id = ? ORDER BY position DESC LIMIT 1",
                (conversation_id,),
            ).fetchone()
            if row is None:
                raise UserError("the conversation has no answer to replace")
            message_id, position = row
            now = self._now(db)
            db.execute(
                "UPDATE messages SET question = ?, answer = ?, result = ?, created = ? WHERE id = ?",
                (result.question, result.answer, json.dumps(payload, ensure_ascii=False), now, message_id),
            )
            self._touch(db, info, result.question, now)
        return SavedTurn(position, result.question, result.answer, payload, now)

    def turns(self, conversation_id: int) -> list[SavedTurn]:
        """The conversation's turns in order."""
        db = self.store.db
        self._require(db, conversation_id)
        rows = db.execute(
            "SELECT position, question, answer, result, created FROM messages WHERE conversation_id = ? ORDER BY position",
            (conversation_id,),
        ).fetchall()
        return [SavedTurn(p, q, a, json.loads(r), c) for p, q, a, r, c in rows]

    # -- helpers ---------------------------------------------------------------------------------
    def _info(self, db: sqlite3.Connection, conversation_id: int) -> ConversationInfo:
        row = db.execute(self._INFO_SQL + " WHERE c.id = ?", (conversation_id,)).fetchone()
        if row is None:
            raise UserError(f"conversation {conversation_id} not found (was it deleted?)")
        return _info_from_row(row)

    _require = _info

    @staticmethod
    def _now(db: sqlite3.Connection) -> float:
        """The current time, but later than any conversation's ``updated`` (coarse clocks tie)."""
        (latest,) = db.execute("SELECT MAX(updated) FROM conversations").fetchone()
        now = time.time()
        return now if latest is None or now > latest else latest + 1e-3

    @staticmethod
    def _touch(db: sqlite3.Connection, info: ConversationInfo, question: str, now: float) -> None:
        title = info.title
        if title == DEFAULT_TITLE and question.strip():
            title = title_from_question(question)
        db.execute("UPDATE conversations SET title = ?, updated = ? WHERE id = ?", (title, now, info.id))


def _collections_json(collections: Sequence[str]) -> str:
    if isinstance(collections, str):
        collections = [collections]
    names = [c.strip() for c in collections if c and c.strip()]
    return json.dumps(list(dict.fromkeys(names)), ensure_ascii=False)


def _info_from_row(row: tuple) -> ConversationInfo:
    cid, title, collections, created, updated, turns = row
    return ConversationInfo(cid, title, tuple(json.loads(collections or "[]")), created, updated, turns)


def _as_stored(payload: dict) -> dict:
    """The result as ``turns()`` will read it back (JSON types only)."""
    return json.loads(json.dumps(payload, ensure_ascii=False))
