"""The command line as a user (or a script) drives it."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from desktop_rag.cli import main

ENGLISH = {"minilm": None}


def run_cli(*args: str, env_extra: dict | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, **(env_extra or {})}
    return subprocess.run([sys.executable, "-m", "desktop_rag", *args], capture_output=True, text=True, env=env, timeout=600)


@pytest.fixture(scope="module")
def library(tmp_path_factory, docs):
    """A library with English and Korean documents, indexed through the CLI with the default model."""
    root = tmp_path_factory.mktemp("cli")
    folder = root / "docs"
    folder.mkdir()
    for src in [
        docs / "markdown/korean/interview_question_Network.md",
        docs / "pdf/text_born_digital/pdflatex-4-pages.pdf",
        docs / "pdf/encrypted/pypdf_r3-user-password.pdf",
        docs / "docx/korean/aegukga_ko.docx",
    ]:
        (folder / src.name).write_bytes(src.read_bytes())
    data_dir = root / "lib"
    result = run_cli("--data-dir", str(data_dir), "index", str(folder), "--collection", "papers")
    assert result.returncode == 0, result.stderr
    return data_dir, folder, result


def test_index_prints_a_summary_with_errors(library):
    _, folder, result = library
    assert "4 files" in result.stdout and "3 indexed" in result.stdout
    assert "pypdf_r3-user-password.pdf: password required" in result.stdout


def test_search_json_gives_absolute_paths_and_pages(library):
    data_dir, folder, _ = library
    result = run_cli("--data-dir", str(data_dir), "search", "TCP 3-way handshake 과정", "-k", "3", "--json")
    assert result.returncode == 0, result.stderr
    line = json.loads(result.stdout)
    assert line["query"] == "TCP 3-way handshake 과정"
    assert len(line["hits"]) == 3
    top = line["hits"][0]
    assert top["path"] == str(folder / "interview_question_Network.md")
    assert top["page"] is None and "handshake" in top["text"].lower()
    pdf = json.loads(run_cli("--data-dir", str(data_dir), "search", "pdflatex lorem ipsum", "--json").stdout)
    pdf_hits = [h for h in pdf["hits"] if h["path"].endswith(".pdf")]
    assert pdf_hits and all(isinstance(h["page"], int) and h["page"] >= 1 for h in pdf_hits)


def test_many_queries_one_json_line_each(library, tmp_path):
    data_dir, folder, _ = library
    queries = tmp_path / "q.txt"
    queries.write_text("동해 물과 백두산이\nHTTP와 HTTPS의 차이\n\nwhat is lorem ipsum\n", encoding="utf-8")
    result = run_cli("--data-dir", str(data_dir), "search", "--queries", str(queries), "--json", "-k", "2")
    assert result.returncode == 0, result.stderr
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [line["query"] for line in lines] == ["동해 물과 백두산이", "HTTP와 HTTPS의 차이", "what is lorem ipsum"]
    assert lines[0]["hits"][0]["path"].endswith("aegukga_ko.docx")
    assert lines[1]["hits"][0]["path"].endswith("interview_question_Network.md")


def test_collection_filter(library):
    data_dir, _, _ = library
    assert json.loads(run_cli("--data-dir", str(data_dir), "search", "HTTP", "--collection", "nope", "--json").stdout)["hits"] == []
    hits = json.loads(run_cli("--data-dir", str(data_dir), "search", "HTTP", "--collection", "papers", "--json").stdout)["hits"]
    assert hits


def test_status_lists_failed_files_with_reasons(library):
    data_dir, folder, _ = library
    info = json.loads(run_cli("--data-dir", str(data_dir), "status", "--json").stdout)
    assert info["collections"][0]["name"] == "papers"
    assert info["collections"][0]["documents"] == 3
    assert info["folders"][0]["errors"] == [{"path": str(folder / "pypdf_r3-user-password.pdf"), "reason": "password required"}]
    text = run_cli("--data-dir", str(data_dir), "status").stdout
    assert "failed: " in text and "password required" in text


def test_data_dir_from_environment(library):
    data_dir, _, _ = library
    result = run_cli("status", "--json", env_extra={"DESKTOP_RAG_DATA_DIR": str(data_dir)})
    assert json.loads(result.stdout)["data_dir"] == str(data_dir)


@pytest.mark.parametrize(
    "args, message",
    [
        (["index", "/definitely/not/here"], "not a folder"),
        (["search"], "give either a query or --queries FILE"),
        (["search", "--queries", "/no/such/file", "--json"], "cannot read queries file"),
        (["frobnicate"], "invalid choice"),
        (["search", "x", "-k", "0"], "-k must be positive"),
    ],
)
def test_bad_usage_is_one_line_without_traceback(tmp_path, capsys, args, message):
    with pytest.raises(SystemExit) as exit_info:
        code = main(["--data-dir", str(tmp_path), *args])
        raise SystemExit(code)
    assert exit_info.value.code != 0
    err = capsys.readouterr().err
    assert message in err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err


def test_config_switches_the_embedding_model(tmp_path, capsys):
    assert main(["--data-dir", str(tmp_path), "config", "embedding_model", "builtin:all-MiniLM-L6-v2"]) == 0
    assert main(["--data-dir", str(tmp_path), "config", "embedding_model"]) == 0
    assert capsys.readouterr().out.strip().endswith("builtin:all-MiniLM-L6-v2")
    assert main(["--data-dir", str(tmp_path), "config", "chunk_tokens", "4"]) == 1
    assert "chunk_tokens must be at least 16" in capsys.readouterr().err


# -- answering ------------------------------------------------------------------------------------
def test_models_lists_the_development_model(library, gemma_path):
    data_dir, _, _ = library
    result = run_cli("--data-dir", str(data_dir), "models", "--json")
    assert result.returncode == 0, result.stderr
    models = json.loads(result.stdout)
    gemma = next(m for m in models if m["path"] == str(gemma_path))
    assert gemma["quantization"] == "Q4_K_M" and gemma["size_bytes"] > 200_000_000
    assert "gemma-3-270m" in run_cli("--data-dir", str(data_dir), "models").stdout


def test_ask_streams_an_answer_then_its_sources(library, gemma_path):
    data_dir, folder, _ = library
    result = run_cli("--data-dir", str(data_dir), "ask", "TCP 3-way handshake 과정은 어떻게 되나?", "--max-tokens", "48")
    assert result.returncode == 0, result.stderr
    answer, _, sources = result.stdout.partition("\nSources:\n")
    assert answer.strip() and "문서에 이 질문에 대한 답이 없습니다" not in answer
    assert str(folder / "interview_question_Network.md") in sources
    assert "CPU" in result.stderr or "GPU" in result.stderr  # where the model runs, in words


def test_ask_json_has_the_documented_shape_and_declines_off_topic(library, gemma_path):
    data_dir, _, _ = library
    result = run_cli("--data-dir", str(data_dir), "ask", "김치찌개를 맛있게 끓이는 방법은?", "--json")
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout)
    assert {"answer", "abstained", "citations", "sources", "timing"} <= out.keys()
    assert {"ttft_s", "tokens_per_s"} <= out["timing"].keys()
    assert out["abstained"] is True and out["answer"] == "문서에 이 질문에 대한 답이 없습니다."


@pytest.mark.parametrize(
    ("content", "message"),
    [(None, "not found|does not exist"), (b"hello, not a model", "not a GGUF"), (b"GGUF\x03\x00\x00\x00", "truncated")],
)
def test_ask_with_a_bad_model_file_is_one_line(library, tmp_path, content, message):
    import re

    data_dir, _, _ = library
    path = tmp_path / "model.gguf"
    if content is not None:
        path.write_bytes(content)
    result = run_cli("--data-dir", str(data_dir), "ask", "what is TCP?", "--model", str(path))
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and re.search(message, lines[0]), lines


# -- redact ---------------------------------------------------------------------------------------
def test_redact_masks_stdin_and_files(tmp_path, capsys):
    text = "문의: kim@example.com, 010-1234-5678\nversion 1.2.3.4 from 10.0.0.5\n"
    piped = subprocess.run(
        [sys.executable, "-m", "desktop_rag", "--data-dir", str(tmp_path), "redact"],
        input=text.encode("utf-8"), capture_output=True, timeout=120,
    )
    assert piped.returncode == 0, piped.stderr
    assert piped.stdout.decode("utf-8") == "문의: [EMAIL], [PHONE]\nversion 1.2.3.4 from [IP]\n"
    legacy = tmp_path / "cp949.txt"
    legacy.write_bytes("주민등록번호 900101-1234567, 신한 110-234-567890\n".encode("cp949"))
    assert main(["--data-dir", str(tmp_path), "redact", str(legacy)]) == 0
    assert capsys.readouterr().out == "주민등록번호 [RRN], 신한 [ACCOUNT]\n"
    assert main(["--data-dir", str(tmp_path), "redact", str(tmp_path / "missing.txt")]) == 1
    err = capsys.readouterr().err
    assert "cannot read" in err and len(err.strip().splitlines()) == 1


def test_personal_data_is_masked_in_search_output_when_the_filter_is_on(tmp_path):
    folder = tmp_path / "hr"
    folder.mkdir()
    (folder / "contact.txt").write_text("담당자 연락처는 010-2345-6789 이고 메일은 kim.minji@example.co.kr 입니다. Leave policy applies.")
    data = tmp_path / "lib"
    assert run_cli("--data-dir", str(data), "config", "embedding_model", "builtin:all-MiniLM-L6-v2").returncode == 0
    assert run_cli("--data-dir", str(data), "index", str(folder), "--quiet").returncode == 0
    plain = run_cli("--data-dir", str(data), "search", "연락처 메일", "--json").stdout
    assert "010-2345-6789" in plain
    assert run_cli("--data-dir", str(data), "config", "redact_personal_data", "on").returncode == 0
    masked = run_cli("--data-dir", str(data), "search", "연락처 메일", "--json").stdout
    assert "010-2345-6789" not in masked and "kim.minji@example.co.kr" not in masked
    assert "[PHONE]" in masked and "[EMAIL]" in masked
    log = (data / "logs" / "desktop-rag.log").read_text(encoding="utf-8")
    assert "kim.minji@example.co.kr" not in log


def test_forget_then_delete_all_leave_no_copy_of_the_text(tmp_path):
    """`forget COLLECTION` and `delete-all --yes`: afterwards no file in the data folder (database,
    -wal/-shm, vectors, logs, settings) holds a marker that was in a document, nor its index terms."""
    from tests.core.test_data_at_rest import SECRET_TEXT, files_containing, marker_patterns

    secret, keep = tmp_path / "secret", tmp_path / "keep"
    secret.mkdir()
    keep.mkdir()
    (secret / "notes.md").write_text(SECRET_TEXT, encoding="utf-8")
    (keep / "fruit.md").write_text("# Fruit\n\nOranges and lemons grow in warm places.", encoding="utf-8")
    data = tmp_path / "lib"
    for folder, collection in ((secret, "secret"), (keep, "keep")):
        result = run_cli("--data-dir", str(data), "index", str(folder), "--collection", collection, "--quiet")
        assert result.returncode == 0, result.stderr
    assert files_containing(data, marker_patterns()), "the check sees the text while it is there"

    result = run_cli("--data-dir", str(data), "forget", "secret")
    assert result.returncode == 0, result.stderr
    assert "forgot collection 'secret' (1 chunks)" in result.stdout
    assert files_containing(data, marker_patterns()) == {}
    status = json.loads(run_cli("--data-dir", str(data), "status", "--json").stdout)
    assert [c["name"] for c in status["collections"]] == ["keep"]
    hits = json.loads(run_cli("--data-dir", str(data), "search", "oranges lemons", "--json").stdout)["hits"]
    assert hits and hits[0]["path"].endswith("fruit.md")
    again = run_cli("--data-dir", str(data), "forget", "secret")
    assert again.returncode == 1 and "no collection named 'secret'" in again.stderr

    refused = run_cli("--data-dir", str(data), "delete-all")
    assert refused.returncode == 1 and "--yes" in refused.stderr and (data / "library.sqlite3").exists()
    result = run_cli("--data-dir", str(data), "delete-all", "--yes")
    assert result.returncode == 0, result.stderr
    assert list(data.iterdir()) == [], "nothing of the library is left"
    assert (keep / "fruit.md").exists() and (secret / "notes.md").exists(), "documents are never touched"


def test_ask_json_carries_sentence_verdicts_and_a_document_scope(library, gemma_path):
    data_dir, folder, _ = library
    document = str(folder / "interview_question_Network.md")
    result = run_cli("--data-dir", str(data_dir), "ask", "TCP 3-way handshake 과정은?", "--json", "--max-tokens", "48", "--document", document)
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout)
    assert out["sources"] and {s["path"] for s in out["sources"]} == {document}, "retrieved only from that file"
    support = out["support"]
    assert support is not None and support["sentences"] and support["ms"] >= 0
    for sentence in support["sentences"]:
        assert sentence["verdict"] in ("supported", "miscited", "unsupported", "not_checked")
        assert out["answer"][sentence["start"] : sentence["end"]] == sentence["text"]
        if sentence["span"]:
            source = next(s for s in out["sources"] if s["n"] == sentence["span"]["n"])
            assert source["text"][sentence["span"]["start"] : sentence["span"]["end"]] == sentence["span"]["text"]


def test_summarize_a_file_cites_its_pages(library, gemma_path):
    data_dir, folder, _ = library
    result = run_cli("--data-dir", str(data_dir), "summarize", str(folder / "pdflatex-4-pages.pdf"), "--json")
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout)
    assert out["sources"] and all(s["path"].endswith("pdflatex-4-pages.pdf") for s in out["sources"])
    assert out["sources"][0]["page"] == 1 and "p." in out["answer"] and "[1]" in out["answer"]
    missing = run_cli("--data-dir", str(data_dir), "summarize", str(folder / "nowhere.pdf"))
    assert missing.returncode != 0 and "not in the library" in missing.stderr and "Traceback" not in missing.stderr
