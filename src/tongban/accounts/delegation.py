"""Organisation delegation: grant, request, change, revoke and view, at most three levels deep (003 法人用户授权)."""

from __future__ import annotations

from datetime import datetime, timezone
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.orm import Session

from tongban.accounts.access import PersonActor
from tongban.accounts.models import Delegation, Organisation, Person
from tongban.accounts.schemas import DelegationOut
from tongban.core import audit
from tongban.core.clock import Clock, as_utc
from tongban.core.errors import Conflict, Forbidden, InvalidInput, NotFound

MAX_DEPTH = 3
MAX_ITEM_CODE = 64
ACTIVE = "active"  # the status of a usable person or organisation account
LEGAL_REP_LABEL = "法定代表人"


class DelegationStatus(StrEnum):
    requested = "requested"
    active = "active"
    rejected = "rejected"
    revoked = "revoked"
    expired = "expired"  # shown in views only, never stored: an active row whose validity has ended


def _not_yours() -> Forbidden:
    return Forbidden("NOT_YOUR_ORGANISATION", "您无权查看或操作该单位的授权")


def _too_deep() -> InvalidInput:
    return InvalidInput("DELEGATION_TOO_DEEP", "授权层级最多三层，不能再次授权")


def _utc(value: datetime) -> datetime:
    return as_utc(value).astimezone(timezone.utc)


def _norm_scope(item_scope: list[str]) -> list[str]:
    """Strip, dedupe, sort; a blank code is refused, because dropping it could turn a list into "all items"."""
    codes: set[str] = set()
    for code in item_scope:
        if not isinstance(code, str) or not code.strip() or len(code.strip()) > MAX_ITEM_CODE:
            raise InvalidInput("ITEM_CODE_INVALID", "服务事项编码不能为空，且不超过64个字符")
        codes.add(code.strip())
    return sorted(codes)


def _check_scope(scope: list[str], parent: Delegation | None) -> None:
    if parent is None or not parent.item_scope:
        return
    if not scope or not set(scope) <= set(parent.item_scope):  # empty means "all items": wider than any list
        raise InvalidInput("SCOPE_WIDER_THAN_PARENT", "授权的服务事项不能超出您本人被授权的范围")


def _check_validity(valid_from: datetime, valid_until: datetime, now: datetime, parent: Delegation | None) -> None:
    if valid_until <= valid_from:
        raise InvalidInput("VALIDITY_INVALID", "授权截止时间必须晚于开始时间")
    if valid_until <= now:
        raise InvalidInput("VALIDITY_PAST", "授权截止时间必须晚于当前时间")
    if parent is not None and (valid_from < parent.valid_from or valid_until > parent.valid_until):
        raise InvalidInput("VALIDITY_OUTSIDE_PARENT", "授权有效期不能超出您本人被授权的有效期")


def _organisation(db_session: Session, organisation_id: int, *, lock: bool = False) -> Organisation:
    query = select(Organisation).where(Organisation.id == organisation_id)
    # Locking the organisation row serialises its grants, so the duplicate checks cannot race.
    org = db_session.scalars(query.with_for_update() if lock else query).one_or_none()
    if org is None:
        raise NotFound("ORGANISATION_NOT_FOUND", "找不到该单位")
    return org


def _require_active_org(org: Organisation) -> None:
    if org.status != ACTIVE:
        raise InvalidInput("ORGANISATION_INACTIVE", "该单位账号已停用，不能办理授权")


def _delegation(db_session: Session, delegation_id: int) -> Delegation:
    delegation = db_session.get(Delegation, delegation_id)
    if delegation is None:
        raise NotFound("DELEGATION_NOT_FOUND", "找不到该授权")
    return delegation


def _is_legal_rep(org: Organisation, person_id: int) -> bool:
    return org.legal_rep_person_id is not None and org.legal_rep_person_id == person_id


