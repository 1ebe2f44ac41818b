"""How complaints, reports, suggestions and desk matters become what pages and the API show: contact data masked,
the complainant's identity withheld from the complained-about agency unless they agreed."""

from __future__ import annotations

from sqlalchemy.orm import Session

from tongban.accounts.access import StaffActor
from tongban.appointments import halls
from tongban.catalog import reads as catalog_reads
from tongban.complaints import service
from tongban.complaints.enums import Channel, ComplaintState, ComplaintStep
from tongban.complaints.models import Complaint
from tongban.complaints.schemas import ComplaintCreated, ComplaintOut, StaffComplaintOut, StepOut
from tongban.core.clock import Clock
from tongban.core.errors import NotFound
from tongban.core.pii import mask_phone, mask_text

# What the complainant reads of the handling: not the internal notes to the agency.
PUBLIC_STEPS = {ComplaintStep.registered, ComplaintStep.verified, ComplaintStep.invalid, ComplaintStep.assigned,
                ComplaintStep.disposed, ComplaintStep.answered, ComplaintStep.archived}


def _base(db_session: Session, complaint: Complaint, *, public: bool, masked: bool) -> dict:
    agency = catalog_reads.find_agency(db_session=db_session, agency_id=complaint.agency_id)
    item = catalog_reads.find_item(db_session=db_session, item_id=complaint.item_id) if complaint.item_id else None
    hall_name = ""
    if complaint.hall_id:
        try:
            hall_name = halls.get(db_session=db_session, hall_id=complaint.hall_id).name
        except NotFound:
            hall_name = ""
    steps = [StepOut(at=s.at, kind=s.kind, kind_label=ComplaintStep(s.kind).label,
                     author_name="" if public else s.author_name, body=mask_text(s.body) if masked else s.body)
             for s in service.steps(db_session=db_session, complaint=complaint)
             if not public or ComplaintStep(s.kind) in PUBLIC_STEPS]
    return dict(
        number=complaint.number, channel=complaint.channel, channel_label=Channel(complaint.channel).label,
        state=complaint.state, state_label=ComplaintState(complaint.state).label,
        content=mask_text(complaint.content) if masked else complaint.content, agency_name=agency.name if agency else "",
        item_name=item.name if item else "", case_number=complaint.case_number, hall_name=hall_name,
        valid=complaint.valid, invalid_reason=complaint.invalid_reason, finding=complaint.finding,
        action=complaint.action, answer=complaint.answer, due=service.current_due(complaint),
        created_at=complaint.created_at, steps=steps,
    )


def person_view(db_session: Session, complaint: Complaint) -> ComplaintOut:
    return ComplaintOut(**_base(db_session, complaint, public=True, masked=False))


def created(db_session: Session, complaint: Complaint) -> ComplaintCreated:
    return ComplaintCreated(**_base(db_session, complaint, public=True, masked=False), check_code=complaint.check_code)


def staff_view(db_session: Session, clock: Clock, actor: StaffActor, complaint: Complaint) -> StaffComplaintOut:
    shown = service.sees_identity(actor, complaint)
    level = service.complaint_warning(db_session=db_session, clock=clock, complaint=complaint)
    return StaffComplaintOut(
        **_base(db_session, complaint, public=False, masked=not shown), id=complaint.id, identity_shown=shown,
        contact_name=(complaint.contact_name or "") if shown else "",
        contact_phone=mask_phone(complaint.contact_phone) if shown and complaint.contact_phone else "",
        disclose_identity=complaint.disclose_identity, handling_region=complaint.handling_region,
        warning=level.value if level else None, warning_label=level.label if level else "",
    )
