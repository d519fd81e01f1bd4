"""The language models on this computer: list, choose, import, and a first-run screen.

Finding models walks several folders and reads each file's header, so it runs on a worker
thread (``ModelScanner``); the dialog opens at once and fills its table when the scan ends.
Importing never copies a model (they are gigabytes): the file's folder is added to the
folders searched for models (``Settings.model_folders``).

Modules: ``discovery`` (finding models and reading their headers off the UI thread), ``actions``
(the import / add-folder / open-folder flows on the settings), ``manager`` (the models list dialog)
and ``first_run`` (the screen shown while there is no model).
"""

from .actions import ModelLibrary
from .discovery import ModelRow, ModelScanner, default_model_path, first_model_in, same_file, scan_models
from .first_run import FirstRunPanel
from .manager import ModelManager, source_label

__all__ = [
    "FirstRunPanel",
    "ModelLibrary",
    "ModelManager",
    "ModelRow",
    "ModelScanner",
    "default_model_path",
    "first_model_in",
    "same_file",
    "scan_models",
    "source_label",
]
