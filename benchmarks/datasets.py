"""The shared evaluation sets (read from ../shared/data, never copied into the repo)."""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = Path(os.environ.get("DESKTOP_RAG_SHARED_DATA", REPO.parent / "shared" / "data"))


@dataclass
class RetrievalSet:
    name: str
    docs: dict[str, str]  # doc id -> text
    queries: list[tuple[str, str]]  # (query id, text)
    qrels: dict[str, dict[str, int]] = field(default_factory=dict)  # query id -> doc id -> gain


def korquad(limit_questions: int | None = None) -> RetrievalSet:
    """KorQuAD 1.0 dev part 1: each question's relevant document is its paragraph."""
    raw = json.loads((SHARED_DATA / "retrieval/korquad_v1/KorQuAD_v1.0_dev.part1.json").read_text(encoding="utf-8"))
    docs: dict[str, str] = {}
    queries: list[tuple[str, str]] = []
    qrels: dict[str, dict[str, int]] = {}
    for a, article in enumerate(raw["data"]):
        for p, paragraph in enumerate(article["paragraphs"]):
            doc_id = f"a{a:03d}p{p:02d}"
            docs[doc_id] = paragraph["context"]
            for qa in paragraph["qas"]:
                queries.append((qa["id"], qa["question"]))
                qrels[qa["id"]] = {doc_id: 1}
    if limit_questions:
        queries = queries[:limit_questions]
    return RetrievalSet("korquad", docs, queries, qrels)


def cranfield() -> RetrievalSet:
    """Cranfield 1400 with graded qrels: relevance 1 (complete answer) .. 4 -> gain 4 .. 1."""
    folder = SHARED_DATA / "retrieval/cranfield"
    docs = {i: text for i, text in _records(folder / "cran.all.1400")}
    # Query .I numbers are not 1..225; the qrels number queries by position.
    queries = [(str(n), text) for n, (_, text) in enumerate(_records(folder / "cran.qry"), 1)]
    qrels: dict[str, dict[str, int]] = {}
    for line in (folder / "cranqrel").read_text().split("\n"):
        parts = line.split()
        if len(parts) == 3 and 1 <= int(parts[2]) <= 4:
            qrels.setdefault(parts[0], {})[parts[1]] = 5 - int(parts[2])
    return RetrievalSet("cranfield", docs, [q for q in queries if q[0] in qrels], qrels)


def _records(path: Path) -> list[tuple[str, str]]:
    """(.I id, .W text) records of the SMART format."""
    text = path.read_text(encoding="utf-8", errors="replace").replace("\r\n", "\n")
    out = []
    for block in re.split(r"^\.I ", text, flags=re.M)[1:]:
        ident, _, rest = block.partition("\n")
        body = ("\n" + rest).split("\n.W\n", 1)[-1]
        out.append((str(int(ident.strip())), " ".join(body.split())))
    return out
