"""Policies as data (免申即享, POL-01): saved by staff of the granting agency with checked conditions; matched against
the population library in a dry run (nothing written) or for real (one offer per person, notified); granted when
the notice period ends unless declined. Every offer and grant is audited with the rule and the data it used."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from tongban.accounts.access import Permission, PersonActor, StaffActor, region_prefix
from tongban.accounts.identity import mask, mask_name
from tongban.baselib.service import BaseLibrary, PersonFacts
from tongban.catalog import reads as catalog_reads
from tongban.core import audit
from tongban.core.clock import Clock
from tongban.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from tongban.core.text import clean_text
from tongban.notify import service as notify
from tongban.policies import rules
from tongban.policies.models import Policy, PolicyGrant

DRY_RUN_SHOWN = 200  # a dry run lists at most this many people (the count is complete)


@dataclass(frozen=True)
class PolicyIn:
    name: str
    benefit: str
    agency_id: int
    region_code: str
    notice_days: int
    conditions: object  # JSON text or a list of dicts
    basis: str = ""


def _require_admin(actor: StaffActor, *, agency_id: int | None = None, region_code: str | None = None) -> None:
    if not actor.has(Permission.catalog_edit):
        raise Forbidden("NOT_PERMITTED", "只有兑现部门的事项编辑人员可以维护和兑现免申即享政策")
    if not actor.covers(agency_id=agency_id, region_code=region_code):
        raise Forbidden("NOT_YOUR_POLICY", "只能维护本部门（本地区）的政策")


def _checked(db_session: Session, policy_in: PolicyIn) -> tuple[dict, list[rules.Condition]]:
    name = clean_text(policy_in.name, what="政策名称", limit=100, code="NAME")
    benefit = clean_text(policy_in.benefit, what="享受的待遇", limit=300, code="BENEFIT")
    basis = clean_text(policy_in.basis, what="政策依据", limit=300, required=False, code="BASIS")
    agency = catalog_reads.find_agency(db_session=db_session, agency_id=policy_in.agency_id)
    if agency is None:
        raise InvalidInput("AGENCY_NOT_FOUND", "兑现部门不存在，请从实施机构中选择")
    region = (policy_in.region_code or "").strip()
    if not (region.isdigit() and len(region) in (6, 9, 12)):
        raise InvalidInput("REGION_FORMAT", "政策适用地区应为 6、9 或 12 位区划代码")
    if not (1 <= policy_in.notice_days <= 90):
        raise InvalidInput("NOTICE_DAYS", "告知期应为 1–90 天")
    conditions = rules.parse(policy_in.conditions)
    return dict(name=name, benefit=benefit, basis=basis, agency_id=agency.id, region_code=region,
                notice_days=policy_in.notice_days, conditions=rules.dumps(conditions)), conditions


def create(*, db_session: Session, clock: Clock, actor: StaffActor | None, policy_in: PolicyIn) -> Policy:
    """A new policy (`actor` None: the trusted path of demo data)."""
    values, _ = _checked(db_session, policy_in)
    if actor is not None:
        _require_admin(actor, agency_id=values["agency_id"], region_code=values["region_code"])
    if db_session.scalar(select(Policy.id).where(Policy.name == values["name"])):
        raise Conflict("POLICY_NAME_TAKEN", "已有同名政策")
    by = actor.ref if actor else "system:seed"
    policy = Policy(**values, status="active", created_by=actor.name if actor else "演示数据", created_at=clock.now(),
                    updated_at=clock.now())
    db_session.add(policy)
    db_session.flush()
    audit.record(db_session=db_session, clock=clock, actor=by, action="benefit.created", object_kind="benefit_policy",
                 object_id=policy.id, details={"name": policy.name, "conditions": json.loads(policy.conditions)})
    return policy


def update(*, db_session: Session, clock: Clock, actor: StaffActor, policy_id: int, policy_in: PolicyIn) -> Policy:
    policy = get_for_staff(db_session=db_session, actor=actor, policy_id=policy_id)
    values, _ = _checked(db_session, policy_in)
    _require_admin(actor, agency_id=values["agency_id"], region_code=values["region_code"])
    clash = db_session.scalar(select(Policy.id).where(Policy.name == values["name"], Policy.id != policy.id))
    if clash:
        raise Conflict("POLICY_NAME_TAKEN", "已有同名政策")
    for key, value in values.items():
        setattr(policy, key, value)
    policy.updated_at = clock.now()
    db_session.flush()
    audit.record(db_session=db_session, clock=clock, actor=actor.ref, action="benefit.updated", object_kind="benefit_policy",
                 object_id=policy.id, details={"conditions": json.loads(policy.conditions)})
    return policy


def set_status(*, db_session: Session, clock: Clock, actor: StaffActor, policy_id: int, active: bool) -> Policy:
    policy = get_for_staff(db_session=db_session, actor=actor, policy_id=policy_id)
    policy.status, policy.updated_at = ("active" if active else "paused"), clock.now()
    audit.record(db_session=db_session, clock=clock, actor=actor.ref, action="benefit.status", object_kind="benefit_policy",
                 object_id=policy.id, details={"status": policy.status})
    return policy


def get(*, db_session: Session, policy_id: int) -> Policy:
    policy = db_session.get(Policy, policy_id)
    if policy is None:
        raise NotFound("POLICY_NOT_FOUND", "没有找到这项政策")
    return policy


def get_for_staff(*, db_session: Session, actor: StaffActor, policy_id: int) -> Policy:
    policy = get(db_session=db_session, policy_id=policy_id)
    _require_admin(actor, agency_id=policy.agency_id, region_code=policy.region_code)
    return policy


def list_for_staff(*, db_session: Session, actor: StaffActor) -> list[Policy]:
    _require_admin(actor)
    query = select(Policy).where(Policy.region_code.startswith(region_prefix(actor.region_code)))
    if actor.agency_id is not None:
        query = query.where(Policy.agency_id == actor.agency_id)
    return list(db_session.scalars(query.order_by(Policy.id)))


def all_policies(*, db_session: Session) -> list[Policy]:
    return list(db_session.scalars(select(Policy).order_by(Policy.id)))


def conditions_of(policy: Policy) -> list[rules.Condition]:
    return rules.parse(policy.conditions)


# --- matching ------------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Eligible:
    person: PersonFacts
    data: dict[str, object]

    @property
    def id_masked(self) -> str:
        return mask(self.person.id_kind, self.person.id_number)

    @property
    def name_masked(self) -> str:
        return mask_name(self.person.name)


def eligible(*, db_session: Session, clock: Clock, library: BaseLibrary, policy: Policy) -> list[Eligible]:
    """Everyone in the policy's region whose data meets every condition today."""
    conditions = conditions_of(policy)
    today = clock.today()
    found = []
    for person in library.people(region_prefix=region_prefix(policy.region_code)):
        ok, data = rules.evaluate(conditions, person, today)
        if ok:
            found.append(Eligible(person, data))
    return found


