"""Assistant quality and latency of tongban against two peers, on the real Sichuan catalog (CONS-01, CONS-02).

One run, the same 1,135 items of 广安区 (loaded by the real Sichuan import into a scratch SQLite database, as
`tongban eval assistant` does) and the same questions, all scored by `tongban.assistant.evaluate.evaluate`:

- tongban: `assistant.service.ask` (item, fact, ask-back and hand-offs; answers built from the live version);
- search + rule: the platform's own search engine (same index, same lexicon) on the whole question, its first item
  asserted (no hit: a hand-off), and the fact from a keyword rule (the first of a fixed list of fact words found);
- TF-IDF: character uni- and bigram TF-IDF over item names and aliases, cosine nearest item (below 0.2: a
  hand-off), the fact from the same keyword rule. The Sichuan catalog has no FAQ entries, so the nearest FAQ
  baseline is the nearest item.

Ratios are tongban ÷ peer (above 1 is better for the rates; below 1 is faster for latency). Run from the root:

    .venv/bin/python bench/assistant_quality.py [--sichuan PATH] [--queries TSV] [--json]
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
from collections import Counter
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
os.environ.setdefault("TONGBAN_ENV", "development")

from tongban.assistant.evaluate import Said, assistant_answer, evaluate, load_questions, sichuan_session  # noqa: E402
from tongban.core.clock import SystemClock  # noqa: E402
from tongban.search import analyzer  # noqa: E402
from tongban.search.service import SearchHub  # noqa: E402

SHARED = Path(os.environ.get("TONGBAN_SHARED_DIR") or ROOT.parent / "shared")
# The peers' fact rule: the first of these words found in the question decides.
FACT_WORDS = (("材料", "materials"), ("带什么", "materials"), ("资料", "materials"), ("条件", "conditions"),
              ("多久", "time_limit"), ("几天", "time_limit"), ("时间", "time_limit"), ("钱", "fee"), ("费", "fee"),
              ("网上", "online"), ("电话", "contact"), ("部门", "contact"), ("哪", "location"), ("怎么", "process"),
              ("流程", "process"), ("预约", "process"))


def fact_rule(question: str) -> str | None:
    return next((fact for word, fact in FACT_WORDS if word in question), None)


def search_peer(engine):
    def run(question: str) -> Said:
        _, result = engine.search(question, filters={"kind": "item"}, limit=5)
        names = tuple(h.doc.title for h in result.hits)
        return Said("answer", names[:1], names[1:], fact_rule(question)) if names else Said("handoff", (), (), fact_rule(question))

    return run


def _grams(text: str) -> Counter:
    text = analyzer.compact(text)
    return Counter(list(text) + [text[i:i + 2] for i in range(len(text) - 1)])


def tfidf_peer(engine, threshold: float = 0.2):
    docs = [d for d in engine.index.docs if d is not None and d.kind == "item"]
    grams = [_grams(d.title + " " + d.fields.get("aliases", "")) for d in docs]
    df = Counter(g for doc in grams for g in doc)
    vocab = {g: i for i, g in enumerate(df)}
    idf = np.array([math.log((1 + len(docs)) / (1 + df[g])) + 1 for g in vocab], dtype=np.float32)
    matrix = np.zeros((len(docs), len(vocab)), dtype=np.float32)
    for row, doc in enumerate(grams):
        for g, tf in doc.items():
            matrix[row, vocab[g]] = tf * idf[vocab[g]]
    matrix /= np.linalg.norm(matrix, axis=1, keepdims=True) + 1e-9

    def run(question: str) -> Said:
        vec = np.zeros(len(vocab), dtype=np.float32)
        for g, tf in _grams(question).items():
            if g in vocab:
                vec[vocab[g]] = tf * idf[vocab[g]]
        norm = np.linalg.norm(vec)
        sims = matrix @ (vec / norm) if norm else np.zeros(len(docs))
        order = np.argsort(-sims)[:5]
        names = tuple(docs[i].title for i in order)
        if not norm or sims[order[0]] < threshold:
            return Said("handoff", (), names, fact_rule(question))
        return Said("answer", names[:1], names[1:], fact_rule(question))

    return run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sichuan", default=str(SHARED / "data" / "catalogs" / "sichuan-guangan" / "items.json"))
    parser.add_argument("--queries", default=str(SHARED / "data" / "queries" / "assistant_dev.tsv"))
    parser.add_argument("--json", action="store_true", help="print every figure as one JSON line at the end")
    args = parser.parse_args()
    clock = SystemClock()
    questions = load_questions(args.queries)
    session = sichuan_session(args.sichuan, clock)
    hub = SearchHub()
    engine = hub.engine_for(session, clock)
    runs = {
        "tongban": evaluate(assistant_answer(session, clock, hub), questions),
        "search+rule": evaluate(search_peer(engine), questions),
        "tfidf": evaluate(tfidf_peer(engine), questions),
    }
    session.close()
    figures = {name: m.as_dict() for name, m in runs.items()}
    keys = ("item_hit1", "item_hit5", "fact_acc", "no_item_ok", "p50_ms", "p99_ms")
    print(f"{Path(args.queries).name}: {len(questions)} questions, {len(engine)} documents")
    print(f"{'':14}" + "".join(f"{k:>12}" for k in keys))
    for name, f in figures.items():
        print(f"{name:14}" + "".join(f"{f[k]:>12.3f}" for k in keys))
    ratios = {}
    for peer in ("search+rule", "tfidf"):
        ratios[peer] = {k: round(figures["tongban"][k] / figures[peer][k], 3) if figures[peer][k] else None for k in keys}
        print(f"tongban ÷ {peer:10}" + "".join(f"{(ratios[peer][k] if ratios[peer][k] is not None else float('nan')):>12.3f}" for k in keys))
    if args.json:
        print(json.dumps({"figures": figures, "ratios": ratios}, ensure_ascii=False))


if __name__ == "__main__":
    main()
