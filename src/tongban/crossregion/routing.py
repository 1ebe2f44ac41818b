"""全流程网办: an item applied for online away from home goes to the home region's agency by itself (XREG-02;
002 9.2.2.1 a).

The router runs at the start of `cases.service.submit` (`cases.hooks.register_router`). For a person applying on
their own (web, mobile, terminal) for a 全省通办 or 跨省通办 item handled at the household registration (or at the
residence), it looks the person's 户籍地 (居住地, from the residence permit) up in the population library; when that
lies outside the item's region, the case is filed under
the same item of the home region (`catalog.reads.equivalent_item`). Its decision waits in the session until the case
exists; `after_submit` then writes why (`RouteRecord`) and tells the applicant (`cases.progress.push`). A remote
window (XREG-03) has chosen the handling region's item itself, so window filings are never routed."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from tongban.accounts.access import region_prefix
from tongban.cases import progress
from tongban.cases.enums import CaseChannel
from tongban.catalog import reads as catalog_reads
from tongban.catalog import regions
from tongban.core.clock import Clock
from tongban.crossregion.enums import HandlingPlace, RouteOutcome
from tongban.crossregion.models import RouteRecord
from tongban.crossregion.places import CROSS_SCOPES, place_of

_PENDING = "crossregion.route"  # the session's info: decisions waiting for their case


@dataclass(frozen=True)
class Decision:
    applied_item_id: int
    filed_item_id: int
    applied_region: str
    home_region: str
    outcome: RouteOutcome
    reason: str
    place_word: str = "户籍地"  # 户籍地 or 居住地: where the item is handled


def _region_name(db_session: Session, code: str) -> str:
    return regions.region_full_name(db_session=db_session, code=code) or code


def decide(*, db_session: Session, library, applicant, item: catalog_reads.ItemFacts) -> Decision | None:
    """Where this person's application for this item goes; None when routing does not apply (not a cross-region
    item, not handled at the household registration, an organisation, or the person applies at home)."""
    if applicant.subject_kind != "person":
        return None
    scope = catalog_reads.handling_scopes(db_session=db_session, item_ids=[item.id]).get(item.id, "")
    place = place_of(db_session=db_session, item_id=item.id) if scope in CROSS_SCOPES else HandlingPlace.anywhere
    if place is HandlingPlace.anywhere:
        return None
    if place is HandlingPlace.residence:
        word, home = "居住地", library.residence_region(applicant.id_kind, applicant.identifier)
    else:
        word, home = "户籍地", library.household_region(applicant.id_kind, applicant.identifier)
    if not home:
        return Decision(item.id, item.id, item.region_code, "", RouteOutcome.home_unknown,
                        f"人口库中没有您的{word}信息，由{_region_name(db_session, item.region_code)}办理", word)
    if home.startswith(region_prefix(item.region_code)):
        return None
    there = catalog_reads.equivalent_item(db_session=db_session, item_id=item.id, region_code=home)
    home_name = _region_name(db_session, home)
    if there is None:
        return Decision(item.id, item.id, item.region_code, home, RouteOutcome.no_equivalent,
                        f"您的{word}{home_name}暂无对应的“{item.name}”事项，由{_region_name(db_session, item.region_code)}办理",
                        word)
    agency = catalog_reads.agency(db_session=db_session, agency_id=there.agency_id)
    return Decision(item.id, there.id, item.region_code, home, RouteOutcome.routed,
                    f"该事项由{word}办理，已自动分发至{home_name}{agency.name}", word)


def _key(applicant, item_id: int) -> tuple[str, int]:
    return (applicant.identifier, item_id)


def router(*, db_session: Session, clock: Clock, library, applicant, item, channel: CaseChannel, staff) -> int | None:
    """`cases.hooks` router: the home region's item id, or None to keep the item applied for."""
    if staff is not None or channel is CaseChannel.window:
        return None
    decision = decide(db_session=db_session, library=library, applicant=applicant, item=item)
    pending = db_session.info.setdefault(_PENDING, {})
    if decision is None:
        return None
    pending[_key(applicant, decision.filed_item_id)] = decision
    return decision.filed_item_id if decision.outcome is RouteOutcome.routed else None


def after_submit(*, db_session: Session, clock: Clock, case, applicant, channel, staff, **_) -> None:
    """`cases.hooks` after-submit: the decision made for this case is written, and the applicant told."""
    decision = db_session.info.get(_PENDING, {}).pop(_key(applicant, case.item_id), None)
    if decision is None:
        return
    db_session.add(RouteRecord(
        case_id=case.id, applied_item_id=decision.applied_item_id, filed_item_id=decision.filed_item_id,
        applied_region=decision.applied_region, home_region=decision.home_region, outcome=decision.outcome.value,
        reason=decision.reason, created_at=clock.now()))
    if decision.outcome is RouteOutcome.home_unknown:
        db_session.flush()
        return  # nothing was decided for the person: the record is for the platform's statistics only
    step = f"已按{decision.place_word}自动分发" if decision.outcome is RouteOutcome.routed else "由申请地办理"
    progress.push(db_session=db_session, clock=clock, case=case, step=step, detail=decision.reason)
    db_session.flush()


def route_of(*, db_session: Session, case_id: int) -> RouteRecord | None:
    return db_session.scalar(select(RouteRecord).where(RouteRecord.case_id == case_id))


def recent(*, db_session: Session, region_code: str = "", limit: int = 100) -> list[RouteRecord]:
    """The latest routing decisions, those touching a region (applied there or routed there) when it is given."""
    query = select(RouteRecord)
    if region_code:
        prefix = region_prefix(region_code)
        query = query.where(RouteRecord.applied_region.startswith(prefix) | RouteRecord.home_region.startswith(prefix))
    return list(db_session.scalars(query.order_by(RouteRecord.id.desc()).limit(limit)))
