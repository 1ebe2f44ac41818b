"""How the knowledge base compares questions: the search analyzer's words and the colloquial lexicon's ideas.

A question becomes weighted terms: its words (jieba, taught the lexicon), pairs of adjacent characters (partial
words), and the official terms (规范词) it names, directly or through a colloquial phrase (开饭馆 → 食品经营许可),
so that "开饭馆要什么材料" and "开餐馆需要带啥" share the idea even where they share few characters. Two texts are
compared by the cosine of their TF-IDF vectors over a collection (the published entries, or the questions asked).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Mapping
from functools import lru_cache

from tongban.search import analyzer, lexicon

WORD, PAIR, IDEA = 1.0, 0.5, 1.5  # an idea of the lexicon counts most: it is what paraphrases share


@lru_cache(maxsize=1)
def _ideas() -> tuple[dict[str, tuple[str, ...]], tuple[int, ...]]:
    """Every colloquial phrase and official term, to the official terms it stands for."""
    lex = lexicon.load()
    ideas: dict[str, tuple[str, ...]] = {}
    for entry in lex.entries.values():
        ideas[entry.phrase] = entry.terms
        for term in entry.terms:
            if term not in lex.generic:
                ideas.setdefault(term, (term,))
    analyzer.add_words(lex.vocabulary())
    return ideas, tuple(sorted({len(p) for p in ideas if len(p) >= 2}, reverse=True))


def fillers() -> frozenset[str]:
    return frozenset(lexicon.load().fillers)


def ideas_in(text: str) -> set[str]:
    """The official terms a text names, directly or through a colloquial phrase; the longest phrase at a place wins."""
    ideas, lengths = _ideas()
    compacted = analyzer.compact(text)
    found: set[str] = set()
    covered_until = 0
    for start in range(len(compacted)):
        for length in lengths:
            if start + length <= len(compacted) and start + length > covered_until:
                terms = ideas.get(compacted[start:start + length])
                if terms:
                    found.update(terms)
                    covered_until = start + length
                    break
    return found


@lru_cache(maxsize=20_000)
def terms(text: str) -> Mapping[str, float]:
    """Weighted terms of one text (a question, a variant, an answer)."""
    _ideas()  # the segmenter knows the lexicon's words first
    out: Counter[str] = Counter()
    skip = fillers()
    for run in analyzer.runs(text):
        if not analyzer.is_cjk(run):
            out["w:" + run] += WORD
            continue
        for word in analyzer.words(run):
            if len(word) >= 2 and word not in skip:
                out["w:" + word] += WORD
        for i in range(len(run) - 1):
            out["b:" + run[i:i + 2]] += PAIR
    for idea in ideas_in(text):
        out["x:" + idea] += IDEA
    return dict(out)


class Collection:
    """TF-IDF vectors of a set of texts, and the cosine of a query against each."""

    def __init__(self, texts: Iterable[str]) -> None:
        self.bags = [terms(t) for t in texts]
        df: Counter[str] = Counter()
        for bag in self.bags:
            df.update(bag.keys())
        n = len(self.bags)
        self.idf = {t: math.log((1 + n) / (1 + c)) + 1.0 for t, c in df.items()}
        self.default_idf = math.log(1 + n) + 1.0  # a term no text has: as rare as can be
        self.vectors = [self.vector(bag) for bag in self.bags]

    def vector(self, bag: Mapping[str, float]) -> dict[str, float]:
        vec = {t: (1.0 + math.log(w) if w >= 1 else w) * self.idf.get(t, self.default_idf) for t, w in bag.items()}
        norm = math.sqrt(sum(v * v for v in vec.values())) or 1.0
        return {t: v / norm for t, v in vec.items()}

    def query(self, text: str) -> dict[str, float]:
        return self.vector(terms(text))

    def cosine(self, query: Mapping[str, float], index: int) -> float:
        doc = self.vectors[index]
        if len(doc) < len(query):
            return sum(v * query.get(t, 0.0) for t, v in doc.items())
        return sum(v * doc.get(t, 0.0) for t, v in query.items())

    def __len__(self) -> int:
        return len(self.bags)
