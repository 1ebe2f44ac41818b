"""Enumerations of publications: what kind of text it is and whether it is still shown."""

from __future__ import annotations

from tongban.core.enums import LabelledEnum


class PublicationKind(LabelledEnum):
    """The three columns of 政策法规与通知公告 on the portal (003 我要看)."""

    policy = "policy", "政策文件"
    regulation = "regulation", "法律法规"
    announcement = "announcement", "通知公告"


class PublicationStatus(LabelledEnum):
    published = "published", "已发布"
    withdrawn = "withdrawn", "已撤回"
