"""Plain data of OCR: what a recognised page holds, and what a loader is asked to do."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass(frozen=True)
class OcrWord:
    """One recognised word and its box, in fractions of the page's width and height (0..1), so the
    viewer can draw it over a page rendered at any size."""

    text: str
    x0: float
    y0: float
    x1: float
    y1: float
    confidence: float  # 0..100

    def to_list(self) -> list:
        return [self.text, round(self.x0, 5), round(self.y0, 5), round(self.x1, 5), round(self.y1, 5), round(self.confidence, 1)]

    @classmethod
    def from_list(cls, item: list) -> OcrWord:
        return cls(str(item[0]), float(item[1]), float(item[2]), float(item[3]), float(item[4]), float(item[5]))


@dataclass(frozen=True)
class OcrPage:
    """The recognised text of one page (or image frame) with its words' boxes."""

    text: str
    words: tuple[OcrWord, ...] = ()
    rotation: int = 0  # the stored page is the upright text turned this many degrees clockwise
    engine: str = ""  # e.g. "tesseract 5.5.0 eng+kor"


# A page number, the number of pages to recognise, and the file's name: "recognising page 3 of 12 in scan.pdf".
PageCallback = Callable[[int, int, str], None]


@dataclass
class OcrOptions:
    """What the loaders of PDFs and images are asked to do about pages without text.

    Sent to the reader process (pickled): ``on_page`` is set there, not here.
    """

    enabled: bool = True
    languages: tuple[str, ...] = ("eng",)
    # Folders holding Tesseract models (<lang>.traineddata) besides the packaged ones: imported models.
    model_dirs: tuple[str, ...] = ()
    # Pages recognised before (same file content, same engine and languages), by page number.
    cached: dict[int, OcrPage] = field(default_factory=dict)
    on_page: PageCallback | None = None
    # Bounds that keep one page within memory (see images.py).
    max_pixels: int = 60_000_000
    max_frames: int = 500
    dpi: int = 300

    def __getstate__(self) -> dict:
        state = dict(self.__dict__)
        state["on_page"] = None  # a callback does not cross processes
        return state
