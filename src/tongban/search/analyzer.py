"""Text analysis for search: normalisation, words, character bigrams and pinyin (000 §6.2; 003 模糊检索).

The same functions turn documents into index terms and queries into query terms, so a query
matches a document whenever they share a word (``w:``), a pair of adjacent characters (``b:``),
a pair of adjacent syllables (``p:``, which forgives homophone typos such as 登纪 for 登记), a
single character (``u:``) or, for names, a pair of pinyin initials (``i:``).
"""

from __future__ import annotations

import re
import threading
import unicodedata
from collections.abc import Iterable, Iterator
from functools import lru_cache

import jieba
from pypinyin import Style, lazy_pinyin

_CJK = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
RUN_RE = re.compile(rf"[{_CJK}]+|[a-z0-9]+")
CJK_RE = re.compile(rf"^[{_CJK}]+$")
LATIN_RE = re.compile(r"^[a-z0-9]+$")
PAREN_RE = re.compile(r"[（(][^）)]*[）)]")

_tokenizer_lock = threading.Lock()
_tokenizer: jieba.Tokenizer | None = None
_added_words: set[str] = set()


def normalize(text: str) -> str:
    """Full-width to half-width, lower case, every run of other characters becomes one space."""
    text = unicodedata.normalize("NFKC", text or "").lower()
    return " ".join(RUN_RE.findall(text))


def compact(text: str) -> str:
    """The normalised text without spaces: how the lexicon and exact-name checks see it."""
    return normalize(text).replace(" ", "")


def core_name(name: str) -> str:
    """An item name without its parenthesised qualifiers: 居民身份证办理（包括临时） → 居民身份证办理."""
    return compact(PAREN_RE.sub("", name)) or compact(name)


def is_cjk(text: str) -> bool:
    return bool(CJK_RE.match(text))


def is_latin(text: str) -> bool:
    return bool(LATIN_RE.match(text))


def tokenizer() -> jieba.Tokenizer:
    """One jieba tokenizer for the process, separate from jieba's global one."""
    global _tokenizer
    if _tokenizer is None:
        with _tokenizer_lock:
            if _tokenizer is None:
                tk = jieba.Tokenizer()
                jieba.setLogLevel(60)
                tk.initialize()
                _tokenizer = tk
    return _tokenizer


def add_words(words: Iterable[str]) -> None:
    """Teach the segmenter domain words (lexicon phrases, official terms, agency names)."""
    tk = tokenizer()
    with _tokenizer_lock:
        for word in words:
            word = compact(word)
            if len(word) >= 2 and word not in _added_words and is_cjk(word):
                tk.add_word(word, freq=2000)
                _added_words.add(word)
    _cut_cached.cache_clear()
    _search_cut_cached.cache_clear()


@lru_cache(maxsize=100_000)
def _cut_cached(run: str) -> tuple[str, ...]:
    return tuple(w for w in tokenizer().cut(run, HMM=False) if w.strip())


@lru_cache(maxsize=100_000)
def _search_cut_cached(run: str) -> tuple[str, ...]:
    return tuple(w for w in tokenizer().cut_for_search(run, HMM=False) if w.strip())


def runs(text: str) -> list[str]:
    """Runs of Chinese characters and runs of latin letters or digits, in order."""
    return RUN_RE.findall(unicodedata.normalize("NFKC", text or "").lower())


def words(text: str) -> list[str]:
    """Segmentation into words, one reading per place (for queries)."""
    out: list[str] = []
    for run in runs(text):
        out.extend(_cut_cached(run) if is_cjk(run) else (run,))
    return out


def search_words(text: str) -> list[str]:
    """Segmentation with the sub-words of long words too (for documents)."""
    out: list[str] = []
    for run in runs(text):
        out.extend(_search_cut_cached(run) if is_cjk(run) else (run,))
    return out


@lru_cache(maxsize=200_000)
def syllables(word: str) -> tuple[str, ...]:
    """Toneless pinyin, one syllable per Chinese character of ``word``."""
    return tuple(lazy_pinyin(word, style=Style.NORMAL, errors=lambda chars: ["?"] * len(chars)))


def run_syllables(run: str) -> list[str]:
    """Syllables of a Chinese run, read word by word so that heteronyms come out right."""
    out: list[str] = []
    for word in _cut_cached(run):
        out.extend(syllables(word))
    return out


def initials(word: str) -> str:
    return "".join(s[0] for s in syllables(word) if s and s != "?")


def full_pinyin(word: str) -> str:
    return "".join(s for s in syllables(word) if s != "?")


def _bigram_terms(run: str) -> Iterator[str]:
    if len(run) == 1:
        yield "u:" + run
        return
    for i in range(len(run) - 1):
        yield "b:" + run[i : i + 2]


def _pinyin_terms(run: str) -> Iterator[str]:
    sy = run_syllables(run)
    for i in range(len(sy) - 1):
        if "?" not in (sy[i], sy[i + 1]):
            yield f"p:{sy[i]}_{sy[i + 1]}"


def document_terms(text: str, *, short: bool = False) -> list[str]:
    """Every index term of a field's text, repeated as often as it occurs (term frequency).

    ``short`` fields (names, aliases) also get single characters, syllable pairs and initials,
    which forgive typos and serve pinyin input; long guide text gets words and character pairs
    only, which is what full-text search needs and keeps the index small.
    """
    terms: list[str] = []
    for run in runs(text):
        if is_cjk(run):
            terms.extend("w:" + w for w in _search_cut_cached(run) if len(w) >= 2)
            terms.extend(_bigram_terms(run))
            if short:
                if len(run) > 1:
                    terms.extend("u:" + ch for ch in run)
                terms.extend(_pinyin_terms(run))
                ini = initials(run)
                terms.extend("i:" + ini[i : i + 2] for i in range(len(ini) - 1))
        else:
            terms.append("w:" + run)
    return terms


# Query-side weights of each kind of term: a shared word counts most, a single character least.
QUERY_WEIGHTS = {"w": 1.0, "b": 0.8, "p": 0.35, "u": 0.15, "i": 0.6}


def query_terms(text: str, *, literal: bool = True) -> dict[str, float]:
    """Terms of one query phrase with their weights (no initials: those come from latin input).

    What a person typed (``literal``) also looks for syllable pairs, to forgive typos; an official
    term from the lexicon is spelled right and does not need them.
    """
    out: dict[str, float] = {}
    for run in runs(text):
        if not is_cjk(run):
            out["w:" + run] = QUERY_WEIGHTS["w"]
            continue
        for w in _cut_cached(run):
            if len(w) >= 2:
                out["w:" + w] = QUERY_WEIGHTS["w"]
        for t in _bigram_terms(run):
            out.setdefault(t, QUERY_WEIGHTS[t[0]])
        if literal:
            for t in _pinyin_terms(run):
                out.setdefault(t, QUERY_WEIGHTS["p"])
        if len(run) > 1:
            for ch in run:
                out.setdefault("u:" + ch, QUERY_WEIGHTS["u"])
    return out


def initials_terms(letters: str) -> dict[str, float]:
    return {"i:" + letters[i : i + 2]: QUERY_WEIGHTS["i"] for i in range(len(letters) - 1)}
