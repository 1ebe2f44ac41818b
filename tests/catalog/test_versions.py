"""Versioned items: draft → submitted → approved/returned → published, one live version (CAT-11)."""

import threading

import pytest

from tests.factories import CITED, cite_directory, content_dict, make_actor, make_agency, make_content
from tongban.catalog import service
from tongban.catalog.schemas import ItemIdentity
from tongban.core.errors import Conflict, Forbidden, InvalidInput


def _identity(agency, code="V-1", **kw):
    return ItemIdentity(implementation_code=code, agency_code=agency.code, region_code=agency.region_code,
                        **{"basic_code": CITED, **kw})


@pytest.fixture(autouse=True)
def _cited_entry(db_session, clock):
    cite_directory(db_session, clock)  # items staff create must cite the basic directory


@pytest.mark.req("CAT-11")
def test_propose_review_publish_keeps_one_live_version_and_history(db_session, clock):
    agency = make_agency(db_session)
    editor, _ = make_actor(db_session, clock, role="catalog_editor", agency=agency)
    reviewer, _ = make_actor(db_session, clock, role="catalog_reviewer")
    v1 = service.create_item(db_session=db_session, clock=clock, actor=editor, identity=_identity(agency), content=make_content())
    item = service.get_item(db_session=db_session, item_id=v1.item_id)
    assert item.live_version_id is None  # a draft is not public

    service.submit(db_session=db_session, clock=clock, actor=editor, version_id=v1.id)
    returned = service.return_version(db_session=db_session, clock=clock, actor=reviewer, version_id=v1.id, reasons="缺少收费依据")
    assert returned.state == "returned" and returned.review_comment == "缺少收费依据"
    # The name is the directory's (003 §四(二)); the implementation refines the rest, here its aliases.
    service.save_draft(db_session=db_session, clock=clock, actor=editor, item_id=item.id, content=make_content(aliases=["开饭店"]))
    service.submit(db_session=db_session, clock=clock, actor=editor, version_id=v1.id)
    service.approve(db_session=db_session, clock=clock, actor=reviewer, version_id=v1.id)
    service.publish(db_session=db_session, clock=clock, actor=reviewer, version_id=v1.id)
    assert item.live_version_id == v1.id and service.get_version(db_session=db_session, version_id=v1.id).content["aliases"] == ["开饭店"]

    v2 = service.save_draft(db_session=db_session, clock=clock, actor=editor, item_id=item.id, content=make_content(aliases=["第二版"]))
    assert v2.number == 2
    assert service.live_content(db_session=db_session, item=item).aliases == ["开饭店"]  # public unchanged until published
    service.submit(db_session=db_session, clock=clock, actor=editor, version_id=v2.id)
    service.approve(db_session=db_session, clock=clock, actor=reviewer, version_id=v2.id)
    service.publish(db_session=db_session, clock=clock, actor=reviewer, version_id=v2.id)
    states = [(v.number, v.state) for v in service.history(db_session=db_session, item_id=item.id)]
    assert states == [(2, "published"), (1, "superseded")]
    assert service.live_content(db_session=db_session, item=item).aliases == ["第二版"]


@pytest.mark.req("CAT-11")
def test_roles_are_enforced(db_session, clock):
    agency, other = make_agency(db_session), make_agency(db_session)
    editor, _ = make_actor(db_session, clock, role="catalog_editor", agency=agency)
    stranger, _ = make_actor(db_session, clock, role="catalog_editor", agency=other)
    version = service.create_item(db_session=db_session, clock=clock, actor=editor, identity=_identity(agency), content=make_content())
    with pytest.raises(Forbidden):
        service.save_draft(db_session=db_session, clock=clock, actor=stranger, item_id=version.item_id, content=make_content())
    service.submit(db_session=db_session, clock=clock, actor=editor, version_id=version.id)
    with pytest.raises(Forbidden):
        service.approve(db_session=db_session, clock=clock, actor=editor, version_id=version.id)
    with pytest.raises(Conflict):  # unapproved versions cannot be published
        service.publish(db_session=db_session, clock=clock, actor=make_actor(db_session, clock, role="catalog_reviewer")[0], version_id=version.id)


