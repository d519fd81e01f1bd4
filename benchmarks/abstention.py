"""When to answer and when to say "the documents don't contain it": the relevance gate.

Indexes KorQuAD paragraphs and Cranfield abstracts into one library, then scores the gate
(desktop_rag.core.answer.grounding.assess_relevance) on answerable questions (the sets' own
questions) and on off-topic questions written for this benchmark (everyday topics neither
set covers, English and Korean). Prints, for a grid of thresholds, the share of answerable
questions let through and of off-topic questions refused, side by side.

    python -m benchmarks.abstention [--model builtin:all-MiniLM-L6-v2] [--workdir DIR]
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time
from pathlib import Path

from desktop_rag.core.answer.grounding import DEFAULT_COVERAGE_THRESHOLD, assess_relevance
from desktop_rag.core.config import MULTILINGUAL_E5, Settings
from desktop_rag.core.engine import RagEngine
from desktop_rag.core.paths import AppPaths

from .datasets import cranfield, korquad

OFF_TOPIC_EN = [
    "How long should I boil an egg for a soft yolk?",
    "What is the best way to remove a red wine stain from a carpet?",
    "Who won the football World Cup in 2014?",
    "How do I reset the password of my home Wi-Fi router?",
    "What are the symptoms of iron deficiency?",
    "How much income tax does a freelancer pay on a second job?",
    "What is a good recipe for banana bread?",
    "How many vacation days does an employee get by law?",
    "Which houseplants are safe for cats?",
    "How do I train a puppy to stop biting?",
    "What is the capital gains tax rate on shares?",
    "When does the warranty of my smartphone battery end?",
    "How do I write a cover letter for a nursing job?",
    "What should I pack for a week of skiing?",
    "What is the notice period for terminating an apartment lease?",
    "How do vaccines for influenza get updated every year?",
    "Which knitting needles are best for beginners?",
    "What time does the pharmacy open on Sundays?",
    "How can I improve my credit score quickly?",
    "What is the plot of the novel Pride and Prejudice?",
]
OFF_TOPIC_KO = [
    "김치찌개를 맛있게 끓이는 방법은 무엇인가?",
    "아파트 전세 계약을 해지하려면 몇 달 전에 알려야 하나?",
    "스마트폰 배터리를 오래 쓰는 방법은?",
    "연말정산에서 의료비 공제를 받으려면 무엇이 필요한가?",
    "강아지가 산책을 싫어할 때 어떻게 해야 하나?",
    "다이어트에 좋은 아침 식사 메뉴는 무엇인가?",
    "운전면허 갱신은 어디에서 할 수 있나?",
    "감기에 걸렸을 때 먹으면 좋은 음식은?",
    "초등학생 영어 공부는 어떻게 시작하면 좋을까?",
    "퇴직금은 어떻게 계산하나?",
    "겨울철 보일러 동파를 막는 방법은?",
    "제주도 여행에서 꼭 가봐야 할 곳은 어디인가?",
    "신용카드 포인트를 현금으로 바꾸는 방법은?",
    "고양이가 사료를 먹지 않는 이유는 무엇인가?",
    "주택 청약 가점은 어떻게 계산하나?",
    "허리 통증을 줄이는 스트레칭 방법은?",
    "커피를 마시면 잠이 안 오는 이유는?",
    "결혼식 축의금은 얼마가 적당한가?",
    "중고차를 살 때 확인해야 할 것은 무엇인가?",
    "육아휴직 급여는 얼마나 받을 수 있나?",
]


def build(workdir: Path, model: str) -> RagEngine:
    docs = workdir / "docs"
    if not docs.exists():
        docs.mkdir(parents=True)
        for prefix, data in (("kq", korquad()), ("cr", cranfield())):
            for doc_id, text in data.docs.items():
                (docs / f"{prefix}-{doc_id}.txt").write_text(text, encoding="utf-8")
    engine = RagEngine(
        AppPaths(workdir / f"lib-{model.replace(':', '_').replace('/', '_')}"),
        Settings(embedding_model=model),
    )
    started = time.perf_counter()
    report = engine.index_folder(docs)
    print(
        f"library: {report.files_seen} documents, {engine.store.chunk_count()} chunks ({time.perf_counter() - started:.0f} s)"
    )
    return engine


def signals(engine: RagEngine, questions: list[str]) -> list[tuple[float, float | None]]:
    """(coverage, best cosine) per question; the cosine only where the embedder reads the
    question's language, as ChatSession does (an English model's cosines on Korean are noise)."""
    out = []
    for q in questions:
        hits = engine.search(q, 6)
        rel = assess_relevance(engine.store, q, hits, None)
        trusted = engine.embedder.language_coverage(q) >= 0.8
        out.append((rel.coverage, rel.dense if trusted else None))
    return out


def pick(values: list[float], share: float) -> float:
    """The value below which ``share`` of the sorted ``values`` lie."""
    return values[min(len(values) - 1, int(share * len(values)))] if values else float("nan")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", default=MULTILINGUAL_E5)
    parser.add_argument("--workdir")
    parser.add_argument("--sample", type=int, default=200, help="KorQuAD questions sampled")
    args = parser.parse_args()
    workdir = Path(args.workdir) if args.workdir else Path(tempfile.mkdtemp(prefix="abstention-"))
    engine = build(workdir, args.model)
    rng = random.Random(7)
    kq = [q for _, q in korquad().queries]
    answerable = {
        "KorQuAD": rng.sample(kq, min(args.sample, len(kq))),
        "Cranfield": [q for _, q in cranfield().queries],
    }
    off = {"off-topic EN": OFF_TOPIC_EN, "off-topic KO": OFF_TOPIC_KO}
    measured = {name: signals(engine, qs) for name, qs in {**answerable, **off}.items()}
    for name, values in measured.items():
        cov = sorted(c for c, _ in values)
        cos = sorted(d for _, d in values if d is not None)
        print(
            f"{name:>13}: coverage p5 {pick(cov, 0.05):.2f} p50 {pick(cov, 0.5):.2f} p95 {pick(cov, 0.95):.2f} max {cov[-1]:.2f}"
            f" | cosine p5 {pick(cos, 0.05):.3f} p50 {pick(cos, 0.5):.3f} p95 {pick(cos, 0.95):.3f} max {pick(cos, 1):.3f}"
        )
    chosen = engine.embedder.on_topic_cosine
    row = []
    for name, values in measured.items():
        passed = [
            c >= DEFAULT_COVERAGE_THRESHOLD or (chosen is not None and d is not None and d >= chosen)
            for c, d in values
        ]
        share = sum(passed) / len(passed)
        row.append(f"{name} {share if name in answerable else 1 - share:.3f}")
    print(f"chosen (coverage {DEFAULT_COVERAGE_THRESHOLD}, cosine {chosen}): " + ", ".join(row))
    print(f"model {engine.embedder.name}; share answered (answerable sets) / share refused (off-topic sets)")
    header = "coverage  cosine   " + "  ".join(f"{n:>13}" for n in measured)
    print(header)
    for cov in (0.4, 0.5, 0.6):
        for cos in (None, 0.82, 0.83, 0.84, 0.85, 0.86, 0.4, 0.45, 0.5, 0.55):
            row = []
            for name, values in measured.items():
                passed = [c >= cov or (cos is not None and d is not None and d >= cos) for c, d in values]
                share = sum(passed) / len(passed)
                row.append(share if name in answerable else 1 - share)
            print(
                f"{cov:8.2f}  {'-' if cos is None else f'{cos:.2f}':>6}   "
                + "  ".join(f"{v:13.3f}" for v in row)
            )
    engine.close()


if __name__ == "__main__":
    main()
