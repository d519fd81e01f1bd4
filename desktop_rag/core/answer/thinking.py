"""Reasoning models write ``<think>…</think>`` before their answer (Qwen 3, DeepSeek-R1 distills).
That text is kept apart: shown collapsed if the user asks, never part of the answer, never cited."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..models.chat_format import THINK_CLOSE, THINK_OPEN


@dataclass
class ThinkFilter:
    """Splits streamed text into answer and reasoning; a tag cut across pieces is held back."""

    thinking: bool = False  # True when the prompt already opened the <think> block
    reasoning: list[str] = field(default_factory=list)
    _pending: str = ""

    def feed(self, piece: str) -> str:
        """The answer text in ``piece`` (reasoning is collected in ``reasoning``)."""
        self._pending += piece
        out: list[str] = []
        while self._pending:
            tag = THINK_CLOSE if self.thinking else THINK_OPEN
            at = self._pending.find(tag)
            if at >= 0:
                self._emit(self._pending[:at], out)
                self._pending = self._pending[at + len(tag) :]
                self.thinking = not self.thinking
                continue
            keep = next((n for n in range(min(len(tag) - 1, len(self._pending)), 0, -1) if self._pending.endswith(tag[:n])), 0)
            self._emit(self._pending[: len(self._pending) - keep], out)
            self._pending = self._pending[len(self._pending) - keep :]
            break
        return "".join(out)

    def flush(self) -> str:
        rest, self._pending = self._pending, ""
        out: list[str] = []
        self._emit(rest, out)
        return "".join(out)

    def _emit(self, text: str, out: list[str]) -> None:
        if not text:
            return
        (self.reasoning if self.thinking else out).append(text)

    @property
    def reasoning_text(self) -> str:
        return "".join(self.reasoning).strip()
