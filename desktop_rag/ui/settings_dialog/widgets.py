"""Small pieces of the settings dialog: the GPU-layers spin box ("Auto", "CPU only" or a count),
hint labels and the dialog's colours.
"""

from __future__ import annotations

from PySide6.QtGui import QValidator
from PySide6.QtWidgets import QLabel, QSpinBox, QWidget

from ..i18n import tr

_WARNING_STYLE = "color: #8a5a00;"
_ERROR_STYLE = "color: #b00020;"


class GpuLayersSpinBox(QSpinBox):
    """-1 shows as "Auto" (every layer on the GPU when there is one), 0 as "CPU only", else a count."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setRange(-1, 999)
        self.setSpecialValueText(tr("Auto"))

    def _names(self) -> dict[int, tuple[str, ...]]:
        return {-1: (tr("Auto"), "auto"), 0: (tr("CPU only"), "cpu only", "cpu")}

    def textFromValue(self, value: int) -> str:  # noqa: N802 - Qt override
        names = self._names().get(value)
        return names[0] if names else str(value)

    def valueFromText(self, text: str) -> int:  # noqa: N802 - Qt override
        wanted = text.strip().lower()
        for value, names in self._names().items():
            if wanted in (n.lower() for n in names):
                return value
        try:
            return int(wanted)
        except ValueError:
            return self.value()

    def validate(self, text: str, pos: int) -> tuple[QValidator.State, str, int]:
        wanted = text.strip().lower()
        names = [n.lower() for group in self._names().values() for n in group]
        if wanted in names:
            return QValidator.State.Acceptable, text, pos
        if wanted in ("", "-") or any(n.startswith(wanted) for n in names):
            return QValidator.State.Intermediate, text, pos
        try:
            number = int(wanted)
        except ValueError:
            return QValidator.State.Invalid, text, pos
        if self.minimum() <= number <= self.maximum():
            return QValidator.State.Acceptable, text, pos
        return QValidator.State.Invalid, text, pos


def _hint(text: str) -> QLabel:
    label = QLabel(text)
    label.setWordWrap(True)
    return label
