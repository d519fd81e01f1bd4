"""A local GGUF model through llama-cpp-python: checked loading, device choice, token streaming.

The file is validated (``gguf.read_gguf_info``) and its memory need estimated before llama.cpp
sees it, so a wrong or truncated file gets a plain error instead of a crash. Generation is a
token iterator that can be cancelled at any token and leaves the model ready for the next
prompt; llama.cpp keeps the evaluated tokens in its KV cache and the next prompt that starts
with the same tokens (the instructions, the earlier turns) only evaluates what is new.
"""

from __future__ import annotations

import codecs
import ctypes
import logging
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from ..errors import Cancelled, UserError
from .cpu_features import safe_model_params
from .gguf import GGUFInfo, read_gguf_info
from .system_info import check_model_fits, physical_cores

log = logging.getLogger(__name__)
llama_log = logging.getLogger("desktop_rag.llama_cpp")


class ModelLoadError(UserError):
    """llama.cpp refused a file that looked like a valid GGUF."""


@dataclass(frozen=True)
class ModelOptions:
    """How a model is loaded (from Settings)."""

    context_tokens: int = 8192  # capped by the model's trained context
    gpu_layers: int = -1  # -1: all layers when the build can offload; 0: CPU only; n: the first n
    threads: int = 0  # 0: every physical core


@dataclass(frozen=True)
class DeviceReport:
    """Where the model runs, in words a user understands."""

    uses_gpu: bool
    gpu_layers: int
    total_layers: int
    threads: int
    description: str


@dataclass(frozen=True)
class GenerationOptions:
    max_tokens: int = 512
    temperature: float = 0.0  # factual answers: greedy decoding
    top_p: float = 0.95
    top_k: int = 40
    repeat_penalty: float = 1.1  # over the last 64 tokens; keeps small models out of loops
    stop: tuple[str, ...] = ()
    seed: int = 0


@dataclass
class GenerationStats:
    prompt_tokens: int = 0
    cached_tokens: int = 0  # prompt tokens found in the KV cache, not evaluated again
    generated_tokens: int = 0
    ttft_s: float = 0.0  # call to first token
    generation_s: float = 0.0  # first token to last
    stop_reason: str = ""  # stop | eos | length | cancelled | context

    @property
    def prompt_tokens_per_s(self) -> float:
        evaluated = self.prompt_tokens - self.cached_tokens
        return evaluated / self.ttft_s if self.ttft_s > 0 else 0.0

    @property
    def tokens_per_s(self) -> float:
        return (self.generated_tokens - 1) / self.generation_s if self.generated_tokens > 1 and self.generation_s > 0 else 0.0


def _import_llama_cpp():
    """Import llama_cpp once and route its log lines into our log file instead of stderr."""
    import llama_cpp
    import llama_cpp._logger  # noqa: F401  (installs its own stderr printer; replaced below)

    global _log_callback
    if _log_callback is None:
        levels = {3: logging.WARNING, 4: logging.ERROR}  # ggml: 1 debug, 2 info, 3 warn, 4 error, 5 cont

        @llama_cpp.llama_log_callback
        def _forward(level: int, text: bytes, _user: ctypes.c_void_p) -> None:
            line = text.decode("utf-8", "replace").rstrip()
            if line:
                llama_log.log(levels.get(level, logging.DEBUG), "%s", line)

        _log_callback = _forward  # keep a reference: C holds only the pointer
        llama_cpp.llama_log_set(_forward, ctypes.c_void_p(0))
    return llama_cpp


_log_callback = None


def gpu_offload_supported() -> bool:
    """Whether this llama.cpp build can put layers on a GPU (CUDA, Metal, Vulkan, ...)."""
    return bool(_import_llama_cpp().llama_supports_gpu_offload())


