"""The desktop window: conversations, the library, chat with cited answers, the source viewer.

The window only talks to the engine (core.engine.RagEngine) and runs everything long on the
workers in workers.py; it never re-implements core logic.

Modules: ``window`` (the main window: layout, menus, wiring, dialogs, shutdown), ``library_actions``
(folders and indexing progress), ``conversations`` (the chats list), ``answering`` (asking, answers
and the model) and ``startup`` (opening the library, repair, running the app).
"""

from .startup import EXIT_AFTER_SHOW_ENV, build_window, open_engine_or_repair, run_app
from .window import MainWindow

__all__ = ["EXIT_AFTER_SHOW_ENV", "MainWindow", "build_window", "open_engine_or_repair", "run_app"]
