"""Search quality and latency of tongban against three peers, on the real Sichuan catalog (SRCH-02).

For each query file (colloquial query → the item(s) a person means) it measures, in one run, on
the same 1,135 items of 广安区 and the same queries:

- tongban: the catalog loaded through the real Sichuan import into a temporary SQLite database,
  then the platform's SearchEngine (``tongban.search.evaluate.sichuan_engine``);
- Whoosh + jieba BM25F: a RAM index of item names (and the department, boost 0.2) analysed with
  ``jieba.analyse.ChineseAnalyzer``; the query goes through a MultifieldParser with an OR group;
- Whoosh + lexicon (``whoosh_lexicon``): the same, given the colloquial lexicon tongban has, read
  through tongban's own loader (``tongban.search.lexicon.load``): jieba knows its phrases and terms,
  and each query is expanded the way tongban's parser reads the lexicon, every phrase becoming an
  OR group of itself and its official terms, fillers dropped, lone verbs expanded. This peer has the
  curated data, so what tongban gains over it is the engine's; the other Whoosh peer shows the data's;
- rapidfuzz: ``process.extract`` over the item names with WRatio and with partial_ratio; the
  better of the two (by MRR, then hit@5) is reported and named.

All four are scored by ``tongban.search.evaluate.evaluate`` (MRR and hit@5 over the top 10,
latency per query after one warm-up query). Ratios are tongban ÷ peer: above 1 is better for
MRR and hit@5, below 1 is better (faster) for latency. The strongest peer of each query file (by
MRR, then hit@5) is named: the search issue's quality targets stand against its figures.

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
from datetime import datetime, timezone
from pathlib import Path

import jieba
from jieba.analyse.analyzer import ChineseTokenizer, accepted_chars
from whoosh.analysis import Token

from tongban.core.clock import SystemClock
from tongban.search import lexicon as search_lexicon
from tongban.search.analyzer import compact, is_cjk
from tongban.search.evaluate import Metrics, engine_search, evaluate, load_queries, sichuan_engine

ROOT = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("TONGBAN_SHARED_DIR") or ROOT.parent / "shared")
DEPT_BOOST = 0.2
PEERS = ("whoosh", "whoosh_lexicon", "rapidfuzz")


def lexicon_tokenizer(lexicon):
    """A jieba tokenizer of its own that knows the lexicon's phrases and official terms, as tongban's segmenter
    does (``analyzer.add_words(lexicon.vocabulary())``); jieba's global one stays as the plain peer has it."""
    tk = jieba.Tokenizer()
    tk.initialize()
    for word in lexicon.vocabulary():
        word = compact(word)
        if len(word) >= 2 and is_cjk(word):
            tk.add_word(word, freq=2000)
    return tk


_LEXICON_TOKENIZERS: dict[int, jieba.Tokenizer] = {}  # by lexicon; Whoosh pickles the schema, so its tokenizer holds a key


class LexiconTokenizer(ChineseTokenizer):
    """jieba.analyse's ChineseTokenizer, on the jieba tokenizer that knows the lexicon."""

    def __init__(self, key: int) -> None:
        self.key = key

    def __call__(self, text, **kargs):
        token = Token()
        for w, start, stop in _LEXICON_TOKENIZERS[self.key].tokenize(text, mode="search"):
            if not accepted_chars.match(w) and len(w) <= 1:
                continue
            token.original = token.text = w
            token.pos = token.startchar = start
            token.endchar = stop
            yield token


def whoosh_search(items: list[dict], lexicon=None):
    """Whoosh BM25F over names and departments; with ``lexicon``, its segmenter knows the lexicon's words and every
    query is expanded by it (see ``expand_query``)."""
    from jieba.analyse.analyzer import STOP_WORDS
    from whoosh import scoring
    from whoosh.analysis import LowercaseFilter, StemFilter, StopFilter
    from whoosh.fields import TEXT, Schema
    from whoosh.filedb.filestore import RamStorage
    from whoosh.lang.porter import stem
    from whoosh.qparser import MultifieldParser, OrGroup

    tokenizer = ChineseTokenizer()
    tk = None
    if lexicon is not None:
        tk = _LEXICON_TOKENIZERS.setdefault(id(lexicon), lexicon_tokenizer(lexicon))
        tokenizer = LexiconTokenizer(id(lexicon))
    # jieba.analyse.ChineseAnalyzer, built on the chosen tokenizer
    analyzer = tokenizer | LowercaseFilter() | StopFilter(stoplist=STOP_WORDS, minsize=1) | StemFilter(stemfn=stem, ignore=None, cachesize=50000)
    schema = Schema(name=TEXT(analyzer=analyzer, stored=True), dept=TEXT(analyzer=analyzer, field_boost=DEPT_BOOST))
    index = RamStorage().create_index(schema)
    writer = index.writer()
    for item in items:
        writer.add_document(name=item["name"], dept=item["department"])
    writer.commit()
    searcher = index.searcher(weighting=scoring.BM25F())
    parser = MultifieldParser(["name", "dept"], schema, group=OrGroup)

    def run(query: str) -> list[str]:
        text = expand_query(query, lexicon, tk) if lexicon is not None else query
        return [hit["name"] for hit in searcher.search(parser.parse(text), limit=10)]

    return run


