"""Cases as their readers see them: the application form, the case with its history, the public progress."""

from __future__ import annotations

import json
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from tongban.accounts.identity import mask_name, mask_phone
from tongban.baselib.service import BaseLibrary
from tongban.cases import delivery as deliveries
from tongban.cases import documents, exemptions, forms, lifecycle, notices, payments
from tongban.cases.documents import verify_url
from tongban.cases.enums import CaseChannel, CaseState, DeliveryStatus, EventKind, MaterialStatus, Opinion, PaymentStatus
from tongban.cases.licences import mask_identifier
from tongban.cases.models import Case, CaseFile, CaseMaterial, CasePost, Document, License
from tongban.cases.schemas import (
    ApplicationFormOut,
    CaseOut,
    CaseSummaryOut,
    DeliveryOut,
    DocumentOut,
    EventOut,
    ExemptionOut,
    MaterialFormOut,
    MaterialOut,
    PaymentOut,
    PostOut,
    ProgressDetailsOut,
    ProgressMaterialOut,
    ProgressOut,
)
from tongban.cases.service import materials_of
from tongban.catalog import service as catalog
from tongban.catalog.enums import DeliveryMethod, HandlingForm, Necessity
from tongban.catalog import reads as catalog_reads
from tongban.core.clock import SHANGHAI, Clock
from tongban.core.errors import Unavailable


def _iso(value: datetime | None) -> str | None:
    return value.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M") if value else None


def _agency_name(db_session: Session, agency_id: int) -> str:
    agency = catalog_reads.find_agency(db_session=db_session, agency_id=agency_id)
    return agency.name if agency else ""


def application_form(
    *, db_session: Session, clock: Clock, library: BaseLibrary, applicant: forms.Applicant, item_id: int,
) -> ApplicationFormOut:
    """The item's form pre-filled from the account and licences, with the exemptions that hold (CASE-01, CASE-02)."""
    item = catalog.get_item(db_session=db_session, item_id=item_id)
    content = catalog.live_content(db_session=db_session, item=item)
    fields = forms.form_for(content)
    licence_data = _licence_fields(db_session, clock, applicant, fields)
    materials = []
    for material in content.materials:
        held = exemptions.options(
            db_session=db_session, clock=clock, library=library, applicant=applicant, material=material,
            pledge_offered=content.pledge is not None,
        )
        materials.append(MaterialFormOut(
            key=material.key, name=material.name, necessity=material.necessity.value, necessity_label=material.necessity.label,
            condition=material.condition, e_form=material.e_form, acceptance_standard=material.acceptance_standard,
            exemptions=[ExemptionOut(kind=e.kind.value, label=e.kind.label, ref=e.ref) for e in held],
        ))
    return ApplicationFormOut(
        item_id=item.id, item_name=item.name, agency_name=item.agency.name, subject_kind=applicant.subject_kind,
        applicant_name=applicant.name, fields=fields, prefill=forms.prefill(fields, applicant, licence_data),
        materials=materials, pledge=content.pledge,
        delivery_methods=[{"value": m.value, "label": m.label} for m in content.result.delivery],
        fees=[f.model_dump(mode="json") for f in content.fees],
        online=content.handling_form is not HandlingForm.offline,
    )


def prefilled_values(form: ApplicationFormOut, draft: dict[str, str] | None = None) -> dict[str, str]:
    """The form's page values: the account's and licences' prefill, under what a draft filled together with a
    consultant holds (CONS-08); where the draft is empty the person's own data stays."""
    values = {f"f_{k}": v for k, v in form.prefill.items()}
    values.update({f"f_{k}": v for k, v in (draft or {}).items() if v and any(f.key == k for f in form.fields)})
    return values


def _licence_fields(db_session, clock, applicant, fields) -> dict[str, dict]:
    from tongban.cases import licences

    wanted = {f.prefill[len("licence:"):].partition(".")[0] for f in fields if f.prefill.startswith("licence:")}
    found: dict[str, dict] = {}
    for type_code in wanted:
        licence = licences.find_valid(db_session=db_session, clock=clock, type_code=type_code,
                                      holder_identifier=applicant.identifier)
        if licence is not None:
            # the type's own fields (经营场所, 主体业态 …) as well as the older free data and the number (LIC-01)
            found[type_code] = {**licence.data, **licences.held_values(licence),
                                "number": licence.number, "holder_name": licence.holder_name}
    return found


_BEFORE_ACCEPTANCE = (CaseState.submitted, CaseState.supplement_requested)
_AWAITING_DECISION = (CaseState.accepted, CaseState.accepted_with_deficiency, CaseState.under_review,
                      CaseState.special_procedure)


