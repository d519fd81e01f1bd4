"""Take the README screenshot of the real window (run under Xvfb: `make screenshot`).

Indexes a few of the shared documents into a temporary library, asks a question with the
configured (or development) model, opens the first cited source, and saves the window.

    xvfb-run -a -s "-screen 0 1400x900x24" .venv/bin/python scripts/screenshot.py [--out resources/screenshot.png]
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


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", default=str(REPO / "resources" / "screenshot.png"))
    parser.add_argument("--question", default="What specialized word processing tools cater to specific industries?")
    parser.add_argument("--language", default="en")
    args = parser.parse_args()

    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from desktop_rag.core.config import Settings
    from desktop_rag.core.engine import RagEngine
    from desktop_rag.core.paths import AppPaths
    from desktop_rag.ui.app import MainWindow
    from desktop_rag.ui.i18n import set_language

    work = Path(tempfile.mkdtemp(prefix="desktop-rag-shot-"))
    docs = work / "Documents"
    docs.mkdir()
    for rel in ("pdf/text_born_digital/multi_page.pdf", "markdown/korean/interview_question_OS.md",
                "markdown/english/docling_duck.md", "docx/korean/aegukga_ko.docx"):
        src = SHARED / "documents" / rel
        (docs / src.name).write_bytes(src.read_bytes())
    app = QApplication.instance() or QApplication(sys.argv)
    set_language(args.language)
    settings = Settings(llm_context_tokens=4096, max_answer_tokens=60)
    paths = AppPaths(work / "library").ensure()
    settings.save(paths.settings_file)
    engine = RagEngine(paths)
    engine.index_folder(docs, "Documents")
    window = MainWindow(engine)
    window.resize(1400, 880)
    window.show()

    def ask() -> None:
        if window.answers.model is None:
            QTimer.singleShot(300, ask)
            return
        window.chat.input.setPlainText(args.question)
        window.chat.send()

    def finished(result) -> None:
        turn = window.chat.turns[-1]
        sources = result.to_json()["sources"]
        if sources:
            cited = {c["n"] for c in result.to_json()["citations"]}
            pick = next((s for s in sources if s["n"] in cited), sources[0])
            turn.activate_source(pick["n"])
        QTimer.singleShot(1500, shoot)

    def shoot() -> None:
        window.grab().save(args.out)
        print(f"saved {args.out}")
        window.close()
        app.quit()

    window.answers.answer_finished.connect(finished)
    QTimer.singleShot(500, ask)
    app.exec()


if __name__ == "__main__":
    main()
