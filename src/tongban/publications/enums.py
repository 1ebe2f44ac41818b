"""Enumerations of publications: what kind of text it is and whether it is still shown."""

from __future__ import annotations

from enum import StrEnum


class PublicationKind(StrEnum):
    """The three columns of 政策法规与通知公告 on the portal (003 我要看)."""

    policy = "policy"
    regulation = "regulation"
    announcement = "announcement"

    @property
    def label(self) -> str:
        return KIND_LABELS[self]


KIND_LABELS = {
    PublicationKind.policy: "政策文件",
    PublicationKind.regulation: "法律法规",
    PublicationKind.announcement: "通知公告",
}


class PublicationStatus(StrEnum):
    published = "published"
    withdrawn = "withdrawn"

    @property
    def label(self) -> str:
        return {"published": "已发布", "withdrawn": "已撤回"}[self.value]