def due_note(case: Case) -> str | None:
    """How the due date is reckoned, for an applicant who wonders why it is not simply N days after applying:
    the limit runs from acceptance, in working or natural days, and supplements and special procedures stop it."""
    state = CaseState(case.state)
    limit = case.promised_limit_days if case.promised_limit_days is not None else case.legal_limit_days
    if limit is None or state not in (*_BEFORE_ACCEPTANCE, *_AWAITING_DECISION):
        return None
    unit = "个自然日" if case.limit_unit == "natural_day" else "个工作日（周末和法定节假日不算）"
    stops = "补正材料和听证、专家评审、现场勘验等特别程序所用的时间不计算在内，遇到时办结日期相应顺延。"
    if state in _BEFORE_ACCEPTANCE:
        return f"办结期限为受理之日起 {limit} {unit}，受理后算出办结日期；{stops}"
    note = f"办结日期从受理之日起按 {limit} {unit}计算；{stops}"
    if state is CaseState.special_procedure:
        return "目前在特别程序中，暂停计时，程序结束后办结日期相应顺延。" + note
    return note


def summary(db_session: Session, case: Case) -> CaseSummaryOut:
    return CaseSummaryOut(
        id=case.id, case_number=case.case_number or "", item_id=case.item_id, item_name=case.item_name,
        agency_name=_agency_name(db_session, case.agency_id), applicant_name=case.applicant_name,
        subject_kind=case.subject_kind, channel=case.channel, channel_label=CaseChannel(case.channel).label,
        state=case.state, state_label=CaseState(case.state).label, submitted_at=_iso(case.submitted_at),
        legal_due=case.legal_due.isoformat() if case.legal_due else None,
        promised_due=case.promised_due.isoformat() if case.promised_due else None, due_note=due_note(case),
        version=case.version,
    )


def _masked_identifier(case: Case) -> str:
    """The same masking as licences: credit codes keep region and tail, ID numbers lose the birth date."""
    value = case.applicant_identifier
    kind = "uscc" if case.subject_kind == "org" else ("resident_id" if len(value) == 18 else "passport")
    return mask_identifier(kind, value)


def material_states(db_session: Session, case: Case) -> list[tuple[CaseMaterial, MaterialStatus, str, str]]:
    """Each material of the case with how it stands for its readers: (row, status, label, condition). Only a required
    material not handed in is 缺少; a conditional one nobody asked for did not apply (不适用, with its condition),
    and an optional one was simply not given. Staff who find that a condition holds ask for it, which makes it
    required (CASE-06)."""
    content = catalog.content_of_version(db_session=db_session, version_id=case.item_version_id,
                                         digest=case.item_content_sha256)
    defined = {m.key: m for m in content.materials}
    found = []
    for row in materials_of(db_session=db_session, case_id=case.id):
        status = MaterialStatus(row.status)
        if status is not MaterialStatus.missing or row.required:
            found.append((row, status, status.label, ""))
            continue
        material = defined.get(row.material_key)
        if material is not None and material.necessity is Necessity.optional:
            found.append((row, MaterialStatus.not_required, "未提交（非必要材料）", ""))
        else:
            found.append((row, MaterialStatus.not_required, MaterialStatus.not_required.label,
                          material.condition if material is not None else ""))
    return found


def detail(*, db_session: Session, clock: Clock, case: Case, for_applicant: bool) -> CaseOut:
    files = {f.id: f for f in db_session.scalars(select(CaseFile).where(CaseFile.case_id == case.id))}
    materials = []
    for row, status, label, condition in material_states(db_session, case):
        file = files.get(row.file_id) if row.file_id else None
        materials.append(MaterialOut(
            key=row.material_key, name=row.name, required=row.required, status=status.value,
            status_label=label, condition=condition, exemption=row.exemption, exemption_ref=row.exemption_ref,
            standard=row.standard, file_id=row.file_id, filename=file.filename if file else None,
            sha256=file.sha256 if file else None, sealed=bool(file and file.seal_signature),
        ))
    docs = notices.for_case(db_session=db_session, case_id=case.id)
    numbers = {d.id: d.number for d in docs}
    licence = db_session.get(License, case.licence_id) if case.licence_id else None
    events = [
        EventOut(seq=e.seq, kind=e.kind, label=EventKind(e.kind).label, state=e.to_state, state_label=CaseState(e.to_state).label,
                 actor=e.actor_name, reason=e.reason, at=_iso(e.at), document_number=numbers.get(e.document_id))
        for e in lifecycle.events_of(db_session=db_session, case_id=case.id)
    ]
    return CaseOut(
        **summary(db_session, case).model_dump(),
        applicant_identifier=_masked_identifier(case),
        contact_phone=mask_phone(case.contact_phone) if case.contact_phone else None,
        form=json.loads(case.form_data), materials=materials, events=events,
        documents=[DocumentOut(id=d.id, number=d.number, kind=d.kind, title=d.title, issued_on=d.issued_on.isoformat(),
                               verify_url=verify_url("", d.number), sealed=d.ready) for d in docs],
        posts=_posts(db_session, case), fee_fen=case.fee_fen, fee_detail=case.fee_detail,
        payment=_payment(db_session, case), delivery=_delivery(db_session, case, for_applicant),
        decision=case.decision, decision_reasons=case.decision_reasons,
        supplement_deadline=case.supplement_deadline.isoformat() if case.supplement_deadline else None,
        deficiency_deadline=case.deficiency_deadline.isoformat() if case.deficiency_deadline else None,
        licence_number=licence.number if licence else None, tracking_url=f"/progress/t/{case.tracking_token}",
        review_exemption=case.review_exemption, decide_by=case.decide_by.isoformat() if case.decide_by else None,
    )