@dataclass(frozen=True)
class DryRun:
    """What a match would do, for the agency before anything is granted: nothing is written."""

    policy_id: int
    eligible: int
    already_offered: int
    shown: list[Eligible]


def dry_run(*, db_session: Session, clock: Clock, library: BaseLibrary, policy: Policy) -> DryRun:
    found = eligible(db_session=db_session, clock=clock, library=library, policy=policy)
    known = _offered_hashes(db_session, policy.id)
    return DryRun(policy.id, len(found), sum(e.person.id_hash in known for e in found), found[:DRY_RUN_SHOWN])


def _offered_hashes(db_session: Session, policy_id: int) -> set[str]:
    return set(db_session.scalars(select(PolicyGrant.person_hash).where(PolicyGrant.policy_id == policy_id)))


@dataclass(frozen=True)
class MatchResult:
    policy_id: int
    eligible: int
    offered: int  # new offers made by this run
    notified: int


def match(*, db_session: Session, clock: Clock, library: BaseLibrary, policy: Policy, by: str = "system:policies") -> MatchResult:
    """One offer per newly eligible person (unique per policy and person: a re-run, or a run racing this one, adds
    nothing), told by in-app message and SMS when they have an account; granted after the notice period."""
    if policy.status != "active":
        raise Conflict("POLICY_PAUSED", "政策已暂停，不能匹配兑现")
    from tongban.accounts import persons

    conditions = rules.dumps(conditions_of(policy))
    found = eligible(db_session=db_session, clock=clock, library=library, policy=policy)
    known = _offered_hashes(db_session, policy.id)
    offered = notified = 0
    grant_on = clock.today() + timedelta(days=policy.notice_days)
    for person in (e for e in found if e.person.id_hash not in known):
        account = persons.find_by_document(db_session=db_session, kind=person.person.id_kind, number=person.person.id_number)
        grant = PolicyGrant(policy_id=policy.id, person_hash=person.person.id_hash, person_id=account.id if account else None,
                            name=person.person.name, id_masked=person.id_masked, state="offered", rules=conditions,
                            data=json.dumps(person.data, ensure_ascii=False, default=str), notified="",
                            offered_at=clock.now(), grant_on=grant_on, decided_at=None, decline_reason="")
        try:
            with db_session.begin_nested():
                db_session.add(grant)
                db_session.flush()
        except IntegrityError:
            continue  # offered meanwhile by another run
        offered += 1
        if account is not None:
            sent = notify.notify(
                db_session=db_session, clock=clock, kind="notice", person_id=account.id, channels=("inbox", "sms"),
                link="/policies/mine",
                fields={"title": f"免申即享：{policy.name}",
                        "body": f"经基础库数据比对，您符合“{policy.name}”的享受条件，可享受：{policy.benefit}。无需申请，"
                                f"{grant_on.year}年{grant_on.month}月{grant_on.day}日起发放；如不需要，请在此之前登录“我的待遇”选择放弃。"})
            grant.notified = ",".join(q.channel for q in sent)
            notified += bool(sent)
        audit.record(db_session=db_session, clock=clock, actor=by, action="benefit.offered", object_kind="benefit_grant",
                     object_id=grant.id, details={"policy_id": policy.id, "rules": json.loads(conditions),
                                                   "data": person.data, "person": grant.id_masked})
    db_session.flush()
    return MatchResult(policy.id, len(found), offered, notified)


