"""How the search engine scales: build time, memory and query latency at 1k and at N items (SRCH-02).

No database is involved: the items are SearchDocs handed straight to ``SearchEngine.rebuild``.
They are made from the real Sichuan catalog of 广安区 (1,135 items): the real items come first,
then items whose names recombine real parts, deterministically (fixed seed). Each real name is
split (jieba) into a subject and its action word (``食品经营许可`` + ``核发``); a subject gets the
actions seen on it and the actions seen together with those on other subjects (核发 → 变更, 延续,
注销 …), so names stay plausible, bare or with a qualifier real names carry (（县级）, （承诺件）).
Every synthetic item belongs to a real Sichuan county (GB/T 2260 codes), whose agency is named
after the real department (广安市广安区市场监督管理局 → 成都市锦江区市场监督管理局); 30% of them
repeat a real name, as counties implement the same items.

Reported at 1k (the first 1,000 documents) and at N: engine set-up (lexicon; the same at any
size), ``rebuild`` time and docs/s, RSS growth of the process while building (VmRSS from
/proc/self/status), p50/p99 of ``engine.search(q, limit=10)`` over the dev and held-out query
sets, and the peer measured in the same run: the same queries as a brute-force
``rapidfuzz.process.extract`` scan (WRatio, top 10) over the same names.

    .venv/bin/python bench/search_scale.py [--items 100000] [--queries N] [--json]
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import random
import re
import resource
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

import jieba

from tongban.catalog.enums import ITEM_TYPE_BY_GBT_CODE, ItemType
from tongban.catalog.sichuan import audiences, full_name
from tongban.search.engine import SearchEngine
from tongban.search.evaluate import evaluate, load_queries
from tongban.search.index import SearchDoc
from tongban.search.sources import region_keys

ROOT = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("TONGBAN_SHARED_DIR") or ROOT.parent / "shared")
SEED = 20240611
QUALIFIER = re.compile(r"(（[^（）]*）|\([^()]*\))+$")
# Qualifiers the real names carry (食品经营许可核发（县级）); each recombined name also appears bare.
QUALIFIERS = ("", "（县级）", "（县级行使）", "（县级权限）", "（市级）", "（承诺件）", "（即办件）", "（新增）")
TARGETS = {"p99_1k_ms": 10.0, "p99_100k_ms": 30.0, "rss_100k_mb": 1024.0}


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def split(name: str) -> tuple[str, str]:
    """Subject and action word: 食品经营许可核发 → (食品经营许可, 核发); ("name", "") when it does not split."""
    match = QUALIFIER.search(name)
    base = name[: match.start()] if match and match.start() > 0 else name
    words = list(jieba.cut(base))
    if len(words) > 1 and len(words[-1]) >= 2 and len(base) - len(words[-1]) >= 2:
        return base[: -len(words[-1])], words[-1]
    return name, ""


def make_docs(items: list[dict], regions: list[tuple[str, str]], n: int) -> tuple[list[SearchDoc], int]:
    rng = random.Random(SEED)
    parts = [(item, *split(item["name"])) for item in items]
    last_words = Counter(action for _, _, action in parts if action)
    actions_of: dict[str, set[str]] = defaultdict(set)
    source: dict[str, dict] = {}
    for item, subject, action in parts:
        if last_words[action] >= 3 and re.fullmatch(r"[\u4e00-\u9fff]+", action):
            actions_of[subject].add(action)
            source.setdefault(subject, item)
    together: dict[str, set[str]] = defaultdict(set)
    for actions in actions_of.values():
        for action in actions:
            together[action] |= actions
    real = {item["name"] for item in items}
    combined = {(subject + action, subject) for subject, actions in actions_of.items() for a in actions for action in together[a]}
    pool = sorted((name + q, subject) for name, subject in combined for q in QUALIFIERS)
    pool = [(name, source[subject]) for name, subject in pool if name not in real]
    rng.shuffle(pool)
    words = sorted({w for item in items for w in jieba.cut(item["name"]) if len(w) >= 2 and re.fullmatch(r"[\u4e00-\u9fff]+", w)})
    agencies: dict[tuple[str, str], int] = {}

    def doc(i: int, name: str, item: dict, code: str, place: str) -> SearchDoc:
        dept = item["department"]
        agency = full_name(dept).replace("广安市广安区", place)
        short = dept if code == "511602" else ("县" if place.endswith("县") else "区") + dept[1:]
        agency_id = agencies.setdefault((code, dept), len(agencies) + 1)
        item_type = ITEM_TYPE_BY_GBT_CODE[item["task_type"].zfill(2)]
        body = f"申请人向{agency}提出{name}申请，提交{rng.choice(words)}、{rng.choice(words)}等材料；经{rng.choice(words)}审查符合条件的，予以办理。"
        return SearchDoc(
            key=f"item:{i}", kind="item", title=name, url=f"/items/{i}",
            fields={"name": name, "aliases": "", "keywords": ItemType(item_type).label, "agency": f"{agency}\n{short}", "body": body},
            facets={
                "kind": ["item"], "audience": audiences(name), "region": region_keys(code), "level": ["county"],
                "agency": [str(agency_id)], "handling_form": ["both", "online", "offline"], "handling_scope": ["fixed"],
                "item_type": [ItemType(item_type).value], "nature": [ItemType(item_type).nature],
            },
            region_code=code, subtitle=agency,
        )

    docs = [doc(i, item["name"], item, "511602", "广安市广安区") for i, item in enumerate(items[:n])]
    for i in range(len(docs), n):
        code, place = rng.choice(regions)
        if rng.random() < 0.3:
            item = rng.choice(items)
            docs.append(doc(i, item["name"], item, code, place))
        else:
            name, item = pool[i % len(pool)]
            docs.append(doc(i, name, item, code, place))
    return docs, len(pool)


def sichuan_counties() -> list[tuple[str, str]]:
    names = dict(line.split(maxsplit=1) for line in (SHARED / "data/regions/data_2024.txt").read_text(encoding="utf-8").splitlines() if line.strip())
    return [(code, names.get(code[:4] + "00", "") + name) for code, name in names.items() if code.startswith("51") and not code.endswith("00")]


def measure(docs: list[SearchDoc], queries: list[tuple[str, list[str]]]) -> dict:
    from rapidfuzz import fuzz, process

    gc.collect()
    before = rss_mb()
    started = time.perf_counter()
    engine = SearchEngine()  # lexicon and pinyin vocabulary: the same at any size
    init_s = time.perf_counter() - started
    engine.rebuild(docs)
    build_s = time.perf_counter() - started - init_s
    gc.collect()
    grown = rss_mb() - before
    ours = evaluate(lambda q: [hit.doc.title for hit in engine.search(q, limit=10)[1].hits], queries)
    names = [d.title for d in docs]
    peer = evaluate(lambda q: [c for c, _, _ in process.extract(q, names, scorer=fuzz.WRatio, limit=10)], queries)
    return {
        "docs": len(docs), "init_s": round(init_s, 2), "build_s": round(build_s, 2), "docs_per_s": round(len(docs) / build_s), "rss_mb": round(grown, 1),
        "tongban": ours.as_dict(), "rapidfuzz": peer.as_dict(), "p99_ratio": round(ours.p99_ms / peer.p99_ms, 3),
    }, engine


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--items", type=int, default=100_000)
    ap.add_argument("--queries", type=int, default=0, help="use only the first N queries (default: all)")
    ap.add_argument("--sichuan", type=Path, default=SHARED / "data/catalogs/sichuan-guangan/items.json")
    ap.add_argument("--json", action="store_true", help="last line: one JSON object with all figures")
    args = ap.parse_args()
    jieba.setLogLevel(60)
    started = time.perf_counter()
    items = json.loads(args.sichuan.read_text(encoding="utf-8"))
    queries = load_queries(SHARED / "data/queries/search_dev.tsv") + load_queries(ROOT / "bench/data/search_heldout.tsv")
    queries = queries[: args.queries] if args.queries else queries
    jieba.initialize()
    before = rss_mb()
    docs, pool = make_docs(items, sichuan_counties(), max(args.items, 1000))
    print(f"no database: {len(docs)} SearchDocs handed to SearchEngine.rebuild ({len(items)} real items of 广安区, "
          f"then real and recombined names in {len(sichuan_counties())} Sichuan counties; {pool} recombined names; "
          f"docs take {rss_mb() - before:.0f} MB)")
    print(f"{len(queries)} queries (dev + held-out); peer: rapidfuzz.process.extract WRatio brute-force scan over the same names")
    print(f"  {'items':>7} {'init s':>6} {'build s':>8} {'docs/s':>7} {'RSS MB':>7} {'p50 ms':>7} {'p99 ms':>7} {'MRR':>6} | {'rf p50':>7} {'rf p99':>7} {'MRR':>6} | p99 tongban/rapidfuzz")
    report: dict = {"items": len(docs), "queries": len(queries), "recombined_names": pool, "database": False, "tiers": {}}
    for size in sorted({1000, len(docs)}):
        tier, engine = measure(docs[:size], queries)
        del engine
        report["tiers"][str(size)] = tier
        t, p = tier["tongban"], tier["rapidfuzz"]
        print(f"  {size:>7} {tier['init_s']:>6.2f} {tier['build_s']:>8.2f} {tier['docs_per_s']:>7} {tier['rss_mb']:>7.0f} {t['p50_ms']:>7.2f} {t['p99_ms']:>7.2f} {t['mrr']:>6.3f} | "
              f"{p['p50_ms']:>7.2f} {p['p99_ms']:>7.2f} {p['mrr']:>6.3f} | ×{tier['p99_ratio']:.3f}")
    small, large = report["tiers"]["1000"], report["tiers"][str(len(docs))]
    checks = {"p99 ≤ 10 ms at 1k": small["tongban"]["p99_ms"] <= TARGETS["p99_1k_ms"]}
    if len(docs) >= 100_000:
        checks["p99 ≤ 30 ms at 100k"] = large["tongban"]["p99_ms"] <= TARGETS["p99_100k_ms"]
        checks["memory ≤ 1 GB at 100k"] = large["rss_mb"] <= TARGETS["rss_100k_mb"]
    print("targets: " + "; ".join(f"{k}: {'yes' if v else 'NO'}" for k, v in checks.items()))
    report["targets"] = checks
    report["total_s"] = round(time.perf_counter() - started, 1)
    print(f"total {report['total_s']} s, peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")
    if args.json:
        print(json.dumps(report, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
