"""Organisation delegation: levels, scope, validity, request, change, revoke, view and per-object access (ACC-07)."""

from __future__ import annotations

import itertools
from datetime import timedelta

import pytest
from sqlalchemy import select

from tongban.accounts import delegation as dlg
from tongban.accounts.access import PersonActor
from tongban.accounts.models import Delegation, Organisation, Person
from tongban.core.models import AuditEntry
from tongban.core.errors import Conflict, DomainError, Forbidden, InvalidInput, NotFound

_seq = itertools.count(1)


def make_person(db_session, clock, name: str = "张三", status: str = "active") -> Person:
    n = next(_seq)
    person = Person(
        name=name, id_kind="resident_id", id_number=f"5116021990030700{n:02d}", id_number_hash=f"hash-{n:059d}",
        registered_via="online", status=status, created_at=clock.now(),
    )
    db_session.add(person)
    db_session.flush()
    return person


def make_org(db_session, clock, rep: Person, name: str = "广安测试有限公司") -> Organisation:
    n = next(_seq)
    org = Organisation(
        uscc=f"91511600{n:010d}", name=name, org_kind="enterprise", legal_rep_name=rep.name,
        legal_rep_id_hash=rep.id_number_hash, legal_rep_person_id=rep.id, registered_via="online",
        created_at=clock.now(),
    )
    db_session.add(org)
    db_session.flush()
    return org


def actor(person: Person) -> PersonActor:
    return PersonActor(person_id=person.id, name=person.name, id_kind=person.id_kind)


@pytest.fixture
def world(db_session, clock):
    """An organisation with its legal rep and four more people, plus an unrelated second organisation."""
    rep = make_person(db_session, clock, "法人甲")
    a, b, c, d = (make_person(db_session, clock, name) for name in ("经办乙", "经办丙", "经办丁", "经办戊"))
    org = make_org(db_session, clock, rep)
    other_rep = make_person(db_session, clock, "外单位法人")
    other_org = make_org(db_session, clock, other_rep, "另一家公司")
    return {"rep": rep, "a": a, "b": b, "c": c, "d": d, "org": org, "other_rep": other_rep, "other_org": other_org}


def do_grant(db_session, clock, who: Person, org: Organisation, to: Person, *, parent=None, scope=None,
             days: int = 30, start_days: int = 0, redelegate: bool = True) -> Delegation:
    return dlg.grant(
        db_session=db_session, clock=clock, actor=actor(who), organisation_id=org.id, grantee_person_id=to.id,
        item_scope=["A1", "B2", "C3"] if scope is None else scope,
        valid_from=clock.now() + timedelta(days=start_days), valid_until=clock.now() + timedelta(days=days),
        may_redelegate=redelegate, parent_id=None if parent is None else parent.id,
    )


def chain_of_three(db_session, clock, w):
    one = do_grant(db_session, clock, w["rep"], w["org"], w["a"])
    two = do_grant(db_session, clock, w["a"], w["org"], w["b"], parent=one, scope=["A1", "B2"], days=20)
    three = do_grant(db_session, clock, w["b"], w["org"], w["c"], parent=two, scope=["A1"], days=10, redelegate=False)
    return one, two, three


def change(db_session, clock, who: Person, row: Delegation, **kwargs) -> Delegation:
    return dlg.change(db_session=db_session, clock=clock, actor=actor(who), delegation_id=row.id, **kwargs)


def decide(db_session, clock, who: Person, row: Delegation, **kwargs) -> Delegation:
    return dlg.decide_request(db_session=db_session, clock=clock, actor=actor(who), delegation_id=row.id, **kwargs)


def revoke(db_session, clock, who: Person, row: Delegation, reason: str) -> Delegation:
    return dlg.revoke(db_session=db_session, clock=clock, actor=actor(who), delegation_id=row.id, reason=reason)


def may(db_session, clock, person: Person, org: Organisation, item: str | None = None) -> bool:
    return dlg.may_act_for(
        db_session=db_session, clock=clock, person_id=person.id, organisation_id=org.id, item_code=item
    )


def code_of(error: pytest.ExceptionInfo) -> str:
    assert isinstance(error.value, DomainError)
    return error.value.code


def audit_actions(db_session, delegation_id: int) -> list[str]:
    query = select(AuditEntry.action).where(
        AuditEntry.object_kind == "delegation", AuditEntry.object_id == str(delegation_id)
    ).order_by(AuditEntry.seq)
    return list(db_session.scalars(query))


