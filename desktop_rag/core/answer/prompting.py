"""RAG prompts: numbered sources, the conversation so far, fitted into the model's context.

Layout (the same for every turn, so a follow-up's prompt starts with the previous prompt's
tokens and llama.cpp reuses its KV cache for them)::

    system:    instructions (answer only from the sources, cite [n], refuse otherwise)
    user:      Sources [1] [2] ...   Question 1
    assistant: answer 1
    user:      Sources [3] ... (only those not shown yet)   Question 2

Source numbers belong to the conversation: [1] means the same passage in every turn.
With a GGUF chat template the messages are rendered by it; without one (base models) a plain
completion layout is used. Control tokens are parsed only in the template's own text, never
in document text or questions, so a document cannot inject ``<end_of_turn>``; and a passage line
that mimics the layout itself (a "[2] other.pdf" source header, "Question:"/"Answer:" lines) is
quoted, so a document cannot forge a source or a turn either (tests/core/test_prompt_injection.py).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

from ..models.chat_format import ChatFormat
from ..types import Hit

REFUSAL = {
    "en": "The documents don't contain an answer to this question.",
    "ko": "문서에 이 질문에 대한 답이 없습니다.",
}
_HANGUL = re.compile(r"[\uac00-\ud7a3\u3131-\u318e]")
_LETTER = re.compile(r"[^\W\d_]")


def question_language(text: str) -> str:
    """"ko" when the question is mostly Korean, else "en" (used for refusals and instructions)."""
    letters = len(_LETTER.findall(text))
    return "ko" if letters and len(_HANGUL.findall(text)) / letters >= 0.3 else "en"


def refusal(language: str) -> str:
    return REFUSAL.get(language, REFUSAL["en"])


def system_instruction() -> str:
    """The same for every question and language, so it stays in the model's KV cache."""
    return (
        "You answer questions about the user's documents using only the numbered sources given "
        "with each question. Cite the source of every statement with its number in square "
        "brackets, like [1] or [2][3]. Do not use any other knowledge and do not guess. "
        "Answer in the language of the question. If the sources do not contain the answer, "
        f'reply only: "{REFUSAL["en"]}" (in Korean: "{REFUSAL["ko"]}")'
    )


LANGUAGE_HINT = {"ko": "(답변은 한국어로 작성하세요.)"}


class PromptModel(Protocol):
    """What prompt building needs from a model (LocalModel, or a fake in tests)."""

    context_tokens: int

    def tokenize(self, text: str, *, special: bool = False, add_bos: bool = False) -> list[int]: ...

    @property
    def add_bos(self) -> bool: ...


@dataclass(frozen=True)
class Source:
    """A passage shown to the model under the number ``n``."""

    n: int
    hit: Hit
    truncated: bool = False  # cut to fit the context (the prompt says so too)

    @property
    def label(self) -> str:
        return self.hit.place


@dataclass
class Turn:
    question: str
    answer: str
    source_numbers: tuple[int, ...]


@dataclass
class Conversation:
    """The questions and answers so far and every source shown, numbered for the whole chat."""

    turns: list[Turn] = field(default_factory=list)
    sources: dict[int, Source] = field(default_factory=dict)

    def number_for(self, hit: Hit) -> int:
        for source in self.sources.values():
            if source.hit.chunk_id == hit.chunk_id:
                return source.n
        n = max(self.sources, default=0) + 1
        self.sources[n] = Source(n, hit)
        return n

    def clear(self) -> None:
        self.turns.clear()
        self.sources.clear()


@dataclass
class BuiltPrompt:
    tokens: list[int]
    sources: list[Source]  # every source the model can see in this prompt, by number
    new_sources: list[Source]  # those retrieved for this question and included
    omitted: list[Hit]  # retrieved for this question but left out for lack of room
    turns_dropped: int  # oldest turns left out for lack of room
    stop: tuple[str, ...]
    language: str
    warning: str = ""  # the chat template failed and a named fallback layout was used
    thinking: bool = False  # the prompt leaves a <think> block open: the model reasons first


