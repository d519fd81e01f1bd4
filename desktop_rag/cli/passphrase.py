"""Unlocking an encrypted library from the command line, and the ``encrypt`` / ``decrypt`` commands.

A passphrase never comes from a command-line argument (``ps`` shows those to every user): it is
read from ``$DESKTOP_RAG_PASSPHRASE``, from the file named by ``--passphrase-file`` (its first
line), from the OS keyring when the window remembered it, or typed at a prompt that does not echo. A wrong passphrase typed at the prompt is asked
again (three tries); from the environment or a file it is an error. Nothing is changed either way.
"""

from __future__ import annotations

import getpass
import os
import sys

from ..core.errors import UserError
from ..core.paths import AppPaths

PASSPHRASE_ENV = "DESKTOP_RAG_PASSPHRASE"
NEW_PASSPHRASE_ENV = "DESKTOP_RAG_NEW_PASSPHRASE"
PROMPT_TRIES = 3


def _read_file(path: str) -> str:
    try:
        with open(path, encoding="utf-8") as handle:
            return handle.readline().rstrip("\r\n")
    except OSError as exc:
        raise UserError(f"cannot read the passphrase file {path}: {exc.strerror or exc}") from exc


def _given(args, env: str, file_option: str) -> str | None:
    """A passphrase from the environment or a file, or None when neither is set."""
    path = getattr(args, file_option, None)
    if path:
        return _read_file(path)
    return os.environ.get(env) or None


def _can_prompt() -> bool:
    return sys.stdin is not None and sys.stdin.isatty()


def unlock_key(args, paths: AppPaths):
    """The library key for ``paths`` (None for a plain library), asking for the passphrase."""
    from ..core.engine import WrongPassphrase, is_encrypted, remembered_key, unlock

    if not is_encrypted(paths):
        return None
    given = _given(args, PASSPHRASE_ENV, "passphrase_file")
    if given is not None:
        return unlock(paths, given)
    remembered = remembered_key(paths)  # "remember on this computer" (set in the window)
    if remembered is not None:
        return remembered
    if not _can_prompt():
        raise UserError(
            f"the library is encrypted: give its passphrase in ${PASSPHRASE_ENV} or with --passphrase-file FILE"
        )
    for attempt in range(1, PROMPT_TRIES + 1):
        try:
            return unlock(paths, getpass.getpass("Library passphrase: "))
        except WrongPassphrase as exc:
            if attempt == PROMPT_TRIES:
                raise
            print(f"desktop-rag: {exc}; try again", file=sys.stderr)
    raise AssertionError("unreachable")


def _new_passphrase(args) -> str:
    """The new passphrase: ``$DESKTOP_RAG_NEW_PASSPHRASE``, ``--new-passphrase-file`` or typed twice."""
    from ..core.engine import check_passphrase

    given = _given(args, NEW_PASSPHRASE_ENV, "new_passphrase_file")
    if given is not None:
        return check_passphrase(given)
    if not _can_prompt():
        raise UserError(f"give the new passphrase in ${NEW_PASSPHRASE_ENV} or with --new-passphrase-file FILE")
    first = check_passphrase(getpass.getpass("New passphrase: "))
    if getpass.getpass("Repeat the new passphrase: ") != first:
        raise UserError("the two passphrases differ; nothing was changed")
    return first


def _cmd_encrypt(args, paths: AppPaths) -> int:
    """Encrypt the library under a new passphrase (an encrypted one is re-keyed under it)."""
    from ..core.engine import RagEngine

    key = unlock_key(args, paths)
    passphrase = _new_passphrase(args)
    engine = RagEngine(paths, key=key)
    try:
        engine.set_passphrase(passphrase)
    finally:
        engine.close()
    print("the library is encrypted" + (" under the new passphrase" if key else "") + "; keep the passphrase safe: without it the library cannot be opened")
    return 0


def _cmd_decrypt(args, paths: AppPaths) -> int:
    """Store the library unencrypted again."""
    from ..core.engine import RagEngine

    key = unlock_key(args, paths)
    if key is None:
        print("the library is not encrypted; nothing to do")
        return 0
    engine = RagEngine(paths, key=key)
    try:
        engine.set_passphrase(None)
    finally:
        engine.close()
    print("the library is stored unencrypted now")
    return 0
