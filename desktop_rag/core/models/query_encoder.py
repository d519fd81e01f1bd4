"""Faster ways to embed one query, each checked to give the float32 model's vector.

Embedding one ~25-token question on 2 laptop cores is mostly the linear layers
(multilingual-e5-small: 72 of them, 21 M weights) plus Python overhead between ~400
small modules. Measured (median, 2 cores, e5-small, 22 tokens):

- the float32 model through its modules: 26.5 ms;
- ``Fp16Twin``: the same module tree with float16 linear weights (fbgemm's fp16-weight
  GEMM reads half the bytes and still computes in float32): 17.2 ms;
- ``DirectBertEncoder``: the BERT encoder written out as a dozen tensor operations on
  the same float16 weights, with query/key/value in one matrix: 13.2 ms. Most
  sentence-transformers models (MiniLM, e5, bge) are BERT; others get the twin.

Both give vectors equal to the float32 model's to ~1e-5 (tests assert cosine > 0.99999
against ``encode()``); a probe text checks it at load and falls back otherwise. Batches of
passages are compute-bound and got slower with fp16 weights (5.0 vs 6.0 chunks/s), so
indexing keeps the float32 model. Both share the 250k-word embedding matrix with the
model: the extra memory is half the linear weights (e5-small: 42 MB).
"""

from __future__ import annotations

import copy
import logging
from collections.abc import Callable

import numpy as np
import torch
import torch.nn.functional as F

log = logging.getLogger(__name__)

#: A faster encoder is used only if it embeds a probe text this close to the float32 model.
MIN_PROBE_COSINE = 0.9999
_PROBE = "How do turbine blades crack? 서울에서는 몇 명이 사나요?"

QueryEncoder = Callable[[str], np.ndarray]


def fastest_query_encoder(model, prefix: str = "") -> QueryEncoder:
    """The fastest encoder of single texts that gives ``model``'s own vectors (a SentenceTransformer)."""
    reference = embed_one(model, prefix + _PROBE)
    for build in (DirectBertEncoder, Fp16Twin):
        try:
            encoder = build(model)
            cosine = float(encoder(prefix + _PROBE) @ reference)
        except (RuntimeError, NotImplementedError, AttributeError, TypeError, ValueError) as exc:
            log.info("queries: %s not usable (%s)", build.__name__, exc)
            continue
        if cosine >= MIN_PROBE_COSINE:
            return encoder
        log.info("queries: %s moved a probe vector (cosine %.6f)", build.__name__, cosine)
    return lambda text: embed_one(model, text)


def embed_one(model, text: str) -> np.ndarray:
    """One text through a SentenceTransformer's modules (no ``encode`` batching), L2-normalised float32."""
    with torch.inference_mode():
        if model.training:
            model.eval()
        prepare = getattr(model, "preprocess", None) or model.tokenize
        output = model(prepare([text]))["sentence_embedding"]
        return _unit_vector(output[0])


def _unit_vector(vector: torch.Tensor) -> np.ndarray:
    return np.ascontiguousarray(F.normalize(vector.float(), dim=-1).numpy(), dtype=np.float32)


class _Linear:
    """y = x Wᵀ + b with W stored as float16 for fbgemm."""

    def __init__(self, *linears: torch.nn.Linear):
        biases = [lin.bias for lin in linears]
        if any(b is None for b in biases) and any(b is not None for b in biases):
            raise ValueError("some of the fused linear layers have no bias")
        weight = torch.cat([lin.weight.detach().float() for lin in linears]).contiguous()
        bias = None if biases[0] is None else torch.cat([b.detach().float() for b in biases])
        self.packed = torch.ops.quantized.linear_prepack_fp16(weight, bias)

    def __call__(self, x: torch.Tensor) -> torch.Tensor:
        return torch.ops.quantized.linear_dynamic_fp16(x, self.packed)


class DirectBertEncoder:
    """Mean-pooled BERT (the sentence-transformers layout Transformer → mean Pooling → Normalize)
    computed directly from the model's weights for one text: no padding, so no attention mask."""

    def __init__(self, model):
        modules = list(model)
        names = [type(m).__name__ for m in modules]
        if names not in (["Transformer", "Pooling"], ["Transformer", "Pooling", "Normalize"]):
            raise ValueError(f"module layout {names}")
        pooling = modules[1]
        if getattr(pooling, "pooling_mode", None) != "mean" or not getattr(pooling, "include_prompt", False):
            raise ValueError("pooling is not plain mean pooling")
        bert = modules[0].auto_model
        config = bert.config
        if type(bert).__name__ != "BertModel" or config.hidden_act != "gelu":
            raise ValueError(f"{type(bert).__name__} with {config.hidden_act}")
        if getattr(config, "position_embedding_type", "absolute") != "absolute":
            raise ValueError("relative position embeddings")
        self._tokenize = getattr(model, "preprocess", None) or model.tokenize
        self._embeddings = bert.embeddings
        self._heads = config.num_attention_heads
        self._layers = [
            (
                _Linear(layer.attention.self.query, layer.attention.self.key, layer.attention.self.value),
                _Linear(layer.attention.output.dense),
                layer.attention.output.LayerNorm,
                _Linear(layer.intermediate.dense),
                _Linear(layer.output.dense),
                layer.output.LayerNorm,
            )
            for layer in bert.encoder.layer
        ]

    def __call__(self, text: str) -> np.ndarray:
        with torch.inference_mode():
            ids = self._tokenize([text])["input_ids"][0]  # truncated to the model's window
            n = ids.shape[0]
            e = self._embeddings
            x = e.word_embeddings.weight[ids] + e.position_embeddings.weight[:n] + e.token_type_embeddings.weight[0]
            x = _norm(x, e.LayerNorm)
            width = x.shape[-1]
            for qkv, attention_out, norm1, intermediate, out, norm2 in self._layers:
                q, k, v = qkv(x).view(n, 3, self._heads, width // self._heads).permute(1, 2, 0, 3)
                attended = F.scaled_dot_product_attention(q, k, v).transpose(0, 1).reshape(n, width)
                x = _norm(x + attention_out(attended), norm1)
                x = _norm(x + out(F.gelu(intermediate(x))), norm2)
            return _unit_vector(x.mean(dim=0))


def _norm(x: torch.Tensor, layer_norm: torch.nn.LayerNorm) -> torch.Tensor:
    return F.layer_norm(x, layer_norm.normalized_shape, layer_norm.weight, layer_norm.bias, layer_norm.eps)


class Fp16Twin:
    """Any model's module tree with float16-weight linear layers, sharing every other parameter."""

    def __init__(self, model):
        self.model = _twin(model)

    def __call__(self, text: str) -> np.ndarray:
        return embed_one(self.model, text)


def _twin(module: torch.nn.Module) -> torch.nn.Module:
    """A copy of the module tree sharing every parameter, except that linear layers are fp16 copies."""
    if isinstance(module, torch.nn.Linear):
        return Fp16Linear(module)
    clone = copy.copy(module)  # shares parameters and buffers; only the child table is new
    clone._modules = {name: None if child is None else _twin(child) for name, child in module._modules.items()}
    return clone


class Fp16Linear(torch.nn.Module):
    """Stands in for a ``torch.nn.Linear`` at inference: its weights packed as float16 for fbgemm."""

    def __init__(self, linear: torch.nn.Linear):
        super().__init__()
        self.in_features, self.out_features = linear.in_features, linear.out_features
        self.linear = _Linear(linear)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.linear(x)
