"""No UI freeze above 100 ms while indexing or streaming an answer: a timer-lag probe in the real window
(real embedding model, real Gemma model) measures the longest the event loop was held up.

Run with ``-s`` to see the figures (the README quotes them)."""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

import pytest
from PySide6.QtCore import QTimer

from desktop_rag.core.config import MULTILINGUAL_E5, Settings
from desktop_rag.core.engine import RagEngine
from desktop_rag.core.models.embedder import create_embedder
from desktop_rag.core.paths import AppPaths
from desktop_rag.ui.app import build_window

pytestmark = pytest.mark.slow
INTERVAL_MS = 10
LIMIT_MS = 100


class LagProbe:
    """A 10 ms timer; a tick that comes late says how long the UI thread was busy elsewhere."""

    def __init__(self) -> None:
        self.timer = QTimer(interval=INTERVAL_MS)
        self.timer.timeout.connect(self._tick)
        self.gaps: list[float] = []
        self._last = 0.0

    def __enter__(self) -> LagProbe:
        self._last = time.perf_counter()
        self.timer.start()
        return self

    def __exit__(self, *exc) -> None:
        self.timer.stop()

    def _tick(self) -> None:
        now = time.perf_counter()
        self.gaps.append((now - self._last) * 1000 - INTERVAL_MS)
        self._last = now

    @property
    def worst_ms(self) -> float:
        return max(self.gaps, default=0.0)

    def report(self, what: str) -> str:
        ordered = sorted(self.gaps)
        p99 = ordered[int(len(ordered) * 0.99)] if ordered else 0.0
        return f"{what}: worst stall {self.worst_ms:.0f} ms, p99 {p99:.0f} ms over {len(self.gaps)} ticks"


def test_the_window_never_stalls_over_100_ms_while_indexing_and_answering(qtbot, tmp_path, docs, gemma_path):
    folder = tmp_path / "docs"
    folder.mkdir()
    for rel in ("pdf/text_born_digital/multi_page.pdf", "markdown/korean/interview_question_OS.md",
                "markdown/english/docling_duck.md", "docx/korean/aegukga_ko.docx"):
        (folder / (docs / rel).name).write_bytes((docs / rel).read_bytes())
    paths = AppPaths(tmp_path / "lib").ensure()
    Settings(llm_model=str(gemma_path), llm_context_tokens=4096, max_answer_tokens=160).save(paths.settings_file)
    # A fresh embedder, as at start-up: its tokenizer is not loaded yet. Loading it holds the GIL
    # (~0.6 s); the window builds while it loads and shows only after (build_window), as run_app does.
    e5 = create_embedder(MULTILINGUAL_E5, Path(os.environ["DESKTOP_RAG_MODELS_DIR"]))
    started = time.perf_counter()
    window = build_window(RagEngine(paths, embedder=e5))
    built_s = time.perf_counter() - started
    qtbot.addWidget(window)
    with LagProbe() as shown:
        window.show()
        qtbot.waitUntil(lambda: window.answers.model is not None, timeout=120_000)
        worker = threading.Thread(target=lambda: e5.count_tokens(["first count"]))  # the indexer's first call
        worker.start()
        qtbot.waitUntil(lambda: not worker.is_alive(), timeout=60_000)
    with LagProbe() as indexing, qtbot.waitSignal(window.indexing.job_finished, timeout=300_000):
        window.library.add_folder(str(folder), "docs")
    tokens: list[str] = []
    window.answers.token.connect(tokens.append)
    with LagProbe() as answering, qtbot.waitSignal(window.answers.answer_finished, timeout=300_000):
        window.chat.input.setPlainText("프로세스와 스레드의 차이는 무엇인가? Explain with a table.")
        window.chat.send()
    print(f"\nwindow built with the warm-up in {built_s:.2f} s; " + shown.report("shown, model loading, first token count"))
    print(indexing.report("indexing 4 files") + "\n" + answering.report(f"streaming an answer ({len(tokens)} tokens)"))
    assert len(indexing.gaps) > 20 and len(tokens) > 10  # the probe ran through both
    assert shown.worst_ms < LIMIT_MS, shown.report("after show")
    assert indexing.worst_ms < LIMIT_MS, indexing.report("indexing")
    assert answering.worst_ms < LIMIT_MS, answering.report("answering")
