"""Any model's chat template: each family's template (tests/chat_templates.py) renders system,
retrieved context and history; its own end-of-turn text ends generation; <think> reasoning is kept
out of the answer and its citations; a template that rejects or drops the system turn gets the
instructions in the first user turn; a template that raises falls back to ChatML with a warning;
sampling defaults come from the file's metadata. The slow tests write each template into a copy
of the real Gemma 3 270M GGUF (tests/gguf_edit.py) and run llama.cpp on it."""

from __future__ import annotations

import threading
from types import SimpleNamespace

import pytest

from desktop_rag.core.answer.answering import ChatSession
from desktop_rag.core.answer.prompting import Conversation, PromptBuilder
from desktop_rag.core.models.chat_format import CHATML_NAME, ChatFormat
from desktop_rag.core.models.gguf import read_gguf_info
from desktop_rag.core.models.llm import GenerationOptions, GenerationStats, LocalModel, ModelOptions
from desktop_rag.core.types import Hit
from tests.chat_templates import FAMILIES, RAISING, Family
from tests.gguf_edit import with_chat_template

MESSAGES = [
    ("system", "INSTRUCTIONS"),
    ("user", "Sources: [1] a.txt HISTORY-CONTEXT Question: first?"),
    ("assistant", "FIRST-ANSWER [1]"),
    ("user", "Sources: [2] b.txt NEW-CONTEXT Question: second?"),
]


def _format(family: Family) -> ChatFormat:
    return ChatFormat(family.template, "<bos>", "<eos>", lambda t: family.has_chatml_tokens and t == "<|im_start|>", family.thinking)


@pytest.mark.parametrize("family", FAMILIES, ids=lambda f: f.name)
def test_each_family_renders_system_context_and_history(family):
    chat = _format(family)
    text, contents = chat.render(MESSAGES)
    filled = text
    for i, content in enumerate(contents):
        filled = filled.replace(f"\x00{i}\x00", content)
    for marker in family.markers:
        assert marker in filled, marker
    for content in ("INSTRUCTIONS", "HISTORY-CONTEXT", "FIRST-ANSWER", "NEW-CONTEXT"):
        assert filled.count(content) == 1, f"{content} rendered once"
    order = [filled.index(c) for c in ("INSTRUCTIONS", "HISTORY-CONTEXT", "FIRST-ANSWER", "NEW-CONTEXT")]
    if family.name != "mistral-instruct-v0.3":  # Mistral v0.3 puts the system text in the last user turn itself
        assert order == sorted(order)
    assert chat.fold_system == family.folds_system
    if family.folds_system:
        # The instructions open the first user turn, right before its context.
        assert filled.index("INSTRUCTIONS") < filled.index("HISTORY-CONTEXT") < filled.index("FIRST-ANSWER")
    assert family.stop in chat.stops
    assert chat.opens_thinking == family.thinks
    assert not chat.warning
    if family.has_chatml_tokens:
        assert chat.name.startswith(CHATML_NAME)


def _transformers_render(template: str, messages: list[dict], thinking: bool) -> str:
    """What transformers' apply_chat_template renders (its environment, written out here on its own)."""
    import datetime
    import json

    from jinja2.exceptions import TemplateError
    from jinja2.ext import loopcontrols
    from jinja2.sandbox import ImmutableSandboxedEnvironment

    def raise_exception(message):
        raise TemplateError(message)

    env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True, extensions=[loopcontrols])
    env.filters["tojson"] = lambda x, ensure_ascii=False, indent=None, separators=None, sort_keys=False: json.dumps(
        x, ensure_ascii=ensure_ascii, indent=indent, separators=separators, sort_keys=sort_keys
    )
    env.globals.update(raise_exception=raise_exception, strftime_now=lambda f: datetime.datetime.now().strftime(f))
    return env.from_string(template).render(
        messages=messages, tools=None, documents=None, add_generation_prompt=True, bos_token="<bos>", eos_token="<eos>",
        enable_thinking=thinking,
    )  # fmt: skip


