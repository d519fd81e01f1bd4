"""Tesseract (through tesserocr) on one page image: orientation, words and their boxes.

Chosen after a side-by-side measurement (benchmarks/ocr_engines.py, README): on clean 300-dpi
English pages Tesseract made 0.03% character errors at 0.62 pages/s, RapidOCR (PP-OCRv6 small on
onnxruntime) 5.36% at 0.11 pages/s, with six times the install size; and Tesseract's Korean model
(imported by the user, see models.py: no PyPI package carries one) read KorQuAD pages at 2.04%.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

from .models import OSD, find_model
from .types import OcrPage, OcrWord

_MIN_OSD_CONFIDENCE = 2.0  # Tesseract's own rule of thumb for trusting an orientation guess
_GOOD_CONFIDENCE = 60.0  # a reading this sure is kept without trying other turns or models
_MIN_WORDS_TO_TURN = 5  # a page with fewer words (blank, a photo) is not tried in other turns
_MIN_HANGUL_SHARE = 0.2  # a Korean reading with fewer Hangul letters is an English page
# Page segmentation: automatic for English (columns); one column for Korean, where automatic
# segmentation took lines of Hangul for vertical text and lost half of a clean page.
_PSM = {"kor": "SINGLE_COLUMN"}
_MIN_OSD_WORDS_PIXELS = 200  # smaller images: orientation detection is noise


class OcrUnavailable(Exception):
    """The engine cannot run here; ``str()`` says why (shown next to the files that need OCR)."""


class TesseractEngine:
    """One loaded Tesseract per process; not thread-safe (the reader process is single-threaded)."""

    def __init__(self, languages: tuple[str, ...], model_dirs: tuple[str, ...] = ()) -> None:
        try:
            import tesserocr
        except ImportError as exc:  # a build without the engine, or a missing system library
            raise OcrUnavailable(f"the OCR engine is not installed ({exc})") from exc
        self._tesserocr = tesserocr
        missing = [lang for lang in languages if find_model(lang, model_dirs) is None]
        if missing:
            raise OcrUnavailable(
                f"no OCR model for {', '.join(missing)}: import {missing[0]}.traineddata in Settings "
                f"or with `desktop-rag ocr import`"
            )
        # Tesseract reads every model from one folder: link (or copy) the chosen files into one.
        self._folder = tempfile.mkdtemp(prefix="desktop-rag-tessdata-")
        for lang in (*languages, OSD):
            model = find_model(lang, model_dirs)
            if model is not None:
                _link(model, Path(self._folder) / model.name)
        self.languages = languages
        self._apis: dict[str, Any] = {}
        for lang in languages:
            psm = getattr(tesserocr.PSM, _PSM.get(lang, "AUTO"))
            try:
                self._apis[lang] = tesserocr.PyTessBaseAPI(path=self._folder + os.sep, lang=lang, psm=psm)
            except RuntimeError as exc:
                self.close()
                raise OcrUnavailable(f"Tesseract could not load the {lang} model ({exc})") from exc
        self._order = sorted(languages, key=lambda lang: lang != "kor")
        self._osd: Any = None
        if find_model(OSD, model_dirs) is not None:
            try:
                self._osd = tesserocr.PyTessBaseAPI(path=self._folder + os.sep, lang=OSD, psm=tesserocr.PSM.OSD_ONLY)
            except RuntimeError:
                self._osd = None  # orientation detection is a bonus; reading goes on without it
        self.name = f"tesseract {tesserocr.tesseract_version().split()[1]} {'+'.join(languages)}"

    def recognise(self, image: Any) -> OcrPage:
        """Read a PIL image, turned upright first.

        Tesseract's orientation detection (osd) is tried first; it is good on Latin text but
        guesses on Hangul and on small pages (it called a 500-pixel recipe card upside down), so
        a reading that is not sure of its words (mean confidence under 60) is compared with the
        other three turns of the page and the surest one is kept.
        """
        gray = image.convert("L") if image.mode != "L" else image
        guess = self._orientation(gray)
        best: OcrPage | None = None
        for rotation in dict.fromkeys((guess, 0, 90, 180, 270)):
            page = self._read_turned(gray, rotation)
            if best is None or _confidence(page) > _confidence(best):
                best = page
            if _confidence(best) >= _GOOD_CONFIDENCE or len(best.words) < _MIN_WORDS_TO_TURN:
                break
        assert best is not None
        return best

    def _read_turned(self, gray: Any, rotation: int) -> OcrPage:
        """Read the page turned ``rotation`` degrees counter-clockwise (osd's orient_deg, PIL's
        rotate), with the Korean model first when there is one (it reads Latin words too; one
        model per page: "kor+eng" read Korean pages worse than "kor" alone)."""
        upright = gray.rotate(rotation, expand=True) if rotation else gray
        first = self._read(self._apis[self._order[0]], upright, rotation)
        if len(self._order) == 1 or _hangul_share(first.text) >= _MIN_HANGUL_SHARE:
            return first
        second = self._read(self._apis[self._order[1]], upright, rotation)
        return second if _confidence(second) >= _confidence(first) else first

    def _read(self, api: Any, upright: Any, rotation: int) -> OcrPage:
        api.SetImage(upright)
        api.Recognize()
        text = api.GetUTF8Text() or ""
        words = tuple(_unrotate(w, rotation) for w in self._words(api, upright.size))
        api.Clear()
        return OcrPage(text=text, words=words, rotation=rotation, engine=self.name)

    def _orientation(self, gray: Any) -> int:
        """Degrees to turn the page counter-clockwise, or 0 when osd is unsure."""
        if self._osd is None or min(gray.size) < _MIN_OSD_WORDS_PIXELS:
            return 0
        try:
            self._osd.SetImage(gray)
            found = self._osd.DetectOrientationScript()
        except RuntimeError:
            return 0
        finally:
            self._osd.Clear()
        if not found or found.get("orient_conf", 0.0) < _MIN_OSD_CONFIDENCE:
            return 0
        return int(found.get("orient_deg", 0)) % 360

    def _words(self, api: Any, size: tuple[int, int]) -> list[OcrWord]:
        width, height = size
        level = self._tesserocr.RIL.WORD
        words: list[OcrWord] = []
        iterator = api.GetIterator()
        if iterator is None:
            return words
        for item in self._tesserocr.iterate_level(iterator, level):
            try:
                text = item.GetUTF8Text(level)
                box = item.BoundingBox(level)
            except RuntimeError:  # "No text returned" for an empty word
                continue
            if not text or not text.strip() or box is None:
                continue
            x0, y0, x1, y1 = box
            words.append(OcrWord(text.strip(), x0 / width, y0 / height, x1 / width, y1 / height, item.Confidence(level)))
        return words

    def close(self) -> None:
        for api in [*getattr(self, "_apis", {}).values(), getattr(self, "_osd", None)]:
            if api is not None:
                api.End()
        self._apis, self._osd = {}, None
        shutil.rmtree(self._folder, ignore_errors=True)


def _confidence(page: OcrPage) -> float:
    """Mean word confidence, weighted by word length (0 for no words)."""
    total = sum(len(w.text) for w in page.words)
    return sum(w.confidence * len(w.text) for w in page.words) / total if total else 0.0


def _hangul_share(text: str) -> float:
    letters = [c for c in text if c.isalnum()]
    return sum(1 for c in letters if "\uac00" <= c <= "\ud7a3") / len(letters) if letters else 0.0


def _link(source: Path, target: Path) -> None:
    try:
        os.symlink(source, target)
    except (OSError, NotImplementedError):  # Windows without the symlink privilege
        shutil.copyfile(source, target)


def _unrotate(word: OcrWord, rotation: int) -> OcrWord:
    """A box found on the upright image, in the coordinates of the page as stored (turned by
    ``rotation`` degrees clockwise from upright)."""
    x0, y0, x1, y1 = word.x0, word.y0, word.x1, word.y1
    if rotation == 90:  # stored page = upright turned 90 clockwise: (x, y) -> (1 - y, x)
        x0, y0, x1, y1 = 1 - y1, x0, 1 - y0, x1
    elif rotation == 180:
        x0, y0, x1, y1 = 1 - x1, 1 - y1, 1 - x0, 1 - y0
    elif rotation == 270:
        x0, y0, x1, y1 = y0, 1 - x1, y1, 1 - x0
    return OcrWord(word.text, x0, y0, x1, y1, word.confidence)