def grant_due(*, db_session: Session, clock: Clock, by: str = "system:policies") -> int:
    """Grant every offer whose notice period has ended and that was not declined; audited with its rule and data."""
    due = list(db_session.scalars(select(PolicyGrant).where(PolicyGrant.state == "offered",
                                                            PolicyGrant.grant_on <= clock.today())
                                  .order_by(PolicyGrant.id).with_for_update(skip_locked=True)))
    for grant in due:
        grant.state, grant.decided_at = "granted", clock.now()
        audit.record(db_session=db_session, clock=clock, actor=by, action="benefit.granted", object_kind="benefit_grant",
                     object_id=grant.id, details={"policy_id": grant.policy_id, "rules": json.loads(grant.rules),
                                                   "data": json.loads(grant.data), "person": grant.id_masked})
        if grant.person_id is not None:
            policy = db_session.get(Policy, grant.policy_id)
            notify.notify(db_session=db_session, clock=clock, kind="notice", person_id=grant.person_id, channels=("inbox",),
                          link="/policies/mine",
                          fields={"title": f"免申即享：{policy.name}已发放", "body": f"“{policy.name}”（{policy.benefit}）已为您办理发放。"})
    db_session.flush()
    return len(due)


def run_all(*, db_session: Session, clock: Clock, library: BaseLibrary) -> tuple[int, int]:
    """The scheduled job: match every active policy, then grant what is due. (offers made, grants made)"""
    offered = 0
    for policy in db_session.scalars(select(Policy).where(Policy.status == "active").order_by(Policy.id)):
        offered += match(db_session=db_session, clock=clock, library=library, policy=policy).offered
    return offered, grant_due(db_session=db_session, clock=clock)


# --- the person's side ---------------------------------------------------------------------------------------------

def _person_hash(db_session: Session, actor: PersonActor) -> str:
    from tongban.accounts import persons

    return persons.get(db_session=db_session, person_id=actor.person_id).id_number_hash


def mine(*, db_session: Session, actor: PersonActor) -> list[tuple[PolicyGrant, Policy]]:
    rows = db_session.execute(select(PolicyGrant, Policy).join(Policy, Policy.id == PolicyGrant.policy_id)
                              .where(PolicyGrant.person_hash == _person_hash(db_session, actor))
                              .order_by(PolicyGrant.offered_at.desc(), PolicyGrant.id.desc())).all()
    return [(g, p) for g, p in rows]


def decline(*, db_session: Session, clock: Clock, actor: PersonActor, grant_id: int, reason: str = "") -> PolicyGrant:
    grant = db_session.get(PolicyGrant, grant_id)
    if grant is None or grant.person_hash != _person_hash(db_session, actor):
        raise NotFound("GRANT_NOT_FOUND", "没有找到您的这项待遇")
    if grant.state == "declined":
        raise Conflict("GRANT_DECLINED", "您已放弃这项待遇")
    if grant.state == "granted":
        raise Conflict("GRANT_DONE", "这项待遇已经发放，不能在线放弃；如需退回请联系兑现部门")
    reason = clean_text(reason, what="放弃原因", limit=300, required=False, code="REASON")
    grant.state, grant.decided_at, grant.decline_reason = "declined", clock.now(), reason
    db_session.flush()
    audit.record(db_session=db_session, clock=clock, actor=actor.ref, action="benefit.declined", object_kind="benefit_grant",
                 object_id=grant.id, details={"policy_id": grant.policy_id, "reason": reason})
    return grant


def grants_of(*, db_session: Session, actor: StaffActor, policy_id: int, limit: int = 500) -> list[PolicyGrant]:
    get_for_staff(db_session=db_session, actor=actor, policy_id=policy_id)
    return list(db_session.scalars(select(PolicyGrant).where(PolicyGrant.policy_id == policy_id)
                                   .order_by(PolicyGrant.id).limit(limit)))
