"""PowerPoint PPTX: one page per slide, read with python-pptx (MIT).

A slide's page starts with its title as a heading line (``# Title``; ``# Slide 4`` when it has
none, so the previous slide's title never names it), then the text of its shapes in reading
order (top to bottom, then left to right): text frames, grouped shapes, tables (cells joined by
" | "), charts (title, and each series with its category values), SmartArt, and last the
speaker notes as a "Notes:" paragraph. Hidden slides are the user's content too: they are
indexed, with "(hidden slide)" after the title. Slides without any text are left out, so page
numbers always are slide numbers.
"""

from __future__ import annotations

import io
import zipfile
import zlib
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from ._base import LoadedDocument, LoadError, PageText, register_loader, short_message
from ._headings import escape_heading_marks, heading_line
from ._zip import BoundedZip, human_size

# python-pptx reads every part of the package into memory when it opens it and parses the XML
# parts with lxml (several times their size): both totals are bounded before it does.
PPTX_MAX_UNPACKED = 1024 * 1024 * 1024
PPTX_MAX_XML = 256 * 1024 * 1024
_XML_RATIO_CHECK_ABOVE = 16 * 1024 * 1024  # one XML part this big must not be a bomb
_XML_MAX_RATIO = 100
_MAX_GROUP_DEPTH = 32
_MAX_CHART_SERIES, _MAX_CHART_POINTS = 20, 100
_ROW_TOLERANCE_EMU = 180_000  # 0.5 cm: shapes whose tops differ less read as one line, left to right
_DAMAGE_ERRORS = (
    zipfile.BadZipFile, zlib.error, KeyError, ValueError, EOFError, OSError, AttributeError,
    TypeError, IndexError, NotImplementedError, RuntimeError,
)  # fmt: skip
_DGM = "http://schemas.openxmlformats.org/drawingml/2006/diagram"
_A = "http://schemas.openxmlformats.org/drawingml/2006/main"
_R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


def load_pptx(path: Path, max_bytes: int) -> LoadedDocument:
    """One :class:`PageText` per slide with text; ``number`` is the slide number."""
    _check_package(path, max_bytes)
    presentation, warnings = _open(path)
    pages: list[PageText] = []
    current = 1  # the slide being read (slides are loaded as the loop reaches them)
    try:
        for number, slide in enumerate(presentation.slides, start=1):
            text = _slide_text(slide, number)
            if text:
                pages.append(PageText(number=number, text=text))
            current = number + 1
    except RecursionError:
        raise
    except _DAMAGE_ERRORS as exc:  # a damaged slide part or relationship
        raise LoadError(f"corrupt PPTX: slide {current}: {short_message(exc)}") from exc
    return LoadedDocument(pages=pages, warnings=warnings, headings=True, page_unit="slide")


def _check_package(path: Path, max_bytes: int) -> None:
    try:
        with BoundedZip(path, max_bytes, "PPTX") as zf:  # OLE (encrypted), damaged ZIP, declared bomb
            if not any(n.endswith("presentation.xml") for n in zf.names()):
                raise LoadError("not a PowerPoint presentation (no ppt/presentation.xml)")
    except NotImplementedError as exc:  # a damaged "version needed" field in the directory
        raise LoadError(f"corrupt PPTX: {short_message(exc)}") from exc
    with zipfile.ZipFile(path) as archive:
        infos = archive.infolist()
    total = sum(i.file_size for i in infos)
    xml = [i for i in infos if i.filename.endswith((".xml", ".rels"))]
    if total > PPTX_MAX_UNPACKED:
        raise LoadError(
            f"presentation too large ({human_size(total)} unpacked, limit {human_size(PPTX_MAX_UNPACKED)})"
        )
    if sum(i.file_size for i in xml) > PPTX_MAX_XML:
        raise LoadError(f"looks like a zip bomb (more than {human_size(PPTX_MAX_XML)} of slide XML)")
    for info in xml:
        if info.file_size > _XML_RATIO_CHECK_ABOVE and info.file_size > _XML_MAX_RATIO * max(
            info.compress_size, 1
        ):
            raise LoadError(
                f"looks like a zip bomb ({info.filename} declares {human_size(info.file_size)} uncompressed)"
            )


