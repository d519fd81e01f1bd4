"""The main window's chats list: listing, opening, renaming, deleting and exporting conversations,
and the collections a chat searches.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog, QInputDialog, QListWidgetItem, QMessageBox

from ...core.engine import conversation_markdown
from ..i18n import tr

CONVERSATION_ROLE = Qt.ItemDataRole.UserRole


class ConversationActions:
    """MainWindow's chats-list methods; they use the window's engine, conversation list and chat
    panel (set up in ``MainWindow.__init__``)."""

    def refresh_conversations(self, select: int | None = None) -> None:
        """Re-list the chats; keeps (or selects) ``select`` without reloading what is on screen."""
        select = select if select is not None else self.conversation_id
        self.conversation_list.blockSignals(True)
        self.conversation_list.clear()
        current = None
        for info in self.engine.conversations.list():
            item = QListWidgetItem(info.title)
            item.setData(CONVERSATION_ROLE, info.id)
            self.conversation_list.addItem(item)
            if info.id == select:
                current = item
        if current is not None:
            self.conversation_list.setCurrentItem(current)
        self.conversation_list.blockSignals(False)
        if current is not None:
            return
        if self.conversation_list.count() and self.conversation_id is None:
            self.conversation_list.setCurrentRow(0)  # at start: open the latest chat
        else:
            self._open_conversation(None)  # no chats yet, or the open one was deleted

    def _conversation_selected(self, item: QListWidgetItem | None, _previous=None) -> None:
        chosen = item.data(CONVERSATION_ROLE) if item else None
        if chosen != self.conversation_id or chosen is None:
            self._open_conversation(chosen)

    def _open_conversation(self, conversation_id: int | None) -> None:
        if self.answers.busy and self.chat.answering:
            return  # finish (or stop) the running answer first
        self.conversation_id = conversation_id
        if conversation_id is None:
            hint = (
                tr("Ask a question about your documents. Answers cite the passages they come from.")
                if self.engine.store.chunk_count()
                else tr("Your library is empty: add a folder of documents on the Library tab (or drop one there), then ask.")
            )
            self.chat.clear(tr("New chat"), hint)
            self.chat.set_collections(self.library.collections, [])
            self.session = None
            return
        info = self.engine.conversations.get(conversation_id)
        turns = self.engine.conversations.turns(conversation_id)
        self.chat.clear(info.title)
        self.chat.set_collections(self.library.collections, list(info.collections))
        for turn in turns:
            self.chat.show_saved(turn.question, turn.result)
        self.session = None  # built (and restored) when the next question is asked

    def new_conversation(self) -> None:
        self.conversation_list.clearSelection()
        self.conversation_list.setCurrentItem(None)
        self._open_conversation(None)

    def rename_conversation(self) -> None:
        if self.conversation_id is None:
            return
        info = self.engine.conversations.get(self.conversation_id)
        title, ok = QInputDialog.getText(self, tr("Rename chat"), tr("Name:"), text=info.title)
        if ok and title.strip():
            self.engine.conversations.rename(self.conversation_id, title)
            self.refresh_conversations()
            self.chat.title_label.setText(title.strip())

    def delete_conversation(self) -> None:
        if self.conversation_id is None:
            return
        answer = QMessageBox.question(self, tr("Delete chat"), tr("Delete this chat and its answers?"))
        if answer == QMessageBox.StandardButton.Yes:
            self.engine.conversations.delete(self.conversation_id)
            self.conversation_id = None
            self.refresh_conversations()

    def export_conversation(self, path: str | None = None) -> str | None:
        if self.conversation_id is None:
            return None
        info = self.engine.conversations.get(self.conversation_id)
        if path is None:
            path, _ = QFileDialog.getSaveFileName(self, tr("Export chat"), f"{info.title}.md", "Markdown (*.md)")
            if not path:
                return None
        text = conversation_markdown(info, self.engine.conversations.turns(self.conversation_id), self.redact if self.engine.settings.redact_personal_data else None)
        Path(path).write_text(text, encoding="utf-8")
        self.statusBar().showMessage(tr("Exported to {path}").format(path=path), 8000)
        return path

    def _scope_changed(self, collections: list[str]) -> None:
        if self.conversation_id is not None:
            self.engine.conversations.set_collections(self.conversation_id, collections)
        self.session = None  # the next question searches the new scope
