"""Exceptions with messages meant for the user (CLI one-liners, dialog text)."""


class UserError(Exception):
    """Bad input or state the user can fix; ``str(exc)`` is shown as is, without a traceback."""


class Cancelled(Exception):
    """Work stopped because the user asked; not an error."""


class ReembedRequired(UserError):
    """The stored vectors were made by another embedding model than the one configured."""
