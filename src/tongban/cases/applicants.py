"""Who applies, and who may see a case: applicants, organisations' agents, staff by agency and region (002 §7)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from tongban.accounts import delegation, identity, organisations, persons
from tongban.accounts.access import Permission, PersonActor, StaffActor
from tongban.cases.forms import Applicant
from tongban.cases.models import Case, CasePost
from tongban.core.clock import Clock
from tongban.core.crypto import lookup_hash
from tongban.core.errors import Forbidden, InvalidInput, NotFound

CASE_PERMISSIONS = (
    Permission.case_accept, Permission.case_review, Permission.case_decide, Permission.case_dispatch, Permission.supervise,
)


def applicant_hash(identifier: str) -> str:
    return lookup_hash("case-applicant", identifier.strip().upper())


def for_person(
    *, db_session: Session, clock: Clock, actor: PersonActor, organisation_id: int | None = None, item_code: str | None = None
) -> Applicant:
    """The signed-in person, or an organisation they may act for on this item (ACC-07)."""
    person = persons.get(db_session=db_session, person_id=actor.person_id)
    if organisation_id is None:
        return Applicant("person", person.id, None, person.name, person.id_number, person.phone, id_kind=person.id_kind)
    if not delegation.may_act_for(
        db_session=db_session, clock=clock, person_id=person.id, organisation_id=organisation_id, item_code=item_code
    ):
        raise Forbidden("NOT_AUTHORISED_FOR_ORG", "您没有代表该单位办理这项业务的授权")
    org = organisations.get(db_session=db_session, organisation_id=organisation_id)
    return Applicant("org", person.id, org.id, org.name, org.uscc, person.phone, agent_name=person.name)


def walk_in(
    *, db_session: Session, name: str, id_kind: str, id_number: str, phone: str = "", uscc: str = "", org_name: str = ""
) -> Applicant:
    """An applicant at a window (CASE-21): nobody needs an account first; a registered one is linked."""
    name = " ".join((name or "").split())
    if not name:
        raise InvalidInput("NAME_REQUIRED", "请填写申请人（经办人）姓名")
    number = identity.validate(id_kind, id_number, nationality="XXX").number  # the key needs only the number
    clean_phone = identity.normalize_phone(phone) if phone.strip() else None
    person = persons.find_by_document(db_session=db_session, kind=identity.parse_kind(id_kind).value, number=number)
    if person is not None and "".join(person.name.split()) != "".join(name.split()):
        raise InvalidInput("NAME_MISMATCH", "申请人姓名与证件登记的姓名不一致，请核对")
    person_id = person.id if person is not None else None
    if not uscc.strip():
        return Applicant("person", person_id, None, name, number, clean_phone or (person.phone if person else None),
                         id_kind=identity.parse_kind(id_kind).value)
    code = organisations.normalize_uscc(uscc)
    org = organisations.find_by_uscc(db_session=db_session, uscc=code)
    if org is None and not org_name.strip():
        raise InvalidInput("ORG_NAME_REQUIRED", "该单位尚未注册，请填写单位名称")
    return Applicant(
        "org", person_id, org.id if org else None, org.name if org else org_name.strip(), code,
        clean_phone or (person.phone if person else None), agent_name=name,
    )


def person_may_see(*, db_session: Session, clock: Clock, actor: PersonActor, case: Case) -> bool:
    if case.subject_kind == "org":
        return case.organisation_id is not None and delegation.may_act_for(
            db_session=db_session, clock=clock, person_id=actor.person_id, organisation_id=case.organisation_id
        )
    if case.person_id == actor.person_id:
        return True
    person = persons.get(db_session=db_session, person_id=actor.person_id)
    return case.applicant_hash == applicant_hash(person.id_number)  # filed at a window before registering


def require_person(*, db_session: Session, clock: Clock, actor: PersonActor, case: Case) -> None:
    if not person_may_see(db_session=db_session, clock=clock, actor=actor, case=case):
        raise NotFound("CASE_NOT_FOUND", "没有找到这个办件")  # never confirm that someone else's case exists


def post_agencies(*, db_session: Session, case_id: int) -> set[int]:
    return set(db_session.scalars(select(CasePost.agency_id).where(CasePost.case_id == case_id)))


def staff_may_see(*, db_session: Session, actor: StaffActor, case: Case) -> bool:
    if not any(actor.has(p) for p in CASE_PERMISSIONS):
        return False
    if actor.covers(agency_id=case.agency_id, region_code=case.region_code):
        return True
    return actor.agency_id in post_agencies(db_session=db_session, case_id=case.id)  # a co-agency (CASE-20)


def require_staff(*, db_session: Session, actor: StaffActor, case: Case, permission: Permission, lead: bool = True) -> None:
    """Staff act on their agency's cases; a co-agency only gives its own opinion."""
    if not actor.has(permission):
        raise Forbidden("NOT_PERMITTED", "您的岗位没有这项操作的权限")
    if actor.covers(agency_id=case.agency_id, region_code=case.region_code):
        return
    if not lead and actor.agency_id in post_agencies(db_session=db_session, case_id=case.id):
        return
    raise Forbidden("OUT_OF_SCOPE", "只能处理本机构、本地区的办件")


def acting_for(*, db_session: Session, clock: Clock, actor: PersonActor) -> list[int]:
    """The organisations this person may act for today (their cases and licences are this person's to see)."""
    return [org.id for org, _ in delegation.organisations_for(db_session=db_session, clock=clock, person_id=actor.person_id)]


def my_licences(*, db_session: Session, clock: Clock, actor: PersonActor):
    """我的证照: the person's own licences and those of the organisations they act for (the page and the API)."""
    from tongban.cases import licences

    return licences.held_by(db_session=db_session, clock=clock, person_id=actor.person_id,
                            org_ids=acting_for(db_session=db_session, clock=clock, actor=actor))


def mine_filter(*, db_session: Session, clock: Clock, actor: PersonActor):
    """The where-clause for "my cases": filed by me, filed for me at a window, or for an organisation I act for."""
    from sqlalchemy import and_, or_

    person = persons.get(db_session=db_session, person_id=actor.person_id)
    org_ids = acting_for(db_session=db_session, clock=clock, actor=actor)
    clauses = [
        and_(Case.subject_kind == "person", Case.person_id == person.id),
        and_(Case.subject_kind == "person", Case.applicant_hash == applicant_hash(person.id_number)),
    ]
    if org_ids:
        clauses.append(and_(Case.subject_kind == "org", Case.organisation_id.in_(org_ids)))
    return or_(*clauses)
