"""Saved conversations as documents to keep or share (Markdown, UTF-8)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime

from ..types import source_place
from .results import ConversationInfo, SavedTurn

EXCERPT_CHARS = 300


def conversation_markdown(
    info: ConversationInfo,
    turns: Sequence[SavedTurn],
    redact: Callable[[str], str] | None = None,
) -> str:
    """The conversation as Markdown: each question, its answer with its [n] markers, and the
    numbered passages it was given (file, page, excerpt, absolute path), cited ones marked.

    ``redact`` (the personal-data filter) is applied to every text that came from the
    documents, the model or the chat: title, questions, answers and passages (not to paths).
    """
    clean = redact or _same
    lines = [f"# {_one_line(clean(info.title))}", ""]
    lines.append(f"Started {_when(info.created)}, last updated {_when(info.updated)}  ")
    lines.append("Collections: " + (", ".join(info.collections) if info.collections else "all"))

    known: dict[int, dict] = {}  # every source so far, by its number in the conversation
    for turn in turns:
        result = turn.result or {}
        lines += ["", f"## Q: {_one_line(clean(turn.question))}", ""]
        answer = (turn.answer or result.get("answer") or "").strip()
        lines.append(clean(answer) if answer else "*(stopped before the first word of the answer)*")
        notes = []
        if result.get("abstained"):
            reason = result.get("abstain_reason") or "no answer in the sources"
            notes.append(f"*Not answered from the documents: {reason}.*")
        elif result.get("cancelled"):
            notes.append("*The answer was stopped before it was complete.*")
        elif answer and not result.get("citations"):
            notes.append("*The answer cites no source: check it against the passages.*")
        if notes:
            lines += ["", *notes]

        cited = {c["n"] for c in result.get("citations") or () if c.get("n") is not None}
        listed = []
        for source in result.get("sources") or ():
            n = source.get("n")
            if n is None:
                continue
            if n not in known or n in cited:  # shown first with this turn, or cited again
                listed.append(source)
            known[n] = source
        for n in sorted(cited - {s["n"] for s in listed}):
            if n in known:
                listed.append(known[n])
        unknown = list(result.get("unknown_citations") or ())
        if listed or unknown:
            lines += ["", "**Sources**", ""]
            for source in sorted(listed, key=lambda s: s["n"]):
                lines.append(_source_line(source, source["n"] in cited, clean))
            for n in unknown:
                lines.append(f"- [{n}] not a source: the answer cites a number no passage has")
    return "\n".join(lines).rstrip() + "\n"


def _source_line(source: dict, cited: bool, clean: Callable[[str], str]) -> str:
    path = source.get("path") or ""
    label = source_place(source) if path else "unknown file"
    excerpt = _excerpt(clean(source.get("text") or ""))
    mark = " *(cited)*" if cited else ""
    line = f'- [{source["n"]}] {label} — "{excerpt}"{mark}'
    return f"{line}\\\n  `{path}`" if path else line


def _excerpt(text: str, limit: int = EXCERPT_CHARS) -> str:
    flat = _one_line(text)
    if len(flat) <= limit:
        return flat
    cut = flat.rfind(" ", 0, limit + 1)
    return (flat[:cut] if cut >= limit // 2 else flat[:limit]).rstrip() + "…"


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _when(timestamp: float) -> str:
    return datetime.fromtimestamp(timestamp).strftime("%Y-%m-%d %H:%M")


def _same(text: str) -> str:
    return text
