"""The no-network promise, checked twice:

* in Python: the whole pipeline (start-up, indexing, search, an answer, and the window answering a
  question) runs with network sockets made to fail loudly from process start;
* at the system-call level: the CLI (index, search, ask) and the window's start-up run under
  ``strace -f -e trace=network`` and connect to nothing outside this machine (this also sees what
  C/C++ code does: llama.cpp, torch, Qt).
"""

from __future__ import annotations

import ipaddress
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

SCRIPT = r"""
import json, os, socket, sys, time
from pathlib import Path

class NetworkUsed(RuntimeError):
    pass

def refuse(what, *args):
    # Loud even where a library swallows the exception: the test reads stderr.
    message = f"network access attempted: {what} {args[:2]}"
    sys.stderr.write(message + "\n")
    sys.stderr.flush()
    raise NetworkUsed(message)

_init = socket.socket.__init__

def guarded_init(self, family=-1, type=-1, proto=-1, fileno=None):
    # Only local (AF_UNIX) sockets may exist; -1 means AF_INET when no fileno is given.
    if fileno is None and family != socket.AF_UNIX:
        refuse("socket()", family, type)
    _init(self, family, type, proto, fileno)
    if self.family != socket.AF_UNIX:
        self.close()
        refuse("socket() from a descriptor", self.family)

socket.socket.__init__ = guarded_init
for name in ("connect", "connect_ex", "sendto", "sendmsg"):
    setattr(socket.socket, name, lambda self, *a, _n=name, **k: refuse(_n, *a))
for name in ("create_connection", "create_server", "getaddrinfo", "gethostbyname", "gethostbyname_ex",
             "gethostbyaddr", "getnameinfo"):
    setattr(socket, name, lambda *a, _n=name, **k: refuse(_n, *a))
try:
    socket.socket()
except NetworkUsed:
    pass
else:
    raise SystemExit("the socket guard does not work")
sys.stderr.write("(guard self-test above: expected)\n")

import desktop_rag
for key, value in desktop_rag.OFFLINE_ENVIRONMENT.items():
    assert os.environ[key] == value, key

from desktop_rag.cli import main
data, folder, gemma = sys.argv[1], sys.argv[2], sys.argv[3]
for model in ("builtin:all-MiniLM-L6-v2", "builtin:multilingual-e5-small"):
    lib = f"{data}/{model.split(':')[1]}"
    assert main(["--data-dir", lib, "config", "embedding_model", model]) == 0
    assert main(["--data-dir", lib, "index", folder, "--quiet"]) == 0
    assert main(["--data-dir", lib, "search", "프로세스와 스레드", "--json", "-k", "1"]) == 0
# Answering: model discovery, the GGUF check, llama.cpp generation.
assert main(["--data-dir", lib, "models"]) == 0
assert main(["--data-dir", lib, "ask", "프로세스와 스레드의 차이는?", "--json", "--max-tokens", "16"]) == 0
print("NO-NETWORK-CLI-OK", flush=True)

# The window, in the same process: start-up, the model loading, a question answered.
os.environ["QT_QPA_PLATFORM"] = "offscreen"
from PySide6.QtCore import QEventLoop
from PySide6.QtWidgets import QApplication
from desktop_rag.core.config import Settings
from desktop_rag.core.engine import RagEngine
from desktop_rag.core.paths import AppPaths
from desktop_rag.ui.app import MainWindow

paths = AppPaths(Path(lib))
settings = Settings.load(paths.settings_file)
settings.llm_model, settings.llm_context_tokens, settings.max_answer_tokens = gemma, 4096, 32
settings.save(paths.settings_file)
app = QApplication([])
window = MainWindow(RagEngine(paths))
window.show()

def wait(condition, seconds):
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError(f"window: gave up after {seconds} s")
        app.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 50)
        time.sleep(0.01)

wait(lambda: window.answers.model is not None, 300)
finished = []
window.answers.answer_finished.connect(finished.append)
window.chat.input.setPlainText("프로세스와 스레드의 차이는?")
window.chat.send()
wait(lambda: finished and not window.chat.answering, 300)
result = finished[0]
assert result.answer.strip() and not result.abstained, result.to_json()
assert window.chat.turns[-1].answer_text.strip()
print("WINDOW-ANSWER", json.dumps({"answer": result.answer, "sources": len(result.sources)}, ensure_ascii=False))
window.close()
app.quit()
print("NO-NETWORK-OK", flush=True)
"""


