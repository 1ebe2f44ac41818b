"""Publications (政策法规与通知公告): service rules, JSON API, pages and demo data."""

from importlib import resources
from pathlib import Path

import pytest
from jinja2 import FileSystemLoader, TemplateNotFound
from pydantic import ValidationError

from tests.factories import make_actor, make_agency
from tongban.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from tongban.core.validation import humanize
from tongban.publications import demo, service
from tongban.publications.enums import PublicationKind
from tongban.publications.schemas import PublicationIn


@pytest.fixture
def app(app):
    """The application with the publications routes and templates, whether app.py wires them yet or not."""
    from tongban.publications import api, pages

    paths = {getattr(route, "path", "") for route in app.routes}
    if "/api/v1/publications" not in paths:
        app.include_router(api.router)
    if "/publications" not in paths:
        app.include_router(pages.router)
    env = app.state.templates
    try:
        env.get_template("publications/list.html")
    except TemplateNotFound:
        root = Path(str(resources.files("tongban"))) / "publications" / "templates"
        env.loader.loaders.append(FileSystemLoader(str(root)))
    return app


def pub_in(**overrides) -> PublicationIn:
    data = {
        "kind": "policy",
        "title": "国务院关于加快推进全国一体化在线政务服务平台建设的指导意见",
        "document_number": "国发〔2018〕27号",
        "issuer": "国务院",
        "summary": "部署建设全国一体化在线政务服务平台。",
        "body": "第一段。\n\n第二段。",
        "issued_on": "2018-07-25",
    }
    data.update(overrides)
    return PublicationIn.model_validate(data)


