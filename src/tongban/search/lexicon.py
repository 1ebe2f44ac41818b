"""The colloquial lexicon (百姓体 → 规范用语) that lets people search in their own words (003 模糊检索).

Data files in ``search/data/lexicon/*.tsv``: ``口语<TAB>规范词|规范词<TAB>类别``; ``#`` starts a
comment. A phrase that occurs anywhere in a query adds its official terms to the query as
alternatives. ``verbs.tsv`` holds single-character verbs (补, 换, 开 …): they are only read as a
whole word of the query, never as a substring, because single characters occur everywhere.
``fillers.txt`` lists words that carry no meaning for search (怎么, 办啥, 一下 …).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path

from tongban.search.analyzer import compact

VERBS_FILE = "verbs.tsv"


@dataclass(frozen=True)
class Entry:
    phrase: str
    terms: tuple[str, ...]
    category: str
    source: str


@dataclass(frozen=True)
class Match:
    start: int
    end: int
    entry: Entry


def _parse(text: str, source: str) -> list[Entry]:
    entries: list[Entry] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        cols = [c.strip() for c in line.split("\t")]
        if len(cols) < 2 or not cols[0] or not cols[1]:
            raise ValueError(f"{source} 第 {number} 行格式不对：应为 口语<TAB>规范词|规范词<TAB>类别")
        terms = tuple(dict.fromkeys(t for t in (compact(x) for x in cols[1].split("|")) if t))
        phrase = compact(cols[0])
        if not phrase or not terms:
            raise ValueError(f"{source} 第 {number} 行没有可用的词")
        entries.append(Entry(phrase, terms, cols[2] if len(cols) > 2 else "", source))
    return entries


class Lexicon:
    def __init__(self, entries: list[Entry], verbs: list[Entry], fillers: set[str]):
        self.entries: dict[str, Entry] = {}
        for entry in entries:
            previous = self.entries.get(entry.phrase)
            if previous is not None:
                # The same phrase in two files: keep every official term of both.
                entry = Entry(entry.phrase, tuple(dict.fromkeys(previous.terms + entry.terms)), previous.category, previous.source)
            self.entries[entry.phrase] = entry
        self.verbs = {v.phrase: v for v in verbs}
        # Official words of the single-character verbs (设立, 办理, 变更 …): say what to do, not what about.
        self.generic = frozenset(t for v in verbs for t in v.terms)
        self.fillers = fillers
        self._lengths = sorted({len(p) for p in self.entries}, reverse=True)

    def __len__(self) -> int:
        return len(self.entries)

    def matches(self, text: str) -> list[Match]:
        """Every phrase found in ``text`` (compacted), minus those inside a longer found phrase."""
        found: list[Match] = []
        for start in range(len(text)):
            for length in self._lengths:
                entry = self.entries.get(text[start : start + length]) if start + length <= len(text) else None
                if entry is not None:
                    found.append(Match(start, start + length, entry))
        return [m for m in found if not any(o is not m and o.start <= m.start and m.end <= o.end for o in found)]

    def vocabulary(self) -> set[str]:
        """Phrases and official terms, for the segmenter's dictionary."""
        words = set(self.entries)
        for entry in self.entries.values():
            words.update(entry.terms)
        return words


def _data_dir() -> Path:
    return Path(str(resources.files("tongban"))) / "search" / "data" / "lexicon"


@lru_cache(maxsize=4)
def load(directory: str | None = None) -> Lexicon:
    """The lexicon shipped with the package (or the files of another directory)."""
    root = Path(directory) if directory else _data_dir()
    entries: list[Entry] = []
    verbs: list[Entry] = []
    for path in sorted(root.glob("*.tsv")):
        parsed = _parse(path.read_text(encoding="utf-8"), path.name)
        (verbs if path.name == VERBS_FILE else entries).extend(parsed)
    fillers_path = root / "fillers.txt"
    fillers: set[str] = set()
    if fillers_path.exists():
        for line in fillers_path.read_text(encoding="utf-8").splitlines():
            if line.strip() and not line.startswith("#"):
                fillers.add(compact(line))
    return Lexicon(entries, verbs, fillers)
