"""The no-network promise: the whole pipeline runs with sockets disabled from process start."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

SCRIPT = r"""
import socket, sys
class NetworkUsed(RuntimeError):
    pass
def refuse(*args, **kwargs):
    raise NetworkUsed(f"network access attempted: {args[:2]}")
socket.socket.connect = refuse
socket.socket.connect_ex = refuse
socket.socket.sendto = refuse
socket.create_connection = refuse
socket.getaddrinfo = refuse
socket.gethostbyname = refuse

from desktop_rag.cli import main
data, folder = sys.argv[1], sys.argv[2]
for model in ("builtin:all-MiniLM-L6-v2", "builtin:multilingual-e5-small"):
    lib = f"{data}/{model.split(':')[1]}"
    assert main(["--data-dir", lib, "config", "embedding_model", model]) == 0
    assert main(["--data-dir", lib, "index", folder, "--quiet"]) == 0
    assert main(["--data-dir", lib, "search", "프로세스와 스레드", "--json", "-k", "1"]) == 0
# Answering: model discovery, the GGUF check, llama.cpp generation.
assert main(["--data-dir", lib, "models"]) == 0
assert main(["--data-dir", lib, "ask", "프로세스와 스레드의 차이는?", "--json", "--max-tokens", "16"]) == 0
print("NO-NETWORK-OK")
"""


def test_index_search_and_answer_without_network(tmp_path, docs, gemma_path):
    folder = tmp_path / "docs"
    folder.mkdir()
    for src in [docs / "markdown/korean/interview_question_OS.md", docs / "pdf/text_born_digital/multi_page.pdf"]:
        (folder / src.name).write_bytes(src.read_bytes())
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(tmp_path / "lib"), str(folder)],
        capture_output=True, text=True, timeout=900, cwd=Path(__file__).resolve().parents[1],
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert "NO-NETWORK-OK" in result.stdout
    assert "interview_question_OS.md" in result.stdout
    assert "network access attempted" not in result.stderr
    assert '"answer": ' in result.stdout and '"abstained": false' in result.stdout