@pytest.mark.parametrize("family", [f for f in FAMILIES if f.template], ids=lambda f: f.name)
def test_the_app_renders_each_family_as_transformers_does(family):
    """Byte for byte, with the contents in place (and the system turn folded where the app folds it)."""
    chat = _format(family)
    text, contents = chat.render(MESSAGES)
    for i, content in enumerate(contents):
        text = text.replace(f"\x00{i}\x00", content)
    messages = [{"role": role, "content": content} for role, content in MESSAGES]
    if chat.fold_system:
        messages = [{"role": "user", "content": messages[0]["content"] + "\n\n" + messages[1]["content"]}, *messages[2:]]
    assert text == _transformers_render(family.template, messages, family.thinking)
    assert family.source


def test_a_template_that_raises_falls_back_to_chatml_with_a_named_warning():
    chat = ChatFormat(RAISING, "<bos>", "<eos>")
    text, _ = chat.render(MESSAGES)
    assert chat.name == CHATML_NAME and CHATML_NAME in chat.warning and "broken on purpose" in chat.warning
    assert text.startswith("<|im_start|>system\n") and text.endswith("<|im_start|>assistant\n")
    assert "<|im_end|>" in chat.stops
    broken_syntax = ChatFormat("{% for m in messages %}{{ m.content }", "<bos>", "<eos>")
    assert broken_syntax.name == CHATML_NAME and "TemplateSyntaxError" in broken_syntax.warning


def test_the_renderer_is_set_up_as_transformers_sets_up_its_own():
    """Constructs real templates use, rendered as transformers renders them: a ``{% generation %}``
    block (SmolLM3, Phi-4-reasoning) writes its body instead of failing to parse, ``tojson`` takes
    its options and escapes no HTML, and a template's own date default is not overridden."""
    import datetime

    generation = (
        "{% for m in messages %}{% if m['role'] == 'assistant' %}{% generation %}{{ m['content'] }}<|end|>{% endgeneration %}"
        "{% else %}{{ '<|' + m['role'] + '|>' + m['content'] }}{% endif %}{% endfor %}{% if add_generation_prompt %}<|assistant|>{% endif %}"
    )  # fmt: skip
    chat = ChatFormat(generation, "<bos>", "<eos>")
    text, contents = chat.render([("user", "q"), ("assistant", "a"), ("user", "q2")])
    assert not chat.warning and chat.name != CHATML_NAME
    assert text == "<|user|>\x000\x00\x001\x00<|end|><|user|>\x002\x00<|assistant|>"

    tojson = "{{ {'b': '<ü>', 'a': [1, 2]} | tojson(separators=(',', ':'), sort_keys=true) }}{{ 'x' | tojson(indent=2) }}"
    assert ChatFormat(tojson).render([])[0] == '{"a":[1,2],"b":"<ü>"}"x"'

    llama32 = next(f for f in FAMILIES if f.name == "llama-3.2-instruct")
    text, _ = _format(llama32).render(MESSAGES)
    assert "Today Date: " + datetime.datetime.now().strftime("%d %b %Y") + "\n" in text  # not a date fixed by the app


class _Scripted:
    """A chat model (its template given) whose output is fixed: to test what happens to <think>."""

    context_tokens = 4096
    add_bos = True
    bos_token = eos_token = -1

    def __init__(self, template: str, output: str):
        self.info = SimpleNamespace(chat_template=template)
        self.output = output

    def tokenize(self, text: str, *, special: bool = False, add_bos: bool = False) -> list[int]:
        return list(range(len(text.split()) + add_bos))

    def token_text(self, token: int) -> str:
        return "<eos>"

    def stream(self, prompt, options, cancel: threading.Event, stats: GenerationStats):
        stats.generated_tokens = 10
        for i in range(0, len(self.output), 3):  # cut mid-tag on purpose
            yield self.output[i : i + 3]


