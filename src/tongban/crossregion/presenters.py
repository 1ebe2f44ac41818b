"""How cross-region rows become what pages and the API show: zone items, hand-overs, routes and liaisons (masked)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from tongban.accounts import identity
from tongban.accounts.access import StaffActor
from tongban.catalog import reads as catalog_reads
from tongban.catalog import regions
from tongban.core.pii import mask_phone
from tongban.crossregion import liaisons
from tongban.crossregion.enums import DeliveryChoice, HandoverState, RouteOutcome, Side
from tongban.crossregion.models import Handover, Liaison, RouteRecord
from tongban.crossregion.schemas import HandoverOut, LiaisonOut, RouteOut, StepOut, ZoneItemOut
from tongban.crossregion.zone import ZoneItem


def zone_item(item: ZoneItem) -> ZoneItemOut:
    return ZoneItemOut(id=item.id, name=item.name, code=item.code, agency_name=item.agency_name,
                       region_code=item.region_code, scope=item.scope.value, scope_label=item.scope.label,
                       place=item.place.value, place_label=item.place.label, handling_form=item.handling_form,
                       guide_url=item.guide_url)


def _mask_address(address: str | None) -> str:
    text = address or ""
    return text if len(text) <= 8 else text[:8] + "****"


def handover(row: Handover) -> HandoverOut:
    return HandoverOut(
        id=row.id, side=row.side, side_label=Side(row.side).label, state=row.state, state_label=HandoverState(row.state).label,
        item_name=row.item_name, item_code=row.item_code, origin_region=row.origin_region,
        origin_agency_name=row.origin_agency_name, handling_region=row.handling_region, case_id=row.case_id,
        case_number=row.case_number, applicant_name=identity.mask_name(row.applicant_name),
        applicant_phone=mask_phone(row.applicant_phone) if row.applicant_phone else "",
        delivery_choice=row.delivery_choice, delivery_label=DeliveryChoice(row.delivery_choice).label,
        delivery_address=_mask_address(row.delivery_address) if row.delivery_choice == DeliveryChoice.post.value
        else (row.delivery_address or ""),
        filed_by_name=row.filed_by_name, materials=list(row.materials or []), feedback_note=row.feedback_note,
        feedback_at=row.feedback_at, handed_over_at=row.handed_over_at,
        steps=[StepOut(at=s.get("at", ""), state=s.get("state", ""), state_label=HandoverState(s["state"]).label,
                       note=s.get("note", "")) for s in row.steps or []],
        created_at=row.created_at,
    )


def route(row: RouteRecord) -> RouteOut:
    return RouteOut(case_id=row.case_id, applied_item_id=row.applied_item_id, filed_item_id=row.filed_item_id,
                    applied_region=row.applied_region, home_region=row.home_region, outcome=row.outcome,
                    outcome_label=RouteOutcome(row.outcome).label, reason=row.reason, created_at=row.created_at)


def liaison_list(db_session: Session, actor: StaffActor, rows: list[Liaison], *, full: bool = False) -> list[LiaisonOut]:
    agencies = catalog_reads.agencies_by_id(db_session=db_session, agency_ids=[r.agency_id for r in rows])
    names: dict[str, str] = {}
    out = []
    for row in rows:
        if row.region_code not in names:
            names[row.region_code] = regions.region_full_name(db_session=db_session, code=row.region_code) or row.region_code
        agency = agencies.get(row.agency_id)
        out.append(LiaisonOut(
            id=row.id, agency_id=row.agency_id, agency_name=agency.name if agency else "", region_code=row.region_code,
            region_name=names[row.region_code], contact_name=row.contact_name,
            phone=row.phone if full else mask_phone(row.phone), post=row.post, items=list(row.items or []),
            note=row.note, editable=liaisons.may_edit(actor, row), updated_at=row.updated_at))
    return out
