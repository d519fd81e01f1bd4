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

Modules: ``main`` (dispatch and error handling), ``parser`` (the arguments), ``common`` (the engine,
the personal-data filter for output, the progress bar), one module per command group: ``library``
(index, status, remove, forget, delete-all, reembed, watch, repair), ``search``, ``answers`` (ask,
models) and ``settings`` (config, redact). Importing this package loads neither Qt nor a model.
"""

from .main import main
from .parser import build_parser

__all__ = ["build_parser", "main"]
