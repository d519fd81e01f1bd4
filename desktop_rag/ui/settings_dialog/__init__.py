"""The settings dialog: answering, documents, privacy and language, and the data folder.

It edits a copy of the settings. OK checks them with ``Settings.validate()`` (the problem is
shown in the dialog, which stays open), saves them to the settings file and emits
``settings_changed(settings, needs_reindex, needs_reembed)``; applying them (a new embedder,
re-indexing, the UI language) is the main window's work, as is deleting the data folder
after ``delete_all_requested``.

Modules: ``dialog`` (the dialog: values, checks, saving, the data folder actions), ``groups`` (its
answers, documents, privacy and data sections), ``model_choice`` (filling and picking the language
and embedding models) and ``widgets`` (the GPU-layers spin box and small helpers).
"""

from .dialog import SettingsDialog
from .widgets import GpuLayersSpinBox

__all__ = ["GpuLayersSpinBox", "SettingsDialog"]
