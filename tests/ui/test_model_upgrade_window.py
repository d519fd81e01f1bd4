"""On first start after an update that brought a new build of the embedding model, the window
re-embeds the library once, showing progress, and search keeps working meanwhile."""

from __future__ import annotations

from desktop_rag.core.config import Settings
from desktop_rag.core.engine import RagEngine
from desktop_rag.core.paths import AppPaths
from desktop_rag.ui import workers
from desktop_rag.ui.app import MainWindow
from desktop_rag.ui.library_panel import describe_progress
from tests.conftest import FakeEmbedder


def test_the_window_upgrades_an_old_library_on_start(qtbot, tmp_path, monkeypatch):
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "jupiter.txt").write_text("Jupiter is the largest planet of the solar system.", encoding="utf-8")
    (folder / "mars.txt").write_text("Mars is the red planet; it has two small moons.", encoding="utf-8")
    old = RagEngine(AppPaths(tmp_path / "lib"), Settings(), embedder=FakeEmbedder("st:e5:old"))
    old.index_folder(folder)
    old.close()

    engine = RagEngine(AppPaths(tmp_path / "lib"), Settings(), embedder=FakeEmbedder("onnx-int8:e5:new"))
    assert engine.upgrade_pending
    assert engine.search("Jupiter")[0].path.endswith("jupiter.txt")  # keywords meanwhile
    progress, finished = [], []
    original = workers.IndexingService.__init__

    def recording(self, *args, **kwargs):  # record from the very first event: the window queues the upgrade
        original(self, *args, **kwargs)
        self.progress.connect(progress.append)
        self.job_finished.connect(lambda job, report: finished.append(report))

    monkeypatch.setattr(workers.IndexingService, "__init__", recording)
    window = MainWindow(engine, load_model=False)
    qtbot.addWidget(window)
    qtbot.waitUntil(lambda: len(finished) == 1, timeout=60_000)
    assert not engine.reembed_needed
    upgrade = [p for p in progress if p.phase == "re-embedding"]
    assert upgrade and upgrade[-1].files_done == upgrade[-1].files_total == 2
    text = describe_progress(upgrade[-1])
    assert "Upgrading the library" in text and "keywords only" in text
    assert engine.search("largest planet", mode="dense")[0].path.endswith("jupiter.txt")
    assert finished[0].chunks_reembedded == 2  # the finished message says what the run did
    qtbot.waitUntil(lambda: "Library upgraded" in window.statusBar().currentMessage())
    assert "2 passages re-embedded" in window.statusBar().currentMessage()
    window.indexing.shutdown(10)
    engine.close()
