"""What a guide is rendered from: one item's live version plus its agency (GUIDE-02).

Every guide format (HTML page, PDF, print sheet, JSON, flow picture) takes a `GuideView` built by
`tongban.guide.service.build_view` from the published version; none of them reads anything else.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from tongban.catalog.schemas import ItemContent


@dataclass(frozen=True)
class AgencyView:
    code: str  # USCC
    name: str
    region_code: str
    region_name: str
    level: str
    address: str = ""
    consult_phone: str = ""
    complaint_phone: str = ""
    hours: str = ""
    email: str = ""


@dataclass(frozen=True)
class AttachmentView:
    sha256: str
    filename: str
    content_type: str
    url: str  # where the portal serves it


@dataclass(frozen=True)
class RelatedItem:
    id: int
    name: str
    relation: str  # main / sub / variant
    situation: str = ""


@dataclass(frozen=True)
class GuideView:
    item_id: int
    implementation_code: str
    code_scheme: str
    basic_code: str
    content: ItemContent
    agency: AgencyView
    version_number: int
    published_at: datetime | None
    status: str = "active"  # active / suspended / stopped
    status_reason: str = ""
    alternative: str = ""
    alternative_item: RelatedItem | None = None
    parent: RelatedItem | None = None
    children: list[RelatedItem] = field(default_factory=list)
    attachments: dict[str, AttachmentView] = field(default_factory=dict)  # by sha256
    url: str = ""  # public guide page URL (for QR codes and print)

    @property
    def rate_url(self) -> str:
        """Where a reader rates this guide (RATE-01): the print sheet prints it as a code beside the guide's own."""
        base = self.url.rsplit("/items/", 1)[0] if self.url else ""
        return f"{base}/ratings/new?kind=guide&id={self.item_id}"
