"""Scanned documents in the library: indexed with OCR, found by a phrase with the right page, marked
as recognised, cached so an unchanged file is never recognised twice, reported when OCR cannot run,
and driven the same from the command line."""

from __future__ import annotations

import json
import shutil
import threading
from pathlib import Path

import pytest

from benchmarks.ocr_pages import (
    SCANNED,
    draw_text_page,
    korean_font,
    korean_model,
    korquad_paragraphs,
    render_pdf_page,
)
from desktop_rag.cli import main
from desktop_rag.core.types import Progress


def _scans(docs: Path, folder: Path) -> Path:
    """A scanned PDF, a PNG, a JPEG and a two-frame TIFF of real scanned pages, and one born-digital PDF."""
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy(docs / SCANNED / "cardinal.pdf", folder / "cardinal.pdf")
    shutil.copy(docs / "pdf/text_born_digital/pdflatex-4-pages.pdf", folder / "paper.pdf")
    docling = render_pdf_page(docs / SCANNED / "ocr_test.pdf")
    docling.save(folder / "docling.png")
    render_pdf_page(docs / SCANNED / "jbig2.pdf", dpi=200).save(folder / "photo.jpg", quality=85)
    recipe = render_pdf_page(docs / SCANNED / "2400dpi.pdf", dpi=300)
    docling.save(folder / "fax.tiff", save_all=True, append_images=[recipe], compression="tiff_deflate")
    return folder


def _top5(engine, query: str) -> list[tuple[str, int | None, bool]]:
    return [(Path(h.path).name, h.page, h.recognised) for h in engine.search(query, k=5)]


@pytest.mark.slow
def test_scans_are_found_by_a_phrase_on_the_right_page(docs, tmp_path, make_engine, e5):
    engine = make_engine(e5)
    notes: list[str] = []
    report = engine.index_folder(_scans(docs, tmp_path / "scans"), progress=lambda p: notes.append(p.detail))
    assert report.errors == [] and report.files_indexed == 5
    # Progress names the page being recognised.
    assert "recognising page 3 of 4 in cardinal.pdf" in notes
    assert "recognising page 2 of 2 in fax.tiff" in notes

    assert ("docling.png", 1, True) in _top5(engine, "bundles PDF document conversion to JSON and Markdown")
    assert ("fax.tiff", 2, True) in _top5(engine, "Linzensoep a la Waterman met kerrie")
    assert ("photo.jpg", 1, True) in _top5(engine, "LinnSequencer 32 track MIDI sequence recorder")
    cardinal = [h for h in engine.search("LinnSequencer sequence recorder tracks", k=5) if h.path.endswith("cardinal.pdf")]
    assert cardinal and all(h.recognised for h in cardinal) and {h.page for h in cardinal} <= {1, 2, 3, 4}
    # Born-digital text is not marked.
    assert all(not h.recognised for h in engine.search("pdflatex lorem ipsum", k=5) if h.path.endswith("paper.pdf"))

    page = engine.recognised_page(tmp_path / "scans" / "docling.png", 1)
    assert page is not None and any(w.text == "Docling" for w in page.words)
    assert engine.recognised_page(tmp_path / "scans" / "paper.pdf", 1) is None


def test_an_unchanged_file_is_never_recognised_twice(docs, tmp_path, make_engine, fake_embedder):
    engine = make_engine(fake_embedder)
    folder = tmp_path / "a"
    folder.mkdir()
    shutil.copy(docs / SCANNED / "cardinal.pdf", folder / "cardinal.pdf")
    pages_read = _counting(engine, folder)
    assert pages_read == 4

    (folder / "cardinal.pdf").touch()  # touched: same bytes
    assert _counting(engine, folder) == 0
    shutil.move(folder / "cardinal.pdf", folder / "renamed.pdf")  # moved
    assert _counting(engine, folder) == 0
    copy = tmp_path / "b"
    copy.mkdir()
    shutil.copy(folder / "renamed.pdf", copy / "again.pdf")  # the same scan in another collection
    assert _counting(engine, copy, collection="other") == 0
    assert "LinnSequencer" in engine.search("LinnSequencer", collections=["other"], mode="keyword")[0].text
    # Removed and indexed again: still from the cache while another document holds the same content.
    engine.remove_folder(folder)
    assert _counting(engine, folder) == 0


