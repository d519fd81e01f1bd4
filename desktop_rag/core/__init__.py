"""The Qt-free core of desktop-rag, laid out as its data flow::

    ingest/   files → page texts → passages     (scanner, loaders, chunking, isolation, watcher)
    models/   weights: embedders, the LLM, GGUF files, model discovery, machine facts
    index/    the library: SQLite store, vector and keyword indexes, the indexer
    search/   a question → ranked passages      (retriever, fusion, feedback)
    answer/   passages → a grounded, cited answer; saved chats and their export
    privacy/  personal-data detection and masking (a leaf)

    engine.py  the one facade the window and the CLI talk to (with repair.py, its recovery path)
    types.py errors.py paths.py config.py logs.py   shared by all of the above

Imports point one way only (tests/core/test_architecture.py checks it): ingest and models know
nothing of the stages after them; index builds on ingest and models; search and answer build on
index and models; only the engine sees everything. Nothing here imports Qt.
"""
