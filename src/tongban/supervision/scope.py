"""Who sees which cases in supervision: supervisors their region (or agency), narrowed by optional filters (002 §7)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy.orm import Session

from tongban.accounts.access import Permission, StaffActor, region_prefix
from tongban.catalog import regions
from tongban.core.errors import Forbidden, InvalidInput

REGION_CODE = re.compile(r"^\d{6}$")


@dataclass(frozen=True)
class Scope:
    """The cases a supervision view covers: the actor's reach, optionally one agency or one sub-region. Supervision
    reads cases through `cases.reads`, passing ``region_prefix`` and ``agency_id``; those reads never select who
    applied, so no scan, monitor or statistics run decrypts an applicant's identity, phone or form."""

    region_prefix: str
    agency_id: int | None = None

    def covers(self, *, agency_id: int, region_code: str) -> bool:
        if self.agency_id is not None and agency_id != self.agency_id:
            return False
        return region_code.startswith(self.region_prefix)


def require_supervisor(actor: StaffActor) -> None:
    if not actor.has(Permission.supervise):
        raise Forbidden("NOT_PERMITTED", "只有管理专员可以使用电子监察")


def scope_for(*, db_session: Session, actor: StaffActor, agency_id: int | None = None, region: str = "") -> Scope:
    """The actor's scope, narrowed; a filter outside the actor's reach is refused, not silently widened."""
    require_supervisor(actor)
    prefix = region_prefix(actor.region_code)
    region = (region or "").strip()
    if region:
        if not REGION_CODE.fullmatch(region):
            raise InvalidInput("REGION_INVALID", "行政区划代码应为 6 位数字，如 511602")
        if not region.startswith(prefix):
            raise Forbidden("OUT_OF_SCOPE", "只能查看本地区的办件")
        prefix = region_prefix(region)
    if agency_id is not None:
        agency = regions.get_agency(db_session=db_session, agency_id=agency_id)
        actor.require(Permission.supervise, agency_id=agency.id, region_code=agency.region_code)
        if not agency.region_code.startswith(prefix):
            raise InvalidInput("AGENCY_NOT_IN_REGION", "所选部门不在所选地区内")
    elif actor.agency_id is not None:
        agency_id = actor.agency_id  # a supervisor inside one agency sees that agency only
    return Scope(region_prefix=prefix, agency_id=agency_id)