@pytest.mark.req("ACC-07")
def test_legal_rep_grants_first_level(db_session, clock, world):
    rep, org = world["rep"], world["org"]
    one = do_grant(db_session, clock, rep, org, world["a"], scope=[" B2", "A1", "A1"], redelegate=False)
    assert (one.depth, one.parent_id, one.grantor_person_id, one.status) == (1, None, rep.id, "active")
    assert one.item_scope == ["A1", "B2"]
    assert may(db_session, clock, world["a"], org, "A1")
    assert not may(db_session, clock, world["a"], org, "Z9")
    assert may(db_session, clock, rep, org, "Z9")
    assert not may(db_session, clock, world["b"], org, "A1")
    assert audit_actions(db_session, one.id) == ["delegation.grant"]
    entry = db_session.scalars(select(AuditEntry).where(AuditEntry.action == "delegation.grant")).one()
    assert entry.actor == f"person:{world['rep'].id}"


@pytest.mark.req("ACC-07")
def test_redelegation_to_three_levels_and_no_fourth(db_session, clock, world):
    one, two, three = chain_of_three(db_session, clock, world)
    assert [one.depth, two.depth, three.depth] == [1, 2, 3]
    assert two.grantor_person_id == world["a"].id and three.grantor_person_id == world["b"].id
    assert may(db_session, clock, world["c"], world["org"], "A1")
    assert not may(db_session, clock, world["c"], world["org"], "B2")
    with pytest.raises(InvalidInput) as error:
        do_grant(db_session, clock, world["c"], world["org"], world["d"], parent=three, scope=["A1"], days=5)
    assert code_of(error) == "DELEGATION_TOO_DEEP"
    assert error.value.message == "授权层级最多三层，不能再次授权"


@pytest.mark.req("ACC-07")
def test_third_level_can_never_redelegate(db_session, clock, world):
    one = do_grant(db_session, clock, world["rep"], world["org"], world["a"])
    two = do_grant(db_session, clock, world["a"], world["org"], world["b"], parent=one, days=20)
    with pytest.raises(InvalidInput) as error:
        do_grant(db_session, clock, world["b"], world["org"], world["c"], parent=two, days=10, redelegate=True)
    assert code_of(error) == "DELEGATION_TOO_DEEP"
    three = do_grant(db_session, clock, world["b"], world["org"], world["c"], parent=two, days=10, redelegate=False)
    with pytest.raises(InvalidInput) as error:
        change(db_session, clock, world["b"], three, may_redelegate=True)
    assert code_of(error) == "DELEGATION_TOO_DEEP"


@pytest.mark.req("ACC-07")
def test_child_scope_and_validity_must_fit_inside_parent(db_session, clock, world):
    one = do_grant(db_session, clock, world["rep"], world["org"], world["a"], scope=["A1", "B2"])
    cases = [
        ({"scope": ["A1", "Z9"]}, "SCOPE_WIDER_THAN_PARENT"),
        ({"scope": []}, "SCOPE_WIDER_THAN_PARENT"),  # "all items" is wider than a scoped parent
        ({"scope": ["A1"], "days": 31}, "VALIDITY_OUTSIDE_PARENT"),
        ({"scope": ["A1"], "start_days": -1}, "VALIDITY_OUTSIDE_PARENT"),
        ({"scope": ["A1"], "start_days": 5, "days": 5}, "VALIDITY_INVALID"),
        ({"scope": [" "]}, "ITEM_CODE_INVALID"),
    ]
    for kwargs, expected in cases:
        with pytest.raises(InvalidInput) as error:
            do_grant(db_session, clock, world["a"], world["org"], world["b"], parent=one, **kwargs)
        assert code_of(error) == expected, kwargs
    with pytest.raises(InvalidInput) as error:
        do_grant(db_session, clock, world["rep"], world["org"], world["b"], start_days=-10, days=-1)
    assert code_of(error) == "VALIDITY_PAST"


