"""Command line: ``desktop-rag`` opens the window; subcommands work headless.

    desktop-rag [--data-dir DIR] index FOLDER [--collection NAME]
    desktop-rag [--data-dir DIR] search "query" [-k N] [--collection NAME] [--json]
    desktop-rag [--data-dir DIR] search --queries FILE --json
    desktop-rag [--data-dir DIR] status [--json]
    desktop-rag [--data-dir DIR] ask "question" [--model PATH|NAME] [--collection NAME] [--json]
    desktop-rag [--data-dir DIR] models [--json]
    desktop-rag [--data-dir DIR] remove FOLDER | reembed | watch FOLDER | config [KEY [VALUE]]
    desktop-rag [--data-dir DIR] forget COLLECTION | delete-all --yes
    desktop-rag [--data-dir DIR] redact [FILE|-]
    desktop-rag [--data-dir DIR] repair [--force]
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import threading
import time
from dataclasses import asdict, fields
from pathlib import Path

from .core.config import Settings
from .core.errors import UserError
from .core.logs import setup_logging
from .core.paths import AppPaths, resolve_paths
from .core.types import Hit, Progress

log = logging.getLogger(__name__)


class _Parser(argparse.ArgumentParser):
    """argparse that reports bad usage in one line, exit code 2."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(2, f"{self.prog}: error: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="desktop-rag", description="Private, on-device search and chat over your documents.")
    parser.add_argument("--data-dir", help="where the library lives (default: the user data folder; env DESKTOP_RAG_DATA_DIR)")
    sub = parser.add_subparsers(dest="command", parser_class=_Parser)

    p = sub.add_parser("index", help="index a folder (only changes are re-indexed)")
    p.add_argument("folder")
    p.add_argument("--collection", default="default")
    p.add_argument("--quiet", action="store_true", help="no progress bar")

    p = sub.add_parser("search", help="search the library")
    p.add_argument("query", nargs="?")
    p.add_argument("--queries", help="file with one query per line (one JSON line out per query)")
    p.add_argument("-k", type=int, default=None, help="number of results")
    p.add_argument("--collection", action="append", default=[], help="limit to a collection (repeatable)")
    p.add_argument("--folder", action="append", default=[], help="limit to a folder (repeatable)")
    p.add_argument("--mode", choices=("hybrid", "keyword", "dense"), default="hybrid")
    p.add_argument("--json", action="store_true")

    p = sub.add_parser("status", help="collections, folders, counts and failed files")
    p.add_argument("--json", action="store_true")

    p = sub.add_parser("ask", help="answer a question from the library with a local model")
    p.add_argument("question")
    p.add_argument("--model", help="GGUF file path or a name from `desktop-rag models` (default: the setting)")
    p.add_argument("--collection", action="append", default=[], help="limit to a collection (repeatable)")
    p.add_argument("--folder", action="append", default=[], help="limit to a folder (repeatable)")
    p.add_argument("--max-tokens", type=int, help="longest answer in tokens")
    p.add_argument("--temperature", type=float, help="0 (default) for the most likely answer")
    p.add_argument("--json", action="store_true", help="one JSON object instead of streamed text")

    p = sub.add_parser("models", help="list the GGUF models found on this computer")
    p.add_argument("--json", action="store_true")

    p = sub.add_parser("remove", help="forget an indexed folder (files on disk are untouched)")
    p.add_argument("folder")

    p = sub.add_parser(
        "forget",
        help="remove a collection and everything derived from its documents, leaving no copy of their text "
        "(chats that searched only it go too; files on disk are untouched)",
    )
    p.add_argument("collection")

    p = sub.add_parser("delete-all", help="delete the whole library, chats, settings, vectors and logs")
    p.add_argument("--yes", action="store_true", help="really delete (required)")

    sub.add_parser("reembed", help="re-embed the library with the configured embedding model")

    p = sub.add_parser("repair", help="move a damaged library database aside and rebuild it from your folders")
    p.add_argument("--force", action="store_true", help="rebuild even when the database checks out fine")

    p = sub.add_parser("watch", help="index a folder, then re-index it whenever it changes (Ctrl-C stops)")
    p.add_argument("folder")
    p.add_argument("--collection", default="default")

    p = sub.add_parser("config", help="show or change settings")
    p.add_argument("key", nargs="?")
    p.add_argument("value", nargs="?")

    p = sub.add_parser("redact", help="print a text file (or standard input) with personal data masked")
    p.add_argument("file", nargs="?", default="-", help="text file; - or nothing reads standard input")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command is None:
        from .ui.app import run_app

        return run_app(args.data_dir)
    paths = resolve_paths(args.data_dir).ensure()
    log_file = setup_logging(paths.logs_dir, redact=_redaction_on(paths))
    try:
        return _COMMANDS[args.command](args, paths)
    except UserError as exc:
        print(f"desktop-rag: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("desktop-rag: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # output piped into `head` and closed early: not an error
        sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - keeps the interpreter's final flush quiet
        return 0
    except Exception as exc:  # never a traceback on the terminal; the log has it
        log.exception("command %s failed", args.command)
        print(f"desktop-rag: error: {type(exc).__name__}: {exc} (details in {log_file})", file=sys.stderr)
        return 1


def _redaction_on(paths: AppPaths) -> bool:
    """The personal-data filter setting (a broken settings file is reported by the command itself)."""
    try:
        return Settings.load(paths.settings_file).redact_personal_data
    except UserError:
        return False


def _shown(paths: AppPaths):
    """What personal data the terminal may show: masked when the filter is on."""
    from .core.privacy import redact

    return redact if _redaction_on(paths) else _identity


def _identity(text: str) -> str:
    return text


def _engine(paths: AppPaths):
    from .core.engine import RagEngine

    return RagEngine(paths)


# -- commands ---------------------------------------------------------------------------------
def _cmd_index(args, paths: AppPaths) -> int:
    folder = Path(args.folder).expanduser()
    if not folder.is_dir():
        raise UserError(f"not a folder: {args.folder}")
    engine = _engine(paths)
    bar = _ProgressBar(enabled=not args.quiet)
    try:
        report = engine.index_folder(folder, args.collection, progress=bar.update)
    finally:
        bar.finish()
        engine.close()
    print(
        f"{report.folder} -> collection '{report.collection}': {report.files_seen} files "
        f"({report.files_indexed} indexed, {report.files_unchanged} unchanged, {report.files_moved} moved, "
        f"{report.files_deleted} deleted), {report.chunks_added} chunks added ({report.chunks_embedded} embedded), "
        f"{len(report.errors)} errors, {report.seconds:.1f} s"
    )
    for error in report.errors:
        print(f"  error: {error.path}: {error.reason}")
    for warning in report.warnings:
        print(f"  warning: {warning.path}: {warning.reason}")
    return 0


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
    engine = _engine(paths)
    shown = _shown(paths)
    try:
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
        where = hit.path + (f" (page {hit.page})" if hit.page else "")
        print(f"{rank}. {where}  score {hit.score:.3f}")
        print(f"   {shown(hit.snippet)}")


def _cmd_status(args, paths: AppPaths) -> int:
    engine = _engine(paths)
    try:
        info = engine.status()
    finally:
        engine.close()
    if args.json:
        print(json.dumps(info, ensure_ascii=False, indent=2))
        return 0
    model = info["embedding_model"]
    print(f"library: {info['data_dir']}")
    print(f"embedding model: {model['name']} ({model['configured']})")
    if model["reembed_needed"]:
        print(f"  ! stored vectors are from {model['stored']}: run 'desktop-rag reembed'")
    if not info["folders"]:
        print("no folders indexed yet: desktop-rag index FOLDER")
    for c in info["collections"]:
        print(f"collection '{c['name']}': {c['folders']} folders, {c['documents']} documents, {c['chunks']} chunks, {c['failed']} failed")
    for f in info["folders"]:
        watched = " (watched)" if f["watched"] else ""
        print(f"  {f['path']}{watched}: {f['documents']} documents, {f['chunks']} chunks, {f['failed']} failed")
        for e in f["errors"]:
            print(f"    failed: {e['path']}: {e['reason']}")
        for w in f["warnings"]:
            print(f"    warning: {w['path']}: {'; '.join(w['warnings'])}")
    return 0


def _cmd_remove(args, paths: AppPaths) -> int:
    engine = _engine(paths)
    try:
        removed = engine.remove_folder(args.folder)
    finally:
        engine.close()
    print(f"removed {args.folder} ({removed} chunks); files on disk are untouched")
    return 0


def _cmd_forget(args, paths: AppPaths) -> int:
    engine = _engine(paths)
    try:
        removed = engine.forget_collection(args.collection)
    finally:
        engine.close()
    print(f"forgot collection '{args.collection}' ({removed} chunks); files on disk are untouched")
    return 0


def _cmd_delete_all(args, paths: AppPaths) -> int:
    if not args.yes:
        raise UserError(f"this deletes the library, chats, settings and logs in {paths.root}; add --yes to do it")
    from .core.logs import close_logging

    close_logging()
    removed = paths.delete_all()
    print(f"deleted all local data in {paths.root} ({len(removed)} items)")
    return 0


def _cmd_reembed(args, paths: AppPaths) -> int:
    engine = _engine(paths)
    bar = _ProgressBar(enabled=True)
    try:
        count = engine.reembed(progress=bar.update)
    finally:
        bar.finish()
        engine.close()
    print(f"re-embedded {count} distinct chunks with {engine.embedder.name}")
    return 0


def _cmd_watch(args, paths: AppPaths) -> int:
    engine = _engine(paths)
    engine.on_background_report = lambda r: print(
        f"re-indexed: {r.files_indexed} changed, {r.files_deleted} deleted, {r.files_moved} moved, {len(r.errors)} errors",
        flush=True,
    )
    try:
        report = engine.index_folder(args.folder, args.collection)
        print(f"indexed {report.files_indexed} files; watching {args.folder} (Ctrl-C stops)", flush=True)
        engine.watch(args.folder, args.collection)
        threading.Event().wait()
    finally:
        engine.close()
    return 0


def _cmd_ask(args, paths: AppPaths) -> int:
    if not args.question.strip():
        raise UserError("the question is empty")
    engine = _engine(paths)
    try:
        if args.max_tokens is not None:
            engine.settings.max_answer_tokens = args.max_tokens
        if args.temperature is not None:
            engine.settings.temperature = args.temperature
        engine.settings.validate()
        model = engine.load_model(args.model)
        if not args.json:
            print(f"model: {model.info.describe()}\n{model.device.description}", file=sys.stderr)
        session = engine.chat(model, args.collection, args.folder)
        stream = session.ask(args.question)
        shown = _shown(paths)
        if args.json:
            result = stream.wait()
            print(json.dumps(result.to_json(shown), ensure_ascii=False))
            return 0
        pending = ""  # with the filter on, whole lines are masked (personal data never spans lines)
        try:
            for piece in stream:
                pending += piece
                if "\n" in pending:
                    done, pending = pending.rsplit("\n", 1)
                    print(shown(done), flush=True)
                elif shown is _identity:
                    print(pending, end="", flush=True)
                    pending = ""
        except KeyboardInterrupt:
            stream.cancel()
            pending += "\n(stopped)"
        print(shown(pending))
        _print_answer_notes(stream.result, shown)
    finally:
        engine.close()
    return 0


def _print_answer_notes(result, shown) -> None:
    if result.unknown_citations:
        marks = ", ".join(f"[{n}]" for n in result.unknown_citations)
        print(f"\nwarning: {marks} in the answer point to no source; do not rely on them")
    if result.uncited:
        print("\nwarning: the answer cites no source; check it against the passages below")
    if result.omitted_sources:
        print(f"\nnote: {result.omitted_sources} retrieved passages did not fit in the model's context")
    if result.sources:
        print("\nSources:")
        cited = {c.n for c in result.citations}
        for source in result.sources:
            mark = "*" if source.n in cited else " "
            page = f", page {source.hit.page}" if source.hit.page else ""
            print(f"{mark}[{source.n}] {source.hit.path}{page}\n      {shown(source.hit.snippet)}")
    stats = result.stats
    if stats and stats.generated_tokens:
        print(
            f"\n({result.ttft_s:.2f} s to first token, {stats.tokens_per_s:.1f} tokens/s, "
            f"{stats.prompt_tokens} prompt tokens, {stats.cached_tokens} from cache)",
            file=sys.stderr,
        )


def _cmd_models(args, paths: AppPaths) -> int:
    engine = _engine(paths)
    try:
        entries = engine.models()
    finally:
        engine.close()
    if args.json:
        print(json.dumps([
            {"name": e.name, "path": str(e.path), "size_bytes": e.size_bytes, "quantization": e.quantization,
             "parameters": e.parameters, "source": e.source}
            for e in entries
        ], ensure_ascii=False))
        return 0
    if not entries:
        print(f"no GGUF models found; put .gguf files in {paths.models_dir} or add a folder with "
              "`desktop-rag config model_folders PATH`")
        return 0
    default = engine.settings.llm_model
    for i, e in enumerate(entries):
        mark = "*" if (default and default in (e.name, str(e.path))) or (not default and i == 0) else " "
        size = f"{e.size_bytes / 1e9:.2f} GB" if e.size_bytes >= 1e9 else f"{e.size_bytes / 1e6:.0f} MB"
        details = " · ".join(x for x in (e.parameters, e.quantization, size, e.source) if x)
        print(f"{mark} {e.name}  ({details})\n    {e.path}")
    return 0


def _cmd_config(args, paths: AppPaths) -> int:
    settings = Settings.load(paths.settings_file)
    known = {f.name: f.type for f in fields(Settings)}
    if args.key is None:
        for key, value in asdict(settings).items():
            print(f"{key} = {value}")
        return 0
    if args.key not in known:
        raise UserError(f"unknown setting {args.key!r}; known: {', '.join(known)}")
    if args.value is None:
        print(getattr(settings, args.key))
        return 0
    current = getattr(settings, args.key)
    try:
        if isinstance(current, list):  # folders: separated like PATH (":" or ";" on Windows)
            value = [v for v in args.value.split(os.pathsep) if v]
        elif isinstance(current, bool):
            words = {"on": True, "true": True, "yes": True, "1": True, "off": False, "false": False, "no": False, "0": False}
            if args.value.lower() not in words:
                raise ValueError(f"use on or off, not {args.value!r}")
            value = words[args.value.lower()]
        else:
            value = type(current)(args.value)
    except ValueError as exc:
        raise UserError(f"{args.key} needs a {type(current).__name__}: {exc}") from exc
    setattr(settings, args.key, value)
    settings.validate().save(paths.settings_file)
    print(f"{args.key} = {value}")
    return 0


def _cmd_redact(args, paths: AppPaths) -> int:
    """The filter the app applies when redact_personal_data is on: e-mail, phone, RRN, card, account, IP."""
    from .core.engine import LoadError, decode_text
    from .core.privacy import redact

    name = "standard input" if args.file == "-" else args.file
    try:
        data = sys.stdin.buffer.read() if args.file == "-" else Path(args.file).expanduser().read_bytes()
        text = decode_text(data) if data else ""
    except OSError as exc:
        raise UserError(f"cannot read {name}: {exc.strerror or exc}") from exc
    except LoadError as exc:
        raise UserError(f"cannot read {name}: {exc}") from exc
    sys.stdout.write(redact(text))
    sys.stdout.flush()
    return 0


def _cmd_repair(args, paths: AppPaths) -> int:
    from .core.repair import repair_library

    bar = _ProgressBar(enabled=True)
    try:
        report = repair_library(paths, force=args.force, progress=bar.update)
    finally:
        bar.finish()
    if not report.repaired:
        print(f"{paths.database} checks out fine; nothing to repair (--force rebuilds it anyway)")
        return 0
    print(f"problem: {report.problem}")
    print(f"the old database was moved to {report.moved_to}")
    if not report.folders_readable:
        print("its folder list could not be read: add your folders again with `desktop-rag index FOLDER`")
    for r in report.reindexed:
        print(f"re-indexed {r.folder} -> collection '{r.collection}': {r.files_indexed} files, {len(r.errors)} errors")
    for folder in report.missing_folders:
        print(f"not re-indexed (folder no longer exists): {folder}")
    chats = "could not be read" if report.conversations is None else f"{report.conversations} carried over"
    print(f"saved chats: {chats}")
    return 0


_COMMANDS = {
    "index": _cmd_index,
    "search": _cmd_search,
    "status": _cmd_status,
    "remove": _cmd_remove,
    "forget": _cmd_forget,
    "delete-all": _cmd_delete_all,
    "reembed": _cmd_reembed,
    "watch": _cmd_watch,
    "config": _cmd_config,
    "ask": _cmd_ask,
    "models": _cmd_models,
    "redact": _cmd_redact,
    "repair": _cmd_repair,
}


class _ProgressBar:
    """One line on stderr, redrawn in place on a terminal, every few seconds otherwise."""

    def __init__(self, enabled: bool):
        self.enabled = enabled
        self.tty = sys.stderr.isatty()
        self._last = 0.0
        self._drawn = False

    def update(self, p: Progress) -> None:
        if not self.enabled:
            return
        now = time.monotonic()
        if now - self._last < (0.1 if self.tty else 5.0) and p.phase == "indexing":
            return
        self._last = now
        total = max(p.files_total, 1)
        done = min(p.files_done, total)
        filled = int(30 * done / total)
        eta = f" ETA {p.eta_s:.0f}s" if p.eta_s is not None and p.phase == "indexing" else ""
        name = Path(p.current_file).name[:40] if p.current_file else ""
        line = (
            f"{p.phase:9} [{'#' * filled}{'.' * (30 - filled)}] {done}/{p.files_total} files, "
            f"{p.chunks_done} chunks, {p.chunks_per_s:.1f} chunks/s{eta} {name}"
        )
        if self.tty:
            sys.stderr.write("\r\033[K" + line)
        else:
            sys.stderr.write(line + "\n")
        sys.stderr.flush()
        self._drawn = True

    def finish(self) -> None:
        if self.enabled and self._drawn and self.tty:
            sys.stderr.write("\n")
            sys.stderr.flush()


if __name__ == "__main__":
    sys.exit(main())
