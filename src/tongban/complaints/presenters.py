"""How complaints, reports, suggestions and desk matters become what pages and the API show: contact data masked,
the complainant's identity withheld from the complained-about agency unless they agreed."""

from __future__ import annotations

from sqlalchemy.orm import Session

from tongban.accounts.access import StaffActor
from tongban.appointments import halls
from tongban.catalog import reads as catalog_reads
from tongban.complaints import desk, service, suggestions
from tongban.complaints.enums import (Channel, ComplaintState, ComplaintStep, MatterKind, MatterOutcome, ReportKind,
                                      SuggestionState, SuggestionTopic)
from tongban.complaints.models import Complaint
from tongban.complaints.schemas import (ComplaintCreated, ComplaintOut, MatterOut, ReportOut, StaffComplaintOut, StepOut,
                                        SuggestionOut)
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


# --- problem reports, suggestions and desk matters for the JSON API (RATE-09, 10, 11) --------------------------------

def report_view(db_session: Session, row) -> ReportOut:
    item = catalog_reads.find_item(db_session=db_session, item_id=row.item_id) if row.item_id else None
    return ReportOut(id=row.id, number=row.number or "", kind=row.kind, kind_label=ReportKind(row.kind).label,
                     state=row.state, body=row.body, page=row.page, item_id=row.item_id,
                     item_name=item.name if item else "", reply=row.reply, replied_at=row.replied_at,
                     created_at=row.created_at)


def suggestion_view(db_session: Session, clock: Clock, row) -> SuggestionOut:
    warning = suggestions.suggestion_warning(db_session=db_session, clock=clock, row=row)
    return SuggestionOut(id=row.id, number=row.number or "", topic=row.topic, topic_label=SuggestionTopic(row.topic).label,
                         state=row.state, state_label=SuggestionState(row.state).label, title=row.title, body=row.body,
                         item_id=row.item_id, proposer_name=row.proposer_name, answer=row.answer,
                         answered_by=row.answered_by, answered_at=row.answered_at, draft_version_id=row.draft_version_id,
                         due=row.due, warning=getattr(warning, "value", warning))


def matter_view(db_session: Session, clock: Clock, row) -> MatterOut:
    warning = desk.matter_warning(db_session=db_session, clock=clock, row=row)
    return MatterOut(id=row.id, number=row.number or "", channel=row.channel, kind=row.kind,
                     kind_label=MatterKind(row.kind).label, matter=row.matter, item_id=row.item_id,
                     agency_id=row.agency_id, contact_phone=mask_phone(row.contact_phone or ""),
                     registered_on=row.registered_on, due=row.due, outcome=row.outcome or "",
                     outcome_label=MatterOutcome(row.outcome).label if row.outcome else "",
                     resolution=row.resolution, resolved_on=row.resolved_on, on_time=row.on_time,
                     warning=getattr(warning, "value", warning))
