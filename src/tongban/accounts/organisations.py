"""Organisation accounts: registration by USCC against the legal-person library, window and proxy (003 5-2)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from tongban.accounts import agreements
from tongban.accounts.access import Permission, PersonActor, StaffActor
from tongban.accounts.identity import normalize_uscc, parse_kind, validate
from tongban.accounts.models import Delegation, Organisation, Person
from tongban.accounts.schemas import OrganisationOut
from tongban.baselib.service import BaseLibrary, OrgRecord, id_hash
from tongban.core import audit
from tongban.core.clock import Clock
from tongban.core.errors import Conflict, Forbidden, InvalidInput, NotFound

ORG_KIND_LABELS = {
    "enterprise": "企业", "individual_business": "个体工商户", "institution": "事业单位",
    "social_org": "社会组织", "government": "机关", "other": "其他组织",
}


def view(org: Organisation, *, my_role: str = "") -> OrganisationOut:
    return OrganisationOut(
        id=org.id, uscc=org.uscc, name=org.name, org_kind_label=ORG_KIND_LABELS.get(org.org_kind, org.org_kind),
        legal_rep_name=org.legal_rep_name, legal_rep_bound=org.legal_rep_person_id is not None,
        registered_via=org.registered_via, status=org.status, my_role=my_role,
    )


def get(*, db_session: Session, organisation_id: int) -> Organisation:
    org = db_session.get(Organisation, organisation_id)
    if org is None:
        raise NotFound("ORGANISATION_NOT_FOUND", "没有这个单位")
    return org


def find_by_uscc(*, db_session: Session, uscc: str) -> Organisation | None:
    return db_session.scalar(select(Organisation).where(Organisation.uscc == normalize_uscc(uscc)))


def _library_record(library: BaseLibrary, uscc: str) -> OrgRecord:
    record = library.find_organisation(uscc)
    if record is None:
        raise InvalidInput("ORG_NOT_IN_LIBRARY", "法人基础信息库中查不到这个统一社会信用代码，请核对或到政务服务大厅办理")
    if record.status != "active":
        raise InvalidInput("ORG_INACTIVE", "该单位在法人基础信息库中已注销或吊销，不能注册")
    return record


def _new(db_session: Session, clock: Clock, record: OrgRecord, *, via: str, legal_rep: Person | None,
         letter: str | None = None) -> Organisation:
    if db_session.scalar(select(Organisation.id).where(Organisation.uscc == record.uscc)):
        raise Conflict("ORG_REGISTERED", "该单位已经注册；如需办理业务，请联系法定代表人授权")
    org = Organisation(
        uscc=record.uscc, name=record.name, org_kind=record.org_kind, legal_rep_name=record.legal_rep_name,
        legal_rep_id_hash=record.legal_rep_id_hash, legal_rep_person_id=legal_rep.id if legal_rep else None,
        status="active", registered_via=via, authorization_letter=letter, created_at=clock.now(),
    )
    db_session.add(org)
    db_session.flush()
    return org


def register_online(*, db_session: Session, clock: Clock, library: BaseLibrary, actor: PersonActor, uscc: str,
                    agreement_version: str) -> Organisation:
    """Remote comparison with the legal-person library; the account binds to the legal rep (ACC-04)."""
    record = _library_record(library, normalize_uscc(uscc))
    person = db_session.get(Person, actor.person_id)
    if person is None or person.id_number_hash != record.legal_rep_id_hash:
        raise Forbidden("NOT_LEGAL_REP", "只有该单位登记的法定代表人本人可以在网上注册；经办人请由法定代表人授权，或持授权委托书到大厅办理")
    if agreement_version != agreements.current("org").version:
        raise InvalidInput("AGREEMENT_REQUIRED", "请阅读并同意《法人实名注册服务协议》")
    org = _new(db_session, clock, record, via="online", legal_rep=person)
    agreements.sign(db_session=db_session, clock=clock, subject_kind="org", subject_id=org.id, version=agreement_version,
                    channel="online", signed_by=person.id)
    audit.record(db_session=db_session, clock=clock, actor=actor.ref, action="org.register", object_kind="organisation",
                 object_id=org.id, details={"via": "online", "uscc": org.uscc})
    return org


def register_at_window(*, db_session: Session, clock: Clock, library: BaseLibrary, actor: StaffActor, uscc: str,
                       legal_rep_id_kind: str, legal_rep_id_number: str) -> Organisation:
    """The legal rep brings ID card and licence to the window; staff compare both with the library."""
    actor.require(Permission.window_register)
    record = _library_record(library, normalize_uscc(uscc))
    kind = parse_kind(legal_rep_id_kind)
    number = validate(kind, legal_rep_id_number).number
    if id_hash(kind.value, number) != record.legal_rep_id_hash:
        raise InvalidInput("NOT_LEGAL_REP", "证件与法人基础信息库登记的法定代表人不一致")
    rep = db_session.scalar(select(Person).where(Person.id_number_hash == record.legal_rep_id_hash))
    org = _new(db_session, clock, record, via="window", legal_rep=rep)
    agreements.sign(db_session=db_session, clock=clock, subject_kind="org", subject_id=org.id,
                    version=agreements.current("org").version, channel="window", signed_by=rep.id if rep else None)
    audit.record(db_session=db_session, clock=clock, actor=actor.ref, action="org.register", object_kind="organisation",
                 object_id=org.id, details={"via": "window", "uscc": org.uscc, "legal_rep_bound": rep is not None})
    return org


def register_by_proxy(*, db_session: Session, clock: Clock, library: BaseLibrary, actor: StaffActor, uscc: str,
                      legal_rep_id_kind: str, legal_rep_id_number: str, agent_person_id: int, letter_reference: str,
                      valid_until: datetime, item_scope: list[str] | None = None) -> Organisation:
    """An agent registers with the legal rep's written authorisation; the agent gets a first-level delegation."""
    actor.require(Permission.window_register)
    if not letter_reference.strip():
        raise InvalidInput("LETTER_REQUIRED", "请登记法定代表人授权委托书的编号")
    if valid_until <= clock.now():
        raise InvalidInput("VALIDITY", "授权有效期须晚于今天")
    agent = db_session.get(Person, agent_person_id)
    if agent is None or agent.status != "active":
        raise NotFound("PERSON_NOT_FOUND", "经办人须先完成个人实名注册")
    org = register_at_window(db_session=db_session, clock=clock, library=library, actor=actor, uscc=uscc,
                             legal_rep_id_kind=legal_rep_id_kind, legal_rep_id_number=legal_rep_id_number)
    org.registered_via, org.authorization_letter = "proxy", letter_reference.strip()
    now = clock.now()
    grant = Delegation(
        organisation_id=org.id, parent_id=None, depth=1, grantor_person_id=org.legal_rep_person_id,
        grantee_person_id=agent.id, item_scope=sorted(set(item_scope or [])), valid_from=now, valid_until=valid_until,
        may_redelegate=False, status="active", note=f"授权委托书 {org.authorization_letter}", created_at=now, changed_at=now,
    )
    db_session.add(grant)
    db_session.flush()
    audit.record(db_session=db_session, clock=clock, actor=actor.ref, action="delegation.grant", object_kind="delegation",
                 object_id=grant.id, details={"organisation_id": org.id, "letter": org.authorization_letter})
    return org


def bind_legal_rep(*, db_session: Session, clock: Clock, person: Person) -> list[Organisation]:
    """Organisations registered before their legal rep had an account attach to it when it opens."""
    rows = list(db_session.scalars(
        select(Organisation).where(Organisation.legal_rep_id_hash == person.id_number_hash, Organisation.legal_rep_person_id.is_(None))
    ))
    for org in rows:
        org.legal_rep_person_id = person.id
        for grant in db_session.scalars(select(Delegation).where(Delegation.organisation_id == org.id, Delegation.depth == 1,
                                                                 Delegation.grantor_person_id.is_(None), Delegation.status == "active")):
            grant.grantor_person_id = person.id
        audit.record(db_session=db_session, clock=clock, actor="system", action="org.bind_legal_rep",
                     object_kind="organisation", object_id=org.id, details={"person_id": person.id})
    return rows


def for_legal_rep(*, db_session: Session, person_id: int) -> list[Organisation]:
    return list(db_session.scalars(select(Organisation).where(Organisation.legal_rep_person_id == person_id).order_by(Organisation.id)))