def test_forget_leaves_no_recognised_text(docs, tmp_path, make_engine, fake_embedder):
    engine = make_engine(fake_embedder)
    folder = tmp_path / "a"
    folder.mkdir()
    shutil.copy(docs / SCANNED / "ocr_test.pdf", folder / "scan.pdf")
    engine.index_folder(folder, "secret")
    assert engine.store.db.execute("SELECT COUNT(*) FROM ocr_pages").fetchone()[0] == 1
    engine.forget_collection("secret")
    assert engine.store.db.execute("SELECT COUNT(*) FROM ocr_pages").fetchone()[0] == 0


def test_ocr_off_then_on_reads_the_scans_without_a_file_change(docs, tmp_path, make_engine, fake_embedder):
    folder = tmp_path / "a"
    folder.mkdir()
    shutil.copy(docs / SCANNED / "ocr_test.pdf", folder / "scan.pdf")
    render_pdf_page(docs / SCANNED / "ocr_test.pdf", dpi=150).save(folder / "scan.png")
    engine = make_engine(fake_embedder, ocr_enabled=False)
    report = engine.index_folder(folder)
    reasons = {Path(e.path).name: e.reason for e in report.errors}
    assert "which is turned off" in reasons["scan.pdf"] and "which is turned off" in reasons["scan.png"]
    failed = engine.status()["folders"][0]["errors"]
    assert {Path(e["path"]).name for e in failed} == {"scan.pdf", "scan.png"}

    engine.settings.ocr_enabled = True
    report = engine.index_folder(folder)
    assert report.errors == [] and report.files_indexed == 2
    assert engine.search("Docling bundles", mode="keyword")[0].recognised


def test_engine_that_cannot_load_does_not_stop_indexing(docs, tmp_path, make_engine, fake_embedder):
    folder = tmp_path / "a"
    folder.mkdir()
    shutil.copy(docs / SCANNED / "ocr_test.pdf", folder / "scan.pdf")
    (folder / "notes.md").write_text("# Notes\n\nPlain text is indexed as always.", encoding="utf-8")
    engine = make_engine(fake_embedder, ocr_languages=["kor"])  # no Korean model imported
    report = engine.index_folder(folder)
    assert report.files_indexed == 1
    assert len(report.errors) == 1 and report.errors[0].path.endswith("scan.pdf")
    assert "text recognition (OCR), which could not run: no OCR model for kor" in report.errors[0].reason
    assert "desktop-rag ocr import" in report.errors[0].reason


def test_cancel_stops_during_recognition(docs, tmp_path, make_engine, fake_embedder):
    folder = tmp_path / "a"
    folder.mkdir()
    shutil.copy(docs / SCANNED / "multipage.pdf", folder / "multipage.pdf")
    engine = make_engine(fake_embedder)
    cancel = threading.Event()

    def on_progress(p: Progress) -> None:
        if p.detail.startswith("recognising page 2"):
            cancel.set()

    report = engine.index_folder(folder, progress=on_progress, cancel=cancel)
    assert report.cancelled and report.files_indexed == 0