def expand_query(query: str, lexicon, tk) -> str:
    """The query as Whoosh syntax, one OR group per phrase, with the lexicon's alternatives in it.

    The same reading of the lexicon as tongban's query parser (``search/query.py``): every phrase found in
    the compacted query adds its official terms; the rest is segmented, fillers (怎么, 办啥 …) are dropped and a
    single-character verb (补, 换 …) standing as a word adds its terms. What is left is searched as typed. The
    groups are ORed, as the plain peer's words are."""
    text = compact(query)
    groups: list[tuple[str, ...]] = []
    covered = [False] * len(text)
    for match in lexicon.matches(text):
        groups.append((match.entry.phrase, *match.entry.terms))
        for i in range(match.start, match.end):
            covered[i] = True
    leftover = "".join(" " if covered[i] else ch for i, ch in enumerate(text))
    for run in leftover.split():
        for word in (w.strip() for w in tk.cut(run)):
            if not word or word in lexicon.fillers:
                continue
            if len(word) == 1 and word in lexicon.verbs:
                groups.append((word, *lexicon.verbs[word].terms))
            else:
                groups.append((word,))
    if not groups and text:
        groups.append((text,))
    return " ".join("(" + " OR ".join(dict.fromkeys(group)) + ")" for group in groups)


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
    lexicon = search_lexicon.load()  # the lexicon tongban's engine reads, through its own loader
    started = time.perf_counter()
    whoosh_lexicon = whoosh_search(items, lexicon)
    whoosh_lexicon_s = time.perf_counter() - started
    print(f"catalog: {args.sichuan.name}, {len(items)} items (tongban engine {len(engine)} docs); "
          f"lexicon: {len(lexicon)} phrases, {len(lexicon.verbs)} verbs, {len(lexicon.fillers)} fillers")
    print(f"build: tongban {tongban_s:.1f} s (SQLite import + index), whoosh {whoosh_s:.2f} s (RAM index), "
          f"whoosh+lexicon {whoosh_lexicon_s:.2f} s")

    report: dict = {"date": datetime.now(timezone.utc).strftime("%Y-%m-%d"), "catalog": str(args.sichuan), "items": len(items),
                    "lexicon_phrases": len(lexicon),
                    "build_s": {"tongban": round(tongban_s, 3), "whoosh": round(whoosh_s, 3), "whoosh_lexicon": round(whoosh_lexicon_s, 3)},
                    "files": {}}
    for path in args.queries:
        queries = load_queries(path)
        results: dict[str, Metrics] = {
            "tongban": evaluate(engine_search(engine), queries),
            "whoosh": evaluate(whoosh, queries),
            "whoosh_lexicon": evaluate(whoosh_lexicon, queries),
        }
        fuzzy = {name: evaluate(rapidfuzz_search(names, scorer), queries) for name, scorer in (("WRatio", fuzz.WRatio), ("partial_ratio", fuzz.partial_ratio))}
        scorer = max(fuzzy, key=lambda k: (fuzzy[k].mrr, fuzzy[k].hit5))
        results["rapidfuzz"] = fuzzy[scorer]

        print(f"\n{path.name}: {len(queries)} queries (rapidfuzz scorer: {scorer}, the better of WRatio / partial_ratio)")
        print(f"  {'system':<15} {'MRR':>6} {'hit@5':>6} {'p50 ms':>8} {'p99 ms':>8}")
        for system, m in results.items():
            print(f"  {system:<15} {m.mrr:>6.3f} {m.hit5:>6.3f} {m.p50_ms:>8.2f} {m.p99_ms:>8.2f}")
        t = results["tongban"]
        ratios = {}
        for peer in PEERS:
            p = results[peer]
            ratios[peer] = {"mrr": t.mrr / p.mrr if p.mrr else None, "hit5": t.hit5 / p.hit5 if p.hit5 else None, "p50": t.p50_ms / p.p50_ms, "p99": t.p99_ms / p.p99_ms}
            print(
                f"  tongban/{peer:<14} MRR {ratio(t.mrr, p.mrr)}  hit@5 {ratio(t.hit5, p.hit5)}"
                f"  p50 {ratio(t.p50_ms, p.p50_ms)}  p99 {ratio(t.p99_ms, p.p99_ms)}"
            )
        strongest = max(PEERS, key=lambda k: (results[k].mrr, results[k].hit5))
        print(f"  strongest peer (by MRR, then hit@5): {strongest}; quality targets are judged against it")
        report["files"][path.name] = {
            "n": len(queries),
            "rapidfuzz_scorer": scorer,
            "strongest_peer": strongest,
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
