"""A lighter twin of an embedding model for single queries: its linear layers' weights in float16.

Embedding one ~25-token question reads every weight of the model once and does little
else, so on a laptop CPU it is bound by memory traffic: multilingual-e5-small's linear
layers are 85 MB of float32 and took 26.5 ms (median, 2 cores). fbgemm's fp16-weight
GEMM reads half the bytes and still computes in float32: 17.6 ms, with vectors equal to
the float32 model's to six decimals (tests assert cosine > 0.99999). Batches of passages
are compute-bound and got slower this way (5.0 vs 6.0 chunks/s), so indexing keeps the
float32 model. The twin shares everything but the linear layers (the 250k-word embedding
matrix above all): it costs half the linear weights' memory (e5-small: 42 MB).
"""

from __future__ import annotations

import copy
import logging

import numpy as np
import torch

log = logging.getLogger(__name__)

#: The twin is used only if it embeds a probe text this close to the float32 model.
MIN_PROBE_COSINE = 0.9999
_PROBE = "How do turbine blades crack? 서울에서는 몇 명이 사나요?"


def fp16_query_twin(model, prefix: str = ""):
    """``model`` (a SentenceTransformer) with float16-weight linear layers, or None where this
    torch build cannot run them (no fbgemm, e.g. ARM) or they change the vectors."""
    try:
        twin = _twin(model)
        cosine = float(embed_one(twin, prefix + _PROBE) @ embed_one(model, prefix + _PROBE))
    except (RuntimeError, NotImplementedError, AttributeError, TypeError) as exc:
        log.info("queries use the float32 model (float16 weights unavailable: %s)", exc)
        return None
    if cosine < MIN_PROBE_COSINE:
        log.info("queries use the float32 model (float16 weights moved a probe vector: cosine %.6f)", cosine)
        return None
    return twin


def embed_one(model, text: str) -> np.ndarray:
    """One text through a SentenceTransformer's modules (no ``encode`` batching), L2-normalised float32."""
    with torch.inference_mode():
        if model.training:
            model.eval()
        prepare = getattr(model, "preprocess", None) or model.tokenize
        output = model(prepare([text]))["sentence_embedding"]
        vector = torch.nn.functional.normalize(output.float(), dim=-1)[0].numpy()
    return np.ascontiguousarray(vector, dtype=np.float32)


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
        bias = None if linear.bias is None else linear.bias.detach().float()
        self.packed = torch.ops.quantized.linear_prepack_fp16(linear.weight.detach().float().contiguous(), bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.ops.quantized.linear_dynamic_fp16(x, self.packed)
