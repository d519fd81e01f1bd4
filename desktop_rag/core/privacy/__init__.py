"""Personal data: finding and masking e-mail addresses, phone numbers, Korean resident registration
numbers, card numbers and the like in what is shown, exported and logged.

A leaf: imports nothing else of the core, so logging (a top-level module) can use it.
"""

from .pii import RedactingFilter, redact

__all__ = ["RedactingFilter", "redact"]
