"""Generation speed: our engine vs plain llama-cpp-python, and the KV-cached follow-up.

Measured side by side in one run, same model file and settings (context, threads, GPU
layers, greedy decoding, repeat penalty), rounds interleaved so machine noise hits both:

* prompt tokens/s and generation tokens/s: ``LocalModel.stream`` vs ``Llama.create_completion``
  (stream=True) on the same ~1,000-token RAG prompt, cache cleared before every run;
* time to first token of a follow-up question: cold (nothing cached) vs after the first
  question (its prompt, the instructions and sources, are still in the KV cache).

    python -m benchmarks.generation [--model PATH] [--rounds 5] [--gpu-layers -1] [--max-tokens 128]
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path

from desktop_rag.core.answer.prompting import Conversation, PromptBuilder, Turn
from desktop_rag.core.models.discovery import ensure_development_model
from desktop_rag.core.models.llm import GenerationOptions, LocalModel, ModelOptions, _import_llama_cpp
from desktop_rag.core.models.system_info import physical_cores
from desktop_rag.core.types import Hit

from .datasets import cranfield


def rag_prompts(model: LocalModel, target_tokens: int = 1000) -> tuple[list[int], list[int]]:
    """A first question with ~target_tokens of sources, and a follow-up with two new sources."""
    data = cranfield()
    texts = list(data.docs.values())
    hits = [Hit(i, f"/papers/cranfield-{i}.txt", 1 + i % 7, t, 0, len(t), (), "default", 1.0) for i, t in enumerate(texts[:40])]
    builder = PromptBuilder(model, model.info.chat_template, model.token_text(model.bos_token), model.token_text(model.eos_token))
    chat = Conversation()
    question = "What similarity laws must be obeyed when constructing aeroelastic models of heated high speed aircraft?"
    k = 1
    while True:
        trial = Conversation()
        first = builder.build(trial, question, hits[:k], 256)
        if len(first.tokens) >= target_tokens or k == len(hits):
            break
        k += 1
    first = builder.build(chat, question, hits[:k], 256)
    chat.turns.append(Turn(question, "The models must obey the laws of thermal and aeroelastic similarity [1].", tuple(s.n for s in first.new_sources)))
    follow = builder.build(chat, "How was the heat transfer measured in those experiments?", hits[k : k + 2], 256)
    return first.tokens, follow.tokens


def run_ours(model: LocalModel, prompt: list[int], max_tokens: int) -> tuple[float, float, float]:
    """(prompt tokens/s, generation tokens/s, time to first token) with an empty cache."""
    model.forget_cache()
    for _ in model.stream(prompt, GenerationOptions(max_tokens=max_tokens, repeat_penalty=1.1)):
        pass
    s = model.last_stats
    return len(prompt) / s.ttft_s, s.tokens_per_s, s.ttft_s


def run_plain(llm, prompt: list[int], max_tokens: int) -> tuple[float, float, float]:
    llm.reset()
    started = time.perf_counter()
    first = None
    n = 0
    for _ in llm.create_completion(prompt, max_tokens=max_tokens, temperature=0.0, repeat_penalty=1.1, stream=True):
        n += 1
        if first is None:
            first = time.perf_counter()
    end = time.perf_counter()
    ttft = first - started
    return len(prompt) / ttft, (n - 1) / (end - first) if n > 1 else 0.0, ttft


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", help="GGUF file (default: the Gemma 3 270M development model)")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--max-tokens", type=int, default=128)
    parser.add_argument("--context", type=int, default=4096)
    parser.add_argument("--gpu-layers", type=int, default=-1)
    args = parser.parse_args()
    path = Path(args.model) if args.model else ensure_development_model(
        Path(os.environ.get("DESKTOP_RAG_MODELS_DIR", Path(tempfile.gettempdir()) / "desktop-rag-test-models"))
    )
    threads = physical_cores()
    ours = LocalModel(path, ModelOptions(context_tokens=args.context, gpu_layers=args.gpu_layers, threads=threads))
    llama_cpp = _import_llama_cpp()
    plain = llama_cpp.Llama(
        model_path=str(path), n_ctx=ours.context_tokens, n_threads=threads, n_threads_batch=threads,
        n_gpu_layers=args.gpu_layers if ours.device.uses_gpu else 0, seed=0, verbose=False,
    )
    print(f"model: {ours.info.describe()}")
    print(f"device: {ours.device.description}")
    first, follow = rag_prompts(ours)
    print(f"prompts: first question {len(first)} tokens, follow-up {len(follow)} tokens; {args.max_tokens} answer tokens max")

    run_ours(ours, first, 8)  # warm-up: page the weights in for both
    run_plain(plain, first, 8)
    rows: dict[str, list[tuple[float, float, float]]] = {"ours": [], "plain": []}
    for r in range(args.rounds):
        order = (("ours", ours), ("plain", plain)) if r % 2 == 0 else (("plain", plain), ("ours", ours))
        for name, engine in order:
            runner = run_ours if name == "ours" else run_plain
            rows[name].append(runner(engine, first, args.max_tokens))

    def med(name: str, i: int) -> float:
        return statistics.median(row[i] for row in rows[name])

    print(f"\n{'':24}{'ours':>10}{'plain':>10}{'ratio':>8}")
    for label, i in (("prompt tokens/s", 0), ("generation tokens/s", 1)):
        print(f"{label:24}{med('ours', i):10.1f}{med('plain', i):10.1f}{med('ours', i) / med('plain', i):8.3f}")
    print(f"{'time to first token (s)':24}{med('ours', 2):10.3f}{med('plain', 2):10.3f}")

    cold, warm = [], []
    for _ in range(args.rounds):
        ours.forget_cache()
        ours.complete(follow, GenerationOptions(max_tokens=1))
        cold.append(ours.last_stats.ttft_s)
        ours.forget_cache()
        ours.complete(first, GenerationOptions(max_tokens=args.max_tokens))
        ours.complete(follow, GenerationOptions(max_tokens=1))
        warm.append(ours.last_stats.ttft_s)
        cached = ours.last_stats.cached_tokens
    c, w = statistics.median(cold), statistics.median(warm)
    print(f"\nfollow-up time to first token: cold {c:.3f} s, with the first turn cached {w:.3f} s "
          f"({cached} of {len(follow)} prompt tokens from the cache); ratio {w / c:.2f} (target <= 0.5)")
    ours.close()
    plain.close()


if __name__ == "__main__":
    main()
