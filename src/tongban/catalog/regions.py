"""Regions (GB/T 2260) and agencies per region (CAT-08)."""

from __future__ import annotations

import csv
import io
from importlib import resources

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tongban.accounts.access import Permission, StaffActor
from tongban.catalog.enums import Level
from tongban.catalog.models import Agency, Region
from tongban.core.errors import Conflict, Forbidden, InvalidInput, NotFound

_CHILD_LEVEL = {
    Level.national: Level.province,
    Level.province: Level.city,
    Level.city: Level.county,
    Level.county: Level.township,
    Level.township: Level.village,
}


def packaged_regions() -> list[dict]:
    text = resources.files("tongban.data").joinpath("regions_gbt2260_2024.csv").read_text(encoding="utf-8")
    lines = [line for line in text.splitlines() if not line.startswith("#")]
    return list(csv.DictReader(io.StringIO("\n".join(lines))))


def load_regions(*, db_session: Session) -> int:
    """Insert the packaged GB/T 2260 codes that are not there yet; returns how many were added."""
    existing = set(db_session.scalars(select(Region.code)))
    added = 0
    for row in packaged_regions():  # parents come before children in the file
        if row["code"] in existing:
            continue
        db_session.add(Region(code=row["code"], name=row["name"], level=row["level"], parent_code=row["parent_code"] or None))
        added += 1
    db_session.flush()
    return added


def get_region(*, db_session: Session, code: str) -> Region:
    region = db_session.get(Region, code)
    if region is None:
        raise NotFound("REGION_NOT_FOUND", f"行政区划代码 {code} 不存在")
    return region


def region_exists(*, db_session: Session, code: str) -> bool:
    return db_session.get(Region, code) is not None


def add_region(*, db_session: Session, code: str, name: str, parent_code: str, actor: StaffActor | None = None) -> Region:
    """Add a township (9 digits) or village (12 digits) under an existing region.

    Staff: the management agency responsible for the parent region; None: an operator at the command line.
    """
    parent = get_region(db_session=db_session, code=parent_code)
    if actor is not None:
        require_management(db_session=db_session, actor=actor, permission=Permission.catalog_review, region_code=parent.code)
    level = _CHILD_LEVEL.get(Level(parent.level))
    if level not in (Level.township, Level.village):
        raise InvalidInput("REGION_LEVEL", "只能在县级以下新增乡镇（街道）或村（社区）")
    digits = 9 if level is Level.township else 12
    if not (code.isdigit() and len(code) == digits and code.startswith(parent.code[: 6 if digits == 9 else 9])):
        raise InvalidInput("REGION_CODE", f"{level.label}代码应为以上级代码开头的{digits}位数字")
    if db_session.get(Region, code) is not None:
        raise Conflict("REGION_EXISTS", f"行政区划代码 {code} 已存在")
    if not name.strip():
        raise InvalidInput("REGION_NAME", "请填写区划名称")
    region = Region(code=code, name=name.strip(), level=level.value, parent_code=parent.code)
    db_session.add(region)
    db_session.flush()
    return region


def region_path(*, db_session: Session, code: str) -> list[Region]:
    """The region and its ancestors, top first (for "四川省 广安市 广安区")."""
    path: list[Region] = []
    region = db_session.get(Region, code)
    while region is not None and region.code != "000000":
        path.append(region)
        region = db_session.get(Region, region.parent_code) if region.parent_code else None
    return list(reversed(path))


def region_full_name(*, db_session: Session, code: str) -> str:
    return "".join(r.name for r in region_path(db_session=db_session, code=code))


def managed_region(*, db_session: Session, actor: StaffActor) -> str | None:
    """The region whose management agency (政务服务管理机构) the actor works for; None for an ordinary department.

    Staff without an agency are the region's management staff (see StaffActor.agency_id).
    """
    if actor.agency_id is None:
        return actor.region_code
    agency = db_session.get(Agency, actor.agency_id)
    return agency.region_code if agency is not None and agency.is_management else None


def responsible_region(*, db_session: Session, region_code: str) -> str | None:
    """The region whose management agency reviews and publishes for this region (003 事项管理动态化).

    The same level (同级政务服务管理机构) when that level has a management agency, else the nearest level above
    that has one; None when no level on the path has one.
    """
    path = [r.code for r in region_path(db_session=db_session, code=region_code)] or [region_code]
    managed = set(
        db_session.scalars(select(Agency.region_code).where(Agency.is_management.is_(True), Agency.region_code.in_(path)))
    )
    return next((code for code in reversed(path) if code in managed), None)


def require_management(*, db_session: Session, actor: StaffActor, permission: Permission, region_code: str | None) -> None:
    """The one scope check of review and publishing: permission, region and the responsible management agency."""
    actor.require_management(
        permission,
        region_code=region_code,
        manages=managed_region(db_session=db_session, actor=actor),
        responsible=responsible_region(db_session=db_session, region_code=region_code) if region_code else None,
    )


def may_manage(*, db_session: Session, actor: StaffActor, region_code: str | None) -> bool:
    """Whether `require_management` would let the actor review and publish for this region (pages show buttons)."""
    try:
        require_management(db_session=db_session, actor=actor, permission=Permission.catalog_review, region_code=region_code)
    except Forbidden:
        return False
    return True


def children(*, db_session: Session, code: str) -> list[Region]:
    return list(db_session.scalars(select(Region).where(Region.parent_code == code).order_by(Region.code)))


def upsert_agency(*, db_session: Session, code: str, name: str, region_code: str, level: str, **fields) -> Agency:
    """Create the agency with this code, or update it to these values (idempotent)."""
    get_region(db_session=db_session, code=region_code)
    try:
        Level(level)
    except ValueError:
        raise InvalidInput("AGENCY_LEVEL", f"未知的层级 {level}") from None
    agency = db_session.scalar(select(Agency).where(Agency.code == code))
    if agency is None:
        agency = Agency(code=code, name=name, region_code=region_code, level=level)
        db_session.add(agency)
    agency.name, agency.region_code, agency.level = name, region_code, level
    for key, value in fields.items():
        if hasattr(Agency, key) and value is not None:
            setattr(agency, key, value)
    db_session.flush()
    return agency


def get_agency(*, db_session: Session, agency_id: int) -> Agency:
    agency = db_session.get(Agency, agency_id)
    if agency is None:
        raise NotFound("AGENCY_NOT_FOUND", "没有这个实施机构")
    return agency


def get_agency_by_code(*, db_session: Session, code: str) -> Agency:
    agency = db_session.scalar(select(Agency).where(Agency.code == code))
    if agency is None:
        raise NotFound("AGENCY_NOT_FOUND", f"没有代码为 {code} 的实施机构")
    return agency


def list_agencies(*, db_session: Session, region_code: str | None = None, level: str | None = None) -> list[Agency]:
    query = select(Agency).order_by(Agency.region_code, Agency.is_management.desc(), Agency.name)
    if region_code:
        query = query.where(Agency.region_code == region_code)
    if level:
        query = query.where(Agency.level == level)
    return list(db_session.scalars(query))


def count_agencies(*, db_session: Session) -> int:
    return db_session.scalar(select(func.count(Agency.id))) or 0
