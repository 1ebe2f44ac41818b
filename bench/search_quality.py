"""Search quality and latency of tongban against two peers, on the real Sichuan catalog (SRCH-02).

For each query file (colloquial query → the item(s) a person means) it measures, in one run, on
the same 1,135 items of 广安区 and the same queries:

- tongban: the catalog loaded through the real Sichuan import into a temporary SQLite database,
  then the platform's SearchEngine (``tongban.search.evaluate.sichuan_engine``);
- Whoosh + jieba BM25F: a RAM index of item names (and the department, boost 0.2) analysed with
  ``jieba.analyse.ChineseAnalyzer``; the query goes through a MultifieldParser with an OR group;
- rapidfuzz: ``process.extract`` over the item names with WRatio and with partial_ratio; the
  better of the two (by MRR, then hit@5) is reported and named.

All three are scored by ``tongban.search.evaluate.evaluate`` (MRR and hit@5 over the top 10,
latency per query after one warm-up query). Ratios are tongban ÷ peer: above 1 is better for
MRR and hit@5, below 1 is better (faster) for latency.

Run from the project root:

    .venv/bin/python bench/search_quality.py [--sichuan PATH] [--queries TSV ...] [--json]

Data is read from ``../shared`` (or ``$TONGBAN_SHARED_DIR``); the default query files are
``data/queries/search_dev.tsv`` there and ``bench/data/search_heldout.tsv`` here, each evaluated
separately. With ``--json`` the last line is one JSON object with every figure.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

import jieba

from tongban.core.clock import SystemClock
from tongban.search.evaluate import Metrics, engine_search, evaluate, load_queries, sichuan_engine

ROOT = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("TONGBAN_SHARED_DIR") or ROOT.parent / "shared")
DEPT_BOOST = 0.2


def whoosh_search(items: list[dict]):
    from jieba.analyse import ChineseAnalyzer
    from whoosh import scoring
    from whoosh.fields import TEXT, Schema
    from whoosh.filedb.filestore import RamStorage
    from whoosh.qparser import MultifieldParser, OrGroup

    analyzer = ChineseAnalyzer()
    schema = Schema(name=TEXT(analyzer=analyzer, stored=True), dept=TEXT(analyzer=analyzer, field_boost=DEPT_BOOST))
    index = RamStorage().create_index(schema)
    writer = index.writer()
    for item in items:
        writer.add_document(name=item["name"], dept=item["department"])
    writer.commit()
    searcher = index.searcher(weighting=scoring.BM25F())
    parser = MultifieldParser(["name", "dept"], schema, group=OrGroup)

    def run(query: str) -> list[str]:
        return [hit["name"] for hit in searcher.search(parser.parse(query), limit=10)]

    return run


def rapidfuzz_search(names: list[str], scorer):
    from rapidfuzz import process

    def run(query: str) -> list[str]:
        return [choice for choice, _, _ in process.extract(query, names, scorer=scorer, limit=10)]

    return run


def ratio(a: float, b: float) -> str:
    return f"×{a / b:.2f}" if b else "×∞"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sichuan", type=Path, default=SHARED / "data/catalogs/sichuan-guangan/items.json")
    ap.add_argument("--queries", type=Path, nargs="+", default=[SHARED / "data/queries/search_dev.tsv", ROOT / "bench/data/search_heldout.tsv"])
    ap.add_argument("--json", action="store_true", help="last line: one JSON object with all figures")
    args = ap.parse_args()
    jieba.setLogLevel(60)
    from rapidfuzz import fuzz

    items = json.loads(args.sichuan.read_text(encoding="utf-8"))
    names = [item["name"] for item in items]
    started = time.perf_counter()
    engine = sichuan_engine(args.sichuan, SystemClock())
    tongban_s = time.perf_counter() - started
    started = time.perf_counter()
    whoosh = whoosh_search(items)
    whoosh_s = time.perf_counter() - started
    print(f"catalog: {args.sichuan.name}, {len(items)} items (tongban engine {len(engine)} docs)")
    print(f"build: tongban {tongban_s:.1f} s (SQLite import + index), whoosh {whoosh_s:.2f} s (RAM index)")

    report: dict = {"catalog": str(args.sichuan), "items": len(items), "build_s": {"tongban": round(tongban_s, 3), "whoosh": round(whoosh_s, 3)}, "files": {}}
    for path in args.queries:
        queries = load_queries(path)
        results: dict[str, Metrics] = {
            "tongban": evaluate(engine_search(engine), queries),
            "whoosh": evaluate(whoosh, queries),
        }
        fuzzy = {name: evaluate(rapidfuzz_search(names, scorer), queries) for name, scorer in (("WRatio", fuzz.WRatio), ("partial_ratio", fuzz.partial_ratio))}
        scorer = max(fuzzy, key=lambda k: (fuzzy[k].mrr, fuzzy[k].hit5))
        results["rapidfuzz"] = fuzzy[scorer]

        print(f"\n{path.name}: {len(queries)} queries (rapidfuzz scorer: {scorer}, the better of WRatio / partial_ratio)")
        print(f"  {'system':<10} {'MRR':>6} {'hit@5':>6} {'p50 ms':>8} {'p99 ms':>8}")
        for system, m in results.items():
            print(f"  {system:<10} {m.mrr:>6.3f} {m.hit5:>6.3f} {m.p50_ms:>8.2f} {m.p99_ms:>8.2f}")
        t = results["tongban"]
        ratios = {}
        for peer in ("whoosh", "rapidfuzz"):
            p = results[peer]
            ratios[peer] = {"mrr": t.mrr / p.mrr if p.mrr else None, "hit5": t.hit5 / p.hit5 if p.hit5 else None, "p50": t.p50_ms / p.p50_ms, "p99": t.p99_ms / p.p99_ms}
            print(
                f"  tongban/{peer:<9} MRR {ratio(t.mrr, p.mrr)}  hit@5 {ratio(t.hit5, p.hit5)}"
                f"  p50 {ratio(t.p50_ms, p.p50_ms)}  p99 {ratio(t.p99_ms, p.p99_ms)}"
            )
        report["files"][path.name] = {
            "n": len(queries),
            "rapidfuzz_scorer": scorer,
            "rapidfuzz_other": {k: v.as_dict() for k, v in fuzzy.items() if k != scorer},
            **{system: m.as_dict() for system, m in results.items()},
            "ratios": {peer: {k: (round(v, 3) if v is not None else None) for k, v in r.items()} for peer, r in ratios.items()},
        }
    print("\nratios are tongban ÷ peer: MRR/hit@5 above 1 = better, latency below 1 = faster")
    if args.json:
        print(json.dumps(report, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