def test_submitted_version_cannot_be_edited_and_return_needs_reasons(db_session, clock):
    agency = make_agency(db_session)
    editor, _ = make_actor(db_session, clock, role="catalog_editor", agency=agency)
    reviewer, _ = make_actor(db_session, clock, role="catalog_reviewer")
    version = service.create_item(db_session=db_session, clock=clock, actor=editor, identity=_identity(agency), content=make_content())
    service.submit(db_session=db_session, clock=clock, actor=editor, version_id=version.id)
    with pytest.raises(Conflict):
        service.save_draft(db_session=db_session, clock=clock, actor=editor, item_id=version.item_id, content=make_content())
    with pytest.raises(InvalidInput):
        service.return_version(db_session=db_session, clock=clock, actor=reviewer, version_id=version.id, reasons="  ")


@pytest.mark.req("CAT-11")
def test_workflow_through_the_api_with_tokens(client, db_session, clock):
    agency = make_agency(db_session)
    _, editor_token = make_actor(db_session, clock, role="catalog_editor", agency=agency)
    _, reviewer_token = make_actor(db_session, clock, role="catalog_reviewer")
    db_session.commit()
    ed = {"Authorization": f"Bearer {editor_token}"}
    rv = {"Authorization": f"Bearer {reviewer_token}"}
    body = {"identity": _identity(agency, code="API-1").model_dump(), "content": content_dict()}
    assert client.post("/api/v1/items", json=body).status_code == 401
    created = client.post("/api/v1/items", json=body, headers=ed)
    assert created.status_code == 201, created.text
    vid, item_id = created.json()["id"], created.json()["item_id"]
    assert client.get(f"/api/v1/items/{item_id}").status_code == 404  # not yet public
    assert client.post(f"/api/v1/versions/{vid}/submit", headers=ed).json()["state"] == "submitted"
    assert client.post(f"/api/v1/versions/{vid}/approve", json={}, headers=ed).status_code == 403
    assert client.post(f"/api/v1/versions/{vid}/approve", json={"comment": "同意"}, headers=rv).json()["state"] == "approved"
    assert client.post(f"/api/v1/versions/{vid}/publish", headers=rv).json()["state"] == "published"
    assert client.get(f"/api/v1/items/{item_id}").json()["version"]["number"] == 1
    assert [v["state"] for v in client.get(f"/api/v1/items/{item_id}/versions").json()] == ["published"]
    bad = client.put(f"/api/v1/items/{item_id}/draft", json={"content": {**content_dict(), "promised_limit_days": 99}}, headers=ed)
    assert bad.status_code == 422 and "承诺办结时限不得长于法定办结时限" in bad.json()["error"]["message"]


def test_revoked_token_is_refused(client, db_session, clock):
    from tongban.accounts.staff import revoke_token

    actor, token = make_actor(db_session, clock, role="catalog_reviewer")
    revoke_token(db_session=db_session, clock=clock, token_id=actor.token_id)
    db_session.commit()
    response = client.post("/api/v1/versions/1/approve", json={}, headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 401 and response.json()["error"]["code"] == "TOKEN_INVALID"


@pytest.mark.req("CAT-11")
def test_concurrent_publishers_leave_exactly_one_live_version(db_session, clock, engine):
    from tongban.core.db import session_factory

    agency = make_agency(db_session)
    editor, _ = make_actor(db_session, clock, role="catalog_editor", agency=agency)
    reviewer, _ = make_actor(db_session, clock, role="catalog_reviewer")
    version = service.create_item(db_session=db_session, clock=clock, actor=editor, identity=_identity(agency), content=make_content())
    service.submit(db_session=db_session, clock=clock, actor=editor, version_id=version.id)
    service.approve(db_session=db_session, clock=clock, actor=reviewer, version_id=version.id)
    db_session.commit()
    outcomes: list[str] = []
    barrier = threading.Barrier(4)

    def publish_once():
        session = session_factory()()
        try:
            barrier.wait()
            service.publish(db_session=session, clock=clock, actor=reviewer, version_id=version.id)
            session.commit()
            outcomes.append("ok")
        except Conflict:
            session.rollback()
            outcomes.append("conflict")
        except Exception as exc:  # SQLite may report the writer lock as an OperationalError
            session.rollback()
            outcomes.append(type(exc).__name__)
        finally:
            session.close()

    threads = [threading.Thread(target=publish_once) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert outcomes.count("ok") == 1, outcomes
    db_session.expire_all()
    assert [v.state for v in service.history(db_session=db_session, item_id=version.item_id)] == ["published"]
