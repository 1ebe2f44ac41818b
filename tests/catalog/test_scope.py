"""Catalog and publication writes are scoped: the same-level management agency reviews and publishes, never the
proposer; every write route refuses an out-of-scope reviewer (CAT-11, ACC-12; 003 事项管理动态化)."""

from __future__ import annotations

import importlib
import json
import pkgutil
import re
from collections.abc import Callable

import pytest
from fastapi import APIRouter
from fastapi.routing import APIRoute
from starlette.routing import Match

import tongban.catalog
import tongban.publications
from tests.factories import CITED, cite_directory, content_dict, make_actor, make_agency, make_content, make_item, make_staff
from tongban.accounts import staff as staff_service
from tongban.catalog import directory, service
from tongban.catalog.directory_schemas import EntryIn
from tongban.catalog.schemas import ItemIdentity
from tongban.core.errors import Forbidden
from tongban.publications import service as publications
from tongban.publications.schemas import PublicationIn

GUANGAN, GUANGAN_DISTRICT, MIANYANG = "511600", "511602", "510700"


def _identity(agency, code: str) -> ItemIdentity:
    return ItemIdentity(implementation_code=code, basic_code=CITED, agency_code=agency.code, region_code=agency.region_code)


@pytest.fixture
def world(db_session, clock):
    """广安市 and 绵阳市, each with its management agency (管理机构) and reviewer; an ordinary 广安 department."""
    cite_directory(db_session, clock)  # every item staff create here cites this entry
    w = {
        "province_mgmt": make_agency(db_session, name="省政务服务中心", region_code="510000", level="province", is_management=True),
        "ga_mgmt": make_agency(db_session, name="广安市政务服务中心", region_code=GUANGAN, is_management=True),
        "my_mgmt": make_agency(db_session, name="绵阳市政务服务中心", region_code=MIANYANG, is_management=True),
        "ga_dept": make_agency(db_session, name="广安市市场监督管理局", region_code=GUANGAN),
        "district_dept": make_agency(db_session, name="广安区民政局", region_code=GUANGAN_DISTRICT, level="county"),
    }
    w["editor"] = make_actor(db_session, clock, role="catalog_editor", agency=w["ga_dept"])[0]
    w["ga_reviewer"] = make_actor(db_session, clock, role="catalog_reviewer", agency=w["ga_mgmt"])[0]
    w["my_reviewer"] = make_actor(db_session, clock, role="catalog_reviewer", agency=w["my_mgmt"])[0]
    w["province_reviewer"] = make_actor(db_session, clock, role="catalog_reviewer", agency=w["province_mgmt"])[0]
    return w


def _submitted(db_session, clock, world, code="SCOPE-1", agency=None):
    agency = agency or world["ga_dept"]
    editor = world["editor"] if agency is world["ga_dept"] else make_actor(db_session, clock, role="catalog_editor", agency=agency)[0]
    version = service.create_item(db_session=db_session, clock=clock, actor=editor, identity=_identity(agency, code), content=make_content())
    service.submit(db_session=db_session, clock=clock, actor=editor, version_id=version.id)
    return version


def _refused(code: str, call) -> None:
    with pytest.raises(Forbidden) as caught:
        call()
    assert caught.value.code == code, caught.value.message


@pytest.mark.req("CAT-11")
@pytest.mark.req("ACC-12")
def test_another_citys_reviewer_can_neither_review_nor_publish_nor_stop(db_session, clock, world):
    version = _submitted(db_session, clock, world)
    mianyang = world["my_reviewer"]
    args = dict(db_session=db_session, clock=clock, actor=mianyang, version_id=version.id)
    _refused("OUT_OF_SCOPE", lambda: service.approve(**args))
    _refused("OUT_OF_SCOPE", lambda: service.return_version(**args, reasons="越权退回"))
    service.approve(db_session=db_session, clock=clock, actor=world["ga_reviewer"], version_id=version.id)
    _refused("OUT_OF_SCOPE", lambda: service.publish(**args))
    service.publish(db_session=db_session, clock=clock, actor=world["ga_reviewer"], version_id=version.id)
    _refused("OUT_OF_SCOPE", lambda: service.set_status(
        db_session=db_session, clock=clock, actor=mianyang, item_id=version.item_id, status="stopped",
        reason="越权停止", alternative="无"))
    item = service.get_item(db_session=db_session, item_id=version.item_id)
    assert item.status == "active" and item.live_version_id == version.id


