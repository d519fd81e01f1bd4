"""The per-sentence support check: sentences and their markers, verdicts, corrections, the answer
result and its JSON, the Settings switch, and the labelled set with the real multilingual model."""

from __future__ import annotations

import threading
from types import SimpleNamespace

import pytest

from desktop_rag.core.answer.answering import AnswerOptions, ChatSession
from desktop_rag.core.answer.sentences import split_sentences
from desktop_rag.core.answer.support import (
    MISCITED,
    NOT_CHECKED,
    SUPPORTED,
    UNSUPPORTED,
    SupportChecker,
    checker_for,
)
from desktop_rag.core.models.llm import GenerationStats
from desktop_rag.core.types import Hit

SEOUL = "The Han River flows through Seoul. It is 494 kilometres long and crosses the city from east to west."
BUSAN = "Busan is the second largest city of South Korea. Its port handled 22 million containers in 2019."
KO = "금강산은 동서로 40킬로미터, 남북으로 60킬로미터에 걸쳐 있다. 흔히 내금강, 외금강, 해금강으로 나뉜다."


def test_sentences_keep_their_markers_wherever_the_model_put_them():
    text = "IBM was founded in 1911 [1]. It was renamed in 1924. [2] See e.g. the 12-in. tunnel [3].\n- A bullet item [1]\n금강산은 나뉜다[2]. 끝이다."
    sentences = split_sentences(text)
    assert [s.cited for s in sentences] == [(1,), (2,), (3,), (1,), (2,), ()]
    assert sentences[1].claim == "It was renamed in 1924."
    assert sentences[3].claim == "A bullet item", "the Markdown bullet is not part of the claim"
    assert all(text[s.start : s.end] == s.text for s in sentences[:1] + sentences[2:])


def test_a_line_the_model_copied_wrapped_from_a_pdf_stays_one_sentence():
    # The model copies the source's hard line breaks; the mark must cover the whole sentence.
    answer = (
        "Python has gained popularity among\nacademics, engineers and\nstudents [1]. It is used\n"
        "- in teaching\n- in research\n"
        "금강산은 강원도에\n있는 산이다 [2]. 끝이다."
    )
    sentences = split_sentences(answer)
    assert [s.claim for s in sentences] == [
        "Python has gained popularity among\nacademics, engineers and\nstudents.",
        "It is used",
        "in teaching",
        "in research",
        "금강산은 강원도에\n있는 산이다.",
        "끝이다.",
    ]
    assert sentences[0].cited == (1,) and sentences[4].cited == (2,)
    assert all(answer[s.start : s.end] == s.text for s in sentences)


def test_verdicts_supported_unsupported_miscited_and_lead_ins():
    checker = SupportChecker()
    answer = (
        "Here is what I found:\n"
        "The Han River flows through Seoul [1]. "
        "The Han River is 515 kilometres long [1]. "
        "Busan's port handled 22 million containers in 2019 [1]. "
        "금강산은 동서로 40킬로미터에 걸쳐 있습니다 [3]. "
        "Paris is the capital of France [2]."
    )
    report = checker.check(answer, {1: SEOUL, 2: BUSAN, 3: KO})
    verdicts = [s.verdict for s in report.sentences]
    assert verdicts == [NOT_CHECKED, SUPPORTED, UNSUPPORTED, MISCITED, SUPPORTED, UNSUPPORTED]
    miscited = report.sentences[3]
    assert miscited.corrected == 2 and "22 million containers" in miscited.span.text
    supported = report.sentences[1]
    assert supported.span.n == 1 and SEOUL[supported.span.start : supported.span.end] == "The Han River flows through Seoul."
    assert [s.text for s in report.flagged] == [report.sentences[2].text, report.sentences[3].text, report.sentences[5].text]
    assert report.ms < 1000


class _ScriptedModel:
    """Just enough of LocalModel for ChatSession: a completion model that 'writes' a fixed answer."""

    context_tokens = 4096
    add_bos = True
    bos_token = eos_token = -1

    def __init__(self, answer: str):
        self.answer = answer
        self.info = SimpleNamespace(chat_template=None)

    def tokenize(self, text: str, *, special: bool = False, add_bos: bool = False) -> list[int]:
        return list(range(len(text.split()) + add_bos))

    def token_text(self, token: int) -> str:
        return ""

    def stream(self, prompt, options, cancel: threading.Event, stats: GenerationStats):
        stats.generated_tokens = len(self.answer.split())
        stats.stop_reason = "eos"
        yield from (word + " " for word in self.answer.split())


def _session(answer: str, options: AnswerOptions | None = None) -> ChatSession:
    hits = [Hit(10 + i, f"/docs/{name}.txt", 1, text, 100, 100 + len(text), (), "c", 1.0) for i, (name, text) in enumerate((("seoul", SEOUL), ("busan", BUSAN)))]
    store = SimpleNamespace(chunk_count=lambda: 2, term_document_counts=lambda terms: {}, terms_in_chunks=lambda terms, ids: {i: set(terms) for i in ids})
    return ChatSession(_ScriptedModel(answer), store, lambda q, k: hits, options or AnswerOptions())


def test_the_answer_result_and_its_json_carry_verdicts_spans_and_corrections():
    result = _session("The Han River flows through Seoul [1]. Busan's port handled 22 million containers [1].").ask(
        "Which river flows through Seoul and how busy is Busan's port?"
    ).wait()
    assert [s.verdict for s in result.support.sentences] == [SUPPORTED, MISCITED]
    assert {c.n for c in result.citations} == {1, 2}, "the correcting source joins the citations"
    data = result.to_json()["support"]
    assert data["supported"] == 1 and data["miscited"] == 1 and data["unsupported"] == 0
    fixed = data["sentences"][1]
    assert fixed["cited"] == [1] and fixed["corrected"] == 2 and fixed["span"]["n"] == 2
    assert BUSAN[fixed["span"]["start"] : fixed["span"]["end"]] == fixed["span"]["text"]


def test_the_check_can_be_turned_off():
    session = _session("The Han River flows through Seoul [1].", AnswerOptions(check_support=False))
    result = session.ask("Which river flows through Seoul?").wait()
    assert result.support is None and result.to_json()["support"] is None


@pytest.mark.slow
def test_labelled_set_precision_and_recall_with_the_default_embedder(e5):
    from benchmarks.support_check import evaluate, load_set, metrics

    cases = load_set()
    result = evaluate(checker_for(e5), cases)
    for lang in ("ko", "en"):
        m = metrics(result["rows"], lang)
        assert m["flag_precision"] >= 0.9 and m["flag_recall"] >= 0.9, (lang, m)
        assert m["supported_precision"] >= 0.9 and m["supported_recall"] >= 0.9, (lang, m)
