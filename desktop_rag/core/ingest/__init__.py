"""Ingest: the user's files to page texts and passages.

Owns walking folders (scanner), one loader per format (loaders/), cutting pages into token-bounded
passages (chunking), reading untrusted files in a killable worker process (isolation) and
watching folders for changes (watcher).

May import: the core's top-level modules only (types, errors, paths, config). Knows nothing of
models, the index, search or answering.
"""