@pytest.mark.parametrize("family_name", ["qwen-3-thinking", "deepseek-r1-distill"])
def test_reasoning_is_hidden_from_the_answer_and_never_cited(family_name):
    family = next(f for f in FAMILIES if f.name == family_name)
    opened = "" if family.thinks else "<think>"  # R1's prompt opens the block itself
    output = opened + "The passage [2] mentions ducks, maybe [3] too.</think>\n\nDucks eat plants and insects [1]."
    hit = Hit(1, "/d/duck.txt", 1, "Ducks eat aquatic plants and small insects.", 0, 44, (), "c", 1.0)
    store = SimpleNamespace(chunk_count=lambda: 1, term_document_counts=lambda t: {}, terms_in_chunks=lambda t, ids: {i: set(t) for i in ids})
    session = ChatSession(_Scripted(family.template, output), store, lambda q, k: [hit])
    result = session.ask("What do ducks eat?").wait()
    assert result.answer == "Ducks eat plants and insects [1]."
    assert "passage [2] mentions ducks" in result.reasoning
    assert [c.n for c in result.citations] == [1] and not result.unknown_citations, "reasoning is never cited"
    assert [s["text"] for s in result.to_json()["support"]["sentences"]] == ["Ducks eat plants and insects [1]."]
    assert result.to_json()["reasoning"].startswith("The passage")


# -- with the real model ---------------------------------------------------------------------------
@pytest.fixture(scope="module")
def library_hits() -> list[Hit]:
    text = "Ducks eat aquatic plants, small fish and insects. The Han River flows through Seoul."
    return [Hit(7, "/docs/duck.txt", 1, text, 0, len(text), (), "docs", 1.0)]


@pytest.mark.slow
@pytest.mark.parametrize("family", FAMILIES + [Family("raising", RAISING, "<|im_end|>", ("<|im_start|>",))], ids=lambda f: f.name)
def test_each_family_in_a_real_gguf_renders_and_stops_on_its_own_turn_end(family, gemma_path, tmp_path, library_hits):
    extra = {"general.sampling.top_k": 20, "general.sampling.top_p": 0.8, "general.sampling.temp": 0.7}
    path = with_chat_template(gemma_path, tmp_path / f"{family.name}.gguf", family.template, extra)
    try:
        info = read_gguf_info(path)
        assert info.chat_template == family.template, "the template reads back from the file"
        assert info.sampling_defaults() == {"top_k": 20, "top_p": 0.8, "temperature": 0.7}
        model = LocalModel(path, ModelOptions(context_tokens=2048))
        try:
            builder = PromptBuilder(model, info.chat_template, model.token_text(model.bos_token), model.token_text(model.eos_token),
                                    has_token=lambda t: family.has_chatml_tokens and t == "<|im_start|>", thinking=family.thinking)  # fmt: skip
            conversation = Conversation()
            builder.build(conversation, "What do ducks eat?", library_hits, 64)
            from desktop_rag.core.answer.prompting import Turn

            conversation.turns.append(Turn("What do ducks eat?", "Plants and fish [1].", (1,)))
            built = builder.build(conversation, "And which river flows through Seoul?", library_hits, 64)
            rendered = model._llama.detokenize(built.tokens, special=True).decode("utf-8", "replace")
            for marker in family.markers:
                assert marker in rendered
            for text in ("answer questions about the user's documents", "Ducks eat aquatic plants", "Plants and fish [1]", "which river"):
                assert text in rendered, text
            assert family.stop in built.stop
            if family.name == "raising":
                assert CHATML_NAME in built.warning
            # The template's own end-of-turn text ends generation: a pattern the model continues
            # writes it, and the stream stops right there.
            pattern = "".join(f"ok{family.stop}\n" for _ in range(6)) + "ok"
            stats = GenerationStats()
            out = "".join(model.stream(model.tokenize(pattern, add_bos=True), GenerationOptions(max_tokens=24, stop=built.stop), None, stats))
            assert stats.stop_reason in ("stop", "eos"), (family.name, out, stats.stop_reason)
            assert family.stop not in out and len(out) < 12
        finally:
            model.close()
    finally:
        path.unlink(missing_ok=True)


def test_the_thinking_setting_reaches_qwen3s_template():
    from desktop_rag.core.answer.answering import AnswerOptions
    from desktop_rag.core.config import Settings

    qwen3 = next(f for f in FAMILIES if f.name == "qwen-3-thinking").template
    store = SimpleNamespace()
    for thinking, skipped in ((True, False), (False, True)):
        session = ChatSession(_Scripted(qwen3, ""), store, lambda q, k: [], AnswerOptions(thinking=thinking))
        text, _ = session.builder.chat_format.render(MESSAGES)
        assert text.endswith("<|im_start|>assistant\n<think>\n\n</think>\n\n") == skipped
    assert Settings().llm_thinking is True