def test_korean_model_import_path(tmp_path, make_engine, fake_embedder, monkeypatch):
    """The import the window's button and `desktop-rag ocr import` use: checked, copied, turned on."""
    monkeypatch.setenv("DESKTOP_RAG_MODELS_DIR", str(tmp_path / "models"))  # not the tests' shared models folder
    engine = make_engine(fake_embedder)
    assert engine.ocr_languages() == ["eng"]
    bogus = tmp_path / "kor.traineddata"
    bogus.write_bytes(b"not a model" * 500)
    with pytest.raises(Exception, match="Tesseract cannot load it"):
        engine.import_ocr_model(bogus)
    wrong = tmp_path / "fra.traineddata"
    wrong.write_bytes(b"x" * 5000)
    with pytest.raises(Exception, match="not a model for a supported language"):
        engine.import_ocr_model(wrong)
    assert engine.ocr_languages() == ["eng"] and engine.settings.ocr_languages == ["eng"]

    model = korean_model()
    if model is None:  # no Korean model on this system: the mechanics with another valid model file
        from desktop_rag.core.ingest.ocr.models import find_model

        model = tmp_path / "kor.traineddata"
        shutil.copy(find_model("eng"), model)
    assert engine.import_ocr_model(model) == "kor"
    assert engine.ocr_languages() == ["eng", "kor"]
    assert engine.settings.ocr_languages == ["eng", "kor"]
    saved = json.loads(engine.paths.settings_file.read_text(encoding="utf-8"))
    assert saved["ocr_languages"] == ["eng", "kor"]


@pytest.mark.slow
@pytest.mark.skipif(korean_font() is None or korean_model() is None, reason="needs a Hangul font and a Korean model")
def test_korean_scan_found_after_import(shared_data, tmp_path, make_engine, e5, monkeypatch):
    monkeypatch.setenv("DESKTOP_RAG_MODELS_DIR", str(tmp_path / "models"))  # not the tests' shared models folder
    engine = make_engine(e5)
    engine.import_ocr_model(korean_model())
    folder = tmp_path / "ko"
    folder.mkdir()
    paragraphs = korquad_paragraphs(shared_data, 3)
    for i, text in enumerate(paragraphs):
        draw_text_page(text, korean_font())[0].save(folder / f"page{i + 1}.png")
    report = engine.index_folder(folder)
    assert report.errors == [] and report.files_indexed == 3
    hits = _top5(engine, "임종석의 사전구속영장을 발부받았다")
    assert ("page1.png", 1, True) in hits


@pytest.mark.slow
def test_cli_indexes_scans_and_imports_a_model(docs, tmp_path, capsys):
    folder = _scans(docs, tmp_path / "scans")
    data = tmp_path / "lib"
    assert main(["--data-dir", str(data), "index", str(folder), "--quiet", "--ocr-languages", "eng"]) == 0
    out = capsys.readouterr().out
    assert "5 indexed" in out and "0 errors" in out
    assert main(["--data-dir", str(data), "search", "bundles PDF document conversion", "-k", "5", "--json"]) == 0
    hits = json.loads(capsys.readouterr().out)["hits"]
    assert any(h["path"].endswith("docling.png") and h["page"] == 1 and h["recognised"] for h in hits)

    assert main(["--data-dir", str(data), "index", str(folder), "--quiet", "--ocr-languages", "kor"]) == 1
    assert "no OCR model for kor" in capsys.readouterr().err
    bogus = tmp_path / "kor.traineddata"
    bogus.write_bytes(b"junk" * 1000)
    assert main(["--data-dir", str(data), "ocr", "import", str(bogus)]) == 1
    assert "Tesseract cannot load it" in capsys.readouterr().err
    assert main(["--data-dir", str(data), "ocr", "status"]) == 0
    assert "installed models: eng" in capsys.readouterr().out
    assert main(["--data-dir", str(data), "index", str(folder), "--quiet", "--no-ocr"]) == 0
    assert "0 indexed" in capsys.readouterr().out  # unchanged files stay as they were


def _counting(engine, folder: Path, collection: str = "default") -> int:
    """Pages recognised by one indexing run of ``folder``."""
    pages = set()
    engine.index_folder(folder, collection, progress=lambda p: p.detail and pages.add(p.detail))
    return len(pages)
