"""Enumerations of the knowledge base."""

from __future__ import annotations

from tongban.core.enums import LabelledEnum


class FaqState(LabelledEnum):
    """Review states of an FAQ version (CONS-03): written, reviewed by the management agency, public, taken down."""

    draft = "draft", "草稿"
    review = "review", "待审核"
    returned = "returned", "已退回"
    published = "published", "已发布"
    superseded = "superseded", "历史版本"
    withdrawn = "withdrawn", "已撤下"


OPEN_STATES = (FaqState.draft, FaqState.review, FaqState.returned)  # at most one per entry: the change being made
EDITABLE_STATES = (FaqState.draft, FaqState.returned)


class FaqOrigin(LabelledEnum):
    staff = "staff", "工作人员编写"
    analysis = "analysis", "高频问题分析建议"


class QuestionChannel(LabelledEnum):
    """Where a question was asked (CONS-06 channels, plus letters)."""

    web = "web", "网站"
    mobile = "mobile", "移动端"
    hotline = "hotline", "热线"
    terminal = "terminal", "自助终端"
    window = "window", "窗口"
    letter = "letter", "来信来函"
    api = "api", "开放接口"  # other systems asking the assistant through POST /api/v1/assistant/ask
