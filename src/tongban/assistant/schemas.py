"""The assistant's API shapes: a question in, an answer with its source, choices or a hand-off out (CONS-01)."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, Field

from tongban.search.query import MAX_QUERY_CHARS


class AskIn(BaseModel):
    # No max_length: the length rule and its Chinese message are the service's (the page gives the same).
    question: Annotated[str, Field(description=f"问题，用平常的话说，最多 {MAX_QUERY_CHARS} 个字", max_length=10_000)]
    region: Annotated[str | None, Field(description="所在地区的行政区划代码，同地事项优先", max_length=12)] = None
    channel: Annotated[str, Field(description="咨询渠道：web、mobile、api、hotline、kiosk", max_length=20)] = "api"
    context: Annotated[int | None, Field(description="上一问回答的事项编号（answer.context），用于追问", ge=1, le=2**31 - 1)] = None


class LinkOut(BaseModel):
    label: str
    url: str


class ItemOut(BaseModel):
    item_id: int
    name: str
    agency: str
    confidence: float
    url: str


class SourceOut(BaseModel):
    item_id: int
    item_name: str
    section: str
    url: str
    version_number: int


class FaqOut(BaseModel):
    entry_id: int
    question: str
    answer: str
    score: float = Field(description="与问题的相近程度，0 至 1")
    url: str = Field(description="常见问题页面 /faq/{entry_id}")


class HandoffOut(BaseModel):
    kind: str = Field(description="progress 办件进度、complaint 投诉、department 对口部门、unknown 未找到")
    text: str
    department: str = ""
    phone: str = ""
    address: str = ""


class AnswerOut(BaseModel):
    question: str
    kind: str = Field(description="answer 已回答、choose 请选择事项、faq 以常见问题答复、handoff 转其他途径")
    fact: str | None = Field(description="问的是哪一项：conditions、materials、process、special、time_limit、online、location、"
                                         "contact、fee、result、pickup；没有说时为空")
    fact_label: str
    text: str
    lines: list[str]
    items: list[ItemOut]
    suggestions: list[ItemOut]
    source: SourceOut | None
    handoff: HandoffOut | None
    faqs: list[FaqOut] = Field(description="kind 为 faq 时第一条即答复；回答事项时为该事项（或不限事项）的相关常见问题")
    links: list[LinkOut]
    context: int | None