def auth(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


# ---------------------------------------------------------------- service


def test_create_list_get_withdraw(db_session, clock):
    admin, _ = make_actor(db_session, clock, role="admin")
    policy = service.create(db_session=db_session, clock=clock, actor=admin, publication_in=pub_in())
    law = service.create(
        db_session=db_session, clock=clock, actor=admin,
        publication_in=pub_in(kind="regulation", title="中华人民共和国行政许可法", document_number="", issued_on="2003-08-27"),
    )
    assert policy.status == "published" and policy.created_by == admin.name and policy.created_at == clock.now()

    rows, total = service.list_published(db_session=db_session)
    assert total == 2 and [r.id for r in rows] == [policy.id, law.id]  # newest document first
    rows, total = service.list_published(db_session=db_session, kind=PublicationKind.regulation)
    assert total == 1 and rows[0].title == "中华人民共和国行政许可法"
    rows, total = service.list_published(db_session=db_session, limit=1, offset=1)
    assert total == 2 and [r.id for r in rows] == [law.id]

    service.withdraw(db_session=db_session, clock=clock, actor=admin, publication_id=law.id)
    assert service.list_published(db_session=db_session)[1] == 1
    with pytest.raises(NotFound) as caught:
        service.get(db_session=db_session, publication_id=law.id)
    assert caught.value.code == "PUBLICATION_NOT_FOUND" and "没有找到" in caught.value.message
    assert service.get(db_session=db_session, publication_id=law.id, include_withdrawn=True).status == "withdrawn"
    with pytest.raises(NotFound):
        service.get(db_session=db_session, publication_id=999999)


def test_agency_fills_issuer_and_region_and_limits_who_may_write(db_session, clock):
    agency, other = make_agency(db_session, name="广安市测试局"), make_agency(db_session)
    editor, _ = make_actor(db_session, clock, role="catalog_editor", agency=agency)
    stranger, _ = make_actor(db_session, clock, role="catalog_editor", agency=other)
    reviewer, _ = make_actor(db_session, clock, role="catalog_reviewer")

    row = service.create(
        db_session=db_session, clock=clock, actor=editor,
        publication_in=pub_in(kind="announcement", issuer="", document_number="", agency_id=agency.id),
    )
    assert row.issuer == "广安市测试局" and row.region_code == agency.region_code

    with pytest.raises(Forbidden):
        service.withdraw(db_session=db_session, clock=clock, actor=stranger, publication_id=row.id)
    with pytest.raises(Forbidden) as caught:
        service.create(db_session=db_session, clock=clock, actor=editor, publication_in=pub_in(document_number="X-1"))
    assert "管理机构" in caught.value.message  # a national text needs the management agency
    with pytest.raises(Forbidden):  # an editor cannot move a text to another agency
        service.update(
            db_session=db_session, clock=clock, actor=editor, publication_id=row.id,
            publication_in=pub_in(document_number="", agency_id=other.id),
        )
    service.create(db_session=db_session, clock=clock, actor=reviewer, publication_in=pub_in(document_number="X-2"))

    with pytest.raises(NotFound):
        service.create(db_session=db_session, clock=clock, actor=reviewer, publication_in=pub_in(document_number="", agency_id=999999))
    with pytest.raises(InvalidInput) as caught:
        service.create(db_session=db_session, clock=clock, actor=reviewer, publication_in=pub_in(document_number="", issuer=""))
    assert caught.value.code == "ISSUER_REQUIRED"


def test_update_and_rules_on_numbers_and_withdrawn_texts(db_session, clock):
    admin, _ = make_actor(db_session, clock, role="admin")
    row = service.create(db_session=db_session, clock=clock, actor=admin, publication_in=pub_in())
    with pytest.raises(Conflict) as caught:
        service.create(db_session=db_session, clock=clock, actor=admin, publication_in=pub_in(title="另一篇"))
    assert caught.value.code == "DOCUMENT_NUMBER_TAKEN"

    clock.advance(hours=1)
    updated = service.update(
        db_session=db_session, clock=clock, actor=admin, publication_id=row.id, publication_in=pub_in(summary="新的摘要")
    )
    assert updated.summary == "新的摘要" and updated.updated_at == clock.now() and updated.created_at < updated.updated_at

    service.withdraw(db_session=db_session, clock=clock, actor=admin, publication_id=row.id)
    again = service.withdraw(db_session=db_session, clock=clock, actor=admin, publication_id=row.id)
    assert again.status == "withdrawn"
    with pytest.raises(Conflict) as caught:
        service.update(db_session=db_session, clock=clock, actor=admin, publication_id=row.id, publication_in=pub_in())
    assert caught.value.code == "PUBLICATION_WITHDRAWN"
    # once withdrawn, its number is free for a corrected text
    service.create(db_session=db_session, clock=clock, actor=admin, publication_in=pub_in(title="更正后的文件"))


def test_list_rejects_bad_paging_and_kind(db_session):
    with pytest.raises(InvalidInput):
        service.list_published(db_session=db_session, limit=0)
    with pytest.raises(InvalidInput):
        service.list_published(db_session=db_session, offset=-1)
    with pytest.raises(InvalidInput) as caught:
        service.list_published(db_session=db_session, kind="rumour")
    assert "policy" in caught.value.message


def test_changed_since_and_change_stamp_follow_every_write(db_session, clock):
    admin, _ = make_actor(db_session, clock, role="admin")
    assert service.change_stamp(db_session=db_session) == (0, None)
    first = service.create(db_session=db_session, clock=clock, actor=admin, publication_in=pub_in())
    t0 = clock.now()
    clock.advance(minutes=5)
    second = service.create(
        db_session=db_session, clock=clock, actor=admin, publication_in=pub_in(title="第二篇", document_number="")
    )
    t1 = clock.now()
    db_session.commit()

    assert [r.id for r in service.changed_since(db_session=db_session, since=None)] == [first.id, second.id]
    assert [r.id for r in service.changed_since(db_session=db_session, since=t1)] == [second.id]
    assert [r.id for r in service.changed_since(db_session=db_session, since=t0)] == [first.id, second.id]
    stamp = service.change_stamp(db_session=db_session)
    assert stamp == (2, t1)

    clock.advance(minutes=5)
    service.withdraw(db_session=db_session, clock=clock, actor=admin, publication_id=first.id)
    db_session.commit()
    changed = service.changed_since(db_session=db_session, since=clock.now())
    assert [(r.id, r.status) for r in changed] == [(first.id, "withdrawn")]  # the index must learn of withdrawals
    assert service.change_stamp(db_session=db_session) == (2, clock.now()) != stamp


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("title", "   ", "不能少于"),
        ("title", "长" * 201, "不能超过"),
        ("issued_on", "2019-02-30", "不是真实存在的日期"),
        ("issued_on", "2019/04/26", "YYYY-MM-DD"),
        ("kind", "rumour", "policy"),
        ("body", "字" * 50_001, "不能超过"),
        ("source_url", "javascript:alert(1)", "http"),
    ],
)
def test_input_is_validated(field, value, message):
    with pytest.raises(ValidationError) as caught:
        pub_in(**{field: value})
    summary, _ = humanize(caught.value.errors())
    assert message in summary
    assert field in summary


# ---------------------------------------------------------------- JSON API


def test_api_create_list_get_update_withdraw(client, db_session, clock):
    _, token = make_actor(db_session, clock, role="admin")
    db_session.commit()
    body = pub_in().model_dump(mode="json")

    created = client.post("/api/v1/publications", json=body, headers=auth(token))
    assert created.status_code == 201, created.text
    out = created.json()
    assert out["kind_label"] == "政策文件" and out["document_number"] == "国发〔2018〕27号" and out["body"] == "第一段。\n\n第二段。"
    pid = out["id"]

    listing = client.get("/api/v1/publications?kind=policy&limit=10").json()
    assert listing["total"] == 1 and listing["items"][0]["id"] == pid and "body" not in listing["items"][0]
    assert client.get("/api/v1/publications?kind=announcement").json()["total"] == 0
    assert client.get(f"/api/v1/publications/{pid}").json()["title"] == body["title"]

    changed = client.put(f"/api/v1/publications/{pid}", json={**body, "summary": "改过的摘要"}, headers=auth(token))
    assert changed.status_code == 200 and changed.json()["summary"] == "改过的摘要"

    withdrawn = client.post(f"/api/v1/publications/{pid}/withdraw", headers=auth(token))
    assert withdrawn.status_code == 200 and withdrawn.json()["status"] == "withdrawn"
    assert client.get("/api/v1/publications").json()["total"] == 0
    gone = client.get(f"/api/v1/publications/{pid}")
    assert gone.status_code == 404 and gone.json()["error"]["code"] == "PUBLICATION_NOT_FOUND"


