"""From what a person typed to what the index looks for: lexicon, fillers, verbs and pinyin (003 模糊检索).

A query becomes *groups*, one per idea the person expressed. Each group has alternatives (the
words typed, and the official terms the lexicon gives for them); a document scores a group by
its best alternative, so an idea counts once however many synonyms it has.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from tongban.search import analyzer
from tongban.search.lexicon import Lexicon

# The longest query accepted anywhere, in characters as typed (Chinese, pinyin letters and spaces alike): the search
# boxes' maxlength, the results page, the API and what the logs keep all use this one number, and a refusal states it.
MAX_QUERY_CHARS = 60
EXPANSION_FACTOR = 0.9
GENERIC_FACTOR = 0.5
VERB_WEIGHT = 0.45


@dataclass
class Alternative:
    text: str
    terms: dict[str, float]
    literal: bool
    factor: float = 1.0  # how much a full match of this alternative is worth


@dataclass
class Group:
    span: str
    alternatives: list[Alternative]
    weight: float


@dataclass
class QueryPlan:
    raw: str
    text: str  # compacted, after pinyin was turned into Chinese
    groups: list[Group] = field(default_factory=list)
    converted: bool = False  # latin input read as pinyin

    @property
    def empty(self) -> bool:
        return not self.groups

    def highlight_strings(self) -> list[str]:
        """Strings worth marking in a result: what was typed and the terms it stands for."""
        out: dict[str, None] = {}
        for group in self.groups:
            for alt in group.alternatives:
                if len(alt.text) >= 2 or group.weight >= 1:
                    out[alt.text] = None
        return sorted(out, key=len, reverse=True)


class PinyinVocabulary:
    """Chinese words keyed by their toneless pinyin and by their initials, most frequent first."""

    def __init__(self) -> None:
        self.full: dict[str, tuple[str, int]] = {}
        self.initials: dict[str, tuple[str, int]] = {}

    def add(self, word: str, count: int = 1) -> None:
        if not analyzer.is_cjk(word):
            return
        full = analyzer.full_pinyin(word)
        if full and count > self.full.get(full, ("", 0))[1]:
            self.full[full] = (word, count)
        if len(word) >= 2:
            ini = analyzer.initials(word)
            if count > self.initials.get(ini, ("", 0))[1]:
                self.initials[ini] = (word, count)

    def to_chinese(self, letters: str) -> str | None:
        """Read a latin run as pinyin words or initials: hukoudengji / hkdj → 户口登记."""
        n = len(letters)
        best: list[tuple[float, list[str]] | None] = [None] * (n + 1)
        best[0] = (0.0, [])
        for i in range(n):
            if best[i] is None:
                continue
            cost_i, words_i = best[i]
            for j in range(i + 1, min(n, i + 24) + 1):
                piece = letters[i:j]
                options = []
                if piece in self.full:
                    word = self.full[piece][0]
                    options.append((1.0 if len(word) > 1 else 1.6, word))
                if piece in self.initials and len(piece) >= 2:
                    options.append((1.3, self.initials[piece][0]))
                for cost, word in options:
                    candidate = (cost_i + cost, words_i + [word])
                    if best[j] is None or candidate[0] < best[j][0]:
                        best[j] = candidate
        return "".join(best[n][1]) if best[n] is not None else None


def _literal_group(word: str, weight: float = 1.0) -> Group:
    return Group(word, [Alternative(word, analyzer.query_terms(word), True)], weight)


def _expanded_group(span: str, terms: tuple[str, ...], weight: float, generic: frozenset[str] = frozenset()) -> Group:
    """The phrase as typed plus its official terms; generic action words (设立, 办理) and a lone
    character as typed (证, 办) count for less."""
    alternatives = [Alternative(span, analyzer.query_terms(span), True, GENERIC_FACTOR if len(span) == 1 else 1.0)]
    for term in terms:
        if term != span:
            factor = GENERIC_FACTOR if term in generic else EXPANSION_FACTOR
            alternatives.append(Alternative(term, analyzer.query_terms(term), False, factor))
    return Group(span, alternatives, weight)


def _convert_latin(text: str, lexicon: Lexicon, vocabulary: PinyinVocabulary, known) -> tuple[str, bool]:
    """Replace latin runs that are pinyin (not a lexicon phrase, not an indexed word) by Chinese."""
    converted = False
    pieces: list[str] = []
    for run in analyzer.runs(text):
        if analyzer.is_latin(run) and not run.isdigit() and run not in lexicon.entries and not known(run):
            chinese = vocabulary.to_chinese(run)
            if chinese:
                pieces.append(chinese)
                converted = True
                continue
        pieces.append(run)
    return "".join(pieces), converted


def parse(raw: str, lexicon: Lexicon, vocabulary: PinyinVocabulary, known=lambda word: False) -> QueryPlan:
    """The query plan of ``raw``; ``known(word)`` says whether the index holds that word."""
    text, converted = _convert_latin(raw[: MAX_QUERY_CHARS * 2], lexicon, vocabulary, known)
    text = analyzer.compact(text)[:MAX_QUERY_CHARS]
    plan = QueryPlan(raw=raw, text=text, converted=converted)
    covered = [False] * len(text)
    for match in lexicon.matches(text):
        plan.groups.append(_expanded_group(match.entry.phrase, match.entry.terms, 1.0, lexicon.generic))
        for i in range(match.start, match.end):
            covered[i] = True
    leftover = "".join(ch if not covered[i] else " " for i, ch in enumerate(text))
    for word in analyzer.words(leftover):
        if word in lexicon.fillers:
            continue
        if analyzer.is_latin(word) and not word.isdigit() and not known(word) and len(word) >= 2:
            plan.groups.append(Group(word, [Alternative(word, analyzer.initials_terms(word), True)], 1.0))
        elif len(word) == 1 and word in lexicon.verbs:
            plan.groups.append(_expanded_group(word, lexicon.verbs[word].terms, VERB_WEIGHT, lexicon.generic))
        elif len(word) == 1:
            plan.groups.append(_literal_group(word, VERB_WEIGHT))
        else:
            plan.groups.append(_literal_group(word))
    if not plan.groups and text:
        plan.groups.append(_literal_group(text))
    return plan
