"""A model's chat template (Jinja in ``tokenizer.chat_template``), rendered as Hugging Face does,
with the fallbacks real model files need.

* Rendered in a sandbox set up as ``transformers`` sets up its own (``trim_blocks``, ``lstrip_blocks``,
  loop controls, ``{% generation %}`` blocks, its ``tojson``, ``raise_exception``, ``strftime_now``),
  with the variables it passes (``messages``, ``bos_token``/``eos_token``, ``add_generation_prompt``,
  ``tools``/``documents`` as none) plus ``enable_thinking`` from the thinking setting. Nothing else is
  set: a template's own defaults apply (Llama 3.2 writes today's date, as it does under transformers).
* Templates that reject a system turn (Gemma 2, older Mistral) or silently drop it (Phi-3) get the
  system text folded into the first user turn.
* A template that does not render at all (a syntax error, ``raise_exception`` on our messages)
  is replaced by the built-in ChatML layout, and ``warning`` says so by name.
* A model without a template whose vocabulary has ChatML's ``<|im_start|>`` gets ChatML.
* ``stops``: the texts that end the assistant's turn in *this* template (``<|eot_id|>``,
  ``<|im_end|>``, ``<end_of_turn>``, ``<|end|>``, ``[|endofturn|]`` ...), found by rendering a turn.
* ``opens_thinking``: the generation prompt opens a ``<think>`` block (DeepSeek-R1 distills, Qwen 3):
  the answer starts inside the model's reasoning.
"""

from __future__ import annotations

import datetime
import json
import logging
import re
from collections.abc import Sequence
from functools import cached_property

log = logging.getLogger(__name__)

CHATML = (
    "{% for message in messages %}{{ '<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>\n' }}"
    "{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}"
)
CHATML_NAME = "ChatML (built in)"
# End-of-turn texts of the common families: a template that contains one stops on it too.
KNOWN_END_MARKERS = (
    "<|eot_id|>", "<|im_end|>", "<end_of_turn>", "<|end|>", "<|endoftext|>", "<|end_of_text|>", "</s>",
    "[|endofturn|]", "<｜end▁of▁sentence｜>", "<|eom_id|>", "<|return|>",
)  # fmt: skip
THINK_OPEN, THINK_CLOSE = "<think>", "</think>"
_MARK = "\x00{}\x00"


class TemplateError(Exception):
    """The template could not render these messages."""


def _environment():
    from jinja2.ext import loopcontrols
    from jinja2.sandbox import ImmutableSandboxedEnvironment

    env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True, extensions=[loopcontrols, _generation_block()])

    def raise_exception(message: str):
        raise TemplateError(message)

    def tojson(value, ensure_ascii=False, indent=None, separators=None, sort_keys=False) -> str:
        # Hugging Face's filter: no HTML escaping (Jinja's own), its options passed through.
        return json.dumps(value, ensure_ascii=ensure_ascii, indent=indent, separators=separators, sort_keys=sort_keys)

    env.globals["raise_exception"] = raise_exception
    env.globals["strftime_now"] = lambda fmt: datetime.datetime.now().strftime(fmt)
    env.filters["tojson"] = tojson
    return env


def _generation_block():
    """``{% generation %}…{% endgeneration %}``: Hugging Face marks the assistant's tokens with it
    for training (SmolLM3, Phi-4-reasoning, LFM2 …); when rendering a prompt it writes its body as is."""
    from jinja2 import nodes
    from jinja2.ext import Extension

    class GenerationBlock(Extension):
        tags = {"generation"}

        def parse(self, parser):
            lineno = next(parser.stream).lineno
            body = parser.parse_statements(("name:endgeneration",), drop_needle=True)
            return nodes.CallBlock(self.call_method("_body"), [], [], body).set_lineno(lineno)

        def _body(self, caller) -> str:
            return caller()

    return GenerationBlock


