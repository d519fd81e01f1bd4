"""The ``desktop-rag`` entry point: no subcommand opens the window; a subcommand runs headless,
its errors reported in one line (a traceback only in the log).
"""

from __future__ import annotations

import logging
import os
import sys

from ..core.errors import UserError
from ..core.logs import setup_logging
from ..core.paths import resolve_paths
from .answers import _cmd_ask, _cmd_models, _cmd_summarize
from .common import _redaction_on
from .library import (
    _cmd_delete_all,
    _cmd_forget,
    _cmd_index,
    _cmd_reembed,
    _cmd_remove,
    _cmd_repair,
    _cmd_status,
    _cmd_watch,
)
from .ocr import _cmd_ocr
from .parser import build_parser
from .passphrase import _cmd_decrypt, _cmd_encrypt
from .search import _cmd_search
from .settings import _cmd_config, _cmd_redact

log = logging.getLogger(__name__)


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command is None:
        # Before PySide6's GUI libraries load: a missing system library gets a message, not a core dump.
        from ..ui.platform_check import ensure_display_plugin

        if (code := ensure_display_plugin()) != 0:
            return code
        from ..ui.app import run_app

        return run_app(args.data_dir)
    paths = resolve_paths(args.data_dir).ensure()
    log_file = setup_logging(paths.logs_dir, redact=_redaction_on(paths), private=paths.lock_file.exists())
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
    "summarize": _cmd_summarize,
    "summarise": _cmd_summarize,
    "models": _cmd_models,
    "redact": _cmd_redact,
    "repair": _cmd_repair,
    "encrypt": _cmd_encrypt,
    "decrypt": _cmd_decrypt,
    "ocr": _cmd_ocr,
}
