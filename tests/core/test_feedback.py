"""Pseudo-relevance feedback: the pieces of the second search pass."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest

from desktop_rag.core.search import feedback


def test_a_clear_winner_takes_most_of_the_feedback_weight():
    clear = feedback.feedback_weights({1: 10.0, 2: 1.0, 3: 0.9, 4: 0.8, 5: 0.7, 6: 0.1})
    close = feedback.feedback_weights({1: 1.0, 2: 0.99, 3: 0.98, 4: 0.97, 5: 0.96, 6: 0.1})
    assert sum(clear.values()) == pytest.approx(1.0) and sum(close.values()) == pytest.approx(1.0)
    assert list(clear) == [1, 2, 3, 4, 5] and 6 not in close
    assert clear[1] > 0.7
    assert max(close.values()) < 0.3


def test_expansion_prefers_words_frequent_in_the_best_passages_and_rare_in_the_library():
    counts = feedback.candidate_terms(
        {1: "Aerodynamic heating of the wing. Heating rates at hypersonic speed.", 2: "The wing and the speed."},
        exclude={"wing"},
    )
    assert "wing" not in counts[1] and "the" not in counts[1] and counts[1]["heating"] == 2
    document_counts = {"aerodynamic": 40, "heating": 30, "rates": 900, "hypersonic": 20, "speed": 4_000, "at": 0}
    terms = feedback.expansion_terms(counts, {1: 0.9, 2: 0.1}, document_counts, total_chunks=10_000, how_many=3)
    assert terms[0] == "heating"  # twice in the best passage, and rare
    assert "speed" not in terms  # in 40% of the library: too common to help


def test_korean_passages_give_bigram_terms():
    counts = feedback.candidate_terms({1: "서울에서는 축제가 열렸다"}, exclude=set())
    assert {"서울", "축제"} <= set(counts[1])


def test_query_terms_count_twice_as_much_as_expansion_terms():
    scores = feedback.expanded_scores({1: 4.0, 2: 3.0}, {2: 4.0, 3: 6.0})
    assert scores == {1: 4.0, 2: 5.0, 3: 3.0}


def test_rocchio_moves_the_query_towards_the_feedback_and_stays_normalised():
    q = np.array([1.0, 0.0, 0.0], dtype=np.float32)
    passages = {1: np.array([0.0, 1.0, 0.0], dtype=np.float32), 2: np.array([0.0, 0.0, 1.0], dtype=np.float32)}
    moved = feedback.rocchio(q, passages, {1: 0.9, 2: 0.1})
    assert np.linalg.norm(moved) == pytest.approx(1.0)
    assert moved[1] > moved[2] > 0 and moved[0] > moved[1]
    assert feedback.rocchio(q, {}, {1: 1.0}) is q
    assert Counter(feedback.feedback_weights({})) == Counter()