def _chain(db_session: Session, delegation: Delegation) -> list[Delegation]:
    """The delegation and its ancestors, nearest first (at most MAX_DEPTH rows)."""
    chain = [delegation]
    while chain[-1].parent_id is not None and len(chain) <= MAX_DEPTH:
        chain.append(_delegation(db_session, chain[-1].parent_id))
    return chain


def _alive(delegation: Delegation, now: datetime) -> bool:
    return delegation.status == DelegationStatus.active and delegation.valid_from <= now < delegation.valid_until


def _is_effective(db_session: Session, delegation: Delegation, now: datetime) -> bool:
    """Walk the chain rather than trust stored statuses: an ended parent always ends its children."""
    chain = _chain(db_session, delegation)
    # A parent that lost the right to re-delegate no longer carries its children either.
    return all(_alive(d, now) for d in chain) and all(d.may_redelegate for d in chain[1:])


def _load(db_session: Session, actor: PersonActor, delegation_id: int):
    """Per-object check (IDOR): only the legal rep and the grantees on a delegation's chain may see or touch it."""
    delegation = _delegation(db_session, delegation_id)
    org = _organisation(db_session, delegation.organisation_id, lock=True)
    chain = _chain(db_session, delegation)
    if not _is_legal_rep(org, actor.person_id) and actor.person_id not in {d.grantee_person_id for d in chain}:
        raise _not_yours()
    return delegation, org, chain


def _standing(db_session: Session, actor: PersonActor, org: Organisation, chain: list[Delegation], now) -> str:
    """legal_rep, grantor (the parent's grantee), ancestor, grantee or ""; authority from above must still hold."""
    if _is_legal_rep(org, actor.person_id):
        return "legal_rep"
    for level, d in enumerate(chain[1:], start=1):
        if d.grantee_person_id == actor.person_id and _is_effective(db_session, d, now):
            return "grantor" if level == 1 else "ancestor"
    return "grantee" if chain[0].grantee_person_id == actor.person_id else ""


def _audit(db_session: Session, clock: Clock, actor: PersonActor, action: str, delegation: Delegation, **details) -> None:
    audit.record(
        db_session=db_session, clock=clock, actor=actor.ref, action=f"delegation.{action}", object_kind="delegation",
        object_id=delegation.id, details={"organisation_id": delegation.organisation_id, **details},
    )


def _snapshot(d: Delegation) -> dict:
    return {"item_scope": list(d.item_scope), "valid_until": d.valid_until.isoformat(), "may_redelegate": d.may_redelegate}


def _grantable_parent(db_session: Session, actor: PersonActor, org: Organisation, parent_id: int | None, now):
    if parent_id is None:
        if not _is_legal_rep(org, actor.person_id):
            raise Forbidden("NOT_LEGAL_REP", "只有单位的法定代表人可以直接授权")
        return None
    parent, parent_org, _ = _load(db_session, actor, parent_id)
    if parent_org.id != org.id:
        raise _not_yours()
    if parent.grantee_person_id != actor.person_id:
        raise Forbidden("NOT_YOUR_DELEGATION", "只有被授权人本人可以在其授权下再次授权")
    if parent.depth >= MAX_DEPTH:
        raise _too_deep()
    if not _is_effective(db_session, parent, now):
        raise Forbidden("PARENT_NOT_EFFECTIVE", "您的授权已失效，不能再次授权")
    if not parent.may_redelegate:
        raise Forbidden("NOT_REDELEGABLE", "您的授权不允许再次授权")
    return parent


