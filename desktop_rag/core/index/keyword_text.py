"""Text analysis for keyword search (the BM25 index in keyword_index.py, and SQLite FTS5).

FTS5's ``unicode61`` tokenizer keeps a Korean word and its particles together
(서울에서는 vs 서울의), so they never match. Like Lucene's CJK bigram analyzer we
rewrite every run of Hangul/Han/Kana characters as overlapping character bigrams
before FTS5 sees the text; everything else goes through ``porter unicode61`` so
English words are stemmed (keyword_index.py borrows that stemmer). The same
functions prepare documents and queries.
"""

from __future__ import annotations

import re

# Bump when the analysis changes: the store rebuilds its full-text index.
ANALYZER_VERSION = 2
FTS_TOKENIZER = "porter unicode61 remove_diacritics 2"

_CJK_RUN = re.compile(r"[\u1100-\u11ff\u3040-\u30ff\u3130-\u318f\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff]+")
_WORD = re.compile(r"[^\W_]+")  # letters and digits, as FTS5's unicode61 tokenizer sees words

# Common English function words: they carry no meaning for ranking and make
# OR-queries scan huge posting lists.
_STOPWORDS = frozenset(
    """a an and are as at be been but by can could did do does for from had has have how i if in into is it
    its of on or so such than that the their them then there these they this those to was were what when where
    which who whom why will with would you your about any all also more most not no only other our out over
    some very""".split()
)


def _bigrams(match: re.Match[str]) -> str:
    run = match.group(0)
    if len(run) == 1:
        return f" {run} "
    # The run's first character alone as well: a one-syllable noun followed by a
    # particle (물이, 물은) still shares a token with the bare noun.
    grams = [run[0]] + [run[i : i + 2] for i in range(len(run) - 1)]
    return " " + " ".join(grams) + " "


def analyze(text: str) -> str:
    """Text as FTS5 should index it: CJK runs as bigrams, the rest unchanged."""
    return _CJK_RUN.sub(_bigrams, text)


def search_terms(text: str) -> list[str]:
    """Every search term of a text, in order and repeated, without English stopwords."""
    return [token for token in _WORD.findall(analyze(text).lower()) if token not in _STOPWORDS]


def query_terms(text: str) -> list[str]:
    """Distinct search terms of a query, in order, without English stopwords."""
    return list(dict.fromkeys(search_terms(text)))
