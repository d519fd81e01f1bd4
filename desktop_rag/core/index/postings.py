"""Postings lists (term -> chunk rows, term frequencies) merged in bounded memory.

The keyword index keeps its postings in compressed-sparse-row form: term ``t``'s rows and term
frequencies are ``rows[ptr[t]:ptr[t + 1]]`` and ``tfs[...]``, rows ascending. New postings arrive as
*segments*, arrays of (term, row, tf) sorted by term with rows ascending within each term.

Merging sorts nothing globally. Two passes over bounded slices count each term's postings, then
place every slice's runs at each term's cursor. Apart from the result, the merge holds no more than
one slice's temporaries (about 30 MB). An argsort over all postings held about 60 bytes per posting,
700 MB at 100k chunks (11 million postings), on top of the embedding model while a folder is
indexed.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import numpy as np

Segment = tuple[np.ndarray, np.ndarray, np.ndarray]  # terms (int32), rows (int32), tfs (uint16)

_SLICE = 1 << 20  # postings handled at once


@dataclass
class Postings:
    """Postings in CSR form; terms past ``len(ptr) - 1`` have none."""

    ptr: np.ndarray  # int64
    rows: np.ndarray  # int32
    tfs: np.ndarray  # uint16


def term_sorted(terms: np.ndarray, rows: np.ndarray, tfs: np.ndarray) -> Segment:
    """The postings ordered by term; a stable sort keeps each term's rows in their given order."""
    order = np.argsort(terms, kind="stable")
    return terms[order], rows[order], tfs[order]


def merge(base: Postings, segments: Sequence[Segment], n_terms: int, new_row: np.ndarray) -> tuple[np.ndarray, Postings]:
    """``base`` followed by ``segments`` as one CSR over ``n_terms`` terms; returns (postings per term, CSR).

    Every row of a later part must be higher than every row of an earlier one, so each term's rows
    stay ascending. Row ``r`` becomes ``new_row[r]``; rows mapped to -1 (deleted chunks) are dropped.
    """
    counts = np.zeros(n_terms, dtype=np.int64)
    for terms, _, _ in _live_slices(base, segments, new_row):
        counts += np.bincount(terms, minlength=n_terms)
    ptr = np.zeros(n_terms + 1, dtype=np.int64)
    np.cumsum(counts, out=ptr[1:])
    rows_out = np.empty(int(ptr[-1]), dtype=np.int32)
    tfs_out = np.empty(int(ptr[-1]), dtype=np.uint16)
    cursor = ptr[:-1].copy()  # where each term's next posting goes
    for terms, rows, tfs in _live_slices(base, segments, new_row):
        if not len(terms):
            continue
        # The slice is sorted by term: each term is one run, placed at the term's cursor.
        starts = np.flatnonzero(np.concatenate(([True], terms[1:] != terms[:-1])))
        lengths = np.diff(np.append(starts, len(terms)))
        run_terms = terms[starts]
        destination = np.repeat(cursor[run_terms] - starts, lengths) + np.arange(len(terms))
        rows_out[destination] = rows
        tfs_out[destination] = tfs
        cursor[run_terms] += lengths
    return counts, Postings(ptr, rows_out, tfs_out)


def _live_slices(base: Postings, segments: Sequence[Segment], new_row: np.ndarray) -> Iterator[Segment]:
    """Bounded, term-sorted slices of all parts in order, deleted rows dropped and rows renumbered."""
    for terms, rows, tfs in _slices(base, segments):
        renumbered = new_row[rows]
        live = renumbered >= 0
        if live.all():
            yield terms, renumbered, tfs
        else:
            yield terms[live], renumbered[live], tfs[live]


def _slices(base: Postings, segments: Sequence[Segment]) -> Iterator[Segment]:
    total = len(base.rows)
    for start in range(0, total, _SLICE):
        end = min(start + _SLICE, total)
        # The terms whose postings fall in [start, end), and how many of them fall there.
        first = int(np.searchsorted(base.ptr, start, side="right")) - 1
        last = int(np.searchsorted(base.ptr, end - 1, side="right")) - 1
        bounds = np.clip(base.ptr[first : last + 2], start, end)
        terms = np.repeat(np.arange(first, last + 1, dtype=np.int32), np.diff(bounds))
        yield terms, base.rows[start:end], base.tfs[start:end]
    for terms, rows, tfs in segments:
        for start in range(0, len(rows), _SLICE):
            yield terms[start : start + _SLICE], rows[start : start + _SLICE], tfs[start : start + _SLICE]
