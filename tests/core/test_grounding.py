"""Grounding: citation markers mapped to sources, refusals recognised, relevance gate."""

from __future__ import annotations

from desktop_rag.core.answer.grounding import assess_relevance, cited_numbers, is_refusal, map_citations
from desktop_rag.core.answer.prompting import REFUSAL, Source
from desktop_rag.core.types import Hit


def _source(n: int) -> Source:
    return Source(n, Hit(n, f"/docs/{n}.pdf", n, "text", 0, 4, (), "default", 1.0))


def test_markers_in_every_common_shape_are_found_in_order():
    answer = "Ducks eat leaves [2]. They swim [1, 3] and fly [4][5]; see also [6-8] and [2]. Not [a] or [1.5]."
    assert cited_numbers(answer) == [2, 1, 3, 4, 5, 6, 7, 8]


def test_markers_that_point_to_no_source_are_flagged_not_cited():
    sources = {1: _source(1), 2: _source(2)}
    citations, unknown = map_citations("Leaves [2] and bread [7].", sources)
    assert [(c.n, c.source.hit.path) for c in citations] == [(2, "/docs/2.pdf")]
    assert unknown == [7]
    assert citations[0].as_dict()["page"] == 2


def test_refusals_are_recognised_in_both_languages():
    assert is_refusal(REFUSAL["en"])
    assert is_refusal("The documents do not contain an answer to this question.")
    assert is_refusal("  " + REFUSAL["ko"])
    assert not is_refusal("The documents describe ducks eating leaves [1].")


def test_relevance_follows_the_words_a_question_shares_with_the_library(tmp_path, make_engine, fake_embedder):
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "ducks.txt").write_text("Mallard ducks eat aquatic plants, seeds and small insects near ponds.")
    (folder / "tax.txt").write_text("Freelancers pay income tax on their yearly profit after expenses.")
    (folder / "seoul.txt").write_text("서울특별시는 대한민국의 수도이며 한강이 도시를 가로질러 흐른다.")
    engine = make_engine(fake_embedder)
    engine.index_folder(folder)

    def judge(question: str):
        return assess_relevance(engine.store, question, engine.search(question, 3), None)

    assert judge("What do mallard ducks eat?").relevant
    assert judge("한강이 흐르는 대한민국의 수도는?").relevant  # endings differ: 수도는 vs 수도이며
    off = judge("How do I bake sourdough bread at home?")
    assert not off.relevant and off.coverage < 0.5
    assert not judge("김치찌개를 맛있게 끓이는 방법은?").relevant
    # A calibrated embedding threshold can vouch for a passage the words alone would not.
    assert assess_relevance(engine.store, "sourdough", engine.search("ducks", 3), 0.0).relevant
