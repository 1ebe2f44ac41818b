"""Validated input and the JSON shapes of the knowledge base."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

QUESTION_MAX = 200
ANSWER_MAX = 5000
MAX_VARIANTS = 20
MAX_ITEMS = 20

Phrase = Annotated[str, StringConstraints(strip_whitespace=True, min_length=2, max_length=QUESTION_MAX)]


class FaqIn(BaseModel):
    """What staff write for an entry: the question, its answer, other wordings, linked items and validity (CONS-03).

    `owner_agency_id`: the implementing agency that answers for it (item facts); None for the management agency of
    `region_code` (everything else: hall hours, parking, the portal). Only read when the entry is created.
    """

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    question: Phrase
    answer: Annotated[str, Field(min_length=2, max_length=ANSWER_MAX)]
    variants: Annotated[list[Phrase], Field(max_length=MAX_VARIANTS)] = []
    item_ids: Annotated[list[Annotated[int, Field(ge=1, le=2**31 - 1)]], Field(max_length=MAX_ITEMS)] = []
    valid_from: date | None = None
    valid_until: date | None = None
    owner_agency_id: Annotated[int, Field(ge=1, le=2**31 - 1)] | None = None
    region_code: Annotated[str, Field(pattern=r"^(\d{6}|\d{9}|\d{12})?$")] = ""

    @model_validator(mode="after")
    def _tidy(self) -> FaqIn:
        if self.valid_from and self.valid_until and self.valid_until < self.valid_from:
            raise ValueError("有效期的结束日期不能早于开始日期")
        seen = {self.question}
        self.variants = [v for v in self.variants if not (v in seen or seen.add(v))]
        self.item_ids = list(dict.fromkeys(self.item_ids))
        return self


class FaqVersionOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    number: int
    state: str
    question: str
    answer: str
    variants: list[str]
    item_ids: list[int]
    valid_from: date | None
    valid_until: date | None
    origin: str
    evidence: dict | None = None
    created_at: datetime
    author_name: str
    submitted_at: datetime | None
    reviewed_at: datetime | None
    reviewed_by: str
    review_comment: str
    published_at: datetime | None
    withdrawn_at: datetime | None


class FaqEntryOut(BaseModel):
    """An entry for staff: its owner and every version, newest first (the full history)."""

    id: int
    owner_agency_id: int | None
    owner_name: str
    region_code: str
    versions: list[FaqVersionOut]


class PublicFaqOut(BaseModel):
    """A published, valid entry as everyone may read it."""

    id: int
    question: str
    answer: str
    variants: list[str]
    item_ids: list[int]
    owner_name: str
    valid_until: date | None
    url: str
    score: float | None = None


class PublicFaqListOut(BaseModel):
    items: list[PublicFaqOut]
    total: int


class StaffHitOut(BaseModel):
    entry_id: int
    version_id: int
    number: int
    state: str
    question: str
    answer: str
    score: float
    valid: bool


class ReasonIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    reason: Annotated[str, Field(max_length=500)] = ""


class QuestionIn(BaseModel):
    """A question to log for the frequent question analysis (other domains call the service function directly)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    text: Annotated[str, Field(min_length=2, max_length=500)]
    channel: str = "web"
    source: Annotated[str, Field(min_length=1, max_length=40)] = "staff"


class QuestionGroupOut(BaseModel):
    key: str
    representative: str
    count: int
    examples: list[str]
    channels: dict[str, int]
    answered_by: int | None
    answer_score: float
    item_id: int | None
    proposal_entry_id: int | None
