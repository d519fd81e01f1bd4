"""Saved conversations: storage, the v2 -> v3 upgrade, restoring a chat, Markdown export."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import pytest

import desktop_rag.core.index.store as store_module
from desktop_rag.core.answer.answering import AnswerOptions, AnswerResult, ChatSession
from desktop_rag.core.answer.conversations import DEFAULT_TITLE, ConversationStore, title_from_question
from desktop_rag.core.answer.export import conversation_markdown
from desktop_rag.core.answer.grounding import Citation
from desktop_rag.core.answer.prompting import REFUSAL, Source
from desktop_rag.core.errors import UserError
from desktop_rag.core.index.store import Store
from desktop_rag.core.models.llm import GenerationOptions
from desktop_rag.core.types import Hit
from tests.core.test_generation import duck_library  # noqa: F401  (the module-scoped library fixture)


@pytest.fixture
def store(tmp_path):
    s = Store(tmp_path / "library.db")
    yield s
    s.close()


def _hit(chunk_id: int, path: str, page: int | None, text: str) -> Hit:
    return Hit(chunk_id, path, page, text, 0, len(text), ("Intro",), "work", 1.0)


def _passage(hit: Hit) -> tuple:
    """What a saved source keeps of a hit (not its search scores)."""
    return (hit.chunk_id, hit.path, hit.page, hit.text, hit.char_start, hit.char_end, hit.heading_path, hit.collection)


def _result(question: str, answer: str, sources=(), cited=(), unknown=(), abstained: bool = False) -> AnswerResult:
    shown = {s.n: s for s in sources}
    return AnswerResult(
        question=question,
        answer=answer,
        abstained=abstained,
        abstain_reason="no relevant passages" if abstained else "",
        citations=[Citation(n, shown[n]) for n in cited],
        unknown_citations=list(unknown),
        sources=list(sources),
    )


# -- storage ---------------------------------------------------------------------------------------
def test_create_list_get_rename_and_collections(store):
    conversations = ConversationStore(store)
    first = conversations.create()
    second = conversations.create("  Budget   questions ", ["work", "work", " ", "메모"])
    assert first.title == DEFAULT_TITLE and first.collections == () and first.turns == 0
    assert second.title == "Budget questions" and second.collections == ("work", "메모")
    assert [c.id for c in conversations.list()] == [second.id, first.id], "newest first"

    conversations.add_turn(first.id, _result("What is due in March?", "The report [1].", [Source(1, _hit(1, "/a.txt", 1, "x"))], [1]))
    assert [c.id for c in conversations.list()] == [first.id, second.id], "an answer moves a chat to the top"
    assert conversations.get(first.id).turns == 1

    conversations.rename(second.id, "  Taxes ")
    conversations.set_collections(second.id, [])
    assert conversations.get(second.id).title == "Taxes" and conversations.get(second.id).collections == ()
    with pytest.raises(UserError):
        conversations.rename(second.id, "   ")
    for call in (conversations.get, conversations.turns, lambda i: conversations.rename(i, "x")):
        with pytest.raises(UserError, match="not found"):
            call(9999)


def test_deleting_a_conversation_deletes_its_turns(store):
    conversations = ConversationStore(store)
    keep, drop = conversations.create(), conversations.create()
    for cid in (keep.id, drop.id):
        conversations.add_turn(cid, _result("q1", "a1"))
        conversations.add_turn(cid, _result("q2", "a2"))
    conversations.delete(drop.id)
    conversations.delete(drop.id)  # already gone: nothing happens
    assert [c.id for c in conversations.list()] == [keep.id]
    count = store.db.execute("SELECT COUNT(*) FROM messages WHERE conversation_id = ?", (drop.id,)).fetchone()[0]
    assert count == 0
    # The foreign key cascades too, for rows deleted by hand.
    store.db.execute("DELETE FROM conversations WHERE id = ?", (keep.id,))
    assert store.db.execute("SELECT COUNT(*) FROM messages").fetchone()[0] == 0


def test_conversations_persist_across_stores_and_threads(tmp_path):
    path = tmp_path / "library.db"
    first = Store(path)
    conversations = ConversationStore(first)
    info = conversations.create(collections=["work"])
    source = Source(1, _hit(7, "/docs/한강.txt", None, "한강은 서울을 가로질러 흐르는 강이다."))
    saved = conversations.add_turn(info.id, _result("한강은 어디를 흐르나요?", "서울을 흐릅니다 [1].", [source], [1]))

    # A worker thread saves the next turn while this thread reads.
    worker = threading.Thread(target=lambda: conversations.add_turn(info.id, _result("And?", "More [1].", [source], [1])))
    worker.start()
    conversations.list()
    worker.join()
    first.close()

    second = Store(path)
    try:
        again = ConversationStore(second)
        assert again.get(info.id).turns == 2 and again.get(info.id).collections == ("work",)
        turns = again.turns(info.id)
        assert [t.position for t in turns] == [0, 1]
        assert turns[0] == saved
        assert turns[0].result["sources"][0]["chunk_id"] == 7
        assert turns[0].result["sources"][0]["path"] == "/docs/한강.txt"
    finally:
        second.close()


def test_a_v2_library_is_upgraded_in_place(tmp_path, monkeypatch):
    path = tmp_path / "library.db"
    with monkeypatch.context() as patch:
        patch.setattr(store_module, "MIGRATIONS", store_module.MIGRATIONS[:2])
        old = Store(path)
        folder_id = old.ensure_folder("work", "/docs")
        old.close()
    raw = sqlite3.connect(path)
    assert raw.execute("PRAGMA user_version").fetchone()[0] == 2
    assert raw.execute("SELECT name FROM sqlite_master WHERE name = 'conversations'").fetchone() is None
    raw.close()

    store = Store(path)
    try:
        assert store.db.execute("PRAGMA user_version").fetchone()[0] == len(store_module.MIGRATIONS) >= 3
        assert [(f.id, f.collection, f.path) for f in store.folders()] == [(folder_id, "work", "/docs")]
        conversations = ConversationStore(store)
        info = conversations.create()
        conversations.add_turn(info.id, _result("Does it still work?", "Yes."))
        assert conversations.get(info.id).title == "Does it still work?"
        indexes = {r[0] for r in store.db.execute("SELECT name FROM sqlite_master WHERE type = 'index'")}
        assert "messages_conversation" in indexes
    finally:
        store.close()


def test_the_first_question_names_the_conversation(store):
    conversations = ConversationStore(store)
    long_question = "What does the quarterly report say about the marketing budget for the northern region offices?"
    info = conversations.create()
    conversations.add_turn(info.id, _result(long_question, "a"))
    title = conversations.get(info.id).title
    assert title.endswith("…") and len(title) <= 61
    assert long_question.startswith(title[:-1]) and long_question[len(title) - 1] == " ", "cut between words"
    conversations.add_turn(info.id, _result("Something else entirely?", "b"))
    assert conversations.get(info.id).title == title, "only the first question names it"

    korean = conversations.create()
    conversations.add_turn(korean.id, _result("  한강의   길이는 얼마입니까?\n", "494킬로미터입니다."))
    assert conversations.get(korean.id).title == "한강의 길이는 얼마입니까?"
    assert title_from_question("가" * 100) == "가" * 60 + "…", "no spaces: cut at the limit"

    named = conversations.create("My notes")
    conversations.add_turn(named.id, _result("A question", "An answer"))
    assert conversations.get(named.id).title == "My notes", "a chosen title is kept"


def test_regenerating_replaces_the_last_turn(store):
    conversations = ConversationStore(store)
    info = conversations.create()
    with pytest.raises(UserError, match="no answer"):
        conversations.replace_last_turn(info.id, _result("q", "a"))
    conversations.add_turn(info.id, _result("first", "one"))
    conversations.add_turn(info.id, _result("second", "two"))
    before = conversations.get(info.id).updated
    replaced = conversations.replace_last_turn(info.id, _result("second", "two, better"))
    turns = conversations.turns(info.id)
    assert replaced.position == 1 and [(t.position, t.answer) for t in turns] == [(0, "one"), (1, "two, better")]
    assert turns[1] == replaced and turns[1].result["answer"] == "two, better"
    assert conversations.get(info.id).turns == 2 and conversations.get(info.id).updated > before


# -- restoring a chat --------------------------------------------------------------------------------
def _session(model, engine) -> ChatSession:
    return ChatSession(
        model, engine.store, lambda q, k: engine.search(q, k),
        AnswerOptions(sources=4, generation=GenerationOptions(max_tokens=60)),
    )


@pytest.mark.slow
def test_a_restored_chat_continues_where_it_stopped(gemma, duck_library):  # noqa: F811
    engine = duck_library
    live = _session(gemma, engine)
    first = live.ask("How long is the Han River?").wait()
    second = live.ask("What does the duck in the document like to eat?").wait()
    assert not first.abstained and first.sources
    info = engine.conversations.create()
    engine.conversations.add_turn(info.id, first)
    engine.conversations.add_turn(info.id, second)

    # After a restart: another connection to the library, a fresh session.
    reopened = Store(engine.store.path)
    try:
        saved = ConversationStore(reopened).turns(info.id)
    finally:
        reopened.close()
    session = _session(gemma, engine)
    session.restore(saved)
    conversation = session.conversation
    assert [(t.question, t.answer) for t in conversation.turns] == [
        (first.question, first.answer), (second.question, second.answer)
    ]
    assert {n: s.hit.chunk_id for n, s in conversation.sources.items()} == {
        n: s.hit.chunk_id for n, s in live.conversation.sources.items()
    }
    assert conversation.turns[0].source_numbers == live.conversation.turns[0].source_numbers
    for n, source in conversation.sources.items():
        assert _passage(source.hit) == _passage(live.conversation.sources[n].hit)

    # The same from the plain to_json() dicts.
    from_json = _session(gemma, engine)
    from_json.restore([first.to_json(), second.to_json()])
    assert from_json.conversation.turns == conversation.turns

    han = next(s for s in first.sources if s.hit.path.endswith("han.txt"))
    seen = {s.hit.chunk_id for s in conversation.sources.values()}
    top = max(conversation.sources)
    prompts: list[list[tuple[str, str]]] = []
    render = session.builder._render
    session.builder._render = lambda messages: prompts.append(messages) or render(messages)

    follow = session.ask("How many bridges does the Han River have in the city of Seoul?").wait()
    text = "\n".join(content for _, content in prompts[-1])
    assert follow.turns_dropped == 0
    assert first.question in text and first.answer in text and second.answer in text, "earlier turns are in the prompt"
    assert text.count(han.hit.text.strip()) == 1, "a passage shown before is not shown again"
    again = next(s for s in follow.sources if s.hit.chunk_id == han.hit.chunk_id)
    assert again.n == han.n, "a source seen before keeps its number"
    assert all(s.n > top for s in follow.sources if s.hit.chunk_id not in seen), "new sources continue the numbering"
    assert len(conversation.turns) == 3


def test_restore_skips_empty_answers_and_keeps_the_numbers_of_every_source(gemma, store):
    session = ChatSession(gemma, store, lambda q, k: [])
    one = Source(1, _hit(11, "/a.txt", 1, "alpha"))
    two = Source(2, _hit(12, "/b.txt", 2, "beta"))
    three = Source(3, _hit(13, "/c.txt", None, "gamma"), truncated=True)
    session.restore([
        _result("q1", "a [1]", [one, two], [1]).to_json(),
        _result("off topic?", REFUSAL["en"], abstained=True).to_json(),
        _result("stopped", "", [one, two, three]).to_json(),  # cancelled before its first word
        {"question": "q4", "answer": "a4 [2]", "result": _result("q4", "a4 [2]", [one, two], [2]).to_json()},
    ])
    turns = session.conversation.turns
    assert [(t.question, t.source_numbers) for t in turns] == [("q1", (1, 2)), ("off topic?", ()), ("q4", ())]
    assert sorted(session.conversation.sources) == [1, 2, 3], "3 stays taken: the next new passage is [4]"
    assert session.conversation.sources[3].truncated and session.conversation.sources[3].hit.chunk_id == 13
    assert session.conversation.number_for(_hit(99, "/d.txt", 1, "delta")) == 4
    session.restore([])
    assert session.conversation.turns == [] and session.conversation.sources == {}


def test_ask_json_keeps_its_documented_keys():
    payload = _result("q", "a [1]", [Source(1, _hit(5, "/a.txt", 3, "text"))], [1]).to_json()
    assert {"answer", "abstained", "citations", "sources", "timing"} <= payload.keys()
    assert {"n", "path", "page"} <= payload["citations"][0].keys()
    assert {"path", "page", "text", "chunk_id", "heading_path", "collection"} <= payload["sources"][0].keys()
    assert payload["sources"][0]["heading_path"] == ["Intro"] and payload["sources"][0]["collection"] == "work"
    assert {"ttft_s", "tokens_per_s"} <= payload["timing"].keys()


# -- export -------------------------------------------------------------------------------------------
def test_markdown_export(store, tmp_path):
    conversations = ConversationStore(store)
    info = conversations.create(collections=["work"])
    duck = str(tmp_path / "docs" / "duck.md")
    korean_path = str(tmp_path / "문서" / "한강.txt")
    long_text = "Write to kim@example.com about the duck. " + "The duck eats leaves and seeds by the pond. " * 12
    duck_source = Source(1, _hit(1, duck, 3, long_text))
    han = Source(2, _hit(2, korean_path, None, "한강은 서울을 가로질러 흐르는 강이다. 한강의 길이는 494킬로미터이다."))
    conversations.add_turn(info.id, _result(
        "Who should I write to (kim@example.com?) about the duck?",
        "Write to kim@example.com [1]. See also [7].", [duck_source], [1], [7]))
    conversations.add_turn(info.id, _result("한강의 길이는 얼마입니까?", "한강의 길이는 494킬로미터입니다 [2].", [duck_source, han], [2]))
    conversations.add_turn(info.id, _result("How do I renew my car insurance?", REFUSAL["en"], abstained=True))
    info = conversations.get(info.id)
    turns = conversations.turns(info.id)

    md = conversation_markdown(info, turns)
    assert md.startswith("# Who should I write to")
    assert "Collections: work" in md
    assert "## Q: Who should I write to (kim@example.com?) about the duck?" in md
    assert "Write to kim@example.com [1]. See also [7]." in md
    line = next(line for line in md.splitlines() if line.startswith("- [1] "))
    assert line.startswith('- [1] duck.md, page 3 — "Write to kim@example.com about the duck.')
    assert "*(cited)*" in line and "…" in line and len(line) < 400
    assert f"`{duck}`" in md, "the absolute path"
    assert "- [7] not a source" in md
    assert "## Q: 한강의 길이는 얼마입니까?" in md and "한강의 길이는 494킬로미터입니다 [2]." in md
    assert '- [2] 한강.txt, Intro — "한강은 서울을 가로질러 흐르는 강이다. 한강의 길이는 494킬로미터이다."' in md
    assert f"`{korean_path}`" in md
    assert md.count("- [1] ") == 1, "a source is listed again only where it is cited"
    assert "Not answered from the documents: no relevant passages" in md
    assert md.encode("utf-8").decode("utf-8") == md

    redacted = conversation_markdown(info, turns, redact=lambda text: text.replace("kim@example.com", "[e-mail]"))
    assert "kim@example.com" not in redacted
    assert redacted.count("[e-mail]") == 4  # title, question, answer, passage
    assert "한강의 길이는 494킬로미터입니다 [2]." in redacted

    out = Path(tmp_path / "chat.md")
    out.write_text(md, encoding="utf-8")
    assert out.read_text(encoding="utf-8") == md
