"""The command line on an encrypted library: the passphrase from the environment or a file (never
an argument), a wrong one refused with a clear message and nothing changed, encrypt/decrypt."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
PASSPHRASE = "script passphrase 123"


def run(data: Path, *args: str, **env: str) -> subprocess.CompletedProcess:
    base = {k: v for k, v in os.environ.items() if k not in ("DESKTOP_RAG_PASSPHRASE", "DESKTOP_RAG_NEW_PASSPHRASE")}
    return subprocess.run(
        [sys.executable, "-m", "desktop_rag", "--data-dir", str(data), *args],
        capture_output=True, text=True, env={**base, **env}, timeout=600, cwd=REPO, stdin=subprocess.DEVNULL,
    )  # fmt: skip


@pytest.fixture(scope="module")
def locked(tmp_path_factory):
    root = tmp_path_factory.mktemp("cli-locked")
    docs = root / "docs"
    docs.mkdir()
    (docs / "note.md").write_text("# Harbour\n\nThe ferry to Jeju leaves at seven.", encoding="utf-8")
    data = root / "data"
    assert run(data, "config", "embedding_model", "builtin:all-MiniLM-L6-v2").returncode == 0
    assert run(data, "index", str(docs), "--quiet").returncode == 0
    result = run(data, "encrypt", DESKTOP_RAG_NEW_PASSPHRASE=PASSPHRASE)
    assert result.returncode == 0, result.stderr
    assert "encrypted" in result.stdout
    return data


def _snapshot(root: Path) -> dict:
    return {p: (p.read_bytes(), p.stat().st_mtime_ns) for p in root.rglob("*") if p.is_file() and "logs" not in p.parts}


def test_the_passphrase_comes_from_the_environment_or_a_file(locked, tmp_path):
    result = run(locked, "search", "ferry", "--json", DESKTOP_RAG_PASSPHRASE=PASSPHRASE)
    assert result.returncode == 0 and "note.md" in result.stdout, result.stderr
    assert "(encrypted)" in run(locked, "status", DESKTOP_RAG_PASSPHRASE=PASSPHRASE).stdout
    secret = tmp_path / "pass.txt"
    secret.write_text(PASSPHRASE + "\n", encoding="utf-8")
    result = run(locked, "--passphrase-file", str(secret), "search", "ferry", "--json")
    assert result.returncode == 0 and "note.md" in result.stdout, result.stderr


def test_a_wrong_passphrase_says_so_and_changes_nothing(locked):
    before = _snapshot(locked)
    result = run(locked, "search", "ferry", DESKTOP_RAG_PASSPHRASE="not the passphrase")
    assert result.returncode == 1
    assert "wrong passphrase" in result.stderr and "nothing was changed" in result.stderr
    assert "Traceback" not in result.stderr
    assert _snapshot(locked) == before


def test_without_a_passphrase_a_script_is_told_how_to_give_one(locked):
    result = run(locked, "status")
    assert result.returncode == 1
    assert "DESKTOP_RAG_PASSPHRASE" in result.stderr and "--passphrase-file" in result.stderr


def test_there_is_no_passphrase_argument():
    result = subprocess.run([sys.executable, "-m", "desktop_rag", "--help"], capture_output=True, text=True, cwd=REPO)
    assert "--passphrase-file" in result.stdout and "--passphrase " not in result.stdout


def test_change_then_remove_encryption(locked):
    new = "the next passphrase"
    result = run(locked, "encrypt", DESKTOP_RAG_PASSPHRASE=PASSPHRASE, DESKTOP_RAG_NEW_PASSPHRASE=new)
    assert result.returncode == 0, result.stderr
    assert run(locked, "status", DESKTOP_RAG_PASSPHRASE=PASSPHRASE).returncode == 1
    assert run(locked, "decrypt", DESKTOP_RAG_PASSPHRASE=new).returncode == 0
    result = run(locked, "search", "ferry", "--json")
    assert result.returncode == 0 and "note.md" in result.stdout, result.stderr
    assert (locked / "library.sqlite3").read_bytes().startswith(b"SQLite format 3")