@pytest.mark.req("CAT-11")
def test_the_same_level_management_agency_reviews_and_a_higher_one_only_where_the_level_has_none(db_session, clock, world):
    city = _submitted(db_session, clock, world, code="SCOPE-CITY")
    # 广安市 has its own management agency: the province's does not review over its head.
    _refused("OUT_OF_SCOPE", lambda: service.approve(
        db_session=db_session, clock=clock, actor=world["province_reviewer"], version_id=city.id))
    # 广安区 has no management agency in this world: the nearest level above (广安市) answers for it.
    district = _submitted(db_session, clock, world, code="SCOPE-DISTRICT", agency=world["district_dept"])
    _refused("OUT_OF_SCOPE", lambda: service.approve(
        db_session=db_session, clock=clock, actor=world["province_reviewer"], version_id=district.id))
    assert service.approve(db_session=db_session, clock=clock, actor=world["ga_reviewer"], version_id=district.id).state == "approved"


@pytest.mark.req("CAT-11")
@pytest.mark.req("ACC-12")
def test_an_ordinary_department_holding_both_roles_cannot_approve_or_publish_its_own_change(db_session, clock, world):
    both = _actor(db_session, clock, ["catalog_editor", "catalog_reviewer"], world["ga_dept"])
    version = service.create_item(db_session=db_session, clock=clock, actor=both, identity=_identity(world["ga_dept"], "SELF-1"),
                                  content=make_content())
    service.submit(db_session=db_session, clock=clock, actor=both, version_id=version.id)
    _refused("NOT_MANAGEMENT", lambda: service.approve(db_session=db_session, clock=clock, actor=both, version_id=version.id))
    service.approve(db_session=db_session, clock=clock, actor=world["ga_reviewer"], version_id=version.id)
    _refused("NOT_MANAGEMENT", lambda: service.publish(db_session=db_session, clock=clock, actor=both, version_id=version.id))
    assert service.get_version(db_session=db_session, version_id=version.id).state == "approved"


def _actor(db_session, clock, roles, agency):
    account, _ = make_staff(db_session, clock, roles=roles, agency=agency)
    return staff_service.actor_for(account)


@pytest.mark.req("CAT-11")
def test_four_eyes_the_proposer_never_reviews_or_publishes_even_in_the_management_agency(db_session, clock, world):
    mgmt = world["ga_mgmt"]
    proposer = _actor(db_session, clock, ["catalog_editor", "catalog_reviewer"], mgmt)
    drafter = _actor(db_session, clock, ["catalog_editor", "catalog_reviewer"], mgmt)
    colleague = world["ga_reviewer"]
    version = service.create_item(db_session=db_session, clock=clock, actor=proposer, identity=_identity(mgmt, "OWN-1"),
                                  content=make_content())
    service.submit(db_session=db_session, clock=clock, actor=proposer, version_id=version.id)
    args = dict(db_session=db_session, clock=clock, actor=proposer, version_id=version.id)
    _refused("OWN_CHANGE", lambda: service.approve(**args))
    _refused("OWN_CHANGE", lambda: service.return_version(**args, reasons="自己退回"))
    service.approve(db_session=db_session, clock=clock, actor=colleague, version_id=version.id)
    _refused("OWN_CHANGE", lambda: service.publish(**args))
    assert service.publish(db_session=db_session, clock=clock, actor=colleague, version_id=version.id).state == "published"

    # Whoever edited the draft is a proposer too, even when someone else submits it.
    draft = service.save_draft(db_session=db_session, clock=clock, actor=drafter, item_id=version.item_id,
                               content=make_content(aliases=["第二版"]))
    service.submit(db_session=db_session, clock=clock, actor=proposer, version_id=draft.id)
    assert service.proposers(db_session=db_session, version_id=draft.id) == {proposer.ref, drafter.ref}
    _refused("OWN_CHANGE", lambda: service.approve(db_session=db_session, clock=clock, actor=drafter, version_id=draft.id))
    assert service.approve(db_session=db_session, clock=clock, actor=colleague, version_id=draft.id).state == "approved"