class LocalModel:
    """One loaded GGUF model. Not thread-safe by design: one generation at a time."""

    def __init__(self, path: str | Path, options: ModelOptions = ModelOptions()):
        self.path = Path(path).expanduser()
        self.info: GGUFInfo = read_gguf_info(self.path)
        trained = self.info.context_length or options.context_tokens
        self.context_tokens = max(512, min(options.context_tokens, trained))
        check_model_fits(self.info, self.context_tokens)
        self._busy = threading.Lock()
        self.last_stats = GenerationStats()
        self._llama, self.device = self._load(options)
        self._eog_cache: dict[int, bool] = {}

    def _load(self, options: ModelOptions):
        llama_cpp = _import_llama_cpp()
        threads = options.threads or physical_cores()
        total_layers = (self.info.block_count or 0) + 1  # + output layer, as llama.cpp counts
        supported = gpu_offload_supported()
        if options.gpu_layers == 0:
            layers, reason = 0, "GPU offload is turned off in the settings"
        elif not supported:
            layers, reason = 0, "this build of llama.cpp has no GPU support"
        else:
            layers, reason = options.gpu_layers, ""
        kwargs = dict(
            model_path=str(self.path), n_ctx=self.context_tokens, n_threads=threads,
            n_threads_batch=threads, seed=0, verbose=False,
        )
        if layers:
            try:
                with safe_model_params(llama_cpp, self.path):
                    llama = llama_cpp.Llama(n_gpu_layers=layers, **kwargs)
            except (ValueError, RuntimeError, OSError) as exc:
                # Most often the GPU lacks memory for the layers: run on the CPU rather than not at all.
                log.warning("GPU load of %s failed (%s); using the CPU", self.path, exc)
                layers, reason = 0, f"loading onto the GPU failed ({exc})"
        if not layers:
            try:
                with safe_model_params(llama_cpp, self.path):
                    llama = llama_cpp.Llama(n_gpu_layers=0, **kwargs)
            except (ValueError, RuntimeError, OSError) as exc:
                raise ModelLoadError(f"llama.cpp could not load {self.path}: {exc}") from exc
        if layers:
            shown = total_layers if layers < 0 or layers >= total_layers else layers
            where = "all" if shown == total_layers else f"{shown} of {total_layers}"
            text = f"GPU: {where} layers offloaded ({threads} CPU threads for the rest)"
        else:
            shown = 0
            text = f"CPU: {threads} threads (GPU not used: {reason})"
        device = DeviceReport(uses_gpu=bool(layers), gpu_layers=shown, total_layers=total_layers, threads=threads, description=text)
        log.info("loaded %s: %s; %s", self.path, self.info.describe(), text)
        return llama, device

    # -- tokens ------------------------------------------------------------------------------------
    @property
    def add_bos(self) -> bool:
        return str(self._llama.metadata.get("tokenizer.ggml.add_bos_token", "true")).lower() != "false"

    def tokenize(self, text: str, *, special: bool = False, add_bos: bool = False) -> list[int]:
        """Token ids of ``text``. ``special`` parses control tokens like ``<start_of_turn>``;
        leave it off for document text so a document cannot inject them."""
        if not text:
            return [self._llama.token_bos()] if add_bos else []
        return self._llama.tokenize(text.encode("utf-8"), add_bos=add_bos, special=special)

    def has_token(self, text: str) -> bool:
        """Whether ``text`` is one control token of the vocabulary (``<|im_start|>`` for ChatML models)."""
        tokens = self.tokenize(text, special=True)
        return len(tokens) == 1 and tokens != self.tokenize(text)

    def count_tokens(self, text: str) -> int:
        return len(self.tokenize(text))

    def token_text(self, token: int) -> str:
        """The printable form of a special token (``<eos>``), for chat templates."""
        if token < 0:
            return ""
        return self._piece(token, special=True).decode("utf-8", "replace")

    def _piece(self, token: int, special: bool = False) -> bytes:
        llama_cpp = _import_llama_cpp()
        vocab = self._llama._model.vocab
        size = 64
        while True:
            buf = ctypes.create_string_buffer(size)
            n = llama_cpp.llama_token_to_piece(vocab, token, buf, size, 0, special)
            if n >= 0:
                return buf.raw[:n]
            size = -n

    def _is_end_token(self, token: int) -> bool:
        cached = self._eog_cache.get(token)
        if cached is None:
            cached = self._eog_cache[token] = bool(
                _import_llama_cpp().llama_vocab_is_eog(self._llama._model.vocab, token)
            )
        return cached

    @property
    def eos_token(self) -> int:
        return self._llama.token_eos()

    @property
    def bos_token(self) -> int:
        return self._llama.token_bos()

    # -- generation --------------------------------------------------------------------------------
    def cached_prefix_tokens(self, prompt: Sequence[int]) -> int:
        """How many leading tokens of ``prompt`` llama.cpp already holds in its KV cache."""
        held = self._llama._input_ids[: self._llama.n_tokens]
        n = 0
        for a, b in zip(held, prompt, strict=False):
            if a != b:
                break
            n += 1
        return n

    def stream(
        self,
        prompt: Sequence[int],
        options: GenerationOptions = GenerationOptions(),
        cancel: threading.Event | None = None,
        stats: GenerationStats | None = None,
    ) -> Iterator[str]:
        """Yield the answer text piece by piece (whole UTF-8 characters, never a stop sequence).

        Stops at an end-of-generation token, a stop sequence, ``max_tokens``, the end of the
        context window, or as soon as ``cancel`` is set (checked before every token). Leading
        whitespace is dropped and the model may not end before it has said something.
        ``stats`` (also kept as ``last_stats``) is filled in as it goes.
        """
        if len(prompt) >= self.context_tokens:
            raise UserError(
                f"the prompt has {len(prompt)} tokens but the model's context holds {self.context_tokens}"
            )
        if not self._busy.acquire(blocking=False):
            raise UserError("the model is still busy with another answer")
        try:
            yield from self._stream_locked(list(prompt), options, cancel, stats or GenerationStats())
        finally:
            self._busy.release()

    #: Blank tokens tolerated before the answer starts; then the model is made to speak.
    MAX_LEADING_BLANKS = 8

    def _stream_locked(self, prompt, options, cancel, stats) -> Iterator[str]:
        self.last_stats = stats
        stats.prompt_tokens = len(prompt)
        stats.cached_tokens = self.cached_prefix_tokens(prompt)
        started = time.perf_counter()
        # First try with llama.cpp's native samplers only (fast). Should the model end, or only
        # emit blank lines, before saying anything, ask again with those tokens forbidden: the
        # prompt is in the KV cache by then, so the retry costs little, and an answer is never empty.
        for force_speech in (False, True):
            spoke = yield from self._generate(prompt, options, cancel, stats, started, force_speech)
            if spoke or stats.stop_reason == "cancelled":
                return

    def _generate(self, prompt, options, cancel, stats, started, force_speech):
        """One generation pass; returns whether any text was produced."""
        max_tokens = max(1, min(options.max_tokens, self.context_tokens - len(prompt)))
        text = _StopFilter(options.stop)
        decoder = codecs.getincrementaldecoder("utf-8")("replace")
        spoke = False
        processors = None
        if force_speech:
            banned = self._blank_or_end_tokens

            def no_empty_answer(input_ids, scores):
                if not spoke:
                    scores[banned] = -float("inf")
                return scores

            processors = _import_llama_cpp().LogitsProcessorList([no_empty_answer])
        self._llama.set_seed(options.seed)
        generator = self._llama.generate(
            prompt, top_k=options.top_k, top_p=options.top_p, temp=options.temperature,
            repeat_penalty=options.repeat_penalty, reset=True, logits_processor=processors,
        )
        stats.stop_reason = "length"
        produced = 0
        try:
            for token in generator:
                if cancel is not None and cancel.is_set():
                    stats.stop_reason = "cancelled"
                    break
                now = time.perf_counter()
                if not stats.ttft_s:
                    stats.ttft_s = now - started
                stats.generated_tokens += 1
                stats.generation_s = now - started - stats.ttft_s
                produced += 1
                if self._is_end_token(token):
                    stats.stop_reason = "eos"
                    break
                piece = decoder.decode(self._piece(token))
                if not spoke:
                    piece = piece.lstrip()
                    spoke = bool(piece)
                    if not spoke and produced >= self.MAX_LEADING_BLANKS and not force_speech:
                        break
                out, stopped = text.feed(piece)
                if out:
                    yield out
                if stopped:
                    stats.stop_reason = "stop"
                    break
                if produced >= max_tokens:
                    stats.stop_reason = "length" if max_tokens == options.max_tokens else "context"
                    break
            if stats.stop_reason not in ("stop", "cancelled"):
                tail = text.flush(decoder.decode(b"", final=True))
                if tail:
                    spoke = spoke or bool(tail.strip())
                    yield tail
        finally:
            generator.close()  # llama.cpp keeps what it evaluated; the next prompt reuses the prefix
        return spoke

    @cached_property
    def _blank_or_end_tokens(self) -> list[int]:
        """Tokens that may not open an answer: end-of-turn and blank ones."""
        ids = {self.eos_token}
        for blank in ("\n", "\n\n", "\n\n\n", " ", "  ", "\t", " \n"):
            toks = self.tokenize(blank)
            if len(toks) == 1:
                ids.add(toks[0])
        for special in ("<end_of_turn>", "<|im_end|>", "<|eot_id|>", "<|endoftext|>", "</s>"):
            toks = self.tokenize(special, special=True)
            if len(toks) == 1 and self._is_end_token(toks[0]):
                ids.add(toks[0])
        return sorted(i for i in ids if i >= 0)

    def forget_cache(self) -> None:
        """Drop what the KV cache holds, so the next prompt is evaluated from scratch (benchmarks)."""
        self._llama.reset()

    def complete(self, prompt: Sequence[int], options: GenerationOptions = GenerationOptions(), cancel=None) -> str:
        """The whole answer at once (tests, benchmarks); raises Cancelled when cancelled."""
        out = "".join(self.stream(prompt, options, cancel))
        if self.last_stats.stop_reason == "cancelled":
            raise Cancelled()
        return out

    def close(self) -> None:
        llama, self._llama = getattr(self, "_llama", None), None
        if llama is not None:
            llama.close()


@dataclass
class _StopFilter:
    """Holds back text that might be the start of a stop sequence; cuts at the first one."""

    stops: tuple[str, ...]
    pending: str = field(default="")

    def feed(self, piece: str) -> tuple[str, bool]:
        self.pending += piece
        hits = [i for i in (self.pending.find(s) for s in self.stops if s) if i >= 0]
        if hits:
            out, self.pending = self.pending[: min(hits)], ""
            return out, True
        keep = 0
        for stop in self.stops:
            for n in range(min(len(stop) - 1, len(self.pending)), 0, -1):
                if self.pending.endswith(stop[:n]):
                    keep = max(keep, n)
                    break
        cut = len(self.pending) - keep
        out, self.pending = self.pending[:cut], self.pending[cut:]
        return out, False

    def flush(self, tail: str = "") -> str:
        out, self.pending = self.pending + tail, ""
        return out
