"""The ``search`` command: one query or a file of them, as text or JSON lines."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from ..core.errors import UserError
from ..core.paths import AppPaths
from ..core.types import Hit
from .common import _engine, _identity, _shown


def _hit_json(hit: Hit, shown=_identity) -> dict:
    return {
        "path": hit.path,
        "page": hit.page,
        "score": round(hit.score, 6),
        "dense_score": None if hit.dense_score is None else round(hit.dense_score, 6),
        "keyword_score": None if hit.keyword_score is None else round(hit.keyword_score, 6),
        "collection": hit.collection,
        "heading_path": list(hit.heading_path),
        "char_start": hit.char_start,
        "char_end": hit.char_end,
        **hit.location(),
        "recognised": hit.recognised,  # the page's text was recognised (OCR) from an image
        "text": shown(hit.text),
    }


def _cmd_search(args, paths: AppPaths) -> int:
    if bool(args.query) == bool(args.queries):
        raise UserError("give either a query or --queries FILE")
    if args.k is not None and args.k <= 0:
        raise UserError("-k must be positive")
    if args.queries:
        try:
            queries = [q.strip() for q in Path(args.queries).read_text(encoding="utf-8").splitlines() if q.strip()]
        except (OSError, UnicodeDecodeError) as exc:
            raise UserError(f"cannot read queries file {args.queries}: {exc}") from exc
    else:
        queries = [args.query]
    engine = _engine(paths, args)
    shown = _shown(paths)
    try:
        if engine.reembed_needed and args.mode != "dense":
            print("note: the library's vectors are from another embedding model until it is re-embedded "
                  "('desktop-rag index' or 'desktop-rag reembed'): searching by keywords only", file=sys.stderr)
        for query in queries:
            hits = engine.search(query, k=args.k, collections=args.collection, folders=args.folder, mode=args.mode)
            if args.json:
                print(json.dumps({"query": query, "hits": [_hit_json(h, shown) for h in hits]}, ensure_ascii=False), flush=True)
            else:
                _print_hits(query, hits, many=len(queries) > 1, shown=shown)
    finally:
        engine.close()
    return 0


def _print_hits(query: str, hits: list[Hit], many: bool, shown=_identity) -> None:
    if many:
        print(f"# {query}")
    if not hits:
        print("no results")
    for rank, hit in enumerate(hits, 1):
        mark = "  (recognised text, OCR)" if hit.recognised else ""
        print(f"{rank}. {hit.where}  score {hit.score:.3f}{mark}")
        print(f"   {shown(hit.snippet)}")
