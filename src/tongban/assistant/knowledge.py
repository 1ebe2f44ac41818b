"""What the assistant knows of how people ask, as data files (CONS-01): fact cues, hand-off cues, departments, actions.

Every rule of understanding is a table in `assistant/data/`, read once per process; the code that applies them is
in `understanding.py`. The assistant's extra colloquial phrases and question words (`data/lexicon/`) have the search
lexicon's format and are laid over it, so a question is read by the search's own parser.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path

from tongban.search import lexicon as search_lexicon
from tongban.search.analyzer import compact

FACTS = ("conditions", "materials", "process", "special", "time_limit", "online", "location", "contact", "fee",
         "result", "pickup")
FACT_LABELS = {
    "conditions": "受理条件", "materials": "申请材料", "process": "办理流程", "special": "特别程序",
    "time_limit": "办结时限", "online": "办理形式", "location": "办理地点和时间", "contact": "咨询电话",
    "fee": "收费标准", "result": "办理结果", "pickup": "领取方式", "overview": "事项概要",
}


@dataclass(frozen=True)
class Cue:
    phrase: str
    value: str  # the fact, hand-off kind, action family or department keywords it stands for
    strong: bool = True  # a question frame (removed before searching), not a word that may name an item


def _data(name: str) -> Path:
    return Path(str(resources.files("tongban"))) / "assistant" / "data" / name


def _rows(name: str) -> list[list[str]]:
    rows = []
    for number, raw in enumerate(_data(name).read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        cols = [c.strip() for c in line.split("\t")]
        if len(cols) < 2 or not all(cols):
            raise ValueError(f"assistant/data/{name} 第 {number} 行格式不对")
        rows.append(cols)
    return rows


def _phrases(text: str) -> list[str]:
    return [p for p in (compact(x) for x in text.split("|")) if p]


@lru_cache(maxsize=1)
def fact_cues() -> tuple[Cue, ...]:
    cues = []
    for fact, strength, phrases in _rows("facts.tsv"):
        if fact not in FACTS or strength not in ("frame", "word"):
            raise ValueError(f"assistant/data/facts.tsv：未知的事实或强度 {fact} {strength}")
        cues += [Cue(p, fact, strength == "frame") for p in _phrases(phrases)]
    return tuple(sorted(cues, key=lambda c: -len(c.phrase)))


@lru_cache(maxsize=1)
def handoff_cues() -> tuple[Cue, ...]:
    return tuple(Cue(p, kind) for kind, phrases in _rows("handoffs.tsv") for p in _phrases(phrases))


@lru_cache(maxsize=1)
def department_topics() -> tuple[tuple[tuple[str, ...], tuple[str, ...]], ...]:
    """(topic phrases, agency name keywords) in file order."""
    return tuple((tuple(_phrases(topics)), tuple(k for k in keywords.split("|") if k)) for topics, keywords in
                 _rows("departments.tsv"))


@lru_cache(maxsize=1)
def action_cues() -> tuple[Cue, ...]:
    return tuple(Cue(p, family) for family, phrases in _rows("actions.tsv") for p in _phrases(phrases))


@lru_cache(maxsize=4)
def question_lexicon(base: search_lexicon.Lexicon) -> search_lexicon.Lexicon:
    """The search lexicon with the assistant's phrases and question words laid over it."""
    extra = search_lexicon.load(str(_data("lexicon")))
    return search_lexicon.Lexicon(
        list(base.entries.values()) + list(extra.entries.values()), list(base.verbs.values()),
        set(base.fillers) | set(extra.fillers),
    )


def find(text: str, cues: tuple[Cue, ...]) -> list[tuple[int, int, Cue]]:
    """Every cue found in `text` (compacted), minus those inside a longer one found."""
    found = []
    for cue in cues:
        start = text.find(cue.phrase)
        while start >= 0:
            found.append((start, start + len(cue.phrase), cue))
            start = text.find(cue.phrase, start + 1)
    return [f for f in found if not any(o is not f and o[0] <= f[0] and f[1] <= o[1] and o[1] - o[0] > f[1] - f[0]
                                        for o in found)]
