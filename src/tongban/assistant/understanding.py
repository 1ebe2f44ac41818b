"""Understanding a question: which fact it asks, whether it is about an item at all, and which items fit (CONS-01).

The item is found by the search engine (its parser, lexicon and index) on what is left of the question once the
question frames (要带什么, 在哪办 …) and question words are taken out. Whether a found item really fits is judged
on its name: the share of the question's ideas the name (or an alias) holds. Close candidates are asked back.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from tongban.assistant import knowledge
from tongban.search import analyzer
from tongban.search.engine import SearchEngine
from tongban.search.index import SearchDoc
from tongban.search.query import QueryPlan, parse

FITS = 0.67  # the least share of the question's ideas an item's name must hold to be named
CLOSE = 0.88  # a second item scoring this share of the first is too close to choose between
SUGGEST = 0.4  # a weaker item is still offered as "您是不是要找"
SAME_ACTION, OTHER_ACTION, UNASKED_ACTION = 1.25, 0.8, 0.9
DEPTH = 8
PARTICLES = "吗呢啊呀吧了的么嘛"


@dataclass(frozen=True)
class Candidate:
    item_id: int
    name: str
    score: float
    fits: float  # share of the question's ideas the name holds
    agency: str = ""
    agency_id: int | None = None


@dataclass
class Reading:
    text: str  # the question compacted
    fact: str | None
    handoff: str | None  # progress / complaint
    plan: QueryPlan
    candidates: list[Candidate] = field(default_factory=list)

    @property
    def about_nothing(self) -> bool:
        """Nothing is left once the question frames and words are out: a follow-up (要带什么)."""
        return self.plan.empty


def _fact(text: str, item_names: list[str]) -> str | None:
    found = knowledge.find(text, knowledge.fact_cues())
    frames = [f for f in found if f[2].strong]
    words = [f for f in found if not f[2].strong and not any(f[2].phrase in n for n in item_names)]
    for group in (frames, words):
        if group:
            return max(group, key=lambda f: (f[1], f[1] - f[0]))[2].value
    return None


def fact_of(text: str) -> str | None:
    """The fact a text asks, read as a question is (an FAQ entry's question, to compare with the one asked)."""
    return _fact(analyzer.compact(text), [])


def _handoff(text: str) -> str | None:
    found = knowledge.find(text, knowledge.handoff_cues())
    return found[0][2].value if found else None


def _plan(engine: SearchEngine, text: str) -> QueryPlan:
    """The search's query plan of the question without its frames, each piece between frames parsed alone."""
    lexicon = knowledge.question_lexicon(engine.lexicon)
    cuts = sorted((s, e) for s, e, cue in knowledge.find(text, knowledge.fact_cues() + knowledge.handoff_cues())
                  if cue.strong)
    pieces, at = [], 0
    for start, end in cuts:
        if start >= at:
            pieces.append(text[at:start])
            at = end
    pieces.append(text[at:])
    plan = QueryPlan(raw=text, text="".join(pieces))
    for piece in pieces:
        if piece:
            plan.groups += parse(piece, lexicon, engine.vocabulary, engine.index.knows).groups
    # A question word the segmenter joined to a particle (办吗, 申请吗) says nothing either; nor does a lone leftover
    # character (带, 去) once there are words.
    plan.groups = [g for g in plan.groups if not _says_nothing(g.span, lexicon.fillers)]
    if len(plan.groups) > 1:
        plan.groups = [g for g in plan.groups if len(g.span) > 1 or g.weight >= 1] or plan.groups
    return plan


def _says_nothing(span: str, fillers: set[str]) -> bool:
    """A word made only of question words and particles (办吗, 能办好)."""
    rest = span.rstrip(PARTICLES)
    if rest in fillers or not rest:
        return True
    return all(ch in fillers or ch in PARTICLES for ch in rest)


def _families(text: str) -> set[str]:
    return {cue.value for _, _, cue in knowledge.find(text, knowledge.action_cues())}


def _holds(target: str, alternative: str) -> bool:
    if alternative in target:
        return True
    pairs = [alternative[i:i + 2] for i in range(len(alternative) - 1)]
    return len(pairs) >= 2 and sum(p in target for p in pairs) >= 2 * len(pairs) / 3


def fits(plan: QueryPlan, doc: SearchDoc) -> float:
    """Share of the question's ideas (weighted) that the item's name or aliases hold."""
    target = analyzer.compact(doc.title + " " + doc.fields.get("aliases", ""))
    total = held = 0.0
    for group in plan.groups:
        holds = any(_holds(target, a.text) for a in group.alternatives)
        if holds or group.span not in _fact_words():  # 材料, 费用: about the fact unless the name has them
            total += group.weight
            held += group.weight if holds else 0.0
    return held / total if total else 0.0


def _fact_words() -> frozenset[str]:
    return frozenset(c.phrase for c in knowledge.fact_cues() if not c.strong)


def candidates(engine: SearchEngine, plan: QueryPlan, text: str, *, region: str | None) -> list[Candidate]:
    """Items for the question, best first: the search's ranking, weighed by whether the action asked (补办, 注销 …)
    is the one in the item's name."""
    if plan.empty:
        return []
    result = engine.index.search(plan, filters={"kind": "item"}, region=region, limit=DEPTH)
    asked = _families(text)
    out = []
    for hit in result.hits:
        named = _families(analyzer.compact(hit.doc.title)) - {"first"}
        score = hit.score
        if named & asked:
            score *= SAME_ACTION
        elif named and asked:
            score *= OTHER_ACTION
        elif named:
            score *= UNASKED_ACTION
        elif asked - {"first"}:
            score *= OTHER_ACTION
        agency_ids = hit.doc.facets.get("agency") or [""]
        out.append(Candidate(int(hit.doc.key.split(":")[1]), hit.doc.title, score, fits(plan, hit.doc),
                             hit.doc.fields.get("agency", "").split("\n")[0],
                             int(agency_ids[0]) if agency_ids[0].isdigit() else None))
    out.sort(key=lambda c: (-(c.score * (0.5 + 0.5 * c.fits)), c.item_id))
    return out


def read(engine: SearchEngine, question: str, *, region: str | None = None) -> Reading:
    text = analyzer.compact(question)
    plan = _plan(engine, text)
    found = candidates(engine, plan, text, region=region)
    fitting = [c.name for c in found[:3] if c.fits >= FITS]
    return Reading(text=text, fact=_fact(text, fitting), handoff=_handoff(text), plan=plan, candidates=found)


def decide(reading: Reading) -> tuple[str, list[Candidate], list[Candidate]]:
    """("answer", [the item], []), ("choose", close items, []) or ("none", [], weaker items worth offering)."""
    fitting = [c for c in reading.candidates if c.fits >= FITS]
    if not fitting:
        return "none", [], [c for c in reading.candidates if c.fits >= SUGGEST][:5]
    top = fitting[0]
    rank = lambda c: c.score * (0.5 + 0.5 * c.fits)  # noqa: E731
    close = [c for c in fitting if rank(c) >= CLOSE * rank(top) and analyzer.core_name(c.name) != analyzer.core_name(top.name) or c is top]
    if len(close) > 1:
        return "choose", close[:4], []
    return "answer", [top], []
