"""The embedders' query path: the same vectors as sentence-transformers' own encode()."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from desktop_rag.core.models.query_encoder import DirectBertEncoder, Fp16Twin, fastest_query_encoder


@pytest.mark.parametrize("name", ["minilm", "e5_torch"])
def test_query_vectors_equal_encode_with_the_query_prefix(name, request):
    embedder = request.getfixturevalue(name)
    prefix = "query: " if name == "e5_torch" else ""
    for text in ["How do turbine blades crack?", "서울에서는 몇 명이 사나요?", "x"]:
        expected = embedder.model.encode([prefix + text], normalize_embeddings=True, convert_to_numpy=True)[0]
        got = embedder.embed_query(text)
        assert got.dtype == np.float32 and got.shape == (embedder.dim,)
        assert float(got @ expected) > 0.99999
        assert abs(float(np.linalg.norm(got)) - 1.0) < 1e-5
    # Remembered vectors are shared: nobody may change them in place.
    with pytest.raises(ValueError):
        embedder.embed_query("x")[0] = 1.0


@pytest.mark.parametrize("name", ["minilm", "e5_torch"])
def test_bert_queries_take_the_direct_float16_path_and_passages_keep_float32(name, request):
    embedder = request.getfixturevalue(name)
    embedder.embed_query("warm")
    if "fbgemm" in torch.backends.quantized.supported_engines:  # x86: the fastest path must be in use
        assert isinstance(embedder._query_encoder, DirectBertEncoder)
    # The model indexing uses is untouched.
    assert sum(isinstance(m, torch.nn.Linear) for m in embedder.model.modules()) > 30


@pytest.mark.skipif("fbgemm" not in torch.backends.quantized.supported_engines, reason="float16 weights need fbgemm (x86)")
def test_a_model_that_is_not_plain_bert_gets_the_float16_twin_with_the_same_vectors(e5_torch):
    from sentence_transformers import SentenceTransformer
    from sentence_transformers.models import Dense

    torch.manual_seed(0)
    # A projection after pooling: the direct BERT path does not cover it, the module twin does.
    model = SentenceTransformer(modules=[e5_torch.model[0], e5_torch.model[1], Dense(384, 256)], device="cpu")
    encoder = fastest_query_encoder(model, "query: ")
    assert isinstance(encoder, Fp16Twin)
    for text in ["query: How do turbine blades crack?", "query: 서울에서는 몇 명이 사나요?"]:
        expected = model.encode([text], normalize_embeddings=True, convert_to_numpy=True)[0]
        got = encoder(text)
        assert got.shape == (256,) and float(got @ expected) > 0.99999
    # The twin shares every parameter but the linear layers' with the model.
    assert not any(isinstance(m, torch.nn.Linear) for m in encoder.model.modules())
    assert {id(p) for p in model.parameters()} & {id(p) for p in encoder.model.parameters()}