@pytest.mark.req("ACC-07")
def test_who_may_grant_and_to_whom(db_session, clock, world):
    with pytest.raises(Forbidden) as error:
        do_grant(db_session, clock, world["a"], world["org"], world["b"])
    assert code_of(error) == "NOT_LEGAL_REP"
    with pytest.raises(InvalidInput) as error:
        do_grant(db_session, clock, world["rep"], world["org"], world["rep"])
    assert code_of(error) == "DELEGATION_SELF"
    with pytest.raises(NotFound) as error:
        dlg.grant(
            db_session=db_session, clock=clock, actor=actor(world["rep"]), organisation_id=world["org"].id,
            grantee_person_id=999_999, item_scope=[], valid_from=clock.now(),
            valid_until=clock.now() + timedelta(days=1), may_redelegate=False,
        )
    assert code_of(error) == "PERSON_NOT_FOUND"
    disabled = make_person(db_session, clock, "停用者", status="disabled")
    with pytest.raises(InvalidInput) as error:
        do_grant(db_session, clock, world["rep"], world["org"], disabled)
    assert code_of(error) == "PERSON_NOT_ACTIVE"
    one = do_grant(db_session, clock, world["rep"], world["org"], world["a"], redelegate=False)
    with pytest.raises(Conflict) as error:
        do_grant(db_session, clock, world["rep"], world["org"], world["a"])
    assert code_of(error) == "DELEGATION_EXISTS"
    with pytest.raises(Forbidden) as error:
        do_grant(db_session, clock, world["a"], world["org"], world["b"], parent=one)
    assert code_of(error) == "NOT_REDELEGABLE"
    with pytest.raises(Forbidden) as error:  # someone else's delegation cannot be used as a parent
        do_grant(db_session, clock, world["other_rep"], world["org"], world["b"], parent=one)
    assert code_of(error) == "NOT_YOUR_ORGANISATION"


@pytest.mark.req("ACC-07")
def test_request_then_approve_makes_it_effective(db_session, clock, world):
    asked = dlg.request(
        db_session=db_session, clock=clock, actor=actor(world["a"]), organisation_id=world["org"].id,
        item_scope=["A1"], valid_from=clock.now(), valid_until=clock.now() + timedelta(days=90), note="负责食品许可",
    )
    assert (asked.status, asked.grantor_person_id, asked.depth) == ("requested", None, 1)
    assert not may(db_session, clock, world["a"], world["org"], "A1")
    with pytest.raises(Conflict) as error:
        dlg.request(
            db_session=db_session, clock=clock, actor=actor(world["a"]), organisation_id=world["org"].id,
            item_scope=["A1"], valid_from=clock.now(), valid_until=clock.now() + timedelta(days=90), note="",
        )
    assert code_of(error) == "DELEGATION_REQUESTED"
    with pytest.raises(Forbidden) as error:  # the requester cannot approve their own request
        decide(db_session, clock, world["a"], asked, approve=True)
    assert code_of(error) == "NOT_LEGAL_REP"
    with pytest.raises(Forbidden) as error:
        decide(db_session, clock, world["other_rep"], asked, approve=True)
    assert code_of(error) == "NOT_YOUR_ORGANISATION"
    done = decide(db_session, clock, world["rep"], asked, approve=True, may_redelegate=True)
    assert (done.status, done.grantor_person_id, done.may_redelegate) == ("active", world["rep"].id, True)
    assert may(db_session, clock, world["a"], world["org"], "A1")
    assert audit_actions(db_session, asked.id) == ["delegation.request", "delegation.approve"]
    with pytest.raises(Conflict) as error:
        decide(db_session, clock, world["rep"], asked, approve=False)
    assert code_of(error) == "NOT_A_REQUEST"


@pytest.mark.req("ACC-07")
def test_request_then_reject(db_session, clock, world):
    asked = dlg.request(
        db_session=db_session, clock=clock, actor=actor(world["a"]), organisation_id=world["org"].id,
        item_scope=[], valid_from=clock.now(), valid_until=clock.now() + timedelta(days=90), note="",
    )
    done = decide(db_session, clock, world["rep"], asked, approve=False, note="不需要")
    assert done.status == "rejected"
    assert not may(db_session, clock, world["a"], world["org"])
    assert audit_actions(db_session, asked.id) == ["delegation.request", "delegation.reject"]
    with pytest.raises(InvalidInput) as error:
        dlg.request(
            db_session=db_session, clock=clock, actor=actor(world["rep"]), organisation_id=world["org"].id,
            item_scope=[], valid_from=clock.now(), valid_until=clock.now() + timedelta(days=9), note="",
        )
    assert code_of(error) == "DELEGATION_SELF"


@pytest.mark.req("ACC-07")
def test_change_narrows_and_clips_children(db_session, clock, world):
    one, two, three = chain_of_three(db_session, clock, world)
    new_end = clock.now() + timedelta(days=5)
    change(db_session, clock, world["rep"], one, item_scope=["A1", "C3"], valid_until=new_end)
    assert one.item_scope == ["A1", "C3"] and one.valid_until == new_end
    assert two.item_scope == ["A1"] and two.valid_until == new_end
    assert three.item_scope == ["A1"] and three.valid_until == new_end
    assert two.status == three.status == "active"
    assert not may(db_session, clock, world["b"], world["org"], "B2")
    assert audit_actions(db_session, two.id) == ["delegation.grant", "delegation.change"]
    assert audit_actions(db_session, three.id) == ["delegation.grant", "delegation.change"]
    # Nothing of the child's scope left: it ends instead of silently widening to "all items".
    change(db_session, clock, world["a"], two, item_scope=["A1"])
    change(db_session, clock, world["rep"], one, item_scope=["C3"])
    assert two.status == three.status == "revoked"
    clock.advance(days=1)
    with pytest.raises(InvalidInput) as error:  # a change cannot end a delegation in the past
        change(db_session, clock, world["rep"], one, valid_until=clock.now() - timedelta(hours=1))
    assert code_of(error) == "VALIDITY_PAST"


