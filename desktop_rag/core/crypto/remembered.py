""""Remember on this computer": the library key kept in the operating system's keyring (Secret
Service on Linux, Keychain on macOS, Credential Manager on Windows) through the ``keyring`` package.

The trade-off, as the window explains it: whoever can use this computer account can then open the
library without the passphrase; a copied disk or backup still cannot (the keyring is locked by the
login). Where no keyring is available (a headless machine, no Secret Service) the option is not offered.
Every keyring failure is treated as "nothing remembered": the passphrase is asked instead.
"""

from __future__ import annotations

import logging

from .keys import LibraryKey

log = logging.getLogger(__name__)

SERVICE = "desktop-rag library key"


def _backend():
    """The OS keyring backend, or None when there is none that keeps secrets safely."""
    try:
        import keyring
        from keyring.backends import fail
    except ImportError:
        return None
    try:
        backend = keyring.get_keyring()
    except Exception:  # noqa: BLE001 - a broken keyring set-up is "no keyring"
        return None
    if isinstance(backend, fail.Keyring) or getattr(backend, "priority", 0) <= 0:
        return None
    return backend


def keyring_available() -> bool:
    """Whether this computer has a keyring the key can be remembered in."""
    return _backend() is not None


def remember(account: str, key: LibraryKey) -> bool:
    """Keep ``key`` in the keyring under ``account`` (the library's folder); False when it could not."""
    backend = _backend()
    if backend is None:
        return False
    try:
        backend.set_password(SERVICE, account, key.export_hex())
        return True
    except Exception as exc:  # noqa: BLE001
        log.warning("the keyring refused to keep the library key (%s)", type(exc).__name__)
        return False


def recall(account: str) -> LibraryKey | None:
    """The key remembered for ``account``, or None."""
    backend = _backend()
    if backend is None:
        return None
    try:
        value = backend.get_password(SERVICE, account)
        return None if not value else LibraryKey(bytes.fromhex(value))
    except Exception as exc:  # noqa: BLE001 - unreadable or locked keyring: ask for the passphrase
        log.warning("the keyring could not be read (%s)", type(exc).__name__)
        return None


def forget(account: str) -> None:
    """Remove the key remembered for ``account`` (nothing when there is none)."""
    backend = _backend()
    if backend is None:
        return
    try:
        if backend.get_password(SERVICE, account) is not None:
            backend.delete_password(SERVICE, account)
    except Exception as exc:  # noqa: BLE001
        log.warning("the keyring could not forget the library key (%s)", type(exc).__name__)
