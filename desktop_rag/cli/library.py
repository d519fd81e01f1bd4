"""Commands on the library: index, status, remove, forget, delete-all, reembed, watch, repair."""

from __future__ import annotations

import json
import threading
from pathlib import Path

from ..core.errors import UserError
from ..core.paths import AppPaths
from .common import _engine, _ProgressBar
from .ocr import apply_ocr_flags


def _cmd_index(args, paths: AppPaths) -> int:
    folder = Path(args.folder).expanduser()
    if not folder.is_dir():
        raise UserError(f"not a folder: {args.folder}")
    engine = _engine(paths, args)
    bar = _ProgressBar(enabled=not args.quiet)
    try:
        apply_ocr_flags(engine, args)
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
    if report.chunks_reembedded:
        print(f"library upgraded to the new build of the embedding model: {report.chunks_reembedded} chunks re-embedded")
    for error in report.errors:
        print(f"  error: {error.path}: {error.reason}")
    for warning in report.warnings:
        print(f"  warning: {warning.path}: {warning.reason}")
    return 0


def _cmd_status(args, paths: AppPaths) -> int:
    engine = _engine(paths, args)
    try:
        info = engine.status()
    finally:
        engine.close()
    if args.json:
        print(json.dumps(info, ensure_ascii=False, indent=2))
        return 0
    model = info["embedding_model"]
    print(f"library: {info['data_dir']}" + (" (encrypted)" if info["encrypted"] else ""))
    print(f"embedding model: {model['name']} ({model['configured']})")
    if model["upgrade_pending"]:
        print(f"  ! stored vectors are from an earlier build ({model['stored']}): the next 'desktop-rag index' "
              "re-embeds the library once (or run 'desktop-rag reembed'); until then search uses keywords only")
    elif model["reembed_needed"]:
        print(f"  ! stored vectors are from {model['stored']}: run 'desktop-rag reembed'")
    ocr = info["ocr"]
    print(f"text recognition (OCR): {'on' if ocr['enabled'] else 'off'} ({', '.join(ocr['languages'])})")
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
    engine = _engine(paths, args)
    try:
        removed = engine.remove_folder(args.folder)
    finally:
        engine.close()
    print(f"removed {args.folder} ({removed} chunks); files on disk are untouched")
    return 0


def _cmd_forget(args, paths: AppPaths) -> int:
    engine = _engine(paths, args)
    try:
        removed = engine.forget_collection(args.collection)
    finally:
        engine.close()
    print(f"forgot collection '{args.collection}' ({removed} chunks); files on disk are untouched")
    return 0


def _cmd_delete_all(args, paths: AppPaths) -> int:
    if not args.yes:
        raise UserError(f"this deletes the library, chats, settings and logs in {paths.root}; add --yes to do it")
    from ..core.logs import close_logging

    close_logging()
    removed = paths.delete_all()
    print(f"deleted all local data in {paths.root} ({len(removed)} items)")
    return 0


def _cmd_reembed(args, paths: AppPaths) -> int:
    engine = _engine(paths, args)
    bar = _ProgressBar(enabled=True)
    try:
        count = engine.reembed(progress=bar.update)
    finally:
        bar.finish()
        engine.close()
    print(f"re-embedded {count} distinct chunks with {engine.embedder.name}")
    return 0


def _cmd_watch(args, paths: AppPaths) -> int:
    engine = _engine(paths, args)
    engine.on_background_report = lambda r: print(
        f"re-indexed: {r.files_indexed} changed, {r.files_deleted} deleted, {r.files_moved} moved, {len(r.errors)} errors",
        flush=True,
    )
    try:
        apply_ocr_flags(engine, args)
        report = engine.index_folder(args.folder, args.collection)
        print(f"indexed {report.files_indexed} files; watching {args.folder} (Ctrl-C stops)", flush=True)
        engine.watch(args.folder, args.collection)
        threading.Event().wait()
    finally:
        engine.close()
    return 0


def _cmd_repair(args, paths: AppPaths) -> int:
    from ..core.repair import repair_library

    bar = _ProgressBar(enabled=True)
    try:
        from .passphrase import unlock_key

        report = repair_library(paths, force=args.force, progress=bar.update, key=unlock_key(args, paths))
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
