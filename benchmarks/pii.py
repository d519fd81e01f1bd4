"""Personal-data detection: precision and recall of desktop_rag.core.privacy.pii on a labelled set.

The set (benchmarks/data/pii_labelled.jsonl, built by benchmarks/data/make_pii_set.py) holds
Korean and English sentences from HR letters, medical notes, invoices, contracts, chat and
server logs, CSV and JSON lines; about 45% have no personal data but near misses (dates, times,
order and invoice numbers, ISBNs, versions, amounts, postal codes, IMEIs, business registration
numbers...). Its second and third batches were held out: see make_pii_set.py for how the
detector scored on them before it saw them - a fairer estimate than the figures on the whole set.

Two scores per kind and overall (micro-averaged):
  exact  - a found span counts only if kind, start and end all match a label;
  chars  - character overlap: precision is the share of masked characters that are labelled
           personal data of that kind, recall the share of labelled characters masked as that kind.
"masking" ignores the kind: what matters for privacy is that the characters are hidden.
Then every miss and false alarm is listed. Target: precision and recall >= 0.95.

    python -m benchmarks.pii [--set FILE] [--quiet]
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from desktop_rag.core.privacy.pii import KINDS, Finding, find_personal_data

DEFAULT_SET = Path(__file__).parent / "data" / "pii_labelled.jsonl"


@dataclass
class Counts:
    tp: int = 0
    fp: int = 0
    fn: int = 0

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def add(self, other: Counts) -> None:
        self.tp, self.fp, self.fn = self.tp + other.tp, self.fp + other.fp, self.fn + other.fn


@dataclass
class Report:
    exact: dict[str, Counts] = field(default_factory=lambda: {k: Counts() for k in KINDS})
    chars: dict[str, Counts] = field(default_factory=lambda: {k: Counts() for k in KINDS})
    masking: Counts = field(default_factory=Counts)  # character level, kind ignored
    misses: list[tuple[str, str, str]] = field(default_factory=list)  # (kind, span text, line)
    false_alarms: list[tuple[str, str, str]] = field(default_factory=list)
    texts: int = 0
    chars_scanned: int = 0
    seconds: float = 0.0

    @staticmethod
    def total(per_kind: dict[str, Counts]) -> Counts:
        out = Counts()
        for c in per_kind.values():
            out.add(c)
        return out


def load_set(path: Path = DEFAULT_SET) -> list[dict]:
    with path.open(encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def score(rows: Iterable[dict], detect: Callable[[str], list[Finding]] = find_personal_data) -> Report:
    """Run ``detect`` on every text and compare with the labels (see the module docstring)."""
    report = Report()
    for row in rows:
        text = row["text"]
        gold = {(s["kind"], s["start"], s["end"]) for s in row["spans"]}
        began = time.perf_counter()
        found = {(f.kind, f.start, f.end) for f in detect(text)}
        report.seconds += time.perf_counter() - began
        report.texts += 1
        report.chars_scanned += len(text)
        for kind in KINDS:
            g = {s for s in gold if s[0] == kind}
            p = {s for s in found if s[0] == kind}
            report.exact[kind].add(Counts(len(g & p), len(p - g), len(g - p)))
            gc, pc = _chars(g), _chars(p)
            report.chars[kind].add(Counts(len(gc & pc), len(pc - gc), len(gc - pc)))
        gc, pc = _chars(gold), _chars(found)
        report.masking.add(Counts(len(gc & pc), len(pc - gc), len(gc - pc)))
        report.misses += [(k, text[s:e], text) for k, s, e in sorted(gold - found, key=lambda x: x[1])]
        report.false_alarms += [(k, text[s:e], text) for k, s, e in sorted(found - gold, key=lambda x: x[1])]
    return report


def _chars(spans: Iterable[tuple[str, int, int]]) -> set[int]:
    return {i for _, start, end in spans for i in range(start, end)}


def print_report(report: Report, verbose: bool = True) -> None:
    print(
        f"{report.texts} texts, {report.chars_scanned} characters, "
        f"{report.chars_scanned / max(report.seconds, 1e-9) / 1e6:.2f} M chars/s"
    )
    print(
        f"{'kind':9} {'labels':>6} {'found':>6} | {'exact P':>7} {'R':>6} {'F1':>6} | {'chars P':>7} {'R':>6} {'F1':>6}"
    )
    rows = [(k, report.exact[k], report.chars[k]) for k in KINDS]
    rows.append(("overall", Report.total(report.exact), Report.total(report.chars)))
    for name, e, c in rows:
        print(
            f"{name:9} {e.tp + e.fn:6} {e.tp + e.fp:6} | {e.precision:7.3f} {e.recall:6.3f} {e.f1:6.3f} "
            f"| {c.precision:7.3f} {c.recall:6.3f} {c.f1:6.3f}"
        )
    m = report.masking
    print(f"masking, any kind (chars): precision {m.precision:.3f}, recall {m.recall:.3f}, F1 {m.f1:.3f}")
    if verbose:
        for title, items in (("misses", report.misses), ("false alarms", report.false_alarms)):
            print(f"\n{title}: {len(items)}")
            for kind, span, line in items:
                print(f"  {kind:8} {span!r:32} in {line!r}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--set", type=Path, default=DEFAULT_SET, help="labelled JSONL file")
    parser.add_argument("--quiet", action="store_true", help="figures only, no list of errors")
    args = parser.parse_args(argv)
    report = score(load_set(args.set))
    print_report(report, verbose=not args.quiet)
    overall = Report.total(report.exact)
    ok = overall.precision >= 0.95 and overall.recall >= 0.95
    print(f"\ntarget precision and recall >= 0.95 (exact spans): {'met' if ok else 'NOT met'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
