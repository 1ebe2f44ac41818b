"""What other domains read of the knowledge base: answers to a question as plain values (CONS-01, CONS-03).

The assistant calls `find_answers` (with `min_score=ANSWER_MIN_SCORE`) to answer from published entries only, and
logs each question with `service.record_question` for the frequent question analysis; it never sees the tables.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.orm import Session

from tongban.core.clock import Clock
from tongban.knowledge import analysis, service

DEFAULT_MIN_SCORE = service.MIN_PUBLIC_SCORE  # enough to list an entry among search results
# Enough to give an entry as the answer (the assistant, CONS-01): the score at which the frequent question analysis
# counts a question as answered. Between the two an entry shares words with the question, not its meaning.
ANSWER_MIN_SCORE = analysis.GOOD_ANSWER


@dataclass(frozen=True)
class FaqAnswer:
    """A published, valid entry that answers the question; `score` in [0, 1] (TF-IDF cosine of the best wording)."""

    entry_id: int
    question: str
    answer: str
    score: float
    url: str
    item_ids: tuple[int, ...]


def faq_url(entry_id: int) -> str:
    return f"/faq/{entry_id}"


def find_answers(db_session: Session, clock: Clock, question: str, item_ids: Sequence[int] | None = None, limit: int = 5,
                 *, min_score: float = DEFAULT_MIN_SCORE) -> list[FaqAnswer]:
    """Up to `limit` entries that answer `question`, best first; empty when none does (the caller hands off).

    With `item_ids` (the items the conversation is about), entries linked only to other items are left out and
    entries linked to these come first. An empty or over-long question raises InvalidInput.
    """
    versions = service.live_versions(db_session=db_session, clock=clock)
    ranked = service.rank(versions, service.clean_query(question), item_ids=item_ids, min_score=min_score)
    return [FaqAnswer(r.version.entry_id, r.version.question, r.version.answer, r.score, faq_url(r.version.entry_id),
                      tuple(r.version.item_ids or ())) for r in ranked[:max(0, limit)]]
