"""Exceptions with messages meant for the user (CLI one-liners, dialog text)."""


class UserError(Exception):
    """Bad input or state the user can fix; ``str(exc)`` is shown as is, without a traceback."""


class Cancelled(Exception):
    """Work stopped because the user asked; not an error."""


class ReembedRequired(UserError):
    """The stored vectors were made by another embedding model than the one configured."""


class LibraryError(UserError):
    """The library database cannot be used as it is; ``desktop-rag repair`` (or the app's Repair) is the way out.

    Catch this around ``RagEngine(...)`` to offer the repair instead of failing.
    """

    def __init__(self, message: str, path: object = None):
        super().__init__(message)
        self.path = path


class LibraryCorrupt(LibraryError):
    """The library database is damaged (not SQLite, truncated, or failing SQLite's own checks)."""


class LibraryTooNew(LibraryError):
    """The library database was written by a newer desktop-rag with a schema this version does not know."""
