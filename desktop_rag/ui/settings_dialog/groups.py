"""The settings dialog's sections: answers (language model, GPU layers, context, temperature,
passages), documents (chunking, embedding model), privacy and language, and the data folder.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLineEdit,
    QPushButton,
    QSpinBox,
)

from ...core.config import ENGLISH_MINILM, MULTILINGUAL_E5
from ...core.paths import DATA_DIR_ENV
from ..i18n import tr
from .widgets import _WARNING_STYLE, GpuLayersSpinBox, _hint


class SettingsGroups:
    """SettingsDialog's section builders; each makes its widgets attributes of the dialog."""

    def _answers_group(self) -> QGroupBox:
        group = QGroupBox(tr("Answers"))
        form = QFormLayout(group)
        self.model_combo = QComboBox()
        self.model_combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.model_combo.setMinimumContentsLength(28)
        self.browse_model_button = QPushButton(tr("Browse…"))
        self.browse_model_button.clicked.connect(self.browse_model)
        row = QHBoxLayout()
        row.addWidget(self.model_combo, 1)
        row.addWidget(self.browse_model_button)
        form.addRow(tr("Language model:"), row)

        self.gpu_layers_spin = GpuLayersSpinBox()
        self.gpu_layers_spin.setToolTip(
            tr(
                "How many layers of the model run on the graphics card. Auto puts all of them there when "
                "one can be used; CPU only uses the processor alone."
            )
        )
        form.addRow(tr("GPU layers:"), self.gpu_layers_spin)

        self.context_spin = QSpinBox()
        self.context_spin.setRange(512, 1_048_576)
        self.context_spin.setSingleStep(1024)
        self.context_spin.setSuffix(tr(" tokens"))
        self.context_spin.setGroupSeparatorShown(True)
        self.context_spin.setToolTip(
            tr(
                "How much text the model reads at once: the question, the passages and the answer. Larger "
                "needs more memory; it is capped by what the model was trained for."
            )
        )
        form.addRow(tr("Context size:"), self.context_spin)

        self.temperature_spin = QDoubleSpinBox()
        self.temperature_spin.setRange(0.0, 2.0)
        self.temperature_spin.setSingleStep(0.1)
        self.temperature_spin.setDecimals(2)
        self.temperature_spin.setToolTip(
            tr("0 gives the same, most likely answer every time; higher values give more varied wording.")
        )
        form.addRow(tr("Temperature:"), self.temperature_spin)

        self.sources_spin = QSpinBox()
        self.sources_spin.setRange(1, 50)
        self.sources_spin.setToolTip(tr("How many passages from your documents the model reads for each question."))
        form.addRow(tr("Passages per question:"), self.sources_spin)

        self.check_support_check = QCheckBox(tr("Check every sentence against its sources"))
        self.check_support_check.setToolTip(
            tr("Marks sentences that no source supports and citations that point to the wrong passage (takes milliseconds).")
        )
        form.addRow("", self.check_support_check)
        return group

    def _documents_group(self) -> QGroupBox:
        group = QGroupBox(tr("Documents"))
        form = QFormLayout(group)
        self.chunk_spin = QSpinBox()
        self.chunk_spin.setRange(16, 8192)
        self.chunk_spin.setSingleStep(32)
        self.chunk_spin.setSuffix(tr(" tokens"))
        self.chunk_spin.setToolTip(
            tr(
                "Documents are cut into passages of about this many tokens (words or parts of words). "
                "Smaller passages point to sources more precisely; larger ones keep more context together."
            )
        )
        form.addRow(tr("Chunk size:"), self.chunk_spin)
        self.overlap_spin = QSpinBox()
        self.overlap_spin.setRange(0, 4096)
        self.overlap_spin.setSingleStep(8)
        self.overlap_spin.setSuffix(tr(" tokens"))
        self.overlap_spin.setToolTip(
            tr("Text repeated at the start of the next passage, so no sentence is cut off from its context.")
        )
        form.addRow(tr("Overlap:"), self.overlap_spin)
        self.chunk_warning = _hint(tr("Changing chunk size re-indexes every folder."))
        self.chunk_warning.setStyleSheet(_WARNING_STYLE)
        form.addRow(self.chunk_warning)

        self.embedding_combo = QComboBox()
        self.embedding_combo.addItem(tr("Built-in multilingual (Korean, English and more)"), MULTILINGUAL_E5)
        self.embedding_combo.addItem(tr("Built-in English"), ENGLISH_MINILM)
        self.embedding_combo.setItemData(0, "multilingual-e5-small", Qt.ItemDataRole.ToolTipRole)
        self.embedding_combo.setItemData(1, "all-MiniLM-L6-v2", Qt.ItemDataRole.ToolTipRole)
        self.embedding_folder_button = QPushButton(tr("Choose folder…"))
        self.embedding_folder_button.setToolTip(tr("A sentence-transformers model folder on this computer."))
        self.embedding_folder_button.clicked.connect(self.choose_embedding_folder)
        row = QHBoxLayout()
        row.addWidget(self.embedding_combo, 1)
        row.addWidget(self.embedding_folder_button)
        form.addRow(tr("Embedding model:"), row)
        self.embedding_warning = _hint(
            tr(
                "Another embedding model means every passage must be embedded again (re-embed). "
                "This can take a while; until then search uses keywords only."
            )
        )
        self.embedding_warning.setStyleSheet(_WARNING_STYLE)
        form.addRow(self.embedding_warning)
        return group

    def _privacy_group(self) -> QGroupBox:
        group = QGroupBox(tr("Privacy and language"))
        form = QFormLayout(group)
        self.redact_check = QCheckBox(tr("Hide personal data"))
        explanation = tr(
            "E-mail addresses, phone numbers, resident registration and card numbers are masked in answers, "
            "shown passages, exports and logs."
        )
        self.redact_check.setToolTip(explanation)
        form.addRow(self.redact_check)
        form.addRow(_hint(explanation))
        self.language_combo = QComboBox()
        self.language_combo.addItem(tr("System"), "auto")
        self.language_combo.addItem("English", "en")
        self.language_combo.addItem("한국어", "ko")
        form.addRow(tr("Interface language:"), self.language_combo)
        self.theme_combo = QComboBox()
        self.theme_combo.addItem(tr("System"), "auto")
        self.theme_combo.addItem(tr("Light"), "light")
        self.theme_combo.addItem(tr("Dark"), "dark")
        form.addRow(tr("Appearance:"), self.theme_combo)
        return group

    def _data_group(self) -> QGroupBox:
        group = QGroupBox(tr("Data"))
        form = QFormLayout(group)
        self.data_dir_edit = QLineEdit(str(self.paths.root))
        self.data_dir_edit.setReadOnly(True)
        tip = tr(
            "Where the index, settings and logs are kept. To use another folder, start desktop-rag with "
            "--data-dir FOLDER or set the {variable} environment variable."
        ).format(variable=DATA_DIR_ENV)
        self.data_dir_edit.setToolTip(tip)
        self.open_data_dir_button = QPushButton(tr("Open"))
        self.open_data_dir_button.setToolTip(tip)
        self.open_data_dir_button.clicked.connect(self.open_data_folder)
        row = QHBoxLayout()
        row.addWidget(self.data_dir_edit, 1)
        row.addWidget(self.open_data_dir_button)
        form.addRow(tr("Data folder:"), row)
        self.delete_all_button = QPushButton(tr("Delete all local data…"))
        self.delete_all_button.clicked.connect(self.request_delete_all)
        delete_row = QHBoxLayout()
        delete_row.addWidget(self.delete_all_button)
        delete_row.addStretch(1)
        form.addRow(delete_row)
        return group
