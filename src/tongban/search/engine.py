"""One search engine: the lexicon, the pinyin vocabulary and the index, with suggestions and corrections (SRCH-02, SRCH-09)."""

from __future__ import annotations

import bisect
import threading
from collections import Counter
from dataclasses import dataclass

from tongban.search import analyzer
from tongban.search import lexicon as lexicon_module
from tongban.search.index import Result, SearchDoc, SearchIndex
from tongban.search.lexicon import Lexicon
from tongban.search.query import PinyinVocabulary, QueryPlan, parse

SUGGEST_KINDS = ("item", "bundle")


@dataclass
class Suggestion:
    text: str
    key: str
    url: str
    kind: str


class SearchEngine:
    def __init__(self, lexicon: Lexicon | None = None) -> None:
        self.lexicon = lexicon or lexicon_module.load()
        analyzer.add_words(self.lexicon.vocabulary())
        self.index = SearchIndex()
        self.vocabulary = PinyinVocabulary()
        self._word_counts: Counter[str] = Counter()
        self._prefixes: list[tuple[str, int]] = []
        self._lock = threading.RLock()
        for word in self.lexicon.vocabulary():
            self.vocabulary.add(word, 2)

    def __len__(self) -> int:
        return len(self.index)

    # ------------------------------------------------------------ building

    def _learn(self, docs: list[SearchDoc]) -> None:
        for doc in docs:
            for word in analyzer.words(doc.title):
                if analyzer.is_cjk(word):
                    self._word_counts[word] += 1
        for word, count in self._word_counts.items():
            self.vocabulary.add(word, count + 2)

    def _prefix_entries(self, doc_id: int, doc: SearchDoc) -> list[tuple[str, int]]:
        """Keys a suggestion can start from: the name, its full pinyin and initials, aliases."""
        title = analyzer.compact(doc.title)
        syllables = [s for run in analyzer.runs(title) for s in (analyzer.run_syllables(run) if analyzer.is_cjk(run) else [run])]
        keys = {title, "".join(s for s in syllables if s != "?"), "".join(s[0] for s in syllables if s and s != "?")}
        keys |= {analyzer.compact(a) for a in doc.fields.get("aliases", "").split("\n")}
        return [(key, doc_id) for key in keys if key]

    def _add_prefixes(self, first_id: int) -> None:
        entries = [
            entry
            for doc_id in range(first_id, len(self.index.docs))
            if (doc := self.index.docs[doc_id]) is not None and doc.kind in SUGGEST_KINDS
            for entry in self._prefix_entries(doc_id, doc)
        ]
        if first_id == 0 or len(entries) > 1000:
            self._prefixes = sorted([e for e in self._prefixes if self.index.alive[e[1]]] + entries)
        else:
            for entry in entries:
                bisect.insort(self._prefixes, entry)

    def rebuild(self, docs: list[SearchDoc]) -> None:
        with self._lock:
            self._learn(docs)
            self.index.rebuild(docs)
            self._prefixes = []
            self._add_prefixes(0)

    def upsert(self, docs: list[SearchDoc], removed: list[str] = ()) -> None:
        with self._lock:
            self._learn(docs)
            first = len(self.index.docs)
            if removed:
                self.index.remove(list(removed))
            self.index.add(docs)
            if len(self.index.docs) < first:  # the index compacted itself: ids changed
                self._prefixes = []
                first = 0
            self._add_prefixes(first)

    # ------------------------------------------------------------ reading

    def document(self, key: str):
        doc_id = self.index.ids.get(key)
        return self.index.docs[doc_id] if doc_id is not None else None

    def plan(self, q: str) -> QueryPlan:
        return parse(q, self.lexicon, self.vocabulary, self.index.knows)

    def search(
        self,
        q: str,
        *,
        filters: dict[str, str] | None = None,
        region: str | None = None,
        limit: int = 10,
        offset: int = 0,
        facet_names: tuple[str, ...] = (),
    ) -> tuple[QueryPlan, Result]:
        plan = self.plan(q)
        return plan, self.index.search(plan, filters=filters, region=region, limit=limit, offset=offset, facet_names=facet_names)

    def did_you_mean(self, plan: QueryPlan) -> str | None:
        """A corrected query when part of it is unknown but sounds like a known word (户口登纪 → 户口登记).

        Reads the query left to right; at each place the longest known stretch is kept, and an
        unknown stretch of two to six characters whose pinyin is that of a known word is replaced.
        """
        text = plan.text
        out: list[str] = []
        changed = False
        i = 0
        while i < len(text):
            step = 1
            for length in range(min(6, len(text) - i), 1, -1):
                piece = text[i : i + length]
                if not analyzer.is_cjk(piece):
                    continue
                if self.index.knows(piece) or piece in self.lexicon.entries:
                    step = length
                    out.append(piece)
                    break
                known = self.vocabulary.full.get(analyzer.full_pinyin(piece))
                if known and known[0] != piece and len(known[0]) == length:
                    step = length
                    out.append(known[0])
                    changed = True
                    break
            else:
                out.append(text[i])
            i += step
        if changed:
            return "".join(out)
        return plan.text if plan.converted else None

    def suggest(self, prefix: str, *, limit: int = 8) -> list[Suggestion]:
        """Names that start with what was typed (characters, full pinyin or initials), then the best matches."""
        key = analyzer.compact(prefix)
        if not key:
            return []
        out: list[Suggestion] = []
        seen: set[int] = set()
        with self._lock:
            start = bisect.bisect_left(self._prefixes, (key, -1))
            matches: list[int] = []
            for entry, doc_id in self._prefixes[start : start + 400]:
                if not entry.startswith(key):
                    break
                if self.index.alive[doc_id] and doc_id not in seen:
                    seen.add(doc_id)
                    matches.append(doc_id)
            matches.sort(key=lambda i: (-float(self.index.popularity[i]), len(self.index.titles[i]), i))
            for doc_id in matches[:limit]:
                doc = self.index.docs[doc_id]
                out.append(Suggestion(doc.title, doc.key, doc.url, doc.kind))
        if len(out) < limit:
            _, result = self.search(prefix, limit=limit * 2)
            for hit in result.hits:
                if hit.doc_id not in seen and hit.doc.kind in SUGGEST_KINDS and len(out) < limit:
                    seen.add(hit.doc_id)
                    out.append(Suggestion(hit.doc.title, hit.doc.key, hit.doc.url, hit.doc.kind))
        return out
