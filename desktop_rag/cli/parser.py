"""The command line's arguments: every subcommand and its options."""

from __future__ import annotations

import argparse


class _Parser(argparse.ArgumentParser):
    """argparse that reports bad usage in one line, exit code 2."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(2, f"{self.prog}: error: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="desktop-rag", description="Private, on-device search and chat over your documents.")
    parser.add_argument("--data-dir", help="where the library lives (default: the user data folder; env DESKTOP_RAG_DATA_DIR)")
    parser.add_argument(
        "--passphrase-file",
        help="an encrypted library's passphrase: the first line of this file (or env DESKTOP_RAG_PASSPHRASE; "
        "otherwise it is asked for)",
    )
    sub = parser.add_subparsers(dest="command", parser_class=_Parser)

    p = sub.add_parser("index", help="index a folder (only changes are re-indexed)")
    p.add_argument("folder")
    p.add_argument("--collection", default="default")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    _ocr_flags(p)

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
    p.add_argument("--document", action="append", default=[], help="retrieve only from this indexed file (repeatable)")

    p = sub.add_parser("summarize", aliases=["summarise"], help="summarise one indexed file, or answer a question from all of it")
    p.add_argument("file")
    p.add_argument("--question", help="answer this from the whole file instead of summarising it")
    p.add_argument("--model", help="GGUF file path or a name from `desktop-rag models` (default: the setting)")
    p.add_argument("--json", action="store_true", help="one JSON object (AnswerResult) instead of text")

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
    _ocr_flags(p)

    p = sub.add_parser("ocr", help="text recognition of scanned pages and images: languages, model import")
    ocr = p.add_subparsers(dest="ocr_command", parser_class=_Parser, required=True)
    ocr.add_parser("status", help="whether OCR is on, its languages and the installed models")
    q = ocr.add_parser("import", help="import a Tesseract model file (kor.traineddata) and turn its language on")
    q.add_argument("file")

    p = sub.add_parser(
        "encrypt",
        help="encrypt the library with a passphrase, or change the passphrase (the new one is typed twice, "
        "or read from --new-passphrase-file / env DESKTOP_RAG_NEW_PASSPHRASE)",
    )
    p.add_argument("--new-passphrase-file", help="the new passphrase: the first line of this file")
    sub.add_parser("decrypt", help="store the library unencrypted again (asks for the passphrase)")

    p = sub.add_parser("config", help="show or change settings")
    p.add_argument("key", nargs="?")
    p.add_argument("value", nargs="?")

    p = sub.add_parser("redact", help="print a text file (or standard input) with personal data masked")
    p.add_argument("file", nargs="?", default="-", help="text file; - or nothing reads standard input")
    return parser


def _ocr_flags(p: argparse.ArgumentParser) -> None:
    """The Settings switch and language choice of text recognition, for one run."""
    p.add_argument(
        "--ocr", action=argparse.BooleanOptionalAction, default=None,
        help="recognise text in scanned pages and images (default: the ocr_enabled setting, on)",
    )
    p.add_argument("--ocr-languages", help="OCR languages, comma-separated: eng, kor (default: the ocr_languages setting)")
