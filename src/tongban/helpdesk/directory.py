"""The published list of consult, guide and assist services per hall and agency (001 7.1 服务清单; CONS-14).

Derived from data, never a hard-coded list: halls and their hours from the appointments domain, agencies and their
consult phones from the catalog. A hall with counters offers all three services on site; a self-service terminal
offers online consultation; every agency answers consultations about its items and guides and assists applicants."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from tongban.appointments import halls as appointment_halls
from tongban.catalog import regions

SERVICES = {"consult": "咨询", "guide": "导办", "assist": "帮办"}
ONLINE = "/help/new"
REMOTE = "视频、语音帮办（工作日预约）"


@dataclass(frozen=True)
class ServicePlace:
    kind: str  # hall / agency
    id: int
    name: str
    region_code: str
    services: list[str]  # keys of SERVICES
    channels: list[str]  # how to reach it: 现场, 电话, 电子邮件, 网上
    address: str = ""
    phone: str = ""
    email: str = ""
    hours: list[str] = field(default_factory=list)
    online_url: str = ""


def published_services(*, db_session: Session, region_code: str | None = None) -> list[ServicePlace]:
    places: list[ServicePlace] = []
    for hall in appointment_halls.list_halls(db_session=db_session, region_code=region_code):
        terminal = hall.kind == "terminal"
        services = ["consult"] if terminal else list(SERVICES)
        channels = (["自助终端"] if terminal else ["现场"]) + (["电话"] if hall.phone else []) + (
            ["电子邮件"] if hall.email else []) + ["网上"]
        if any(g.remote_help for g in appointment_halls.groups_of(db_session=db_session, hall_id=hall.id)):
            channels.append(REMOTE)  # video/voice help booked in working hours from a ticket (CONS-12)
        hours = appointment_halls.hours_lines(appointment_halls.sessions_of(db_session=db_session, hall_id=hall.id))
        places.append(ServicePlace("hall", hall.id, hall.name, hall.region_code, services, channels, hall.address,
                                   hall.phone, hall.email, hours, f"{ONLINE}?hall={hall.id}"))
    prefix = (region_code or "").rstrip("0")
    for agency in regions.list_agencies(db_session=db_session):
        if prefix and not agency.region_code.startswith(prefix):
            continue
        channels = (["电话"] if agency.consult_phone else []) + (["电子邮件"] if agency.email else []) + ["网上"]
        if agency.address:
            channels.insert(0, "现场")
        places.append(ServicePlace("agency", agency.id, agency.name, agency.region_code, list(SERVICES), channels,
                                   agency.address, agency.consult_phone, agency.email,
                                   [agency.hours] if agency.hours else [], f"{ONLINE}?agency={agency.id}"))
    return places