@pytest.mark.req("ACC-07")
def test_change_only_by_grantor_or_legal_rep(db_session, clock, world):
    one, two, three = chain_of_three(db_session, clock, world)
    with pytest.raises(Forbidden) as error:  # the grantee cannot widen their own grant
        change(db_session, clock, world["b"], two, item_scope=["A1", "B2", "C3"])
    assert code_of(error) == "NOT_GRANTOR"
    with pytest.raises(InvalidInput) as error:
        change(db_session, clock, world["a"], two, item_scope=["Z9"])
    assert code_of(error) == "SCOPE_WIDER_THAN_PARENT"
    with pytest.raises(InvalidInput) as error:
        change(db_session, clock, world["a"], two, valid_until=one.valid_until + timedelta(days=1))
    assert code_of(error) == "VALIDITY_OUTSIDE_PARENT"
    assert two.item_scope == ["A1", "B2"] and two.valid_until < one.valid_until
    change(db_session, clock, world["rep"], two, may_redelegate=False)
    assert three.status == "revoked"


@pytest.mark.req("ACC-07")
def test_revoke_cascades_to_descendants(db_session, clock, world):
    one, two, three = chain_of_three(db_session, clock, world)
    with pytest.raises(InvalidInput) as error:
        revoke(db_session, clock, world["rep"], one, "  ")
    assert code_of(error) == "REASON_REQUIRED"
    revoke(db_session, clock, world["rep"], one, "员工离职")
    assert [one.status, two.status, three.status] == ["revoked"] * 3
    for person in ("a", "b", "c"):
        assert not may(db_session, clock, world[person], world["org"], "A1")
    for row in (two, three):
        assert audit_actions(db_session, row.id)[-1] == "delegation.revoke"
    with pytest.raises(Conflict) as error:
        revoke(db_session, clock, world["rep"], one, "再次")
    assert code_of(error) == "DELEGATION_NOT_ACTIVE"


@pytest.mark.req("ACC-07")
def test_ancestor_revokes_a_grandchild_and_siblings_cannot(db_session, clock, world):
    one, two, three = chain_of_three(db_session, clock, world)
    sibling = do_grant(db_session, clock, world["a"], world["org"], world["d"], parent=one, scope=["C3"], days=20)
    with pytest.raises(Forbidden) as error:
        revoke(db_session, clock, world["d"], three, "越权")
    assert code_of(error) == "NOT_YOUR_ORGANISATION"
    revoke(db_session, clock, world["a"], three, "调岗")
    assert three.status == "revoked" and two.status == "active" and sibling.status == "active"


@pytest.mark.req("ACC-07")
def test_parent_ended_makes_children_ineffective_even_if_stored_active(db_session, clock, world):
    one, two, three = chain_of_three(db_session, clock, world)
    one.status = "revoked"  # as if revoked by a path that did not cascade: the chain walk still protects
    db_session.flush()
    assert not may(db_session, clock, world["c"], world["org"], "A1")
    b, org = world["b"], world["org"]
    assert dlg.effective_for(db_session=db_session, clock=clock, person_id=b.id, organisation_id=org.id) is None


@pytest.mark.req("ACC-07")
def test_expiry_by_moving_the_clock(db_session, clock, world):
    one, two, three = chain_of_three(db_session, clock, world)
    later = do_grant(db_session, clock, world["rep"], world["org"], world["d"], start_days=3, days=30)
    assert not may(db_session, clock, world["d"], world["org"], "A1")  # not yet started
    clock.advance(days=11)
    assert not may(db_session, clock, world["c"], world["org"], "A1")
    assert may(db_session, clock, world["b"], world["org"], "A1")
    assert may(db_session, clock, world["d"], world["org"], "A1")
    rows = dlg.view(db_session=db_session, clock=clock, actor=actor(world["rep"]), organisation_id=world["org"].id)
    views = {row.id: row for row in rows}
    assert views[three.id].status == "expired" and not views[three.id].effective
    assert views[later.id].effective
    clock.advance(days=20)
    assert not may(db_session, clock, world["a"], world["org"], "A1")
    assert dlg.organisations_for(db_session=db_session, clock=clock, person_id=world["a"].id) == []
    # Once expired, granting the same person again is allowed.
    do_grant(db_session, clock, world["rep"], world["org"], world["a"])
    assert may(db_session, clock, world["a"], world["org"], "A1")