def _check_grantee(db_session: Session, actor: PersonActor, org: Organisation, parent: Delegation | None, grantee: int):
    if grantee == actor.person_id:
        raise InvalidInput("DELEGATION_SELF", "不能授权给自己")
    if _is_legal_rep(org, grantee):
        raise InvalidInput("GRANTEE_IS_LEGAL_REP", "法定代表人本身即可代表单位办事，无需授权")
    if parent is not None and grantee in {d.grantee_person_id for d in _chain(db_session, parent)}:
        raise InvalidInput("DELEGATION_CYCLE", "不能授权给授权链上的上级经办人")
    person = db_session.get(Person, grantee)
    if person is None:
        raise NotFound("PERSON_NOT_FOUND", "找不到被授权人，请核对后重试")
    if person.status != ACTIVE:
        raise InvalidInput("PERSON_NOT_ACTIVE", "被授权人的账号已停用，不能接受授权")


def _check_no_duplicate(db_session: Session, org_id: int, parent_id: int | None, grantee: int, now, exclude=None):
    """One live grant per grantee under one parent: a second would make change and revoke ambiguous."""
    query = select(Delegation).where(
        Delegation.organisation_id == org_id, Delegation.grantee_person_id == grantee,
        Delegation.status == DelegationStatus.active,
        Delegation.parent_id.is_(None) if parent_id is None else Delegation.parent_id == parent_id,
    )
    if any(d.id != exclude and d.valid_until > now for d in db_session.scalars(query)):
        raise Conflict("DELEGATION_EXISTS", "该人员已有同级授权，请变更原授权而不是重复授权")


def _create(db_session: Session, clock: Clock, actor: PersonActor, action: str, **fields) -> Delegation:
    now = clock.now()
    delegation = Delegation(**fields, created_at=now, changed_at=now)
    db_session.add(delegation)
    db_session.flush()
    _audit(
        db_session, clock, actor, action, delegation, depth=delegation.depth, parent_id=delegation.parent_id,
        grantee_person_id=delegation.grantee_person_id, valid_from=delegation.valid_from.isoformat(),
        **_snapshot(delegation),
    )
    return delegation


def grant(
    *, db_session: Session, clock: Clock, actor: PersonActor, organisation_id: int, grantee_person_id: int,
    item_scope: list[str], valid_from: datetime, valid_until: datetime, may_redelegate: bool,
    parent_id: int | None = None, note: str = "",
) -> Delegation:
    """The legal rep grants depth 1; a grantee allowed to re-delegate grants one level below their own."""
    now = clock.now()
    org = _organisation(db_session, organisation_id, lock=True)
    _require_active_org(org)
    parent = _grantable_parent(db_session, actor, org, parent_id, now)
    depth = 1 if parent is None else parent.depth + 1
    if may_redelegate and depth >= MAX_DEPTH:
        raise _too_deep()
    scope, valid_from, valid_until = _norm_scope(item_scope), _utc(valid_from), _utc(valid_until)
    _check_scope(scope, parent)
    _check_validity(valid_from, valid_until, now, parent)
    _check_grantee(db_session, actor, org, parent, grantee_person_id)
    _check_no_duplicate(db_session, org.id, parent_id, grantee_person_id, now)
    return _create(
        db_session, clock, actor, "grant", organisation_id=org.id, parent_id=parent_id, depth=depth,
        grantor_person_id=actor.person_id, grantee_person_id=grantee_person_id, item_scope=scope,
        valid_from=valid_from, valid_until=valid_until, may_redelegate=may_redelegate,
        status=DelegationStatus.active, note=note.strip(),
    )


