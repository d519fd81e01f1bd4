"""The bounded-memory postings merge gives exactly what sorting everything at once gives."""

import numpy as np
import pytest

from desktop_rag.core.index import postings
from desktop_rag.core.index.postings import Postings, merge, term_sorted


def _reference(parts, n_terms, new_row):
    """Concatenate, drop dead rows, renumber, stable-sort by term: the obvious, memory-hungry way."""
    terms = np.concatenate([p[0] for p in parts])
    rows = np.concatenate([p[1] for p in parts])
    tfs = np.concatenate([p[2] for p in parts])
    keep = new_row[rows] >= 0
    terms, rows, tfs = terms[keep], new_row[rows[keep]], tfs[keep]
    order = np.argsort(terms, kind="stable")
    counts = np.bincount(terms, minlength=n_terms)
    return counts, rows[order], tfs[order]


def _segment(rng, first_row, n_rows, n_terms):
    rows, terms = [], []
    for row in range(first_row, first_row + n_rows):
        chosen = rng.choice(n_terms, size=rng.integers(1, 12), replace=False)
        terms.extend(chosen.tolist())
        rows.extend([row] * len(chosen))
    tfs = rng.integers(1, 50, size=len(rows)).astype(np.uint16)
    return term_sorted(np.array(terms, dtype=np.int32), np.array(rows, dtype=np.int32), tfs)


@pytest.mark.parametrize("slice_size", [7, 1 << 20])
def test_merge_matches_a_global_sort_with_deleted_rows_and_unused_terms(monkeypatch, slice_size):
    monkeypatch.setattr(postings, "_SLICE", slice_size)  # 7: every term's run is cut across slices
    rng = np.random.default_rng(5)
    n_terms = 40  # the last terms of the vocabulary are new: the base CSR has no entry for them
    base_terms, base_rows, base_tfs = _segment(rng, 0, 60, 30)
    ptr = np.zeros(31, dtype=np.int64)
    np.cumsum(np.bincount(base_terms, minlength=30), out=ptr[1:])
    recent = _segment(rng, 60, 25, n_terms)
    batch = _segment(rng, 85, 30, n_terms)
    new_row = np.arange(115, dtype=np.int32)
    dead = rng.choice(115, size=20, replace=False)
    new_row[dead] = -1
    live = new_row >= 0
    new_row[live] = np.arange(live.sum(), dtype=np.int32)

    counts, merged = merge(Postings(ptr, base_rows, base_tfs), [recent, batch], n_terms, new_row)

    want_counts, want_rows, want_tfs = _reference([(base_terms, base_rows, base_tfs), recent, batch], n_terms, new_row)
    assert counts.tolist() == want_counts.tolist()
    assert merged.rows.tolist() == want_rows.tolist() and merged.tfs.tolist() == want_tfs.tolist()
    assert merged.ptr[-1] == len(merged.rows) == want_counts.sum()
    for t in range(n_terms):  # each term's rows ascending: the scorer and the saved file rely on it
        run = merged.rows[merged.ptr[t] : merged.ptr[t + 1]]
        assert (np.diff(run) > 0).all()