class PromptBuilder:
    """Renders conversations with the model's chat template, or a completion layout without one."""

    #: Never let the conversation history take more than this share of the room for input.
    HISTORY_SHARE = 0.35

    def __init__(self, model: PromptModel, chat_template: str | None, bos_text: str = "", eos_text: str = "",
                 has_token=lambda text: False, thinking: bool = True):  # fmt: skip
        self.model = model
        chat_format = ChatFormat(chat_template, bos_text, eos_text, has_token, thinking)
        self.template = _ChatTemplate(chat_format) if chat_format.available else None

    @property
    def uses_chat_template(self) -> bool:
        return self.template is not None

    @property
    def chat_format(self) -> ChatFormat | None:
        return self.template.format if self.template else None

    def build(self, conversation: Conversation, question: str, hits: Sequence[Hit], answer_tokens: int) -> BuiltPrompt:
        """The prompt for ``question`` with as many of ``hits`` (best first) as fit.

        Room = context - answer_tokens. The newest turns come first in the history budget;
        retrieved passages fill the rest; a passage that does not fit whole is cut at a
        sentence boundary and marked as cut. Registers the included sources in ``conversation``.
        """
        language = question_language(question)
        room = self.model.context_tokens - answer_tokens - 16  # 16: slack for token boundaries
        fixed = self._count(system_instruction()) + self._count(self._user_text([], question)) + 24

        kept: list[Turn] = []
        history_budget = int((room - fixed) * self.HISTORY_SHARE)
        used = 0
        shown: set[int] = set()
        for turn in reversed(conversation.turns):
            cost = self._turn_cost(turn, conversation)
            if used + cost > history_budget:
                break
            kept.insert(0, turn)
            used += cost
        for turn in kept:
            shown.update(turn.source_numbers)

        budget = room - fixed - used
        new_sources: list[Source] = []
        omitted: list[Hit] = []
        next_n = max(conversation.sources, default=0) + 1
        for hit in hits:
            existing = next((s for s in conversation.sources.values() if s.hit.chunk_id == hit.chunk_id), None)
            if existing is not None and existing.n in shown:
                new_sources.append(existing)  # already in the prompt: cited by its number, costs nothing
                continue
            n = existing.n if existing else next_n
            cost = self._count(_source_block(Source(n, hit)))
            if cost <= budget:
                chosen = Source(n, hit)
                budget -= cost
            elif not new_sources and budget > 64:
                chosen = self._cut_to_fit(Source(n, hit), budget)
                budget = 0
            else:
                omitted.append(hit)
                continue
            new_sources.append(chosen)
            next_n += existing is None
        for source in new_sources:
            conversation.sources[source.n] = source

        printed: set[int] = set()
        messages = [("system", system_instruction())]
        for turn in kept:
            fresh = [conversation.sources[n] for n in turn.source_numbers if n in conversation.sources and n not in printed]
            printed.update(s.n for s in fresh)
            messages.append(("user", self._user_text(fresh, turn.question)))
            messages.append(("assistant", turn.answer))
        fresh = [s for s in new_sources if s.n not in printed]
        printed.update(s.n for s in fresh)
        messages.append(("user", self._user_text(fresh, question)))

        tokens, stop = self._render(messages)
        chat_format = self.chat_format
        return BuiltPrompt(
            tokens=tokens,
            sources=[conversation.sources[n] for n in sorted(printed)],
            new_sources=new_sources,
            omitted=omitted,
            turns_dropped=len(conversation.turns) - len(kept),
            stop=stop,
            language=language,
            warning=chat_format.warning if chat_format else "",
            thinking=bool(chat_format and chat_format.opens_thinking),
        )

    # -- pieces ----------------------------------------------------------------------------------
    def _count(self, text: str) -> int:
        return len(self.model.tokenize(text))

    def _turn_cost(self, turn: Turn, conversation: Conversation) -> int:
        sources = [conversation.sources[n] for n in turn.source_numbers if n in conversation.sources]
        return self._count(self._user_text(sources, turn.question)) + self._count(turn.answer) + 12

    def _user_text(self, sources: Sequence[Source], question: str) -> str:
        body = "\n\n".join(_source_block(s) for s in sources)
        head = f"Sources:\n\n{body}\n\n" if body else ""
        # Chat models follow the hint; base models would only repeat it as part of the question.
        hint = LANGUAGE_HINT.get(question_language(question)) if self.template else None
        return f"{head}Question: {question.strip()}" + (f" {hint}" if hint else "")

    def _cut_to_fit(self, source: Source, budget: int) -> Source:
        """Shorten the passage at a sentence end until its block fits ``budget`` tokens."""
        text = source.hit.text
        while text:
            cut = max(text.rfind(". ", 0, len(text) * 3 // 4), text.rfind("다. ", 0, len(text) * 3 // 4))
            text = text[: cut + 1] if cut > 0 else text[: len(text) * 3 // 4]
            candidate = Source(source.n, _with_text(source.hit, text.rstrip() + " […]"), truncated=True)
            if self._count(_source_block(candidate)) <= budget:
                return candidate
        return Source(source.n, _with_text(source.hit, "[…]"), truncated=True)

    def render_messages(self, messages: list[tuple[str, str]]) -> tuple[list[int], tuple[str, ...]]:
        """Tokens and stop texts for plain (role, content) messages (whole-document answers)."""
        return self._render(messages)

    def count(self, text: str) -> int:
        """Tokens ``text`` costs as message content."""
        return self._count(text)

    def _render(self, messages: list[tuple[str, str]]) -> tuple[list[int], tuple[str, ...]]:
        if self.template is not None:
            return self.template.render(messages, self.model)
        return self._render_completion(messages)

    def _render_completion(self, messages: list[tuple[str, str]]) -> tuple[list[int], tuple[str, ...]]:
        """Plain text for base models: they continue "Answer:" with the answer."""
        parts = []
        for role, content in messages:
            if role == "system":
                parts.append(content + "\n\n")
            elif role == "user":
                parts.append(content + "\nAnswer:")
            else:
                parts.append(" " + content.strip() + "\n\n")
        tokens = self.model.tokenize("".join(parts), add_bos=self.model.add_bos)
        # A base model runs on into the next "Question:"; one paragraph is its answer.
        return tokens, ("\nQuestion:", "\nSources:", "\n\n")


# A passage line that reads like a line of the prompt's own layout: a source header ("[2] a.pdf")
# or a "Question:" / "Answer:" / "Sources:" label (the completion layout's turn markers).
_LAYOUT_LOOKALIKE = re.compile(r"^(?=[ \t]*(?:\[\d+\]|(?:question|answer|sources)[ \t]*:))", re.MULTILINE | re.IGNORECASE)


def _source_block(source: Source) -> str:
    """``[n] label`` then the passage. The passage is data: a line of it that mimics the layout
    (a fake "[2] other.pdf" header, a fake "Question:"/"Answer:" turn) is quoted with "> ", so it
    can never pass for a real source or turn; the label is kept on its one line."""
    cut = " (excerpt, cut to fit)" if source.truncated else ""
    label = " ".join(source.label.split())
    return f"[{source.n}] {label}{cut}\n{_LAYOUT_LOOKALIKE.sub('> ', source.hit.text.strip())}"


def _with_text(hit: Hit, text: str) -> Hit:
    from dataclasses import replace

    return replace(hit, text=text)


class _ChatTemplate:
    """The model's chat template (models/chat_format.py), tokenized with control tokens parsed only
    in the template's own text."""

    def __init__(self, chat_format: ChatFormat):
        self.format = chat_format

    def render(self, messages: list[tuple[str, str]], model: PromptModel) -> tuple[list[int], tuple[str, ...]]:
        # Render with placeholders, then tokenize the template's text with control tokens
        # parsed and our contents (documents, questions) as plain text.
        rendered, contents = self.format.render(messages)
        tokens: list[int] = []
        for i, piece in enumerate(re.split("\x00", rendered)):
            if i % 2 == 0:
                tokens += model.tokenize(piece, special=True) if piece else []
            else:
                tokens += model.tokenize(contents[int(piece)])
        return tokens, self.format.stops