def _open(path: Path) -> tuple[Any, list[str]]:
    """The presentation, and a warning when damaged pictures or media had to be left out."""
    try:
        return _presentation(str(path)), []
    except LoadError:
        # python-pptx reads every part, pictures too: one broken image would cost the whole deck.
        repaired = _without_damaged_media(path)
        if repaired is None:
            raise
        package, dropped = repaired
        shown = ", ".join(dropped[:3]) + (f" and {len(dropped) - 3} more" if len(dropped) > 3 else "")
        return _presentation(package), [f"damaged pictures or media left out: {shown}"]


def _presentation(source: str | io.BytesIO) -> Any:
    from pptx import Presentation
    from pptx.exc import PackageNotFoundError

    try:
        return Presentation(source)
    except PackageNotFoundError as exc:
        raise LoadError("corrupt PPTX: not a presentation package") from exc
    except RecursionError:
        raise  # load_document says "nested too deeply"
    except _DAMAGE_ERRORS as exc:
        # lxml's XMLSyntaxError is a ValueError; a missing part a KeyError; a lying ZIP a BadZipFile;
        # a damaged compression method byte NotImplementedError; an encrypted member RuntimeError.
        raise LoadError(f"corrupt PPTX: {short_message(exc)}") from exc


def _without_damaged_media(path: Path) -> tuple[io.BytesIO, list[str]] | None:
    """The package again, with every unreadable non-XML member emptied; None if XML is damaged."""
    out, dropped = io.BytesIO(), []
    try:
        with (
            zipfile.ZipFile(path) as src,
            zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as dst,
        ):
            for info in src.infolist():
                try:
                    data = src.read(info)  # sizes were checked: at most PPTX_MAX_UNPACKED in all
                except _DAMAGE_ERRORS:
                    if info.filename.endswith((".xml", ".rels")):
                        return None
                    data = b""
                    dropped.append(info.filename.rsplit("/", 1)[-1])
                dst.writestr(info.filename, data)
    except _DAMAGE_ERRORS:
        return None
    if not dropped:
        return None
    out.seek(0)
    return out, dropped


def _slide_text(slide: Any, number: int) -> str:
    title_shape = slide.shapes.title
    title = (
        _one_line(title_shape.text_frame.text)
        if title_shape is not None and title_shape.has_text_frame
        else ""
    )
    title_id = title_shape.shape_id if title_shape is not None else None  # shapes are new proxies each time
    blocks = list(_shape_blocks(_reading_order(s for s in slide.shapes if s.shape_id != title_id), slide, 0))
    notes = _notes(slide)
    if notes:
        blocks.append(notes)
    if not title and not blocks:
        return ""
    if slide.element.get("show") in ("0", "false"):
        title = f"{title or f'Slide {number}'} (hidden slide)"
    lines = [heading_line(title or f"Slide {number}")]
    lines.extend(escape_heading_marks(block) for block in blocks)
    return "\n\n".join(lines)


def _reading_order(shapes: Iterable[Any]) -> list[Any]:
    def key(shape: Any) -> tuple[int, int]:
        return (shape.top or 0) // _ROW_TOLERANCE_EMU, shape.left or 0

    return sorted(shapes, key=key)


