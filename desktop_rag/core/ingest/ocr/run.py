"""Recognising the pages of one file: cache first, then the engine page by page, with progress.

The engine is loaded once per process (the reader process keeps it between files) and reloaded
only when the languages change. If it cannot load, nothing is recognised and the reason is
returned, so the loader can index the rest and tell the user which pages were not read and why.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from .engine import OcrUnavailable, TesseractEngine
from .images import ImageUnreadable, PageTooLarge, short_message
from .types import OcrOptions, OcrPage

log = logging.getLogger(__name__)

#: In every message about pages that needed OCR and were not read: indexing reads such files again
#: once OCR can run (see index/ocr_plan.py).
OCR_MARK = "text recognition (OCR)"


@dataclass
class OcrOutcome:
    """Pages read (from the cache or the engine), and why others were not."""

    pages: dict[int, OcrPage] = field(default_factory=dict)
    recognised: int = 0  # pages the engine read in this run (not from the cache)
    unavailable: str | None = None  # the engine could not load: why
    failed: dict[int, str] = field(default_factory=dict)  # page -> reason


class _Loaded:
    engine: TesseractEngine | None = None
    key: tuple = ()


def engine_key(options: OcrOptions) -> str:
    """What a cached page depends on: the engine and its languages."""
    return "tesseract:" + "+".join(options.languages)


def get_engine(options: OcrOptions) -> TesseractEngine:
    """The process's engine for these languages (loaded on first use); raises OcrUnavailable."""
    key = (options.languages, options.model_dirs)
    if _Loaded.engine is None or _Loaded.key != key:
        if _Loaded.engine is not None:
            _Loaded.engine.close()
            _Loaded.engine = None
        _Loaded.engine = TesseractEngine(options.languages, options.model_dirs)
        _Loaded.key = key
    return _Loaded.engine


def recognise_pages(
    numbers: Iterable[int], image_of: Callable[[int], Any], options: OcrOptions, name: str
) -> OcrOutcome:
    """Read pages ``numbers`` (1-based) of the file called ``name``; ``image_of(n)`` renders one.

    Pages in ``options.cached`` are taken from there. One page at a time: at most one page image
    is in memory. A page too large or damaged is listed in ``failed``; the others are read.
    """
    numbers = list(numbers)
    outcome = OcrOutcome()
    todo = []
    for number in numbers:
        if number in options.cached:
            outcome.pages[number] = options.cached[number]
        else:
            todo.append(number)
    if not todo:
        return outcome
    try:
        engine = get_engine(options)
    except OcrUnavailable as exc:
        outcome.unavailable = str(exc)
        return outcome
    for position, number in enumerate(todo, 1):
        if options.on_page is not None:
            options.on_page(position, len(todo), name)
        try:
            image = image_of(number)
        except PageTooLarge as exc:
            outcome.failed[number] = str(exc)
            continue
        except ImageUnreadable as exc:
            outcome.failed[number] = str(exc)
            continue
        except MemoryError:
            outcome.failed[number] = "not enough memory to render this page"
            continue
        except Exception as exc:  # noqa: BLE001 - a renderer error on one page must not cost the rest
            outcome.failed[number] = f"cannot render: {short_message(exc)}"
            continue
        try:
            outcome.pages[number] = engine.recognise(image)
            outcome.recognised += 1
        except MemoryError:
            outcome.failed[number] = "not enough memory to recognise this page"
        except RuntimeError as exc:
            outcome.failed[number] = f"recognition failed: {short_message(exc)}"
        finally:
            del image
    return outcome


def page_list(numbers: list[int], limit: int = 20) -> str:
    """'page 3' / 'pages 1, 2, 5' / 'pages 1, 2, ... and 40 more'."""
    numbers = sorted(numbers)
    shown = ", ".join(str(n) for n in numbers[:limit])
    more = len(numbers) - limit
    label = "page" if len(numbers) == 1 else "pages"
    return f"{label} {shown} and {more} more" if more > 0 else f"{label} {shown}"


def outcome_notes(outcome: OcrOutcome, needed: list[int], total: int, unit: str = "page") -> list[str]:
    """User-facing warnings about the pages that needed OCR and were not read."""
    notes = []
    if outcome.unavailable:
        missing = [n for n in needed if n not in outcome.pages]
        if missing:
            notes.append(
                f"{len(missing)} of {total} {unit}s need text recognition (OCR), which could not run: "
                f"{outcome.unavailable} ({page_list(missing)})"
            )
    if outcome.failed:
        first = next(iter(outcome.failed.values()))
        notes.append(f"{len(outcome.failed)} of {total} {unit}s could not be recognised: {page_list(list(outcome.failed))} ({first})")
    return notes