def test_index_search_answer_and_window_without_network(tmp_path, docs, gemma_path):
    folder = tmp_path / "docs"
    folder.mkdir()
    for src in [docs / "markdown/korean/interview_question_OS.md", docs / "pdf/text_born_digital/multi_page.pdf"]:
        (folder / src.name).write_bytes(src.read_bytes())
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(tmp_path / "lib"), str(folder), str(gemma_path)],
        capture_output=True, text=True, timeout=900, cwd=ROOT,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert "NO-NETWORK-CLI-OK" in result.stdout and "NO-NETWORK-OK" in result.stdout, result.stderr[-3000:]
    assert "interview_question_OS.md" in result.stdout
    attempts = [line for line in result.stderr.splitlines() if "network access attempted" in line]
    assert attempts == ["network access attempted: socket() (-1, -1)"], "only the guard's own self-test"
    assert '"answer": ' in result.stdout and '"abstained": false' in result.stdout
    assert "WINDOW-ANSWER" in result.stdout


def test_offline_mode_is_forced_before_any_hub_library_loads():
    """Whatever the environment says, the hub libraries see offline mode, no telemetry, no token."""
    code = (
        "import desktop_rag.cli, huggingface_hub.constants as c; "
        "print(c.HF_HUB_OFFLINE, c.HF_HUB_DISABLE_TELEMETRY, c.HF_HUB_DISABLE_IMPLICIT_TOKEN, c.HF_HUB_DISABLE_UPDATE_CHECK)"
    )
    env = {**os.environ, "HF_HUB_OFFLINE": "0", "TRANSFORMERS_OFFLINE": "0", "HF_HUB_DISABLE_TELEMETRY": "0", "DO_NOT_TRACK": "0"}
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, cwd=ROOT, env=env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["True"] * 4


# -- the system-call check ----------------------------------------------------------------------
_ADDRESS_CALL = re.compile(r"\b(connect|sendto|sendmsg|bind)\(")
_FAMILY = re.compile(r"sa_family=(AF_\w+)")
_INET4 = re.compile(r'inet_addr\("([^"]+)"\)')
_INET6 = re.compile(r'inet_pton\(AF_INET6, "([^"]+)"')
_UNIX_PATH = re.compile(r'sun_path=(@?"[^"]*"|@?[^,}]+)')


def network_calls(trace: str) -> tuple[list[str], list[str], set[str]]:
    """(calls reaching beyond this machine, IP calls to this machine, AF_UNIX peers) in an strace log."""
    outside, local, unix = [], [], set()
    for line in trace.splitlines():
        call = _ADDRESS_CALL.search(line)
        family = _FAMILY.search(line)
        if not call or not family:
            continue
        if family.group(1) == "AF_UNIX":
            path = _UNIX_PATH.search(line)
            unix.add(f"{call.group(1)} {path.group(1) if path else '(unnamed)'}")
        elif family.group(1) in ("AF_INET", "AF_INET6"):
            found = _INET4.search(line) or _INET6.search(line)
            address = ipaddress.ip_address(found.group(1).split("%")[0]) if found else None
            if call.group(1) != "bind" and (address is None or not (address.is_loopback or address.is_unspecified)):
                outside.append(line.strip())
            else:
                local.append(line.strip())
    return outside, local, unix


