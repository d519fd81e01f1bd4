"""``python -m desktop_rag``: the same as the ``desktop-rag`` command."""

import sys

from .cli import main

sys.exit(main())
