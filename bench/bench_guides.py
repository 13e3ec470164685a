"""Policy-guide search over 2,000 articles: build time, search latency, memory, and quality.

Generates `--articles` synthetic guides whose words are drawn from the shipped seed articles (titles,
keywords and bodies resampled, markets and flows shuffled, a tenth carrying a seed's translation),
builds a GuideIndex over them and runs `--queries` questions (the labelled rep questions, then
random 3-10 word questions from the same vocabulary, some misspelt, some Japanese or Chinese).
Baselines measured in the same run: tokenising the question alone, and the same search over the
32 shipped guides. Goal (issue #8): p99 search latency under 50 ms over 2,000 articles.
Also prints top-1 / top-3 on tests/guides/labelled_questions.yaml over the shipped guides.

Usage: python bench/bench_guides.py [--articles 2000] [--queries 2000] [--seed 8]
"""

from __future__ import annotations

import argparse
import gc
import os
import random
import statistics
import sys
import time
import tracemalloc
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

import yaml

from bot.config.errors import ConfigProblem
from bot.config.guides import load_guides
from bot.domain.guide import MARKETS, Guide
from bot.services.guide_search import GuideIndex, has_good_match, tokenize

ROOT = Path(__file__).resolve().parents[1]
LABELLED = ROOT / "tests" / "guides" / "labelled_questions.yaml"
HELDOUT = ROOT / "tests" / "guides" / "heldout_questions.yaml"
HELDOUT_TITLES = ROOT / "tests" / "guides" / "heldout_questions_titles.yaml"
TODAY = date(2026, 11, 25)


def shipped_guides() -> tuple[Guide, ...]:
    problems: list[ConfigProblem] = []
    flows = {p.stem for p in (ROOT / "escalation_flows").glob("*.yaml") if not p.name.startswith("_")}
    guides = load_guides(ROOT / "policy_guides", flow_ids=flows, today=TODAY, problems=problems, warnings=[])
    if problems:
        raise SystemExit("\n".join(map(str, problems)))
    return guides


