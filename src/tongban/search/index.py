"""The in-memory search index: weighted fields, BM25F impacts in numpy arrays, facet masks (SRCH-01, SRCH-05).

Documents get stable integer ids in the order they are added. Each call to ``add`` seals one
*segment* (term → ids and impacts); replacing or removing a document marks its old id dead.
Searching adds up, per term, ``query weight × idf × impact`` over dense float arrays, so a query
costs a few numpy operations per term whatever the catalog size. Segments are merged when there
are many, and the whole index is rebuilt when more than a fifth of it is dead.
"""

from __future__ import annotations

import math
import re
import threading
from array import array
from collections import Counter, defaultdict
from dataclasses import dataclass, field

import numpy as np

from tongban.search import analyzer
from tongban.search.query import QueryPlan

# Field weights: the name speaks loudest, guide text and FAQ answers least (000 §6.2 ranking).
# Aliases weigh much less than the name: imported catalogs put a group's name there (四川's
# main_item), which all the group's items share, and the lexicon already carries everyday names.
FIELD_WEIGHTS = {"name": 3.0, "aliases": 1.0, "keywords": 1.2, "agency": 0.5, "body": 0.45}
K1 = 1.2
B = {"name": 0.5, "aliases": 0.5, "keywords": 0.3, "agency": 0.3, "body": 0.75}
MAX_SEGMENTS = 12
KIND_PRIOR = {"item": 1.0, "faq": 0.85, "bundle": 1.0, "policy": 0.75, "regulation": 0.75, "announcement": 0.7}
STATUS_PRIOR = {"active": 1.0, "suspended": 0.85, "stopped": 0.6}
RERANK = 300
# Words that make an item a follow-up variant of another (核发 → 变更, 注销, 补办 …). Someone who
# does not mention one of them usually wants the first-time item, so variants they did not ask
# for rank a little lower.
VARIANT_ACTIONS = (
    "注销", "变更", "终止", "延续", "延期", "补办", "补领", "补发", "补证", "补换", "换发", "换领", "换证",
    "转入", "转出", "过户", "歇业", "停业", "报停", "恢复", "撤销", "撤回", "再注册", "解挂", "挂失",
    "遗失", "续期", "迁出", "迁入", "迁移", "增加", "减少", "暂停", "更正", "注销登记", "年检", "年审",
)
VARIANT_PENALTY = 0.8
MATCHED = 0.3  # share of an idea's best alternative a document must hold to count as matching it
PRESENT = 0.12  # … and the least share of some idea for the document to be a result at all (a guide-text match)


@dataclass
class SearchDoc:
    """One searchable thing: a published item, one of its FAQs, a publication, a bundle."""

    key: str
    kind: str
    title: str
    url: str
    fields: dict[str, str]
    facets: dict[str, list[str]] = field(default_factory=dict)
    region_code: str = ""
    status: str = "active"
    subtitle: str = ""


@dataclass
class Segment:
    postings: dict[str, tuple[np.ndarray, np.ndarray]]


@dataclass
class Hit:
    doc_id: int
    doc: SearchDoc
    score: float
    coverage: float


@dataclass
class Result:
    hits: list[Hit]
    total: int
    facets: dict[str, dict[str, int]]