@pytest.mark.req("ACC-12")
def test_publications_are_written_by_their_agency_or_its_regions_management_only(db_session, clock, world):
    text = PublicationIn(kind="announcement", title="广安市市场监管局公告", agency_id=world["ga_dept"].id, issued_on="2026-01-05")
    _refused("OUT_OF_SCOPE", lambda: publications.create(
        db_session=db_session, clock=clock, actor=world["my_reviewer"], publication_in=text))
    row = publications.create(db_session=db_session, clock=clock, actor=world["editor"], publication_in=text)
    _refused("OUT_OF_SCOPE", lambda: publications.withdraw(
        db_session=db_session, clock=clock, actor=world["my_reviewer"], publication_id=row.id))
    _refused("OUT_OF_SCOPE", lambda: publications.update(
        db_session=db_session, clock=clock, actor=world["my_reviewer"], publication_id=row.id, publication_in=text))
    # A text for the whole portal (no agency, no region) is the province management agency's.
    national = PublicationIn(kind="regulation", title="中华人民共和国行政许可法", issuer="全国人民代表大会常务委员会", issued_on="2003-08-27")
    _refused("OUT_OF_SCOPE", lambda: publications.create(
        db_session=db_session, clock=clock, actor=world["ga_reviewer"], publication_in=national))
    publications.create(db_session=db_session, clock=clock, actor=world["province_reviewer"], publication_in=national)
    assert publications.withdraw(db_session=db_session, clock=clock, actor=world["ga_reviewer"], publication_id=row.id).status == "withdrawn"


# ---------------------------------------------------------------- every write route, as an out-of-scope reviewer

WRITE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
SCOPED_PACKAGES = (tongban.catalog, tongban.publications)
CSRF = "scope-test-csrf"


def write_routes(app) -> set[tuple[str, str]]:
    """Every catalog and publication route the app serves that changes something: (method, path).

    Read from the routers of every module of those packages (`APIRouter.routes`), so a router added in a new
    module is found too, and kept when the app serves it (Starlette's public `Route.matches`).
    """
    found = set()
    for package in SCOPED_PACKAGES:
        for info in pkgutil.walk_packages(package.__path__, prefix=package.__name__ + "."):
            module = importlib.import_module(info.name)
            for router in {id(v): v for v in vars(module).values() if isinstance(v, APIRouter)}.values():
                for route in router.routes:
                    if isinstance(route, APIRoute) and route.endpoint.__module__ == info.name:
                        found |= {(method, route.path) for method in route.methods & WRITE_METHODS if _served(app, method, route.path)}
    return found


def _served(app, method: str, path: str) -> bool:
    concrete = re.sub(r"\{[^}]+\}", "1", path)
    scope = {"type": "http", "method": method, "path": concrete, "root_path": "", "query_string": b"", "headers": []}
    return any(route.matches(scope)[0] is Match.FULL for route in app.routes)


def _form(**fields) -> dict:
    return {"data": {"csrf": CSRF, **fields}}


def _directory_row(code: str) -> dict:
    """A row of 广安市's own directory list (基本目录), which 绵阳 may not compile."""
    return {"basic_code": code, "region_code": GUANGAN, "level": "city", "name": "越权目录事项", "item_type": "public_service",
            "legal_basis": []}


DIRECTORY_CSV = "basic_code,region_code,level,name,item_type,legal_basis\nOUT-DIR-CSV,511600,city,越权目录事项,public_service,\n"