def synthetic_guides(seeds: tuple[Guide, ...], count: int, rng: random.Random) -> list[Guide]:
    """`count` articles with the seeds' vocabulary and word frequencies, but each one different."""
    words = [w for g in seeds for w in g.body.split()]
    title_words = [w for g in seeds for w in g.title.split()]
    keywords = [k for g in seeds for k in g.keywords]
    flows = sorted({f for g in seeds for f in g.flows})
    with_translation = [g for g in seeds if g.translations]
    made = []
    for n in range(count):
        seed = seeds[n % len(seeds)]
        own = seed.body.split()
        body = " ".join(rng.choices(own, k=len(own) // 2) + rng.choices(words, k=rng.randint(60, 200)))
        title = " ".join(
            rng.sample(seed.title.split(), k=min(3, len(seed.title.split()))) + rng.choices(title_words, k=3)
        )
        guide = replace(
            seed,
            id=f"{seed.id}-{n}",
            title=title,
            body=body,
            keywords=tuple(rng.sample(seed.keywords, k=min(4, len(seed.keywords))) + rng.choices(keywords, k=4)),
            markets=tuple(rng.sample(sorted(MARKETS), k=rng.randint(1, 3))) if rng.random() < 0.7 else ("ALL",),
            flows=tuple(rng.sample(flows, k=2)),
            translations=(),
        )
        if rng.random() < 0.1:
            guide = replace(guide, translations=rng.choice(with_translation).translations)
        made.append(guide)
    return made


def questions(seeds: tuple[Guide, ...], count: int, rng: random.Random) -> list[dict[str, Any]]:
    """The labelled questions, then random ones from the same words (every fifth misspelt)."""
    labelled = yaml.safe_load(LABELLED.read_text(encoding="utf-8"))["questions"]
    vocabulary = [w for g in seeds for w in (*g.title.split(), *g.keywords, *g.body.split())]
    foreign = [t.title for g in seeds for t in g.translations]
    asked: list[dict[str, Any]] = [dict(q) for q in labelled]
    while len(asked) < count:
        if rng.random() < 0.05:
            asked.append({"q": rng.choice(foreign), "locale": "ja-JP"})
            continue
        picked = rng.choices(vocabulary, k=rng.randint(3, 10))
        if len(asked) % 5 == 0:
            word = max(picked, key=len)
            cut = rng.randrange(1, max(2, len(word) - 1))
            picked[picked.index(word)] = word[:cut] + word[cut + 1 :]
        asked.append({"q": " ".join(picked), "market": rng.choice([None, *sorted(MARKETS)])})
    return asked[:count]


def timed(func: Any, items: list[dict[str, Any]]) -> list[float]:
    latencies = []
    for item in items:
        started = time.perf_counter()
        func(item)
        latencies.append(time.perf_counter() - started)
    return latencies


def percentile(values: list[float], q: int) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1]


def build_seconds(guides: list[Guide], repeat: int) -> tuple[float, GuideIndex]:
    times = []
    index = GuideIndex(guides)
    for _ in range(repeat):
        started = time.perf_counter()
        index = GuideIndex(guides)
        times.append(time.perf_counter() - started)
    return statistics.median(times), index


def allocated_mb(guides: list[Guide]) -> float:
    """Python and numpy allocations still held by a freshly built index."""
    gc.collect()
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    index = GuideIndex(guides)
    held = tracemalloc.get_traced_memory()[0] - before
    tracemalloc.stop()
    del index
    return held / 1e6


def quality(index: GuideIndex, path: Path = LABELLED) -> tuple[float, float, float, float, int]:
    labelled = yaml.safe_load(path.read_text(encoding="utf-8"))["questions"]
    top1 = top3 = good = gaps = 0
    answerable = [q for q in labelled if q["expect"]]
    for q in labelled:
        hits = index.search(q["q"], market=q.get("market"), locale=q.get("locale"), k=3)
        ids = [h.guide.id for h in hits]
        if q["expect"]:
            top1 += bool(ids) and ids[0] == q["expect"]
            top3 += q["expect"] in ids
            good += has_good_match(hits)
        else:
            gaps += not has_good_match(hits)
    unanswerable = len(labelled) - len(answerable)
    n = len(answerable)
    return top1 / n, top3 / n, good / n, gaps / unanswerable if unanswerable else float("nan"), n


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--articles", type=int, default=2000)
    parser.add_argument("--queries", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=8)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    seeds = shipped_guides()
    corpus = synthetic_guides(seeds, args.articles, rng)
    asked = questions(seeds, args.queries, rng)

    small_build, small = build_seconds(list(seeds), repeat=5)
    big_build, big = build_seconds(corpus, repeat=5)
    small_mb, big_mb = allocated_mb(list(seeds)), allocated_mb(corpus)

    def search_big(q: dict[str, Any]) -> None:
        big.search(q["q"], market=q.get("market"), locale=q.get("locale"))

    def search_small(q: dict[str, Any]) -> None:
        small.search(q["q"], market=q.get("market"), locale=q.get("locale"))

    def tokenise(q: dict[str, Any]) -> None:
        tokenize(q["q"])

    for func in (search_big, search_small, tokenise):  # warm-up: caches, numpy's first calls
        timed(func, asked[:200])
    runs = {
        "tokenise the question alone (baseline)": timed(tokenise, asked),
        f"search {len(seeds)} shipped guides (baseline)": timed(search_small, asked),
        f"search {len(corpus)} guides": timed(search_big, asked),
    }
    documents = len(corpus) + sum(len(g.translations) for g in corpus)
    print(
        f"\nPolicy-guide search: {len(corpus)} synthetic articles ({documents} documents with translations), "
        f"{len(asked)} questions; {os.cpu_count()} CPUs, Python {sys.version.split()[0]}"
    )
    print(f"{'':44} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'max ms':>8}")
    figures = {}
    for name, latencies in runs.items():
        figures[name] = [percentile(latencies, q) * 1000 for q in (50, 95, 99)] + [max(latencies) * 1000]
        print(f"{name:44} " + " ".join(f"{v:8.3f}" for v in figures[name]))
    names = list(runs)
    for baseline in names[:2]:
        ratio = [b / a for a, b in zip(figures[baseline], figures[names[2]], strict=True)]
        label = "ratio to " + baseline.removesuffix(" (baseline)")[:33]
        print(f"{label:44} " + " ".join(f"{v:8.1f}" for v in ratio))
    p99 = figures[names[2]][2]
    print(f"p99 over {len(corpus)} articles: {p99:.2f} ms — goal < 50 ms: {'met' if p99 < 50 else 'NOT met'}")
    print(
        f"build: {len(seeds)} guides {small_build * 1000:.1f} ms, {len(corpus)} guides {big_build * 1000:.0f} ms "
        f"(ratio {big_build / small_build:.0f}); index memory {small_mb:.1f} MB vs {big_mb:.1f} MB "
        f"(tracemalloc); peak RSS {rss_mb():.0f} MB"
    )
    top1, top3, good, gaps, n = quality(small)
    print(
        f"labelled set ({n} answerable questions, shipped guides): top-1 {top1:.3f}, top-3 {top3:.3f}; "
        f"good match {good:.3f}, unanswerable seen as gaps {gaps:.3f}"
    )
    top1, top3, good, _, n = quality(small, HELDOUT)
    print(f"held-out set, first ({n} questions): top-1 {top1:.3f}, top-3 {top3:.3f}; good {good:.3f}")
    top1, top3, good, gaps, n = quality(small, HELDOUT_TITLES)
    print(
        f"held-out set from the titles ({n} answerable questions): top-1 {top1:.3f}, top-3 {top3:.3f}; "
        f"good {good:.3f}, unanswerable seen as gaps {gaps:.3f}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
