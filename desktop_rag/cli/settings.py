"""Commands on settings and text: ``config`` (show or change a setting) and ``redact`` (the
personal-data filter on a file or standard input).
"""

from __future__ import annotations

import os
import sys
from dataclasses import asdict, fields
from pathlib import Path

from ..core.config import Settings
from ..core.errors import UserError
from ..core.paths import AppPaths


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
    from ..core.engine import LoadError, decode_text
    from ..core.privacy import redact

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
