"""``python -m desktop_rag.cli``: the same as the ``desktop-rag`` command."""

import sys

from .main import main

if __name__ == "__main__":
    sys.exit(main())
