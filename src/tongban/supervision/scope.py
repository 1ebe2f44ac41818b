"""Who sees which cases in supervision: supervisors their region (or agency), narrowed by optional filters (002 §7)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import ColumnElement, and_, true
from sqlalchemy.orm import Session, defer

from tongban.accounts.access import Permission, StaffActor, region_prefix
from tongban.cases.models import Case
from tongban.catalog import regions
from tongban.core.errors import Forbidden, InvalidInput

REGION_CODE = re.compile(r"^\d{6}$")
# Supervision counts and times cases; it never reads who applied. Leaving these columns out keeps the applicant's
# identity, phone and form (encrypted, decrypted per row) out of every scan, monitor and statistics run.
PERSONAL_COLUMNS = (Case.applicant_name, Case.applicant_identifier, Case.contact_phone, Case.form_data, Case.fee_detail,
                    Case.decision_reasons)


def without_personal_data() -> list:
    """Loader options for supervision's batch reads of cases."""
    return [defer(column) for column in PERSONAL_COLUMNS]


@dataclass(frozen=True)
class Scope:
    """The cases a supervision view covers: the actor's reach, optionally one agency or one sub-region."""

    region_prefix: str
    agency_id: int | None = None

    def clause(self) -> ColumnElement[bool]:
        where = Case.region_code.startswith(self.region_prefix, autoescape=True) if self.region_prefix else true()
        if self.agency_id is not None:
            where = and_(where, Case.agency_id == self.agency_id)
        return where

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
