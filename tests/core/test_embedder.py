"""The embedders' query path: the same vectors as sentence-transformers' own encode()."""

from __future__ import annotations

import numpy as np
import pytest
import torch


@pytest.mark.parametrize("name", ["minilm", "e5"])
def test_query_vectors_equal_encode_with_the_query_prefix(name, request):
    embedder = request.getfixturevalue(name)
    prefix = "query: " if name == "e5" else ""
    for text in ["How do turbine blades crack?", "서울에서는 몇 명이 사나요?", "x"]:
        expected = embedder.model.encode([prefix + text], normalize_embeddings=True, convert_to_numpy=True)[0]
        got = embedder.embed_query(text)
        assert got.dtype == np.float32 and got.shape == (embedder.dim,)
        assert float(got @ expected) > 0.99999
        assert abs(float(np.linalg.norm(got)) - 1.0) < 1e-5
    # Remembered vectors are shared: nobody may change them in place.
    with pytest.raises(ValueError):
        embedder.embed_query("x")[0] = 1.0


def test_queries_use_float16_weights_and_passages_keep_float32(e5):
    e5.embed_query("warm")
    if "fbgemm" in torch.backends.quantized.supported_engines:  # x86: the faster twin must be in use
        assert e5._query_model is not e5.model
        assert not any(isinstance(m, torch.nn.Linear) for m in e5._query_model.modules())
    # The model indexing uses is untouched, and both share the big embedding matrix.
    assert sum(isinstance(m, torch.nn.Linear) for m in e5.model.modules()) > 50
    shared = {id(p) for p in e5.model.parameters()} & {id(p) for p in e5._query_model.parameters()}
    assert shared
