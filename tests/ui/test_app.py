"""The real window, driven end to end with pytest-qt: real embedding model, real Gemma model."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt, QTimer

from desktop_rag.core.config import Settings
from desktop_rag.core.engine import RagEngine
from desktop_rag.core.paths import AppPaths
from desktop_rag.ui.app import MainWindow

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def workspace(tmp_path_factory, docs, gemma_path):
    root = tmp_path_factory.mktemp("window")
    folder = root / "docs"
    folder.mkdir()
    for src in (docs / "pdf/text_born_digital/multi_page.pdf", docs / "markdown/korean/interview_question_OS.md"):
        (folder / src.name).write_bytes(src.read_bytes())
    settings = Settings(llm_model=str(gemma_path), llm_context_tokens=4096, max_answer_tokens=48)
    settings_file = root / "lib" / "settings.json"
    settings_file.parent.mkdir()
    settings.save(settings_file)
    return root, folder


def open_window(qtbot, workspace, e5, load_model: bool = True) -> MainWindow:
    root, _ = workspace
    engine = RagEngine(AppPaths(root / "lib"), embedder=e5)
    window = MainWindow(engine, load_model=load_model)
    qtbot.addWidget(window)
    window.show()
    return window


def test_library_indexes_a_folder_while_the_window_stays_responsive(qtbot, workspace, e5):
    _, folder = workspace
    window = open_window(qtbot, workspace, e5, load_model=False)
    ticks = []
    timer = QTimer(interval=20)
    timer.timeout.connect(lambda: ticks.append(1))
    timer.start()
    progress = []
    window.indexing.progress.connect(progress.append)
    with qtbot.waitSignal(window.indexing.job_finished, timeout=300_000) as finished:
        window.library.add_folder(str(folder), "docs")  # what a drop or the dialog does
        qtbot.waitUntil(window.progress_strip.isVisible, timeout=10_000)
    timer.stop()
    job, report = finished.args
    assert report.files_indexed == 2 and not report.errors
    assert progress and progress[-1].files_total == 2
    # The event loop ran the whole time: a 20 ms timer kept ticking during indexing.
    assert len(ticks) >= report.seconds * 1000 / 20 * 0.5
    tree_text = [window.library.tree.topLevelItem(0).child(0).text(i) for i in range(5)]
    assert tree_text[0] == str(folder) and int(tree_text[2]) > 10
    window.close()


def test_ask_stream_sources_viewer_stop_and_restart(qtbot, workspace, e5):
    window = open_window(qtbot, workspace, e5)
    window.engine.index_folder(workspace[1], "docs")  # a no-op when the test above ran
    window.refresh_library()
    # The status bar names the device once the model is ready (the signal is queued to the UI thread).
    qtbot.waitUntil(lambda: "CPU" in window.model_label.text() or "GPU" in window.model_label.text(),
                    timeout=120_000)
    assert window.answers.model is not None

    tokens = []
    window.answers.token.connect(tokens.append)
    window.chat.input.setPlainText("What specialized word processing tools cater to specific industries?")
    with qtbot.waitSignal(window.answers.answer_finished, timeout=120_000) as done:
        qtbot.keyClick(window.chat.input, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    result = done.args[0]
    assert len(tokens) >= 3, "the answer streams"
    turn = window.chat.turns[-1]
    assert turn.answer_text.strip() and turn.sources_label.isVisible()
    pdf_sources = [s for s in result.to_json()["sources"] if s["path"].endswith("multi_page.pdf")]
    assert pdf_sources, result.to_json()["sources"]
    target = pdf_sources[0]
    turn.activate_source(target["n"])
    assert window.viewer_dock.isVisible()
    assert window.viewer.current_path == target["path"] and window.viewer.current_page == target["page"]

    # Stop midway: Stop (the Send button while answering) ends it within a token or two.
    window.engine.settings.max_answer_tokens = 400
    window.session = None
    window.chat.input.setPlainText("Describe the word processing tools in detail.")
    got_token = []
    window.answers.token.connect(lambda piece: (got_token.append(piece), len(got_token) == 2 and window.chat.send_button.click()))
    with qtbot.waitSignal(window.answers.answer_finished, timeout=120_000) as stopped:
        window.chat.send()
    assert stopped.args[0].cancelled and stopped.args[0].stats.generated_tokens < 20
    assert not window.chat.answering

    title = window.conversation_list.currentItem().text()
    assert window.conversation_list.count() == 1 and title.startswith("What specialized")
    assert window.chat.title_label.text() == title
    export = window.export_conversation(str(workspace[0] / "chat.md"))
    assert "multi_page.pdf" in Path(export).read_text(encoding="utf-8")
    window.close()

    # Restart: the conversation is still there, with its answers.
    again = open_window(qtbot, workspace, e5, load_model=False)
    assert again.conversation_list.count() == 1
    assert again.conversation_list.currentItem().text() == title
    assert len(again.chat.turns) == 2 and again.chat.turns[0].sources_label.isVisible()
    again.close()