class ChatFormat:
    """Renders (role, content) messages to prompt text; contents stay placeholders until tokenized."""

    def __init__(self, template: str | None, bos_text: str = "", eos_text: str = "", has_token=lambda text: False,
                 thinking: bool = True):  # fmt: skip
        self.bos_text, self.eos_text = bos_text, eos_text
        self.thinking = thinking  # Qwen 3 style templates: let the model reason first (hidden from the answer)
        self.warning = ""
        self.fold_system = False
        if template is None and has_token("<|im_start|>"):
            template, self.name = CHATML, CHATML_NAME + ": the model has ChatML tokens but no template"
        else:
            self.name = "the model's chat template"
        self.source = template or ""
        self._compiled = None
        if template:
            try:
                self._compiled = _environment().from_string(template)
            except Exception as exc:  # noqa: BLE001 - any syntax error in a file we did not write
                self._use_fallback(exc)

    @property
    def available(self) -> bool:
        return self._compiled is not None

    def _use_fallback(self, exc: Exception) -> None:
        self.warning = f"The model's chat template failed ({type(exc).__name__}: {exc}); using the {CHATML_NAME} layout instead."
        log.warning("%s", self.warning)
        self.name, self.source = CHATML_NAME, CHATML
        self._compiled = _environment().from_string(CHATML)
        self.fold_system = False
        self.__dict__.pop("stops", None)
        self.__dict__.pop("opens_thinking", None)

    def _render(self, messages: Sequence[dict], add_generation_prompt: bool = True) -> str:
        return self._compiled.render(
            messages=list(messages), bos_token=self.bos_text, eos_token=self.eos_text,
            add_generation_prompt=add_generation_prompt, enable_thinking=self.thinking, tools=None, documents=None,
        )  # fmt: skip

    def render(self, messages: Sequence[tuple[str, str]]) -> tuple[str, list[str]]:
        """The prompt text with each message's content as a ``\\x00i\\x00`` placeholder, and the contents.

        Never raises for a template's sake: a system turn the template rejects or drops is folded into
        the first user turn; a template that still fails is replaced by ChatML (see ``warning``).
        """
        contents = [content for _, content in messages]
        chat = [{"role": role, "content": _MARK.format(i)} for i, (role, _) in enumerate(messages)]
        try:
            return self._attempt(chat), contents
        except Exception as exc:  # noqa: BLE001 - templates raise anything
            if self.name == CHATML_NAME:
                raise
            self._use_fallback(exc)
            return self._attempt(chat), contents

    def _attempt(self, chat: list[dict]) -> str:
        has_system = bool(chat) and chat[0]["role"] == "system"
        if has_system and not self.fold_system:
            try:
                text = self._render(chat)
                if _MARK.format(0) in text:
                    return text
                # else: the template dropped the system turn silently (Phi-3 mini)
            except Exception:  # noqa: BLE001 - "System role not supported" (Gemma 2), role alternation
                pass
            self.fold_system = True  # from now on, for every prompt: follow-ups keep the same layout
        return self._render(_folded(chat) if has_system else chat)

    @cached_property
    def stops(self) -> tuple[str, ...]:
        """Texts that end an assistant turn in this template (what follows an assistant's content)."""
        found: list[str] = []
        try:
            chat = [{"role": "user", "content": "\x01"}, {"role": "assistant", "content": "\x02"}, {"role": "user", "content": "\x03"}]
            text = self._render(chat, add_generation_prompt=False)
            after = text.split("\x02", 1)[1].split("\x03", 1)[0]
            end = after.strip().split("\n")[0].strip()
            # The end marker is the first special-looking piece right after the answer.
            match = re.match(r"(<[^<>\s]{1,40}>|\[\|[a-z_]+\|\]|</s>)", end)
            if match:
                found.append(match.group(1))
        except Exception:  # noqa: BLE001 - some templates insist on a system turn; the markers below still apply
            pass
        found += [m for m in KNOWN_END_MARKERS if m in self.source]
        if self.eos_text:
            found.append(self.eos_text)
        # A SentencePiece tokenizer writes "▁" as a space when the marker comes out as plain text.
        found += [s.replace("▁", " ") for s in found if "▁" in s]
        return tuple(dict.fromkeys(s for s in found if s))

    @cached_property
    def opens_thinking(self) -> bool:
        """Whether the generation prompt leaves a ``<think>`` block open (the model starts by reasoning)."""
        try:
            text = self._render([{"role": "user", "content": "x"}])
        except Exception:  # noqa: BLE001
            return False
        tail = text[text.rfind("x") :]
        return tail.rfind(THINK_OPEN) > tail.rfind(THINK_CLOSE)


def _folded(chat: list[dict]) -> list[dict]:
    """The system message's text put in front of the first user message."""
    if not chat or chat[0]["role"] != "system" or len(chat) < 2:
        return chat
    first = dict(chat[1])
    first["content"] = chat[0]["content"] + "\n\n" + first["content"]
    return [first, *chat[2:]]