# (method, path) → the requests that exercise it; {item}, {version}, {publication}, {entry}, {revision} are filled in.
REQUESTS: dict[tuple[str, str], list[tuple[str, Callable[[dict], dict]]]] = {
    ("POST", "/api/v1/items"): [("/api/v1/items", lambda w: {"json": {
        "identity": _identity(w["ga_dept"], "OUT-NEW").model_dump(), "content": content_dict()}})],
    ("PUT", "/api/v1/items/{item_id}/draft"): [("/api/v1/items/{item}/draft", lambda w: {"json": {"content": content_dict()}})],
    ("POST", "/api/v1/versions/{version_id}/submit"): [("/api/v1/versions/{version}/submit", lambda w: {})],
    ("POST", "/api/v1/versions/{version_id}/approve"): [("/api/v1/versions/{version}/approve", lambda w: {"json": {}})],
    ("POST", "/api/v1/versions/{version_id}/return"): [("/api/v1/versions/{version}/return", lambda w: {"json": {"reasons": "越权"}})],
    ("POST", "/api/v1/versions/{version_id}/publish"): [("/api/v1/versions/{version}/publish", lambda w: {})],
    ("POST", "/api/v1/items/{item_id}/status"): [("/api/v1/items/{item}/status", lambda w: {"json": {
        "status": "stopped", "reason": "越权", "alternative": "无"}})],
    ("POST", "/api/v1/regions"): [("/api/v1/regions", lambda w: {"json": {"code": "511602901", "name": "越权街道", "parent_code": GUANGAN_DISTRICT}})],
    ("POST", "/api/v1/catalog/import"): [("/api/v1/catalog/import?format=json", lambda w: {"content": w["export"]})],
    ("POST", "/api/v1/publications"): [("/api/v1/publications", lambda w: {"json": {
        "kind": "announcement", "title": "越权公告", "agency_id": w["ga_dept"].id, "issued_on": "2026-01-05"}})],
    ("PUT", "/api/v1/publications/{publication_id}"): [("/api/v1/publications/{publication}", lambda w: {"json": {
        "kind": "announcement", "title": "越权修改", "agency_id": w["ga_dept"].id, "issued_on": "2026-01-05"}})],
    ("POST", "/api/v1/publications/{publication_id}/withdraw"): [("/api/v1/publications/{publication}/withdraw", lambda w: {})],
    ("POST", "/staff/items/new"): [("/staff/items/new", lambda w: _form(
        agency_code=w["ga_dept"].code, implementation_code="OUT-PAGE", relation="main",
        content=json.dumps(content_dict(), ensure_ascii=False)))],
    ("POST", "/staff/items/{item_id}/draft"): [("/staff/items/{item}/draft", lambda w: _form(
        content=json.dumps(content_dict(), ensure_ascii=False)))],
    ("POST", "/staff/versions/{version_id}/{action}"): [
        (f"/staff/versions/{{version}}/{action}", lambda w: _form(comment="越权")) for action in ("submit", "approve", "return", "publish")
    ],
    ("POST", "/staff/items/{item_id}/status"): [("/staff/items/{item}/status", lambda w: _form(
        status="stopped", reason="越权", alternative="无"))],
    # the directory list (基本目录): compiled by the region's own departments, reviewed by its management agency
    ("POST", "/api/v1/directory"): [("/api/v1/directory", lambda w: {"json": _directory_row("OUT-DIR-API")})],
    ("PUT", "/api/v1/directory/{entry_id}/draft"): [("/api/v1/directory/{entry}/draft", lambda w: {"json": {
        "name": "越权修订", "item_type": "public_service", "legal_basis": []}})],
    ("POST", "/api/v1/directory/revisions/{revision_id}/submit"): [("/api/v1/directory/revisions/{revision}/submit", lambda w: {})],
    ("POST", "/api/v1/directory/revisions/{revision_id}/approve"): [
        ("/api/v1/directory/revisions/{revision}/approve", lambda w: {"json": {}})],
    ("POST", "/api/v1/directory/revisions/{revision_id}/return"): [
        ("/api/v1/directory/revisions/{revision}/return", lambda w: {"json": {"reasons": "越权"}})],
    ("POST", "/api/v1/directory/revisions/{revision_id}/publish"): [("/api/v1/directory/revisions/{revision}/publish", lambda w: {})],
    ("POST", "/api/v1/directory/import"): [
        ("/api/v1/directory/import?format=json", lambda w: {"content": json.dumps([_directory_row("OUT-DIR-IMPORT")]).encode()}),
        ("/api/v1/directory/import?format=csv", lambda w: {"content": DIRECTORY_CSV.encode()}),
    ],
    ("POST", "/staff/directory/new"): [("/staff/directory/new", lambda w: _form(
        basic_code="OUT-DIR-PAGE", region_code=GUANGAN, level="city", name="越权目录事项", item_type="public_service"))],
    ("POST", "/staff/directory/{entry_id}/draft"): [("/staff/directory/{entry}/draft", lambda w: _form(
        name="越权修订", item_type="public_service"))],
    ("POST", "/staff/directory/revisions/{revision_id}/{action}"): [
        (f"/staff/directory/revisions/{{revision}}/{action}", lambda w: _form(comment="越权"))
        for action in ("submit", "approve", "return", "publish")
    ],
    ("POST", "/staff/directory/import"): [("/staff/directory/import", lambda w: {
        **_form(), "files": {"file": ("list.csv", DIRECTORY_CSV.encode(), "text/csv")}})],
}