def test_the_parser_tells_outside_from_local():
    trace = "\n".join([
        '12 connect(3, {sa_family=AF_INET, sin_port=htons(443), sin_addr=inet_addr("140.82.112.3")}, 16) = -1 ECONNREFUSED',
        '12 connect(4, {sa_family=AF_INET6, sin6_port=htons(443), sin6_flowinfo=htonl(0), inet_pton(AF_INET6, "2606:4700::1", &sin6_addr), sin6_scope_id=0}, 28 <unfinished ...>',
        '12 connect(5, {sa_family=AF_INET, sin_port=htons(8080), sin_addr=inet_addr("127.0.0.1")}, 16) = 0',
        '12 sendto(6, "x", 1, 0, {sa_family=AF_INET6, sin6_port=htons(53), sin6_flowinfo=htonl(0), inet_pton(AF_INET6, "::1", &sin6_addr), sin6_scope_id=0}, 28) = 1',
        '12 connect(7, {sa_family=AF_UNIX, sun_path="/var/run/nscd/socket"}, 110) = -1 ENOENT',
        '12 socket(AF_INET, SOCK_STREAM|SOCK_CLOEXEC, IPPROTO_IP) = 8',
    ])
    outside, local, unix = network_calls(trace)
    assert len(outside) == 2 and "140.82.112.3" in outside[0] and "2606:4700::1" in outside[1]
    assert len(local) == 2
    assert unix == {'connect "/var/run/nscd/socket"'}


def _strace_command(trace_file: Path) -> list[str]:
    """strace following every thread and child, network calls only (seccomp-bpf when it can: faster)."""
    strace = shutil.which("strace")
    if strace is None:
        pytest.skip("strace is not installed (Debian/Ubuntu: apt-get install strace): system-call check skipped")
    base = [strace, "-f", "-qq", "-e", "trace=network", "-o", str(trace_file)]
    probe = subprocess.run([*base[:2], "--seccomp-bpf", *base[2:], "true"], capture_output=True, text=True)
    if probe.returncode == 0:
        return [*base[:2], "--seccomp-bpf", *base[2:]]
    probe = subprocess.run([*base, "true"], capture_output=True, text=True)
    if probe.returncode != 0:
        pytest.skip(f"strace cannot trace here (ptrace not permitted?): {probe.stderr.strip()[:200]}")
    return base


def test_cli_and_window_under_strace_connect_nowhere_outside_this_machine(tmp_path, gemma_path):
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "han.txt").write_text(
        "The Han River flows through Seoul. It is 494 kilometres long and has 27 bridges in the city.\n\n"
        "한강은 서울을 가로질러 흐르는 강이다. 한강의 길이는 494킬로미터이다.",
        encoding="utf-8",
    )
    lib = str(tmp_path / "lib")
    steps = {
        "index": ["index", str(folder), "--quiet"],
        "search": ["search", "Han River bridges", "--json"],
        "ask": ["ask", "How long is the Han River?", "--model", str(gemma_path), "--json", "--max-tokens", "16"],
        "config": ["config", "llm_model", str(gemma_path)],
        "window": [],  # start-up of the window; it quits one second after it is shown
    }
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "DESKTOP_RAG_EXIT_AFTER_SHOW": "1"}
    outside, local, unix = [], [], set()
    for name, args in steps.items():
        trace_file = tmp_path / f"{name}.strace"
        result = subprocess.run(
            [*_strace_command(trace_file), sys.executable, "-m", "desktop_rag", "--data-dir", lib, *args],
            capture_output=True, text=True, timeout=600, cwd=ROOT, env=env,
        )
        assert result.returncode == 0, f"{name}: {result.stderr[-2000:]}"
        if name == "ask":
            assert '"answer": ' in result.stdout
        far, near, peers = network_calls(trace_file.read_text(errors="replace"))
        outside += [f"{name}: {line}" for line in far]
        local += [f"{name}: {line}" for line in near]
        unix |= {f"{name}: {peer}" for peer in peers}
    print("AF_UNIX peers (allowed, local):", sorted(unix) or "none")
    print("IP calls to this machine (allowed):", local or "none")
    assert outside == [], "network calls beyond this machine:\n" + "\n".join(outside)
