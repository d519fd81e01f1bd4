"""Whole-document questions: a summary of a long shared PDF cites pages from its beginning, middle
and end (real Gemma model); progress, cancel, bounded memory on a 352-page PDF; a question scoped
to one document retrieves only from it."""

from __future__ import annotations

import threading
import tracemalloc
from pathlib import Path

import pytest

from desktop_rag.core.answer.answering import AnswerOptions, ChatSession
from desktop_rag.core.answer.document_answer import DocumentAnswerer
from desktop_rag.core.answer.prompting import PromptBuilder
from desktop_rag.core.models.llm import GenerationOptions, GenerationStats
from tests.conftest import copy_docs

LARGE = "pdf/large_pagecount"


class _NoteTaker:
    """A completion model that answers every prompt with a fixed note (counts its calls)."""

    context_tokens = 2048
    add_bos = True

    def __init__(self, cancel_after: int | None = None, cancel: threading.Event | None = None):
        self.calls = 0
        self.cancel_after, self.cancel = cancel_after, cancel

    def tokenize(self, text: str, *, special: bool = False, add_bos: bool = False) -> list[int]:
        return [0] * (len(text) // 4 + add_bos)

    def stream(self, prompt, options, cancel, stats: GenerationStats):
        self.calls += 1
        assert len(prompt) < self.context_tokens, "every prompt fits the context"
        if self.cancel_after and self.calls >= self.cancel_after:
            self.cancel.set()
        yield "These pages describe the topic."


def _indexed(make_engine, fake_embedder, docs, tmp_path, name: str):
    engine = make_engine(fake_embedder)
    folder = copy_docs([docs / LARGE / name, docs / "pdf/text_born_digital/multi_page.pdf"], tmp_path / "docs")
    engine.index_folder(folder, "docs")
    return engine, str((folder / name).resolve())


@pytest.mark.slow
def test_a_352_page_pdf_is_read_in_parts_with_progress_and_bounded_memory(make_engine, fake_embedder, docs, tmp_path):
    engine, path = _indexed(make_engine, fake_embedder, docs, tmp_path, "freeculture.pdf")
    model = _NoteTaker()
    answerer = DocumentAnswerer(model, engine.store, PromptBuilder(model, None), GenerationOptions(max_tokens=64), 64)
    seen = []
    tracemalloc.start()
    result = answerer.run(path, None, seen.append)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    pages = [s.hit.page for s in result.sources]
    ids = engine.store.document_chunk_ids(path)
    first_page, last_page = (engine.store.chunk_rows([ids[i]])[ids[i]][1] for i in (0, -1))
    assert last_page > 300 and pages[0] == first_page and max(pages) > last_page - 10, "parts run from the first page to the end"
    assert f"pp. {pages[-1]}–{last_page}" in result.answer or f"p. {last_page}" in result.answer
    assert pages == sorted(pages) and len(result.sources) == seen[-1].parts_total
    assert [p.parts_done for p in seen if p.phase == "reading"] == list(range(seen[-1].parts_total + 1))
    assert seen[-1].phase == "done" and model.calls > len(result.sources)  # map per part, then reduce
    assert all(s.hit.path == path for s in result.sources), "only this document"
    assert peak < 40 * 1024 * 1024, f"peak {peak / 1e6:.0f} MB while reading"
    assert f"(pp. {first_page}–" in result.answer and result.answer.count("[") == len(result.sources)


def test_cancel_keeps_the_parts_read_so_far(make_engine, fake_embedder, docs, tmp_path):
    engine, path = _indexed(make_engine, fake_embedder, docs, tmp_path, "pdkids.pdf")
    cancel = threading.Event()
    model = _NoteTaker(cancel_after=2, cancel=cancel)
    answerer = DocumentAnswerer(model, engine.store, PromptBuilder(model, None), GenerationOptions(max_tokens=64), 64)
    result = answerer.run(path, None, None, cancel)
    assert result.cancelled and len(result.sources) == 2 and model.calls == 2


def test_a_question_scoped_to_one_document_retrieves_only_from_it(make_engine, fake_embedder, docs, tmp_path):
    engine, path = _indexed(make_engine, fake_embedder, docs, tmp_path, "pdkids.pdf")
    everywhere = {h.path for h in engine.search("page document text", 20)}
    assert len(everywhere) == 2
    scoped = engine.search("page document text", 20, folders=[path])
    assert scoped and {h.path for h in scoped} == {path}
    assert engine.find_document("PDKIDS.pdf") == path


@pytest.mark.slow
def test_a_summary_of_a_long_pdf_cites_its_beginning_middle_and_end(make_engine, fake_embedder, docs, tmp_path, gemma):
    engine, path = _indexed(make_engine, fake_embedder, docs, tmp_path, "pdkids.pdf")
    session = ChatSession(gemma, engine.store, lambda q, k: [], AnswerOptions(generation=GenerationOptions(max_tokens=40)))
    result = session.ask_document(path)
    pages = sorted({s.hit.page for s in result.sources})
    last = max(pages)
    assert last >= 50, pages
    assert any(p <= 5 for p in pages) and any(20 <= p <= 35 for p in pages) and any(p >= 50 for p in pages)
    lines = [line for line in result.answer.splitlines() if line.startswith("- ")]
    assert len(lines) == len(result.sources) >= 3
    for line, source in zip(lines, result.sources, strict=True):
        assert f"[{source.n}]" in line and "p." in line, line
        assert len(line.split("[")[0]) > 12, "each part has the model's notes"
    assert [c.n for c in result.citations] == [s.n for s in result.sources]
    assert result.stats.generated_tokens > 0 and not result.cancelled
    assert Path(path).name in result.question