@pytest.mark.req("ACC-12")
@pytest.mark.req("CAT-11")
def test_every_catalog_and_publication_write_route_refuses_an_out_of_scope_reviewer(app, client, db_session, clock, world):
    routes = write_routes(app)
    unknown = sorted(routes - set(REQUESTS))
    assert not unknown, (
        f"catalog/publication write routes without a scope case: {unknown}. Check scope in the service "
        "(actor.require / regions.require_management) and add the route to REQUESTS in this test."
    )
    assert sorted(set(REQUESTS) - routes) == [], "REQUESTS names routes that no longer exist"

    item = make_item(db_session, clock, agency=world["ga_dept"], code="OUT-ITEM")
    version = service.save_draft(db_session=db_session, clock=clock, actor=world["editor"], item_id=item.id,
                                 content=make_content(name="待审核的修改"))
    service.submit(db_session=db_session, clock=clock, actor=world["editor"], version_id=version.id)
    text = publications.create(db_session=db_session, clock=clock, actor=world["editor"], publication_in=PublicationIn(
        kind="announcement", title="广安公告", agency_id=world["ga_dept"].id, issued_on="2026-01-05"))
    from tongban.catalog import exchange

    world["export"] = exchange.export_items(db_session=db_session, fmt="json", item_ids=[item.id])
    entry_in = EntryIn.model_validate({**_directory_row("GA-DIR-1"), "name": "广安目录事项"})
    revision = directory.create_entry(db_session=db_session, clock=clock, actor=world["editor"], entry_in=entry_in)
    directory.submit(db_session=db_session, clock=clock, actor=world["editor"], revision_id=revision.id)
    # 绵阳's administrator holds every catalog permission, but not 广安's region.
    _, token = make_actor(db_session, clock, role="admin", region_code=MIANYANG)
    db_session.commit()
    client.cookies.set("tb_csrf", CSRF)
    headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
    ids = {"item": item.id, "version": version.id, "publication": text.id, "entry": revision.entry_id, "revision": revision.id}
    tried = 0
    for (method, _path), requests in sorted(REQUESTS.items()):
        for url, build in requests:
            response = client.request(method, url.format(**ids), headers=headers, **build(world))
            assert response.status_code == 403, (method, url, response.status_code, response.text[:300])
            assert response.json()["error"]["code"].endswith("OUT_OF_SCOPE"), (method, url, response.json())
            tried += 1
    assert tried >= len(routes)
    db_session.expire_all()
    assert service.get_version(db_session=db_session, version_id=version.id).state == "submitted"
    assert service.get_item(db_session=db_session, item_id=item.id).status == "active"
    assert publications.get(db_session=db_session, publication_id=text.id).title == "广安公告"
    assert [(r.id, r.state, r.name) for r in directory.history(db_session=db_session, entry_id=revision.entry_id)] == [
        (revision.id, "submitted", "广安目录事项")]
    assert [e.basic_code for e in directory.list_entries(db_session=db_session)[0]] == [CITED, "GA-DIR-1"]