def _posts(db_session: Session, case: Case) -> list[PostOut]:
    rows = db_session.scalars(select(CasePost).where(CasePost.case_id == case.id).order_by(CasePost.id))
    return [
        PostOut(agency_id=p.agency_id, agency_name=_agency_name(db_session, p.agency_id), lead=p.lead, opinion=p.opinion,
                opinion_label=Opinion(p.opinion).label if p.opinion else "待提出意见", reasons=p.reasons,
                staff_name=p.staff_name, at=_iso(p.at))
        for p in rows
    ]


def _payment(db_session: Session, case: Case) -> PaymentOut | None:
    payment = payments.payment_of(db_session=db_session, case_id=case.id)
    if payment is None:
        return None
    pending = payment.status != PaymentStatus.paid.value
    try:
        checkout = payments.gateway_from_settings().checkout_url(payment) if pending else None
    except Unavailable:
        checkout = None  # no online payment configured: the case page still shows what is due
    return PaymentOut(
        order_number=payment.order_number, amount_fen=payment.amount_fen, status=payment.status,
        status_label=PaymentStatus(payment.status).label,
        checkout_url=checkout,
    )


def _delivery(db_session: Session, case: Case, for_applicant: bool) -> DeliveryOut | None:
    row = deliveries.of(db_session=db_session, case_id=case.id)
    if row is None:
        return None
    show_code = for_applicant and row.status == DeliveryStatus.ready.value and row.method == DeliveryMethod.locker.value
    return DeliveryOut(
        method=row.method, method_label=DeliveryMethod(row.method).label, status=row.status,
        status_label=DeliveryStatus(row.status).label, locker_code=row.locker_code if show_code else None,
        locker_expires_at=_iso(row.locker_expires_at) if show_code else None, carrier=row.carrier,
        tracking_number=row.tracking_number, delivered_at=_iso(row.delivered_at),
    )


def progress(*, db_session: Session, case: Case, details: bool = False) -> ProgressOut:
    """SRCH-06 / CASE-05: the steps and their dates, without names, reasons or personal data; with `details`
    (the caller has proven the check digits or holds the notice's QR) the masked applicant and the materials."""
    steps = [{"label": EventKind(e.kind).label, "at": _iso(e.at), "state": CaseState(e.to_state).label}
             for e in lifecycle.events_of(db_session=db_session, case_id=case.id)]
    return ProgressOut(
        case_number=case.case_number or "", item_name=case.item_name, agency_name=_agency_name(db_session, case.agency_id),
        state=case.state, state_label=CaseState(case.state).label, submitted_at=_iso(case.submitted_at), steps=steps,
        promised_due=case.promised_due.isoformat() if case.promised_due else None, due_note=due_note(case),
        details=_progress_details(db_session, case) if details else None,
    )


def _progress_details(db_session: Session, case: Case) -> ProgressDetailsOut:
    materials = [ProgressMaterialOut(name=row.name, status_label=f"{label}（适用情形：{condition}）" if condition else label,
                                     condition=condition)
                 for row, _, label, condition in material_states(db_session, case)]
    return ProgressDetailsOut(
        applicant_name=mask_name(case.applicant_name), contact_phone=mask_phone(case.contact_phone) if case.contact_phone else None,
        channel_label=CaseChannel(case.channel).label, materials=materials,
        supplement_deadline=case.supplement_deadline.isoformat() if case.supplement_deadline else None,
    )


def document_of(*, db_session: Session, clock: Clock, case: Case, document_id: int) -> Document:
    """One of the case's documents with its PDF (sealed now if its job has not run yet)."""
    document = db_session.get(Document, document_id)
    if document is None or document.case_id != case.id:
        from tongban.core.errors import NotFound

        raise NotFound("DOCUMENT_NOT_FOUND", "没有找到这份文书")
    return documents.ready(db_session=db_session, clock=clock, document=document)