def _shape_blocks(shapes: list[Any], slide: Any, depth: int) -> Iterator[str]:
    for shape in shapes:
        if depth < _MAX_GROUP_DEPTH and _is_group(shape):
            yield from _shape_blocks(_reading_order(shape.shapes), slide, depth + 1)
        elif getattr(shape, "has_table", False) and shape.has_table:
            table = _table_text(shape.table)
            if table:
                yield table
        elif getattr(shape, "has_chart", False) and shape.has_chart:
            chart = _chart_text(shape.chart)
            if chart:
                yield chart
        elif shape.has_text_frame:
            text = _frame_text(shape.text_frame)
            if text:
                yield text
        else:
            diagram = _smartart_text(shape, slide)
            if diagram:
                yield diagram


def _is_group(shape: Any) -> bool:
    from pptx.enum.shapes import MSO_SHAPE_TYPE

    return shape.shape_type == MSO_SHAPE_TYPE.GROUP


def _frame_text(frame: Any) -> str:
    """Paragraphs on lines of their own; line breaks (vertical tabs) become new lines."""
    lines = []
    for paragraph in frame.paragraphs:
        for line in paragraph.text.replace("\x0b", "\n").split("\n"):
            line = " ".join(line.split())
            if line:
                lines.append(line)
    return "\n".join(lines)


def _one_line(text: str) -> str:
    return " ".join(text.replace("\x0b", " ").split())


def _table_text(table: Any) -> str:
    """Rows on lines of their own, cells joined by " | "; merged-over cells left out."""
    rows = []
    for row in table.rows:
        cells = [_one_line(cell.text) for cell in row.cells if not cell.is_spanned]
        while cells and not cells[-1]:
            cells.pop()
        if cells:
            rows.append(" | ".join(cells))
    return "\n".join(rows)


def _chart_text(chart: Any) -> str:
    """ "Chart: title", then one line per series: "Name: category: value | category: value"."""
    lines = []
    if chart.has_title and chart.chart_title.has_text_frame:
        title = _one_line(chart.chart_title.text_frame.text)
        if title:
            lines.append(f"Chart: {title}")
    for plot in list(chart.plots)[:_MAX_CHART_SERIES]:
        try:
            categories = [_one_line(str(c)) for c in list(plot.categories)[:_MAX_CHART_POINTS]]
        except (KeyError, ValueError, AttributeError, TypeError):  # XY and bubble charts have none
            categories = []
        for series in list(plot.series)[:_MAX_CHART_SERIES]:
            values = list(series.values)[:_MAX_CHART_POINTS]
            points = []
            for i, value in enumerate(values):
                label = categories[i] if i < len(categories) else ""
                shown = "" if value is None else _number(value)
                if label and shown:
                    points.append(f"{label}: {shown}")
                elif label or shown:
                    points.append(label or shown)
            name = _one_line(series.name or "")
            if name or points:
                lines.append(f"{name or 'Series'}: " + " | ".join(points))
    return "\n".join(lines)


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:.10g}"


def _smartart_text(shape: Any, slide: Any) -> str:
    """SmartArt keeps its text in a diagram data part of the slide: one line per node."""
    rel_ids = shape.element.findall(f".//{{{_DGM}}}relIds")
    if not rel_ids:
        return ""
    from lxml import etree

    rel_id = rel_ids[0].get(f"{{{_R}}}dm")
    try:
        part = slide.part.related_part(rel_id)
        root = etree.fromstring(part.blob, etree.XMLParser(resolve_entities=False, no_network=True))
    except (KeyError, ValueError, etree.XMLSyntaxError):
        return ""
    lines = []
    for point in root.iter(f"{{{_DGM}}}pt"):
        text = _one_line("".join(t.text or "" for t in point.iter(f"{{{_A}}}t")))
        if text:
            lines.append(text)
    return "\n".join(lines)


def _notes(slide: Any) -> str:
    if not slide.has_notes_slide:
        return ""
    frame = slide.notes_slide.notes_text_frame
    text = _frame_text(frame) if frame is not None else ""
    return f"Notes: {text}" if text else ""


register_loader([".pptx", ".pptm"], load_pptx)  # python-pptx refuses .ppsx/.potx content types