@pytest.mark.req("CAT-14")
def test_import_publishes_only_within_the_importers_scope(client, db_session, clock, world):
    from tongban.catalog import exchange

    item = make_item(db_session, clock, agency=world["ga_dept"], code="IMPORT-1")
    data = exchange.export_items(db_session=db_session, fmt="json", item_ids=[item.id])
    body = json.loads(data)
    body["items"][0]["content"]["name"] = "导入修改后的名称"
    changed = json.dumps(body, ensure_ascii=False).encode()
    _, mianyang = make_actor(db_session, clock, role="catalog_reviewer", agency=world["my_mgmt"])
    _, guangan = make_actor(db_session, clock, role="catalog_reviewer", agency=world["ga_mgmt"])
    db_session.commit()
    refused = client.post("/api/v1/catalog/import?format=json", content=changed, headers={"Authorization": f"Bearer {mianyang}"})
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "OUT_OF_SCOPE"
    db_session.expire_all()
    assert service.get_item(db_session=db_session, item_id=item.id).name != "导入修改后的名称"
    done = client.post("/api/v1/catalog/import?format=json", content=changed, headers={"Authorization": f"Bearer {guangan}"})
    assert done.status_code == 200 and done.json()["updated"] == 1


@pytest.mark.req("CAT-11")
def test_demo_accounts_edit_and_review_in_the_right_agencies(db_session, clock):
    """`editor` drafts for 广安区人社局; `reviewer` (广安区's management agency) reviews and publishes it;
    `cityreviewer` (广安市's) answers for the city's items, not the district's."""
    from sqlalchemy import select

    from tongban.accounts import demo as accounts_demo
    from tongban.accounts.models import StaffAccount
    from tongban.catalog import demo as catalog_demo
    from tongban.catalog.models import ServiceItem

    catalog_demo.seed_demo(db_session=db_session, clock=clock)
    accounts_demo.seed_demo(db_session=db_session, clock=clock)

    def actor(username):
        account = db_session.scalar(select(StaffAccount).where(StaffAccount.username == username))
        return staff_service.actor_for(account)

    editor, reviewer, city = actor("editor"), actor("reviewer"), actor("cityreviewer")
    item = db_session.scalars(select(ServiceItem).where(ServiceItem.agency_id == editor.agency_id).order_by(ServiceItem.id)).first()
    city_item = db_session.scalars(select(ServiceItem).where(ServiceItem.region_code == GUANGAN).order_by(ServiceItem.id)).first()
    content = service.live_content(db_session=db_session, item=item)
    version = service.save_draft(db_session=db_session, clock=clock, actor=editor, item_id=item.id, content=content, change_note="演示修改")
    service.submit(db_session=db_session, clock=clock, actor=editor, version_id=version.id)
    _refused("NOT_PERMITTED", lambda: service.approve(db_session=db_session, clock=clock, actor=editor, version_id=version.id))
    _refused("OUT_OF_SCOPE", lambda: service.approve(db_session=db_session, clock=clock, actor=city, version_id=version.id))
    service.approve(db_session=db_session, clock=clock, actor=reviewer, version_id=version.id)
    assert service.publish(db_session=db_session, clock=clock, actor=reviewer, version_id=version.id).state == "published"
    assert service.may_review(db_session=db_session, actor=city, item=city_item)
    assert not service.may_review(db_session=db_session, actor=reviewer, item=city_item)