def request(
    *, db_session: Session, clock: Clock, actor: PersonActor, organisation_id: int, item_scope: list[str],
    valid_from: datetime, valid_until: datetime, note: str = "",
) -> Delegation:
    """A person asks an organisation's legal rep for a depth-1 delegation (申请授权)."""
    now = clock.now()
    org = _organisation(db_session, organisation_id, lock=True)
    _require_active_org(org)
    if _is_legal_rep(org, actor.person_id):
        raise InvalidInput("DELEGATION_SELF", "您是该单位的法定代表人，无需申请授权")
    scope, valid_from, valid_until = _norm_scope(item_scope), _utc(valid_from), _utc(valid_until)
    _check_validity(valid_from, valid_until, now, None)
    pending = select(Delegation.id).where(
        Delegation.organisation_id == org.id, Delegation.grantee_person_id == actor.person_id,
        Delegation.status == DelegationStatus.requested,
    )
    if db_session.scalars(pending).first() is not None:
        raise Conflict("DELEGATION_REQUESTED", "您已提交过授权申请，请等待法定代表人审批")
    _check_no_duplicate(db_session, org.id, None, actor.person_id, now)
    return _create(
        db_session, clock, actor, "request", organisation_id=org.id, parent_id=None, depth=1, grantor_person_id=None,
        grantee_person_id=actor.person_id, item_scope=scope, valid_from=valid_from, valid_until=valid_until,
        may_redelegate=False, status=DelegationStatus.requested, note=note.strip(),
    )


def decide_request(
    *, db_session: Session, clock: Clock, actor: PersonActor, delegation_id: int, approve: bool,
    may_redelegate: bool = False, note: str = "",
) -> Delegation:
    """Only the legal rep approves (the grant then comes from them) or rejects a request."""
    now = clock.now()
    delegation, org, _ = _load(db_session, actor, delegation_id)
    if not _is_legal_rep(org, actor.person_id):
        raise Forbidden("NOT_LEGAL_REP", "只有单位的法定代表人可以审批授权申请")
    if delegation.status != DelegationStatus.requested:
        raise Conflict("NOT_A_REQUEST", "该授权申请已处理，不能重复审批")
    if approve:  # the world may have moved since the request: check again as for a grant
        _require_active_org(org)
        _check_validity(delegation.valid_from, delegation.valid_until, now, None)
        _check_grantee(db_session, actor, org, None, delegation.grantee_person_id)
        _check_no_duplicate(db_session, org.id, None, delegation.grantee_person_id, now, exclude=delegation.id)
        delegation.grantor_person_id, delegation.may_redelegate = actor.person_id, may_redelegate
    delegation.status = DelegationStatus.active if approve else DelegationStatus.rejected
    delegation.changed_at = now
    action = "approve" if approve else "reject"
    _audit(db_session, clock, actor, action, delegation, may_redelegate=delegation.may_redelegate, note=note.strip())
    return delegation


def _children(db_session: Session, delegation: Delegation) -> list[Delegation]:
    query = select(Delegation).where(Delegation.parent_id == delegation.id).order_by(Delegation.id)
    return list(db_session.scalars(query))


def _mark_revoked(db_session: Session, clock: Clock, actor: PersonActor, d: Delegation, reason: str, **details) -> None:
    """Revoke one row and its whole subtree, so what people see matches what the chain walk enforces."""
    if d.status in (DelegationStatus.active, DelegationStatus.requested):
        d.status, d.changed_at = DelegationStatus.revoked, clock.now()
        _audit(db_session, clock, actor, "revoke", d, reason=reason, **details)
    for child in _children(db_session, d):
        _mark_revoked(db_session, clock, actor, child, reason, cascade_from=d.id)


def _clipped_scope(child_scope: list[str], parent_scope: list[str]) -> list[str] | None:
    """The child's scope inside its parent's; None when nothing is left (never fall back to "all items")."""
    if not parent_scope:
        return list(child_scope)
    if not child_scope:
        return list(parent_scope)
    return sorted(set(child_scope) & set(parent_scope)) or None


def _clip_children(db_session: Session, clock: Clock, actor: PersonActor, parent: Delegation) -> None:
    for child in _children(db_session, parent):
        if child.status != DelegationStatus.active:
            continue
        scope = _clipped_scope(child.item_scope, parent.item_scope)
        until = min(child.valid_until, parent.valid_until)
        if scope == list(child.item_scope) and until == child.valid_until:
            continue  # unchanged, so its own children already fit inside it
        if scope is None or until <= child.valid_from:
            reason = "上级授权已收窄，原授权范围或有效期已不存在"
            _mark_revoked(db_session, clock, actor, child, reason, cascade_from=parent.id)
            continue
        before = _snapshot(child)
        child.item_scope, child.valid_until, child.changed_at = scope, until, clock.now()
        _audit(db_session, clock, actor, "change", child, before=before, after=_snapshot(child), clipped_by=parent.id)
        _clip_children(db_session, clock, actor, child)