class SearchIndex:
    def __init__(self) -> None:
        self.docs: list[SearchDoc | None] = []
        self.ids: dict[str, int] = {}
        self.alive = np.zeros(0, dtype=bool)
        self.popularity = np.zeros(0, dtype=np.float32)
        self.cores: list[str] = []
        self.titles: list[str] = []
        self.variants: list[int] = []  # bit i set when the name holds VARIANT_ACTIONS[i]
        self.segments: list[Segment] = []
        self.df: Counter[str] = Counter()
        self._terms: dict[str, int] = {}  # term → id, so each document keeps small integers, not strings
        self._term_names: list[str] = []
        self._doc_terms: list[array] = []
        self._alive_count = 0
        self.avg_chars: dict[str, float] = {}
        self.lock = threading.RLock()

    # ------------------------------------------------------------ building

    def __len__(self) -> int:
        return self._alive_count

    def _term_id(self, term: str) -> int:
        term_id = self._terms.get(term)
        if term_id is None:
            term_id = self._terms[term] = len(self._term_names)
            self._term_names.append(term)
        return term_id

    def _analyze(self, doc: SearchDoc) -> dict[str, float]:
        """Term → impact (BM25F saturation of the weighted, length-normalised frequencies)."""
        weighted: dict[str, float] = defaultdict(float)
        for name, text in doc.fields.items():
            if not text:
                continue
            weight = FIELD_WEIGHTS[name]
            norm = 1 - B[name] + B[name] * len(text) / max(self.avg_chars.get(name, 1.0), 1.0)
            counts = Counter(analyzer.document_terms(text, short=name in ("name", "aliases")))
            for term, tf in counts.items():
                weighted[term] += weight * tf / norm
        impacts = {t: w / (K1 + w) for t, w in weighted.items()}
        for facet, values in doc.facets.items():
            for value in values:
                impacts[f"f:{facet}={value}"] = 1.0
        return impacts

    def _update_averages(self, docs: list[SearchDoc]) -> None:
        if self.avg_chars and len(docs) < len(self.titles):
            return
        totals: dict[str, list[int]] = defaultdict(list)
        for doc in docs:
            for name, text in doc.fields.items():
                if text:
                    totals[name].append(len(text))
        self.avg_chars = {name: sum(v) / len(v) for name, v in totals.items()}

    def add(self, docs: list[SearchDoc]) -> None:
        """Add or replace documents (by key) in one new segment."""
        if not docs:
            return
        with self.lock:
            self._update_averages(docs)
            lists: dict[str, tuple[array, array]] = {}
            start = len(self.docs)
            for offset, doc in enumerate(docs):
                self._kill(doc.key)
                doc_id = start + offset
                impacts = self._analyze(doc)
                for term, impact in impacts.items():
                    ids, imps = lists.setdefault(term, (array("i"), array("f")))
                    ids.append(doc_id)
                    imps.append(impact)
                self.df.update(impacts.keys())
                self._doc_terms.append(array("i", (self._term_id(t) for t in impacts)))
                self.docs.append(doc)
                self.ids[doc.key] = doc_id
                title = analyzer.compact(doc.title)
                self.titles.append(title)
                self.cores.append(analyzer.core_name(doc.title))
                self.variants.append(variant_mask(title))
                self._alive_count += 1
            self.alive = np.concatenate([self.alive, np.ones(len(docs), dtype=bool)])
            self.popularity = np.concatenate([self.popularity, np.zeros(len(docs), dtype=np.float32)])
            segment = Segment({t: (np.frombuffer(i, dtype=np.int32).copy(), np.frombuffer(m, dtype=np.float32).copy()) for t, (i, m) in lists.items()})
            self.segments.append(segment)
            if len(self.segments) > MAX_SEGMENTS:
                self._merge()

    def _kill(self, key: str) -> None:
        old = self.ids.pop(key, None)
        if old is None or not self.alive[old]:
            return
        self.alive[old] = False
        self._alive_count -= 1
        self.df.subtract(self._term_names[t] for t in self._doc_terms[old])
        self._doc_terms[old] = array("i")
        self.docs[old] = None

    def remove(self, keys: list[str]) -> None:
        with self.lock:
            for key in keys:
                self._kill(key)
            if len(self.docs) > 1000 and self.alive.sum() < 0.8 * len(self.docs):
                self.rebuild([d for d in self.docs if d is not None])

    def rebuild(self, docs: list[SearchDoc]) -> None:
        """Start again from ``docs`` (compaction, or a fresh load)."""
        with self.lock:
            popularity = {d.key: float(self.popularity[i]) for i, d in enumerate(self.docs) if d is not None}
            self.__init__()
            self._update_averages(docs)
            self.add(docs)
            for key, value in popularity.items():
                if key in self.ids:
                    self.popularity[self.ids[key]] = value

    def _merge(self) -> None:
        merged: dict[str, list[tuple[np.ndarray, np.ndarray]]] = defaultdict(list)
        for segment in self.segments:
            for term, pair in segment.postings.items():
                merged[term].append(pair)
        postings = {}
        for term, pairs in merged.items():
            ids = np.concatenate([p[0] for p in pairs])
            imps = np.concatenate([p[1] for p in pairs])
            keep = self.alive[ids]
            if keep.any():
                postings[term] = (ids[keep], imps[keep])
        self.segments = [Segment(postings)]

    def set_popularity(self, scores: dict[str, float]) -> None:
        """Popularity in [0, 1] per document key (from search and click logs)."""
        with self.lock:
            self.popularity[:] = 0
            top = max(scores.values(), default=0.0)
            for key, value in scores.items():
                doc_id = self.ids.get(key)
                if doc_id is not None and top > 0:
                    self.popularity[doc_id] = math.log1p(value) / math.log1p(top)

    # ------------------------------------------------------------ reading

    def knows(self, word: str) -> bool:
        return self.df.get("w:" + word, 0) > 0

    def idf(self, term: str) -> float:
        df = self.df.get(term, 0)
        if df <= 0:
            return 0.0
        n = max(len(self), 1)
        return math.log(1 + (n - df + 0.5) / (df + 0.5))

    def _vector(self, term: str, out: np.ndarray, factor: float) -> None:
        for segment in self.segments:
            pair = segment.postings.get(term)
            if pair is not None:
                out[pair[0]] += factor * pair[1]

    def mask(self, facet: str, value: str) -> np.ndarray:
        out = np.zeros(len(self.docs), dtype=bool)
        for segment in self.segments:
            pair = segment.postings.get(f"f:{facet}={value}")
            if pair is not None:
                out[pair[0]] = True
        return out

    def _group_scores(self, plan: QueryPlan) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Per document: the weighted sum over groups of the best alternative's matched share, and the matched weight.

        An alternative scores the idf-weighted share of its terms the document holds (so a long
        official term matched in full beats a short common one); a term the index has never
        seen counts as the rarest possible, so unknown words are not explained by their
        single characters (its character pairs are what must match).
        """
        n = len(self.docs)
        total = np.zeros(n, dtype=np.float32)
        matched = np.zeros(n, dtype=np.float32)
        present = np.zeros(n, dtype=bool)
        rarest = math.log(1 + (max(len(self), 1) + 0.5) / 0.5)
        for group in plan.groups:
            best = np.zeros(n, dtype=np.float32)
            for alt in group.alternatives:
                vec = np.zeros(n, dtype=np.float32)
                denom = 0.0
                for term, weight in alt.terms.items():
                    idf = self.idf(term)
                    if not idf and term.startswith("w:"):
                        continue  # a word no document has as a whole; its character pairs speak for it
                    denom += weight * (idf or rarest)
                    if idf:
                        self._vector(term, vec, weight * idf)
                if denom:
                    vec *= alt.factor / denom
                    np.maximum(best, vec, out=best)
            total += group.weight * best
            matched += group.weight * (best >= MATCHED)
            present |= best >= PRESENT
        return total, matched, present

    def search(
        self,
        plan: QueryPlan,
        *,
        filters: dict[str, str] | None = None,
        region: str | None = None,
        limit: int = 10,
        offset: int = 0,
        facet_names: tuple[str, ...] = (),
    ) -> Result:
        with self.lock:
            if plan.empty or not self.docs:
                return Result([], 0, {})
            total, matched, present = self._group_scores(plan)
            weight_sum = sum(g.weight for g in plan.groups)
            score = total * (0.4 + 0.6 * (matched / weight_sum) ** 2)
            allowed = self.alive.copy()
            for facet, value in (filters or {}).items():
                if value:
                    allowed &= self.mask(facet, value)
            score[~allowed] = 0
            score[~present] = 0  # at least one idea of the query must really be there
            top = float(score.max())
            if top <= 0:
                return Result([], 0, {})
            candidates = np.flatnonzero(score >= 0.25 * top)
            if len(candidates) > RERANK:
                part = np.argpartition(-score[candidates], RERANK)[:RERANK]
                shortlist = candidates[part]
            else:
                shortlist = candidates
            strings = plan.highlight_strings() + [plan.text]
            asked = variant_mask("|".join(strings))
            pattern = _coverage_pattern(strings)
            hits = [self._rerank(int(i), float(score[i]), plan, region, asked, pattern) for i in shortlist]
            hits.sort(key=lambda h: (-h.score, h.doc_id))
            facets = self._facet_counts(candidates, facet_names)
            return Result(hits[offset : offset + limit], len(candidates), facets)

    def _rerank(self, doc_id: int, score: float, plan: QueryPlan, region: str | None, asked: int, pattern) -> Hit:
        doc = self.docs[doc_id]
        core = self.cores[doc_id]
        coverage = _coverage(core, pattern)
        exact = 1.0 if plan.text and (plan.text == self.titles[doc_id] or plan.text == core) else 0.0
        final = score * (0.5 + 0.5 * coverage) * (1 + 0.5 * exact)
        if self.variants[doc_id] & ~asked:
            final *= VARIANT_PENALTY
        final *= 1 + 0.15 * float(self.popularity[doc_id])
        final *= KIND_PRIOR.get(doc.kind, 0.8) * STATUS_PRIOR.get(doc.status, 1.0)
        if region and doc.region_code:
            final *= 1 + 0.04 * _region_affinity(region, doc.region_code)
        return Hit(doc_id, doc, final, coverage)

    def _facet_counts(self, candidates: np.ndarray, names: tuple[str, ...]) -> dict[str, dict[str, int]]:
        out: dict[str, dict[str, int]] = {name: {} for name in names}
        if not names:
            return out
        for i in candidates[:5000]:
            doc = self.docs[int(i)]
            for name in names:
                for value in doc.facets.get(name, ()):
                    out[name][value] = out[name].get(value, 0) + 1
        return out


def variant_mask(text: str) -> int:
    return sum(1 << i for i, word in enumerate(VARIANT_ACTIONS) if word in text)


def _coverage_pattern(strings: list[str]) -> re.Pattern | None:
    """One regex finding, at every position, the longest query string or pair of its characters."""
    pieces = {p for text in strings for p in ([text] + [text[i : i + 2] for i in range(len(text) - 1)]) if p}
    if not pieces:
        return None
    alternation = "|".join(re.escape(p) for p in sorted(pieces, key=len, reverse=True))
    return re.compile(f"(?=({alternation}))")


def _coverage(core: str, pattern: re.Pattern | None) -> float:
    """Share of the name's characters explained by the query (its words, terms and their pairs)."""
    if not core or pattern is None:
        return 0.0
    covered = bytearray(len(core))
    for match in pattern.finditer(core):
        start = match.start()
        covered[start : start + len(match.group(1))] = b"\x01" * len(match.group(1))
    return sum(covered) / len(core)


def _region_affinity(user: str, doc: str) -> int:
    """3 for the same county, 2 for the same city, 1 for the same province, 0 otherwise."""
    user, doc = user.ljust(6, "0"), doc.ljust(6, "0")
    for level, width in ((3, 6), (2, 4), (1, 2)):
        if user[:width] == doc[:width]:
            return level
    return 0
