"""The README screenshots of the real window (`make screenshot`): for one language and theme,

    <out-dir>/<theme>-<language>-1-empty.png     a new chat on an empty library (what to do first)
    <out-dir>/<theme>-<language>-2-indexing.png  the Library tab while a folder is being indexed
    <out-dir>/<theme>-<language>-3-answer.png    an answer with its source cards
    <out-dir>/<theme>-<language>-4-viewer.png    the viewer on the cited PDF passage

Indexes a few of the shared documents into a temporary library and asks a question with the
configured (or development) model. Runs under Xvfb or on the offscreen platform (the window is grabbed).

    xvfb-run -a -s "-screen 0 1400x900x24" .venv/bin/python scripts/screenshot.py --language ko --theme dark
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
SHARED = Path(os.environ.get("DESKTOP_RAG_SHARED_DATA", REPO.parent / "shared" / "data"))
QUESTIONS = {
    "en": "What specialized word processing tools cater to specific industries?",
    "ko": "프로세스와 스레드의 차이는 무엇인가?",
}
DOCUMENTS = ("pdf/text_born_digital/multi_page.pdf", "markdown/korean/interview_question_OS.md",
             "markdown/english/docling_duck.md", "docx/korean/aegukga_ko.docx")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--out-dir", default=str(REPO / "resources" / "screenshots"))
    parser.add_argument("--language", default="en", choices=sorted(QUESTIONS))
    parser.add_argument("--theme", default="light", choices=["light", "dark"])
    parser.add_argument("--question")
    args = parser.parse_args()
    question = args.question or QUESTIONS[args.language]
    out = Path(args.out_dir)
    out.mkdir(parents=True, exist_ok=True)

    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from desktop_rag.core.config import Settings
    from desktop_rag.core.engine import RagEngine
    from desktop_rag.core.paths import AppPaths
    from desktop_rag.ui.app import MainWindow
    from desktop_rag.ui.i18n import set_language
    from desktop_rag.ui.theme import apply_theme

    work = Path(tempfile.mkdtemp(prefix="desktop-rag-shot-"))
    docs = work / "Documents"
    docs.mkdir()
    for rel in DOCUMENTS:
        src = SHARED / "documents" / rel
        (docs / src.name).write_bytes(src.read_bytes())
    app = QApplication.instance() or QApplication(sys.argv)
    set_language(args.language)
    apply_theme(app, args.theme)
    settings = Settings(llm_context_tokens=4096, max_answer_tokens=120, ui_theme=args.theme, ui_language=args.language)
    paths = AppPaths(work / "library").ensure()
    settings.save(paths.settings_file)
    window = MainWindow(RagEngine(paths))
    window.resize(1400, 880)
    window.show()
    prefix = f"{args.theme}-{args.language}"

    def shoot(name: str) -> None:
        path = out / f"{prefix}-{name}.png"
        window.grab().save(str(path))
        print(f"saved {path}")

    def empty() -> None:
        if window.answers.model is None:
            QTimer.singleShot(300, empty)
            return
        shoot("1-empty")
        window.tabs.setCurrentWidget(window.library)
        window.library.add_folder(str(docs), "Documents")
        QTimer.singleShot(200, indexing)

    def indexing() -> None:
        # wait until the strip shows a file being read, so that the picture shows progress
        if not window.progress_strip.isVisible() or not window.indexing.busy:
            QTimer.singleShot(100, indexing)
            return
        QTimer.singleShot(700, lambda: shoot("2-indexing"))

    def indexed(*_args) -> None:
        window.tabs.setCurrentIndex(0)
        window.chat.input.setPlainText(question)
        window.chat.send()

    def answered(result) -> None:
        data = result.to_json()
        QTimer.singleShot(800, lambda: (shoot("3-answer"), open_pdf(data)))

    def open_pdf(data: dict) -> None:
        turn = window.chat.turns[-1]
        pdfs = [s for s in data["sources"] if s["path"].endswith(".pdf")]
        if pdfs:
            turn.activate_source(pdfs[0]["n"])
        else:  # this question cites no PDF: open the PDF's best passage for it, as a citation would
            hits = [h for h in window.engine.search("word processing tools", k=10) if h.path.endswith(".pdf")]
            hit = hits[0]
            window.show_source({"path": hit.path, "page": hit.page, "text": hit.text, "char_start": hit.char_start,
                                "char_end": hit.char_end, "terms": ["word", "processing"]})
        QTimer.singleShot(2000, finish)

    def finish() -> None:
        shoot("4-viewer")
        window.close()
        app.quit()

    window.indexing.job_finished.connect(indexed)
    window.answers.answer_finished.connect(answered)
    QTimer.singleShot(500, empty)
    app.exec()


if __name__ == "__main__":
    main()
