"""Commands that use a language model: ``ask`` (a streamed, cited answer) and ``models`` (the
GGUF models found on this computer).
"""

from __future__ import annotations

import json
import sys

from ..core.errors import UserError
from ..core.paths import AppPaths
from .common import _engine, _identity, _shown


def _cmd_ask(args, paths: AppPaths) -> int:
    if not args.question.strip():
        raise UserError("the question is empty")
    engine = _engine(paths, args)
    try:
        if args.max_tokens is not None:
            engine.settings.max_answer_tokens = args.max_tokens
        if args.temperature is not None:
            engine.settings.temperature = args.temperature
        engine.settings.validate()
        model = engine.load_model(args.model)
        if not args.json:
            print(f"model: {model.info.describe()}\n{model.device.description}", file=sys.stderr)
        session = engine.chat(model, args.collection, [*args.folder, *args.document])
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


def _cmd_summarize(args, paths: AppPaths) -> int:
    from pathlib import Path

    engine = _engine(paths)
    try:
        path = str(Path(args.file).expanduser().resolve())
        model = engine.load_model(args.model)
        session = engine.chat(model)

        def progress(p) -> None:
            if not args.json:
                print(f"\r{p.phase}: part {p.parts_done} of {p.parts_total}", end="", file=sys.stderr, flush=True)

        try:
            result = session.ask_document(path, args.question, progress)
        except KeyboardInterrupt:
            raise UserError("stopped") from None
        shown = _shown(paths)
        if result.abstain_reason == "document not indexed":
            raise UserError(f"{path} is not in the library; index its folder first")
        if args.json:
            print(json.dumps(result.to_json(shown), ensure_ascii=False))
            return 0
        print("\n" + shown(result.answer))
        _print_answer_notes(result, shown)
    finally:
        engine.close()
    return 0


def _print_answer_notes(result, shown) -> None:
    for warning in result.warnings:
        print(f"\nwarning: {warning}")
    if result.unknown_citations:
        marks = ", ".join(f"[{n}]" for n in result.unknown_citations)
        print(f"\nwarning: {marks} in the answer point to no source; do not rely on them")
    if result.uncited:
        print("\nwarning: the answer cites no source; check it against the passages below")
    if result.support is not None:
        for sentence in result.support.flagged:
            said = shown(" ".join(sentence.text.split()))
            if sentence.corrected is not None:
                print(f"\ncheck: the cited source does not say this; [{sentence.corrected}] does: {said}")
            else:
                print(f"\ncheck: not found in the sources: {said}")
    if result.omitted_sources:
        print(f"\nnote: {result.omitted_sources} retrieved passages did not fit in the model's context")
    if result.sources:
        print("\nSources:")
        cited = {c.n for c in result.citations}
        for source in result.sources:
            mark = "*" if source.n in cited else " "
            print(f"{mark}[{source.n}] {source.hit.where}\n      {shown(source.hit.snippet)}")
    stats = result.stats
    if stats and stats.generated_tokens:
        print(
            f"\n({result.ttft_s:.2f} s to first token, {stats.tokens_per_s:.1f} tokens/s, "
            f"{stats.prompt_tokens} prompt tokens, {stats.cached_tokens} from cache)",
            file=sys.stderr,
        )


def _cmd_models(args, paths: AppPaths) -> int:
    engine = _engine(paths, args)
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
