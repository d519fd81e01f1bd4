"""On-device text recognition (OCR) of scanned PDF pages and image files.

``textlayer`` decides which PDF pages need it, ``images`` renders pages and reads image frames
within a pixel limit, ``engine`` runs Tesseract (upright pages, word boxes), ``run`` drives one
file's pages through the cache and the engine, ``models`` finds packaged and imported models.
"""

from __future__ import annotations

from .models import LANGUAGES, ModelImportError, available_languages, import_model, imported_dir
from .run import engine_key
from .textlayer import text_layer_problem
from .types import OcrOptions, OcrPage, OcrWord, PageCallback

__all__ = [
    "LANGUAGES",
    "ModelImportError",
    "OcrOptions",
    "OcrPage",
    "OcrWord",
    "PageCallback",
    "available_languages",
    "engine_key",
    "import_model",
    "imported_dir",
    "text_layer_problem",
]