@pytest.mark.req("ACC-07")
def test_view_shows_only_the_right_rows(db_session, clock, world):
    one, two, three = chain_of_three(db_session, clock, world)
    sibling = do_grant(db_session, clock, world["rep"], world["org"], world["d"], redelegate=False)

    def ids(person: Person) -> list[int]:
        rows = dlg.view(db_session=db_session, clock=clock, actor=actor(person), organisation_id=world["org"].id)
        return [row.id for row in rows]

    assert ids(world["rep"]) == [one.id, two.id, three.id, sibling.id]  # tree order
    assert ids(world["a"]) == [one.id, two.id, three.id]
    assert ids(world["b"]) == [two.id, three.id]
    assert ids(world["c"]) == [three.id]
    assert ids(world["d"]) == [sibling.id]
    row = dlg.view(db_session=db_session, clock=clock, actor=actor(world["c"]), organisation_id=world["org"].id)[0]
    assert (row.grantee_name, row.depth, row.parent_id, row.status, row.effective) == ("经办丁", 3, two.id, "active", True)
    with pytest.raises(Forbidden) as error:
        ids(world["other_rep"])
    assert code_of(error) == "NOT_YOUR_ORGANISATION"
    assert error.value.message == "您无权查看或操作该单位的授权"


@pytest.mark.req("ACC-07")
def test_other_organisation_cannot_touch_delegations(db_session, clock, world):
    one = do_grant(db_session, clock, world["rep"], world["org"], world["a"])
    outsider = actor(world["other_rep"])
    calls = [
        lambda: dlg.revoke(db_session=db_session, clock=clock, actor=outsider, delegation_id=one.id, reason="恶意"),
        lambda: dlg.change(db_session=db_session, clock=clock, actor=outsider, delegation_id=one.id, item_scope=["A1"]),
        lambda: dlg.view(db_session=db_session, clock=clock, actor=outsider, organisation_id=world["org"].id),
        lambda: do_grant(db_session, clock, world["other_rep"], world["org"], world["b"]),
    ]
    for call in calls:
        with pytest.raises(Forbidden) as error:
            call()
        assert code_of(error) in ("NOT_YOUR_ORGANISATION", "NOT_LEGAL_REP")
    assert one.status == "active" and one.item_scope == ["A1", "B2", "C3"]
    # Their own organisation's rows are theirs, and ours are not among them.
    theirs = do_grant(db_session, clock, world["other_rep"], world["other_org"], world["b"])
    rows = dlg.view(db_session=db_session, clock=clock, actor=outsider, organisation_id=world["other_org"].id)
    assert [row.id for row in rows] == [theirs.id]


@pytest.mark.req("ACC-07")
def test_grantee_renounces(db_session, clock, world):
    one, two, three = chain_of_three(db_session, clock, world)
    revoke(db_session, clock, world["b"], two, "不再负责该业务")
    assert two.status == three.status == "revoked" and one.status == "active"
    entry = db_session.scalars(
        select(AuditEntry).where(AuditEntry.object_id == str(two.id), AuditEntry.action == "delegation.revoke")
    ).one()
    assert entry.actor == f"person:{world['b'].id}" and '"renounced": true' in entry.details
    assert may(db_session, clock, world["a"], world["org"], "A1")


@pytest.mark.req("ACC-07")
def test_organisations_for_lists_capacity(db_session, clock, world):
    one, two, _ = chain_of_three(db_session, clock, world)
    rep_orgs = dlg.organisations_for(db_session=db_session, clock=clock, person_id=world["rep"].id)
    assert [(org.id, label) for org, label in rep_orgs] == [(world["org"].id, "法定代表人")]
    b_orgs = dlg.organisations_for(db_session=db_session, clock=clock, person_id=world["b"].id)
    assert [(org.id, label) for org, label in b_orgs] == [(world["org"].id, "经办人（第2级授权）")]
    found = dlg.effective_for(
        db_session=db_session, clock=clock, person_id=world["b"].id, organisation_id=world["org"].id, item_code="B2"
    )
    assert found is not None and found.id == two.id
    world["org"].status = "disabled"
    db_session.flush()
    assert not may(db_session, clock, world["rep"], world["org"])
    assert dlg.organisations_for(db_session=db_session, clock=clock, person_id=world["b"].id) == []