def change(
    *, db_session: Session, clock: Clock, actor: PersonActor, delegation_id: int, item_scope: list[str] | None = None,
    valid_until: datetime | None = None, may_redelegate: bool | None = None,
) -> Delegation:
    """The grantor or the legal rep changes scope, end of validity or re-delegation; children are kept inside."""
    now = clock.now()
    delegation, org, chain = _load(db_session, actor, delegation_id)
    if _standing(db_session, actor, org, chain, now) not in ("legal_rep", "grantor"):
        raise Forbidden("NOT_GRANTOR", "只有授权人或法定代表人可以变更该授权")
    if delegation.status != DelegationStatus.active:
        raise Conflict("DELEGATION_NOT_ACTIVE", "该授权已被取消或尚未批准，不能变更")
    parent = chain[1] if len(chain) > 1 else None
    # Validate everything before touching the row, so a refusal leaves nothing half-changed.
    scope = delegation.item_scope if item_scope is None else _norm_scope(item_scope)
    until = delegation.valid_until if valid_until is None else _utc(valid_until)
    redelegate = delegation.may_redelegate if may_redelegate is None else may_redelegate
    _check_scope(scope, parent)
    if valid_until is not None:
        _check_validity(delegation.valid_from, until, now, parent)
    if redelegate and delegation.depth >= MAX_DEPTH:
        raise _too_deep()
    before = _snapshot(delegation)
    delegation.item_scope, delegation.valid_until, delegation.may_redelegate = list(scope), until, redelegate
    delegation.changed_at = now
    _audit(db_session, clock, actor, "change", delegation, before=before, after=_snapshot(delegation))
    if redelegate:
        _clip_children(db_session, clock, actor, delegation)
    else:  # without the right to re-delegate, nothing granted below can stand
        for child in _children(db_session, delegation):
            _mark_revoked(db_session, clock, actor, child, "授权人已取消再次授权权限", cascade_from=delegation.id)
    return delegation


def revoke(*, db_session: Session, clock: Clock, actor: PersonActor, delegation_id: int, reason: str) -> Delegation:
    """Anyone above on the chain, the legal rep, or the grantee renouncing; the subtree goes with it."""
    delegation, org, chain = _load(db_session, actor, delegation_id)
    standing = _standing(db_session, actor, org, chain, clock.now())
    if not standing:  # the grantee may always renounce; those above only while their own authority holds
        raise Forbidden("NOT_GRANTOR", "只有授权人、上级被授权人、法定代表人或被授权人本人可以取消该授权")
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput("REASON_REQUIRED", "请填写取消授权的原因")
    if delegation.status not in (DelegationStatus.active, DelegationStatus.requested):
        raise Conflict("DELEGATION_NOT_ACTIVE", "该授权已被取消或驳回")
    _mark_revoked(db_session, clock, actor, delegation, reason, by=standing, renounced=standing == "grantee")
    return delegation


