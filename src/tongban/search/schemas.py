"""JSON shapes of search: results with highlights and facets, suggestions, hot lists (SRCH-01, SRCH-05, SRCH-09)."""

from __future__ import annotations

from pydantic import BaseModel, Field

from tongban.search.query import MAX_QUERY_CHARS


class HitOut(BaseModel):
    key: str = Field(description="结果编号，如 item:12、faq:12:1、publication:3")
    kind: str = Field(description="item / faq / bundle / policy / regulation / announcement")
    kind_label: str
    title: str
    title_html: str = Field(description="标题，检索词以 <mark> 标出（已转义）")
    url: str
    subtitle: str
    snippet_html: str = Field(description="指南或正文中命中检索词的一句（已转义，<mark> 标出）")
    status: str
    position: int


class FacetValueOut(BaseModel):
    value: str
    label: str
    count: int


class SearchOut(BaseModel):
    q: str
    total: int
    page: int
    size: int
    hits: list[HitOut]
    facets: dict[str, list[FacetValueOut]]
    did_you_mean: str | None = Field(None, description="疑似输错时的建议检索词")
    understood: list[str] = Field(description="口语词被理解成的规范用语，如 “上户口 → 户口登记”")
    filters: dict[str, str]


class SuggestionOut(BaseModel):
    text: str
    url: str
    kind: str


class SuggestOut(BaseModel):
    q: str
    suggestions: list[SuggestionOut]


class HotQueryOut(BaseModel):
    query: str
    count: int = Field(description="近 30 天检索到结果并打开了结果的不同访客数（不是检索次数）")


class HotItemOut(BaseModel):
    key: str
    title: str
    url: str
    count: int


class HotOut(BaseModel):
    searches: list[HotQueryOut]
    items: list[HotItemOut]


class ClickIn(BaseModel):
    q: str = Field("", max_length=MAX_QUERY_CHARS)
    key: str = Field(max_length=60, description="被打开的结果编号")
    position: int = Field(0, ge=0, le=1000)


class HotReviewOut(BaseModel):
    """A query as staff review the hot-search list: its visitors and whether it is hidden."""

    query: str
    visitors: int = Field(description="近 30 天检索到结果并打开结果的不同访客数")
    hidden: bool


class HideIn(BaseModel):
    query: str = Field(min_length=1, max_length=MAX_QUERY_CHARS, description="检索词（按公开列表中的写法）")
