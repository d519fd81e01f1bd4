"""Entry point of the packaged app: both executables run this (see desktop_rag.spec).

``desktop-rag`` (windowed) and ``desktop-rag-cli`` (console) are the same program: with no
subcommand it opens the window, with one it runs headless, as the ``desktop-rag`` command does.
"""

import multiprocessing
import os
import sys

if __name__ == "__main__":
    # Files are read in a spawned worker process (core/ingest/isolation.py): in a frozen app that
    # worker is this executable started again, and freeze_support() turns it into the worker.
    multiprocessing.freeze_support()
    # A windowed build on Windows has no console: give print() and progress bars somewhere to go.
    if sys.stdout is None:
        sys.stdout = open(os.devnull, "w")  # noqa: SIM115
    if sys.stderr is None:
        sys.stderr = open(os.devnull, "w")  # noqa: SIM115
    # Old macOS versions pass a process serial number when the app is opened from Finder.
    sys.argv = [a for a in sys.argv if not a.startswith("-psn_")]

    from desktop_rag.cli import main

    sys.exit(main())