def view(*, db_session: Session, clock: Clock, actor: PersonActor, organisation_id: int) -> list[DelegationOut]:
    """The legal rep sees all; others see what they hold or granted and everything below it, in tree order."""
    now = clock.now()
    org = _organisation(db_session, organisation_id)
    query = select(Delegation).where(Delegation.organisation_id == org.id).order_by(Delegation.id)
    rows = {d.id: d for d in db_session.scalars(query)}
    # Root-first id paths: they give tree order and tell who is below whom (every row is loaded, no extra queries).
    paths = {d.id: tuple(x.id for x in reversed(_chain(db_session, d))) for d in rows.values()}
    visible = list(rows.values())
    if not _is_legal_rep(org, actor.person_id):
        held = {d.id for d in visible if d.grantee_person_id == actor.person_id}
        granted = {d.id for d in visible if d.grantor_person_id == actor.person_id}
        if not held and not granted:
            raise _not_yours()
        visible = [d for d in visible if d.id in granted or held & set(paths[d.id])]
    visible.sort(key=lambda d: paths[d.id])
    names_query = select(Person.id, Person.name).where(Person.id.in_({d.grantee_person_id for d in visible}))
    names = {row.id: row.name for row in db_session.execute(names_query)}
    return [_view_of(db_session, d, names.get(d.grantee_person_id, ""), now) for d in visible]


def _view_of(db_session: Session, d: Delegation, name: str, now: datetime) -> DelegationOut:
    expired = d.status == DelegationStatus.active and now >= d.valid_until
    return DelegationOut(
        id=d.id, depth=d.depth, parent_id=d.parent_id, grantor_person_id=d.grantor_person_id,
        grantee_person_id=d.grantee_person_id, grantee_name=name, item_scope=list(d.item_scope),
        valid_from=d.valid_from, valid_until=d.valid_until, may_redelegate=d.may_redelegate,
        status=DelegationStatus.expired if expired else DelegationStatus(d.status),
        effective=_is_effective(db_session, d, now),
    )


def effective_for(
    *, db_session: Session, clock: Clock, person_id: int, organisation_id: int, item_code: str | None = None
) -> Delegation | None:
    """The person's effective delegation covering item_code (any item when None), the shallowest first."""
    now = clock.now()
    org = db_session.get(Organisation, organisation_id)
    if org is None or org.status != ACTIVE:
        return None
    query = select(Delegation).where(
        Delegation.organisation_id == organisation_id, Delegation.grantee_person_id == person_id,
        Delegation.status == DelegationStatus.active,
    ).order_by(Delegation.depth, Delegation.id)
    for delegation in db_session.scalars(query):
        covers = item_code is None or not delegation.item_scope or item_code.strip() in delegation.item_scope
        if covers and _is_effective(db_session, delegation, now):
            return delegation
    return None


def may_act_for(
    *, db_session: Session, clock: Clock, person_id: int, organisation_id: int, item_code: str | None = None
) -> bool:
    """What cases ask before a person acts for an organisation: its legal rep, or an effective delegation."""
    person = db_session.get(Person, person_id)
    org = db_session.get(Organisation, organisation_id)
    if person is None or person.status != ACTIVE or org is None or org.status != ACTIVE:
        return False
    if _is_legal_rep(org, person_id):
        return True
    found = effective_for(
        db_session=db_session, clock=clock, person_id=person_id, organisation_id=organisation_id, item_code=item_code
    )
    return found is not None


def organisations_for(*, db_session: Session, clock: Clock, person_id: int) -> list[tuple[Organisation, str]]:
    """Organisations the person may act for now, with the capacity to show ("法定代表人", "经办人（第N级授权）")."""
    now = clock.now()
    found: dict[int, tuple[Organisation, str]] = {}
    as_rep = select(Organisation).where(Organisation.legal_rep_person_id == person_id, Organisation.status == ACTIVE)
    for org in db_session.scalars(as_rep):
        found[org.id] = (org, LEGAL_REP_LABEL)
    held = select(Delegation).where(
        Delegation.grantee_person_id == person_id, Delegation.status == DelegationStatus.active
    ).order_by(Delegation.depth, Delegation.id)
    for delegation in db_session.scalars(held):
        if delegation.organisation_id in found or not _is_effective(db_session, delegation, now):
            continue
        org = db_session.get(Organisation, delegation.organisation_id)
        if org is not None and org.status == ACTIVE:
            found[org.id] = (org, f"经办人（第{delegation.depth}级授权）")
    return sorted(found.values(), key=lambda pair: pair[0].id)
