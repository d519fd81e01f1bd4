"""Chunking: sizes in the model's own tokens, natural boundaries, exact offsets, headings."""

from __future__ import annotations

import pytest

from desktop_rag.core.ingest.chunking import Chunker
from desktop_rag.core.ingest.loaders import load_document


def _words(texts):
    return [len(t.split()) + 2 for t in texts]  # +2: like [CLS] ... [SEP]


def test_offsets_point_at_the_chunk_text_and_headings_are_kept():
    text = "# Guide\n\nIntro sentence one. Intro sentence two.\n\n## Install\n\nRun the installer. Then restart.\n"
    chunks = Chunker(_words, 512, chunk_tokens=50, overlap_tokens=0).chunk_pages([(3, text)])
    assert [c.heading_path for c in chunks] == [("Guide",), ("Guide", "Install")]
    for chunk in chunks:
        assert text[chunk.char_start : chunk.char_end] == chunk.text
        assert chunk.page == 3
    assert chunks[1].text.startswith("## Install")


def test_code_comments_and_fenced_code_are_not_headings():
    text = "# Notes\n\nIntro.\n\n```sh\n# install step\nmake\n```\n\nAfter the code."
    chunks = Chunker(_words, 512, chunk_tokens=200, overlap_tokens=0).chunk_pages([(None, text)])
    assert {c.heading_path for c in chunks} == {("Notes",)}
    plain = Chunker(_words, 512, chunk_tokens=200, overlap_tokens=0).chunk_pages([(None, "# comment\nx = 1")], headings=False)
    assert plain[0].heading_path == () and plain[0].text == "# comment\nx = 1"


def test_long_paragraphs_break_between_sentences_with_overlap():
    sentences = [f"Sentence number {i} says something short." for i in range(40)]
    text = " ".join(sentences)
    chunks = Chunker(_words, 512, chunk_tokens=40, overlap_tokens=8).chunk_pages([(None, text)])
    assert len(chunks) > 3
    for chunk in chunks:
        assert chunk.text.endswith("short."), "a chunk must end at a sentence boundary"
        assert chunk.token_count - 2 <= 40
    # consecutive chunks share their boundary sentence(s)
    assert chunks[0].text.split(". ")[-1] in chunks[1].text


def test_korean_sentence_endings_are_boundaries():
    text = "오늘은 날씨가 맑습니다. 내일은 비가 올까요? 모레는 눈이 옵니다! " * 20
    chunks = Chunker(_words, 512, chunk_tokens=20, overlap_tokens=0).chunk_pages([(1, text)])
    assert len(chunks) > 3
    assert all(c.text[-1] in ".?!" for c in chunks)


def test_unbroken_text_is_split_to_fit_the_window():
    text = "가" * 5000  # no spaces, no punctuation
    counter = lambda texts: [len(t) // 2 + 2 for t in texts]  # noqa: E731
    chunker = Chunker(counter, 128, chunk_tokens=256, overlap_tokens=0)
    chunks = chunker.chunk_pages([(None, text)])
    assert "".join(c.text for c in chunks) == text
    assert max(counter([c.text])[0] for c in chunks) <= 128


def test_no_chunk_exceeds_the_real_model_window(minilm, docs):
    """Real tokenizer, real Korean and English documents: nothing is silently truncated."""
    chunker = Chunker(minilm.count_tokens, minilm.max_tokens, chunk_tokens=256, overlap_tokens=32)
    for path in [
        docs / "markdown/korean/interview_question_OS.md",
        docs / "pdf/text_born_digital/multicolumn.pdf",
        docs / "html/wiki_duck.html",
    ]:
        document = load_document(path)
        chunks = chunker.chunk_pages([(p.number, p.text) for p in document.pages])
        assert chunks, path
        counts = minilm.count_tokens([c.text for c in chunks])
        assert max(counts) <= minilm.max_tokens, path
        pages = {p.number: p.text for p in document.pages}
        for chunk in chunks:
            assert pages[chunk.page][chunk.char_start : chunk.char_end] == chunk.text


@pytest.mark.parametrize("size", [64, 200])
def test_chunk_size_is_configurable(size, e5, docs):
    document = load_document(docs / "markdown/korean/interview_question_Network.md")
    chunker = Chunker(e5.count_tokens, e5.max_tokens, chunk_tokens=size, overlap_tokens=8)
    chunks = chunker.chunk_pages([(p.number, p.text) for p in document.pages])
    counts = e5.count_tokens([c.text for c in chunks])
    overhead = e5.count_tokens([""])[0]
    # Sentence costs are summed separately, so allow a few tokens of join effects.
    assert max(counts) - overhead <= size * 1.15
    assert sum(counts) / len(counts) > size * 0.3
