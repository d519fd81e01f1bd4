"""Sentence support check: precision, recall and milliseconds per answer on the labelled set.

    python -m benchmarks.support_check            # the default embedder (multilingual e5) + lexical only
    python -m benchmarks.support_check --fit      # also print the weight/threshold grid

The set (benchmarks/data/support_set.json) holds answer sentences labelled supported, unsupported
or miscited against passages of the shared documents. Each case is checked as one answer
(its sentences joined), the way ChatSession checks a generated answer.

Figures: *flag* precision/recall is about catching problems (a sentence flagged unsupported or
miscited should be one, and every such sentence should be flagged); *supported* precision/recall
is the same for sentences the check lets through; *corrections* counts miscited sentences whose
suggested source is a right one.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import time
from functools import cache
from pathlib import Path

from desktop_rag.core.answer.support import MISCITED, NOT_CHECKED, UNSUPPORTED, SupportChecker, checker_for

SET = Path(__file__).with_name("data") / "support_set.json"


def shared_data() -> Path:
    env = os.environ.get("DESKTOP_RAG_SHARED_DATA")
    for candidate in ([Path(env)] if env else []) + [Path(__file__).resolve().parents[2] / "shared" / "data", Path("/work/shared/data")]:
        if candidate.is_dir():
            return candidate
    raise SystemExit("shared data not found: set DESKTOP_RAG_SHARED_DATA")


@cache
def _korquad_contexts(root: Path) -> list[str]:
    data = json.loads((root / "retrieval/korquad_v1/KorQuAD_v1.0_dev.part1.json").read_text(encoding="utf-8"))
    return [p["context"] for article in data["data"] for p in article["paragraphs"]]


@cache
def _cranfield(root: Path) -> dict[int, str]:
    raw = (root / "retrieval/cranfield/cran.all.1400").read_text(encoding="latin-1").replace("\r", "")
    docs = {}
    for part in re.split(r"\n?\.I ", raw)[1:]:
        number, _, rest = part.partition("\n")
        docs[int(number)] = " ".join(rest.split(".W\n", 1)[-1].split())
    return docs


def load_passage(spec: dict, root: Path) -> str:
    """The passage text a source spec of the set points to."""
    if "korquad" in spec:
        return next(c for c in _korquad_contexts(root) if spec["korquad"] in c)
    if "cranfield" in spec:
        return _cranfield(root)[int(spec["cranfield"])]
    text = (root / spec["file"]).read_text(encoding="utf-8")
    start = text.index(spec["find"])
    start = text.rfind("\n", 0, start) + 1
    limit = int(spec.get("chars", 600))
    passage = text[start : start + limit]
    if len(passage) < limit:
        return passage
    ends = [m.end() for m in re.finditer(r"[a-z0-9)\]'\"\uac00-\ud7a3*] ?\.(?:\[\d+\])*(?=\s)", passage)]  # not after "J."
    return passage[: ends[-1]] if ends else passage


def load_set(root: Path | None = None) -> list[dict]:
    """The cases, each with its passages loaded (``passages``: number -> text)."""
    root = root or shared_data()
    cases = json.loads(SET.read_text(encoding="utf-8"))["cases"]
    for case in cases:
        case["passages"] = {i + 1: load_passage(s, root) for i, s in enumerate(case["sources"])}
    return cases


def evaluate(checker: SupportChecker, cases: list[dict]) -> dict:
    """Run the checker on every case (one answer each) and score its verdicts against the labels."""
    rows, times = [], []
    for case in cases:
        answer = "".join(s["text"] + ("\n" if s["text"].endswith(":") else " ") for s in case["sentences"])
        started = time.perf_counter()
        report = checker.check(answer, case["passages"])
        times.append((time.perf_counter() - started) * 1000)
        if len(report.sentences) != len(case["sentences"]):
            raise AssertionError(f"{case['id']}: split into {len(report.sentences)} sentences, labelled {len(case['sentences'])}")
        for got, want in zip(report.sentences, case["sentences"], strict=True):
            rows.append((case["lang"], want, got))
    return {"rows": rows, "ms": times}


def metrics(rows, lang: str | None = None) -> dict:
    rows = [r for r in rows if lang is None or r[0] == lang]
    checked = [(w, g) for _, w, g in rows if w["label"] != "no_claim"]
    flagged_truth = [w["label"] in (UNSUPPORTED, MISCITED) for w, _ in checked]
    flagged = [g.verdict in (UNSUPPORTED, MISCITED, NOT_CHECKED) for _, g in checked]

    def pr(truth, pred):
        tp = sum(t and p for t, p in zip(truth, pred, strict=True))
        return tp / max(sum(pred), 1), tp / max(sum(truth), 1)

    flag_p, flag_r = pr(flagged_truth, flagged)
    sup_p, sup_r = pr([not t for t in flagged_truth], [not f for f in flagged])
    miscited = [(w, g) for w, g in checked if w["label"] == MISCITED]
    corrected = sum(g.verdict == MISCITED and g.corrected in w.get("correct", ()) for w, g in miscited)
    exact = sum(w["label"] == g.verdict for w, g in checked)
    no_claim = [g.verdict == NOT_CHECKED for _, w, g in rows if w["label"] == "no_claim"]
    return {
        "sentences": len(checked), "flag_precision": flag_p, "flag_recall": flag_r, "supported_precision": sup_p,
        "supported_recall": sup_r, "exact": exact / max(len(checked), 1), "corrected": f"{corrected}/{len(miscited)}",
        "lead_ins_skipped": f"{sum(no_claim)}/{len(no_claim)}",
    }  # fmt: skip


def report(name: str, result: dict) -> None:
    ms = result["ms"]
    print(f"\n{name}: {statistics.median(ms):.1f} ms per answer (median of {len(ms)}, max {max(ms):.1f})")
    print(f"{'':6} {'n':>4} {'flag P':>7} {'flag R':>7} {'supp P':>7} {'supp R':>7} {'exact':>6} {'fixes':>6} {'lead-ins':>8}")
    for lang in ("ko", "en", None):
        m = metrics(result["rows"], lang)
        print(f"{lang or 'all':6} {m['sentences']:>4} {m['flag_precision']:>7.3f} {m['flag_recall']:>7.3f} {m['supported_precision']:>7.3f} "
              f"{m['supported_recall']:>7.3f} {m['exact']:>6.3f} {m['corrected']:>6} {m['lead_ins_skipped']:>8}")


def misses(result: dict) -> None:
    for lang, want, got in result["rows"]:
        if want["label"] != "no_claim" and want["label"] != got.verdict:
            print(f"  {lang} want {want['label']:<11} got {got.verdict:<11} {got.score:.2f} {want['text'][:70]}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fit", action="store_true", help="print a grid of weights and thresholds")
    parser.add_argument("--misses", action="store_true", help="list the sentences the check gets wrong")
    args = parser.parse_args()
    cases = load_set()
    from desktop_rag.core.config import MULTILINGUAL_E5
    from desktop_rag.core.models.embedder import create_embedder
    from desktop_rag.core.paths import resolve_paths

    models_dir = resolve_paths().models_dir  # DESKTOP_RAG_MODELS_DIR or the app's own
    embedder = create_embedder(MULTILINGUAL_E5, models_dir)
    embedder.embed_query("warm-up")
    embedded = [0]
    fast = checker_for(embedder)

    def counted(texts):
        embedded[0] += len(texts)
        return fast.embed(texts)

    checker = SupportChecker(counted, fast.cosine_range, fast.threshold)
    results = {"multilingual-e5-small + words, numbers, names": evaluate(checker, cases),
               "words, numbers and names only (no embedder)": evaluate(SupportChecker(), cases)}
    print(f"texts embedded per answer (sentences and spans near the threshold only): {embedded[0] / len(cases):.1f}")
    for name, result in results.items():
        report(name, result)
        if args.misses:
            misses(result)
    if args.fit:
        print("\nthreshold  lexical-weight  flag-F1 (all)")
        for weight in (0.5, 0.6, 0.7):
            for threshold in (0.45, 0.5, 0.55, 0.6, 0.65):
                fitted = SupportChecker(checker.embed, checker.cosine_range, threshold, weight, 1 - weight)
                m = metrics(evaluate(fitted, cases)["rows"])
                f1 = 2 * m["flag_precision"] * m["flag_recall"] / max(m["flag_precision"] + m["flag_recall"], 1e-9)
                print(f"{threshold:>9} {weight:>15} {f1:>8.3f}  P {m['flag_precision']:.3f} R {m['flag_recall']:.3f}")


if __name__ == "__main__":
    main()
