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


def test_korean_questions_over_office_files_cite_and_show_the_passage(qtbot, tmp_path, docs, e5):
    """A 배포용 HWP, an HWPX table and a Korean Outlook message: a Korean question in the window finds
    each one's passage among the sources, the source list names the place, and the viewer shows it."""
    from tests.test_office_search import LEASE_MAIL, write_korean_msg

    folder = tmp_path / "office"
    folder.mkdir()
    for rel in ("hwp/distribution-viewtext-small.hwp", "hwpx/textextractor-table.hwpx", "pptx/ko-langchain-tutorial.pptx"):
        (folder / Path(rel).name).write_bytes((docs / "office" / rel).read_bytes())
    write_korean_msg(folder / LEASE_MAIL)
    engine = RagEngine(AppPaths(tmp_path / "lib"), embedder=e5)
    window = MainWindow(engine, load_model=False)  # sources only: the answer itself is not under test here
    qtbot.addWidget(window)
    window.show()
    report = engine.index_folder(folder, "office")
    assert report.files_indexed == 4 and not report.errors
    window.refresh_library()
    cases = [
        ("pyhwp 테스트를 위한 배포 문서는 무엇인가요?", "distribution-viewtext-small.hwp", "배포 문서 예제입니다",
         "distribution-viewtext-small.hwp, Section 1"),
        ("C반 기말고사에서 개똥이의 수학 점수는?", "textextractor-table.hwpx", "개똥이 | 89 | 65 | 78",
         "textextractor-table.hwpx, Section 1"),
        ("사무실 임대차 계약 해지는 언제까지 통보해야 하나요?", LEASE_MAIL, "석 달 전까지", LEASE_MAIL),
        ("임베딩은 무엇인가요?", "ko-langchain-tutorial.pptx", "임베딩은", "ko-langchain-tutorial.pptx, 슬라이드 3"),
    ]
    from desktop_rag.ui import i18n

    previous = i18n.current_language()
    i18n.set_language("ko")
    try:
        for question, name, phrase, place in cases:
            hits = engine.search(question, k=5)
            found = [h for h in hits if h.path == str(folder / name)]
            assert found, (question, [h.path for h in hits])
            hit = found[0]
            source = {"n": 1, "path": hit.path, "page": hit.page, "text": hit.text, "char_start": hit.char_start,
                      "char_end": hit.char_end, "heading_path": list(hit.heading_path), **hit.location()}
            window.show_source(source)
            qtbot.waitUntil(lambda phrase=phrase: phrase in window.viewer.highlighted_text(), timeout=20_000)
            assert window.viewer.mode == "text" and window.viewer.current_path == hit.path
            assert window.viewer.name_label.text() == place
    finally:
        i18n.set_language(previous)
    window.close()