def test_api_errors_are_chinese_4xx(client, db_session, clock):
    agency = make_agency(db_session)
    _, token = make_actor(db_session, clock, role="admin")
    _, editor = make_actor(db_session, clock, role="catalog_editor", agency=agency)
    db_session.commit()
    body = pub_in().model_dump(mode="json")

    anonymous = client.post("/api/v1/publications", json=body)
    assert anonymous.status_code == 401 and "令牌" in anonymous.json()["error"]["message"]
    assert client.post("/api/v1/publications/1/withdraw").status_code == 401
    assert client.put("/api/v1/publications/1", json=body).status_code == 401

    forbidden = client.post("/api/v1/publications", json=body, headers=auth(editor))
    assert forbidden.status_code == 403 and forbidden.json()["error"]["code"] == "NOT_PERMITTED"

    cases = [
        ({**body, "title": ""}, "title", "不能少于"),
        ({**body, "issued_on": "2019-13-01"}, "issued_on", "不是真实存在的日期"),
        ({**body, "kind": "rumour"}, "kind", "取值必须是"),
        ({**body, "colour": "red"}, "colour", "不认识"),
    ]
    for payload, field, message in cases:
        response = client.post("/api/v1/publications", json=payload, headers=auth(token))
        assert response.status_code == 422, payload
        error = response.json()["error"]
        assert error["code"] == "INVALID_INPUT" and message in error["message"] and field in error["message"]

    assert client.get("/api/v1/publications?kind=rumour").status_code == 422
    assert "不能大于" in client.get("/api/v1/publications?limit=1000").json()["error"]["message"]
    assert client.get("/api/v1/publications/424242").json()["error"]["message"].startswith("没有找到")


# ---------------------------------------------------------------- pages


def test_pages_show_list_tabs_and_detail(client, db_session, clock):
    admin, _ = make_actor(db_session, clock, role="admin")
    row = service.create(
        db_session=db_session, clock=clock, actor=admin,
        publication_in=pub_in(source_url="https://www.gov.cn/zhengce/"),
    )
    notice = service.create(
        db_session=db_session, clock=clock, actor=admin,
        publication_in=pub_in(kind="announcement", title="系统维护公告（演示）", document_number=""),
    )
    db_session.commit()

    page = client.get("/publications")
    assert page.status_code == 200 and row.title in page.text and notice.title in page.text
    assert "政策文件 (1)" in page.text and "通知公告 (1)" in page.text
    policies = client.get("/publications?kind=policy")
    assert policies.status_code == 200 and row.title in policies.text and notice.title not in policies.text
    assert client.get("/publications?kind=rumour").status_code == 422

    detail = client.get(f"/publications/{row.id}")
    assert detail.status_code == 200
    for text in (row.title, "国发〔2018〕27号", "国务院", "2018-07-25", "<p>第一段。</p>", "<p>第二段。</p>", 'href="https://www.gov.cn/zhengce/"'):
        assert text in detail.text

    service.withdraw(db_session=db_session, clock=clock, actor=admin, publication_id=row.id)
    db_session.commit()
    missing = client.get(f"/publications/{row.id}")
    assert missing.status_code == 404 and "没有找到" in missing.text
    assert row.title not in client.get("/publications").text


def test_list_page_pages(client, db_session, clock):
    admin, _ = make_actor(db_session, clock, role="admin")
    for n in range(17):
        service.create(
            db_session=db_session, clock=clock, actor=admin,
            publication_in=pub_in(kind="announcement", title=f"公告{n:02d}", document_number="", issued_on=f"2026-10-{n + 1:02d}"),
        )
    db_session.commit()
    first = client.get("/publications?kind=announcement")
    assert "公告16" in first.text and "公告01" not in first.text and "page=2" in first.text
    second = client.get("/publications?kind=announcement&page=2")
    assert second.status_code == 200 and "公告01" in second.text and "公告16" not in second.text


# ---------------------------------------------------------------- demo data


def test_demo_publications_seed_once(db_session, clock):
    entries = demo.demo_entries()
    assert 8 <= len(entries) <= 12
    added = demo.seed_demo(db_session=db_session, clock=clock)
    assert added == len(entries)
    assert demo.seed_demo(db_session=db_session, clock=clock) == 0
    rows, total = service.list_published(db_session=db_session, limit=100)
    assert total == added
    kinds = {r.kind for r in rows}
    assert kinds == {"policy", "regulation", "announcement"}
    for r in rows:
        assert r.issuer and r.summary and r.body
        if r.kind == "announcement":
            assert "演示" in r.title and "演示数据" in r.body  # invented text says so
    numbers = {r.document_number for r in rows}
    assert {"国务院令第716号", "国务院令第722号", "国发〔2018〕27号"} <= numbers
